#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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

from ansible_collections.webnic.ssl.plugins.module_utils._webnic.contacts import (
    CONTACT_FIELDS,
    ROLES,
    ContactCache,
    ContactFieldError,
    contact_differences,
    created_ids,
    fingerprint,
    from_api,
    normalise_contact,
    to_api,
)
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.errors import ApiError
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule

CONTACT_OPTIONS = {option: dict(type="str") for option, _api in CONTACT_FIELDS}


def _not_found(error):
    text = ("%s %s" % (error.api_message or "", error.message)).lower()
    return error.status in (400, 404) and ("not found" in text or "does not exist" in text)


#: read_contact's answer when the contact could not be read back (the path is missing).
CONTACT_NOT_VERIFIED = {"_not_verified": True}


def read_contact(client, contact_id):
    """Get Contact Info, or None when WebNIC does not know the id."""
    try:
        return client.call("contact_info", query={"contactId": contact_id}) or None
    except ApiError as error:
        if error.status in (404, 405, 501):
            # Get Contact Info is an assumed path: a missing path must not read as "no such contact"
            # (that would create a new one on every run). The recorded contact is trusted instead.
            client.note_skipped("contact_info", error.status, "re-reading the recorded contact before reusing it")
            return CONTACT_NOT_VERIFIED
        if _not_found(error):
            return None
        raise


def wanted_details(module):
    """``{role: normalised details}`` of the roles whose details were given; fails naming the field."""
    params = module.params
    given = {}
    for role in ROLES:
        if params[role] is not None:
            given[role] = params[role]
    if "technical" not in given and "administrator" in given and not params["technical_contact_id"]:
        given["technical"] = given["administrator"]
    details = {}
    for role, values in given.items():
        try:
            details[role] = normalise_contact(values, role)
        except ContactFieldError as error:
            module.fail_field(error.field, error.problem, error.fix)
    return details


