#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: webnic_ssl_dcv
short_description: Manage domain control validation (DCV) of a WebNIC SSL order
version_added: 0.1.0
description:
  - For one certificate order, makes every domain that still awaits validation use the wanted DCV
    method (V(file), V(dns) or V(email)), sets the approver e-mail address, and optionally resends
    the approval e-mail.
  - Returns the DCV instructions (what to publish where) in the same shape as
    M(webnic.ssl.webnic_ssl_order), the approver addresses, and the validation status of each domain.
  - With O(wait=true), waits until every domain is validated, and fails naming the domains still
    pending when O(wait_timeout) runs out.
  - The method of a domain is changed only when it differs (changing it makes WebNIC hand out new
    tokens); domains already validated are never touched.
author:
  - webnic.ssl contributors (@webnic-community)
extends_documentation_fragment:
  - webnic.ssl.webnic
  - webnic.ssl.webnic.attributes
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads the order and reports what would change; sends no write call and does not wait.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The diff shows the method and approver of each domain before and after.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
    support: partial
    details: Method and approver changes are idempotent; O(resend=true) sends an e-mail and reports a change every time.
options:
  order_id:
    description:
      - The WebNIC order id.
      - One of O(order_id) and O(common_name) is required.
    type: str
  common_name:
    description:
      - The common name of the order; the live order with exactly this common name is used (the
        one awaiting validation when there are several).
      - When given with O(order_id), the order must be for this name.
    type: str
  method:
    description:
      - The DCV method every pending domain (or the domains in O(domains)) must use.
      - V(file) is HTTP validation (a file under C(/.well-known/pki-validation/)); it is not
        available for wildcard names.
      - When not set, the methods are left as they are.
    type: str
    choices: [file, dns, email]
  domains:
    description:
      - Limit O(method) to these names of the order. Default is every name.
    type: list
    elements: str
  domain_methods:
    description:
      - The method per name (V(file), V(dns) or V(email)), for orders that validate names in
        different ways. Overrides O(method) for these names. See the examples.
    type: dict
  approver_email:
    description:
      - Approver address for the names validated by e-mail (one of the addresses in the returned
        RV(approvers), such as C(admin@example.com)).
    type: str
  approver_emails:
    description:
      - Approver address per name, overriding O(approver_email) for these names.
    type: dict
  resend:
    description:
      - Send the approval e-mail again to the approvers of the names still pending e-mail validation.
      - Always reports a change.
    type: bool
    default: false
  wait:
    description:
      - Wait until every domain is validated.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true) before failing with the domains still pending.
    type: int
    default: 600
  wait_interval:
    description:
      - Seconds before the first status check while waiting. Each later wait doubles, up to
        O(wait_max_interval); a C(Retry-After) from WebNIC is honoured. With the defaults a 600 s wait
        makes at most 15 status checks.
    type: float
    default: 3
  wait_max_interval:
    description:
      - The longest wait between two status checks.
    type: float
    default: 60
seealso:
  - module: webnic.ssl.webnic_ssl_validation_file
  - module: webnic.ssl.webnic_dns_record
  - module: webnic.ssl.webnic_ssl_order
"""

EXAMPLES = r"""
- name: Validate by DNS and show what to publish
  webnic.ssl.webnic_ssl_dcv:
    common_name: www.example.com
    method: dns
  register: dcv

- name: Publish the TXT records in the WebNIC-hosted zone
  webnic.ssl.webnic_dns_record:
    zone: example.com
    name: "{{ item.dns_host }}"
    type: "{{ item.dns_type }}"
    values: ["{{ item.dns_value }}"]
    on_existing: add
  loop: "{{ dcv.dcv | selectattr('method', 'equalto', 'dns') }}"

- name: Wait until WebNIC has validated every name
  webnic.ssl.webnic_ssl_dcv:
    order_id: "{{ dcv.order_id }}"
    wait: true
    wait_timeout: 900

- name: E-mail validation through hostmaster@, and send the e-mail again
  webnic.ssl.webnic_ssl_dcv:
    order_id: "12345"
    method: email
    approver_email: hostmaster@example.com
    resend: true

- name: Different methods per name
  webnic.ssl.webnic_ssl_dcv:
    common_name: example.com
    domain_methods:
      example.com: file
      "*.example.com": dns
"""

RETURN = r"""
order_id:
  description: The order id.
  returned: success
  type: str
  sample: "10023"
common_name:
  description: The common name of the order.
  returned: success
  type: str
  sample: www.example.com
