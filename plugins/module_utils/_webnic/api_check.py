# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API self-check: which read-only endpoints to call, the answer each should give, and which
collection features suffer when one is unreachable or answers another shape. Pure: no I/O.

The module (webnic_ssl_api_check) makes the calls and hands each outcome to :func:`row_from_answer`
or :func:`row_from_error`; :func:`degraded_features` turns the rows into what no longer works.

Only endpoints of kind SAFE (and the token) are ever checked: :func:`assert_read_only` is the guard.
"""

from collections import namedtuple

from .endpoints import AUTH, ENDPOINTS, SAFE
from .errors import ApiError, WebNICError

# ------------------------------------------------------------------------------ features

#: What a user loses when an endpoint or a field is not there, in the words of the feature.
FEATURES = {
    "everything": "every module: no token, no API call can be made",
    "token_reuse": "token lifetime unknown: the cached token is reused for one hour, then minted again",
    "product_listing": "webnic_ssl_product_info cannot list the products (or filter them by cert_type)",
    "product_details": "webnic_ssl_product_info cannot show one product",
    "rules_check": "product rules not checked before buying (terms, SAN counts, wildcard, key type, DCV method): "
    "only WebNIC's own checks at order time apply",
    "companion_san": "the free companion name (www.<name> or the base of *.<name>) is counted as a paid SAN "
    "when pricing and checking SAN limits",
    "price_before_buying": "no price before buying: check mode and webnic_ssl_price cannot say what an order costs",
    "order_lookup": "look-up-before-buy cannot search existing orders: webnic_ssl_order cannot prove a "
    "certificate is not already bought",
    "order_paging": "only the first page of an order search is read (no totalPages)",
    "order_read": "orders cannot be read by id (order_id, webnic_ssl_order_info, downloads, resumed orders)",
    "product_by_display_name": "product of an existing order confirmed by display name only "
    "(order rows lack productKey; matched against the product's productName)",
    "product_unconfirmed": "product of an existing order cannot be confirmed (no productKey in order rows and no "
    "product display name to compare): webnic_ssl_order stops instead of buying when a live order for the same "
    "names exists; adopt it with order_id",
    "renewal_link": "a renewal is linked to its old order by names and dates only (order info lacks renewedBy)",
    "dcv_per_domain": "validation status per domain unavailable (Check DCV Status has no domains list): "
    "webnic_ssl_dcv and waiting see the order status only",
    "dcv_status": "validation progress cannot be read (webnic_ssl_dcv, waiting for issuance)",
    "dcv_instructions": "the DCV instructions of an existing order cannot be read again (webnic_ssl_dcv, "
    "webnic_ssl_order_info dcv=true, a resumed order)",
    "approver_choice": "approver addresses are not checked against WebNIC's list before they are set (webnic_ssl_dcv)",
    "contact_read": "existing contacts cannot be read (webnic_ssl_contact cannot compare or adopt them)",
    "dns_dcv": "DNS validation through zones hosted at WebNIC unavailable (webnic_dns_record, dcv_method=dns "
    "with WebNIC DNS)",
    "statistics": "webnic_ssl_order_info statistics=true unavailable",
}

#: Features that only hold when two things are missing together: (feature, [alternatives of all-of sets]).
#: Problems are spelled ``unreachable:<check>``, ``failed:<check>`` and ``missing:<check>.<field>``.
COMBINED_FEATURES = (
    (
        "product_unconfirmed",
        [
            {"missing:order_search.productKey", "missing:order_search.product"},
            {"missing:order_info.productKey", "missing:order_info.product"},
            {"missing:order_search.productKey", "unreachable:product_info"},
            {"missing:order_search.productKey", "failed:product_info"},
            {"missing:order_search.productKey", "missing:product_info.productName"},
            {"missing:order_info.productKey", "unreachable:product_info"},
            {"missing:order_info.productKey", "failed:product_info"},
            {"missing:order_info.productKey", "missing:product_info.productName"},
        ],
    ),
)

# ------------------------------------------------------------------------------ shapes

OBJECT = "object"  # data is a dict carrying the fields
ROWS = "rows"  # data is a list of dicts (or a dict wrapping one under a known key)
PAGE = "page"  # data is a dict with paging fields and ``items``, a list of dicts
STRINGS = "strings"  # data is a list of strings (or a dict wrapping one under a known key)
MAP = "map"  # data is a dict with free-form keys (counts per status): no field list

#: One expected field: ``name`` (``a|b`` accepts either spelling), contract confidence, whether the
#: collection cannot work without it, and the feature that suffers when it is missing.
Field = namedtuple("Field", ["name", "confidence", "needed", "feature"])

#: ``needs`` names what the check must be given to run (``order``, ``contact``, ``zone``).
Check = namedtuple(
    "Check", ["name", "shape", "fields", "page_fields", "wrappers", "unreachable_feature", "needs", "used_by"]
)

_PRODUCT_FIELDS = (
    Field("productKey", "doc", True, "product_listing"),
    Field("productName", "doc", False, "product_listing"),
    Field("provider", "doc", False, None),
    Field("certType", "doc", False, "product_listing"),
    Field("wildcard", "doc", False, None),
    Field("allowSan", "doc", False, None),
    Field("allowWSan|allowWsan", "doc", False, None),
    Field("bundle", "doc", False, None),
    Field("maxSan", "code", False, None),
)

_ORDER_ROW_FIELDS = (
    Field("orderId", "doc", True, "order_lookup"),
    Field("commonName", "doc", True, "order_lookup"),
    Field("term", "doc", False, None),
    Field("orderStatus", "doc", True, "order_lookup"),
    Field("certStatus", "doc", False, None),
    Field("product", "doc", False, None),
    Field("dtcreate", "doc", False, None),
    Field("dtorderexpire", "doc", False, None),
    Field("dtcertexpire", "doc", False, None),
    Field("productKey", "assumed", False, "product_by_display_name"),
)

_ORDER_INFO_FIELDS = (
    Field("id", "doc", False, None),
    Field("orderId", "doc", True, "order_read"),
    Field("commonName", "doc", True, "order_read"),
    Field("resid", "doc", False, None),
    Field("sanfield", "doc", True, "order_read"),
    Field("term", "doc", False, None),
    Field("orderStatus", "doc", True, "order_read"),
    Field("certStatus", "doc", True, "order_read"),
    Field("product", "doc", False, None),
    Field("renewal", "doc", False, None),
    Field("reissue", "doc", False, None),
    Field("cancel", "doc", False, None),
    Field("dtcreate", "doc", False, None),
    Field("dtmodify", "doc", False, None),
    Field("dtsettle", "doc", False, None),
    Field("dtorderexpire", "doc", False, None),
    Field("dtcertexpire", "doc", False, None),
    Field("admid", "doc", False, None),
    Field("tecid", "doc", False, None),
    Field("authType", "code", False, None),
    Field("productKey", "assumed", False, "product_by_display_name"),
    Field("renewedBy", "assumed", False, "renewal_link"),
)

_CONTACT_FIELDS = (
    Field("contactId", "assumed", False, None),
    Field("contactType", "assumed", False, None),
    *tuple(
        Field(name, "code", False, "contact_read")
        for name in (
            "company",
            "firstName",
            "lastName",
            "address1",
            "address2",
            "city",
            "state",
            "countryCode",
            "zip",
            "phoneNumber",
            "faxNumber",
            "email",
        )
    ),
)

#: Every check, in the order the module runs them.
CHECKS = (
    Check(
        "token",
        OBJECT,
        (Field("access_token", "doc", True, "everything"), Field("expires_in", "doc", False, "token_reuse")),
        (),
        (),
        "everything",
        (),
        "every module",
    ),
    Check(
        "balance",
        OBJECT,
        (Field("balance", "assumed", False, None), Field("currency", "assumed", False, None)),
        (),
        (),
        None,
        (),
        "nothing (shown here only)",
    ),
    Check(
        "product_list",
        ROWS,
        _PRODUCT_FIELDS,
        (),
        ("products", "items", "list"),
        "product_listing",
        (),
        "webnic_ssl_product_info",
    ),
    Check(
        "product_list_old",
        ROWS,
        (Field("price", "code", False, None), *tuple(f._replace(feature=None) for f in _PRODUCT_FIELDS)),
        (),
        ("products", "items", "list"),
        None,
        (),
        "nothing (the deprecated list, shown here only)",
    ),
    Check(
        "product_price",
        OBJECT,
        (
            Field("price", "doc", True, "price_before_buying"),
            Field("currency", "doc", False, None),
            Field("term", "doc", False, None),
            Field("termType", "doc", False, None),
            Field("priceBreakdown", "doc", False, None),
        ),
        (),
        (),
        "price_before_buying",
        (),
        "webnic_ssl_price, webnic_ssl_order (price in the result and in check mode)",
    ),
    Check(
        "product_rules",
        OBJECT,
        (
            Field("productKey", "assumed", False, None),
            Field("terms", "assumed", False, "rules_check"),
            Field("maxSan", "assumed", False, "rules_check"),
            Field("allowSan", "assumed", False, "rules_check"),
            Field("allowWSan|allowWsan", "assumed", False, "rules_check"),
            Field("wildcard", "assumed", False, "rules_check"),
            Field("certType", "assumed", False, None),
            Field("authTypes", "assumed", False, "rules_check"),
            Field("keyTypes", "assumed", False, "rules_check"),
            Field("freeCompanionSan", "assumed", False, "companion_san"),
        ),
        (),
        (),
        "rules_check",
        (),
        "webnic_ssl_order, webnic_ssl_price, webnic_ssl_csr (product_key), webnic_ssl_product_info",
    ),
    Check(
        "product_info",
        OBJECT,
        (
            Field("productKey", "doc", True, "product_details"),
            Field("productName", "doc", False, None),
            *tuple(field._replace(feature=None) for field in _PRODUCT_FIELDS[2:]),
        ),
        (),
        (),
        "product_details",
        (),
        "webnic_ssl_order (product display name), webnic_ssl_product_info",
    ),
    Check(
        "order_search",
        PAGE,
        _ORDER_ROW_FIELDS,
        (
            Field("items", "code", True, "order_lookup"),
            Field("totalPages", "code", False, "order_paging"),
            Field("pageSize", "code", False, None),
            Field("totalItems", "code", False, None),
        ),
        (),
        "order_lookup",
        (),
        "webnic_ssl_order (look-up-before-buy), webnic_ssl_order_info, webnic_ssl_dcv, webnic_ssl_cert_download",
    ),
    Check(
        "order_info",
        OBJECT,
        _ORDER_INFO_FIELDS,
        (),
        (),
        "order_read",
        ("order",),
        "webnic_ssl_order, webnic_ssl_order_info, webnic_ssl_dcv, webnic_ssl_cert_download",
    ),
    Check(
        "dcv_status",
        OBJECT,
        (
            Field("orderId", "code", False, None),
            Field("orderStatus", "code", True, "dcv_status"),
            Field("certStatus", "code", False, None),
            Field("domains", "assumed", False, "dcv_per_domain"),
        ),
        (),
        (),
        "dcv_status",
        ("order",),
        "webnic_ssl_dcv, webnic_ssl_order (wait)",
    ),
    Check(
        "auth_info",
        OBJECT,
        (Field("commonName", "assumed", True, "dcv_instructions"), Field("san", "assumed", False, None)),
        (),
        (),
        "dcv_instructions",
        ("order",),
        "webnic_ssl_dcv, webnic_ssl_order_info (dcv=true), webnic_ssl_order (resumed orders)",
    ),
    Check(
        "approver_list",
        STRINGS,
        (),
        (),
        ("approvers", "emails", "items"),
        "approver_choice",
        ("domain",),
        "webnic_ssl_dcv (e-mail validation)",
    ),
    Check("contact_info", OBJECT, _CONTACT_FIELDS, (), (), "contact_read", ("contact",), "webnic_ssl_contact"),
    Check(
        "dns_zones",
        ROWS,
        (Field("zone", "code", True, "dns_dcv"), Field("zoneType", "code", False, None)),
        (),
        ("zones", "items"),
        "dns_dcv",
        (),
        "webnic_dns_record, the certificate role (dcv_method=dns)",
    ),
    Check(
        "dns_records",
        ROWS,
        (
            Field("type", "code", True, "dns_dcv"),
            Field("name", "code", True, "dns_dcv"),
            Field("ttl", "code", False, None),
            Field("rdatas", "code", True, "dns_dcv"),
        ),
        (),
        ("records",),
        "dns_dcv",
        ("zone",),
        "webnic_dns_record",
    ),
    Check("order_statistics", MAP, (), (), (), "statistics", (), "webnic_ssl_order_info (statistics=true)"),
    Check(
        "order_statistics_graph",
        ROWS,
        (Field("month", "assumed", False, None), Field("count", "assumed", False, None)),
        (),
        (),
        "statistics",
        (),
        "webnic_ssl_order_info (statistics=true)",
    ),
)

CHECKS_BY_NAME = {check.name: check for check in CHECKS}

#: HTTP statuses that mean "no such path here" when the body is not a WebNIC envelope.
NO_SUCH_PATH = frozenset([404, 405, 501])


def assert_read_only(name):
    """Refuse any endpoint that could change something: the self-check calls reads and the token only."""
    endpoint = ENDPOINTS[name]
    if endpoint.kind not in (SAFE, AUTH) or name not in CHECKS_BY_NAME:
        raise ValueError("%s (%s %s) is not a read-only check" % (name, endpoint.method, endpoint.path))
    return endpoint


# ------------------------------------------------------------------------------ shape comparison


def _present(data, field_name):
    return any(alias in data for alias in field_name.split("|"))


def _unwrap(data, wrappers):
    if isinstance(data, dict):
        for key in wrappers:
            if isinstance(data.get(key), list):
                return data[key]
    return data


def _compare_fields(items, fields):
    """(missing field names, extra field names) over dict ``items``; a field is missing when no item has it."""
    known = set()
    for field in fields:
        known.update(field.name.split("|"))
    missing = [field.name for field in fields if not any(_present(item, field.name) for item in items)]
    extra = sorted({key for item in items for key in item} - known)
    return missing, extra


def compare_shape(check, data):
    """Compare an answer's ``data`` with what ``check`` expects.

    Returns a dict: ``shape_ok`` (the answer is the kind of value expected), ``missing_fields``,
    ``extra_fields``, ``rows`` (how many rows it had, for lists) and ``note``.
    """
    result = {"shape_ok": True, "missing_fields": [], "extra_fields": [], "rows": None, "note": None}
    if check.shape == OBJECT:
        if not isinstance(data, dict):
            result.update(shape_ok=False, note="expected an object, got %s" % _type_name(data))
            result["missing_fields"] = [field.name for field in check.fields]
            return result
        result["missing_fields"], result["extra_fields"] = _compare_fields([data], check.fields)
        return result
    if check.shape == MAP:
        if not isinstance(data, dict):
            result.update(shape_ok=False, note="expected an object, got %s" % _type_name(data))
        return result
    if check.shape == PAGE:
        if not isinstance(data, dict):
            result.update(shape_ok=False, note="expected a page object with items, got %s" % _type_name(data))
            result["missing_fields"] = [field.name for field in check.page_fields]
            return result
        missing, extra = _compare_fields([data], check.page_fields)
        result["missing_fields"], result["extra_fields"] = missing, extra
        rows = data.get("items")
        if not isinstance(rows, list):
            if "items" not in missing:
                result.update(shape_ok=False, note="items is %s, not a list" % _type_name(rows))
            return result
    else:
        rows = _unwrap(data, check.wrappers)
        if not isinstance(rows, list):
            result.update(shape_ok=False, note="expected a list, got %s" % _type_name(data))
            return result
    result["rows"] = len(rows)
    if check.shape == STRINGS:
        if not all(isinstance(row, str) or (isinstance(row, dict) and row.get("email")) for row in rows):
            result.update(shape_ok=False, note="expected a list of e-mail addresses")
        return result
    if not all(isinstance(row, dict) for row in rows):
        result.update(shape_ok=False, note="expected a list of objects")
        return result
    if check.fields and not rows:
        result["note"] = "no rows to check the fields of"
        return result
    missing, extra = _compare_fields(rows, check.fields)
    result["missing_fields"] = result["missing_fields"] + missing
    result["extra_fields"] = sorted(set(result["extra_fields"]) | set(extra))
    return result


def _type_name(value):
    if value is None:
        return "no data"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _fields_of(check):
    return {field.name: field for field in tuple(check.fields) + tuple(check.page_fields)}


# ------------------------------------------------------------------------------ rows


def _base_row(name):
    endpoint = ENDPOINTS[name]
    return {
        "name": name,
        "title": endpoint.doc,
        "method": endpoint.method,
        "path": endpoint.path,
        "confidence": endpoint.confidence,
        "used_by": CHECKS_BY_NAME[name].used_by,
        "called": True,
        "status": None,
        "reachable": None,
        "result": None,
        "shape_ok": None,
        "missing_fields": [],
        "extra_fields": [],
        "rows": None,
        "problems": [],
        "degraded": [],
        "message": None,
    }


def row_from_answer(name, data):
    """The row of a check WebNIC answered with success (HTTP 200, code 1000) and ``data``."""
    check = CHECKS_BY_NAME[name]
    row = _base_row(name)
    row.update(status=200, reachable=True)
    shape = compare_shape(check, data)
    row.update(
        shape_ok=shape["shape_ok"],
        missing_fields=shape["missing_fields"],
        extra_fields=shape["extra_fields"],
        rows=shape["rows"],
        message=shape["note"],
    )
    fields = _fields_of(check)
    needed_missing = [field for field in shape["missing_fields"] if fields[field].needed]
    row["problems"] = ["missing:%s.%s" % (name, field) for field in shape["missing_fields"]]
    if not shape["shape_ok"] or needed_missing:
        row["result"] = "failed"
        row["problems"].append("failed:%s" % name)
        if not row["message"]:
            row["message"] = "the answer lacks %s, which the collection needs" % ", ".join(needed_missing)
    elif any(fields[field].feature for field in shape["missing_fields"]):
        row["result"] = "degraded"
    else:
        row["result"] = "ok"
    return row


def row_from_error(name, error):
    """The row of a check whose call raised ``error`` (a WebNICError from the client)."""
    row = _base_row(name)
    status = getattr(error, "status", None)
    row["status"] = status
    row["message"] = error.render() if isinstance(error, WebNICError) else str(error)
    # A WebNIC envelope (it carries a code) means the path exists and WebNIC refused the request;
    # a bare 404/405/501 (another server's error page) means the path itself may be wrong.
    enveloped = isinstance(error, ApiError) and error.code is not None
    if isinstance(error, ApiError) and status in NO_SUCH_PATH and not enveloped:
        row.update(reachable=False, result="unreachable")
        row["problems"] = ["unreachable:%s" % name]
        row["message"] = (
            "HTTP %s without a WebNIC answer: this path may be wrong for this API (see docs/api-assumptions.md)"
            % status
        )
    elif isinstance(error, ApiError):
        # The server answered at that path, with an error (credentials, allow-list, a refused request).
        row.update(reachable=True, result="failed")
        row["problems"] = ["failed:%s" % name]
    else:
        row.update(reachable=False, result="failed")
        row["problems"] = ["failed:%s" % name]
    return row


def skipped_row(name, reason):
    """The row of a check that was not called, and why."""
    row = _base_row(name)
    row.update(called=False, result="skipped", message=reason)
    return row


# ------------------------------------------------------------------------------ features


def _problem_features(problem):
    """Features that one problem alone degrades."""
    kind, _sep, rest = problem.partition(":")
    if kind in ("unreachable", "failed"):
        feature = CHECKS_BY_NAME[rest].unreachable_feature
        return [feature] if feature else []
    if kind == "missing":
        check_name, _dot, field_name = rest.partition(".")
        field = _fields_of(CHECKS_BY_NAME[check_name]).get(field_name)
        return [field.feature] if field is not None and field.feature else []
    return []


def degraded_features(rows):
    """What no longer works, from all rows: a list of ``{feature, description, because}`` and, per row,
    the feature keys its problems take part in (``row["degraded"]`` is filled in place)."""
    problems = set()
    for row in rows:
        problems.update(row["problems"])
    found = {}
    for row in rows:
        for problem in row["problems"]:
            for feature in _problem_features(problem):
                found.setdefault(feature, set()).add(row["name"])
    for feature, alternatives in COMBINED_FEATURES:
        for needed in alternatives:
            if needed <= problems:
                for problem in needed:
                    found.setdefault(feature, set()).add(problem.partition(":")[2].partition(".")[0])
    if "product_unconfirmed" in found:
        # The stronger statement replaces the weaker one.
        weaker = found.pop("product_by_display_name", set())
        found["product_unconfirmed"] |= weaker
    for row in rows:
        row["degraded"] = sorted(feature for feature, names in found.items() if row["name"] in names)
    return [
        {"feature": feature, "description": FEATURES[feature], "because": sorted(found[feature])}
        for feature in sorted(found)
    ]


def summarize(rows):
    """Counts per result, in a fixed order."""
    counts = dict.fromkeys(("ok", "degraded", "unreachable", "failed", "skipped"), 0)
    for row in rows:
        counts[row["result"]] = counts.get(row["result"], 0) + 1
    return counts
