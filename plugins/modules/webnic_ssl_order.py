#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: webnic_ssl_order
short_description: Order, renew, reissue or cancel a WebNIC SSL certificate
version_added: 0.1.0
description:
  - Makes sure a live certificate order exists for a product, a common name and a set of extra
    names (SANs), and places one only when nothing reusable exists. B(This module spends money.)
  - The account is searched first (all pages; WebNIC's search matches substrings, so the exact
    common name, SAN set and product are compared here). A live order with the same identity is
    adopted and nothing is changed. More than one candidate is an error that lists them.
    O(order_id) adopts a given order instead.
  - Before money is spent the request is checked against the product's rules (term, SAN counts,
    wildcard, DCV method, key type of the CSR), the names in the CSR must equal the requested names,
    and OV/EV products need a validated O(organization_id).
  - Renewal happens inside the renewal window only (O(remaining_days), O(remaining_percentage),
    default the last third of the certificate's lifetime) or when the CA reports the certificate
    expired or revoked, and only once - a renewal order that already exists is adopted.
    A change of names, or a CSR for another key, on a live order is a reissue (same paid term) and
    needs O(reissue=true); otherwise the module fails and explains the choice. The module never
    turns one operation into another silently; RV(changed_reasons) says what it did and why.
  - Calls that spend money are never resent. When WebNIC's answer is lost after it may have
    committed the order, the module looks the account up again and adopts the order if it appeared,
    otherwise it fails saying that the order may exist.
  - Parallel runs (forks) for the same common name are serialised by an exclusive lock file under
    C(~/.cache/webnic.ssl/locks/) (or C($WEBNIC_TOKEN_CACHE_DIR/../locks)) on the host running the
    module, so that one run buys and the others adopt. Run the module on one host for a given
    certificate (for example with C(run_once) and C(delegate_to)).
author:
  - webnic.ssl contributors (@webnic-community)
extends_documentation_fragment:
  - webnic.ssl.webnic
  - webnic.ssl.webnic.attributes
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Sends no write call; reports C(changed=true) when a real run would place, renew, reissue or
        cancel, and the price it would pay. O(wait) is ignored in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
    support: full
    details:
      - A rerun adopts the order of the first run and makes no write call.
options:
  state:
    description:
      - V(present) makes sure a live order exists (adopt, place, renew or reissue).
      - V(absent) cancels the live order; WebNIC cancels only orders that are not issued yet.
    type: str
    choices: [present, absent]
    default: present
  order_id:
    description:
      - Adopt (or cancel) this order instead of searching the account for the identity.
    type: str
  product_key:
    description:
      - WebNIC product key, for example V(ssl123). Part of the order's identity.
      - Required to place an order. M(webnic.ssl.webnic_ssl_product_info) lists the keys.
    type: str
  common_name:
    description:
      - The certificate's common name. Part of the order's identity.
      - Required unless O(order_id) is given.
    type: str
  subject_alt_names:
    description:
      - The extra names of the certificate besides O(common_name). Part of the order's identity,
        compared as a set (order and case do not matter; the common name is ignored here).
    type: list
    elements: str
    default: []
  term:
    description:
      - Term in years for a new order or a renewal.
    type: int
    default: 1
  csr:
    description:
      - The certificate signing request, as PEM content or the path of a PEM file.
      - Required to place, renew or reissue; its names must equal O(common_name) plus
        O(subject_alt_names) and its key type must be one the product accepts.
      - With an issued order, a CSR for another key than the certificate's is a key change (reissue).
        To tell, the module downloads the issued certificate (a read call) and also takes the renewal
        dates from it.
    type: str
  dcv_method:
    description:
      - How the domains are validated. V(http) is an alias of V(file)
        (a file under C(/.well-known/pki-validation/)).
      - Required to place an order; for renewals and reissues WebNIC keeps the order's method
        unless this is set.
    type: str
    choices: [file, http, dns, email]
  approver_emails:
    description:
      - 'For O(dcv_method=email), a mapping of domain to approver address, for example
        C({"example.com": "admin@example.com"}).'
      - Every name of the certificate needs one; an address given for a domain also serves the names
        under it (C(www.example.com) and C(*.example.com) use the address of C(example.com)).
    type: dict
  administrator_contact_id:
    description:
      - Administrator contact id (M(webnic.ssl.webnic_ssl_contact)). Required to place an order.
    type: str
  technical_contact_id:
    description:
      - Technical contact id.
    type: str
  shipment_contact_id:
    description:
      - Shipment contact id.
    type: str
  organization_id:
    description:
      - Organization id for OV and EV products (M(webnic.ssl.webnic_ssl_organization)).
      - Its validation must be V(VALIDATED) before an order is placed.
    type: str
  special_instruction:
    description:
      - Free text passed to WebNIC with a new order.
    type: str
  renew:
    description:
      - Renew an issued certificate inside its renewal window, or expired or revoked at the CA.
      - With V(false) the module only reports RV(renewal) and changes nothing.
    type: bool
    default: true
  remaining_days:
    description:
      - Renew when at most this many days of the certificate's validity are left.
      - When neither this nor O(remaining_percentage) is set, the window is the last third of the
        lifetime.
    type: int
  remaining_percentage:
    description:
      - Renew when at most this percentage of the certificate's lifetime is left
        (V(33.3) is the last third).
      - When both O(remaining_days) and this are set, either one makes the certificate due.
      - Must be below 100 (100 would make every certificate due on every run).
    type: float
  renew_issued_before:
    description:
      - Renew the certificate when it was issued before this moment (ISO 8601, for example
        V(2026-12-07T10:00:00Z)). This is the safe way to force a renewal. Once renewed, the new
        certificate is issued after that moment, so running the same task again buys nothing.
      - A moment in the future is refused.
    type: str
  min_certificate_age:
    description:
      - Hours. A certificate younger than this is never renewed by O(remaining_days) or
        O(remaining_percentage), so a rerun right after a renewal never buys again. Names, key, the
        CA's status and O(renew_issued_before) still count.
    type: float
    default: 24
  max_clock_skew:
    description:
      - Seconds. Before any call that spends money, the clock of the machine running the task is
        compared with WebNIC's (the C(Date) header of its answers) and with the current
        certificate's start date; when they differ by more than this, nothing is bought and the
        task fails saying why. A clock months off makes certificates look due when they are not.
    type: int
    default: 300
  buy_when_unconfirmed:
    description:
      - WebNIC's documented order answers name the product only by its display name. When a live
        order for the same common name exists whose product cannot be confirmed (the display name
        is not in the account's product list, or several products share it), the module refuses to
        place or renew and names the order, since it may be this very certificate.
      - Either adopt that order with O(order_id), or set this to V(true) to buy anyway because you
        know it is another product.
    type: bool
    default: false
  reissue:
    description:
      - Allow a reissue (same order, same paid term) when the names or the key of a live order differ
        from the requested ones. Without it such a change fails with an explanation.
    type: bool
    default: false
  wait:
    description:
      - Poll (with backoff) until the order is issued or fails at WebNIC.
      - On timeout the module fails and lists the DCV status per domain.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true).
    type: int
    default: 900
notes:
  - The price reported is WebNIC's quote (Get Product Price) for the order placed or renewed;
    a reissue keeps the paid term and reports no price.
  - Validity options never cause a renewal outside the window.
requirements:
  - cryptography >= 41
seealso:
  - module: webnic.ssl.webnic_ssl_order_info
  - module: webnic.ssl.webnic_ssl_price
"""

EXAMPLES = r"""
- name: Make sure a certificate is ordered (adopts the existing order on reruns)
  webnic.ssl.webnic_ssl_order:
    product_key: ssl123
    common_name: www.example.com
    subject_alt_names:
      - example.com
    csr: /etc/ssl/www.example.com.csr
    dcv_method: http
    administrator_contact_id: "{{ admin_contact_id }}"
    technical_contact_id: "{{ tech_contact_id }}"
  register: order
  run_once: true
  delegate_to: localhost

- name: Show where the validation files go
  ansible.builtin.debug:
    msg: "{{ item.file_path }} -> {{ item.file_content }}"
  loop: "{{ order.dcv }}"

- name: Wait until issued (after the DCV files are published)
  webnic.ssl.webnic_ssl_order:
    order_id: "{{ order.order_id }}"
    wait: true
    wait_timeout: 1800

- name: What would it cost? (check mode sends no write call)
  webnic.ssl.webnic_ssl_order:
    product_key: geotrust-truebusinessid
    common_name: shop.example.com
    csr: "{{ lookup('ansible.builtin.file', 'shop.csr') }}"
    dcv_method: dns
    administrator_contact_id: "12345"
    organization_id: "678"
  check_mode: true
  register: quote

- name: Add a name to the certificate (reissue, same paid term)
  webnic.ssl.webnic_ssl_order:
    product_key: ssl123
    common_name: www.example.com
    subject_alt_names: [example.com, api.example.com]
    csr: /etc/ssl/www.example.com.csr
    dcv_method: dns
    reissue: true

- name: Cancel an order that is not issued yet
  webnic.ssl.webnic_ssl_order:
    order_id: "{{ order.order_id }}"
    state: absent
"""

RETURN = r"""
action:
  description:
    - What the module did (or would do in check mode) -
      V(adopted) (a live order existed), V(placed), V(renewed), V(reissued), V(cancelled),
      V(none) (state=absent and no live order).
  returned: always
  type: str
  sample: placed
changed_reasons:
  description: Why the module changed (or would change) something; empty when it did not.
  returned: always
  type: list
  elements: str
  sample: ["no live order for ssl123 www.example.com (example.com): placed a new order"]
order_id:
  description: Id of the order the module placed, renewed into, reissued, adopted or cancelled.
  returned: when an order exists (not in check mode before placing)
  type: str
  sample: "100234"
issued:
  description: Whether the order's certificate is issued and active (C(COMPLETED)/C(ACTIVE)).
  returned: when an order exists
  type: bool
  sample: false
order_status:
  description: WebNIC's C(orderStatus).
  returned: when an order exists
  type: str
  sample: PENDING
cert_status:
  description: WebNIC's C(certStatus).
  returned: when an order exists
  type: str
  sample: INITIAL
dates:
  description: The order's dates, as WebNIC returns them (ISO 8601).
  returned: when an order exists
  type: dict
  contains:
    created:
      description: When the order was placed.
      type: str
      returned: success
    issued:
      description: When the certificate was issued (C(dtsettle)).
      type: str
      returned: success
    cert_expires:
      description: The certificate's notAfter (C(dtcertexpire)).
      type: str
      returned: success
    order_expires:
      description: End of the paid term (C(dtorderexpire)).
      type: str
      returned: success
price:
  description:
    - The price of the order placed or renewed (or that would be, in check mode).
    - V(null) when nothing was bought (adopted, reissued, cancelled).
  returned: always
  type: float
  sample: 30.0
currency:
  description: Currency of RV(price).
  returned: when RV(price) is set
  type: str
  sample: USD
dcv:
  description:
    - Domain control validation instructions, one entry per domain, in one stable shape.
    - Empty when the certificate is issued.
  returned: always
  type: list
  elements: dict
  contains:
    domain:
      description: The name being validated.
      type: str
      returned: always
    method:
      description: V(file), V(dns) or V(email).
      type: str
      returned: always
    file_path:
      description: URL path of the validation file (file method).
      type: str
      returned: always
    file_content:
      description: Content of the validation file (file method).
      type: str
      returned: always
    dns_host:
      description: Record name (dns method).
      type: str
      returned: always
    dns_type:
      description: Record type, C(TXT) or C(CNAME) (dns method).
      type: str
      returned: always
    dns_value:
      description: Record value (dns method).
      type: str
      returned: always
    email:
      description: Approver address (email method).
      type: str
      returned: always
  sample:
    - domain: www.example.com
      method: file
      file_path: /.well-known/pki-validation/fileauth.txt
      file_content: "2026120100000abcdef comodoca.com"
      dns_host: null
      dns_type: null
      dns_value: null
      email: null
renewal:
  description:
    - The renewal decision for the issued certificate of the adopted order (or for the expired or
      revoked last order when O(renew=false) keeps the module from replacing it).
  returned: when an issued order was looked at
  type: dict
  contains:
    due:
      description: Whether the certificate is due for renewal or replacement.
      type: bool
      returned: success
    reasons:
      description: Why it is due.
      type: list
      elements: str
      returned: success
order:
  description: The order, curated (see M(webnic.ssl.webnic_ssl_order_info) for the fields).
  returned: when an order exists
  type: dict
candidates:
  description: The orders that matched when the module refused to choose between several.
  returned: on that failure
  type: list
  elements: dict
renewed_from:
  description:
    - Id of the order a renewal was made from (or whose renewal was adopted), or of the expired or
      revoked order a new order replaces.
  returned: when renewing, replacing, or adopting a renewal
  type: str
waited:
  description: Outcome of O(wait) - V(issued), V(failed) or V(timeout).
  returned: when O(wait=true) (not in check mode)
  type: str
reissue_pending:
  description:
    - The adopted order is being reissued (C(PENDING_REISSUE)); WebNIC shows its new names once the
      reissued certificate is out.
  returned: when true
  type: bool
dcv_status:
  description: Per-domain DCV status (C(domain), C(method), C(status)) from Check DCV Status.
  returned: when O(wait=true) and the module waited
  type: list
  elements: dict
api_calls:
  description: HTTP requests sent to WebNIC by this task (token minting included).
  returned: always
  type: int
  sample: 4
skipped_checks:
  description:
    - Checks or enrichments skipped because a path we assumed (not in WebNIC's published
      documentation) answered that it does not exist (HTTP 404, 405 or 501). The task went on with
      what the documented calls give; see docs/api-assumptions.md.
  returned: when a check was skipped
  type: list
  elements: dict
  contains:
    endpoint:
      description: The collection's name of the endpoint.
      type: str
    path:
      description: Method and path called.
      type: str
    status:
      description: The HTTP status it answered.
      type: int
    skipped:
      description: What was not done because of it.
      type: str
  sample:
    - endpoint: product_rules
      path: GET /ssl/v2/products/rules
      status: 404
      skipped: product rules from Get SSL Rules (term, key type and DCV method checks before buying)
names:
  description: Names a place or reissue adds to or removes from the order (C(added), C(removed)).
  returned: when the action is V(placed) or V(reissued)
  type: dict
  sample: {"added": ["www.example.com", "example.com"], "removed": []}
not_checked:
  description:
    - In check mode, the options a real run needs that were not given (O(csr),
      O(administrator_contact_id)); the plan and the price were made from the names.
  returned: in check mode, when such an option is missing
  type: list
  elements: str
duplicate_order:
  description:
    - Another run (another controller or AWX job) bought the same certificate at the same moment.
      Every run keeps the order with the lowest id; this run's own order is cancelled when WebNIC
      still allows it. C(order_id) is this run's order, C(kept_order_id) the one kept, C(outcome)
      what happened to this run's order.
  returned: when a concurrent purchase was found right after buying
  type: dict
unconfirmed_order_ids:
  description: Live orders of the common name whose product could not be confirmed (on failure).
  returned: when the module refused to buy on doubt
  type: list
  elements: str
clock_skew_seconds:
  description: How far WebNIC's clock is ahead of this machine's (negative when behind), on failure.
  returned: when the module refused to buy because of the clock
  type: float
raw:
  description: The C(data) object of WebNIC's Get Order Info for the order.
  returned: when an order exists
  type: dict
"""

import os
import time

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import orders as ord_
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.crypto import (
    HAS_CRYPTOGRAPHY,
    CRYPTOGRAPHY_IMPORT_ERROR,
    CryptoInputError,
    InvalidNameError,
    certificate_names,
    load_certificate,
    parse_certificate,
    parse_csr,
)
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.dcv import dcv_instructions, normalize_method
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.errors import (
    AmbiguousWriteError,
    ApiError,
    WebNICError,
)
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.organizations import check_organization_ready
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.products import (
    ProductCatalogue,
    check_against_rules,
    read_product_rules,
)
from ansible.module_utils.basic import missing_required_lib

# After a lost answer to a money call, look the account up at these delays (seconds) before
# concluding that the order was not made: a server may commit a moment after the answer was lost.
LOOKUP_DELAYS = (0.0, 1.0, 2.0)
LOCK_TIMEOUT = 900.0
# Options a check-mode run can do without: the plan and price come from the names.
CHECK_MODE_OPTIONAL = ("csr", "administrator_contact_id")


class OrderRun:
    """One run of the module: the inputs checked once, then the decision, then at most one write."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.reasons = []
        self.result = {"changed": False, "action": "none", "price": None, "dcv": []}
        self._rules = None
        self._catalogue = None
        self._client = None
        self.csr_pem = None
        self.csr = None
        self.identity = None
        self.dcv_method = normalize_method(self.params.get("dcv_method"))
        self.cert_facts = None

    # ---------------------------------------------------------------- inputs (no API call)

    @property
    def client(self):
        if self._client is None:
            self._client = self.module.client
        return self._client

    def fail(self, msg, **extra):
        extra.setdefault("changed", False)
        extra.setdefault("changed_reasons", self.reasons)
        extra["api_calls"] = self.module.api_calls
        self.module.fail_json(msg=msg, **extra)

    def fail_field(self, field, problem, fix=None, **extra):
        extra.setdefault("changed_reasons", self.reasons)
        extra["api_calls"] = self.module.api_calls
        self.module.fail_field(field, problem, fix, **extra)

    def check_inputs(self):
        params = self.params
        if params["term"] < 1:
            self.fail_field("term", "must be at least 1 year", "Use a term the product offers (see its rules)")
        problems = ord_.check_renewal_options(
            params["remaining_days"],
            params["remaining_percentage"],
            params["renew_issued_before"],
            params["min_certificate_age"],
        )
        if problems:
            self.fail_field(*problems[0])
        if params["max_clock_skew"] < 0:
            self.fail_field("max_clock_skew", "must not be negative", "Give seconds, e.g. 300")
        if params["wait_timeout"] < 0:
            self.fail_field("wait_timeout", "must not be negative", "Give the seconds to wait")
        if params["common_name"]:
            try:
                cn, names = certificate_names(params["common_name"], params["subject_alt_names"])
            except InvalidNameError as exc:
                field = "common_name" if getattr(exc, "index", None) is None else "subject_alt_names"
                self.fail_field(field, to_native(exc), None)
            self.identity = ord_.OrderIdentity(params["product_key"], cn, names[1:])
        elif params["subject_alt_names"]:
            self.fail_field(
                "common_name", "is required with subject_alt_names", "Set the common name of the certificate"
            )
        elif not params["order_id"]:
            self.fail_field("common_name", "is required unless order_id is given", "Set common_name (and product_key)")
        if params["state"] == "present" and not params["order_id"] and not params["product_key"]:
            self.fail_field(
                "product_key", "is required to find or place an order", "Set product_key, for example ssl123"
            )
        if params["csr"]:
            self.load_csr()
        if self.dcv_method == "email" and self.identity is not None:
            self.check_approvers(self.identity.names)

    def load_csr(self):
        value = self.params["csr"].strip()
        if "-----BEGIN" not in value:
            path = value
            if not os.path.isfile(path):
                self.fail_field(
                    "csr", "is neither PEM content nor the path of an existing file", "Give the CSR or its path"
                )
            try:
                with open(path, "rb") as handle:
                    value = handle.read().decode("utf-8", "replace").strip()
            except (IOError, OSError) as exc:
                self.fail_field(
                    "csr", "cannot read %s: %s" % (path, to_native(exc)), "Check the path and its permissions"
                )
        if not HAS_CRYPTOGRAPHY:
            self.module.fail_json(msg=missing_required_lib("cryptography"), exception=CRYPTOGRAPHY_IMPORT_ERROR)
        try:
            self.csr = parse_csr(value.encode("utf-8"))
        except CryptoInputError as exc:
            self.fail_field("csr", to_native(exc), "Give a PEM CSR (-----BEGIN CERTIFICATE REQUEST-----)")
        if not self.csr["signature_valid"]:
            self.fail_field("csr", "its signature does not verify", "Make the CSR again with its private key")
        self.csr_pem = value + "\n"
        if self.identity is not None:
            self.check_csr_names(self.identity)

    def csr_names(self):
        names = set(self.csr["subject_alt_names"])
        if self.csr["common_name"]:
            names.add(self.csr["common_name"])
        return names

    def check_csr_names(self, identity):
        wanted = set(identity.names)
        have = self.csr_names()
        if self.csr["common_name"] and self.csr["common_name"] != identity.common_name:
            self.fail_field(
                "csr",
                "its common name is %s but common_name is %s" % (self.csr["common_name"], identity.common_name),
                "Make the CSR for the requested names, or request the names of the CSR",
            )
        if have != wanted:
            detail = []
            if wanted - have:
                detail.append("missing %s" % ", ".join(sorted(wanted - have)))
            if have - wanted:
                detail.append("not requested %s" % ", ".join(sorted(have - wanted)))
            self.fail_field(
                "csr",
                "its names differ from common_name + subject_alt_names (%s)" % "; ".join(detail),
                "Make the CSR for exactly the requested names (subject_alt_names must list every extra name)",
            )

    def check_approvers(self, names):
        missing = [name for name in names if not ord_.approver_for(self.params["approver_emails"], name)]
        if missing:
            self.fail_field(
                "approver_emails",
                "dcv_method=email needs an approver address for %s" % ", ".join(missing),
                "Add for example %s: admin@%s" % (missing[0], missing[0].lstrip("*.")),
            )

    # ---------------------------------------------------------------- product

    @property
    def rules(self):
        if self._rules is None:
            self._rules = read_product_rules(self.client, self.product_key, self.catalogue)
        return self._rules

    @property
    def catalogue(self):
        if self._catalogue is None:
            self._catalogue = ProductCatalogue(self.client)
        return self._catalogue

    @property
    def product_key(self):
        return self.identity.product_key if self.identity is not None else self.params["product_key"]

    def chargeable_counts(self, identity):
        free = {identity.common_name}
        if ord_._flag(self.rules.get("freeCompanionSan")):
            cn = identity.common_name
            free.add(cn[2:] if cn.startswith("*.") else cn[4:] if cn.startswith("www.") else "www." + cn)
        extra = [name for name in identity.subject_alt_names if name not in free]
        wildcard = sum(1 for name in extra if name.startswith("*."))
        return len(extra) - wildcard, wildcard

    def check_rules(self, identity, term=None, auth_type=None):
        """Everything the product does not allow, as one failure naming the field. Read calls only."""
        rules = self.rules
        san_count, wildcard_count = self.chargeable_counts(identity)
        problems = check_against_rules(
            rules,
            term=term,
            san_count=san_count,
            wildcard_san_count=wildcard_count,
            common_name=identity.common_name,
            key_type=self.csr["key_type"] if self.csr else None,
            auth_type=auth_type,
        )
        if problems:
            field, problem, fix = problems[0]
            others = ["%s: %s" % (f, p) for f, p, _x in problems[1:]]
            if others:
                fix = "%s. Also: %s" % (fix.rstrip("."), "; ".join(others))
            self.fail_field(field, problem, fix, rules=rules)
        return san_count, wildcard_count

    def quote(self, term, san_count, wildcard_count):
        query = {"productKey": self.product_key, "term": term}
        if san_count:
            query["commonSAN"] = san_count
        if wildcard_count:
            query["wildcardSAN"] = wildcard_count
        data = self.client.call("product_price", query=query) or {}
        try:
            self.result["price"] = float(data.get("price"))
        except (TypeError, ValueError):
            self.result["price"] = None
        self.result["currency"] = data.get("currency")

    def require(self, option, doing, fix):
        if self.params.get(option):
            return
        if self.check_mode and option in CHECK_MODE_OPTIONAL:
            # Check mode answers "what would it buy, at what price" before a key or contact exists.
            missing = self.result.setdefault("not_checked", [])
            if option not in missing:
                missing.append(option)
            return
        self.fail_field(option, "is required to %s" % doing, fix)

    # ---------------------------------------------------------------- lookups

    def renewal_options(self):
        return {
            "remaining_days": self.params["remaining_days"],
            "remaining_percentage": self.params["remaining_percentage"],
            "issued_before": self.params["renew_issued_before"],
            "min_age_hours": self.params["min_certificate_age"],
        }

    def lookup(self, identity):
        try:
            return ord_.find_live_order(
                self.client, identity, catalogue=self.catalogue, renewal_options=self.renewal_options()
            )
        except ord_.SearchIncomplete as exc:
            self.fail(
                "%s: an order for %s may exist that this run cannot see, so nothing was bought. Pass order_id "
                "to name the order, or check the account (webnic.ssl.webnic_ssl_order_info)."
                % (exc, identity.common_name)
            )

    # ---------------------------------------------------------------- never buy on doubt

    def refuse_on_doubt(self, found, doing):
        """Stop before spending money while a live order of the name might be this certificate."""
        if not found.unconfirmed:
            return
        if self.params["buy_when_unconfirmed"]:
            self.module.warn(
                "buy_when_unconfirmed=true: %s although order(s) %s for %s may be the same certificate."
                % (doing, ", ".join(ord_.order_id_of(o) for o in found.unconfirmed), self.identity.common_name)
            )
            return
        first = found.unconfirmed[-1]
        why = self.unconfirmed_reason(first)
        self.fail(
            "Refusing to %s: live order %s for %s may be this very certificate, but its product cannot be "
            "confirmed (%s). Nothing was bought. Either adopt it with order_id=%s, or, if it is another "
            "product, set buy_when_unconfirmed=true to buy anyway. Orders in doubt: %s"
            % (
                doing,
                ord_.order_id_of(first),
                self.identity.common_name,
                why,
                ord_.order_id_of(first),
                "; ".join(ord_.describe_order(o) for o in found.unconfirmed),
            ),
            candidates=[ord_.curated_order(o) for o in found.unconfirmed],
            unconfirmed_order_ids=[ord_.order_id_of(o) for o in found.unconfirmed],
        )

    def unconfirmed_reason(self, order):
        name = ord_.order_product_name(order)
        if name is None:
            return "WebNIC's answer names no product for it"
        if self.catalogue.error is not None and not self.catalogue.rows():
            return "it names the product %r and the product list could not be read: %s" % (
                name,
                self.catalogue.error.render() if hasattr(self.catalogue.error, "render") else self.catalogue.error,
            )
        keys = self.catalogue.keys_named(name)
        if keys:
            return "it names the product %r, a display name shared by %s" % (name, ", ".join(sorted(keys)))
        return "it names the product %r, which the account's product list does not map to %s" % (
            name,
            self.identity.product_key,
        )

    def refuse_on_wrong_clock(self, order=None):
        """Money is never spent on a decision made with a clock far from WebNIC's."""
        issued_at = (self.cert_facts or {}).get("not_before") or (order and ord_.order_not_before(order))
        problem = ord_.clock_problem(self.client.clock_skew, self.params["max_clock_skew"], issued_at=issued_at)
        if problem:
            self.fail(
                "Refusing to buy: %s. A clock that far off makes certificates look due (or not) when they are "
                "not; nothing was bought. Fix the time (NTP) on the machine running this task, or raise "
                "max_clock_skew if WebNIC's clock is the wrong one." % problem,
                clock_skew_seconds=self.client.clock_skew,
            )

    def confirm_name_is_free(self, found):
        """Get Order Info by common name (documented) must not know a live order the search missed."""
        try:
            data = self.client.call("order_info", query={"commonName": self.identity.common_name})
        except ApiError as exc:
            if exc.status in (400, 404):
                return
            raise
        if not isinstance(data, dict) or not ord_.order_id_of(data) or not ord_.is_live(data):
            return
        if ord_.normalize_domain(data.get("commonName")) != self.identity.common_name:
            return
        if ord_.order_id_of(data) in found.known_ids():
            return
        if ord_.order_id_of(data) in self.lookup(self.identity).known_ids():
            # Placed between our search and now (another run, another controller): decide again.
            raise _ConcurrentOrder(ord_.order_id_of(data))
        self.fail(
            "Refusing to place an order: Get Order Info knows live order %s for %s, which the order search did "
            "not return, so the search cannot be trusted to rule out a duplicate. Nothing was bought. Adopt it "
            "with order_id=%s, or cancel it first."
            % (ord_.order_id_of(data), self.identity.common_name, ord_.order_id_of(data)),
            candidates=[ord_.curated_order(data)],
        )

    def lock(self, common_name):
        return ord_.OrderLock(self.module.api_base_url, self.params["api_username"], common_name, timeout=LOCK_TIMEOUT)

    def find_after_lost_answer(self, identity, known_ids, predicate=None):
        """Search again after an ambiguous money call: the new order with the identity, or None."""
        for delay in LOOKUP_DELAYS:
            if delay:
                time.sleep(delay)
            try:
                found = self.lookup(identity)
            except WebNICError as exc:
                self.module.warn("Looking the order up after the lost answer failed: %s" % exc.render())
                continue
            fresh = [
                o for o in found.exact if ord_.order_id_of(o) not in known_ids and (predicate is None or predicate(o))
            ]
            if fresh:
                return fresh[-1]
        return None

    # ---------------------------------------------------------------- state=present

    def present(self):
        params = self.params
        with self.lock(self.lock_key()):
            if params["order_id"]:
                order = self.get_order_or_fail(params["order_id"])
                identity = self.identity or ord_.order_identity(order, params["product_key"])
                if self.identity is None:
                    self.identity = ord_.OrderIdentity(
                        params["product_key"] or identity.product_key, identity.common_name, identity.subject_alt_names
                    )
                if not ord_.is_live(order) and self.params["common_name"]:
                    # A resumed order that died (expired, revoked, cancelled): the identity decides,
                    # and a renewal starts from the dead order when it is the identity's last one.
                    self.present_by_identity()
                elif not ord_.is_live(order):
                    self.fail(
                        "order_id: order %s is %s/%s and cannot be adopted; give common_name (and the other "
                        "order options) to renew or replace it"
                        % (params["order_id"], order.get("orderStatus"), order.get("certStatus")),
                        order=ord_.curated_order(order),
                        raw=order,
                    )
                else:
                    self.handle_existing(order)
            else:
                self.present_by_identity()
        self.after_write()

    def lock_key(self):
        if self.identity is not None:
            return self.identity.lock_key()
        return "order:%s" % self.params["order_id"]

    def get_order_or_fail(self, order_id):
        order = ord_.get_order(self.client, order_id)
        if order is None:
            self.fail_field(
                "order_id",
                "WebNIC does not know order %s" % order_id,
                "Check the id (webnic.ssl.webnic_ssl_order_info lists orders)",
            )
        order = dict(order)
        order.setdefault("orderId", str(order_id))
        return order

    def present_by_identity(self):
        """Decide and act; decided once more when an order for the names appears while deciding."""
        result, reasons = dict(self.result), list(self.reasons)
        try:
            self.decide_by_identity()
        except _ConcurrentOrder as concurrent:
            self.result.clear()
            self.result.update(result)
            self.reasons[:] = reasons
            try:
                self.decide_by_identity()
            except _ConcurrentOrder as again:
                self.fail(
                    "Orders for %s keep appearing while this run decides (%s, then %s); nothing was bought. "
                    "Another run is buying this certificate: run again when it is done."
                    % (self.identity.common_name, concurrent.order_id, again.order_id)
                )
            self.reasons.append(
                "order %s for these names was placed by another run while this one decided; it was adopted"
                % concurrent.order_id
            )

    def decide_by_identity(self):
        identity = self.identity
        found = self.lookup(identity)
        if found.ambiguous:
            self.fail(
                "%d live orders match %s %s (%s); refusing to choose. Pass order_id to adopt one, or cancel "
                "the others (state=absent with their order_id): %s"
                % (
                    len(found.remaining),
                    identity.product_key,
                    identity.common_name,
                    ", ".join(identity.names),
                    "; ".join(ord_.describe_order(o) for o in found.remaining),
                ),
                candidates=[ord_.curated_order(o) for o in found.remaining],
            )
        if found.chosen is not None:
            if found.superseded:
                self.result["renewed_from"] = ord_.order_id_of(found.superseded[-1])
            self.handle_existing(found.chosen, found=found)
            return
        if found.renamed:
            if len(found.renamed) > 1:
                self.fail(
                    "No live order has exactly the names %s, but %d live orders for %s have other names; refusing "
                    "to choose which one to reissue. Pass order_id: %s"
                    % (
                        ", ".join(identity.names),
                        len(found.renamed),
                        identity.common_name,
                        "; ".join(ord_.describe_order(o) for o in found.renamed),
                    ),
                    candidates=[ord_.curated_order(o) for o in found.renamed],
                )
            self.handle_existing(found.renamed[-1], found=found)
            return
        if found.predecessors:
            predecessor = found.predecessors[-1]
            if params_flag(self.params, "renew") and ord_.allowed(predecessor, "renewal") is not False:
                reasons = ord_.time_renewal_decision(predecessor, **self.renewal_options())[1]
                self.reasons.extend(reasons)
                self.renew(predecessor, found)
                return
            why = "the last order %s for %s is %s/%s and no live order is left" % (
                ord_.order_id_of(predecessor),
                identity.common_name,
                predecessor.get("orderStatus"),
                predecessor.get("certStatus"),
            )
            if not params_flag(self.params, "renew"):
                # Replacing it would be a renewal by another name: renew=false forbids buying it.
                self.set_order(predecessor)
                self.result["action"] = "none"
                self.result["renewal"] = {"due": True, "reasons": [why]}
                self.module.warn("%s; renew=false, so nothing was bought." % why)
                return
            self.reasons.append("%s; WebNIC does not renew it (renewal=false), so a new order is placed" % why)
            self.result["renewed_from"] = ord_.order_id_of(predecessor)
        self.place(found)

    def handle_existing(self, order, found=None):
        """A live order exists: adopt it, or reissue it (names/key) or renew it (window)."""
        identity = self.identity
        self.set_order(order)
        self.result["action"] = "adopted"
        wanted_names = identity.names if self.params["common_name"] else ord_.order_names(order)
        if ord_.order_status(order) == "PENDING_REISSUE":
            # WebNIC shows the old names until the reissued certificate is out: a reissue is running.
            self.result["reissue_pending"] = True
            if set(ord_.order_names(order)) != set(wanted_names):
                self.module.warn(
                    "Order %s is being reissued; its names show the new ones once the reissue is issued."
                    % ord_.order_id_of(order)
                )
            return
        have_names = ord_.order_names(order)
        names_differ = set(have_names) != set(wanted_names)
        if (
            self.params["order_id"]
            and self.params["product_key"]
            and ord_.product_match(order, self.params["product_key"], self.catalogue) is False
        ):
            self.fail_field(
                "product_key",
                "order %s is for product %s, not %s"
                % (
                    ord_.order_id_of(order),
                    ord_.order_product_key(order) or ord_.order_product_name(order),
                    self.params["product_key"],
                ),
                "A product cannot be changed on an order: drop product_key or place a new order for the other product",
            )
        key_matches = None
        if ord_.is_issued(order) and self.csr is not None and not names_differ:
            key_matches = self.certificate_key_matches(order)
        if names_differ:
            what = "its names are %s but %s were requested" % (", ".join(have_names), ", ".join(wanted_names))
            self.reissue(order, what)
            return
        if ord_.is_issued(order):
            due, reasons = ord_.order_renewal_decision(
                order, wanted_names, certificate=self.cert_facts, **self.renewal_options()
            )
            self.result["renewal"] = {"due": due, "reasons": reasons}
            if not due and key_matches is False:
                # Outside the renewal window a new key is a reissue; inside it, the renewal below
                # carries the new CSR anyway (a reissue would only shorten the certificate).
                self.reissue(order, "its certificate is for another key than the CSR's")
                return
            if due:
                if not self.params["renew"]:
                    self.module.warn(
                        "Order %s is due for renewal (%s) but renew=false."
                        % (ord_.order_id_of(order), "; ".join(reasons))
                    )
                    return
                if found is None:
                    found = self.lookup(
                        ord_.OrderIdentity(identity.product_key or "", identity.common_name, identity.subject_alt_names)
                    )
                newer = [o for o in found.exact if _created_after(o, order)]
                if newer:
                    # Renew once: the renewal already exists, adopt it.
                    self.result["renewed_from"] = ord_.order_id_of(order)
                    self.set_order(newer[-1])
                    return
                self.reasons.extend(reasons)
                paid_until = ord_.paid_term_left(order)
                if paid_until is not None and ord_.allowed(order, "reissue") is not False:
                    # A multi-year order outlives its certificate: a new certificate inside the paid
                    # term is a reissue (free), not a renewal (a new purchase).
                    self.reissue(
                        order,
                        "the certificate is due but the paid term runs until %s: a new certificate inside "
                        "the paid term" % paid_until,
                        within_term=True,
                    )
                    return
                self.renew(order, found)
                return

    def certificate_key_matches(self, order):
        """Does the issued certificate carry the CSR's key? None when it cannot be told."""
        try:
            pem = self.client.download(ord_.order_id_of(order), "PEM", {"bundle": False})
            facts = parse_certificate(load_certificate(pem))
        except (WebNICError, CryptoInputError) as exc:
            self.module.warn("Could not compare the issued certificate's key with the CSR: %s" % to_native(exc))
            return None
        self.cert_facts = facts
        return facts["public_key_fingerprint"] == self.csr["public_key_fingerprint"]

    # ---------------------------------------------------------------- writes

    def place(self, found):
        identity = self.identity
        params = self.params
        self.require("csr", "place an order", "Give the CSR (PEM content or path) for %s" % ", ".join(identity.names))
        self.require("dcv_method", "place an order", "Use file (alias http), dns or email")
        self.require(
            "administrator_contact_id",
            "place an order",
            "Create a contact with webnic.ssl.webnic_ssl_contact and pass its id",
        )
        self.refuse_on_doubt(found, "place a new order")
        if self.dcv_method == "email":
            self.check_approvers(identity.names)
        san_count, wildcard_count = self.check_rules(identity, term=params["term"], auth_type=self.dcv_method)
        cert_type = str(self.rules.get("certType") or "").upper()
        if cert_type in ("OV", "EV"):
            ready, status, why = check_organization_ready(self.client, params["organization_id"])
            if not ready:
                self.fail_field(
                    "organization_id",
                    "%s is an %s product and needs a VALIDATED organization (status: %s)"
                    % (identity.product_key, cert_type, status),
                    why,
                    organization_status=status,
                )
        self.quote(params["term"], san_count, wildcard_count)
        self.reasons.append(
            "no live order for %s %s: %s a new order"
            % (identity.product_key, ", ".join(identity.names), "would place" if self.check_mode else "placed")
        )
        self.result.update(changed=True, action="placed")
        self.result["names"] = {"added": identity.names, "removed": []}
        if self.check_mode:
            return
        self.refuse_on_wrong_clock()
        self.confirm_name_is_free(found)
        body = ord_.place_body(
            identity,
            params["term"],
            self.csr_pem,
            self.dcv_method,
            params["approver_emails"],
            params["administrator_contact_id"],
            params["technical_contact_id"],
            params["shipment_contact_id"],
            params["organization_id"],
            params["special_instruction"],
        )
        try:
            data = self.client.call("order_place", body=body) or {}
        except AmbiguousWriteError as exc:
            order = self.find_after_lost_answer(identity, found.known_ids())
            self.adopt_or_stop(
                order,
                "%s The order may exist even though it is not in the account yet: it was NOT resent. "
                "Check the account (webnic.ssl.webnic_ssl_order_info common_name=%s) before running again."
                % (exc.message, identity.common_name),
                "WebNIC's answer was lost; the order it committed was found and adopted",
            )
            return
        if not ord_.order_id_of(data):
            # A success envelope without the new order id: the order was probably made; find it.
            order = self.find_after_lost_answer(identity, found.known_ids())
            self.adopt_or_stop(
                order,
                "WebNIC answered Place Order with success but without an order id, and no new order for %s "
                "is in the account yet. It was NOT resent: check the account (webnic.ssl.webnic_ssl_order_info "
                "common_name=%s) before running again." % (identity.common_name, identity.common_name),
                "WebNIC's answer held no order id; the order it made was found and adopted",
            )
            return
        self.after_money_call(data)
        self.converge_with_twins(found.known_ids())

    def adopt_or_stop(self, order, not_found, adopted):
        """After a money call whose answer did not name the new order: adopt the order the account shows,
        or stop without resending (the call may have committed)."""
        if order is None:
            self.fail(not_found, changed=True, action="unknown", order_may_exist=True)
        self.reasons.append(adopted)
        self.set_order(order)

    def renew(self, order, found):
        identity = self.identity
        params = self.params
        old_id = ord_.order_id_of(order)
        self.require(
            "csr", "renew order %s" % old_id, "Give a CSR (PEM content or path) for %s" % ", ".join(identity.names)
        )
        self.refuse_on_doubt(found, "renew order %s" % old_id)
        if self.dcv_method == "email":
            self.check_approvers(identity.names)
        san_count, wildcard_count = self.check_rules(identity, term=params["term"], auth_type=self.dcv_method)
        self.quote(params["term"], san_count, wildcard_count)
        self.result.update(changed=True, action="renewed", renewed_from=old_id)
        self.reasons.append(
            "%s order %s (a new order of %s year(s))"
            % ("would renew" if self.check_mode else "renewed", old_id, params["term"])
        )
        if self.check_mode:
            self.set_order(order)
            return
        self.refuse_on_wrong_clock(order)
        body = ord_.renew_body(identity, params["term"], self.csr_pem, self.dcv_method, params["approver_emails"])
        try:
            data = self.client.call("order_renew", path={"orderId": old_id}, body=body) or {}
        except ApiError as exc:
            if not self.client.path_absent("order_renew", exc):
                raise
            self.renew_by_placing(order, found, exc)
            return
        except AmbiguousWriteError as exc:
            renewal = self.find_after_lost_answer(
                identity, found.known_ids() | {old_id}, lambda o: _created_after(o, order)
            )
            self.adopt_or_stop(
                renewal,
                "%s The renewal of order %s may exist even though it is not in the account yet: it was NOT resent. "
                "Check the account before running again." % (exc.message, old_id),
                "WebNIC's answer was lost; the renewal it committed was found and adopted",
            )
            return
        if not ord_.renewal_order_id(data):
            renewal = self.find_after_lost_answer(
                identity, found.known_ids() | {old_id}, lambda o: _created_after(o, order)
            )
            self.adopt_or_stop(
                renewal,
                "WebNIC answered Renew Order %s with success but without the new order id (looked for "
                "data.orderId and data.renewOrder.orderId), and no renewal is in the account yet. It was NOT "
                "resent: check the account before running again." % old_id,
                "WebNIC's answer held no order id; the renewal it made was found and adopted",
            )
            return
        self.after_money_call(data, fallback_id=ord_.renewal_order_id(data))
        self.converge_with_twins(found.known_ids() | {old_id})

    def renew_by_placing(self, order, found, error):
        """Renew Order's path is our assumption; when the server has no such path, buy the renewal as a
        new order through the documented Place Order. Nothing was done by the failed call (no handler
        answered), and the old certificate keeps serving until it expires."""
        old_id = ord_.order_id_of(order)
        self.client.note_skipped(
            "order_renew", error.status, "Renew Order; the renewal was placed as a new order for the same names"
        )
        self.reasons.pop()  # "renewed order N" did not happen: place() says what did
        self.place(found)
        self.result.update(renewed_from=old_id)
        self.reasons.append(
            "Renew Order answered HTTP %s without a WebNIC answer (the path is our assumption): the renewal of "
            "order %s was placed as a new order instead" % (error.status, old_id)
        )

    def reissue(self, order, why, within_term=False):
        identity = self.identity
        order_id = ord_.order_id_of(order)
        if not self.params["reissue"] and not within_term:
            self.fail(
                "Order %s for %s is live but %s. Changing the names or the key of a live order is a reissue "
                "(same order, same paid term). Set reissue=true to reissue it with the CSR given; or keep the "
                "order's names; or cancel it (state=absent, order_id=%s; only before issuance) to start over. "
                "Nothing was changed." % (order_id, identity.common_name, why, order_id),
                order=ord_.curated_order(order),
                raw=order,
                order_id=order_id,
            )
        if ord_.allowed(order, "reissue") is False:
            self.fail(
                "Order %s cannot be reissued now (WebNIC says reissue=false; status %s/%s) and %s. Nothing was changed."
                % (order_id, order.get("orderStatus"), order.get("certStatus"), why),
                order=ord_.curated_order(order),
                raw=order,
                order_id=order_id,
            )
        self.require(
            "csr",
            "reissue order %s" % order_id,
            "Give the CSR (PEM content or path) for %s" % ", ".join(identity.names),
        )
        if self.dcv_method == "email":
            self.check_approvers(identity.names)
        self.check_rules(identity, auth_type=self.dcv_method)
        self.reasons.append("%s order %s: %s" % ("would reissue" if self.check_mode else "reissued", order_id, why))
        self.result.update(changed=True, action="reissued", price=None)
        have = set(ord_.order_names(order))
        self.result["names"] = {
            "added": [n for n in identity.names if n not in have],
            "removed": sorted(have - set(identity.names)),
        }
        if self.check_mode:
            return
        body = ord_.reissue_body(identity, self.csr_pem, self.dcv_method, self.params["approver_emails"])
        try:
            data = self.client.call("order_reissue", path={"orderId": order_id}, body=body) or {}
        except ApiError as exc:
            if not self.client.path_absent("order_reissue", exc):
                raise
            self.fail(
                "Reissue Order answered HTTP %s without a WebNIC answer: its path (%s) is our assumption and may be "
                "wrong (docs/api-assumptions.md; run webnic_ssl_api_check). Nothing was changed or charged. Order %s "
                "keeps its certificate; reissue it from the WebNIC portal, or renew it with renew_issued_before "
                "(a new, paid order) to get a certificate for the new key or names."
                % (exc.status, exc.endpoint or "POST /ssl/v2/orders/{orderId}/reissue", order_id),
                changed=False,
                order_id=order_id,
                api_status=exc.status,
            )
        except AmbiguousWriteError as exc:
            for delay in LOOKUP_DELAYS:
                if delay:
                    time.sleep(delay)
                try:
                    now = ord_.get_order(self.client, order_id) or {}
                except WebNICError as error:
                    self.module.warn("Looking the order up after the lost answer failed: %s" % error.render())
                    continue
                if ord_.order_status(now) == "PENDING_REISSUE" or set(ord_.order_names(now)) == set(identity.names):
                    self.reasons.append("WebNIC's answer was lost; the order shows the reissue, adopted")
                    self.set_order(now)
                    self.result["dcv"] = self.auth_info(order_id)
                    return
            self.fail(
                "%s Order %s may have been reissued even though it does not show it yet: it was NOT resent. "
                "Check the order before running again." % (exc.message, order_id),
                changed=True,
                action="unknown",
                order_id=order_id,
            )
        self.result["dcv"] = dcv_instructions(data)
        self.refresh(order_id)

    def converge_with_twins(self, known_ids):
        """After buying, look again: a concurrent run (another controller) may have bought the twin.

        Every run that sees twins keeps the same one (the lowest id); a run whose own order is not
        kept cancels it while WebNIC still allows that, and adopts the kept one.
        """
        mine = self.result.get("order_id")
        if not mine:
            return
        try:
            found = self.lookup(self.identity)
        except WebNICError as exc:
            self.module.warn("Could not look for an order bought concurrently: %s" % exc.render())
            return
        twins = [o for o in found.exact if ord_.order_id_of(o) not in known_ids]
        if not any(ord_.order_id_of(o) == mine for o in twins) or len(twins) < 2:
            return
        survivor = ord_.pick_survivor(twins)
        if ord_.order_id_of(survivor) == mine:
            self.reasons.append(
                "another run bought the same certificate at the same time (%s); this run's order %s is the one kept"
                % (", ".join(ord_.order_id_of(o) for o in twins if ord_.order_id_of(o) != mine), mine)
            )
            return
        own = next(o for o in twins if ord_.order_id_of(o) == mine)
        self.cancel_twin(own, survivor)

    def cancel_twin(self, own, survivor):
        mine, kept = ord_.order_id_of(own), ord_.order_id_of(survivor)
        outcome = "cancelled"
        if ord_.allowed(own, "cancel") is False:
            outcome = "NOT cancelled (WebNIC says cancel=false): ask WebNIC support to refund it"
        else:
            try:
                self.client.call("order_cancel", path={"orderId": mine})
            except WebNICError as exc:
                outcome = "NOT cancelled (%s): cancel it by hand" % exc.render()
        if outcome != "cancelled":
            self.module.warn(
                "Order %s duplicates order %s bought at the same time by another run and was %s."
                % (mine, kept, outcome)
            )
        self.result["duplicate_order"] = {"order_id": mine, "kept_order_id": kept, "outcome": outcome}
        self.reasons.append(
            "another run bought the same certificate at the same time: its order %s (lower id) is kept and this "
            "run's order %s was %s" % (kept, mine, outcome)
        )
        self.result["dcv"] = []
        self.set_order(dict(survivor))
        self.refresh(kept)

    def after_money_call(self, data, fallback_id=None):
        order_id = ord_.order_id_of(data) or fallback_id
        nested = data.get("renewOrder") if isinstance(data, dict) else None
        self.result["dcv"] = dcv_instructions(data) or dcv_instructions(nested if isinstance(nested, dict) else None)
        if order_id:
            self.refresh(order_id)

    def refresh(self, order_id):
        order = ord_.get_order(self.client, order_id)
        if order is not None:
            order = dict(order)
            order.setdefault("orderId", order_id)
            self.set_order(order)
        else:
            self.result["order_id"] = str(order_id)

    def set_order(self, order):
        self.order = order
        curated = ord_.curated_order(order)
        self.result.update(
            issued=curated["issued_certificate"],
            order_id=curated["order_id"],
            order_status=order.get("orderStatus"),
            cert_status=order.get("certStatus"),
            dates={
                "created": order.get("dtcreate"),
                "issued": order.get("dtsettle"),
                "cert_expires": order.get("dtcertexpire"),
                "order_expires": order.get("dtorderexpire"),
            },
            order=curated,
            raw=order,
        )

    def auth_info(self, order_id):
        try:
            data = self.client.call_optional(
                "auth_info", "DCV instructions of the pending order (Get Auth Info)", path={"orderId": order_id}
            )
        except ApiError as exc:
            self.module.warn("Could not read the DCV instructions of order %s: %s" % (order_id, exc.message))
            return []
        return dcv_instructions(data) if data is not None else []

    def after_write(self):
        """DCV instructions for a pending order, then wait when asked."""
        order = self.result.get("raw")
        if not order or (self.check_mode and self.result["action"] != "adopted"):
            return
        order_id = self.result["order_id"]
        if not self.result["dcv"] and not ord_.is_issued(order) and ord_.is_live(order):
            self.result["dcv"] = self.auth_info(order_id)
        if ord_.is_issued(order) and self.result["action"] != "reissued":
            self.result["dcv"] = []
        if self.params["wait"] and not self.check_mode:
            issued_already = ord_.is_issued(order) and self.result["action"] != "reissued"
            if issued_already:
                self.result["waited"] = "issued"
            else:
                self.wait(order_id)

    def wait(self, order_id):
        outcome, order, status = ord_.wait_for_order(self.client, order_id, self.params["wait_timeout"])
        self.set_order(order if order.get("orderId") or order.get("id") else dict(order, orderId=order_id))
        domains = ord_.domain_statuses(status)
        self.result["waited"] = outcome
        self.result["dcv_status"] = domains
        if outcome == "issued":
            self.result["dcv"] = []
            return
        if outcome == "failed":
            self.fail(
                "Order %s ended %s/%s at WebNIC instead of being issued."
                % (order_id, order.get("orderStatus"), order.get("certStatus")),
                **self.fail_extra(),
            )
        pending = [
            "%s (%s: %s)" % (d["domain"], d["method"], d["status"])
            for d in domains
            if str(d["status"]).upper() != "VALIDATED"
        ]
        self.fail(
            "Order %s was not issued within %s seconds (%s/%s). Domains not validated: %s. Publish the DCV "
            "records/files (see dcv) and run again; the order is kept."
            % (
                order_id,
                self.params["wait_timeout"],
                order.get("orderStatus"),
                order.get("certStatus"),
                ", ".join(pending) or "none reported",
            ),
            **self.fail_extra(),
        )

    def fail_extra(self):
        extra = dict(self.result)
        extra.pop("changed_reasons", None)
        return extra

    # ---------------------------------------------------------------- state=absent

    def absent(self):
        params = self.params
        with self.lock(self.lock_key()):
            if params["order_id"]:
                order = self.get_order_or_fail(params["order_id"])
                if not ord_.is_live(order):
                    self.set_order(order)
                    return
            else:
                found = self.lookup(self.identity)
                if not found.exact:
                    return
                if len(found.exact) > 1:
                    self.fail(
                        "%d live orders match %s; pass order_id to say which one to cancel: %s"
                        % (
                            len(found.exact),
                            ", ".join(self.identity.names),
                            "; ".join(ord_.describe_order(o) for o in found.exact),
                        ),
                        candidates=[ord_.curated_order(o) for o in found.exact],
                    )
                order = found.exact[0]
            self.cancel(order)

    def cancel(self, order):
        order_id = ord_.order_id_of(order)
        self.set_order(order)
        if ord_.is_issued(order) or ord_.cert_status(order) in ("ACTIVE",):
            self.fail(
                "Order %s is issued (%s/%s): WebNIC cancels only orders that are not issued yet, so state=absent "
                "cannot remove it. Nothing was changed. The certificate stays valid until %s; revoking it is a "
                "separate request to WebNIC support."
                % (
                    order_id,
                    order.get("orderStatus"),
                    order.get("certStatus"),
                    order.get("dtcertexpire") or "its expiry",
                ),
                **self.fail_extra(),
            )
        if ord_.allowed(order, "cancel") is False:
            self.fail(
                "Order %s cannot be cancelled now (WebNIC says cancel=false; status %s/%s). Nothing was changed."
                % (order_id, order.get("orderStatus"), order.get("certStatus")),
                **self.fail_extra(),
            )
        self.reasons.append(
            "%s order %s (%s)"
            % ("would cancel" if self.check_mode else "cancelled", order_id, order.get("orderStatus"))
        )
        self.result.update(changed=True, action="cancelled")
        if self.check_mode:
            return
        try:
            self.client.call("order_cancel", path={"orderId": order_id})
        except AmbiguousWriteError as exc:
            now = ord_.get_order(self.client, order_id) or {}
            if ord_.order_status(now) not in ("CANCELLED", "REFUNDED"):
                self.fail(
                    "%s Order %s may or may not be cancelled (now %s); run again to check."
                    % (exc.message, order_id, now.get("orderStatus")),
                    **self.fail_extra(),
                )
        self.refresh(order_id)

    # ---------------------------------------------------------------- run

    def run(self):
        self.check_inputs()
        try:
            if self.params["state"] == "absent":
                self.absent()
            else:
                self.present()
        except ord_.LockTimeout as exc:
            self.fail("Could not take the order lock: %s. Another run is placing or renewing this certificate." % exc)
        self.result["changed_reasons"] = self.reasons
        return self.result


class _ConcurrentOrder(Exception):
    """A live order for the names appeared between the look-up and the purchase."""

    def __init__(self, order_id):
        super(_ConcurrentOrder, self).__init__(order_id)
        self.order_id = order_id


def params_flag(params, name):
    return bool(params.get(name))


def _created_after(order, reference):
    mine = ord_.parse_api_time(order.get("dtcreate"))
    theirs = ord_.parse_api_time(reference.get("dtcreate"))
    if ord_.order_id_of(order) == ord_.order_id_of(reference):
        return False
    if mine is None or theirs is None:
        return True
    return mine >= theirs


def run(module):
    return OrderRun(module).run()


def main():
    module = WebNICModule(
        argument_spec=dict(
            state=dict(type="str", default="present", choices=["present", "absent"]),
            order_id=dict(type="str"),
            product_key=dict(type="str", no_log=False),
            common_name=dict(type="str"),
            subject_alt_names=dict(type="list", elements="str", default=[]),
            term=dict(type="int", default=1),
            csr=dict(type="str"),
            dcv_method=dict(type="str", choices=["file", "http", "dns", "email"]),
            approver_emails=dict(type="dict"),
            administrator_contact_id=dict(type="str"),
            technical_contact_id=dict(type="str"),
            shipment_contact_id=dict(type="str"),
            organization_id=dict(type="str"),
            special_instruction=dict(type="str"),
            renew=dict(type="bool", default=True),
            remaining_days=dict(type="int"),
            remaining_percentage=dict(type="float"),
            renew_issued_before=dict(type="str"),
            min_certificate_age=dict(type="float", default=24.0),
            max_clock_skew=dict(type="int", default=300),
            buy_when_unconfirmed=dict(type="bool", default=False),
            reissue=dict(type="bool", default=False),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=900),
        ),
        required_one_of=[("common_name", "order_id")],
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
