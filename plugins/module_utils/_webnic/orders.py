# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificate orders: identity, "find the live order", waiting, request bodies.

An order is identified by (product, common name, set of extra names). WebNIC's search is a substring
match on the common name and its summaries carry neither the SANs nor the product key, so
:func:`find_orders` filters the exact common name here and reads each remaining candidate's info.

The renewal rule (:func:`renewal.renewal_decision`, pure: no API, no clock of its own) is shared,
so that the order module
and ``webnic_ssl_deployed_info`` answer "is it due, and why" the same way.
"""

import datetime
import hashlib
import os
import re
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None

from .dcv import normalize_method
from .endpoints import DEAD_ORDER_STATUSES
from .errors import ApiError
from .tokens import default_cache_dir

# The renewal rule and the API date format live in renewal.py (the host-side modules import only it).
from .renewal import (
    CA_DEAD_STATUSES,
    UTC,
    _number,
    format_api_time,
    normalize_domain,
    parse_api_time,
    renewal_decision,
)

#: Order statuses after which the certificate is (or was) issued.
ISSUED_ORDER_STATUSES = frozenset(["COMPLETED", "PROCESSED"])
ISSUED_CERT_STATUSES = frozenset(["ACTIVE", "COMPLETED"])
#: Certificate statuses that make an order useless whatever its order status says.
FAILED_CERT_STATUSES = frozenset(["FAILED", "CANCELLED", "REVOKED", "EXPIRED"])
# ------------------------------------------------------------------------------------ values


class OrderIdentity:
    """(product, common name, set of extra names): what makes two orders the same certificate."""

    def __init__(self, product_key, common_name, subject_alt_names=None):
        self.product_key = (product_key or "").strip()
        self.common_name = normalize_domain(common_name)
        sans = {normalize_domain(n) for n in (subject_alt_names or []) if n and str(n).strip()}
        sans.discard(self.common_name)
        self.subject_alt_names = frozenset(sans)

    @property
    def names(self):
        """Every name of the certificate: the common name first, then the SANs sorted."""
        return [self.common_name, *sorted(self.subject_alt_names)]

    def lock_key(self):
        # The lock is per common name, not per full identity: a reissue with other names and a
        # renewal of the same name must serialise with placing, since they share the same search.
        return self.common_name

    def __eq__(self, other):
        return (
            isinstance(other, OrderIdentity)
            and self.product_key.lower() == other.product_key.lower()
            and self.common_name == other.common_name
            and self.subject_alt_names == other.subject_alt_names
        )

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((self.product_key.lower(), self.common_name, self.subject_alt_names))

    def __repr__(self):
        return "OrderIdentity(%r, %r, %r)" % (self.product_key, self.common_name, sorted(self.subject_alt_names))


# ------------------------------------------------------------------------------- order objects


def order_id_of(data):
    if not isinstance(data, dict):
        return None
    for key in ("orderId", "orderid", "order_id", "id"):
        if data.get(key) not in (None, ""):
            return str(data[key])
    return None


def order_status(order):
    return str(order.get("orderStatus") or "").upper()


def cert_status(order):
    return str(order.get("certStatus") or "").upper()


def order_sans(order):
    """The SANs of an order (Get Order Info ``sanfield``) without its common name."""
    sans = order.get("sanfield")
    if sans is None:
        sans = order.get("san") or order.get("sans") or []
    if isinstance(sans, str):
        sans = [part for part in re.split(r"[\s,;]+", sans) if part]
    names = []
    for item in sans:
        name = item.get("name") if isinstance(item, dict) else item
        name = normalize_domain(name)
        if name and name not in names:
            names.append(name)
    cn = normalize_domain(order.get("commonName"))
    return [name for name in names if name != cn]


def order_names(order):
    return [normalize_domain(order.get("commonName")), *sorted(order_sans(order))]


def is_live(order):
    """Live: may still become, or is, a usable certificate."""
    return order_status(order) not in DEAD_ORDER_STATUSES and cert_status(order) not in FAILED_CERT_STATUSES


def is_issued(order):
    return order_status(order) in ISSUED_ORDER_STATUSES and cert_status(order) in ISSUED_CERT_STATUSES


def is_failed(order):
    """A terminal failure: the order will never issue (or its certificate is gone)."""
    return order_status(order) in DEAD_ORDER_STATUSES or cert_status(order) in FAILED_CERT_STATUSES


def _flag(value):
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "y")
    return bool(value)


def allowed(order, action):
    """Get Order Info's ``renewal``/``reissue``/``cancel`` booleans; None when WebNIC did not say."""
    return _flag(order.get(action))


