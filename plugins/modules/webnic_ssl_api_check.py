#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: webnic_ssl_api_check
short_description: Check, read-only, that the WebNIC API answers every call the collection relies on
version_added: 0.1.0
description:
  - Calls every read-only WebNIC endpoint the collection uses (token, balance, product lists, price,
    rules, product info, order search, order info, DCV status, DCV instructions, approver list,
    contact info, DNS zones and records, order statistics) and reports, per endpoint, whether it is
    reachable, whether its answer has the shape the collection expects (which expected fields are
    missing, which are extra), and which collection features are degraded as a result.
  - Run it first against OTE (O(api_endpoint=ote)) before any order; the troubleshooting guide maps
    each failed row to its fix.
  - Never sends a write call. Only endpoints marked read-only in the collection's endpoint table are
    called, and the module refuses any other. Nothing is bought, changed or written; C(changed) is
    always false. It mints one token of its own to check the token answer.
  - The order checks (order info, DCV status, DCV instructions) use O(order_id), else the first order
    the search returns; without any order on the account they are skipped.
  - Does not fail when an endpoint fails; it fails only on bad input. Each unreachable or failed row
    is also shown as a warning.
author:
  - webnic.ssl contributors (@webnic-community)
extends_documentation_fragment:
  - webnic.ssl.webnic
  - webnic.ssl.webnic.attributes
  - webnic.ssl.webnic.info_module
options:
  product_key:
    description:
      - The product whose price, rules and info are read.
    type: str
    default: ssl123
  order_id:
    description:
      - An existing order to read (order info, DCV status, DCV instructions).
      - Default is the first order the search returns.
    type: str
  domain:
    description:
      - The domain whose approver e-mail addresses are read.
      - Default is the common name of the order read (without C(*.)), else V(example.com).
    type: str
  contact_id:
    description:
      - A contact to read (Get Contact Info).
      - Default is the administrator contact (C(admid)) of the order read; without one the check is skipped.
    type: str
  zone:
    description:
      - A DNS zone hosted at WebNIC whose records are read.
      - Default is the first zone the zone list returns; without one the check is skipped.
    type: str
notes:
  - The expected shapes are those of docs/api-assumptions.md and the contract the collection is built
    against; an assumed endpoint that is unreachable is exactly what this module is for finding.
seealso:
  - module: webnic.ssl.webnic_ssl_product_info
  - module: webnic.ssl.webnic_ssl_order_info
"""

EXAMPLES = r"""
- name: Check the API in OTE before the first order (credentials from WEBNIC_API_* variables)
  webnic.ssl.webnic_ssl_api_check:
    api_endpoint: ote
  register: api

- name: Show what does not work as the collection expects
  ansible.builtin.debug:
    msg: "{{ api.checks | rejectattr('result', 'equalto', 'ok') | list }}"

- name: Stop before buying when a feature the playbook needs is degraded
  ansible.builtin.assert:
    that: api.degraded_features | selectattr('feature', 'equalto', 'product_unconfirmed') | list | length == 0
    fail_msg: "{{ api.degraded_features }}"

# Ad hoc, as step 1 of docs/getting-started.md:
#   ansible localhost -m webnic.ssl.webnic_ssl_api_check -a api_endpoint=ote
"""

RETURN = r"""
msg:
  description: One line with the counts per result.
  returned: always
  type: str
  sample: "17 checks: 13 ok, 2 degraded, 1 unreachable, 0 failed, 1 skipped"
ok:
  description: True when no check failed and none was unreachable (degraded and skipped checks allowed).
  returned: always
  type: bool
summary:
  description: How many checks had each result.
  returned: always
  type: dict
  sample: {"ok": 13, "degraded": 2, "unreachable": 1, "failed": 0, "skipped": 1}
checks:
  description: One row per endpoint, in the order they were called.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The endpoint's name in the collection's endpoint table.
      type: str
      sample: product_rules
    title:
      description: The endpoint's name in WebNIC's documentation.
      type: str
      sample: Get SSL Rules
    method:
      description: HTTP method.
      type: str
    path:
      description: Path template.
      type: str
      sample: /ssl/v2/products/rules
    confidence:
      description: Where the path comes from, V(doc) (WebNIC's documentation), V(code) (independent
        client code) or V(assumed) (our choice; see docs/api-assumptions.md).
      type: str
    used_by:
      description: The modules and features that call this endpoint.
      type: str
    called:
      description: False when the check was skipped (see RV(checks[].message)).
      type: bool
    status:
      description: HTTP status of the answer; null when there was none.
      type: int
    reachable:
      description: True when a WebNIC answer came from this path (even an error); false for a bare
        404/405/501 (the path may be wrong) or no answer; null when skipped.
      type: bool
    result:
      description: V(ok), V(degraded) (reachable, only optional fields missing), V(unreachable),
        V(failed) (an error answer, a wrong shape or a needed field missing) or V(skipped).
      type: str
    shape_ok:
      description: Whether the answer is the kind of value expected (object, list, page).
      type: bool
    missing_fields:
      description: Expected fields the answer lacks (for lists, fields no row carries).
      type: list
      elements: str
    extra_fields:
      description: Fields the answer carries that the contract does not list (harmless; worth reporting).
      type: list
      elements: str
    rows:
      description: Number of rows of a list answer.
      type: int
    degraded:
      description: Keys of the features in RV(degraded_features) this row takes part in.
      type: list
      elements: str
    message:
      description: What went wrong, or why the check was skipped.
      type: str
