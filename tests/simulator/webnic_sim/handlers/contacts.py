"""Contacts and organizations: create, info, delete, search, contact, validation."""

from __future__ import annotations

import time

from .. import ca as calib
from ..common import (
    CONTACT_FIELDS,
    CONTACT_REQUIRED,
    CONTACT_TYPES,
    COUNTRIES,
    DEAD_STATUSES,
    EMAIL,
    ORG_FIELDS,
    ORG_REQUIRED,
    PHONE,
    filter_rows,
    iso,
    paginate,
)
from ..errors import FieldErrors, business_rule, field_error
from ..state import State


class ContactHandlers(State):
    def _check_address_fields(self, data, required, prefix, errors):
        for name in required:
            if not str(data.get(name) or "").strip():
                errors.add(prefix + name, "is required")
        if data.get("countryCode") and data["countryCode"] not in COUNTRIES:
            errors.add(prefix + "countryCode", "must be an ISO 3166-1 alpha-2 code, e.g. MY")
        for name in ("phoneNumber", "faxNumber"):
            if data.get(name) and not PHONE.match(str(data[name])):
                errors.add(prefix + name, "must look like +CC.number, e.g. +60.312345678")
        if data.get("email") and not EMAIL.match(str(data["email"])):
            errors.add(prefix + "email", "must be an e-mail address")

    def contact_create(self, req):
        body = req.json()
        errors = FieldErrors()
        if not body:
            errors.add("administrator", "at least one of administrator, technical, shipment is required")
        for key, data in body.items():
            if key not in CONTACT_TYPES:
                errors.add(key, f"unknown contact type; use {', '.join(CONTACT_TYPES)}")
            elif not isinstance(data, dict):
                errors.add(key, "must be an object")
            else:
                self._check_address_fields(data, CONTACT_REQUIRED, key + ".", errors)
        errors.raise_if_any()
        created = []
        for key, data in body.items():
            contact_id = f"SSL{self.store.next_counter('contact', 10618)}T"
            record = {name: data.get(name) for name in CONTACT_FIELDS}
            record.update(contactId=contact_id, contactType=key)
            self.store.put("contact", contact_id, record)
            created.append({"contactType": key, "contactId": contact_id})
        return created

    def contact_info(self, req):
        contact = self.store.get("contact", req.query.get("contactId") or "")
        if contact is None:
            raise business_rule(f"Contact {req.query.get('contactId')} not found")
        return contact

    def contact_delete(self, req):
        contact_id = req.params["contactId"]
        if self.store.get("contact", contact_id) is None:
            raise business_rule(f"Contact {contact_id} not found")
        users = [
            o["orderId"]
            for o in self.store.all("order")
            if o["orderStatus"] not in DEAD_STATUSES and contact_id in (o["admid"], o["tecid"], o.get("shpid"))
        ]
        if users:
            raise business_rule(f"Contact {contact_id} is used by live orders {', '.join(users)}")
        self.store.delete("contact", contact_id)
        return None

    def org_create(self, req):
        body = req.json()
        errors = FieldErrors()
        self._check_address_fields(body, ORG_REQUIRED, "", errors)
        if body.get("contactId"):
            self._check_contact(body["contactId"], "contactId", errors)
        errors.raise_if_any()
        org_id = f"ORG{self.store.next_counter('org', 50001)}"
        org = {name: body.get(name) for name in ORG_FIELDS}
        org.update(
            organizationId=org_id,
            validationStatus="NOT_SUBMITTED",
            reason=None,
            dtcreate=iso(calib.utcnow()),
            dtsubmit=None,
            dtvalidated=None,
            submittedAt=None,
        )
        self.store.put("org", org_id, org)
        return {"organizationId": org_id}

    def _org_public(self, org):
        return {key: value for key, value in org.items() if key != "submittedAt"}

    def org_info(self, req):
        return self._org_public(self.load_org(req.query.get("organizationId")))

    def org_search(self, req):
        body = req.json()
        errors = FieldErrors()
        rows = [self._org_public(self.refresh_org(org)) for org in reversed(self.store.all("org"))]
        rows = filter_rows(
            rows, body.get("filters"), ("organizationId", "organizationName", "validationStatus", "countryCode"), errors
        )
        return paginate(rows, body.get("pagination"), errors)

    def org_update_contact(self, req):
        org = self.load_org(req.params["organizationId"])
        errors = FieldErrors()
        contact_id = self._check_contact(req.json().get("contactId"), "contactId", errors, required=True)
        errors.raise_if_any()
        org["contactId"] = contact_id
        self.store.put("org", org["organizationId"], org)
        return self._org_public(org)

    def org_submit_validation(self, req):
        org = self.load_org(req.params["organizationId"])
        if org["validationStatus"] in ("PENDING", "VALIDATED"):
            raise business_rule(f"Organization {org['organizationId']} is already {org['validationStatus']}")
        if not org.get("contactId"):
            raise field_error(
                "contactId", "the organization needs a contact before validation (Update Organization Contact)"
            )
        org.update(validationStatus="PENDING", reason=None, dtsubmit=iso(calib.utcnow()), submittedAt=time.time())
        self.store.put("org", org["organizationId"], org)
        return self.org_validation_data(org)

    def org_get_validation(self, req):
        return self.org_validation_data(self.load_org(req.params["organizationId"]))