def order_product_key(order):
    """The product key an order row carries (only some API answers have one), or None."""
    for key in ("productKey", "product_key"):
        if order.get(key):
            return str(order[key]).strip()
    product = order.get("product")
    if isinstance(product, dict) and product.get("productKey"):
        return str(product["productKey"]).strip()
    return None


def order_product_name(order):
    """The product's display name as Get Order Info / Order Search show it (``"RapidSSL"``), or None."""
    product = order.get("product")
    if isinstance(product, dict):
        product = product.get("productName")
    text = str(product or "").strip()
    return text or None


def product_match(order, product_key, catalogue=None):
    """Is the order for ``product_key``? ``True``, ``False``, or ``None`` when it cannot be told.

    The documented order rows name the product by display name only; a product key in the row
    (some answers carry one) decides alone. A display name is confirmed when it equals the key or
    when the account's product list maps it to exactly this key; it is refuted when the list maps it
    to other keys only. Anything else -- no product in the row, a name the list does not know, a
    list that could not be read -- is ``None``: the caller must not buy on it.
    """
    wanted = str(product_key or "").strip().lower()
    if not wanted:
        return True  # no product asked: any product
    key = order_product_key(order)
    if key:
        return key.lower() == wanted
    name = order_product_name(order)
    if name is None:
        return None
    if name.lower() == wanted:
        return True
    keys = catalogue.keys_named(name) if catalogue is not None else None
    if not keys:
        return None
    if keys == {wanted}:
        return True
    if wanted not in keys:
        return False
    return None  # several products share this display name


def product_matches(order, product_key, catalogue=None):
    """``product_match`` for filters that only keep what is confirmed (order_info's product_key)."""
    return product_match(order, product_key, catalogue) is True


def order_identity(order, product_key=None):
    return OrderIdentity(order.get("productKey") or product_key or "", order.get("commonName"), order_sans(order))


def curated_order(order):
    """The collection's view of one order (Get Order Info ``data``)."""
    if not isinstance(order, dict):
        return None
    return {
        "order_id": order_id_of(order),
        "common_name": normalize_domain(order.get("commonName")) or None,
        "subject_alt_names": order_sans(order),
        "product": order.get("product") or order.get("productKey"),
        "term": order.get("term"),
        "order_status": order.get("orderStatus"),
        "cert_status": order.get("certStatus"),
        "dcv_method": normalize_method(order.get("authType")) or order.get("authType"),
        "created": order.get("dtcreate"),
        "modified": order.get("dtmodify"),
        "issued": order.get("dtsettle"),
        "order_expires": order.get("dtorderexpire"),
        "cert_expires": order.get("dtcertexpire"),
        "renewal_allowed": allowed(order, "renewal"),
        "reissue_allowed": allowed(order, "reissue"),
        "cancel_allowed": allowed(order, "cancel"),
        "administrator_contact_id": order.get("admid"),
        "technical_contact_id": order.get("tecid"),
        "live": is_live(order),
        "issued_certificate": is_issued(order),
    }


def describe_order(order):
    """``123 (example.com, www.example.com; COMPLETED/ACTIVE, created ...)`` for messages."""
    return "%s (%s; %s/%s, created %s)" % (
        order_id_of(order),
        ", ".join(order_names(order)),
        order.get("orderStatus") or "?",
        order.get("certStatus") or "?",
        order.get("dtcreate") or "?",
    )


