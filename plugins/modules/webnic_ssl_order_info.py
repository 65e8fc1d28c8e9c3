#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: webnic_ssl_order_info
short_description: Show WebNIC SSL certificate orders
version_added: 0.1.0
description:
  - With O(order_id), returns that order (Get Order Info).
  - With O(common_name), returns every order whose common name is exactly that name. WebNIC's
    search matches substrings, so the exact match is made by this module.
  - With neither, searches the account (Order Pagination Search, every page), optionally only orders
    of one O(status).
  - The filters O(status), O(cert_status), O(live_only), O(product_key) and O(expiring_within_days)
    apply in every mode.
  - With O(statistics=true), also returns the account's order statistics (counts per order status and
    orders per month).
  - Orders awaiting domain validation carry their DCV instructions (Get Auth Info) in one stable shape.
  - This module never changes anything.
author:
  - webnic.ssl contributors (@webnic-community)
extends_documentation_fragment:
  - webnic.ssl.webnic
  - webnic.ssl.webnic.attributes
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: This module only reads; it behaves the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: N/A
    details: This module does not change anything.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
    support: full
options:
  order_id:
    description:
      - The order to show. Mutually exclusive with O(common_name).
    type: str
  common_name:
    description:
      - Show the orders of exactly this common name (all statuses unless O(status) or O(live_only)).
    type: str
  status:
    description:
      - Keep only orders with this C(orderStatus).
    type: str
    choices:
      - INITIAL
      - PENDING
      - IN_PROCESS
      - PROCESSED
      - COMPLETED
      - PENDING_REISSUE
      - CANCELLED
      - REFUNDED
      - REJECTED
      - REVOKED
      - EXPIRED
  cert_status:
    description:
      - Keep only orders with this C(certStatus). WebNIC's search is asked for the order status only,
        so this module filters on the certificate status (before any O(details) call).
    type: str
    choices:
      - INITIAL
      - ACTIVE
      - COMPLETED
      - PENDING_REISSUE
      - EXPIRED
      - REVOKED
      - CANCELLED
      - FAILED
  expiring_within_days:
    description:
      - Keep only orders whose certificate ends (C(dtcertexpire)) within this many days from now.
      - Orders whose certificate has already ended are kept too; add O(cert_status=ACTIVE) or
        O(live_only=true) to leave them out. Orders without a certificate end date are left out.
      - Must be 0 or more.
    type: int
  live_only:
    description:
      - Keep only live orders (any status but CANCELLED, REFUNDED, REJECTED, REVOKED and EXPIRED).
    type: bool
    default: false
  product_key:
    description:
      - Keep only orders of this product (compared with the product key or its display name).
    type: str
  details:
    description:
      - In search mode (neither O(order_id) nor O(common_name)), read each order's full info
        (one call per order) instead of returning the search summaries, which lack the SANs and
        the contacts.
    type: bool
    default: false
  dcv:
    description:
      - Read the DCV instructions of orders that await domain validation (one call per such order).
    type: bool
    default: true
  statistics:
    description:
      - Also read the account's order statistics (Order Statistics and Order Graph Statistics, two calls)
        and return them as RV(statistics) and RV(statistics_graph).
    type: bool
    default: false
seealso:
  - module: webnic.ssl.webnic_ssl_order
  - module: webnic.ssl.webnic_ssl_cert_download
"""

EXAMPLES = r"""
- name: Show one order
  webnic.ssl.webnic_ssl_order_info:
    order_id: "1153063901"
  register: info

- name: Every order of a name
  webnic.ssl.webnic_ssl_order_info:
    common_name: www.example.com
  register: history

- name: Pending orders of the account, with their DCV instructions
  webnic.ssl.webnic_ssl_order_info:
    status: PENDING
  register: pending

- name: Print what still has to be validated
  ansible.builtin.debug:
    msg: "{{ item.0.order_id }}: {{ item.1.domain }} by {{ item.1.method }}"
  loop: "{{ pending.orders | subelements('dcv') }}"

