#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: certificate_host_settings
short_description: Resolve a variable for other hosts, as each of them would (used by the certificate role)
version_added: 0.1.0
description:
  - Templates the variable O(variable) with the variables of each host of O(hosts) (its inventory,
    play, role and fact variables), as if that host ran the task. A delegated task templates with the
    variables of the host it runs for, so this is how the C(webnic.ssl.certificate) role gets the
    web root, paths and commands of a host of another C(serial) batch.
  - Runs on the controller only; reads, never changes anything.
author:
  - webnic.ssl contributors (@webnic-community)
attributes:
  action:
    description: The work is done by the action plugin of the same name, on the controller.
    support: full
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: all
options:
  variable:
    description: Name of the variable to resolve.
    type: str
    required: true
  hosts:
    description: Inventory host names to resolve it for.
    type: list
    elements: str
    required: true
  extra_vars:
    description: Variables the task knows but the hosts' variables do not, such as a loop variable.
    type: dict
seealso:
  - module: webnic.ssl.webnic_ssl_validation_file
  - module: webnic.ssl.webnic_ssl_deployed_info
"""

EXAMPLES = r"""
- name: The web root of every host of the group, each in its own terms
  webnic.ssl.certificate_host_settings:
    variable: site_webroot
    hosts: "{{ groups['web'] }}"
  register: resolved
  run_once: true
"""

RETURN = r"""
settings:
  description: The resolved value per host name.
  returned: success
  type: dict
  sample: {"web3": "/srv/web3/www"}
changed_reasons:
  description: Why the task changed something. Always empty, as this module only reads.
  returned: always
  type: list
  elements: str
  sample: []
"""