# ------------------------------------------------------------------------------------- lookup


def get_order(client, order_id):
    """Get Order Info by id, or None when WebNIC does not know the order."""
    try:
        data = client.call("order_info", query={"orderId": str(order_id)})
    except ApiError as error:
        if error.status in (400, 404):
            return None
        raise
    return data if isinstance(data, dict) and data else None


class SearchIncomplete(Exception):
    """Order Search could not be read to its end: an order we cannot see may exist."""


def search_orders(client, common_name=None, status=None, page_size=100, max_pages=100):
    """Order Pagination Search over every page; ``common_name`` is WebNIC's substring (LIKE) filter.

    ``totalPages`` is not trusted alone (nothing public says it is always sent, or right): pages
    are read while they come back full (for the page size asked, or a smaller one the server says
    it uses) or ``totalPages`` says more follow, until a short or empty page. A server that repeats
    a page is caught (no new order ids). Raises SearchIncomplete when ``max_pages`` is reached
    with full pages still coming: the caller must not conclude "no such order" from it.
    """
    filters = []
    if common_name:
        filters.append({"field": "commonName", "operator": "LIKE", "value": common_name})
    if status:
        filters.append({"field": "orderStatus", "operator": "EQUAL", "value": status})
    items = []
    seen = set()
    page = 1
    while True:
        if page > max_pages:
            raise SearchIncomplete(
                "Order Search still returned full pages after %d pages of %d" % (max_pages, page_size)
            )
        body = {"filters": filters, "pagination": {"page": page, "pageSize": page_size}}
        data = client.call("order_search", body=body)
        if isinstance(data, list):
            return items + data
        data = data or {}
        chunk = [item for item in (data.get("items") or []) if isinstance(item, dict)]
        fresh = [item for item in chunk if (order_id_of(item) or id(item)) not in seen]
        seen.update(order_id_of(item) or id(item) for item in fresh)
        items.extend(fresh)
        if not fresh or not _more_pages(data, page, len(chunk), page_size):
            return items
        page += 1


def _positive_int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _more_pages(data, page, count, asked):
    total_pages = _positive_int(data.get("totalPages"))
    if total_pages is not None and page < total_pages:
        return True
    served = _positive_int(data.get("pageSize"))
    full = min(asked, served) if served else asked
    return count >= full


def find_orders(client, common_name, live_only=True):
    """Every order whose common name is exactly ``common_name``, as full Get Order Info objects.

    Oldest first. Summaries are filtered on the exact name (and, with ``live_only``, on being live)
    before the one-per-order info calls. ``live_only="renewable"`` also keeps EXPIRED and REVOKED
    orders: the predecessors a renewal can start from.
    """
    wanted = normalize_domain(common_name)
    result = []
    seen = set()
    for item in search_orders(client, common_name=wanted):
        if normalize_domain(item.get("commonName")) != wanted:
            continue
        if live_only and not _keep(item, live_only):
            continue
        order_id = order_id_of(item)
        if not order_id or order_id in seen:
            continue
        seen.add(order_id)
        info = get_order(client, order_id)
        if info is None:
            continue
        info = dict(info)
        info.setdefault("orderId", order_id)
        if live_only and not _keep(info, live_only):
            continue
        result.append(info)
    result.sort(key=_created_key)
    return result


def _keep(order, live_only):
    if is_live(order):
        return True
    return live_only == "renewable" and is_renewable_predecessor(order)


def is_renewable_predecessor(order):
    """An order whose certificate was issued and then expired or was revoked."""
    return _ca_status(order) in CA_DEAD_STATUSES and order_status(order) not in ("CANCELLED", "REFUNDED", "REJECTED")


def _created_key(order):
    created = parse_api_time(order.get("dtcreate"))
    oid = order_id_of(order) or ""
    return (created or datetime.datetime(1970, 1, 1, tzinfo=UTC), len(oid), oid)


