#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: certificate_host_state
short_description: Read every certificate of a host in one module run (used by the certificate role)
version_added: 0.1.0
description:
  - For each position of the C(webnic.ssl.certificate) role's certificate list whose inventory group
    holds the host, resolves the role's settings of that certificate with the host's variables, on the
    controller, by the rule of the role's C(webnic.ssl.certificate_settings) filter. The entry is
    templated once, and a role variable only when the entry leaves its key out.
  - Then runs M(webnic.ssl.webnic_ssl_deployed_info) once on the host for all of them.
  - A nightly run where nothing is due thus costs one module run per host, whatever the number of
    certificates.
  - A certificate whose settings cannot be templated for the host, or whose options the module refuses,
    gets an C(error); the others are still read.
  - Reads, never changes anything; calls no API.
author:
  - webnic.ssl contributors (@webnic-community)
attributes:
  action:
    description: The templating is done by the action plugin of the same name, on the controller.
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
    platforms: posix
options:
  count:
    description: The number of entries of the certificate list.
    type: int
    required: true
  entry_variable:
    description: The variable holding the certificate list's entry at position O(index_variable).
    type: str
    required: true
  role_variable:
    description:
      - The variable mapping each entry key to the role variable an entry that leaves the key out takes,
        for example C(product) to the value of C(certificate_product).
    type: str
    required: true
  commands_variable:
    description: The variable mapping each server type to its built-in configuration test command.
    type: str
    required: true
  member_variable:
    description: The variable telling whether the host serves the certificate at position O(index_variable).
    type: str
    required: true
  name_variable:
    description: The variable holding the name of the certificate at position O(index_variable).
    type: str
    required: true
  index_variable:
    description: The variable the entry, member and name variables read the position from.
    type: str
    required: true
  api_endpoint:
    description: The endpoint the certificates should come from (see M(webnic.ssl.webnic_ssl_deployed_info)).
    type: str
seealso:
  - module: webnic.ssl.webnic_ssl_deployed_info
  - module: webnic.ssl.certificate_host_settings
"""

EXAMPLES = r"""
- name: Read every certificate of the host (as the certificate role does)
  webnic.ssl.certificate_host_state:
    count: "{{ certificate_list | length }}"
    entry_variable: __certificate_item
    role_variable: __certificate_role_settings
    commands_variable: __certificate_builtin_test_command
    member_variable: __certificate_member
    name_variable: __certificate_entry_name
    index_variable: certificate_index
    api_endpoint: "{{ certificate_api_endpoint }}"
  register: state
"""

RETURN = r"""
certificates:
  description:
    - Per certificate name, C(index) (its position), C(settings) (the role's settings for this host) and
      C(deployed) (the answer of M(webnic.ssl.webnic_ssl_deployed_info)), or C(error) when it could not be read.
  returned: success
  type: dict
  sample: {"www": {"index": 0, "settings": {"name": "www"}, "deployed": {"due": false, "reasons": []}}}
changed_reasons:
  description: Why the task changed something. Always empty, as this module only reads.
  returned: always
  type: list
  elements: str
  sample: []
"""