degraded_features:
  description: The collection features that do not work fully with this API, and the checks that show it.
  returned: always
  type: list
  elements: dict
  sample:
    - feature: rules_check
      description: "product rules not checked before buying (...): only WebNIC's own checks at order time apply"
      because: [product_rules]
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

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import api_check, crypto
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.errors import WebNICError
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule

SAMPLE_DOMAIN = "example.com"
SEARCH_BODY = {"filters": [], "pagination": {"page": 1, "pageSize": 10}}


class ApiCheckRun:
    """Calls the checks in order; each call goes through the shared client and becomes one row."""

    def __init__(self, module):
        self.module = module
        self.client = module.client
        self.rows = []

    def call(self, name, **request):
        api_check.assert_read_only(name)
        try:
            data = self.client.call(name, **request)
        except WebNICError as error:
            self.rows.append(api_check.row_from_error(name, error))
            return None
        row = api_check.row_from_answer(name, data)
        self.rows.append(row)
        return data if row["shape_ok"] else None

    def skip(self, name, reason):
        self.rows.append(api_check.skipped_row(name, reason))


def _first(data, key, wrappers=()):
    rows = data.get("items") if isinstance(data, dict) and "items" in data else data
    if isinstance(rows, dict):
        for wrapper in wrappers:
            if isinstance(rows.get(wrapper), list):
                rows = rows[wrapper]
                break
    if isinstance(rows, list):
        for row in rows:
            if isinstance(row, dict) and row.get(key) not in (None, ""):
                return str(row[key])
    return None


def run(module):
    params = module.params
    domain = None
    if params["domain"]:
        try:
            domain = crypto.normalize_name(params["domain"])
            crypto.validate_name(domain)
        except crypto.InvalidNameError as exc:
            module.fail_field("domain", exc.problem, exc.fix)
    if not (params["product_key"] or "").strip():
        module.fail_field("product_key", "must not be empty", "Give a product key such as ssl123")
    product_key = params["product_key"].strip()

    checks = ApiCheckRun(module)
    token = checks.call("token", body={"username": params["api_username"], "password": params["api_password"]})
    if token is None or checks.rows[-1]["result"] not in ("ok", "degraded"):
        for check in api_check.CHECKS[1:]:
            checks.skip(check.name, "no token: fix the token row first")
        return _result(checks.rows, module)

    checks.call("balance")
    checks.call("product_list")
    checks.call("product_list_old")
    checks.call("product_price", query={"productKey": product_key, "term": 1})
    checks.call("product_rules", query={"productKey": product_key})
    checks.call("product_info", query={"productKey": product_key})
    found = checks.call("order_search", body=SEARCH_BODY)
    search_answered = checks.rows[-1]["result"] in ("ok", "degraded")

    order_id = params["order_id"] or _first(found, "orderId")
    order = None
    if order_id:
        order = checks.call("order_info", query={"orderId": order_id})
        checks.call("dcv_status", path={"orderId": order_id})
        checks.call("auth_info", path={"orderId": order_id})
    else:
        why = "no order on the account" if search_answered else "the order search gave no order"
        for name in ("order_info", "dcv_status", "auth_info"):
            checks.skip(name, "%s: give order_id to check this endpoint" % why)
    order = order if isinstance(order, dict) else {}

    if domain is None:
        common_name = crypto.comparable_name(order.get("commonName") or "")
        domain = common_name[2:] if common_name.startswith("*.") else common_name or SAMPLE_DOMAIN
    checks.call("approver_list", query={"commonName": domain})

    contact_id = params["contact_id"] or order.get("admid")
    if contact_id:
        checks.call("contact_info", query={"contactId": str(contact_id)})
    else:
        checks.skip("contact_info", "no contact to read: give contact_id to check this endpoint")

    zones = checks.call("dns_zones")
    zone = params["zone"] or _first(zones, "zone", ("zones", "items"))
    if zone:
        checks.call("dns_records", path={"zone": zone.strip().rstrip(".")})
    else:
        checks.skip("dns_records", "no DNS zone hosted at WebNIC: give zone to check this endpoint")

    checks.call("order_statistics")
    checks.call("order_statistics_graph")
    return _result(checks.rows, module)


def _result(rows, module=None):
    features = api_check.degraded_features(rows)
    summary = api_check.summarize(rows)
    for row in rows:
        row.pop("problems", None)
        if module is not None and row["result"] in ("unreachable", "failed"):
            module.warn(
                "%s (%s %s, %s): %s: %s"
                % (row["title"], row["method"], row["path"], row["confidence"], row["result"], row["message"])
            )
    msg = "%d checks: %s" % (len(rows), ", ".join("%s %s" % (count, result) for result, count in summary.items()))
    return {
        "changed": False,
        "msg": msg,
        "ok": summary["failed"] == 0 and summary["unreachable"] == 0,
        "summary": summary,
        "checks": rows,
        "degraded_features": features,
    }


def main():
    module = WebNICModule(
        argument_spec=dict(
            product_key=dict(type="str", default="ssl123", no_log=False),
            order_id=dict(type="str"),
            domain=dict(type="str"),
            contact_id=dict(type="str"),
            zone=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