def split_candidates(orders, identity, catalogue=None):
    """Split orders with the identity's common name by product and names.

    Returns (exact, renamed, unconfirmed): the identity's product with the same SANs, the same
    product with other SANs, and orders whose product cannot be confirmed (see product_match).
    """
    exact, renamed, unconfirmed = [], [], []
    for order in orders:
        match = product_match(order, identity.product_key, catalogue)
        if match is None:
            unconfirmed.append(order)
        elif not match:
            continue
        elif order_identity(order, identity.product_key).subject_alt_names == identity.subject_alt_names:
            exact.append(order)
        else:
            renamed.append(order)
    return exact, renamed, unconfirmed


class Lookup:
    """What the account holds for an identity (see :func:`find_live_order`)."""

    def __init__(self, exact, renamed, superseded, predecessors, unconfirmed=(), seen=()):
        self.exact = exact
        self.renamed = renamed
        self.superseded = superseded
        self.predecessors = predecessors
        self.unconfirmed = list(unconfirmed)
        #: Every order of the common name the lookup read (other products included).
        self.seen = list(seen)
        self.remaining = [order for order in exact if order not in superseded]

    @property
    def chosen(self):
        return self.remaining[0] if len(self.remaining) == 1 else None

    @property
    def ambiguous(self):
        return len(self.remaining) > 1

    def known_ids(self):
        return {order_id_of(o) for o in self.exact + self.renamed + self.predecessors + self.unconfirmed + self.seen}


def find_live_order(client, identity, catalogue=None, now=None, renewal_options=None):
    """Look the account up for ``identity`` (one search over all pages, one info call per exact name).

    ``catalogue``: a products.ProductCatalogue, asked only when an order names its product by
    something other than the key. The :class:`Lookup` holds:

    - ``exact``: live orders with the same product, common name and SAN set (oldest first);
    - ``superseded``: issued orders of ``exact`` inside their renewal window while a newer exact
      order exists: that newer order is their renewal (a renewal is a new order, same identity);
    - ``chosen``: the one exact order left once superseded ones are set aside (``ambiguous`` when
      more than one is left: the caller must fail and list them);
    - ``renamed``: live orders of the same product and common name with other SANs (a reissue);
    - ``unconfirmed``: live orders of the common name whose product cannot be confirmed: money
      must not be spent while one exists (it may be this very certificate);
    - ``predecessors``: expired or revoked orders with the identity (a renewal can start there).
    """
    orders = find_orders(client, identity.common_name, live_only="renewable")
    live = [order for order in orders if is_live(order)]
    dead = [order for order in orders if not is_live(order)]
    exact, renamed, unconfirmed = split_candidates(live, identity, catalogue)
    predecessors = split_candidates(dead, identity, catalogue)[0]
    superseded = superseded_orders(exact, now=now, renewal_options=renewal_options)
    return Lookup(exact, renamed, superseded, predecessors, unconfirmed, seen=orders)


def superseded_orders(exact, now=None, renewal_options=None):
    """Issued orders with a newer order of the same identity that renews them (see find_live_order).

    WebNIC may say so itself (``renewedBy``); otherwise an issued order inside its renewal window
    (the caller's, or the default one: the window may have been narrowed after the renewal was
    bought) with a newer exact order is taken as renewed by it.
    """
    ids = {order_id_of(order) for order in exact}
    superseded = []
    for order in exact[:-1]:
        renewed_by = order.get("renewedBy")
        if renewed_by not in (None, "") and str(renewed_by) in ids:
            superseded.append(order)
            continue
        if not is_issued(order):
            continue
        if (
            time_renewal_decision(order, now=now, **(renewal_options or {}))[0]
            or time_renewal_decision(order, now=now)[0]
        ):
            superseded.append(order)
    return superseded


def time_renewal_decision(order, now=None, **options):
    """The part of the renewal rule that a renewal answers: CA status, the time window, the cut-off."""
    return renewal_decision(
        order_not_before(order), order.get("dtcertexpire"), now, ca_status=_ca_status(order), **options
    )


