# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read every certificate of a host in ONE module run (the first step of the certificate role).

The role's settings of a certificate come from its entry in ``certificate_list`` (at position
``certificate_index``) and the role variables, templated with the host's variables. A task loop over
the positions would run ``webnic_ssl_deployed_info`` once per certificate and host; this action
resolves the settings of every position for the host it runs for (on the controller, by the rule of
``role_settings.certificate_settings``, the one the role's ``certificate_settings`` filter applies),
then runs the module once with the ``certificates`` list. A nightly run where nothing is due thus
costs one module run per host. The entry is templated once; a role variable only when the entry
leaves its key out (it may hold host variables that are undefined where an entry overrides it).

A certificate whose settings cannot be templated for the host, or whose entry the module refuses, is
answered with an ``error``; the role reports that certificate failed and still handles the others.
"""

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible.template import Templar
from ansible_collections.webnic.ssl.plugins.module_utils._webnic import role_settings

MODULE = "webnic.ssl.webnic_ssl_deployed_info"


def _omit_empty(value):
    return value is None or value == ""


def deployed_info_entry(settings):
    """The ``webnic_ssl_deployed_info`` entry for one certificate's resolved role settings."""
    entry = {
        "name": settings["name"],
        "certificate_path": settings["certificate_path"],
        "fullchain_path": settings["fullchain_path"],
        "chain_path": settings["chain_path"],
        "privatekey_path": settings["privatekey_path"],
        "metadata_path": settings["metadata_path"],
        "common_name": settings["common_name"],
        "subject_alt_names": list(settings["subject_alt_names"] or []),
    }
    if settings.get("server_type") == "haproxy":
        entry["combined_path"] = settings["combined_path"]
    for option in ("remaining_days", "remaining_percentage", "min_certificate_age"):
        if not _omit_empty(settings.get(option)):
            entry[option] = settings[option]
    if settings.get("renew_issued_before"):
        entry["renew_issued_before"] = settings["renew_issued_before"]
    return entry


class _RoleVariables:
    """Key -> role variable, templated when first read (``role`` maps a key to its template)."""

    def __init__(self, templar, templates):
        self._templar = templar
        self._templates = templates if isinstance(templates, dict) else {}
        self._values = {}

    def __getitem__(self, key):
        if key not in self._values:
            self._values[key] = self._templar.template(self._templates[key])
        return self._values[key]


class ActionModule(ActionBase):
    _requires_connection = True

    def _resolve(self, task_vars, index, args):
        """(settings or None, name, error or None) of the certificate at ``index`` for this host."""
        variables = dict(task_vars)
        variables[args["index_variable"]] = index
        templar = Templar(loader=self._loader, variables=variables)
        try:
            if not templar.template(variables[args["member_variable"]]):
                return None, None, None
        except AnsibleError as exc:
            return None, "entry %d" % index, to_text(exc)
        name = "entry %d" % index
        try:
            entry = templar.template(variables[args["entry_variable"]])
            role = _RoleVariables(templar, variables[args["role_variable"]])
            commands = templar.template(variables[args["commands_variable"]])
            name = to_text(role_settings.entry_name(entry))
            settings = role_settings.certificate_settings(
                entry, role, templar.template(variables["groups"]), list(variables["ansible_play_batch"]), commands
            )
        except (AnsibleError, ValueError) as exc:
            return None, self._name(templar, variables, args, name), to_text(exc)
        return settings, settings["name"], None

    @staticmethod
    def _name(templar, variables, args, fallback):
        """The certificate's name for an error, when its entry names it (else ``fallback``)."""
        try:
            return to_text(templar.template(variables[args["name_variable"]]))
        except AnsibleError:
            return fallback

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        for key in ("entry_variable", "role_variable", "commands_variable", "member_variable", "name_variable"):
            if not isinstance(args.get(key), str) or args[key] not in task_vars:
                raise AnsibleActionFail("%s: the name of a defined variable is required" % key)
        if not isinstance(args.get("index_variable"), str) or not args["index_variable"]:
            raise AnsibleActionFail("index_variable: the name of the variable holding the position is required")
        try:
            count = int(args.get("count"))
        except (TypeError, ValueError):
            raise AnsibleActionFail("count: the number of certificate entries is required")
        certificates = {}
        entries = []
        for index in range(count):
            settings, name, error = self._resolve(task_vars, index, args)
            if error is not None:
                certificates[name] = {"index": index, "error": error}
            elif settings is not None:
                certificates[name] = {"index": index, "settings": settings}
                try:
                    entries.append(deployed_info_entry(settings))
                except KeyError as exc:
                    certificates[name] = {"index": index, "error": "setting %s is missing" % exc}
        if entries:
            try:
                answer = self._execute_module(
                    module_name=MODULE,
                    module_args={"certificates": entries, "api_endpoint": args.get("api_endpoint")},
                    task_vars=task_vars,
                )
            finally:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            if answer.get("unreachable"):
                return answer
            answers = answer.get("certificates") or {}
            for entry in entries:
                name = entry["name"]
                deployed = answers.get(name)
                if answer.get("failed") or not isinstance(deployed, dict):
                    certificates[name]["error"] = answer.get("msg") or "%s returned no answer for %s" % (MODULE, name)
                elif deployed.get("failed"):
                    certificates[name]["error"] = deployed.get("msg")
                else:
                    certificates[name]["deployed"] = deployed
        result.update(changed=False, changed_reasons=[], certificates=certificates)
        return result
