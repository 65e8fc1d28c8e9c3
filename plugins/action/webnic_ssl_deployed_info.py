# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of webnic_ssl_deployed_info: refuses API connection options (plugin_utils/host_module_action.py),
api_endpoint excepted: it names the endpoint the order metadata must match."""

from ansible_collections.webnic.ssl.plugins.plugin_utils.host_module_action import HostModuleAction


class ActionModule(HostModuleAction):
    MODULE = "webnic.ssl.webnic_ssl_deployed_info"
    ACCEPTED = ("api_endpoint",)
