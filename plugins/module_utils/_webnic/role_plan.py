# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan of the ``webnic.ssl.certificate`` role for one certificate, from what its hosts hold.

Pure functions: no API, no file, no clock. The role's filter ``certificate_plan`` feeds them the
``webnic_ssl_deployed_info`` results of the hosts of the certificate's group, so that the decision
"nothing / copy from a healthy host / order (or resume the paid pending order)" exists once, in
Python, with a unit test per branch.
"""

import json
import re
from typing import Any, Dict, Iterable, List, Optional

#: The actions of the role for a certificate.
ACTION_NONE = "none"
ACTION_SYNC = "sync"
ACTION_ORDER = "order"


def _mapping(value):
    return value if isinstance(value, dict) else {}


def pending_order(deployed_by_host, hosts, api_endpoint, common_name, subject_alt_names):
    """The first pending order recorded on ``hosts`` (in order) for this endpoint and these names, or {}.

    A pending order is one paid for by an earlier run and not yet issued: its metadata (order id, the
    host holding its key) is kept in the metadata file of a host of the group.
    """
    for host in hosts:
        metadata = _mapping(deployed_by_host.get(host, {}).get("metadata"))
        pending = metadata.get("pending")
        if not isinstance(pending, dict) or "order_id" not in pending:
            continue
        if (
            pending.get("api_endpoint") == api_endpoint
            and pending.get("common_name") == common_name
            and pending.get("subject_alt_names") == subject_alt_names
        ):
            return pending
    return {}


def reusable_key_hosts(deployed_by_host, hosts):
    """Hosts whose deployed key matches their certificate, recorded with an order through this endpoint."""
    reusable = []
    for host in hosts:
        deployed = deployed_by_host.get(host, {})
        if deployed.get("key_matches") is not True:
            continue
        if "order_id" not in _mapping(deployed.get("metadata")):
            continue
        if deployed.get("endpoint_mismatch"):
            continue
        reusable.append(host)
    return reusable


def choose_action(redeploy, pending, due_hosts, healthy_hosts):
    """``sync`` (copy from a healthy host), ``order`` (buy, renew or resume) or ``none``.

    A pending (paid) order is always resumed, even when no host is due: a renewal left pending would
    otherwise wait silently until the certificate expires.
    """
    if redeploy:
        return ACTION_SYNC
    if pending:
        return ACTION_ORDER
    if not due_hosts:
        return ACTION_NONE
    return ACTION_SYNC if healthy_hosts else ACTION_ORDER


def plan_certificate(
    certificate,
    hosts,
    deployed_by_host,
    privatekey_paths,
    api_endpoint,
    earlier_fresh_hosts=(),
    redeploy=False,
    planning_host=None,
):
    """The role's plan for one certificate.

    ``certificate``: its settings (``common_name``, ``subject_alt_names``, ``reuse_key``).
    ``hosts``: the hosts of its group in this batch, in inventory order.
    ``deployed_by_host``: host -> ``webnic_ssl_deployed_info`` result for this certificate.
    ``privatekey_paths``: host -> the key path of this certificate on that host.
    ``earlier_fresh_hosts``: hosts of its group that an earlier ``serial`` batch of this play deployed to.
    ``planning_host``: the host that plans (its key path is the default key source path).

    Returns the plan: ``action`` (none/sync/order), ``hosts``, ``due_hosts``, ``healthy_hosts``,
    ``source_host`` (the first healthy host), ``resume_order_id``/``resume_host`` (a pending order),
    ``key_source_host``/``key_source_path`` (the key the new certificate is requested for: the pending
    order's, or on renewal the deployed one), ``redeploy`` and ``reasons`` (host -> why it is due).
    """
    hosts = list(hosts)
    redeploy = bool(redeploy)
    due_hosts = [host for host in hosts if deployed_by_host.get(host, {}).get("due")]
    # Healthy: not due here, or deployed by this play in an earlier batch; in inventory order (the
    # source of a copy is the first healthy host).
    healthy_hosts = [host for host in hosts if host not in due_hosts]
    healthy_hosts += [host for host in earlier_fresh_hosts if host not in hosts]
    pending = pending_order(
        deployed_by_host,
        hosts,
        api_endpoint,
        certificate.get("common_name"),
        certificate.get("subject_alt_names"),
    )
    reusable = reusable_key_hosts(deployed_by_host, hosts)
    if pending.get("host"):
        key_source_host = pending["host"]
    elif certificate.get("reuse_key") and reusable:
        key_source_host = reusable[0]
    else:
        key_source_host = ""
    key_path_host = pending.get("host") or (reusable[0] if reusable else planning_host)
    if key_path_host not in privatekey_paths:
        raise ValueError(
            "certificate %s: the key path of %s is not known to this batch (the pending order or the reusable key "
            "is recorded on a host outside it)"
            % (certificate.get("name", certificate.get("common_name")), key_path_host)
        )
    return {
        "action": choose_action(redeploy, pending, due_hosts, healthy_hosts),
        "hosts": hosts,
        "due_hosts": due_hosts,
        "healthy_hosts": healthy_hosts,
        "source_host": healthy_hosts[0] if healthy_hosts else "",
        "resume_order_id": pending.get("order_id", ""),
        "resume_host": pending.get("host", ""),
        "key_source_host": key_source_host,
        "key_source_path": str(privatekey_paths[key_path_host]) + (".pending" if pending else ""),
        "redeploy": redeploy,
        "reasons": {host: list(deployed_by_host.get(host, {}).get("reasons") or []) for host in due_hosts},
    }


def plan_report(certificate, plan, deployed_by_host, api_endpoint):
    """The lines the role prints for the plan: a headline, then one line per host."""
    name = "%s (%s): " % (certificate.get("name"), certificate.get("common_name"))
    action = plan["action"]
    if action == ACTION_NONE:
        headline = "nothing due, no API call"
    elif action == ACTION_SYNC and plan["redeploy"]:
        headline = "redeploying the current certificate of %s to every host (no API call)" % plan["source_host"]
    elif action == ACTION_SYNC:
        headline = "due on %s; copying the current certificate from %s (no API call)" % (
            ", ".join(plan["due_hosts"]),
            plan["source_host"],
        )
    elif plan["resume_order_id"]:
        headline = "resuming pending order %s (recorded on %s)" % (plan["resume_order_id"], plan["resume_host"])
    else:
        headline = "due on every host: ordering through %s" % api_endpoint
    lines = [name + headline]
    for host in plan["hosts"]:
        deployed = deployed_by_host.get(host, {})
        if deployed.get("due"):
            lines.append("%s: due: %s" % (host, "; ".join(deployed.get("reasons") or [])))
        elif deployed.get("not_after"):
            # "files as installed": checked against the install record, nothing parsed (the fast nightly check).
            how = ", files as installed" if deployed.get("unchanged_since_install") else ""
            lines.append("%s: up to date (expires %s%s)" % (host, deployed["not_after"], how))
        else:
            lines.append("%s: up to date" % host)
    return lines


def attributes_asked(settings):
    """Whether the files of a certificate that stays must still get an owner, group or mode (no API call)."""
    asked = "%s%s%s" % (settings.get("owner") or "", settings.get("group") or "", settings.get("pkcs12_path") or "")
    return bool(asked) or str(settings.get("key_mode")) != "0600"


def _quiet_outcome(settings):
    return {
        "common_name": settings.get("common_name"),
        "action": ACTION_NONE,
        "resumed_order_id": "",
        "order_id": "",
        "waiting_for": "",
        "changed": False,
        "failed": False,
    }


def plan_role(
    states: Dict[str, Dict[str, Any]],
    batch: List[str],
    api_endpoint: str,
    earlier_fresh_hosts: Optional[Dict[str, List[str]]] = None,
    redeploy: bool = False,
) -> Dict[str, Any]:
    """The plan of every certificate of the role's list for a batch of hosts, and whether the run is a no-op.

    ``states``: host -> certificate name -> ``{"index", "settings", "deployed"}`` or ``{"index", "error"}``
    (the ``certificate_host_state`` action's answer on each host of ``batch``).
    ``earlier_fresh_hosts``: certificate name -> hosts an earlier ``serial`` batch deployed it to.

    Returns ``plans`` (name -> :func:`plan_certificate` result), ``quiet`` (nothing to do on any host:
    no certificate due, no pending order, no error, no endpoint refusal, no owner/group/mode to apply,
    no redeploy), ``busy`` (name -> why it is not quiet), ``outcomes`` (host -> name -> the outcome the role
    publishes when quiet), ``uniform`` (every host has the same outcomes) and ``report`` (the lines to print).
    """
    earlier_fresh_hosts = earlier_fresh_hosts or {}
    states = {host: states[host] for host in batch if isinstance(states.get(host), dict)}
    indexes = {}
    for certificates in states.values():
        for name, state in certificates.items():
            indexes.setdefault(name, state.get("index", 0))
    plans, busy, report = {}, {}, []
    for name in sorted(indexes, key=lambda n: (indexes[n], n)):
        holders = [host for host in batch if name in states.get(host, {})]
        errors = ["%s: %s" % (host, states[host][name]["error"]) for host in holders if "error" in states[host][name]]
        if errors:
            busy[name] = "cannot be read: " + "; ".join(errors)
            continue
        settings_by_host = {host: states[host][name]["settings"] for host in holders}
        settings = settings_by_host[holders[0]]
        hosts = [host for host in (settings.get("hosts") or holders) if host in settings_by_host]
        deployed_by_host = {host: states[host][name].get("deployed") or {} for host in hosts}
        try:
            plan = plan_certificate(
                settings,
                hosts,
                deployed_by_host,
                {host: settings_by_host[host]["privatekey_path"] for host in hosts},
                api_endpoint,
                earlier_fresh_hosts=earlier_fresh_hosts.get(name, []),
                redeploy=redeploy,
                planning_host=hosts[0] if hosts else None,
            )
        except ValueError as exc:
            busy[name] = str(exc)
            continue
        plans[name] = plan
        report.extend(plan_report(settings, plan, deployed_by_host, api_endpoint))
        if plan["action"] != ACTION_NONE or plan["redeploy"]:
            busy[name] = "action %s" % plan["action"]
        elif any(
            deployed_by_host[host].get("endpoint_mismatch") and not settings_by_host[host].get("allow_endpoint_change")
            for host in hosts
        ):
            busy[name] = "issued through another endpoint"
        elif any(attributes_asked(settings_by_host[host]) for host in hosts):
            busy[name] = "owner, group or modes to apply"
    outcomes = {}
    for host in batch:
        certificates = states.get(host, {})
        names = sorted(certificates, key=lambda n: (indexes[n], n))
        outcomes[host] = {name: _quiet_outcome(certificates[name].get("settings") or {}) for name in names}
    distinct = {repr(sorted(value.items())) for value in outcomes.values()}
    return {
        "plans": plans,
        "quiet": not busy,
        "busy": busy,
        "outcomes": outcomes,
        "uniform": len(distinct) <= 1,
        "report": report,
    }


_RECORDED_ORDER_ID = re.compile(r"^[0-9A-Za-z-]+$")


def recorded_order_to_adopt(
    record_text: Optional[str], certificate: Dict[str, Any], api_endpoint: str, served_order_ids: Iterable[Any]
) -> Optional[Dict[str, Any]]:
    """The order recorded on the key host that this run adopts instead of ordering (None: order).

    Sliced runs share no controller disk: the first run to take the key host's lock orders and records
    ``{order_id, api_endpoint, common_name, subject_alt_names, ...}`` there (shared_record.yml). A later
    run adopts that record when it is for the same endpoint and names and names an order its own hosts
    do not serve yet (another slice placed or renewed it); an order they already serve is the one
    being renewed, so it orders. ``record_text`` is the file's text (empty when there is no record); it
    is read from a host and trusted no further than these checks.
    """
    text = (record_text or "").strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    order_id = str(record.get("order_id") or "")
    if not _RECORDED_ORDER_ID.match(order_id):
        return None
    if record.get("api_endpoint") != api_endpoint or record.get("common_name") != certificate.get("common_name"):
        return None
    if sorted(record.get("subject_alt_names") or []) != sorted(certificate.get("subject_alt_names") or []):
        return None
    if order_id in {str(served) for served in served_order_ids or [] if served not in (None, "")}:
        return None
    return dict(record, order_id=order_id)
