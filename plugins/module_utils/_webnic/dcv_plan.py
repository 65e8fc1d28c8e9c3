# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DCV decisions of webnic_ssl_dcv: where each name stands, what the task wants, what must change.

Pure functions over WebNIC's answers (already in the shape of dcv.dcv_instructions) and the module's
options; bad options raise FieldProblem naming the option. The few functions here that call WebNIC
(:func:`read_order`, :meth:`Validation.read_status`, :func:`approver_lists`) only read: every
change is sent by the module.
"""

from typing import Any, Dict, List, Tuple

from .crypto import comparable_name
from .dcv import dcv_instructions, normalize_method
from .errors import ApiError
from .failures import FieldProblem
from .orders import order_id_of
from .task_order import AWAITING_VALIDATION, resolve_order

#: Order statuses in which WebNIC has validated every name (Check DCV Status may then list none).
VALIDATED_ORDER_STATUSES = ("IN_PROCESS", "PROCESSED", "COMPLETED")


AUTH_INFO_SKIPPED = "the order's DCV instructions (Get Auth Info): the result's dcv list is empty"


def check_wait_options(params):
    """O(wait_timeout), O(wait_interval) and O(wait_max_interval) make sense."""
    if params["wait_timeout"] < 0:
        raise FieldProblem("wait_timeout", "must not be negative", "Give seconds, for example 600")
    for field in ("wait_interval", "wait_max_interval"):
        if params[field] <= 0:
            raise FieldProblem(field, "must be positive", "Give seconds, for example 10")


def read_order(client, order_id, common_name):
    """``(order info, order id, Get Auth Info answer)`` of the order the task is about (reads only)."""

    def resolve():
        return resolve_order(client, order_id, common_name, AWAITING_VALIDATION)

    if order_id and not common_name:
        # The id is enough: Get Auth Info and Check DCV Status carry the names and the status, so the
        # order itself is not read (one call less per run) -- unless Get Auth Info (an assumed path)
        # fails: only the documented Get Order Info may say that an order does not exist.
        info = {}
        try:
            auth = client.call_optional("auth_info", AUTH_INFO_SKIPPED, path={"orderId": order_id})
        except ApiError as exc:
            if exc.status not in (400, 404):
                raise
            resolve()  # fails "WebNIC knows no order" when Get Order Info says so
            raise
        if auth is None:
            info = resolve()
        return info, order_id, auth or {}
    info = resolve()
    order_id = order_id_of(info) or order_id
    return info, order_id, client.call_optional("auth_info", AUTH_INFO_SKIPPED, path={"orderId": order_id}) or {}


class Validation:
    """Where the order's validation stands (Get Auth Info and Check DCV Status), re-read after each change."""

    def __init__(self, order_id, info, auth, status):
        self.order_id = order_id
        self.info = info
        self.auth = auth
        self.instructions = dcv_instructions(auth)
        self.status = status
        self.entries = validation_entries(status, self.instructions)

    def read_status(self, client):
        self.status = client.call("dcv_status", path={"orderId": self.order_id}) or {}
        self.entries = validation_entries(self.status, self.instructions)

    def names(self):
        """The order's names: from the DCV instructions, else from the status."""
        return [e["domain"] for e in self.instructions] or [e["domain"] for e in self.entries]

    def adopt(self, answer):
        """Take the DCV instructions of a change's answer, when it carries them."""
        new_instructions = dcv_instructions(answer) if answer else []
        if new_instructions:
            self.instructions = new_instructions
            self.auth = answer


def validation_entries(status_data, instructions):
    """Per-name status list from Check DCV Status, in the order of the instructions."""
    by_name = {}
    for item in (status_data or {}).get("domains") or []:
        if isinstance(item, dict):
            by_name[comparable_name(item.get("name") or item.get("domain"))] = item
    entries = []
    names = [entry["domain"] for entry in instructions] or list(by_name)
    for name in names:
        item = by_name.get(comparable_name(name), {})
        method = normalize_method(item.get("authType"))
        if not method:
            method = next((e["method"] for e in instructions if e["domain"] == name), None)
        status = str(item.get("status") or "PENDING").upper()
        entries.append({"domain": name, "method": method, "status": status, "message": item.get("message")})
    if (status_data or {}).get("orderStatus") in VALIDATED_ORDER_STATUSES and not by_name:
        for entry in entries:
            entry["status"] = "VALIDATED"
    return entries


def pending_names(entries):
    """The names of ``entries`` not validated yet."""
    return [e["domain"] for e in entries if e["status"] != "VALIDATED"]


def _order_name(lookup, names, field, domain):
    if comparable_name(domain) not in lookup:
        raise FieldProblem(
            field, "%s is not a name of the order (%s)" % (domain, ", ".join(names)), "Use names of the order"
        )
    return lookup[comparable_name(domain)]


def wanted_methods(params, names):
    """``{name: method}`` the options ask for (O(method) with O(domains), then O(domain_methods))."""
    wanted = {}
    lookup = {comparable_name(n): n for n in names}
    if params["method"]:
        targets = names
        if params["domains"]:
            targets = [_order_name(lookup, names, "domains", domain) for domain in params["domains"]]
        for name in targets:
            wanted[name] = params["method"]
    for domain, method in (params["domain_methods"] or {}).items():
        name = _order_name(lookup, names, "domain_methods", domain)
        canonical = normalize_method(method)
        if canonical is None:
            raise FieldProblem(
                "domain_methods", "%r for %s is not a DCV method" % (method, domain), "Use file, dns or email"
            )
        wanted[name] = canonical
    for name, method in wanted.items():
        if method == "file" and name.startswith("*."):
            raise FieldProblem(
                "domain_methods" if name in (params["domain_methods"] or {}) else "method",
                "file validation is not possible for the wildcard name %s" % name,
                "Use dns or email for wildcard names",
            )
    return wanted