order_status:
  description: WebNIC's C(orderStatus) after the task.
  returned: success
  type: str
  sample: PENDING
cert_status:
  description: WebNIC's C(certStatus) after the task.
  returned: success
  type: str
  sample: INITIAL
dcv:
  description:
    - The DCV instructions, one entry per name; the same shape as M(webnic.ssl.webnic_ssl_order) returns.
    - In check mode, the instructions before the change (new tokens are only known after it).
  returned: success
  type: list
  elements: dict
  contains:
    domain:
      description: The name being validated.
      type: str
      returned: always
      sample: www.example.com
    method:
      description: V(file), V(dns) or V(email).
      type: str
      returned: always
      sample: dns
    file_path:
      description: For V(file), the URL path the file must be served at.
      type: str
      returned: always
      sample: /.well-known/pki-validation/0F3A9C.txt
    file_content:
      description: For V(file), the content of the file.
      type: str
      returned: always
    dns_host:
      description: For V(dns), the record name (fully qualified).
      type: str
      returned: always
      sample: _dnsauth.www.example.com
    dns_type:
      description: For V(dns), the record type.
      type: str
      returned: always
      sample: TXT
    dns_value:
      description: For V(dns), the record value.
      type: str
      returned: always
    email:
      description: For V(email), the approver address.
      type: str
      returned: always
      sample: admin@example.com
validation:
  description: The validation status of each name.
  returned: success
  type: list
  elements: dict
  contains:
    domain:
      description: The name.
      type: str
      returned: always
    method:
      description: The method in use.
      type: str
      returned: always
    status:
      description: V(PENDING), V(VALIDATED) or V(FAILED) (a check failed; WebNIC keeps checking).
      type: str
      returned: always
    message:
      description: WebNIC's note on the last check, when it gave one.
      type: str
      returned: always
  sample: [{"domain": "www.example.com", "method": "dns", "status": "PENDING", "message": null}]
pending_domains:
  description: The names not validated yet.
  returned: success
  type: list
  elements: str
  sample: ["www.example.com"]
validated:
  description: Whether every name is validated.
  returned: success
  type: bool
  sample: false
approvers:
  description: The approver addresses WebNIC accepts, per name validated by e-mail (empty when no name is).
  returned: success
  type: dict
  sample: {"www.example.com": ["admin@example.com", "administrator@example.com", "hostmaster@example.com"]}
resent_to:
  description: The addresses the approval e-mail was sent to again (O(resend=true)).
  returned: when O(resend=true) and not in check mode
  type: list
  elements: str
waited:
  description: Seconds spent waiting with O(wait=true).
  returned: success
  type: float
  sample: 12.5
changed_reasons:
  description: Why the task changed (or in check mode would change) something.
  returned: always
  type: list
  elements: str
  sample: ["www.example.com: method email -> dns"]
api_calls:
  description: HTTP requests sent to WebNIC by this task (token minting included).
  returned: always
  type: int
  sample: 4
raw:
  description: The C(data) of WebNIC's last Get Auth Info (or Change Auth Type) and Check DCV Status answers.
  returned: success
  type: dict
