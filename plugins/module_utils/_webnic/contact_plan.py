# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decisions of webnic_ssl_contact: which contacts the task names, which exist, which to create or delete.

Reads only (Get Contact Info and the local contact cache); Create and Delete Contact are sent by the
module, which reports them back (:meth:`ContactPlan.created`, :meth:`ContactPlan.deleted`).
"""

from .contacts import ROLES, contact_differences, fingerprint, from_api, normalise_contact
from .errors import ApiError
from .failures import FieldProblem

#: read_contact's answer when the contact could not be read back (the path is missing).
CONTACT_NOT_VERIFIED = {"_not_verified": True}

#: Contact sources that are a change (created or deleted, or would be in check mode).
CHANGING_SOURCES = ("created", "would_create", "deleted", "would_delete")


def _not_found(error):
    text = ("%s %s" % (error.api_message or "", error.message)).lower()
    return error.status in (400, 404) and ("not found" in text or "does not exist" in text)


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


def wanted_details(params):
    """``{role: normalised details}`` of the roles whose details were given; FieldProblem naming the field."""
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
        except FieldProblem as error:
            raise FieldProblem(error.field, error.problem, error.fix)
    return details


def check_request(params, details):
    """state=present needs an administrator, state=absent something to delete."""
    if params["state"] == "present" and not (details.get("administrator") or params["administrator_contact_id"]):
        raise FieldProblem(
            "administrator",
            "is required with state=present",
            "Give the administrator's details, or administrator_contact_id for an existing contact",
        )
    if params["state"] == "absent" and not (
        details or params["administrator_contact_id"] or params["technical_contact_id"]
    ):
        raise FieldProblem(
            "administrator_contact_id",
            "state=absent needs the contacts to delete",
            "Give administrator_contact_id/technical_contact_id, or the details the contacts were created with",
        )


def contact_key(role, details):
    """The cache key (identity) of a contact: the fingerprint of its role and normalised details."""
    return fingerprint({role: details})


class ContactPlan:
    """What a run found and decided per role: contact, source, reasons, raw answers, diff before/after.

    ``open_cache()`` opens the contact cache (only when a question needs it); ``check_mode`` keeps
    the cache as it is.
    """

    def __init__(self, client, open_cache, check_mode):
        self.client = client
        self._open_cache = open_cache
        self._cache = None
        self.check_mode = check_mode
        self.reasons = []
        self.contacts = {}
        self.raw = {}
        self.before = {}
        self.after = {}

    @property
    def cache(self):
        if self._cache is None:
            self._cache = self._open_cache()
        return self._cache

    def record(self, role, contact_id, source, details, key=None):
        self.contacts[role] = {"contact_id": contact_id, "source": source, "fingerprint": key, "details": details}

    # ------------------------------------------------------------------ present

    def plan_present(self, params, details):
        """Use the given or cached contacts; returns ``{role: (key, details)}`` of the contacts to create."""
        to_create = {}
        for role in ROLES:
            contact_id = params["%s_contact_id" % role]
            wanted = details.get(role)
            if contact_id:
                self.use_given(role, contact_id, wanted)
                continue
            if wanted is None:
                continue
            key = contact_key(role, wanted)
            found = self.find_cached(role, key, wanted)
            if found:
                self.record(role, found, "cache", wanted, key)
                self.before[role] = self.after[role] = {"contact_id": found, "details": wanted}
            else:
                to_create[role] = (key, wanted)
        self.before.update({role: {} for role in to_create})
        return to_create

    def use_given(self, role, contact_id, wanted):
        """A contact given by id must exist and, with details given too, have them (contacts cannot change)."""
        data = read_contact(self.client, contact_id)
        option = "%s_contact_id" % role
        if data is None:
            raise FieldProblem(
                option,
                "WebNIC has no contact %s" % contact_id,
                "Check the id, or drop it and give %s details to create the contact" % role,
            )
        if data is CONTACT_NOT_VERIFIED:
            return
        actual = from_api(data)
        self.raw[role] = data
        differences = contact_differences(wanted, actual) if wanted is not None else []
        if differences:
            raise FieldProblem(
                role,
                "contact %s differs from the details given in %s" % (contact_id, ", ".join(differences)),
                "WebNIC contacts cannot be changed: drop %s to create a new contact with these details, "
                "or make the details match" % option,
                differences={f: {"given": wanted.get(f), "current": actual.get(f)} for f in differences},
            )
        self.record(role, contact_id, "given", actual, contact_key(role, actual))
        self.before[role] = self.after[role] = {"contact_id": contact_id, "details": actual}

    def find_cached(self, role, key, wanted):
        """The id cached for ``key`` when WebNIC still has that contact with the same details."""
        contact_id = self.cache.get(key)
        if not contact_id:
            return None
        data = read_contact(self.client, contact_id)
        if data is CONTACT_NOT_VERIFIED:
            return contact_id
        if data is None or contact_differences(wanted, from_api(data)):
            # Deleted or changed outside this module: forget it (not in check mode) and create anew.
            self.reasons.append(
                "%s: cached contact %s %s" % (role, contact_id, "no longer exists" if data is None else "changed")
            )
            if not self.check_mode:
                self.cache.remove([key])
            return None
        self.raw[role] = data
        return contact_id

    def created(self, to_create, ids):
        """Record the contacts Create Contact made (``ids``: role -> id; None in check mode)."""
        for role, (key, wanted) in to_create.items():
            contact_id = ids[role] if ids is not None else None
            if contact_id is None:
                self.record(role, None, "would_create", wanted, key)
                self.reasons.append("%s: would create a contact" % role)
            else:
                self.cache.put(key, contact_id)
                self.record(role, contact_id, "created", wanted, key)
                self.reasons.append("%s: created contact %s" % (role, contact_id))
            self.after[role] = {"contact_id": contact_id, "details": wanted}

    # ------------------------------------------------------------------ absent

    def absent_targets(self, params, details):
        """``{contact_id: [(role, key)]}`` of the contacts to delete (given by id, else cached for the details)."""
        targets = {}
        for role in ROLES:
            contact_id = params["%s_contact_id" % role]
            key = contact_key(role, details[role]) if role in details else None
            if not contact_id and key:
                contact_id = self.cache.get(key)
            if contact_id:
                targets.setdefault(contact_id, []).append((role, key))
            elif role in details:
                self.record(role, None, "absent", details[role], key)
        return targets

    def check_target(self, contact_id, roles, details):
        """The details of a contact to delete; None when WebNIC has it no more (nothing to delete)."""
        data = read_contact(self.client, contact_id)
        if data is None:
            keys = [key for _role, key in roles if key]
            for role, key in roles:
                self.record(role, None, "absent", details.get(role), key)
            if keys and not self.check_mode:
                self.cache.remove(keys)
            return None
        actual = {} if data is CONTACT_NOT_VERIFIED else from_api(data)
        self.raw[roles[0][0]] = data
        for role, _key in roles:
            self.before[role] = {"contact_id": contact_id, "details": actual}
            self.after[role] = {}
        return actual

    def deleted(self, contact_id, roles, actual, done):
        """Record a contact Delete Contact removed (``done`` False: check mode, it would be)."""
        keys = [key for _role, key in roles if key]
        who = "/".join(r for r, _k in roles)
        if done:
            self.cache.remove(keys + self.cache.find_keys([contact_id]))
            self.reasons.append("%s: deleted contact %s" % (who, contact_id))
        else:
            self.reasons.append("%s: would delete contact %s" % (who, contact_id))
        for role, key in roles:
            self.record(role, None, "deleted" if done else "would_delete", actual, key)

    # ------------------------------------------------------------------ result

    def result(self):
        ids = {role: (self.contacts.get(role) or {}).get("contact_id") for role in ROLES}
        return {
            "changed": bool(self.reasons) and any(c["source"] in CHANGING_SOURCES for c in self.contacts.values()),
            "changed_reasons": self.reasons,
            "administrator_contact_id": ids["administrator"],
            "technical_contact_id": ids["technical"],
            "contacts": self.contacts,
            "raw": self.raw,
        }
