#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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

from ansible_collections.webnic.ssl.plugins.module_utils._webnic.contacts import (
    ContactFieldError,
    check_country_code,
    normalise_phone,
    normalise_text,
)
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.organizations import (
    NOT_SUBMITTED,
    ORGANIZATION_FIELDS,
    PENDING,
    REJECTED,
    VALIDATED,
    contact_id_of_organization,
    organization_id_of,
    organization_info,
    organization_matches,
    organization_payload,
    parse_validation,
    search_organizations,
    validation_status,
    wait_for_validation,
)

CREATE_REQUIRED = ("organization_name", "address1", "city", "country_code", "phone_number")


def wanted_details(module):
    """Normalised organization details given; fails naming the option."""
    details = {}
    for option, _api in ORGANIZATION_FIELDS:
        value = normalise_text(module.params.get(option))
        if value:
            details[option] = value
    try:
        if "country_code" in details:
            details["country_code"] = check_country_code(details["country_code"])
        if "phone_number" in details:
            details["phone_number"] = normalise_phone(details["phone_number"])
    except ContactFieldError as error:
        module.fail_field(error.field, error.problem, error.fix)
    return details


def find_organization(module, details):
    """(organization_id, info) of the existing organization, or (None, None)."""
    client = module.client
    wanted_id = module.params["organization_id"]
    if wanted_id:
        info = organization_info(client, wanted_id)
        if info is None:
            module.fail_field(
                "organization_id",
                "WebNIC has no organization %s" % wanted_id,
                "Check the id, or drop it and give organization_name to find or create the organization",
            )
        return organization_id_of(info) or wanted_id, info
    wanted = organization_payload(details)
    candidates = [
        item
        for item in search_organizations(client, details["organization_name"])
        if organization_matches(item, wanted)
    ]
    if len(candidates) > 1:
        module.fail_field(
            "organization_name",
            "%d organizations match %r: %s"
            % (
                len(candidates),
                details["organization_name"],
                ", ".join("%s (%s)" % (organization_id_of(c), c.get("validationStatus") or "?") for c in candidates),
            ),
            "Pick one with organization_id",
            candidates=candidates,
        )
    if not candidates:
        return None, None
    found = candidates[0]
    org_id = organization_id_of(found)
    # Search results may be summaries: read the full object.
    return org_id, organization_info(client, org_id) or found


def detail_differences(details, info):
    current = {}
    for option, api in ORGANIZATION_FIELDS:
        value = normalise_text(info.get(api))
        if option == "country_code":
            value = value.upper()
        elif option == "phone_number" and value:
            try:
                value = normalise_phone(value)
            except ContactFieldError:
                pass
        current[option] = value
    differences = {}
    for option, value in details.items():
        if option == "organization_name":
            same = value.casefold() == current[option].casefold()
        else:
            same = value == current[option]
        if not same:
            differences[option] = {"given": value, "current": current[option] or None}
    return differences