"""

import time

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.dcv import dcv_instructions, normalize_method
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.errors import ApiError
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.waiting import Backoff
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.orders import (
    describe_order,
    find_orders,
    get_order,
    is_failed,
    order_id_of,
    order_status,
)

AWAITING_DCV = ("PENDING", "PENDING_REISSUE", "INITIAL")
AUTH_INFO_SKIPPED = "the order's DCV instructions (Get Auth Info): the result's dcv list is empty"


def _lower(name):
    return crypto.comparable_name(name)


def resolve_order(module):
    """Order info ``data`` of the order the task is about (by id, else the live order of the name)."""
    client = module.client
    order_id = module.params["order_id"]
    common_name = None
    if module.params["common_name"]:
        try:
            common_name = crypto.normalize_name(module.params["common_name"])
        except crypto.InvalidNameError as exc:
            module.fail_field("common_name", exc.problem, exc.fix)
    if order_id:
        info = get_order(client, order_id)
        if info is None:
            module.fail_field(
                "order_id",
                "WebNIC knows no order %s" % order_id,
                "Check the id (webnic.ssl.webnic_ssl_order_info lists orders)",
            )
        if common_name and _lower(info.get("commonName")) != common_name:
            module.fail_field(
                "common_name",
                "order %s is for %s, not %s" % (order_id, info.get("commonName"), common_name),
                "Give the order's own common name, or only order_id",
            )
        return info
    live = find_orders(client, common_name, live_only=True)
    if not live:
        module.fail_field(
            "common_name",
            "no live order has the common name %s" % common_name,
            "Place the order first (webnic.ssl.webnic_ssl_order) or give order_id",
        )
    awaiting = [order for order in live if order_status(order) in AWAITING_DCV]
    candidates = awaiting or live[-1:]
    if len(candidates) > 1:
        module.fail_field(
            "common_name",
            "%d live orders of %s await domain validation: %s"
            % (len(candidates), common_name, "; ".join(describe_order(c) for c in candidates)),
            "Give order_id to choose one",
        )
    return candidates[0]


def validation_entries(status_data, instructions):
    """Per-name status list from Check DCV Status, in the order of the instructions."""
    by_name = {}
    for item in (status_data or {}).get("domains") or []:
        if isinstance(item, dict):
            by_name[_lower(item.get("name") or item.get("domain"))] = item
    entries = []
    names = [entry["domain"] for entry in instructions] or list(by_name)
    for name in names:
        item = by_name.get(_lower(name), {})
        method = normalize_method(item.get("authType"))
        if not method:
            method = next((e["method"] for e in instructions if e["domain"] == name), None)
        status = str(item.get("status") or "PENDING").upper()
        entries.append({"domain": name, "method": method, "status": status, "message": item.get("message")})
    order_status = (status_data or {}).get("orderStatus")
    if order_status in ("IN_PROCESS", "PROCESSED", "COMPLETED") and not by_name:
        for entry in entries:
            entry["status"] = "VALIDATED"
    return entries


def wanted_methods(module, names):
    params = module.params
    wanted = {}
    lookup = {_lower(n): n for n in names}
    if params["method"]:
        targets = names
        if params["domains"]:
            targets = []
            for domain in params["domains"]:
                if _lower(domain) not in lookup:
                    module.fail_field(
                        "domains",
                        "%s is not a name of the order (%s)" % (domain, ", ".join(names)),
                        "Use names of the order",
                    )
                targets.append(lookup[_lower(domain)])
        for name in targets:
            wanted[name] = params["method"]
    for domain, method in (params["domain_methods"] or {}).items():
        if _lower(domain) not in lookup:
            module.fail_field(
                "domain_methods",
                "%s is not a name of the order (%s)" % (domain, ", ".join(names)),
                "Use names of the order",
            )
        canonical = normalize_method(method)
        if canonical is None:
            module.fail_field(
                "domain_methods", "%r for %s is not a DCV method" % (method, domain), "Use file, dns or email"
            )
        wanted[lookup[_lower(domain)]] = canonical
    for name, method in wanted.items():
        if method == "file" and name.startswith("*."):
            module.fail_field(
                "domain_methods" if name in (params["domain_methods"] or {}) else "method",
                "file validation is not possible for the wildcard name %s" % name,
                "Use dns or email for wildcard names",
            )
    return wanted


def wanted_approvers(module, names):
    params = module.params
    lookup = {_lower(n): n for n in names}
    wanted = {}
    if params["approver_email"]:
        for name in names:
            wanted[name] = params["approver_email"]
    for domain, email in (params["approver_emails"] or {}).items():
        if _lower(domain) not in lookup:
            module.fail_field(
                "approver_emails",
                "%s is not a name of the order (%s)" % (domain, ", ".join(names)),
                "Use names of the order",
            )
        wanted[lookup[_lower(domain)]] = email
    for email in wanted.values():
        if "@" not in str(email or ""):
            module.fail_field(
                "approver_emails" if params["approver_emails"] else "approver_email",
                "%r is not an e-mail address" % email,
                "Use one of the returned approvers",
            )
    return wanted


def approver_lists(client, names):
    result = {}
    cache = {}
    for name in names:
        base = name[2:] if name.startswith("*.") else name
        if base not in cache:
            data = client.call_optional(
                "approver_list",
                "the approver addresses WebNIC accepts (approvers were not checked)",
                query={"commonName": base},
            )
            if isinstance(data, dict):
                data = data.get("approvers") or data.get("emails") or data.get("items") or []
            cache[base] = [item.get("email") if isinstance(item, dict) else item for item in (data or [])]
        result[name] = cache[base]
    return result


def plan(instructions, entries, methods, approvers):
    """(method changes {method: [names]}, approver changes {name: email}, reasons)."""
    pending = {e["domain"] for e in entries if e["status"] != "VALIDATED"}
    current = {e["domain"]: e for e in instructions}
    method_changes = {}
    reasons = []
    for name in [e["domain"] for e in instructions]:
        if name not in pending:
            continue
        want = methods.get(name)
        have = current[name]["method"]
        if want and want != have:
            method_changes.setdefault(want, []).append(name)
            reasons.append("%s: method %s -> %s" % (name, have, want))
    approver_changes = {}
    for name in [e["domain"] for e in instructions]:
        if name not in pending or name not in approvers:
            continue
        method_after = methods.get(name) or current[name]["method"]
        if method_after != "email":
            continue
        have = current[name]["email"] if current[name]["method"] == "email" else None
        if _lower(have) != _lower(approvers[name]):
            approver_changes[name] = approvers[name]
            if current[name]["method"] == "email":
                reasons.append("%s: approver %s -> %s" % (name, have, approvers[name]))
    return method_changes, approver_changes, reasons


def _diff_view(instructions):
    return {e["domain"]: {"method": e["method"], "email": e["email"]} for e in instructions}


def run(module):
    params = module.params
    client = module.client
    if params["wait_timeout"] < 0:
        module.fail_field("wait_timeout", "must not be negative", "Give seconds, for example 600")
    for field in ("wait_interval", "wait_max_interval"):
        if params[field] <= 0:
            module.fail_field(field, "must be positive", "Give seconds, for example 10")

    if params["order_id"] and not params["common_name"]:
        # The id is enough: Get Auth Info and Check DCV Status carry the names and the status, so the
        # order itself is not read (one call less per run) -- unless Get Auth Info (an assumed path)
        # fails: only the documented Get Order Info may say that an order does not exist.
        info = {}
        order_id = params["order_id"]
        try:
            auth = client.call_optional("auth_info", AUTH_INFO_SKIPPED, path={"orderId": order_id})
        except ApiError as exc:
            if exc.status not in (400, 404):
                raise
            info = resolve_order(module)  # fails "WebNIC knows no order" when Get Order Info says so
            raise
        if auth is None:
            info = resolve_order(module)
        auth = auth or {}
    else:
        info = resolve_order(module)
        order_id = order_id_of(info) or params["order_id"]
        auth = client.call_optional("auth_info", AUTH_INFO_SKIPPED, path={"orderId": order_id}) or {}
    instructions = dcv_instructions(auth)
    status = client.call("dcv_status", path={"orderId": order_id}) or {}
    entries = validation_entries(status, instructions)
    names = [e["domain"] for e in instructions] or [e["domain"] for e in entries]

    methods = wanted_methods(module, names)
    approvers = wanted_approvers(module, names)
    method_changes, approver_changes, reasons = plan(instructions, entries, methods, approvers)
    pending_email = [
        e["domain"]
        for e in entries
        if e["status"] != "VALIDATED" and (methods.get(e["domain"]) or e["method"]) == "email"
    ]
    if params["resend"]:
        if not pending_email:
            module.fail_field(
                "resend",
                "no name of order %s awaits e-mail validation" % order_id,
                "Set method=email first, or drop resend",
            )
        reasons.append("approval e-mail sent again for %s" % ", ".join(pending_email))

    order_status = status.get("orderStatus") or info.get("orderStatus")
    if (method_changes or approver_changes) and order_status not in AWAITING_DCV:
        module.fail_json(
            msg="Order %s is %s, not awaiting domain validation: its DCV method can no longer be changed."
            % (order_id, order_status),
            order_id=order_id,
            order_status=order_status,
            changed=False,
        )

    before = _diff_view(instructions)
    resent_to = None
    if not module.check_mode:
        last = None
        for method in sorted(method_changes):
            body = {"authType": method, "domains": method_changes[method]}
            if method == "email":
                chosen = [
                    {"domain": n, "email": approver_changes.pop(n)}
                    for n in method_changes[method]
                    if n in approver_changes
                ]
                if chosen:
                    body["approverEmail"] = chosen
            last = client.call("auth_change", path={"orderId": order_id}, body=body)
        if approver_changes:
            body = {"approverEmail": [{"domain": n, "email": e} for n, e in sorted(approver_changes.items())]}
            last = client.call("approver_update", path={"orderId": order_id}, body=body)
        if last:
            new_instructions = dcv_instructions(last)
            if new_instructions:
                instructions = new_instructions
                auth = last
        if params["resend"]:
            sent = client.call("approver_send", path={"orderId": order_id}) or {}
            resent_to = sent.get("sent") if isinstance(sent, dict) else None
            if resent_to is None:
                resent_to = sorted({e["email"] for e in instructions if e["domain"] in pending_email and e["email"]})
        if method_changes or approver_changes:
            status = client.call("dcv_status", path={"orderId": order_id}) or {}
            entries = validation_entries(status, instructions)

    waited = 0.0
    if params["wait"] and not module.check_mode:
        started = time.monotonic()
        backoff = Backoff(params["wait_interval"], params["wait_max_interval"])
        retry_after = None
        while any(e["status"] != "VALIDATED" for e in entries):
            elapsed = time.monotonic() - started
            if elapsed >= params["wait_timeout"]:
                pending = [e for e in entries if e["status"] != "VALIDATED"]
                module.fail_json(
                    msg="Domain validation of order %s did not complete within %ss; still pending: %s."
                    % (
                        order_id,
                        params["wait_timeout"],
                        "; ".join(
                            "%s (%s%s)" % (e["domain"], e["method"], ": " + e["message"] if e.get("message") else "")
                            for e in pending
                        ),
                    ),
                    order_id=order_id,
                    pending_domains=[e["domain"] for e in pending],
                    validation=entries,
                    dcv=instructions,
                    changed=bool(reasons),
                    changed_reasons=reasons,
                    api_calls=module.api_calls,
                )
            time.sleep(backoff.next_delay(remaining=params["wait_timeout"] - elapsed, retry_after=retry_after))
            retry_after = None
            try:
                status = client.call("dcv_status", path={"orderId": order_id}) or {}
            except ApiError as exc:
                # Rate limited beyond the client's own retries: wait as long as WebNIC asks, then poll again.
                if exc.status != 429:
                    raise
                retry_after = getattr(exc, "retry_after", None) or backoff.cap
                continue
            entries = validation_entries(status, instructions)
            if is_failed(status):
                module.fail_json(
                    msg="Order %s became %s/%s while waiting for domain validation; it will not be issued."
                    % (order_id, status.get("orderStatus"), status.get("certStatus")),
                    order_id=order_id,
                    order_status=status.get("orderStatus"),
                    validation=entries,
                    changed=bool(reasons),
                    changed_reasons=reasons,
                    api_calls=module.api_calls,
                )
        waited = round(time.monotonic() - started, 3)

    # Only the names validated by e-mail have approvers: file and DNS validation cost no extra call.
    approver_names = [
        n
        for n in names
        if (methods.get(n) or next((e["method"] for e in instructions if e["domain"] == n), None)) == "email"
    ]
    approver_map = {}
    if approver_names:
        try:
            approver_map = approver_lists(client, [_lower(n) for n in approver_names])
        except ApiError as exc:
            module.warn("Could not read the approver list: %s" % exc.render())

    pending_domains = [e["domain"] for e in entries if e["status"] != "VALIDATED"]
    result = {
        "changed": bool(reasons),
        "changed_reasons": reasons,
        "order_id": order_id,
        "common_name": info.get("commonName") or (instructions[0]["domain"] if instructions else None),
        "order_status": status.get("orderStatus") or info.get("orderStatus"),
        "cert_status": status.get("certStatus") or info.get("certStatus"),
        "dcv": instructions,
        "validation": entries,
        "pending_domains": pending_domains,
        "validated": not pending_domains,
        "approvers": approver_map,
        "waited": waited,
        "raw": {"auth": auth, "status": status},
    }
    if resent_to is not None:
        result["resent_to"] = resent_to
    if module._diff:
        after = _diff_view(instructions)
        if module.check_mode:
            for methods_, names_ in method_changes.items():
                for name in names_:
                    after[name] = {"method": methods_, "email": approvers.get(name) if methods_ == "email" else None}
            for name, email in approver_changes.items():
                after[name] = {"method": "email", "email": email}
        result["diff"] = {"before": before, "after": after}
    return result


def main():
    module = WebNICModule(
        argument_spec=dict(
            order_id=dict(type="str"),
            common_name=dict(type="str"),
            method=dict(type="str", choices=["file", "dns", "email"]),
            domains=dict(type="list", elements="str"),
            domain_methods=dict(type="dict"),
            approver_email=dict(type="str"),
            approver_emails=dict(type="dict"),
            resend=dict(type="bool", default=False),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=600),
            wait_interval=dict(type="float", default=3.0),
            wait_max_interval=dict(type="float", default=60.0),
        ),
        required_one_of=[("order_id", "common_name")],
        required_by={"domains": ("method",)},
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
