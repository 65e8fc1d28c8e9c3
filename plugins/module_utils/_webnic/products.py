# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of a certificate request against a product's rules, made before any money is spent."""

from .crypto import (
    CryptoInputError,
    InvalidNameError,
    canonical_key_type,
    companion_name,
    normalize_names,
    parse_key_type,
)
from .failures import FieldProblem


def _flag(rules, *names):
    for name in names:
        if name in rules and rules[name] is not None:
            value = rules[name]
            if isinstance(value, str):
                return value.strip().lower() in ("true", "1", "yes", "y")
            return bool(value)
    return None


def rule_terms(rules):
    terms = rules.get("terms") or []
    result = []
    for term in terms:
        try:
            result.append(int(term))
        except (TypeError, ValueError):
            continue
    return result


def check_against_rules(
    rules,
    term=None,
    san_count=0,
    wildcard_san_count=0,
    common_name=None,
    key_type=None,
    auth_type=None,
    san_field="subject_alt_names",
    key_field="csr",
    extra_names=None,
):
    """Return a list of ``(field, problem, fix)`` for everything the product does not allow.

    The one place the product rules are checked (csr, price and order use it): term, extra names
    (plain and wildcard, their maximum), a wildcard common name exactly on wildcard products, key
    type (any spelling of the rules' key types) and DCV method. ``extra_names``: the chargeable
    names themselves, when the caller has them, so the message can list them (counts come from it).
    """
    product = rules.get("productKey") or "this product"
    if extra_names is not None:
        wildcard_san_count = sum(1 for name in extra_names if name.startswith("*."))
        san_count = len(extra_names) - wildcard_san_count
    problems = _term_problems(rules, term, product)
    problems.extend(_san_problems(rules, san_count or 0, wildcard_san_count or 0, product, san_field, extra_names))
    problems.extend(_common_name_problems(rules, common_name, product))
    problems.extend(_key_type_problems(rules, key_type, product, key_field))
    auth_types = [a.lower() for a in rules.get("authTypes") or []]
    if auth_type and auth_types and auth_type.lower() not in auth_types:
        problems.append(
            (
                "dcv_method",
                "%s validation is not offered for %s" % (auth_type, product),
                "Use one of %s" % ", ".join(auth_types),
            )
        )
    return problems


def _term_problems(rules, term, product):
    terms = rule_terms(rules)
    if term is not None and terms and int(term) not in terms:
        return [("term", "%s is not offered for %s" % (term, product), "Use one of %s" % terms)]
    return []


def _san_problems(rules, san_count, wildcard_san_count, product, san_field, extra_names):
    problems = []
    allow_san = _flag(rules, "allowSan", "allowSAN")
    allow_wsan = _flag(rules, "allowWSan", "allowWsan", "allowWSAN")
    max_san = rules.get("maxSan")
    total = san_count + wildcard_san_count
    if total and allow_san is False:
        if extra_names is not None:
            # The names are known (webnic_ssl_csr): say which ones the product refuses.
            problem = "product %s takes no names besides the common name (got %s)" % (product, ", ".join(extra_names))
        else:
            problem = "%s does not accept extra names (SANs)" % product
        problems.append((san_field, problem, "Order a multi-domain product or drop the SANs"))
    elif wildcard_san_count and allow_wsan is False:
        problems.append(
            (san_field, "%s does not accept wildcard SANs" % product, "Use a product with wildcard SAN support")
        )
    if max_san not in (None, "") and total > int(max_san):
        problems.append(
            (
                san_field,
                "%d extra names exceed the maximum of %s for %s" % (total, max_san, product),
                "Split the names over several certificates or pick a product with a higher maxSan",
            )
        )
    return problems