def order_renewal_decision(order, wanted_names, now=None, key_matches=None, certificate=None, **options):
    """renewal_decision for an order's issued certificate.

    Dates come from ``certificate`` (crypto.parse_certificate facts of the downloaded certificate)
    when given, else from Get Order Info (``dtsettle`` may be the first issue of a reissued order).
    """
    certificate = certificate or {}
    return renewal_decision(
        certificate.get("not_before") or order_not_before(order),
        certificate.get("not_after") or order.get("dtcertexpire"),
        now,
        cert_names=order_names(order),
        wanted_names=wanted_names,
        key_matches=key_matches,
        ca_status=_ca_status(order),
        ordered_at=order.get("dtcreate"),
        **options,
    )


#: A paid term that outlives the certificate by at least this long is worth a reissue.
PAID_TERM_MARGIN = datetime.timedelta(days=30)


def paid_term_left(order, margin=PAID_TERM_MARGIN):
    """The end of the paid term (``dtorderexpire``) when it outlives the certificate by ``margin``, else None.

    Multi-year orders get certificates shorter than the term (398 days at most): inside the term a
    new certificate comes from a reissue, and only the end of the term needs a renewal.
    """
    cert_end = parse_api_time(order.get("dtcertexpire"))
    term_end = parse_api_time(order.get("dtorderexpire"))
    if cert_end is None or term_end is None or term_end - cert_end < margin:
        return None
    return format_api_time(term_end)


def order_not_before(order):
    """When the certificate became valid: ``dtsettle`` (issued at); the certificate itself is better."""
    return order.get("dtsettle") or order.get("dtcertstart") or order.get("dtcreate")


def _ca_status(order):
    for status in (cert_status(order), order_status(order)):
        if status in CA_DEAD_STATUSES:
            return status
    return cert_status(order) or None


# ------------------------------------------------------------------------------ request bodies


def dcv_body(dcv_method, approver_emails=None, names=()):
    """``authType`` and, for e-mail validation, ``approverEmail`` [{domain, email}] in name order."""
    body = {"authType": normalize_method(dcv_method) or dcv_method}
    if body["authType"] == "email":
        approvers = []
        for name in names:
            email = approver_for(approver_emails, name)
            if email:
                approvers.append({"domain": name, "email": email})
        body["approverEmail"] = approvers
    return body


def approver_for(approver_emails, name):
    """The approver of ``name``: given for the name itself or for a parent domain (``*.`` ignored)."""
    approvers = {normalize_domain(k): v for k, v in (approver_emails or {}).items() if v}
    name = normalize_domain(name)
    if name in approvers:
        return approvers[name]
    labels = (name[2:] if name.startswith("*.") else name).split(".")
    for start in range(len(labels) - 1):
        parent = ".".join(labels[start:])
        if parent in approvers:
            return approvers[parent]
    return None


def place_body(
    identity,
    term,
    csr,
    dcv_method,
    approver_emails=None,
    administrator_contact_id=None,
    technical_contact_id=None,
    shipment_contact_id=None,
    organization_id=None,
    special_instruction=None,
):
    body = {
        "productKey": identity.product_key,
        "term": int(term),
        "csr": csr,
        "sanfield": sorted(identity.subject_alt_names),
    }
    body.update(dcv_body(dcv_method, approver_emails, identity.names))
    for key, value in (
        ("administratorContactId", administrator_contact_id),
        ("technicalContactId", technical_contact_id),
        ("shipmentContactId", shipment_contact_id),
        ("organizationId", organization_id),
        ("specialInstruction", special_instruction),
    ):
        if value not in (None, ""):
            body[key] = value
    return body


def renew_body(identity, term, csr, dcv_method=None, approver_emails=None):
    body = {"term": int(term), "csr": csr}
    if dcv_method:
        body.update(dcv_body(dcv_method, approver_emails, identity.names))
    return body


def reissue_body(identity, csr, dcv_method=None, approver_emails=None):
    body = {"csr": csr, "sanfield": sorted(identity.subject_alt_names)}
    if dcv_method:
        body.update(dcv_body(dcv_method, approver_emails, identity.names))
    return body


