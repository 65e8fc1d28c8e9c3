"""Domain control validation of an order: DCV status, change auth, auth info, approvers."""

from __future__ import annotations

from .. import dcv
from ..common import valid_hostname
from ..errors import FieldErrors, business_rule, field_error
from ..state import State


class DcvHandlers(State):
    def dcv_status(self, req):
        return self.dcv_status_data(self.advance(self.load_order(req.params["orderId"])))

    def _pending_dcv_order(self, order_id):
        order = self.advance(self.load_order(order_id))
        if order["orderStatus"] not in ("PENDING", "PENDING_REISSUE"):
            raise business_rule(
                f"Order {order['orderId']} is not awaiting domain validation (status {order['orderStatus']})"
            )
        return order

    def dcv_change_auth(self, req):
        order = self._pending_dcv_order(req.params["orderId"])
        body = req.json()
        errors = FieldErrors()
        product = self.catalogue.get(order["productKey"])
        auth_type = body.get("authType")
        if not auth_type:
            errors.add("authType", "is required")
            errors.raise_if_any()
        domains = body.get("domains")
        names = {item["name"] for item in order["dcv"]}
        if domains is not None:
            unknown = [d for d in domains if d not in names] if isinstance(domains, list) else [domains]
            if unknown:
                errors.add("domains", f"not in the order: {', '.join(map(str, unknown))}")
        approvers = self._approvers(body.get("approverEmail"), errors)
        targets = [
            item["name"]
            for item in order["dcv"]
            if item["status"] != "VALIDATED" and (domains is None or item["name"] in domains)
        ]
        fresh = {item["name"]: item for item in self._instructions(targets, auth_type, approvers, product, errors)}
        errors.raise_if_any()
        order["dcv"] = [fresh.get(item["name"], item) for item in order["dcv"]]
        order["authType"] = auth_type
        self.save_order(order)
        return self._dcv_answer(order)

    def dcv_auth_info(self, req):
        return self._dcv_answer(self.advance(self.load_order(req.params["orderId"])))

    def approver_list(self, req):
        name = (req.query.get("commonName") or "").lower()
        if not valid_hostname(name, allow_wildcard=True):
            raise field_error("commonName", "must be a valid host name")
        return dcv.approver_list(name, self.zones)

    def approver_update(self, req):
        order = self._pending_dcv_order(req.params["orderId"])
        body = req.json()
        errors = FieldErrors()
        approvers = self._approvers(body.get("approverEmail"), errors)
        if not approvers:
            errors.add("approverEmail", "is required")
        errors.raise_if_any()
        email_items = {
            item["name"]: item for item in order["dcv"] if item["authType"] == "email" and item["status"] != "VALIDATED"
        }
        for domain, email in approvers.items():
            if domain == "@*":
                continue  # a lone bare address updates the names of its own domain only
            if domain == "*":
                targets = list(email_items)
            elif domain.startswith("@"):  # a bare address: the names on its domain
                targets = [n for n in email_items if dcv.registered_domain(n, self.zones) == domain[1:]]
            else:
                targets = [n for n in email_items if n == domain or dcv.base_name(n) == domain]
            if not targets:
                errors.add("approverEmail", f"{domain} has no pending e-mail validation in order {order['orderId']}")
            for name in targets:
                allowed = dcv.approver_list(name, self.zones)
                if email not in allowed:
                    errors.add(
                        "approverEmail",
                        f"{email} is not an approver address for {name}; use one of {', '.join(allowed)}",
                    )
                else:
                    email_items[name]["value"] = email
        errors.raise_if_any()
        self.save_order(order)
        return self._dcv_answer(order)

    def approver_send(self, req):
        order = self._pending_dcv_order(req.params["orderId"])
        pending = [
            item["value"] for item in order["dcv"] if item["authType"] == "email" and item["status"] != "VALIDATED"
        ]
        if not pending:
            raise business_rule(f"Order {order['orderId']} has no pending e-mail validation")
        order["approverSends"] = order.get("approverSends", 0) + 1
        self.save_order(order)
        return {"orderId": order["orderId"], "sent": sorted(set(pending))}