def _common_name_problems(rules, common_name, product):
    if not common_name:
        return []
    wildcard_product = _flag(rules, "wildcard")
    if common_name.startswith("*.") and wildcard_product is False:
        return [
            (
                "common_name",
                "%s does not issue wildcard certificates" % product,
                "Use a wildcard product for %s" % common_name,
            )
        ]
    if not common_name.startswith("*.") and wildcard_product is True:
        return [
            (
                "common_name",
                "%s is a wildcard product: the common name must be *.<domain>, got %s" % (product, common_name),
                "Use common_name: *.%s or a non-wildcard product" % common_name,
            )
        ]
    return []


def _canonical_key_type(key_type):
    """The key type spelled one way (``rsa2048`` -> ``RSA-2048``); unknown spellings as given."""
    try:
        return canonical_key_type(key_type)
    except CryptoInputError:
        return str(key_type)


def _key_type_problems(rules, key_type, product, key_field):
    allowed = sorted({_canonical_key_type(k) for k in rules.get("keyTypes") or []})
    if not key_type or not allowed:
        return []
    key_type = _canonical_key_type(key_type)
    if key_type in allowed:
        return []
    try:
        family, size = parse_key_type(key_type)
    except CryptoInputError:
        family, size = None, None
    same_family = sorted(parse_key_type(k)[1] for k in allowed if _key_family(k) == family and family)
    if same_family and size < same_family[0]:
        problem = "key type %s is too small for %s: its rules need at least %s-%s%d" % (
            key_type,
            product,
            family,
            "P" if family == "EC" else "",
            same_family[0],
        )
    else:
        problem = "key type %s is not accepted by %s" % (key_type, product)
    return [(key_field, problem, "Use one of %s" % ", ".join(allowed))]


def _key_family(key_type):
    try:
        return parse_key_type(key_type)[0]
    except CryptoInputError:
        return None


def chargeable_names(rules, common_name, subject_alt_names):
    """The extra names an order is charged for, in the given order, without duplicates.

    The common name is in the base price; a product with ``freeCompanionSan`` also gives its companion
    for free (``www.`` + name, the name without ``www.``, or the apex of a wildcard).
    """
    common_name = (common_name or "").strip().lower()
    free = {common_name}
    if common_name and _flag(rules or {}, "freeCompanionSan"):
        free.add(companion_name(common_name))
    extra = []
    for given in subject_alt_names or []:
        name = (given or "").strip().lower()
        if name and name not in free and name not in extra:
            extra.append(name)
    return extra


def chargeable_san_counts(rules, common_name, subject_alt_names):
    """``(plain, wildcard)`` counts of :func:`chargeable_names`."""
    extra = chargeable_names(rules, common_name, subject_alt_names)
    wildcard = sum(1 for name in extra if name.startswith("*."))
    return len(extra) - wildcard, wildcard


def first_problem(problems):
    """``(field, problem, fix)`` of the first problem, the others appended to the fix (one failure message)."""
    field, problem, fix = problems[0]
    others = ["%s: %s" % (f, p) for f, p, _fix in problems[1:]]
    if others:
        fix = "%s. Also: %s" % (fix.rstrip("."), "; ".join(others))
    return field, problem, fix


# ------------------------------------------------------------------------ the account's catalogue

#: What is skipped when Get SSL Rules (an assumed path) is missing.
RULES_SKIPPED = (
    "product rules from Get SSL Rules (term, key type and DCV method checks before buying); "
    "SAN counts and wildcard support were checked against the product list instead"
)


