"""The /_sim/ admin endpoints: never part of the WebNIC contract (tests drive the simulator)."""

from __future__ import annotations

import datetime
import time

from .. import ca as calib
from .. import dcv
from ..common import Raw, as_int, iso, money, parse_iso, to_cents, valid_hostname
from ..errors import FieldErrors, business_rule, field_error
from ..state import State


class AdminHandlers(State):
    def admin_orders(self, req):
        wanted = (req.query.get("commonName") or "").lower()
        return [
            {
                "orderId": o["orderId"],
                "id": o["id"],
                "commonName": o["commonName"],
                "sanfield": o["sanfield"],
                "product": o["productKey"],
                "term": o["term"],
                "status": o["orderStatus"],
                "certStatus": o["certStatus"],
                "authType": o["authType"],
                "price": money(o["priceCents"]),
                "refund": money(o.get("refundCents", 0)),
                "parentOrderId": o.get("parentOrderId"),
                "renewedBy": o.get("renewedBy"),
                "approverSends": o.get("approverSends", 0),
                "dcv": [
                    {"name": i["name"], "authType": i["authType"], "status": i["status"], "message": i.get("message")}
                    for i in o["dcv"]
                ],
                "dtcreate": o["dtcreate"],
                "dtsettle": o["dtsettle"],
                "dtcertexpire": o["dtcertexpire"],
            }
            for o in self.store.all("order")
            if not wanted or o["commonName"] == wanted
        ]

    def admin_balance_get(self, req):
        return {"balance": money(self.balance_cents()), "currency": "USD"}

    def admin_balance_set(self, req):
        errors = FieldErrors()
        try:
            cents = to_cents(req.json().get("amount"))
        except (TypeError, ValueError):
            errors.add("amount", "must be a number")
            errors.raise_if_any()
        if cents < 0:
            raise field_error("amount", "must not be negative")
        self.store.set_kv("balance_cents", cents)
        return self.admin_balance_get(req)

    def admin_expire_tokens(self, req):
        count = len(self.store.all("token"))
        self.store.delete_kind("token")
        return {"expired": count}

    def admin_approve(self, req):
        order = self.load_order(req.params["orderId"])
        approved = []
        for item in order["dcv"]:
            if item["authType"] == "email" and item["status"] != "VALIDATED":
                item["status"], item["message"] = "VALIDATED", f"approved by {item['value']}"
                approved.append(item["name"])
        self.save_order(order)
        order = self.advance(order)
        return {"approved": approved, "orderStatus": order["orderStatus"], "certStatus": order["certStatus"]}

    def admin_issue(self, req):
        """Issue a validated order now, whatever the issue delay (tests that hold issuance back with a long one)."""
        order = self.load_order(req.params["orderId"])
        if order.get("issueAt") is None:
            raise business_rule(f"Order {order['orderId']} is not validated: nothing to issue")
        order["issueAt"] = time.time()
        self.save_order(order)
        order = self.advance(order)
        return {"orderStatus": order["orderStatus"], "certStatus": order["certStatus"]}

    def admin_check(self, req):
        return self.dcv_status_data(self.advance(self.load_order(req.params["orderId"])))

    def admin_age(self, req):
        order = self.load_order(req.params["orderId"])
        errors = FieldErrors()
        days = as_int(req.json().get("days"), "days", errors)
        errors.raise_if_any()
        if not order["certificate"]:
            raise business_rule(f"Order {order['orderId']} has no certificate to age")
        shift = datetime.timedelta(days=days)
        from cryptography import x509

        cert = x509.load_pem_x509_certificate(order["certificate"].encode())
        not_before = cert.not_valid_before_utc - shift
        not_after = cert.not_valid_after_utc - shift
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName
        )
        organization = None
        orgs = cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
        if orgs:
            organization = orgs[0].value
        order["certificate"] = self.ca.issue(
            cert.public_key(), order["commonName"], names, not_before, not_after, organization
        )
        for key in ("dtsettle", "dtorderexpire", "dtcertexpire", "dtissued"):
            if order.get(key):
                order[key] = iso(parse_iso(order[key]) - shift)
        if order["orderStatus"] == "EXPIRED" and not_after > calib.utcnow():
            order["orderStatus"], order["certStatus"] = "COMPLETED", "ACTIVE"
        self.save_order(order)
        order = self.advance(order)
        return {
            "orderId": order["orderId"],
            "orderStatus": order["orderStatus"],
            "certStatus": order["certStatus"],
            "dtsettle": order["dtsettle"],
            "dtcertexpire": order["dtcertexpire"],
        }

    def admin_revoke(self, req):
        order = self.load_order(req.params["orderId"])
        if not order["certificate"]:
            raise business_rule(f"Order {order['orderId']} has no certificate to revoke")
        order["orderStatus"] = order["certStatus"] = "REVOKED"
        order["pendingCsr"] = order["pendingSanfield"] = order["issueAt"] = None
        self.save_order(order)
        return {"orderId": order["orderId"], "orderStatus": "REVOKED", "certStatus": "REVOKED"}

    def admin_resolve(self, req):
        body = req.json()
        name = str(body.get("name") or "").lower()
        if not valid_hostname(name, allow_wildcard=False):
            raise field_error("name", "must be a host name")
        resolve = self.store.get_kv("resolve", {})
        if body.get("address") in (None, ""):
            resolve.pop(name, None)
        else:
            dcv.parse_address(body["address"])
            resolve[name] = body["address"]
        self.store.set_kv("resolve", resolve)
        return resolve

    def admin_resolve_get(self, req):
        return self.store.get_kv("resolve", {})

    def admin_config(self, req):
        body = req.json()
        if "issue_delay" in body:
            try:
                delay = float(body["issue_delay"])
            except (TypeError, ValueError):
                raise field_error("issue_delay", "must be a number of seconds") from None
            if delay < 0:
                raise field_error("issue_delay", "must not be negative")
            self.store.set_kv("issue_delay", delay)
        return {
            "issue_delay": self.store.get_kv("issue_delay", 0.0),
            "token_ttl": self.token_ttl,
            "org_validation_delay": self.org_validation_delay,
            "profile": self.profile,
            "missing": sorted(f"{method} {path}" for method, path in self.missing),
            "renew_answer": self.renew_answer,
            "download_encoding": self.download_encoding,
            "clock_offset": calib.CLOCK["offset"],
        }

    def admin_validate_org(self, req):
        org = self.load_org(req.params["organizationId"])
        body = req.json()
        status = body.get("status", "VALIDATED")
        if status not in ("VALIDATED", "REJECTED", "PENDING"):
            raise field_error("status", "must be VALIDATED, REJECTED or PENDING")
        org.update(
            validationStatus=status,
            reason=body.get("reason"),
            dtvalidated=iso(calib.utcnow()) if status == "VALIDATED" else None,
        )
        self.store.put("org", org["organizationId"], org)
        return self.org_validation_data(org)

    def admin_ca(self, req):
        return Raw(self.ca.root_pem.encode(), "application/x-pem-file", "ca.pem")