def wanted_approvers(params, names):
    """``{name: approver e-mail}`` the options ask for (O(approver_email), then O(approver_emails))."""
    lookup = {comparable_name(n): n for n in names}
    wanted = {}
    if params["approver_email"]:
        for name in names:
            wanted[name] = params["approver_email"]
    for domain, email in (params["approver_emails"] or {}).items():
        wanted[_order_name(lookup, names, "approver_emails", domain)] = email
    for email in wanted.values():
        if "@" not in str(email or ""):
            raise FieldProblem(
                "approver_emails" if params["approver_emails"] else "approver_email",
                "%r is not an e-mail address" % email,
                "Use one of the returned approvers",
            )
    return wanted


def plan(
    instructions: List[Dict[str, Any]],
    entries: List[Dict[str, Any]],
    methods: Dict[str, str],
    approvers: Dict[str, str],
) -> Tuple[Dict[str, str], Dict[str, str], List[str]]:
    """(method changes {method: [names]}, approver changes {name: email}, reasons)."""
    pending = set(pending_names(entries))
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
        if comparable_name(have) != comparable_name(approvers[name]):
            approver_changes[name] = approvers[name]
            if current[name]["method"] == "email":
                reasons.append("%s: approver %s -> %s" % (name, have, approvers[name]))
    return method_changes, approver_changes, reasons


def pending_email_names(entries, methods):
    """Names still to validate whose method (after the planned changes) is e-mail."""
    return [
        e["domain"]
        for e in entries
        if e["status"] != "VALIDATED" and (methods.get(e["domain"]) or e["method"]) == "email"
    ]


def email_validated_names(names, instructions, methods):
    """Names validated by e-mail after the planned changes (only those have approvers to list)."""
    return [
        n
        for n in names
        if (methods.get(n) or next((e["method"] for e in instructions if e["domain"] == n), None)) == "email"
    ]


def change_requests(method_changes, approver_changes):
    """The bodies of Change Auth Type (one per method) and Update Approver, in the order they are sent."""
    approver_changes = dict(approver_changes)
    calls = []
    for method in sorted(method_changes):
        body = {"authType": method, "domains": method_changes[method]}
        if method == "email":
            chosen = [
                {"domain": n, "email": approver_changes.pop(n)} for n in method_changes[method] if n in approver_changes
            ]
            if chosen:
                body["approverEmail"] = chosen
        calls.append(("auth_change", body))
    if approver_changes:
        body = {"approverEmail": [{"domain": n, "email": e} for n, e in sorted(approver_changes.items())]}
        calls.append(("approver_update", body))
    return calls


def diff_view(instructions):
    """What diff mode shows of a DCV state: method and approver per name."""
    return {e["domain"]: {"method": e["method"], "email": e["email"]} for e in instructions}


def planned_view(instructions, method_changes, approver_changes, approvers):
    """The diff view after the planned changes (check mode: nothing was sent)."""
    after = diff_view(instructions)
    for method, names in method_changes.items():
        for name in names:
            after[name] = {"method": method, "email": approvers.get(name) if method == "email" else None}
    for name, email in approver_changes.items():
        after[name] = {"method": "email", "email": email}
    return after


def approver_lists(client, names):
    """``{name: [addresses]}`` WebNIC accepts as approvers (names compared lower case); one read per base domain."""
    result = {}
    cache = {}
    for name in [comparable_name(n) for n in names]:
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


def check_resend(order_id, pending_email):
    """O(resend) needs a name awaiting e-mail validation; returns the changed reason."""
    if not pending_email:
        raise FieldProblem(
            "resend",
            "no name of order %s awaits e-mail validation" % order_id,
            "Set method=email first, or drop resend",
        )
    return "approval e-mail sent again for %s" % ", ".join(pending_email)


def timeout_message(order_id, wait_timeout, pending):
    """Why waiting for validation failed: the names still pending, with WebNIC's message."""
    return "Domain validation of order %s did not complete within %ss; still pending: %s." % (
        order_id,
        wait_timeout,
        "; ".join(
            "%s (%s%s)" % (e["domain"], e["method"], ": " + e["message"] if e.get("message") else "") for e in pending
        ),
    )


def run_result(state, reasons, approvers, waited):
    """The module's result: the order, the DCV instructions and where each name stands."""
    pending = pending_names(state.entries)
    return {
        "changed": bool(reasons),
        "changed_reasons": reasons,
        "order_id": state.order_id,
        "common_name": state.info.get("commonName")
        or (state.instructions[0]["domain"] if state.instructions else None),
        "order_status": state.status.get("orderStatus") or state.info.get("orderStatus"),
        "cert_status": state.status.get("certStatus") or state.info.get("certStatus"),
        "dcv": state.instructions,
        "validation": state.entries,
        "pending_domains": pending,
        "validated": not pending,
        "approvers": approvers,
        "waited": waited,
        "raw": {"auth": state.auth, "status": state.status},
    }
