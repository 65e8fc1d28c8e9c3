#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

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

from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.order_actions import run_order_module

# After a lost answer to a money call, look the account up at these delays (seconds) before
# concluding that the order was not made: a server may commit a moment after the answer was lost.
LOOKUP_DELAYS = (0.0, 1.0, 2.0)


def run(module):
    # The decision is order_plan.plan (pure), the calls are order_actions.OrderRun.
    return run_order_module(module, lookup_delays=LOOKUP_DELAYS)


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