class ProductCatalogue:
    """The account's product list, read at most once per run and only when a question needs it.

    Source: Get Product List (``/products/list/price``, seen in client code) and, when that
    fails, the newer list path (assumed; a missing path degrades). Answers two questions: which
    product keys carry a display name (order rows name products by display name only), and the
    list row of a product (rules to fall back on when Get SSL Rules is missing).
    """

    def __init__(self, client):
        self.client = client
        self._rows = None
        self.error = None

    def rows(self):
        if self._rows is None:
            self._rows = self._read()
        return self._rows

    def _read(self):
        from .errors import WebNICError

        try:
            data = self.client.call("product_list_old")
        except WebNICError as exc:
            self.error = exc
            try:
                data = self.client.call_optional("product_list", "product display names from the product list")
            except WebNICError as exc_new:
                self.error = exc_new
                data = None
        return [row for row in _list_rows(data) if isinstance(row, dict) and row.get("productKey")]

    def row(self, product_key):
        wanted = str(product_key or "").strip().lower()
        for row in self.rows():
            if str(row["productKey"]).strip().lower() == wanted:
                return row
        return None

    def keys_named(self, display_name):
        """Lower-case product keys whose display name (or key) is ``display_name``; empty if unknown."""
        wanted = str(display_name or "").strip().lower()
        keys = set()
        for row in self.rows():
            names = (row.get("productName"), row.get("name"), row.get("productKey"))
            if any(str(n).strip().lower() == wanted for n in names if n):
                keys.add(str(row["productKey"]).strip().lower())
        return keys


def _list_rows(data):
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("products", "items", "list"):
            if isinstance(data.get(key), list):
                return data[key]
    return []


def rules_from_list_row(row):
    """The subset of Get SSL Rules that a product list row carries (no key types, no DCV methods)."""
    if not row:
        return {}
    rules = {}
    for key in ("productKey", "certType", "wildcard", "allowSan", "allowWSan", "allowWsan", "maxSan"):
        if key in row and row[key] is not None:
            rules[key] = row[key]
    terms = row.get("terms")
    if not terms and isinstance(row.get("prices"), list):
        terms = [p.get("term") for p in row["prices"] if isinstance(p, dict) and p.get("term") is not None]
    if terms:
        rules["terms"] = terms
    return rules


def read_product_rules(client, product_key, catalogue):
    """Get SSL Rules for ``product_key``; when that assumed path is missing, the product list row."""
    rules = client.call_optional("product_rules", RULES_SKIPPED, query={"productKey": product_key})
    if rules is None:
        return rules_from_list_row(catalogue.row(product_key))
    return rules if isinstance(rules, dict) else {}


# ------------------------------------------------------------------------------------ pricing


def price_names(params):
    """``(common_name, names)`` of a price request, normalised; ``names`` None when only counts are given.

    Raises FieldProblem naming the option (``subject_alt_names[i]`` with the index the user gave).
    """
    names = None
    sans = params["subject_alt_names"]
    if sans is not None:
        given = [(index, name) for index, name in enumerate(sans) if name and name.strip()]
        try:
            names = normalize_names([name for _index, name in given])
        except InvalidNameError as exc:
            raise FieldProblem("subject_alt_names[%d]" % given[exc.index][0], exc.problem, exc.fix)
    common_name = None
    if params["common_name"] and params["common_name"].strip():
        try:
            (common_name,) = normalize_names([params["common_name"]])
        except InvalidNameError as exc:
            raise FieldProblem("common_name", exc.problem, exc.fix)
    return common_name, names


def price_query(product_key, term, san_count, wildcard_count):
    """The query of Get Product Price: extra names only when there are any."""
    query = {"productKey": product_key, "term": term}
    if san_count:
        query["commonSAN"] = san_count
    if wildcard_count:
        query["wildcardSAN"] = wildcard_count
    return query


def _amount(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def price_result(data, term):
    """The price, currency, term and breakdown of a Get Product Price answer (``term``: the one asked)."""
    breakdown = data.get("priceBreakdown") or {}
    return {
        "price": _amount(data.get("price")),
        "currency": data.get("currency"),
        "term": int(data.get("term") or term),
        "price_breakdown": {
            "base_cert_price": _amount(breakdown.get("baseCertPrice")),
            "common_san_price": _amount(breakdown.get("commonSANPrice")),
            "wildcard_san_price": _amount(breakdown.get("wildcardSANPrice")),
        },
    }
