#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: webnic_ssl_organization
short_description: Create a WebNIC organization for OV/EV certificates and get it validated
version_added: 0.1.0
description:
  - Makes sure the WebNIC account holds an organization, sets its contact, submits it for
    validation and, with O(wait=true), waits until the CA has validated it.
  - OV and EV certificates can only be ordered for a VALIDATED organization. Pass the returned
    RV(organization_id) to M(webnic.ssl.webnic_ssl_order).
  - An existing organization is found by O(organization_id), or by searching the account for
    O(organization_name) (exact match, case-insensitive, same O(country_code) and O(duns) when both
    sides have them). The search is a substring search, so the exact match is checked here; when
    several organizations match, the module fails and lists them.
  - WebNIC cannot change an organization's details after it was created, only its contact; details
    that differ are reported as a warning and in RV(differences).
author:
  - webnic.ssl contributors (@webnic-community)
extends_documentation_fragment:
  - webnic.ssl.webnic
  - webnic.ssl.webnic.attributes
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
    details:
      - Reads the organization and its validation status and reports what would be created, updated or
        submitted; sends no write call and does not wait.
  diff_mode:
    description:
      - Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: full
    details: The diff shows the organization id, contact and validation status before and after.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
    support: full
    details:
      - A rerun finds the organization by id or name and changes nothing. A REJECTED organization is only
        submitted again with O(resubmit=true).
options:
  state:
    description:
      - V(present) makes sure the organization exists with the contact O(contact_id).
      - V(validated) also submits it for validation when it was never submitted, and reports the
        validation status; with O(wait=true) it waits for the CA's decision and fails unless it is VALIDATED.
    type: str
    choices: [present, validated]
    default: present
  organization_id:
    description:
      - Id of an existing organization, for example V(ORG50001). Without it the organization is
        searched for by O(organization_name).
    type: str
  organization_name:
    description:
      - Legal name of the organization, as in the company register.
      - Required unless O(organization_id) is given; mandatory to create one.
    type: str
  duns:
    description:
      - D-U-N-S number of the organization.
    type: str
  address1:
    description:
      - First address line. Mandatory to create an organization.
    type: str
  address2:
    description:
      - Second address line.
    type: str
  city:
    description:
      - City. Mandatory to create an organization.
    type: str
  province:
    description:
      - State or province (WebNIC's C(state) field).
    type: str
  country_code:
    description:
      - ISO 3166-1 alpha-2 country code, for example V(MY). Mandatory to create an organization; checked locally.
    type: str
  zip:
    description:
      - Postal code.
    type: str
  phone_number:
    description:
      - Phone number with its country calling code. Mandatory to create an organization.
      - Converted to WebNIC's V(+CC.number) form, as the contact module does (V(+60 3-1234 5678) becomes
        V(+60.312345678)); a number without a country calling code is refused.
    type: str
  contact_id:
    description:
      - Id of the organization's contact, usually RV(webnic.ssl.webnic_ssl_contact#module:administrator_contact_id).
      - WebNIC needs it before the organization can be submitted for validation. When an existing
        organization has another contact, it is updated (Update Organization Contact).
    type: str
  resubmit:
    description:
      - With O(state=validated), submit a REJECTED organization again (after its contact was corrected).
      - When V(false), a REJECTED organization makes the module fail with the rejection reason.
    type: bool
    default: false
  wait:
    description:
      - With O(state=validated), wait until the validation is no longer PENDING; fail when it ends REJECTED or
        O(wait_timeout) passes.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true).
    type: int
    default: 1800
  wait_interval:
    description:
      - Seconds between two status reads while waiting.
    type: float
    default: 30
notes:
  - Organization validation is done by people at the CA and can take days. Rather than one long O(wait),
    run the play again later; O(state=validated) without O(wait) submits once and reports the status.
seealso:
  - module: webnic.ssl.webnic_ssl_organization_info
  - module: webnic.ssl.webnic_ssl_contact
  - module: webnic.ssl.webnic_ssl_order
"""

EXAMPLES = r"""
- name: Contacts for the organization and the orders
  webnic.ssl.webnic_ssl_contact:
    administrator:
      company: Example Sdn Bhd
      first_name: Aminah
      last_name: Rahman
      address1: Level 10, Menara Example
      city: Kuala Lumpur
      country_code: MY
      zip: "50450"
      phone_number: "+60 3-1234 5678"
      email: aminah@example.com
  register: contacts

