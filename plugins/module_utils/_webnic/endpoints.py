# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every WebNIC endpoint the collection knows, in one table.

Paths marked ``assumed`` are our reading where WebNIC's public material is silent
(docs/api-assumptions.md lists them); correcting one is a one-line edit here.

Kinds decide the retry policy in client.py:
- SAFE: reads, retried on connection errors, 429 and 502/503/504.
- IDEMPOTENT: writes that give the same result when repeated (set DCV method, save a DNS record set,
  delete); retried on connection errors before the request was sent and on 429/503 responses.
- WRITE: writes that must not be repeated blindly (create contact, cancel, send an e-mail).
- MONEY: writes that spend money (place, renew, reissue); never retried; a lost answer raises
  AmbiguousWriteError so the caller looks the order up.
- AUTH: token minting.
"""

from collections import namedtuple

SAFE = "safe"
IDEMPOTENT = "idempotent"
WRITE = "write"
MONEY = "money"
AUTH = "auth"

Endpoint = namedtuple("Endpoint", ["method", "path", "kind", "doc", "confidence"])

ENDPOINTS = {
    # Authentication and account
    "token": Endpoint("POST", "/reseller/v2/api-user/token", AUTH, "Get Token", "doc"),
    "balance": Endpoint("GET", "/reseller/v2/balance", SAFE, "Get Balance", "code"),
    # Certificate
    "order_info": Endpoint("GET", "/ssl/v2/orders/info", SAFE, "Get Order Info", "doc"),
    "order_search": Endpoint("POST", "/ssl/v2/orders/search", SAFE, "Order Pagination Search", "doc"),
    "order_place": Endpoint("POST", "/ssl/v2/orders/new", MONEY, "Place Order", "code"),
    "order_cancel": Endpoint("POST", "/ssl/v2/orders/{orderId}/cancel", WRITE, "Cancel Order", "code"),
    "order_renew": Endpoint("POST", "/ssl/v2/orders/{orderId}/renew", MONEY, "Renew Order", "assumed"),
    "order_reissue": Endpoint("POST", "/ssl/v2/orders/{orderId}/reissue", MONEY, "Reissue Order", "assumed"),
    "cert_download": Endpoint(
        "POST", "/ssl/v2/orders/{orderId}/download/format/{format}", SAFE, "Download Cert", "assumed"
    ),
    "order_statistics": Endpoint("GET", "/ssl/v2/orders/statistics", SAFE, "Order Statistics", "assumed"),
    "order_statistics_graph": Endpoint(
        "GET", "/ssl/v2/orders/statistics/graph", SAFE, "Order Graph Statistics", "assumed"
    ),
    # Domain control validation
    "dcv_status": Endpoint("GET", "/ssl/v2/orders/{orderId}/dcv-status", SAFE, "Check DCV Status", "code"),
    "auth_change": Endpoint("PUT", "/ssl/v2/orders/{orderId}/auth", IDEMPOTENT, "Change Auth Type", "doc"),
    "auth_info": Endpoint("GET", "/ssl/v2/orders/{orderId}/auth/info", SAFE, "Get Auth Info", "assumed"),
    "approver_list": Endpoint("GET", "/ssl/v2/domainValidations/approver-list", SAFE, "Approver List", "assumed"),
    "approver_update": Endpoint(
        "PUT", "/ssl/v2/orders/{orderId}/approver", IDEMPOTENT, "Update Email Approver", "assumed"
    ),
    "approver_send": Endpoint(
        "POST", "/ssl/v2/orders/{orderId}/approver/send", WRITE, "Send Email Approver", "assumed"
    ),
    # Products
    "product_price": Endpoint("GET", "/ssl/v2/products/pricing", SAFE, "Get Product Price", "doc"),
    "product_list": Endpoint("GET", "/ssl/v2/products/list", SAFE, "Get Product List (new)", "assumed"),
    "product_list_old": Endpoint("GET", "/ssl/v2/products/list/price", SAFE, "Get Product List", "code"),
    "product_info": Endpoint("GET", "/ssl/v2/products/info", SAFE, "Get Product Info", "assumed"),
    "product_rules": Endpoint("GET", "/ssl/v2/products/rules", SAFE, "Get SSL Rules", "assumed"),
    # CSR
    "csr_generate": Endpoint("POST", "/ssl/v2/csr/generate", SAFE, "Generate CSR", "assumed"),
    "csr_decode": Endpoint("POST", "/ssl/v2/csr/decode", SAFE, "Decode CSR", "assumed"),
    # Contacts and organizations
    "contact_create": Endpoint("POST", "/ssl/v2/contact/create", WRITE, "Create Contact", "doc"),
    "contact_info": Endpoint("GET", "/ssl/v2/contact/info", SAFE, "Get Contact Info", "assumed"),
    "contact_delete": Endpoint("DELETE", "/ssl/v2/contact/{contactId}", IDEMPOTENT, "Delete Contact", "assumed"),
    "organization_create": Endpoint("POST", "/ssl/v2/organization/create", WRITE, "Create Organization", "assumed"),
    "organization_search": Endpoint("POST", "/ssl/v2/organization/search", SAFE, "Search Organization", "assumed"),
    "organization_info": Endpoint("GET", "/ssl/v2/organization/info", SAFE, "Get Organization Info", "assumed"),
    "organization_contact_update": Endpoint(
        "PUT", "/ssl/v2/organization/{organizationId}/contact", IDEMPOTENT, "Update Organization Contact", "assumed"
    ),
    "organization_validation_submit": Endpoint(
        "POST", "/ssl/v2/organization/{organizationId}/validation", WRITE, "Submit Validation", "assumed"
    ),
    "organization_validation_status": Endpoint(
        "GET", "/ssl/v2/organization/{organizationId}/validation", SAFE, "Get Validation Status", "assumed"
    ),
    # DNS (zones hosted at WebNIC, for DNS DCV)
    "dns_zones": Endpoint("GET", "/dns/v2/zones", SAFE, "List Zones", "code"),
    "dns_records": Endpoint("GET", "/dns/v2/zone/{zone}/records", SAFE, "Get Records", "code"),
    "dns_record_save": Endpoint("POST", "/dns/v2/zone/{zone}/record", IDEMPOTENT, "Save Record", "code"),
    "dns_record_delete": Endpoint("DELETE", "/dns/v2/zone/{zone}/record", IDEMPOTENT, "Delete Record", "code"),
}

API_ENDPOINTS = {
    "production": "https://api.webnic.cc",
    "ote": "https://oteapi.webnic.cc",
}


def api_url(endpoint):
    """`production`, `ote` or a URL -> base URL."""
    return API_ENDPOINTS.get(endpoint, endpoint).rstrip("/")


# Order statuses after which an order can no longer become (or stay) a usable certificate.
DEAD_ORDER_STATUSES = frozenset(["CANCELLED", "REFUNDED", "REJECTED", "REVOKED", "EXPIRED"])
