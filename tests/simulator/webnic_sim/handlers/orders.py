"""Orders: info, search, statistics; place, renew, reissue, cancel, download."""

from __future__ import annotations

from .. import ca as calib
from ..catalogue import chargeable_sans
from ..common import (
    CANCELLABLE,
    ORDER_STATUSES,
    Raw,
    as_bool,
    as_int,
    filter_rows,
    iso,
    money,
    paginate,
    to_cents,
    valid_hostname,
)
from ..errors import ApiFailure, FieldErrors, business_rule, field_error
from ..state import State


class OrderHandlers(State):
    def order_info(self, req):
        order_id, common_name = req.query.get("orderId"), (req.query.get("commonName") or "").lower()
        if not order_id and not common_name:
            raise field_error("orderId", "orderId or commonName is required")
        if order_id:
            order = self.load_order(order_id)
            if common_name and order["commonName"] != common_name:
                raise business_rule(f"Order {order_id} is not for {common_name}")
        else:
            matches = [o for o in self.store.all("order") if o["commonName"] == common_name]
            if not matches:
                raise business_rule(f"No order found for {common_name}")
            order = matches[-1]
        return self.order_info_data(self.advance(order))

    def order_search(self, req):
        body = req.json()
        errors = FieldErrors()
        orders = [self.advance(order) for order in self.store.all("order")]
        rows = [
            {
                "orderId": o["orderId"],
                "commonName": o["commonName"],
                "term": str(o["term"]),
                "orderStatus": o["orderStatus"],
                "certStatus": o["certStatus"],
                "product": o["product"],
                "productKey": o["productKey"],
                "dtcreate": o["dtcreate"],
                "dtorderexpire": o["dtorderexpire"],
                "dtcertexpire": o["dtcertexpire"],
            }
            for o in reversed(orders)
        ]
        fields = ("orderId", "commonName", "orderStatus", "certStatus", "product")
        if self.extended:
            fields += ("productKey",)
        rows = filter_rows(rows, body.get("filters"), fields, errors)
        page = paginate(rows, body.get("pagination"), errors)
        if not self.extended:
            page["items"] = [{k: v for k, v in row.items() if k != "productKey"} for row in page["items"]]
        return page

    def order_statistics(self, req):
        counts = dict.fromkeys(ORDER_STATUSES, 0)
        for order in self.store.all("order"):
            counts[order["orderStatus"]] += 1
        return counts

    def order_graph_statistics(self, req):
        today = calib.utcnow()
        months = []
        year, month = today.year, today.month
        for _unused in range(12):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        counts = dict.fromkeys(reversed(months), 0)
        for order in self.store.all("order"):
            key = order["dtcreate"][:7]
            if key in counts:
                counts[key] += 1
        return [{"month": key, "count": value} for key, value in counts.items()]

    def _names(self, product, common_name, sanfield, errors):
        """Validate CN and SANs against the product; returns the stored SAN list."""
        if not valid_hostname(common_name, allow_wildcard=True):
            errors.add("csr", f"the CSR common name '{common_name}' is not a valid host name")
        elif common_name.startswith("*.") and not product["wildcard"]:
            errors.add("csr", f"{product['productKey']} does not allow a wildcard common name")
        elif product["wildcard"] and not common_name.startswith("*."):
            errors.add("csr", f"{product['productKey']} is a wildcard product: the common name must be *.domain")
        if sanfield is None:
            sanfield = []
        if not isinstance(sanfield, list) or not all(isinstance(name, str) for name in sanfield):
            errors.add("sanfield", "must be a list of host names")
            return []
        sans = [name for name in dict.fromkeys(n.strip().lower() for n in sanfield) if name != common_name]
        for name in sans:
            if not valid_hostname(name, allow_wildcard=True):
                errors.add("sanfield", f"'{name}' is not a valid host name")
        common, wildcard = chargeable_sans(common_name, sans)
        if common and not product["allowSan"]:
            errors.add("sanfield", f"{product['productKey']} does not support SAN names ({', '.join(common)})")
        if wildcard and not product["allowWSan"]:
            errors.add(
                "sanfield", f"{product['productKey']} does not support wildcard SAN names ({', '.join(wildcard)})"
            )
        if len(common) + len(wildcard) > product["maxSan"]:
            errors.add(
                "sanfield",
                f"{len(common) + len(wildcard)} SAN names exceed the maximum of {product['maxSan']} "
                f"for {product['productKey']}",
            )
        return sans

    def _csr(self, product, pem, errors):
        try:
            csr = calib.load_csr(pem)
        except calib.CSRError as exc:
            errors.add("csr", str(exc))
            return None, None
        _unused, _unused2, key_type = calib.key_type_of(csr.public_key())
        if key_type not in product["keyTypes"]:
            errors.add(
                "csr",
                f"key type {key_type or 'unsupported'} is not allowed for {product['productKey']}; "
                f"allowed: {', '.join(product['keyTypes'])}",
            )
        common_name = (calib.describe_csr(csr)["commonName"] or "").lower()
        if not common_name:
            errors.add("csr", "the CSR has no common name")
        return csr, common_name

    def _new_order(
        self,
        product,
        term,
        csr_pem,
        common_name,
        sans,
        auth_type,
        dcv_items,
        cents,
        contacts,
        org_id,
        parent=None,
        note=None,
    ):
        now = iso(calib.utcnow())
        number = self.store.next_counter("order", 1)
        order = {
            "id": 10000000 + number,
            "orderId": str(1153063900 + number),
            "commonName": common_name,
            "sanfield": sans,
            "term": term,
            "productKey": product["productKey"],
            "product": product["productName"],
            "orderStatus": "PENDING",
            "certStatus": "INITIAL",
            "priceCents": cents,
            "parentOrderId": parent,
            "renewedBy": None,
            "admid": contacts[0],
            "tecid": contacts[1],
            "shpid": contacts[2],
            "organizationId": org_id,
            "authType": auth_type,
            "dcv": dcv_items,
            "csr": csr_pem,
            "pendingCsr": None,
            "pendingSanfield": None,
            "certificate": None,
            "dtcreate": now,
            "dtmodify": now,
            "dtsettle": None,
            "dtorderexpire": None,
            "dtcertexpire": None,
            "issueAt": None,
            "approverSends": 0,
            "specialInstruction": note,
        }
        self.save_order(order)
        return order

    def _require_org(self, product, org_id, errors):
        if product["certType"] not in ("OV", "EV"):
            return None
        if not org_id:
            errors.add("organizationId", f"is required for {product['certType']} product {product['productKey']}")
            return None
        org = self.store.get("org", org_id)
        if org is None:
            errors.add("organizationId", f"organization {org_id} does not exist")
            return None
        org = self.refresh_org(org)
        if org["validationStatus"] != "VALIDATED":
            errors.add("organizationId", f"organization {org_id} is {org['validationStatus']}, not VALIDATED")
        return org_id

    def _charge_order(self, product, term, common_name, sans, what):
        """Price an order of ``product`` for these names (chargeable SANs only) and charge the balance:
        ``(price answer, cents)``."""
        common, wildcard = chargeable_sans(common_name, sans)
        price = self.catalogue.price(product, term, len(common), len(wildcard))
        cents = to_cents(price["price"])
        self.charge(cents, what)
        return price, cents

    def order_new(self, req):
        body = req.json()
        errors = FieldErrors()
        product = self.catalogue.products.get(body.get("productKey"))
        if product is None:
            errors.add(
                "productKey", f"unknown product '{body.get('productKey')}'" if body.get("productKey") else "is required"
            )
            errors.raise_if_any()
        term = as_int(body.get("term"), "term", errors)
        if term is not None and term not in product["terms"]:
            errors.add("term", f"must be one of {product['terms']}")
        csr, common_name = self._csr(product, body.get("csr"), errors)
        sans = self._names(product, common_name, body.get("sanfield"), errors) if csr and common_name else []
        contacts = (
            self._check_contact(body.get("administratorContactId"), "administratorContactId", errors, required=True),
            self._check_contact(body.get("technicalContactId"), "technicalContactId", errors),
            self._check_contact(body.get("shipmentContactId"), "shipmentContactId", errors),
        )
        org_id = self._require_org(product, body.get("organizationId"), errors)
        auth_type = body.get("authType") or "email"
        approvers = self._approvers(body.get("approverEmail"), errors)
        items = self._instructions([common_name, *sans], auth_type, approvers, product, errors) if common_name else []
        errors.raise_if_any()
        what = f"{product['productKey']} for {common_name}"
        price, cents = self._charge_order(product, term, common_name, sans, what)
        order = self._new_order(
            product,
            term,
            body["csr"].strip() + "\n",
            common_name,
            sans,
            auth_type,
            items,
            cents,
            contacts,
            org_id,
            note=body.get("specialInstruction"),
        )
        return self._dcv_answer(order, {"price": price["price"], "currency": price["currency"]})

    def order_renew(self, req):
        parent = self.advance(self.load_order(req.params["orderId"]))
        if not self.order_info_data(parent)["renewal"]:
            raise business_rule(
                f"Order {parent['orderId']} cannot be renewed in status {parent['orderStatus']}"
                + (
                    f" (already renewed by order {parent['renewedBy']})"
                    if self.is_live(parent.get("renewedBy"))
                    else ""
                )
            )
        body = req.json()
        errors = FieldErrors()
        product = self.catalogue.get(parent["productKey"])
        term = as_int(body.get("term"), "term", errors, parent["term"])
        if term is not None and term not in product["terms"]:
            errors.add("term", f"must be one of {product['terms']}")
        csr, common_name = self._csr(product, body.get("csr"), errors)
        if csr is not None and common_name and common_name != parent["commonName"]:
            errors.add("csr", f"the CSR common name {common_name} differs from the order's {parent['commonName']}")
        auth_type = body.get("authType") or parent["authType"]
        approvers = self._approvers(body.get("approverEmail"), errors)
        items = self._instructions([parent["commonName"]] + parent["sanfield"], auth_type, approvers, product, errors)
        org_id = self._require_org(product, parent.get("organizationId"), errors)
        errors.raise_if_any()
        price, cents = self._charge_order(
            product, term, parent["commonName"], parent["sanfield"], f"renewal of order {parent['orderId']}"
        )
        order = self._new_order(
            product,
            term,
            body["csr"].strip() + "\n",
            parent["commonName"],
            list(parent["sanfield"]),
            auth_type,
            items,
            cents,
            (parent["admid"], parent["tecid"], parent.get("shpid")),
            org_id,
            parent=parent["orderId"],
        )
        parent["renewedBy"] = order["orderId"]
        self.save_order(parent)
        answer = self._dcv_answer(
            order, {"price": price["price"], "currency": price["currency"], "parentOrderId": parent["orderId"]}
        )
        if self.renew_answer == "renewOrder":
            # One public client reads the new id at data.renewOrder.orderId (--renew-answer renewOrder).
            answer["renewOrder"] = {"orderId": answer.pop("orderId")}
        return answer

    def order_reissue(self, req):
        order = self.advance(self.load_order(req.params["orderId"]))
        if order["orderStatus"] != "COMPLETED":
            raise business_rule(f"Order {order['orderId']} cannot be reissued in status {order['orderStatus']}")
        body = req.json()
        errors = FieldErrors()
        product = self.catalogue.get(order["productKey"])
        csr, common_name = self._csr(product, body.get("csr"), errors)
        if csr is not None and common_name and common_name != order["commonName"]:
            errors.add("csr", f"the CSR common name {common_name} differs from the order's {order['commonName']}")
        sanfield = body.get("sanfield")
        sans = order["sanfield"] if sanfield is None else self._names(product, order["commonName"], sanfield, errors)
        auth_type = body.get("authType") or order["authType"]
        approvers = self._approvers(body.get("approverEmail"), errors)
        items = self._instructions([order["commonName"], *sans], auth_type, approvers, product, errors)
        errors.raise_if_any()
        order.update(
            pendingCsr=body["csr"].strip() + "\n",
            pendingSanfield=list(sans),
            dcv=items,
            authType=auth_type,
            orderStatus="PENDING_REISSUE",
            certStatus="PENDING_REISSUE",
            issueAt=None,
        )
        self.save_order(order)
        return self._dcv_answer(order)

    def order_cancel(self, req):
        order = self.advance(self.load_order(req.params["orderId"]))
        if order["orderStatus"] not in CANCELLABLE:
            raise business_rule(
                f"Order {order['orderId']} cannot be cancelled in status {order['orderStatus']}: "
                "only orders not yet issued can be cancelled"
            )
        order["orderStatus"] = order["certStatus"] = "CANCELLED"
        order["issueAt"] = None
        order["refundCents"] = order["priceCents"]
        self.store.set_kv("balance_cents", self.balance_cents() + order["priceCents"])
        self.save_order(order)
        return {
            "orderId": order["orderId"],
            "orderStatus": "CANCELLED",
            "refund": money(order["priceCents"]),
            "currency": "USD",
        }

    def order_download(self, req):
        order = self.advance(self.load_order(req.params["orderId"]))
        fmt = req.params["format"].upper()
        if fmt not in ("PEM", "PKCS7", "PFX"):
            raise field_error("format", "must be PEM, PKCS7 or PFX")
        multipart = "multipart/form-data" in req.headers.get("content-type", "")
        if self.download_encoding == "multipart" and not multipart:
            # --download-encoding multipart: like a server whose handler consumes only form data.
            raise ApiFailure(
                415,
                "SSL4015",
                f"Content type '{req.headers.get('content-type') or 'none'}' is not supported: "
                "send multipart/form-data (bundle, pfxPassword, privateKey as a file part)",
            )
        if not order["certificate"]:
            raise business_rule(f"Order {order['orderId']} has no certificate yet (status {order['orderStatus']})")
        body = req.body if isinstance(req.body, dict) else {}
        bundle = as_bool(body.get("bundle"), True)
        stem = order["commonName"].replace("*", "star")
        if fmt == "PEM":
            return Raw(
                self.ca.pem_bundle(order["certificate"], bundle).encode(), "application/x-pem-file", stem + ".pem"
            )
        if fmt == "PKCS7":
            return Raw(self.ca.pkcs7(order["certificate"], bundle), "application/pkcs7-mime", stem + ".p7b")
        if not body.get("privateKey"):
            raise field_error("privateKey", "is required for PFX")
        try:
            content = self.ca.pfx(
                order["certificate"],
                bundle,
                str(body["privateKey"]),
                body.get("pfxPassword") or "",
                order["commonName"],
            )
        except calib.CSRError as exc:
            raise field_error("privateKey", str(exc)) from None
        return Raw(content, "application/x-pkcs12", stem + ".pfx")