- name: Active certificates of the account
  webnic.ssl.webnic_ssl_order_info:
    cert_status: ACTIVE
    dcv: false
  register: active

- name: Certificates that end within 30 days (or have already ended)
  webnic.ssl.webnic_ssl_order_info:
    expiring_within_days: 30
    dcv: false
  register: expiring

- name: Order counts of the account, per status and per month
  webnic.ssl.webnic_ssl_order_info:
    statistics: true
    dcv: false
  register: stats
"""

RETURN = r"""
orders:
  description: The orders found, newest first.
  returned: always
  type: list
  elements: dict
  contains:
    order_id:
      description: WebNIC order id.
      type: str
      returned: always
      sample: "1153063901"
    common_name:
      description: Common name of the certificate.
      type: str
      returned: always
      sample: www.example.com
    subject_alt_names:
      description: Extra names of the certificate (without the common name); empty for search summaries.
      type: list
      elements: str
      returned: always
    product:
      description: Product display name (or key).
      type: str
      returned: always
      sample: Thawte SSL123
    term:
      description: Term in years, as WebNIC returns it.
      type: raw
      returned: always
    order_status:
      description: C(orderStatus).
      type: str
      returned: always
      sample: COMPLETED
    cert_status:
      description: C(certStatus).
      type: str
      returned: always
      sample: ACTIVE
    dcv_method:
      description: V(file), V(dns) or V(email).
      type: str
      returned: when known
    created:
      description: When the order was placed.
      type: str
      returned: always
    modified:
      description: Last change of the order.
      type: str
      returned: when known
    issued:
      description: When the certificate was issued.
      type: str
      returned: when issued
    order_expires:
      description: End of the paid term.
      type: str
      returned: when issued
    cert_expires:
      description: The certificate's notAfter.
      type: str
      returned: when issued
    renewal_allowed:
      description: WebNIC's C(renewal) flag (null when not said).
      type: bool
      returned: always
    reissue_allowed:
      description: WebNIC's C(reissue) flag.
      type: bool
      returned: always
    cancel_allowed:
      description: WebNIC's C(cancel) flag.
      type: bool
      returned: always
    administrator_contact_id:
      description: Administrator contact id.
      type: str
      returned: when known
    technical_contact_id:
      description: Technical contact id.
      type: str
      returned: when known
    live:
      description: Whether the order is live (may still become, or is, a usable certificate).
      type: bool
      returned: always
    issued_certificate:
      description: Whether the certificate is issued and active.
      type: bool
      returned: always
    dcv:
      description:
        - DCV instructions per domain (C(domain), C(method), C(file_path), C(file_content),
          C(dns_host), C(dns_type), C(dns_value), C(email)); empty unless the order awaits validation.
      type: list
      elements: dict
      returned: always
    raw:
      description: WebNIC's object for the order (Get Order Info, or the search summary).
      type: dict
      returned: always
count:
  description: Number of orders returned.
  returned: always
  type: int
  sample: 1
statistics:
  description: Number of orders of the account per order status, as WebNIC's Order Statistics returns it.
  returned: when O(statistics=true)
  type: dict
  sample: {"PENDING": 2, "COMPLETED": 5, "EXPIRED": 1}
statistics_graph:
  description: Number of orders placed per month, as WebNIC's Order Graph Statistics returns it.
  returned: when O(statistics=true)
  type: list
  elements: dict
  sample: [{"month": "2026-11", "count": 3}, {"month": "2026-12", "count": 1}]
api_calls:
  description: HTTP requests sent to WebNIC by this task (token minting included).
  returned: always
  type: int
changed_reasons:
  description: Why the task changed something. Always empty, as this module only reads.
  returned: always
  type: list
  elements: str
  sample: []
