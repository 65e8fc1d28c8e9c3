"""The product catalogue (data/products.json) and the price rules of Get Product Price."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import business_rule, field_error

CATALOGUE_PATH = Path(__file__).with_name("data") / "products.json"


def companion_of(name):
    """The one extra name a certificate includes for free: `*.d` and `www.d` include `d`, `d` includes `www.d`."""
    if name.startswith("*."):
        return name[2:]
    if name.startswith("www."):
        return name[4:]
    return "www." + name


def chargeable_sans(common_name, sans):
    """(common SANs, wildcard SANs): the SAN names that are charged and count against maxSan.

    The common name itself and its companion name (see companion_of) are free.
    """
    free = {common_name, companion_of(common_name)}
    extra = [name for name in dict.fromkeys(sans) if name not in free]
    wildcard = [name for name in extra if name.startswith("*.")]
    common = [name for name in extra if not name.startswith("*.")]
    return common, wildcard


class Catalogue:
    def __init__(self, path=CATALOGUE_PATH):
        data = json.loads(Path(path).read_text())
        self.currency = data["currency"]
        self.products = {product["productKey"]: product for product in data["products"]}

    def get(self, product_key):
        """The product or HTTP 400 SSL2400 when it is unknown."""
        if not product_key:
            raise field_error("productKey", "is required")
        product = self.products.get(product_key)
        if product is None:
            raise business_rule(f"Product '{product_key}' does not exist")
        return product

    @staticmethod
    def public(product, extended=True):
        """The product as Get Product Info / Product List show it (terms, key and auth types: extended only)."""
        row = {
            "productKey": product["productKey"],
            "productName": product["productName"],
            "provider": product["provider"],
            "certType": product["certType"],
            "wildcard": product["wildcard"],
            "allowSan": product["allowSan"],
            "allowWSan": product["allowWSan"],
            "allowWsan": product["allowWSan"],
            "maxSan": product["maxSan"],
            "bundle": product["bundle"],
        }
        if extended:
            row.update(
                terms=list(product["terms"]),
                keyTypes=list(product["keyTypes"]),
                authTypes=list(product["authTypes"]),
                currency="USD",
            )
        return row

    @staticmethod
    def rules(product, extended=True):
        """Get SSL Rules: the fields webnic-api.md lists; `freeCompanionSan` only in the extended profile."""
        rules = {
            "productKey": product["productKey"],
            "terms": list(product["terms"]),
            "maxSan": product["maxSan"],
            "allowSan": product["allowSan"],
            "allowWSan": product["allowWSan"],
            "allowWsan": product["allowWSan"],
            "wildcard": product["wildcard"],
            "certType": product["certType"],
            "authTypes": list(product["authTypes"]),
            "keyTypes": list(product["keyTypes"]),
        }
        if extended:
            rules["freeCompanionSan"] = True
        return rules

    def price(self, product, term, common_san, wildcard_san):
        """The Get Product Price answer. Does NOT check maxSan, exactly like the documented API."""
        if term not in product["terms"]:
            raise field_error(
                "term", f"term {term} is not offered for {product['productKey']}; terms: {product['terms']}"
            )
        if common_san < 0:
            raise field_error("commonSAN", "must not be negative")
        if wildcard_san < 0:
            raise field_error("wildcardSAN", "must not be negative")
        if common_san and not product["allowSan"]:
            raise business_rule(f"Product '{product['productKey']}' does not support SAN")
        if wildcard_san and not product["allowWSan"]:
            raise business_rule(f"Product '{product['productKey']}' does not support wildcard SAN")
        table = product["prices"][str(term)]
        base = round(table["base"], 2)
        san_total = round(table["san"] * common_san, 2)
        wsan_total = round(table["wsan"] * wildcard_san, 2)
        return {
            "price": round(base + san_total + wsan_total, 2),
            "currency": self.currency,
            "term": term,
            "termType": "year",
            "priceBreakdown": {
                "baseCertPrice": base,
                "commonSANPrice": san_total,
                "wildcardSANPrice": wsan_total,
            },
        }

    def list_with_prices(self, extended=True):
        """The deprecated Product List (list/price): each product with a price row per term."""
        rows = []
        for product in self.products.values():
            row = self.public(product, extended)
            row["prices"] = [
                {
                    "term": term,
                    "termType": "year",
                    "price": product["prices"][str(term)]["base"],
                    "sanPrice": product["prices"][str(term)]["san"],
                    "wildcardSanPrice": product["prices"][str(term)]["wsan"],
                }
                for term in product["terms"]
            ]
            rows.append(row)
        return rows