def run(module):
    params = module.params
    if not params["organization_id"] and not normalise_text(params["organization_name"]):
        module.fail_field(
            "organization_name", "is required without organization_id", "Give the organization's legal name"
        )
    if params["wait_timeout"] < 0 or params["wait_interval"] <= 0:
        bad = "wait_timeout" if params["wait_timeout"] < 0 else "wait_interval"
        module.fail_field(bad, "must be positive", "Give a number of seconds")
    details = wanted_details(module)
    client = module.client
    check_mode = module.check_mode
    reasons = []
    result = {"differences": {}, "validation": {}}

    org_id, info = find_organization(module, details)
    before = {}
    if info is not None:
        before = {"organization_id": org_id, "contact_id": contact_id_of_organization(info)}
        differences = detail_differences(details, info)
        if differences:
            result["differences"] = differences
            module.warn(
                "Organization %s differs from the details given in %s; WebNIC cannot change them. Create a new "
                "organization (another organization_name) if they must change."
                % (org_id, ", ".join(sorted(differences)))
            )
    else:
        missing = [option for option in CREATE_REQUIRED if option not in details]
        if missing:
            module.fail_field(
                missing[0],
                "is required to create organization %r" % details.get("organization_name"),
                "Organizations need %s" % ", ".join(CREATE_REQUIRED),
            )
        body = organization_payload(details)
        if params["contact_id"]:
            body["contactId"] = params["contact_id"]
        if check_mode:
            reasons.append("would create organization %r" % details["organization_name"])
        else:
            created = client.call("organization_create", body=body)
            org_id = organization_id_of(created)
            if not org_id:
                module.fail_json(
                    msg="WebNIC Create Organization answered without an organizationId: %r" % (created,), changed=True
                )
            reasons.append("created organization %s" % org_id)
            info = organization_info(client, org_id) or dict(body, organizationId=org_id)

    # Contact
    # An organization created (or, in check mode, to be created) gets contact_id with Create Organization.
    current_contact = contact_id_of_organization(info) if info is not None else params["contact_id"]
    wanted_contact = params["contact_id"]
    if info is not None and wanted_contact and wanted_contact != current_contact:
        if check_mode:
            reasons.append("would set the contact of %s to %s (was %s)" % (org_id, wanted_contact, current_contact))
        else:
            updated = client.call(
                "organization_contact_update", path={"organizationId": org_id}, body={"contactId": wanted_contact}
            )
            reasons.append("set the contact of %s to %s (was %s)" % (org_id, wanted_contact, current_contact))
            info = (
                updated if isinstance(updated, dict) and updated.get("contactId") else organization_info(client, org_id)
            )
        current_contact = wanted_contact

    # Validation
    if info is None:  # check mode, organization not created yet
        status, reason = NOT_SUBMITTED, None
    elif params["state"] == "validated":
        status, reason, result["validation"] = validation_status(client, org_id)
    else:
        status, reason, _raw = parse_validation(info)
        if status == NOT_SUBMITTED and not any(k in info for k in ("validationStatus", "status")):
            status, reason, result["validation"] = validation_status(client, org_id)

    if before:
        before["validation_status"] = status
    if params["state"] == "validated":
        submit = status == NOT_SUBMITTED or (status == REJECTED and params["resubmit"])
        if status == REJECTED and not params["resubmit"]:
            module.fail_json(
                msg="Organization %s was REJECTED by the CA%s. Correct what the reason says (the contact can be "
                "changed with contact_id), then run again with resubmit=true, or create a new organization."
                % (org_id, ": %s" % reason if reason else ""),
                changed=bool(reasons),
                changed_reasons=reasons,
                organization_id=org_id,
                validation_status=status,
                validation_reason=reason,
                api_calls=module.api_calls,
            )
        if submit:
            if not current_contact:
                module.fail_field(
                    "contact_id",
                    "organization %s has no contact, and WebNIC needs one before validation"
                    % (org_id or details.get("organization_name")),
                    "Create one with webnic.ssl.webnic_ssl_contact and pass its administrator_contact_id",
                )
            if check_mode:
                reasons.append("would submit %s for validation" % (org_id or "the new organization"))
            else:
                data = client.call("organization_validation_submit", path={"organizationId": org_id})
                reasons.append("submitted %s for validation" % org_id)
                status, reason, result["validation"] = (
                    parse_validation(data) if data else validation_status(client, org_id)
                )
                if status == NOT_SUBMITTED:
                    status = PENDING
        if params["wait"] and status == PENDING and not check_mode:
            status, reason, result["validation"], _polls = wait_for_validation(
                client, org_id, params["wait_timeout"], interval=params["wait_interval"], sleep=time.sleep
            )
        if params["wait"] and not check_mode and status != VALIDATED:
            module.fail_json(
                msg="Organization %s is %s%s%s. OV/EV orders need it VALIDATED."
                % (
                    org_id,
                    status,
                    " after waiting %ss" % params["wait_timeout"] if status == PENDING else "",
                    ": %s" % reason if reason else "",
                )
                + (
                    " Run again later (validation by the CA can take days), or raise wait_timeout."
                    if status == PENDING
                    else " Correct the organization or its contact and run again with resubmit=true."
                ),
                changed=bool(reasons),
                changed_reasons=reasons,
                organization_id=org_id,
                validation_status=status,
                validation_reason=reason,
                api_calls=module.api_calls,
            )
        if info is not None and not check_mode and reasons:
            info = organization_info(client, org_id) or info

    after = {"organization_id": org_id, "contact_id": current_contact, "validation_status": status}
    result.update(
        {
            "changed": bool(reasons),
            "changed_reasons": reasons,
            "organization_id": org_id,
            "organization": info or {},
            "validation_status": status,
            "validation_reason": reason,
            "ready": status == VALIDATED,
        }
    )
    if module._diff:
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
