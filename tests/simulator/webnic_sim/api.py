"""The WebNIC v2 endpoints the simulator serves, and its /_sim/ admin endpoints.

Every handler takes a Request and returns the envelope's `data` (or a Raw response for downloads);
failures are raised as ApiFailure. The route table at the bottom is the one place where each method
and path template is named.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import html
import json
import re
import secrets
import time
from dataclasses import dataclass, field

from . import ca as calib
from . import dcv
from .catalogue import Catalogue, chargeable_sans
from .errors import ApiFailure, FieldErrors, business_rule, field_error

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


class Backend:
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

    # account -----------------------------------------------------------------------------------
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

    # authentication ----------------------------------------------------------------------------
    def mint_token(self, req):
        body = req.json()
        errors = FieldErrors()
        for name in ("username", "password"):
            if not isinstance(body.get(name), str) or not body.get(name):
                errors.add(name, "is required")
        errors.raise_if_any()
        users = self.store.get_kv("users", {})
        if body["username"] not in users:
            raise ApiFailure(500, "RES5001", "User not found", code="2500")
        if not hmac.compare_digest(users[body["username"]].encode(), body["password"].encode()):
            raise ApiFailure(401, "RES4002", "Invalid username or password")
        now = int(calib.now_timestamp())
        claims = {"sub": body["username"], "iat": now, "exp": now + self.token_ttl, "jti": secrets.token_hex(8)}
        token = ".".join(
            base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
            for part in ({"alg": "HS256", "typ": "JWT"}, claims)
        )
        token += "." + secrets.token_urlsafe(32)
        self.store.put("token", _token_key(token), {"user": body["username"], "exp": now + self.token_ttl})
        answer = {"access_token": token, "expires_in": self.token_ttl}
        if self.extended:
            answer["token_type"] = "bearer"
        return answer

    def authenticate(self, headers):
        value = headers.get("authorization") or ""
        scheme, _unused, token = value.partition(" ")
        record = self.store.get("token", _token_key(token.strip())) if scheme.lower() == "bearer" else None
        if record is None or record["exp"] <= calib.now_timestamp():
            raise ApiFailure(401, "RES4001", "Invalid or expired token")
        return record["user"]

    def balance(self, req):
        return {"balance": money(self.balance_cents()), "currency": "USD"}

    # products ----------------------------------------------------------------------------------
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

    # CSR ---------------------------------------------------------------------------------------
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

    # orders: reading ---------------------------------------------------------------------------
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

    # orders: placing ---------------------------------------------------------------------------
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
        common, wildcard = chargeable_sans(common_name, sans)
        price = self.catalogue.price(product, term, len(common), len(wildcard))
        cents = to_cents(price["price"])
        self.charge(cents, f"{product['productKey']} for {common_name}")
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
        common, wildcard = chargeable_sans(parent["commonName"], parent["sanfield"])
        price = self.catalogue.price(product, term, len(common), len(wildcard))
        cents = to_cents(price["price"])
        self.charge(cents, f"renewal of order {parent['orderId']}")
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

    # DCV ---------------------------------------------------------------------------------------
    def dcv_status(self, req):
        order = self.advance(self.load_order(req.params["orderId"]))
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

    # contacts ----------------------------------------------------------------------------------
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

    # organizations -----------------------------------------------------------------------------
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

    def org_validation_data(self, org):
        return {
            key: org.get(key) for key in ("organizationId", "validationStatus", "reason", "dtsubmit", "dtvalidated")
        }

    def org_get_validation(self, req):
        return self.org_validation_data(self.load_org(req.params["organizationId"]))

    # DNS ---------------------------------------------------------------------------------------
    def _zone(self, zone):
        zone = zone.lower().rstrip(".")
        if zone not in self.zones:
            raise ApiFailure(404, "DNS4004", f"Zone {zone} is not hosted on this account")
        return zone

    def txt_values(self, zone, name):
        rrset = self.store.get("rrset", f"{zone}|{name}|TXT")
        return rrset["values"] if rrset else []

    @staticmethod
    def _record_name(value):
        name = str(value or "").strip().lower()
        return "" if name == "@" else name

    def dns_zones(self, req):
        wanted = (req.query.get("zone") or "").lower().rstrip(".")
        return [{"zone": zone, "status": "ACTIVE"} for zone in self.zones if not wanted or zone == wanted]

    def dns_records(self, req):
        zone = self._zone(req.params["zone"])
        wanted_type = (req.query.get("type") or "").upper()
        wanted_name = self._record_name(req.query.get("name")) if "name" in req.query else None
        records = []
        for rrset in self.store.all("rrset"):
            if rrset["zone"] != zone or (wanted_type and rrset["type"] != wanted_type):
                continue
            if wanted_name is not None and rrset["name"] != wanted_name:
                continue
            records.append(
                {
                    "type": rrset["type"],
                    "name": rrset["name"] or None,
                    "ttl": rrset["ttl"],
                    "rdatas": [{"value": html.escape(value, quote=True)} for value in rrset["values"]],
                }
            )
        return {"zone": zone, "records": records}

    def dns_save(self, req):
        zone = self._zone(req.params["zone"])
        body = req.json()
        errors = FieldErrors()
        name = self._record_name(body.get("name"))
        if name and not all(re.match(r"^[a-z0-9_*]([a-z0-9_-]{0,61}[a-z0-9])?$", label) for label in name.split(".")):
            errors.add("name", "must be a record name relative to the zone ('' or '@' for the apex)")
        if name.endswith(zone):
            errors.add("name", f"must be relative to the zone {zone}, not a full name")
        rtype = str(body.get("type") or "").upper()
        if rtype not in DNS_TYPES:
            errors.add("type", f"must be one of {', '.join(DNS_TYPES)}")
        ttl = as_int(body.get("ttl"), "ttl", errors, 300)
        if ttl is not None and not 60 <= ttl <= 86400:
            errors.add("ttl", "must be between 60 and 86400")
        rdatas = body.get("rdatas")
        if (
            not isinstance(rdatas, list)
            or not rdatas
            or not all(isinstance(r, dict) and isinstance(r.get("value"), str) and r["value"] for r in rdatas)
        ):
            errors.add("rdatas", "must be a non-empty list of {value}")
        errors.raise_if_any()
        values = list(dict.fromkeys(r["value"] for r in rdatas))
        self.store.put(
            "rrset", f"{zone}|{name}|{rtype}", {"zone": zone, "name": name, "type": rtype, "ttl": ttl, "values": values}
        )
        return {
            "zone": zone,
            "name": name or None,
            "type": rtype,
            "ttl": ttl,
            "rdatas": [{"value": html.escape(v, quote=True)} for v in values],
        }

    def dns_delete(self, req):
        zone = self._zone(req.params["zone"])
        rtype = (req.query.get("type") or "").upper()
        if rtype not in DNS_TYPES:
            raise field_error("type", f"must be one of {', '.join(DNS_TYPES)}")
        name = self._record_name(req.query.get("name"))
        deleted = self.store.delete("rrset", f"{zone}|{name}|{rtype}")
        return {"deleted": deleted}

    # admin (/_sim/) ----------------------------------------------------------------------------
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

    def admin_check(self, req):
        order = self.advance(self.load_order(req.params["orderId"]))
        return self.dcv_status(Request("GET", "", {}, None, {}, {"orderId": order["orderId"]}))

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


def _token_key(token):
    return hashlib.sha256(token.encode()).hexdigest()


# Kinds: what repeating a call does, the simulator's own reading of each endpoint (the client keeps
# its own table; tests/unit/test_contract_tables.py checks that both agree).
SAFE, IDEMPOTENT, WRITE, MONEY, AUTH = "safe", "idempotent", "write", "money", "auth"
# Confidence per /work/shared/webnic-api.md: doc (WebNIC's pages), code (independent live clients),
# assumed (our guess; `--missing assumed` answers 404 for every one of them).
DOC, CODE, ASSUMED = "doc", "code", "assumed"

# The route table: (method, path template, handler, needs a bearer token, counts as a write, kind, confidence).
ROUTES = [
    ("POST", "/reseller/v2/api-user/token", "mint_token", False, False, AUTH, DOC),
    ("GET", "/reseller/v2/balance", "balance", True, False, SAFE, CODE),
    ("GET", "/ssl/v2/products/list", "products_list", True, False, SAFE, ASSUMED),
    ("GET", "/ssl/v2/products/list/price", "products_list_price", True, False, SAFE, CODE),
    ("GET", "/ssl/v2/products/info", "product_info", True, False, SAFE, ASSUMED),
    ("GET", "/ssl/v2/products/rules", "product_rules", True, False, SAFE, ASSUMED),
    ("GET", "/ssl/v2/products/pricing", "product_price", True, False, SAFE, DOC),
    ("POST", "/ssl/v2/csr/generate", "csr_generate", True, False, SAFE, ASSUMED),
    ("POST", "/ssl/v2/csr/decode", "csr_decode", True, False, SAFE, ASSUMED),
    ("GET", "/ssl/v2/orders/info", "order_info", True, False, SAFE, DOC),
    ("POST", "/ssl/v2/orders/search", "order_search", True, False, SAFE, DOC),
    ("GET", "/ssl/v2/orders/statistics", "order_statistics", True, False, SAFE, ASSUMED),
    ("GET", "/ssl/v2/orders/statistics/graph", "order_graph_statistics", True, False, SAFE, ASSUMED),
    ("POST", "/ssl/v2/orders/new", "order_new", True, True, MONEY, CODE),
    ("POST", "/ssl/v2/orders/{orderId}/cancel", "order_cancel", True, True, WRITE, CODE),
    ("POST", "/ssl/v2/orders/{orderId}/renew", "order_renew", True, True, MONEY, ASSUMED),
    ("POST", "/ssl/v2/orders/{orderId}/reissue", "order_reissue", True, True, MONEY, ASSUMED),
    ("POST", "/ssl/v2/orders/{orderId}/download/format/{format}", "order_download", True, False, SAFE, ASSUMED),
    ("GET", "/ssl/v2/orders/{orderId}/dcv-status", "dcv_status", True, False, SAFE, CODE),
    ("PUT", "/ssl/v2/orders/{orderId}/auth", "dcv_change_auth", True, True, IDEMPOTENT, DOC),
    ("GET", "/ssl/v2/orders/{orderId}/auth/info", "dcv_auth_info", True, False, SAFE, ASSUMED),
    ("GET", "/ssl/v2/domainValidations/approver-list", "approver_list", True, False, SAFE, ASSUMED),
    ("PUT", "/ssl/v2/orders/{orderId}/approver", "approver_update", True, True, IDEMPOTENT, ASSUMED),
    ("POST", "/ssl/v2/orders/{orderId}/approver/send", "approver_send", True, True, WRITE, ASSUMED),
    ("POST", "/ssl/v2/contact/create", "contact_create", True, True, WRITE, DOC),
    ("GET", "/ssl/v2/contact/info", "contact_info", True, False, SAFE, ASSUMED),
    ("DELETE", "/ssl/v2/contact/{contactId}", "contact_delete", True, True, IDEMPOTENT, ASSUMED),
    ("POST", "/ssl/v2/organization/create", "org_create", True, True, WRITE, ASSUMED),
    ("POST", "/ssl/v2/organization/search", "org_search", True, False, SAFE, ASSUMED),
    ("GET", "/ssl/v2/organization/info", "org_info", True, False, SAFE, ASSUMED),
    ("PUT", "/ssl/v2/organization/{organizationId}/contact", "org_update_contact", True, True, IDEMPOTENT, ASSUMED),
    ("POST", "/ssl/v2/organization/{organizationId}/validation", "org_submit_validation", True, True, WRITE, ASSUMED),
    ("GET", "/ssl/v2/organization/{organizationId}/validation", "org_get_validation", True, False, SAFE, ASSUMED),
    ("GET", "/dns/v2/zones", "dns_zones", True, False, SAFE, CODE),
    ("GET", "/dns/v2/zone/{zone}/records", "dns_records", True, False, SAFE, CODE),
    ("POST", "/dns/v2/zone/{zone}/record", "dns_save", True, True, IDEMPOTENT, CODE),
    ("DELETE", "/dns/v2/zone/{zone}/record", "dns_delete", True, True, IDEMPOTENT, CODE),
]

PROFILES = ("documented", "extended")
MISSING_GROUPS = ("assumed", "assumed-reads")


def missing_routes(values):
    """The (method, path template) pairs that `--missing` values name; SystemExit-worthy ValueError on a typo.

    A value is a template exactly as in ROUTES, optionally prefixed with its method, or one of
    MISSING_GROUPS: `assumed` (every assumed route) or `assumed-reads` (the assumed GET routes).
    """
    result = set()
    for raw_value in values:
        value = raw_value.strip()
        if value == "assumed":
            result.update((r[0], r[1]) for r in ROUTES if r[6] == ASSUMED)
            continue
        if value == "assumed-reads":
            result.update((r[0], r[1]) for r in ROUTES if r[6] == ASSUMED and r[0] == "GET")
            continue
        method, _sep, path = value.rpartition(" ")
        method = method.strip().upper()
        chosen = {(r[0], r[1]) for r in ROUTES if r[1] == path and (not method or r[0] == method)}
        if not chosen:
            raise ValueError(
                f"{value!r} is not a route of the simulator: use a path template from the route table "
                f"(e.g. 'GET /ssl/v2/products/rules'), 'assumed' or 'assumed-reads'"
            )
        result.update(chosen)
    return result


# Admin routes (no auth, not counted): (method, path template, Backend method or None when the
# server itself handles it: stats, faults, log).
ADMIN_ROUTES = [
    ("GET", "/_sim/orders", "admin_orders"),
    ("GET", "/_sim/balance", "admin_balance_get"),
    ("POST", "/_sim/balance", "admin_balance_set"),
    ("POST", "/_sim/tokens/expire", "admin_expire_tokens"),
    ("POST", "/_sim/orders/{orderId}/approve", "admin_approve"),
    ("POST", "/_sim/orders/{orderId}/check", "admin_check"),
    ("POST", "/_sim/orders/{orderId}/age", "admin_age"),
    ("POST", "/_sim/orders/{orderId}/revoke", "admin_revoke"),
    ("POST", "/_sim/organizations/{organizationId}/validate", "admin_validate_org"),
    ("GET", "/_sim/resolve", "admin_resolve_get"),
    ("POST", "/_sim/resolve", "admin_resolve"),
    ("POST", "/_sim/config", "admin_config"),
    ("GET", "/_sim/config", "admin_config"),
    ("GET", "/_sim/ca", "admin_ca"),
    ("GET", "/_sim/ca.pem", "admin_ca"),
    ("GET", "/_sim/stats", None),
    ("POST", "/_sim/stats/reset", None),
    ("POST", "/_sim/faults", None),
    ("GET", "/_sim/faults", None),
    ("DELETE", "/_sim/faults", None),
    ("GET", "/_sim/log", None),
]


def compile_routes(routes):
    compiled = []
    for route in routes:
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(route[1]))
        compiled.append((re.compile("^" + pattern + "$"), route))
    return compiled


def match(compiled, method, path):
    """(route, params) for the method and path.

    (None, None) for an unknown path; ('METHOD', None) for a known path with another method.
    """
    path_known = False
    for pattern, route in compiled:
        found = pattern.match(path)
        if found:
            if route[0] == method:
                return route, found.groupdict()
            path_known = True
    return ("METHOD" if path_known else None), None
