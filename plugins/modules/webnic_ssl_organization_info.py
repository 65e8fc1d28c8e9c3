#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: webnic_ssl_organization_info
short_description: Read WebNIC organizations and their validation status
version_added: 0.1.0
description:
  - Reads one organization by O(organization_id), the organizations named O(organization_name), or all
    organizations of the account, each with its validation status (NOT_SUBMITTED, PENDING, VALIDATED or
    REJECTED and the CA's reason).
  - RV(organizations[].ready) tells whether OV/EV certificates can be ordered for an organization now.
  - This module never changes anything.
author:
  - webnic.ssl contributors (@webnic-community)
extends_documentation_fragment:
  - webnic.ssl.webnic
  - webnic.ssl.webnic.attributes
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
    details: This module only reads; it behaves the same in check mode.
  diff_mode:
    description:
      - Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: N/A
    details: This module does not change anything.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
    support: full
options:
  organization_id:
    description:
      - Id of the organization to read. An unknown id fails the task.
      - Mutually exclusive with O(organization_name).
    type: str
  organization_name:
    description:
      - Name of the organizations to list; matched exactly, case-insensitively, unless O(substring=true).
      - Without O(organization_id) and O(organization_name) all organizations of the account are listed.
    type: str
  substring:
    description:
      - Match O(organization_name) as a substring instead of the whole name.
    type: bool
    default: false
  validation_status:
    description:
      - Only list organizations with this validation status.
    type: str
    choices: [NOT_SUBMITTED, PENDING, VALIDATED, REJECTED]
seealso:
  - module: webnic.ssl.webnic_ssl_organization
"""

EXAMPLES = r"""
- name: Is our organization validated yet?
  webnic.ssl.webnic_ssl_organization_info:
    organization_id: ORG50001
  register: org

- name: Stop before ordering when it is not
  ansible.builtin.assert:
    that: org.organizations[0].ready
    fail_msg: >-
      {{ org.organizations[0].organization_id }} is {{ org.organizations[0].validation_status }}
      {{ org.organizations[0].validation_reason or '' }}

- name: All validated organizations of the account
  webnic.ssl.webnic_ssl_organization_info:
    validation_status: VALIDATED
  register: validated
"""

RETURN = r"""
organizations:
  description: The organizations found, newest first as WebNIC lists them.
  returned: success
  type: list
  elements: dict
  contains:
    organization_id:
      description: Id of the organization.
      type: str
      returned: success
      sample: ORG50001
    organization_name:
      description: Name of the organization.
      type: str
      returned: success
      sample: Example Sdn Bhd
    country_code:
      description: Country of the organization.
      type: str
      returned: success
      sample: MY
    contact_id:
      description: Id of the organization's contact, when it has one.
      type: str
      returned: success
      sample: SSL10618T
    validation_status:
      description: C(NOT_SUBMITTED), C(PENDING), C(VALIDATED) or C(REJECTED).
      type: str
      returned: success
      sample: VALIDATED
    validation_reason:
      description: The CA's reason for a rejection, when WebNIC gives one.
      type: str
      returned: success
    ready:
      description: Whether OV/EV certificates can be ordered for it now.
      type: bool
      returned: success
      sample: true
    raw:
      description: The organization object as WebNIC returns it.
      type: dict
      returned: success
api_calls:
  description: HTTP requests sent to WebNIC by this task (token minting included).
  returned: always
  type: int
  sample: 2
changed_reasons:
  description: Why the task changed something. Always empty, as this module only reads.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.webnic.ssl.plugins.module_utils._webnic.contacts import normalise_text
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.organizations import (
    VALIDATED,
    contact_id_of_organization,
    organization_id_of,
    organization_info,
    parse_validation,
    search_organizations,
    validation_status,
)


def describe(client, item):
    """Curated view of one organization; reads the validation status only when the object lacks it."""
    org_id = organization_id_of(item)
    if any(key in item for key in ("validationStatus", "status")):
        status, reason, _raw = parse_validation(item)
    else:
        status, reason, _raw = validation_status(client, org_id)
    return {
        "organization_id": org_id,
        "organization_name": item.get("organizationName"),
        "country_code": item.get("countryCode"),
        "contact_id": contact_id_of_organization(item),
        "validation_status": status,
        "validation_reason": reason,
        "ready": status == VALIDATED,
        "raw": item,
    }


def run(module):
    params = module.params
    client = module.client
    if params["organization_id"]:
        item = organization_info(client, params["organization_id"])
        if item is None:
            module.fail_field(
                "organization_id",
                "WebNIC has no organization %s" % params["organization_id"],
                "List the account's organizations by leaving organization_id out",
            )
        items = [item]
    else:
        name = normalise_text(params["organization_name"])
        items = search_organizations(client, name or None)
        if name and not params["substring"]:
            items = [i for i in items if normalise_text(i.get("organizationName")).casefold() == name.casefold()]
    organizations = [describe(client, item) for item in items]
    if params["validation_status"]:
        organizations = [o for o in organizations if o["validation_status"] == params["validation_status"]]
    return {"changed": False, "organizations": organizations}


def main():
    module = WebNICModule(
        argument_spec=dict(
            organization_id=dict(type="str"),
            organization_name=dict(type="str"),
            substring=dict(type="bool", default=False),
            validation_status=dict(type="str", choices=["NOT_SUBMITTED", "PENDING", "VALIDATED", "REJECTED"]),
        ),
        mutually_exclusive=[("organization_id", "organization_name")],
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
