#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: webnic_ssl_contact
short_description: Create, find or delete the administrator and technical contacts of WebNIC OV/EV orders
version_added: 0.1.0
description:
  - Makes sure WebNIC holds an administrator contact and a technical contact with the given details
    and returns their contact ids, for M(webnic.ssl.webnic_ssl_order) (C(administrator_contact_id),
    C(technical_contact_id)) and M(webnic.ssl.webnic_ssl_organization) (C(contact_id)).
  - Input is checked before any call (mandatory fields, the ISO 3166-1 alpha-2 country code, the
    e-mail address, phone numbers, which are converted to WebNIC's V(+CC.number) form). A failure
    names the option, for example C(administrator.country_code).
  - With O(state=absent) the contacts are deleted. WebNIC refuses to delete a contact that a live
    order uses.
author:
  - webnic.ssl contributors (@webnic-community)
extends_documentation_fragment:
  - webnic.ssl.webnic
  - webnic.ssl.webnic.attributes
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
    details: Reads the contacts it knows and reports what would be created or deleted; sends no write call.
  diff_mode:
    description:
      - Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: full
    details: The diff shows the contact ids and details per role before and after.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
    support: full
    details:
      - A contact is identified by its role and its normalised details (see the notes). A rerun with the same
        details finds the contact created before and creates nothing, as long as the contact cache is kept
        or the contact ids are given.
notes:
  - B(Contact identity.) WebNIC has no contact search, so a contact cannot be found by its details on the
    server. This module identifies a contact by its role plus a SHA-256 fingerprint of its normalised details
    (whitespace collapsed, country code upper-case, e-mail domain lower-case, phone numbers in V(+CC.number)
    form). Two requests that differ only in spelling of that kind are the same contact.
  - After creating contacts, the module records C(fingerprint -> contact id) in a small JSON file (mode 0600)
    per API URL and username under O(cache_dir). A rerun looks the fingerprint up there and then reads
    that contact with Get Contact Info; it reuses it only when it still exists and still has the same details,
    otherwise it creates a new one and replaces the entry. The cache is a hint, never trusted alone.
  - The cache lives where the module runs (usually the controller). Where that is throwaway (AWX/AAP
    execution environments, CI), keep the returned ids (in inventory or a vault) and pass them as
    O(administrator_contact_id) and O(technical_contact_id); the module then reads and compares those
    contacts and creates nothing. With both an id and details, details that differ make the module fail,
    because WebNIC contacts cannot be changed; drop the id to create a new contact instead.
  - O(state=absent) deletes the contacts given by id, or those the cache knows for the given details.
options:
  state:
    description:
      - V(present) makes sure the contacts exist and returns their ids; V(absent) deletes them.
    type: str
    choices: [present, absent]
    default: present
  administrator:
    description:
      - Details of the administrator contact.
      - Required with O(state=present) unless O(administrator_contact_id) is given.
    type: dict
    suboptions:
      company:
        description:
          - Company or organization the person works for.
        type: str
      first_name:
        description:
          - Given name. Mandatory.
        type: str
      last_name:
        description:
          - Family name. Mandatory.
        type: str
      address1:
        description:
          - First address line. Mandatory.
        type: str
      address2:
        description:
          - Second address line.
        type: str
      city:
        description:
          - City. Mandatory.
        type: str
      province:
        description:
          - State or province (WebNIC's C(state) field).
        type: str
      country_code:
        description:
          - ISO 3166-1 alpha-2 country code, for example V(MY), V(SG) or V(GB). Mandatory.
          - Checked locally against the ISO list; it is stored upper-case.
        type: str
      zip:
        description:
          - Postal code.
        type: str
      phone_number:
        description:
          - Phone number with its country calling code. Mandatory.
          - WebNIC wants V(+CC.number); common forms are converted, such as V(+60 3-1234 5678), V(+60312345678),
            V(0060 3 1234 5678), V((+60\) 3 1234 5678), V(+44 (0\)20 7946 0000).
          - A number without a country calling code is refused, not guessed.
        type: str
      fax_number:
        description:
          - Fax number, in the same forms as the phone number.
        type: str
      email:
        description:
          - E-mail address. Mandatory; checked locally.
        type: str
  technical:
    description:
      - Details of the technical contact.
      - When neither this nor O(technical_contact_id) is given, the technical contact gets the details of
        O(administrator).
    type: dict
    suboptions:
      company:
        description:
          - Company or organization the person works for.
        type: str
      first_name:
        description:
          - Given name. Mandatory.
        type: str
      last_name:
        description:
          - Family name. Mandatory.
        type: str
      address1:
        description:
          - First address line. Mandatory.
        type: str
      address2:
        description:
          - Second address line.
        type: str
      city:
        description:
          - City. Mandatory.
        type: str
      province:
        description:
          - State or province (WebNIC's C(state) field).
        type: str
      country_code:
        description:
          - ISO 3166-1 alpha-2 country code, for example V(MY), V(SG) or V(GB). Mandatory.
          - Checked locally against the ISO list; it is stored upper-case.
        type: str
      zip:
        description:
          - Postal code.
        type: str
      phone_number:
        description:
          - Phone number with its country calling code. Mandatory.
          - WebNIC wants V(+CC.number); common forms are converted, such as V(+60 3-1234 5678), V(+60312345678),
            V(0060 3 1234 5678), V((+60\) 3 1234 5678), V(+44 (0\)20 7946 0000).
          - A number without a country calling code is refused, not guessed.
        type: str
      fax_number:
        description:
          - Fax number, in the same forms as the phone number.
        type: str
      email:
        description:
          - E-mail address. Mandatory; checked locally.
        type: str
  administrator_contact_id:
    description:
      - Id of an existing administrator contact, for example V(SSL10618T). It is read (and compared with
        O(administrator) when that is given) instead of being looked up by its details.
    type: str
  technical_contact_id:
    description:
      - Id of an existing technical contact, as O(administrator_contact_id).
    type: str
  cache_dir:
    description:
      - Directory of the contact cache (see the notes). Falls back to E(WEBNIC_CONTACT_CACHE_DIR), then to
        C(~/.cache/webnic.ssl/contacts).
    type: path
seealso:
  - module: webnic.ssl.webnic_ssl_order
  - module: webnic.ssl.webnic_ssl_organization
"""

EXAMPLES = r"""
- name: Administrator and technical contact (the same person)
  webnic.ssl.webnic_ssl_contact:
    administrator:
      company: Example Sdn Bhd
      first_name: Aminah
      last_name: Rahman
      address1: Level 10, Menara Example
      city: Kuala Lumpur
      province: Wilayah Persekutuan
      country_code: MY
      zip: "50450"
      phone_number: "+60 3-1234 5678"
      email: aminah@example.com
  register: contacts

- name: Order an OV certificate with those contacts
  webnic.ssl.webnic_ssl_order:
    product_key: geotrust-truebusinessid
    common_name: www.example.com
    administrator_contact_id: "{{ contacts.administrator_contact_id }}"
    technical_contact_id: "{{ contacts.technical_contact_id }}"
    organization_id: "{{ organization.organization_id }}"

- name: Different technical contact; ids kept in inventory for throwaway controllers
  webnic.ssl.webnic_ssl_contact:
    administrator_contact_id: "{{ webnic_admin_contact_id }}"
    technical:
      first_name: Lee
      last_name: Wong
      address1: 1 Example Road
      city: Singapore
      country_code: SG
      zip: "018989"
      phone_number: "+65 6123 4567"
      email: noc@example.com

- name: Delete contacts no order uses any more
  webnic.ssl.webnic_ssl_contact:
    state: absent
    administrator_contact_id: SSL10618T
    technical_contact_id: SSL10619T
"""

RETURN = r"""
administrator_contact_id:
  description:
    - Id of the administrator contact.
    - V(null) in check mode when it would be created, and after O(state=absent).
  returned: success
  type: str
  sample: SSL10618T
technical_contact_id:
  description:
    - Id of the technical contact.
    - V(null) in check mode when it would be created, and after O(state=absent).
  returned: success
  type: str
  sample: SSL10619T
contacts:
  description:
    - Per role (C(administrator), C(technical)) what the module decided.
  returned: success
  type: dict
  sample:
    administrator:
      contact_id: SSL10618T
      source: cache
      fingerprint: 0f3c9d5e2b7a4c1d8e6f0a9b3c2d1e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d
      details: {first_name: Aminah, last_name: Rahman, country_code: MY, phone_number: "+60.312345678"}
  contains:
    contact_id:
      description: The contact id (V(null) when not created yet in check mode, or deleted).
      type: str
      returned: success
    source:
      description:
        - Where the id came from. V(given) (an id option), V(cache) (found through the contact cache and
          verified), V(created), V(would_create) (check mode), V(deleted), V(would_delete), V(absent).
      type: str
      returned: success
    fingerprint:
      description: Identity of the details (SHA-256); null when only an id was given.
      type: str
      returned: success
    details:
      description: The normalised details, with the option names of O(administrator).
      type: dict
      returned: success
changed_reasons:
  description: Why the task changed something, or would in check mode.
  returned: always
  type: list
  elements: str
  sample: ["administrator: created contact SSL10618T", "technical: created contact SSL10619T"]
raw:
  description: Per role, the contact object of WebNIC's Get Contact Info (empty for contacts not read).
  returned: success
  type: dict
api_calls:
  description: HTTP requests sent to WebNIC by this task (token minting included).
  returned: always
  type: int
  sample: 3
"""

import os

from ansible_collections.webnic.ssl.plugins.module_utils._webnic.contact_plan import (
    ContactPlan,
    check_request,
    wanted_details,
)
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.contacts import (
    CONTACT_FIELDS,
    ContactCache,
    created_ids,
    to_api,
)
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule

CONTACT_OPTIONS = {option: dict(type="str") for option, _api in CONTACT_FIELDS}


def open_cache(module):
    directory = module.params["cache_dir"] or os.environ.get("WEBNIC_CONTACT_CACHE_DIR")
    return ContactCache(directory, module.api_base_url, module.params["api_username"] or "")


def create(module, plan, to_create):
    """One Create Contact for every role to create (nothing sent in check mode)."""
    if module.check_mode:
        plan.created(to_create, None)
        return
    body = {role: to_api(wanted) for role, (_key, wanted) in to_create.items()}
    data = module.client.call("contact_create", body=body)
    ids = created_ids(data)
    missing = [role for role in to_create if role not in ids]
    if missing:
        module.fail_json(
            msg="WebNIC Create Contact answered without an id for %s: %r" % (", ".join(missing), data),
            changed=True,
            created=ids,
        )
    plan.created(to_create, ids)


def delete(module, plan, details):
    """Delete Contact for each contact the task names that WebNIC still has (nothing sent in check mode)."""
    for contact_id, roles in plan.absent_targets(module.params, details).items():
        actual = plan.check_target(contact_id, roles, details)
        if actual is None:
            continue
        if not module.check_mode:
            module.client.call("contact_delete", path={"contactId": contact_id})
        plan.deleted(contact_id, roles, actual, done=not module.check_mode)


def run(module):
    params = module.params
    details = wanted_details(params)
    check_request(params, details)
    plan = ContactPlan(module.client, lambda: open_cache(module), module.check_mode)
    if params["state"] == "present":
        to_create = plan.plan_present(params, details)
        if to_create:
            create(module, plan, to_create)
    else:
        delete(module, plan, details)
    result = plan.result()
    if module._diff:
        result["diff"] = {"before": plan.before, "after": plan.after}
    return result


def main():
    module = WebNICModule(
        argument_spec=dict(
            state=dict(type="str", default="present", choices=["present", "absent"]),
            administrator=dict(type="dict", options=dict(CONTACT_OPTIONS)),
            technical=dict(type="dict", options=dict(CONTACT_OPTIONS)),
            administrator_contact_id=dict(type="str"),
            technical_contact_id=dict(type="str"),
            cache_dir=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