# ------------------------------------------------------------------------------------ waiting


def domain_statuses(dcv_status):
    """``[{domain, method, status}]`` from a Check DCV Status answer."""
    result = []
    for item in (dcv_status or {}).get("domains") or []:
        if isinstance(item, dict):
            result.append(
                {
                    "domain": item.get("name") or item.get("domain"),
                    "method": normalize_method(item.get("authType")) or item.get("authType"),
                    "status": item.get("status"),
                }
            )
    return result


#: Status polls while waiting: the first after this many seconds, doubling up to the cap. A
#: 600-second wait makes about 24 calls (3 s polls would make 200: the kind of load that gets a
#: reseller rate-limited).
WAIT_FIRST_DELAY = 2.0
WAIT_MAX_DELAY = 30.0


def _outage(exc):
    """True for errors a wait rides out: no answer, or WebNIC saying it is busy or down."""
    from .errors import TransportError

    if isinstance(exc, ApiError):
        return exc.status in (429, 500, 502, 503, 504)
    return isinstance(exc, TransportError)


def wait_for_order(
    client,
    order_id,
    timeout,
    reissue=False,
    sleep=time.sleep,
    clock=time.monotonic,
    first_delay=WAIT_FIRST_DELAY,
    max_delay=WAIT_MAX_DELAY,
):
    """Poll Check DCV Status (with backoff) until the order is issued or fails, or ``timeout`` passes.

    Returns ``(outcome, order, dcv_status)`` with outcome ``issued``, ``failed`` or ``timeout``;
    ``order`` is a fresh Get Order Info. A reissue is done when the order leaves PENDING_REISSUE.
    An API outage shorter than the time left is ridden out (the client already retried each call):
    the wait goes on; only an outage that lasts to the deadline ends it, raising the last error.
    """
    deadline = clock() + max(0.0, float(timeout))
    delay = first_delay
    status = None
    while True:
        try:
            status = client.call("dcv_status", path={"orderId": order_id}) or {}
        except Exception as exc:  # only outages are ridden out, see _outage
            if not _outage(exc) or deadline - clock() <= 0:
                raise
            status = None
        if status is not None:
            probe = {"orderStatus": status.get("orderStatus"), "certStatus": status.get("certStatus")}
            if is_failed(probe):
                return "failed", get_order(client, order_id) or probe, status
            if is_issued(probe):
                order = get_order(client, order_id) or probe
                if is_issued(order):
                    return "issued", order, status
        remaining = deadline - clock()
        if remaining <= 0:
            if status is None:
                status = client.call("dcv_status", path={"orderId": order_id}) or {}
            probe = {"orderStatus": status.get("orderStatus"), "certStatus": status.get("certStatus")}
            return "timeout", get_order(client, order_id) or probe, status
        sleep(min(delay, remaining))
        delay = min(delay * 2, max_delay)


# ---------------------------------------------------------------------------------- the lock


def lock_dir(cache_dir=None):
    """``~/.cache/webnic.ssl/locks`` (the token cache's sibling), or ``$WEBNIC_TOKEN_CACHE_DIR/../locks``."""
    tokens = os.path.normpath(os.path.abspath(cache_dir or default_cache_dir()))
    return os.path.join(os.path.dirname(tokens), "locks")


_LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "::1", "[::1]")


