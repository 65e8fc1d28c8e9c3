"""The WebNIC v2 endpoints the simulator serves, and its /_sim/ admin endpoints.

Every handler takes a Request and returns the envelope's `data` (or a Raw response for downloads);
failures are raised as ApiFailure. The handlers live in webnic_sim.handlers, one module per resource,
over the shared state in webnic_sim.state; Backend combines them. The route table below is the one
place where each method and path template is named.
"""

from __future__ import annotations

import re

from .common import PROFILES
from .handlers.account import AccountHandlers
from .handlers.admin import AdminHandlers
from .handlers.contacts import ContactHandlers
from .handlers.dcv import DcvHandlers
from .handlers.dns import DnsHandlers
from .handlers.orders import OrderHandlers
from .handlers.products import ProductHandlers

__all__ = ["ADMIN_ROUTES", "PROFILES", "ROUTES", "Backend", "compile_routes", "match", "missing_routes"]


class Backend(
    AccountHandlers, ProductHandlers, OrderHandlers, DcvHandlers, ContactHandlers, DnsHandlers, AdminHandlers
):
    """Every handler of the route tables over one Store (call everything inside store.transaction())."""


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
    ("POST", "/_sim/orders/{orderId}/issue", "admin_issue"),
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
