#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: webnic_dns_zone_info
short_description: List the DNS zones hosted on the WebNIC account, or check that one is
version_added: 0.1.0
description:
  - Lists the zones of the account's WebNIC DNS hosting (List Zones, one read call).
  - With O(zone), says whether that zone is hosted (RV(hosted)); with O(fail_when_not_hosted=true) the
    task fails naming the zone. DNS domain validation can only publish its records in a hosted zone, so
    the C(webnic.ssl.certificate) role runs this before it places an order that validates by DNS.
author:
  - webnic.ssl contributors (@webnic-community)
extends_documentation_fragment:
  - webnic.ssl.webnic
  - webnic.ssl.webnic.attributes
  - webnic.ssl.webnic.info_module
options:
  zone:
    description:
      - The zone to look for, for example V(example.com). Omit to list every zone.
    type: str
  fail_when_not_hosted:
    description:
      - Fail when O(zone) is not hosted on the account.
    type: bool
    default: false
seealso:
  - module: webnic.ssl.webnic_dns_record
  - module: webnic.ssl.webnic_ssl_dcv
"""

EXAMPLES = r"""
- name: Make sure the zone of the DNS validation records is hosted on WebNIC before ordering
  webnic.ssl.webnic_dns_zone_info:
    zone: example.com
    fail_when_not_hosted: true

- name: List the hosted zones
  webnic.ssl.webnic_dns_zone_info:
  register: hosted

- name: Show them
  ansible.builtin.debug:
    msg: "{{ hosted.zones }}"
"""

RETURN = r"""
zones:
  description: The hosted zones (only O(zone) when it was given and is hosted).
  returned: success
  type: list
  elements: str
  sample: [example.com]
hosted:
  description: Whether O(zone) is hosted on the account.
  returned: when O(zone) is set
  type: bool
  sample: true
api_calls:
  description: HTTP requests sent to WebNIC by this task (token minting included).
  returned: always
  type: int
raw:
  description: WebNIC's answer (the C(data) of List Zones).
  returned: success
  type: raw
changed_reasons:
  description: Why the task changed something. Always empty, as this module only reads.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.webnic.ssl.plugins.module_utils._webnic.dns import (
    FieldProblem,
    hosted_zone_names,
    normalize_zone,
)
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule


def run(module):
    wanted = None
    if module.params["zone"]:
        try:
            wanted = normalize_zone(module.params["zone"])
        except FieldProblem as exc:
            module.fail_field(exc.field, exc.problem, exc.fix)
    data = module.client.call("dns_zones", query={"zone": wanted} if wanted else None)
    zones = hosted_zone_names(data)
    result = {"changed": False, "zones": zones, "raw": data}
    if wanted is None:
        return result
    # The filter is a search on WebNIC's side: compare exactly here.
    result["hosted"] = wanted in zones
    result["zones"] = [wanted] if result["hosted"] else []
    if module.params["fail_when_not_hosted"] and not result["hosted"]:
        module.fail_field(
            "zone",
            "zone %s is not hosted on this WebNIC account" % wanted,
            "Host the zone at WebNIC DNS, set dns_zone to the hosted zone that holds the names, "
            "or validate by file or e-mail",
            hosted=False,
            zones=[],
            api_calls=module.api_calls,
        )
    return result


def main():
    module = WebNICModule(
        argument_spec=dict(
            zone=dict(type="str"),
            fail_when_not_hosted=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