class ContactRun:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.reasons = []
        self.contacts = {}
        self.raw = {}
        self.before = {}
        self.after = {}
        self._cache = None

    @property
    def cache(self):
        if self._cache is None:
            directory = self.params["cache_dir"] or os.environ.get("WEBNIC_CONTACT_CACHE_DIR")
            self._cache = ContactCache(directory, self.module.api_base_url, self.params["api_username"] or "")
        return self._cache

    @staticmethod
    def key(role, details):
        return fingerprint({role: details})

    def record(self, role, contact_id, source, details, key=None):
        self.contacts[role] = {"contact_id": contact_id, "source": source, "fingerprint": key, "details": details}

    # ------------------------------------------------------------------ present

    def present(self, details):
        client = self.module.client
        to_create = {}
        for role in ROLES:
            contact_id = self.params["%s_contact_id" % role]
            wanted = details.get(role)
            if contact_id:
                self.use_given(client, role, contact_id, wanted)
                continue
            if wanted is None:
                continue
            key = self.key(role, wanted)
            found = self.find_cached(client, role, key, wanted)
            if found:
                self.record(role, found, "cache", wanted, key)
                self.before[role] = self.after[role] = {"contact_id": found, "details": wanted}
            else:
                to_create[role] = (key, wanted)
        if to_create:
            self.create(client, to_create)

    def use_given(self, client, role, contact_id, wanted):
        data = read_contact(client, contact_id)
        option = "%s_contact_id" % role
        if data is None:
            self.module.fail_field(
                option,
                "WebNIC has no contact %s" % contact_id,
                "Check the id, or drop it and give %s details to create the contact" % role,
            )
        if data is CONTACT_NOT_VERIFIED:
            return
        actual = from_api(data)
        self.raw[role] = data
        if wanted is not None:
            differences = contact_differences(wanted, actual)
            if differences:
                self.module.fail_field(
                    role,
                    "contact %s differs from the details given in %s" % (contact_id, ", ".join(differences)),
                    "WebNIC contacts cannot be changed: drop %s to create a new contact with these details, "
                    "or make the details match" % option,
                    differences={f: {"given": wanted.get(f), "current": actual.get(f)} for f in differences},
                )
        self.record(role, contact_id, "given", actual, self.key(role, actual))
        self.before[role] = self.after[role] = {"contact_id": contact_id, "details": actual}

    def find_cached(self, client, role, key, wanted):
        """The id cached for ``key`` when WebNIC still has that contact with the same details."""
        contact_id = self.cache.get(key)
        if not contact_id:
            return None
        data = read_contact(client, contact_id)
        if data is CONTACT_NOT_VERIFIED:
            return contact_id
        if data is None or contact_differences(wanted, from_api(data)):
            # Deleted or changed outside this module: forget it (not in check mode) and create anew.
            self.reasons.append(
                "%s: cached contact %s %s" % (role, contact_id, "no longer exists" if data is None else "changed")
            )
            if not self.module.check_mode:
                self.cache.remove([key])
            return None
        self.raw[role] = data
        return contact_id

    def create(self, client, to_create):
        self.before.update({role: {} for role in to_create})
        if self.module.check_mode:
            for role, (key, wanted) in to_create.items():
                self.record(role, None, "would_create", wanted, key)
                self.reasons.append("%s: would create a contact" % role)
                self.after[role] = {"contact_id": None, "details": wanted}
            return
        body = {role: to_api(wanted) for role, (_key, wanted) in to_create.items()}
        data = client.call("contact_create", body=body)
        ids = created_ids(data)
        missing = [role for role in to_create if role not in ids]
        if missing:
            self.module.fail_json(
                msg="WebNIC Create Contact answered without an id for %s: %r" % (", ".join(missing), data),
                changed=True,
                created=ids,
            )
        for role, (key, wanted) in to_create.items():
            contact_id = ids[role]
            self.cache.put(key, contact_id)
            self.record(role, contact_id, "created", wanted, key)
            self.reasons.append("%s: created contact %s" % (role, contact_id))
            self.after[role] = {"contact_id": contact_id, "details": wanted}

    # ------------------------------------------------------------------ absent

    def absent(self, details):
        client = self.module.client
        targets = {}
        for role in ROLES:
            contact_id = self.params["%s_contact_id" % role]
            key = self.key(role, details[role]) if role in details else None
            if not contact_id and key:
                contact_id = self.cache.get(key)
            if contact_id:
                targets.setdefault(contact_id, []).append((role, key))
            elif role in details:
                self.record(role, None, "absent", details[role], key)
        for contact_id, roles in targets.items():
            data = read_contact(client, contact_id)
            keys = [key for _role, key in roles if key]
            if data is None:
                for role, key in roles:
                    self.record(role, None, "absent", details.get(role), key)
                if keys and not self.module.check_mode:
                    self.cache.remove(keys)
                continue
            actual = {} if data is CONTACT_NOT_VERIFIED else from_api(data)
            self.raw[roles[0][0]] = data
            for role, _key in roles:
                self.before[role] = {"contact_id": contact_id, "details": actual}
                self.after[role] = {}
            if self.module.check_mode:
                source = "would_delete"
                self.reasons.append("%s: would delete contact %s" % ("/".join(r for r, _k in roles), contact_id))
            else:
                client.call("contact_delete", path={"contactId": contact_id})
                self.cache.remove(keys + self.cache.find_keys([contact_id]))
                source = "deleted"
                self.reasons.append("%s: deleted contact %s" % ("/".join(r for r, _k in roles), contact_id))
            for role, key in roles:
                self.record(role, None, source, actual, key)


def run(module):
    params = module.params
    details = wanted_details(module)
    if params["state"] == "present" and not (details.get("administrator") or params["administrator_contact_id"]):
        module.fail_field(
            "administrator",
            "is required with state=present",
            "Give the administrator's details, or administrator_contact_id for an existing contact",
        )
    if params["state"] == "absent" and not (
        details or params["administrator_contact_id"] or params["technical_contact_id"]
    ):
        module.fail_field(
            "administrator_contact_id",
            "state=absent needs the contacts to delete",
            "Give administrator_contact_id/technical_contact_id, or the details the contacts were created with",
        )

    job = ContactRun(module)
    if params["state"] == "present":
        job.present(details)
    else:
        job.absent(details)

    ids = {role: (job.contacts.get(role) or {}).get("contact_id") for role in ROLES}
    result = {
        "changed": bool(job.reasons)
        and any(c["source"] in ("created", "would_create", "deleted", "would_delete") for c in job.contacts.values()),
        "changed_reasons": job.reasons,
        "administrator_contact_id": ids["administrator"],
        "technical_contact_id": ids["technical"],
        "contacts": job.contacts,
        "raw": job.raw,
    }
    if module._diff:
        result["diff"] = {"before": job.before, "after": job.after}
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
