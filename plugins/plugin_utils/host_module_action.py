# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin of a host-side module: API connection options are refused on the controller.

A host-side module runs on the host and calls no API. Given an ``api_password`` it would fail on an
unknown option, and ansible-core shows a failed module's arguments at -vvv, secret included: the
refusal happens here, before the module runs, and never repeats the values.
"""

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import connection_option_message


class HostModuleAction(ActionBase):
    #: The module's full name, and the connection options it does take (none, for most).
    MODULE = ""
    ACCEPTED = ()

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = False
        result = super().run(tmp, task_vars)
        del tmp  # not used since ansible-core 2.5
        problem = connection_option_message(self.MODULE, self._task.args, accepted=self.ACCEPTED)
        if problem:
            raise AnsibleActionFail(problem)
        module_args = dict(self._task.args)
        result.update(self._execute_module(module_name=self.MODULE, module_args=module_args, task_vars=task_vars))
        return result
