# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of webnic_ssl_deployed_info: API connection options are refused on the controller
(api_endpoint excepted: it names the endpoint the order metadata must match).

The module runs on the host and calls no API. Given an ``api_password`` it would fail on an unknown
option, and ansible-core shows a failed module's arguments at -vvv, secret included: the refusal
happens here, before the module runs, and never repeats the values.
"""

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import connection_option_message

MODULE = "webnic.ssl.webnic_ssl_deployed_info"


class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = False
        result = super().run(tmp, task_vars)
        del tmp  # not used since ansible-core 2.5
        problem = connection_option_message(MODULE, self._task.args, accepted=("api_endpoint",))
        if problem:
            raise AnsibleActionFail(problem)
        result.update(self._execute_module(module_name=MODULE, module_args=dict(self._task.args), task_vars=task_vars))
        return result