"""

import datetime

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto
from ansible_collections.webnic.ssl.plugins.module_utils._webnic import orders as ord_
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.dcv import dcv_instructions
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.errors import ApiError
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.task_order import AWAITING_DCV


def _dcv(client, order, module):
    if ord_.order_status(order) not in AWAITING_DCV:
        return []
    try:
        return dcv_instructions(client.call("auth_info", path={"orderId": ord_.order_id_of(order)}))
    except ApiError as error:
        module.warn("Could not read the DCV instructions of order %s: %s" % (ord_.order_id_of(order), error.message))
        return []


def _expires_within(order, deadline):
    cert_end = ord_.parse_api_time(order.get("dtcertexpire"))
    return cert_end is not None and cert_end <= deadline


def _keep(order, params, deadline=None):
    if params["status"] and ord_.order_status(order) != params["status"]:
        return False
    if params["cert_status"] and ord_.cert_status(order) != params["cert_status"]:
        return False
    if params["live_only"] and not ord_.is_live(order):
        return False
    if deadline is not None and not _expires_within(order, deadline):
        return False
    return not (params["product_key"] and not ord_.product_matches(order, params["product_key"], ()))


def _search(client, params):
    found = ord_.search_orders(client, status=params["status"])
    if params["cert_status"]:
        # WebNIC's search filters on the order status only: the certificate status is filtered here.
        found = [item for item in found if ord_.cert_status(item) == params["cert_status"]]
    return found


def run(module):
    params = module.params
    deadline = None
    if params["expiring_within_days"] is not None:
        if params["expiring_within_days"] < 0:
            module.fail_field(
                "expiring_within_days",
                "must be 0 or more, not %d" % params["expiring_within_days"],
                "Give the number of days from now",
            )
        try:
            deadline = datetime.datetime.now(ord_.UTC) + datetime.timedelta(days=params["expiring_within_days"])
        except OverflowError:
            deadline = datetime.datetime.max.replace(tzinfo=ord_.UTC)
    client = module.client
    if params["order_id"]:
        order = ord_.get_order(client, params["order_id"])
        found = [dict(order, orderId=ord_.order_id_of(order) or params["order_id"])] if order else []
    elif params["common_name"]:
        try:
            name = crypto.normalize_name(params["common_name"])
        except crypto.InvalidNameError as exc:
            module.fail_field("common_name", exc.problem, exc.fix)
        found = ord_.find_orders(client, name, live_only=False)
        found.reverse()
    else:
        found = _search(client, params)
        if params["details"]:
            found = [ord_.get_order(client, ord_.order_id_of(item)) or item for item in found]
    result = []
    for order in found:
        if not _keep(order, params, deadline):
            continue
        entry = ord_.curated_order(order)
        entry["dcv"] = _dcv(client, order, module) if params["dcv"] else []
        entry["raw"] = order
        result.append(entry)
    output = {"changed": False, "orders": result, "count": len(result)}
    if params["statistics"]:
        output["statistics"] = client.call("order_statistics") or {}
        output["statistics_graph"] = client.call("order_statistics_graph") or []
    return output


def main():
    module = WebNICModule(
        argument_spec=dict(
            order_id=dict(type="str"),
            common_name=dict(type="str"),
            status=dict(
                type="str",
                choices=[
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
                ],
            ),
            cert_status=dict(
                type="str",
                choices=[
                    "INITIAL",
                    "ACTIVE",
                    "COMPLETED",
                    "PENDING_REISSUE",
                    "EXPIRED",
                    "REVOKED",
                    "CANCELLED",
                    "FAILED",
                ],
            ),
            expiring_within_days=dict(type="int"),
            live_only=dict(type="bool", default=False),
            product_key=dict(type="str", no_log=False),
            details=dict(type="bool", default=False),
            dcv=dict(type="bool", default=True),
            statistics=dict(type="bool", default=False),
        ),
        mutually_exclusive=[("order_id", "common_name")],
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