def canonical_api_url(url):
    """One spelling per API endpoint, so that two runs naming it differently share one lock.

    Lower-case scheme and host, no default port, no trailing slash, and loopback names as
    127.0.0.1 (the simulator is reached as localhost or 127.0.0.1). Other host names are not
    resolved: round-robin DNS would give two runs two different keys.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(str(url or "").strip())
    scheme = (parts.scheme or "https").lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if host in _LOOPBACK_NAMES or host.startswith("127."):
        host = "127.0.0.1"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != {"https": 443, "http": 80}.get(scheme):
        host = "%s:%d" % (host, port)
    return "%s://%s%s" % (scheme, host, parts.path.rstrip("/"))


class LockTimeout(Exception):
    pass


class OrderLock:
    """An exclusive ``flock`` per (API URL, username, common name) around lookup + buy.

    Ansible forks are processes: 50 hosts asking for the same certificate run 50 lookups at once.
    Holding this lock from the search to the place call makes one of them buy and the others find
    and adopt what it bought.
    """

    def __init__(self, api_url, username, key, timeout=600.0, directory=None, sleep=time.sleep, clock=time.monotonic):
        text = "%s\0%s\0%s" % (canonical_api_url(api_url), username, normalize_domain(key))
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.directory = directory or lock_dir()
        self.path = os.path.join(self.directory, "order-%s.lock" % digest[:40])
        self.timeout = timeout
        self.sleep = sleep
        self.clock = clock
        self._fd = None
        self.waited = 0.0

    def __enter__(self):
        if fcntl is None:  # pragma: no cover - no flock: serialisation is lost, correctness of one run is not
            return self
        if not os.path.isdir(self.directory):
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        start = self.clock()
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except (IOError, OSError):
                if self.clock() - start >= self.timeout:
                    os.close(self._fd)
                    self._fd = None
                    raise LockTimeout(
                        "another run held the order lock %s for more than %d seconds" % (self.path, self.timeout)
                    )
                self.sleep(0.05)
        self.waited = self.clock() - start
        return self

    def __exit__(self, *exc):
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None
        return False


# ---------------------------------------------------------------------------- clock sanity

#: How far the controller's clock may be from WebNIC's before money calls are refused.
DEFAULT_MAX_CLOCK_SKEW = 300


def clock_problem(api_ahead_seconds, max_skew=DEFAULT_MAX_CLOCK_SKEW, issued_at=None, now=None):
    """Why the controller's clock cannot be trusted to decide a purchase, or None (pure).

    ``api_ahead_seconds``: how far WebNIC's clock (its ``Date`` header) is ahead of ours (None:
    unknown). ``issued_at``: when the current certificate became valid -- a certificate valid
    from the future means our clock is behind. A clock months off makes every certificate look
    due (or none): deciding to pay on it would buy on every run.
    """
    max_skew = float(DEFAULT_MAX_CLOCK_SKEW if max_skew is None else max_skew)
    if api_ahead_seconds is not None and abs(api_ahead_seconds) > max_skew:
        return "this machine's clock is %s WebNIC's (its Date header) by %s, more than max_clock_skew=%ss" % (
            "behind" if api_ahead_seconds > 0 else "ahead of",
            _duration(abs(api_ahead_seconds)),
            _number(max_skew),
        )
    start = parse_api_time(issued_at)
    current = parse_api_time(now) if now is not None else datetime.datetime.now(UTC)
    if start is not None and (start - current).total_seconds() > max_skew:
        return "the certificate became valid on %s, %s after this machine's clock (%s)" % (
            format_api_time(start),
            _duration((start - current).total_seconds()),
            format_api_time(current),
        )
    return None


def _duration(seconds):
    seconds = float(seconds)
    if seconds >= 2 * 86400:
        return "%.0f days" % (seconds / 86400)
    if seconds >= 2 * 3600:
        return "%.0f hours" % (seconds / 3600)
    return "%.0f seconds" % seconds


# ----------------------------------------------------------------- orders placed concurrently


def order_sort_key(order):
    """Orders by id (numeric when the ids are): the lower id is the one concurrent runs keep."""
    oid = order_id_of(order) or ""
    return (0, int(oid), "") if oid.isdigit() else (1, 0, oid)


def pick_survivor(orders):
    """Of twin orders bought by concurrent runs for one certificate, the one every run keeps."""
    return min(orders, key=order_sort_key) if orders else None


def renewal_order_id(data):
    """The new order's id in a Renew Order answer: ``data.orderId``, or ``data.renewOrder.orderId``
    (where an independent client reads it)."""
    if not isinstance(data, dict):
        return None
    return order_id_of(data) or order_id_of(data.get("renewOrder"))
