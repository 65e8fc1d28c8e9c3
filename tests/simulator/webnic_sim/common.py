"""What every part of the simulator shares: the contract's constants, the Request/Raw types handlers
take and return, and the small parsers (integers, pages, filters, host names, money, ISO times)."""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field

from .errors import field_error

ORDER_STATUSES = (
    "INITIAL",
    "PENDING",
    "IN_PROCESS",
    "PROCESSED",
    "COMPLETED",
    "PENDING_REISSUE",
    "CANCELLED",
    "REFUNDED",
    "REJECTED",
    "REVOKED",
    "EXPIRED",
)
DEAD_STATUSES = ("CANCELLED", "REFUNDED", "REJECTED", "REVOKED", "EXPIRED")
CANCELLABLE = ("INITIAL", "PENDING", "IN_PROCESS")
MAX_CERT_DAYS = 398
CONTACT_TYPES = ("administrator", "technical", "shipment")
CONTACT_REQUIRED = ("firstName", "lastName", "address1", "city", "countryCode", "phoneNumber", "email")
CONTACT_FIELDS = (*CONTACT_REQUIRED, "company", "address2", "state", "zip", "faxNumber")
ORG_REQUIRED = ("organizationName", "address1", "city", "countryCode", "phoneNumber")
ORG_FIELDS = (*ORG_REQUIRED, "duns", "address2", "state", "zip", "contactId")
DNS_TYPES = ("A", "AAAA", "CNAME", "TXT", "MX", "NS", "CAA", "SRV")
PAGE_SIZE_MAX = 100
RESELLER_ID = 2222
# documented: only what webnic-api.md marks [doc] or [code]; extended: also the simulator's extras.
PROFILES = ("documented", "extended")
HOSTNAME_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
EMAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
PHONE = re.compile(r"^\+\d{1,3}\.\d{4,14}$")
# ISO 3166-1 alpha-2, the officially assigned codes.
COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 - a word list reads better than 249 quoted strings
)


@dataclass
class Request:
    method: str
    path: str
    query: dict
    body: object
    headers: dict
    params: dict = field(default_factory=dict)

    def json(self):
        if self.body is None:
            return {}
        if not isinstance(self.body, dict):
            raise field_error("body", "must be a JSON object")
        return self.body


@dataclass
class Raw:
    """A non-JSON answer (certificate downloads)."""

    content: bytes
    content_type: str
    filename: str


# helpers ---------------------------------------------------------------------------------------
def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def parse_iso(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC) if text else None


def money(cents):
    return round(cents / 100.0, 2)


def to_cents(amount):
    return round(float(amount) * 100)


def valid_hostname(name, allow_wildcard):
    if not isinstance(name, str) or not name or len(name) > 253:
        return False
    labels = name.split(".")
    if labels[0] == "*" and allow_wildcard:
        labels = labels[1:]
    if len(labels) < 2 or not labels[-1].isalpha():
        return False
    return all(HOSTNAME_LABEL.match(label) for label in labels)


def as_int(value, field_name, errors, default=None):
    if value is None or value == "":
        if default is None:
            errors.add(field_name, "is required")
        return default
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(value)
        if isinstance(value, float) and value != number:
            raise ValueError
        return number
    except (TypeError, ValueError):
        errors.add(field_name, "must be an integer")
        return default


def as_bool(value, default):
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def paginate(items, pagination, errors):
    pagination = pagination or {}
    if not isinstance(pagination, dict):
        errors.add("pagination", "must be an object")
        pagination = {}
    page = as_int(pagination.get("page"), "pagination.page", errors, 1)
    size = as_int(pagination.get("pageSize"), "pagination.pageSize", errors, 20)
    if page is not None and page < 1:
        errors.add("pagination.page", "must be >= 1")
    if size is not None and not 1 <= size <= PAGE_SIZE_MAX:
        errors.add("pagination.pageSize", f"must be between 1 and {PAGE_SIZE_MAX}")
    errors.raise_if_any()
    total = len(items)
    return {
        "page": page,
        "pageSize": size,
        "totalPages": (total + size - 1) // size,
        "totalItems": total,
        "items": items[(page - 1) * size : page * size],
    }


def filter_rows(rows, filters, fields, errors):
    """Apply [{field, operator LIKE|EQUAL, value}] filters; LIKE is a case-insensitive substring match."""
    if filters is None:
        return rows
    if not isinstance(filters, list):
        errors.add("filters", "must be a list")
        errors.raise_if_any()
    for index, item in enumerate(filters):
        if not isinstance(item, dict):
            errors.add(f"filters[{index}]", "must be an object")
            continue
        name, operator, value = item.get("field"), str(item.get("operator", "EQUAL")).upper(), item.get("value")
        if name not in fields:
            errors.add(f"filters[{index}].field", f"must be one of {', '.join(fields)}")
        if operator not in ("LIKE", "EQUAL"):
            errors.add(f"filters[{index}].operator", "must be LIKE or EQUAL")
        if value is None:
            errors.add(f"filters[{index}].value", "is required")
    errors.raise_if_any()
    for item in filters:
        name, operator, value = item["field"], str(item.get("operator", "EQUAL")).upper(), str(item["value"]).lower()
        if operator == "LIKE":
            rows = [row for row in rows if value in str(row.get(name) or "").lower()]
        else:
            rows = [row for row in rows if str(row.get(name) or "").lower() == value]
    return rows


def token_key(token):
    """Tokens are stored by hash: the state directory never holds a usable bearer token."""
    return hashlib.sha256(token.encode()).hexdigest()
