# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the webnic.ssl.certificate role: its decisions in Python, with unit tests per case."""

import posixpath

from ansible.errors import AnsibleFilterError
from ansible_collections.webnic.ssl.plugins.module_utils._webnic import role_plan, role_settings


def certificate_validation_files(dcv_entries, settings):
    """``[{path, content}]`` of the file DCV entries for a host with ``settings`` (webroot, validation_dir)."""
    settings = settings or {}
    validation_dir = str(settings.get("validation_dir") or "").strip()
    webroot = str(settings.get("webroot") or "").strip()
    if not validation_dir and not webroot:
        raise AnsibleFilterError(
            "certificate %s: neither webroot nor validation_dir is set for this host; HTTP validation needs one"
            % settings.get("name", "")
        )
    files = []
    for entry in dcv_entries or []:
        if (entry or {}).get("method") != "file":
            continue
        file_path = str(entry.get("file_path") or "")
        name = posixpath.basename(file_path)
        if not file_path.startswith("/") or not name:
            raise AnsibleFilterError("WebNIC sent a validation file path that is not a path: %r" % file_path)
        if validation_dir:
            path = posixpath.join(validation_dir, name)
        else:
            path = webroot.rstrip("/") + file_path
        files.append({"path": path, "content": entry.get("file_content") or ""})
    return files


class _HostSetting(object):
    """host -> one setting of the certificate on that host, read from its ``__certificate`` fact on demand."""

    def __init__(self, hostvars, key):
        self._hostvars = hostvars
        self._key = key

    def _settings(self, host):
        if host not in self._hostvars:
            return {}
        settings = self._hostvars[host].get("__certificate")
        return settings if isinstance(settings, dict) else {}

    def __contains__(self, host):
        return self._key in self._settings(host)

    def __getitem__(self, host):
        return self._settings(host)[self._key]


def certificate_plan(
    hostvars, certificate, hosts, api_endpoint, earlier_fresh_hosts=None, redeploy=False, planning_host=None
):
    """The role's plan for ``certificate`` from the ``__certificate_deployed`` results of ``hosts``.

    Adds ``report``: the lines the role prints (headline, then one per host).
    """
    deployed_by_host = {}
    for host in hosts:
        deployed = hostvars[host].get("__certificate_deployed") if host in hostvars else None
        deployed_by_host[host] = deployed if isinstance(deployed, dict) else {}
    try:
        plan = role_plan.plan_certificate(
            certificate,
            hosts,
            deployed_by_host,
            _HostSetting(hostvars, "privatekey_path"),
            api_endpoint,
            earlier_fresh_hosts=earlier_fresh_hosts or [],
            redeploy=redeploy,
            planning_host=planning_host,
        )
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))
    plan["report"] = role_plan.plan_report(certificate, plan, deployed_by_host, api_endpoint)
    return plan


def certificate_plans(hostvars, batch, play_hosts_all, groups, api_endpoint, redeploy=False):
    """The plan of every certificate for the hosts of ``batch`` from their ``__certificate_state`` results.

    See ``role_plan.plan_role``: ``quiet`` tells the role that nothing is to be done on any host.
    """
    states = {}
    for host in batch:
        state = hostvars[host].get("__certificate_state") if host in hostvars else None
        if isinstance(state, dict) and isinstance(state.get("certificates"), dict):
            states[host] = state["certificates"]
    # With `serial`: the hosts of each certificate's group an earlier batch of this play deployed it to.
    earlier = {}
    for certificates in states.values():
        for name, state in certificates.items():
            group = (state.get("settings") or {}).get("inventory_group")
            if name in earlier or not group:
                continue
            earlier[name] = [
                host
                for host in groups.get(group, [])
                if host in play_hosts_all
                and host not in batch
                and name in (hostvars[host].get("__certificate_fresh") or [])
            ]
    return role_plan.plan_role(states, list(batch), api_endpoint, earlier_fresh_hosts=earlier, redeploy=redeploy)


def certificate_settings(entry, role, groups, play_batch, builtin_test_commands=None):
    """The resolved settings of a ``certificate_list`` entry for the host templating it (``role_settings``)."""
    try:
        return role_settings.certificate_settings(entry, role, groups, play_batch, builtin_test_commands or {})
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


def certificate_entry_name(entry):
    """The name of a ``certificate_list`` entry (``role_settings.entry_name``)."""
    try:
        return role_settings.entry_name(entry)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    def filters(self):
        return {
            "certificate_validation_files": certificate_validation_files,
            "certificate_plan": certificate_plan,
            "certificate_plans": certificate_plans,
            "certificate_attributes_asked": role_plan.attributes_asked,
            "certificate_settings": certificate_settings,
            "certificate_entry_name": certificate_entry_name,
            "certificate_recorded_order": role_plan.recorded_order_to_adopt,
        }