- name: Organization, submitted for validation, waited for
  webnic.ssl.webnic_ssl_organization:
    state: validated
    organization_name: Example Sdn Bhd
    address1: Level 10, Menara Example
    city: Kuala Lumpur
    province: Wilayah Persekutuan
    country_code: MY
    zip: "50450"
    phone_number: "+60 3-1234 5678"
    contact_id: "{{ contacts.administrator_contact_id }}"
    wait: true
    wait_timeout: 3600
  register: organization

- name: Order an OV certificate for it
  webnic.ssl.webnic_ssl_order:
    product_key: geotrust-truebusinessid
    common_name: www.example.com
    organization_id: "{{ organization.organization_id }}"
    administrator_contact_id: "{{ contacts.administrator_contact_id }}"
    technical_contact_id: "{{ contacts.technical_contact_id }}"

- name: Give an existing organization another contact
  webnic.ssl.webnic_ssl_organization:
    organization_id: ORG50001
    contact_id: SSL10620T
"""

RETURN = r"""
organization_id:
  description: Id of the organization; V(null) in check mode when it would be created.
  returned: success
  type: str
  sample: ORG50001
organization:
  description: The organization as WebNIC returns it (Get Organization Info); empty in check mode before creation.
  returned: success
  type: dict
  sample:
    organizationId: ORG50001
    organizationName: Example Sdn Bhd
    countryCode: MY
    phoneNumber: "+60.312345678"
    contactId: SSL10618T
    validationStatus: VALIDATED
validation_status:
  description:
    - C(NOT_SUBMITTED), C(PENDING), C(VALIDATED) or C(REJECTED).
    - In check mode, the status before any submission the module would make.
  returned: success
  type: str
  sample: VALIDATED
validation_reason:
  description: The CA's reason for a rejection (or a note on another status), when WebNIC gives one.
  returned: success
  type: str
  sample: Company registration number does not match the legal name
ready:
  description: Whether OV/EV orders can be placed for this organization now (RV(validation_status=VALIDATED)).
  returned: success
  type: bool
  sample: true
differences:
  description:
    - Details given that differ from the existing organization, which WebNIC cannot change.
      Maps the option name to the given and the current value.
  returned: success
  type: dict
  sample: {"city": {"given": "Kuala Lumpur", "current": "Petaling Jaya"}}
changed_reasons:
  description: Why the task changed something, or would in check mode.
  returned: always
  type: list
  elements: str
  sample: ["created organization ORG50001", "submitted ORG50001 for validation"]
validation:
  description: The C(data) of WebNIC's Get Validation Status answer, when it was read.
  returned: success
  type: dict
  sample:
    organizationId: ORG50001
    validationStatus: PENDING
    reason: null
    dtsubmit: "2026-12-01T00:00:00Z"
api_calls:
  description: HTTP requests sent to WebNIC by this task (token minting included).
  returned: always
  type: int
  sample: 4
