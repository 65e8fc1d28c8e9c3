"""Products and CSRs: product list, prices, info, rules, pricing; CSR generate and decode."""

from __future__ import annotations

from .. import ca as calib
from ..common import COUNTRIES, as_int, valid_hostname
from ..errors import FieldErrors, field_error
from ..state import State


class ProductHandlers(State):
    def products_list(self, req):
        return [self.catalogue.public(product, self.extended) for product in self.catalogue.products.values()]

    def products_list_price(self, req):
        return self.catalogue.list_with_prices(self.extended)

    def product_info(self, req):
        return self.catalogue.public(self.catalogue.get(req.query.get("productKey")), self.extended)

    def product_rules(self, req):
        return self.catalogue.rules(self.catalogue.get(req.query.get("productKey")), self.extended)

    def product_price(self, req):
        product = self.catalogue.get(req.query.get("productKey"))
        errors = FieldErrors()
        term = as_int(req.query.get("term"), "term", errors, 1)
        common = as_int(req.query.get("commonSAN"), "commonSAN", errors, 0)
        wildcard = as_int(req.query.get("wildcardSAN"), "wildcardSAN", errors, 0)
        errors.raise_if_any()
        return self.catalogue.price(product, term, common, wildcard)

    def csr_generate(self, req):
        body = req.json()
        errors = FieldErrors()
        common_name = str(body.get("commonName") or "").lower()
        if not valid_hostname(common_name, allow_wildcard=True):
            errors.add("commonName", "must be a valid host name (optionally *.name)")
        key_type = body.get("keyType") or "RSA-2048"
        if key_type not in calib.KEY_TYPES:
            errors.add("keyType", f"must be one of {', '.join(calib.KEY_TYPES)}")
        country = body.get("countryCode")
        if country and country not in COUNTRIES:
            errors.add("countryCode", "must be an ISO 3166-1 alpha-2 code")
        sans = body.get("sans") or []
        if not isinstance(sans, list) or not all(valid_hostname(str(s).lower(), True) for s in sans):
            errors.add("sans", "must be a list of valid host names")
        errors.raise_if_any()
        subject = {
            key: body.get(key) for key in ("organization", "organizationUnit", "city", "state", "countryCode", "email")
        }
        subject["commonName"] = common_name
        csr, key = calib.generate_csr(subject, key_type, [str(s).lower() for s in sans])
        return {"csr": csr, "privateKey": key}

    def csr_decode(self, req):
        body = req.json()
        try:
            csr = calib.load_csr(body.get("csr"))
        except calib.CSRError as exc:
            raise field_error("csr", str(exc)) from None
        return calib.describe_csr(csr)
