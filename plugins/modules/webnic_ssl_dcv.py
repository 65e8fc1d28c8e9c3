#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

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

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import dcv_plan
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.errors import ApiError
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.orders import is_failed
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.task_order import AWAITING_DCV
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.waiting import Backoff


def apply_changes(module, state, method_changes, approver_changes, pending_email):
    """Send the planned changes (and the resend); returns the addresses the approval mail went to, if resent."""
    client = module.client
    last = None
    for endpoint, body in dcv_plan.change_requests(method_changes, approver_changes):
        last = client.call(endpoint, path={"orderId": state.order_id}, body=body)
    state.adopt(last)
    resent_to = None
    if module.params["resend"]:
        sent = client.call("approver_send", path={"orderId": state.order_id}) or {}
        resent_to = sent.get("sent") if isinstance(sent, dict) else None
        if resent_to is None:
            resent_to = sorted({e["email"] for e in state.instructions if e["domain"] in pending_email and e["email"]})
    if method_changes or approver_changes:
        state.read_status(client)
    return resent_to


def wait_for_validation(module, state, reasons):
    """Poll Check DCV Status until every name is validated; fails on timeout or a failed order. Seconds waited."""
    params = module.params
    started = time.monotonic()
    backoff = Backoff(params["wait_interval"], params["wait_max_interval"])
    retry_after = None
    while dcv_plan.pending_names(state.entries):
        elapsed = time.monotonic() - started
        if elapsed >= params["wait_timeout"]:
            fail_waiting(module, state, reasons)
        time.sleep(backoff.next_delay(remaining=params["wait_timeout"] - elapsed, retry_after=retry_after))
        retry_after = None
        try:
            state.read_status(module.client)
        except ApiError as exc:
            # Rate limited beyond the client's own retries: wait as long as WebNIC asks, then poll again.
            if exc.status != 429:
                raise
            retry_after = getattr(exc, "retry_after", None) or backoff.cap
            continue
        if is_failed(state.status):
            module.fail_json(
                msg="Order %s became %s/%s while waiting for domain validation; it will not be issued."
                % (state.order_id, state.status.get("orderStatus"), state.status.get("certStatus")),
                order_id=state.order_id,
                order_status=state.status.get("orderStatus"),
                validation=state.entries,
                changed=bool(reasons),
                changed_reasons=reasons,
                api_calls=module.api_calls,
            )
    return round(time.monotonic() - started, 3)


def fail_waiting(module, state, reasons):
    pending = [e for e in state.entries if e["status"] != "VALIDATED"]
    module.fail_json(
        msg=dcv_plan.timeout_message(state.order_id, module.params["wait_timeout"], pending),
        order_id=state.order_id,
        pending_domains=[e["domain"] for e in pending],
        validation=state.entries,
        dcv=state.instructions,
        changed=bool(reasons),
        changed_reasons=reasons,
        api_calls=module.api_calls,
    )


def read_approvers(module, names):
    # Only the names validated by e-mail have approvers: file and DNS validation cost no extra call.
    if not names:
        return {}
    try:
        return dcv_plan.approver_lists(module.client, names)
    except ApiError as exc:
        module.warn("Could not read the approver list: %s" % exc.render())
        return {}


def run(module):
    params = module.params
    dcv_plan.check_wait_options(params)
    info, order_id, auth = dcv_plan.read_order(module.client, params["order_id"], params["common_name"])
    state = dcv_plan.Validation(
        order_id, info, auth, module.client.call("dcv_status", path={"orderId": order_id}) or {}
    )
    names = state.names()
    methods = dcv_plan.wanted_methods(params, names)
    approvers = dcv_plan.wanted_approvers(params, names)
    method_changes, approver_changes, reasons = dcv_plan.plan(state.instructions, state.entries, methods, approvers)
    pending_email = dcv_plan.pending_email_names(state.entries, methods)
    if params["resend"]:
        reasons.append(dcv_plan.check_resend(order_id, pending_email))

    order_status = state.status.get("orderStatus") or info.get("orderStatus")
    if (method_changes or approver_changes) and order_status not in AWAITING_DCV:
        module.fail_json(
            msg="Order %s is %s, not awaiting domain validation: its DCV method can no longer be changed."
            % (order_id, order_status),
            order_id=order_id,
            order_status=order_status,
            changed=False,
        )

    before = dcv_plan.diff_view(state.instructions)
    resent_to = None
    waited = 0.0
    if not module.check_mode:
        resent_to = apply_changes(module, state, method_changes, approver_changes, pending_email)
        if params["wait"]:
            waited = wait_for_validation(module, state, reasons)

    approver_map = read_approvers(module, dcv_plan.email_validated_names(names, state.instructions, methods))
    result = dcv_plan.run_result(state, reasons, approver_map, waited)
    if resent_to is not None:
        result["resent_to"] = resent_to
    if module._diff:
        if module.check_mode:
            after = dcv_plan.planned_view(state.instructions, method_changes, approver_changes, approvers)
        else:
            after = dcv_plan.diff_view(state.instructions)
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