"""

import time

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import organizations as orgs
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import FieldProblem
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule


def ensure_exists(module, details, reasons, result):
    """``(org_id, info, before)``: the existing organization (differences warned), else a created one."""
    params, client = module.params, module.client
    org_id, info = orgs.find_organization(client, params["organization_id"], details)
    if info is not None:
        result["differences"] = orgs.detail_differences(details, info)
        if result["differences"]:
            module.warn(orgs.differences_warning(org_id, result["differences"]))
        return org_id, info, {"organization_id": org_id, "contact_id": orgs.contact_id_of_organization(info)}
    body = orgs.create_body(details, params["contact_id"])
    if module.check_mode:
        reasons.append("would create organization %r" % details["organization_name"])
        return None, None, {}
    created = client.call("organization_create", body=body)
    org_id = orgs.organization_id_of(created)
    if not org_id:
        module.fail_json(
            msg="WebNIC Create Organization answered without an organizationId: %r" % (created,), changed=True
        )
    reasons.append("created organization %s" % org_id)
    return org_id, orgs.organization_info(client, org_id) or dict(body, organizationId=org_id), {}


def ensure_contact(module, org_id, info, reasons):
    """``(info, contact id)``; sets O(contact_id) as the contact of an existing organization."""
    # An organization created (or, in check mode, to be created) gets contact_id with Create Organization.
    current = orgs.contact_id_of_organization(info) if info is not None else module.params["contact_id"]
    wanted = module.params["contact_id"]
    if info is None or not wanted or wanted == current:
        return info, current
    change = "set the contact of %s to %s (was %s)" % (org_id, wanted, current)
    reasons.append("would " + change if module.check_mode else change)
    if not module.check_mode:
        path = {"organizationId": org_id}
        updated = module.client.call("organization_contact_update", path=path, body={"contactId": wanted})
        info = updated if isinstance(updated, dict) and updated.get("contactId") else None
        info = info or orgs.organization_info(module.client, org_id)
    return info, wanted


def ensure_validated(module, org, status, reason, reasons, result):
    """state=validated: submit (or resubmit) and wait as asked; ``(status, reason)``."""
    params, org_id = module.params, org["organization_id"]
    if status == orgs.REJECTED and not params["resubmit"]:
        failure = orgs.status_failure(orgs.rejected_message(org_id, reason), org_id, status, reason, reasons)
        module.fail_json(api_calls=module.api_calls, **failure)
    if status in (orgs.NOT_SUBMITTED, orgs.REJECTED):
        if not org["contact_id"]:
            raise FieldProblem(
                "contact_id",
                "organization %s has no contact, and WebNIC needs one before validation" % (org_id or org["name"]),
                "Create one with webnic.ssl.webnic_ssl_contact and pass its administrator_contact_id",
            )
        if module.check_mode:
            reasons.append("would submit %s for validation" % (org_id or "the new organization"))
        else:
            data = module.client.call("organization_validation_submit", path={"organizationId": org_id})
            reasons.append("submitted %s for validation" % org_id)
            status, reason, result["validation"] = orgs.status_after_submit(module.client, org_id, data)
    if params["wait"] and not module.check_mode:
        if status == orgs.PENDING:
            status, reason, result["validation"], _polls = orgs.wait_for_validation(
                module.client, org_id, params["wait_timeout"], interval=params["wait_interval"], sleep=time.sleep
            )
        if status != orgs.VALIDATED:
            message = orgs.not_validated_message(org_id, status, reason, params["wait_timeout"])
            module.fail_json(
                api_calls=module.api_calls, **orgs.status_failure(message, org_id, status, reason, reasons)
            )
    return status, reason


def run(module):
    params = module.params
    orgs.check_options(params)
    details = orgs.wanted_details(params)
    reasons = []
    result = {"differences": {}, "validation": {}}
    org_id, info, before = ensure_exists(module, details, reasons, result)
    info, contact = ensure_contact(module, org_id, info, reasons)
    status, reason, result["validation"] = orgs.current_validation(module.client, org_id, info, params["state"])
    if before:
        before["validation_status"] = status
    if params["state"] == "validated":
        org = {"organization_id": org_id, "contact_id": contact, "name": details.get("organization_name")}
        status, reason = ensure_validated(module, org, status, reason, reasons, result)
        if info is not None and not module.check_mode and reasons:
            info = orgs.organization_info(module.client, org_id) or info
    result.update(changed=bool(reasons), changed_reasons=reasons, organization_id=org_id, organization=info or {})
    result.update(validation_status=status, validation_reason=reason, ready=status == orgs.VALIDATED)
    if module._diff:
        after = {"organization_id": org_id, "contact_id": contact, "validation_status": status}
        result["diff"] = {"before": before, "after": after}
    return result


def main():
    module = WebNICModule(
        argument_spec=dict(
            state=dict(type="str", default="present", choices=["present", "validated"]),
            organization_id=dict(type="str"),
            organization_name=dict(type="str"),
            duns=dict(type="str"),
            address1=dict(type="str"),
            address2=dict(type="str"),
            city=dict(type="str"),
            province=dict(type="str"),
            country_code=dict(type="str"),
            zip=dict(type="str"),
            phone_number=dict(type="str"),
            contact_id=dict(type="str"),
            resubmit=dict(type="bool", default=False),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=1800),
            wait_interval=dict(type="float", default=30.0),
        ),
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
