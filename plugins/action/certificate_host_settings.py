# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolve a variable for other hosts, as if each of them ran the task itself (no module, no connection).

A task templates its arguments with the variables of the host it runs for, even when it is delegated:
``delegate_to: web3`` with ``"{{ host_dir }}/www"`` still gets the current host's ``host_dir``. The
certificate role must sometimes act on a host of another ``serial`` batch (HTTP validation files go on
every host of the group), so it asks this plugin for that host's own settings: the play, role and
inventory variables of THAT host (ansible-core's variable manager) template the role's settings
variable, which keeps one definition of the settings for both paths.
"""

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.template import Templar


class ActionModule(ActionBase):
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = super().run(tmp, task_vars)
        args = self._task.args
        variable = args.get("variable")
        hosts = args.get("hosts") or []
        extra = dict(args.get("extra_vars") or {})
        if not isinstance(variable, str) or not variable:
            raise AnsibleActionFail("variable: the name of the variable to resolve is required")
        if not isinstance(hosts, (list, tuple)):
            raise AnsibleActionFail("hosts: must be a list of inventory host names")
        manager = self._task.get_variable_manager()
        play = self._task.get_play()
        if manager is None or play is None:
            raise AnsibleActionFail("cannot reach the play's variables from this task")
        inventory = manager._inventory
        settings = {}
        for name in hosts:
            host = inventory.get_host(name)
            if host is None:
                raise AnsibleActionFail("hosts: %s is not in the inventory" % name)
            variables = manager.get_vars(play=play, host=host, task=self._task)
            if variable not in variables:
                raise AnsibleActionFail("variable: %s is not defined for %s" % (variable, name))
            variables.update(extra)
            templar = Templar(loader=self._loader, variables=variables)
            settings[name] = templar.template(variables[variable])
        result.update(changed=False, settings=settings, changed_reasons=[])
        return result
