"""The simulator's shared state over one Store: configuration, the account (balance, tokens), the
order lifecycle every resource reads (advance, DCV checks, issuance) and the pieces more than one
resource's handlers need (approvers, DCV instructions, contacts, organizations, TXT lookups).
The handler modules in webnic_sim.handlers subclass State; api.Backend combines them."""

from __future__ import annotations

import datetime
import time

from . import ca as calib
from . import dcv
from .catalogue import Catalogue
from .common import (
    CANCELLABLE,
    DEAD_STATUSES,
    EMAIL,
    MAX_CERT_DAYS,
    PROFILES,
    RESELLER_ID,
    iso,
    money,
    parse_iso,
    to_cents,
    token_key,
)
from .errors import ApiFailure, business_rule


class State:
    """The simulator's behaviour over one Store (call everything inside store.transaction())."""

    def __init__(
        self,
        store,
        token_ttl=3600,
        org_validation_delay=None,
        profile="documented",
        renew_answer="orderId",
        download_encoding="any",
    ):
        if profile not in PROFILES:
            raise ValueError(f"profile must be one of {', '.join(PROFILES)}")
        self.store = store
        self.catalogue = Catalogue()
        self.ca = calib.CertificateAuthority(store)
        self.token_ttl = token_ttl
        self.org_validation_delay = org_validation_delay
        # documented: answer only with the fields and shapes webnic-api.md marks [doc] or [code];
        # extended: also the simulator's extras (productKey on order rows, DCV per-domain status...).
        self.profile = profile
        self.renew_answer = renew_answer
        self.download_encoding = download_encoding
        # (method, path template) pairs answering a Spring-style 404 (--missing); the server checks them.
        self.missing = frozenset()

    @property
    def extended(self):
        return self.profile == "extended"

    def seed(self, users, balance, zones, issue_delay, resolves):
        """First start: the account; every start: extra users, zones, resolves and an explicit delay."""
        if self.store.is_new:
            self.store.set_kv("users", {})
            self.store.set_kv("balance_cents", to_cents(balance))
            self.store.set_kv("zones", [])
            self.store.set_kv("resolve", {})
            self.store.set_kv("issue_delay", 0.0)
            self.store.set_kv("initialized", True)
        stored_users = self.store.get_kv("users")
        stored_users.update(users)
        self.store.set_kv("users", stored_users)
        stored_zones = self.store.get_kv("zones")
        for zone in zones:
            if zone.lower() not in stored_zones:
                stored_zones.append(zone.lower())
        self.store.set_kv("zones", stored_zones)
        resolve = self.store.get_kv("resolve")
        for name, address in resolves.items():
            dcv.parse_address(address)
            resolve[name.lower()] = address
        self.store.set_kv("resolve", resolve)
        if issue_delay is not None:
            self.store.set_kv("issue_delay", float(issue_delay))

    @property
    def zones(self):
        return self.store.get_kv("zones", [])

    def balance_cents(self):
        return self.store.get_kv("balance_cents", 0)

    def charge(self, cents, what):
        balance = self.balance_cents()
        if cents > balance:
            raise business_rule(
                f"Insufficient balance for {what}: the price is {money(cents):.2f} USD, "
                f"the balance is {money(balance):.2f} USD"
            )
        self.store.set_kv("balance_cents", balance - cents)

    def authenticate(self, headers):
        value = headers.get("authorization") or ""
        scheme, _unused, token = value.partition(" ")
        record = self.store.get("token", token_key(token.strip())) if scheme.lower() == "bearer" else None
        if record is None or record["exp"] <= calib.now_timestamp():
            raise ApiFailure(401, "RES4001", "Invalid or expired token")
        return record["user"]

    def load_order(self, order_id):
        order = self.store.get("order", str(order_id)) if order_id else None
        if order is None:
            raise business_rule(f"Order {order_id} not found")
        return order

    def save_order(self, order, touched=True):
        if touched:
            order["dtmodify"] = iso(calib.utcnow())
        self.store.put("order", order["orderId"], order)

    def is_live(self, order_id):
        order = self.store.get("order", order_id) if order_id else None
        return bool(order) and order["orderStatus"] not in DEAD_STATUSES

    def order_info_data(self, order):
        status = order["orderStatus"]
        data = {
            "id": order["id"],
            "orderId": order["orderId"],
            "commonName": order["commonName"],
            "resid": RESELLER_ID,
            "sanfield": list(order["sanfield"]),
            "term": str(order["term"]),
            "orderStatus": status,
            "certStatus": order["certStatus"],
            "product": order["product"],
            "renewal": status in ("COMPLETED", "EXPIRED") and not self.is_live(order.get("renewedBy")),
            "reissue": status == "COMPLETED",
            "cancel": status in CANCELLABLE,
            "dtcreate": order["dtcreate"],
            "dtmodify": order["dtmodify"],
            "dtsettle": order["dtsettle"],
            "dtorderexpire": order["dtorderexpire"],
            "dtcertexpire": order["dtcertexpire"],
            "admid": order["admid"],
            "tecid": order["tecid"],
            "authType": order["authType"],
        }
        if self.extended:
            data.update(
                productKey=order["productKey"],
                organizationId=order.get("organizationId"),
                parentOrderId=order.get("parentOrderId"),
                renewedBy=order.get("renewedBy"),
            )
        return data

    def advance(self, order):
        """Move an order along: run DCV checks, hand over to the CA, issue, expire, refund."""
        changed = False
        status = order["orderStatus"]
        if status == "CANCELLED":
            order["orderStatus"] = "REFUNDED"
            changed = True
        if status in ("PENDING", "PENDING_REISSUE"):
            changed |= self.run_dcv(order)
            if all(item["status"] == "VALIDATED" for item in order["dcv"]) and order.get("issueAt") is None:
                order["issueAt"] = time.time() + float(self.store.get_kv("issue_delay", 0.0))
                if status == "PENDING":
                    order["orderStatus"] = "IN_PROCESS"
                changed = True
        if order.get("issueAt") is not None and time.time() >= order["issueAt"]:
            self.issue(order)
            changed = True
        if order["orderStatus"] == "COMPLETED" and parse_iso(order["dtcertexpire"]) <= calib.utcnow():
            order["orderStatus"] = order["certStatus"] = "EXPIRED"
            changed = True
        if changed:
            self.save_order(order)
        return order

    def run_dcv(self, order, only_email_approve=False):
        changed = False
        resolve = self.store.get_kv("resolve", {})
        for item in order["dcv"]:
            if item["status"] == "VALIDATED":
                continue
            if item["authType"] == "file":
                ok, message = dcv.check_file(item, resolve)
            elif item["authType"] == "dns":
                ok, message = dcv.check_dns(item, self.zones, self.txt_values)
            else:
                continue  # e-mail: only the approver (POST /_sim/orders/{id}/approve) can complete it
            new_status = "VALIDATED" if ok else "FAILED"
            if (new_status, message) != (item["status"], item.get("message")):
                item["status"], item["message"] = new_status, message
                changed = True
        return changed

    def issue(self, order):
        now = calib.utcnow()
        csr_pem = order.get("pendingCsr") or order["csr"]
        sans = order["pendingSanfield"] if order.get("pendingSanfield") is not None else order["sanfield"]
        first_issue = order["certificate"] is None
        if first_issue:
            order["dtsettle"] = iso(now)
            order["dtorderexpire"] = iso(now + datetime.timedelta(days=365 * order["term"]))
        order_end = parse_iso(order["dtorderexpire"])
        not_after = min(now + datetime.timedelta(days=min(365 * order["term"], MAX_CERT_DAYS)), order_end)
        not_after = max(not_after, now + datetime.timedelta(days=1))
        organization = None
        if order.get("organizationId"):
            org = self.store.get("org", order["organizationId"])
            organization = org["organizationName"] if org else None
        order["certificate"] = self.ca.issue(
            calib.load_public_key_from_csr(csr_pem),
            order["commonName"],
            [order["commonName"], *sans],
            now,
            not_after,
            organization,
        )
        order["csr"], order["sanfield"] = csr_pem, list(sans)
        order["pendingCsr"] = order["pendingSanfield"] = order["issueAt"] = None
        order["dtcertexpire"] = iso(not_after)
        order["dtissued"] = iso(now)
        order["orderStatus"], order["certStatus"] = "COMPLETED", "ACTIVE"

    def _approvers(self, value, errors):
        if value is None:
            return {}
        if isinstance(value, str):
            return {"*": value}
        if not isinstance(value, list):
            errors.add("approverEmail", "must be a list of {domain, email}")
            return {}
        result = {}
        for item in value:
            if isinstance(item, str) and EMAIL.match(item):
                # One public client sends bare addresses: each approves the names of its own domain
                # ("@domain"); a lone address is also the fallback for every other name ("@*").
                result["@" + item.rpartition("@")[2].lower()] = item
                if len(value) == 1:
                    result["@*"] = item
                continue
            if not isinstance(item, dict) or not item.get("domain") or not item.get("email"):
                errors.add("approverEmail", "each item needs domain and email (or is an e-mail address)")
                continue
            result[str(item["domain"]).lower()] = item["email"]
        return result

    def _instructions(self, names, auth_type, approvers, product, errors):
        if auth_type not in dcv.AUTH_TYPES:
            errors.add("authType", f"must be one of {', '.join(dcv.AUTH_TYPES)}")
            return []
        if auth_type not in product["authTypes"]:
            errors.add("authType", f"{auth_type} validation is not offered for {product['productKey']}")
            return []
        result = []
        for name in names:
            approver = (
                approvers.get(name)
                or approvers.get(dcv.base_name(name))
                or approvers.get("@" + dcv.registered_domain(name, self.zones))
                or approvers.get("@*")
                or approvers.get("*")
            )
            try:
                result.append(dcv.new_instruction(name, auth_type, approver, self.zones))
            except ApiFailure as failure:
                for field_name, messages in failure.field_errors.items():
                    for message in messages:
                        errors.add(field_name, message)
        return result

    def _check_contact(self, contact_id, field_name, errors, required=False):
        if not contact_id:
            if required:
                errors.add(field_name, "is required")
            return None
        if self.store.get("contact", contact_id) is None:
            errors.add(field_name, f"contact {contact_id} does not exist")
        return contact_id

    def _dcv_answer(self, order, extra=None):
        """Place/Renew/Reissue/Change Auth answer: orderId and the DCV objects; `extra` only when extended."""
        answer = {"orderId": order["orderId"]}
        if self.extended:
            answer.update(extra or {})
        answer["commonName"] = dcv.public(order["dcv"][0], self.extended)
        answer["san"] = [dcv.public(item, self.extended) for item in order["dcv"][1:]]
        return answer

    def refresh_org(self, org):
        """Apply --org-validation-delay: a PENDING organization validates itself after that many seconds."""
        if (
            org["validationStatus"] == "PENDING"
            and self.org_validation_delay is not None
            and time.time() >= org["submittedAt"] + self.org_validation_delay
        ):
            org["validationStatus"], org["dtvalidated"] = "VALIDATED", iso(calib.utcnow())
            self.store.put("org", org["organizationId"], org)
        return org

    def load_org(self, org_id):
        org = self.store.get("org", org_id or "")
        if org is None:
            raise business_rule(f"Organization {org_id} not found")
        return self.refresh_org(org)

    def txt_values(self, zone, name):
        rrset = self.store.get("rrset", f"{zone}|{name}|TXT")
        return rrset["values"] if rrset else []

    def dcv_status_data(self, order):
        """Check DCV Status's answer for an order already advanced."""
        answer = {"orderId": order["orderId"], "orderStatus": order["orderStatus"], "certStatus": order["certStatus"]}
        if not self.extended:
            return answer  # the per-domain list is [assumed]
        return {
            **answer,
            "domains": [
                {
                    "name": item["name"],
                    "authType": item["authType"],
                    "status": item["status"],
                    "message": item.get("message"),
                }
                for item in order["dcv"]
            ],
        }

    def org_validation_data(self, org):
        return {
            key: org.get(key) for key in ("organizationId", "validationStatus", "reason", "dtsubmit", "dtvalidated")
        }
