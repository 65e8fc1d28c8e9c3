# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Organizations for OV/EV certificates: field mapping, search, validation status and waiting.

WebNIC validates an organization once (submit -> PENDING -> VALIDATED or REJECTED); an OV or EV
order placed for an organization that is not VALIDATED would be charged and then stall, so
``check_organization_ready`` is asked before any money is spent.
"""

import time

from .contacts import ADDRESS_FIELDS, check_country_code, normalise_phone, normalise_text
from .errors import ApiError
from .failures import FieldProblem

VALIDATED = "VALIDATED"
PENDING = "PENDING"
REJECTED = "REJECTED"
NOT_SUBMITTED = "NOT_SUBMITTED"

# WebNIC's organization fields; the module options are the snake_case of these.
ORGANIZATION_FIELDS = (("organization_name", "organizationName"), ("duns", "duns"), *ADDRESS_FIELDS)

_STATUS_KEYS = ("status", "validationStatus", "organizationStatus")
_REASON_KEYS = ("reason", "rejectReason", "rejectedReason", "remark", "remarks", "message")


def _first(data, keys):
    for key in keys:
        value = data.get(key)
        if value not in (None, ""):
            return value
    return None


def parse_validation(data):
    """``(status, reason, raw)`` from a Get Validation Status answer (any of the field spellings)."""
    if not isinstance(data, dict):
        return (str(data).upper() if data else NOT_SUBMITTED), None, data
    nested = data.get("validation")
    if isinstance(nested, dict):
        data = dict(data, **nested)
    status = _first(data, _STATUS_KEYS)
    status = str(status).strip().upper() if status else NOT_SUBMITTED
    reason = _first(data, _REASON_KEYS)
    return status, (str(reason) if reason is not None else None), data


def _is_not_found(error):
    text = " ".join(str(part or "") for part in (error.api_message, error.message)).lower()
    return error.status == 404 or "not found" in text or "does not exist" in text or "unknown" in text


def _not_submitted(error):
    """True when the API says the organization exists but was never submitted for validation."""
    text = " ".join(str(part or "") for part in (error.api_message, error.message)).lower()
    return "not submitted" in text or "no validation" in text


def validation_status(client, organization_id):
    """``(status, reason, raw)`` of an organization's validation (Get Validation Status)."""
    try:
        data = client.call("organization_validation_status", path={"organizationId": organization_id})
    except ApiError as error:
        if _path_missing(error, "organization_validation_status"):
            raise  # the path itself may be wrong: not an answer about this organization
        if error.status in (400, 404) and _not_submitted(error):
            return NOT_SUBMITTED, None, None
        raise
    return parse_validation(data)


def _path_missing(error, endpoint_name):
    """A 404/405/501 from an assumed path: the path may not exist at all (see client.call_optional)."""
    from .endpoints import ENDPOINTS

    return error.status in (404, 405, 501) and ENDPOINTS[endpoint_name].confidence == "assumed"


def check_organization_ready(client, organization_id):
    """Can an OV/EV order be placed for ``organization_id``? -> ``(ready, status, reason)``.

    ``ready`` is True only for VALIDATED. ``reason`` explains any other answer in words a user can
    act on (the CA's rejection reason, or what to do next). One read call; never writes.
    An unknown organization is answered ``(False, "NOT_FOUND", ...)`` rather than raised, so the
    order module can fail with one message before spending money.
    """
    if organization_id in (None, ""):
        return (
            False,
            "MISSING",
            (
                "OV and EV certificates need a validated organization: create one with "
                "webnic.ssl.webnic_ssl_organization (state=validated, wait=true) and pass its organization_id"
            ),
        )
    try:
        status, reason, _raw = validation_status(client, organization_id)
    except ApiError as error:
        if _path_missing(error, "organization_validation_status"):
            # Get Validation Status is an assumed path: when it is missing, WebNIC itself checks the
            # organization when the order is placed; the order goes ahead and the skip is reported.
            client.note_skipped(
                "organization_validation_status",
                error.status,
                "the organization's validation status checked before placing an OV/EV order",
            )
            return True, "UNKNOWN", "not checked: Get Validation Status is missing"
        if error.status in (400, 404) and _is_not_found(error):
            return (
                False,
                "NOT_FOUND",
                (
                    "Organization %s does not exist in this WebNIC account (%s); create it with "
                    "webnic.ssl.webnic_ssl_organization" % (organization_id, error.api_message or error.message)
                ),
            )
        raise
    if status == VALIDATED:
        return True, status, reason
    if status == PENDING:
        hint = "Validation of organization %s is still pending at the CA; wait for it with " % organization_id
        hint += "webnic.ssl.webnic_ssl_organization (state=validated, wait=true) before ordering"
    elif status == REJECTED:
        hint = "Organization %s was rejected%s; correct its details, create or resubmit it, and wait for " % (
            organization_id,
            " (%s)" % reason if reason else "",
        )
        hint += "VALIDATED before ordering"
    else:
        hint = "Organization %s has validation status %s; submit it with webnic.ssl.webnic_ssl_organization " % (
            organization_id,
            status,
        )
        hint += "(state=validated, wait=true) and order once it is VALIDATED"
    return False, status, (hint if not reason or status == REJECTED else "%s: %s" % (reason, hint))


def wait_for_validation(client, organization_id, timeout, interval=5.0, sleep=time.sleep, clock=time.monotonic):
    """Poll until the status is VALIDATED or REJECTED, or ``timeout`` seconds passed.

    Returns ``(status, reason, raw, polls)``; the caller decides what a non-VALIDATED end means.
    """
    deadline = clock() + max(0.0, float(timeout))
    polls = 0
    while True:
        status, reason, raw = validation_status(client, organization_id)
        polls += 1
        if status in (VALIDATED, REJECTED) or status == NOT_SUBMITTED:
            return status, reason, raw, polls
        remaining = deadline - clock()
        if remaining <= 0:
            return status, reason, raw, polls
        sleep(min(interval, remaining))


# ---------------------------------------------------------------------- organization objects


def organization_payload(params):
    """The WebNIC body of Create Organization from module params (normalised values)."""
    body = {}
    for option, api_name in ORGANIZATION_FIELDS:
        value = params.get(option)
        if value not in (None, ""):
            body[api_name] = value
    return body


def organization_id_of(data):
    if not isinstance(data, dict):
        return None
    for key in ("organizationId", "orgId", "id"):
        if data.get(key) not in (None, ""):
            return str(data[key])
    return None


def contact_id_of_organization(data):
    if not isinstance(data, dict):
        return None
    for key in ("contactId", "contact_id"):
        if data.get(key) not in (None, ""):
            return str(data[key])
    contact = data.get("contact")
    if isinstance(contact, dict):
        return contact.get("contactId") and str(contact["contactId"])
    return None


def search_organizations(client, name=None, page_size=100, max_pages=20):
    """All organizations of the account (filtered by name server-side when ``name`` is given)."""
    items = []
    page = 1
    while page <= max_pages:
        body = {"pagination": {"page": page, "pageSize": page_size}}
        if name:
            body["filters"] = [{"field": "organizationName", "operator": "LIKE", "value": name}]
        data = client.call("organization_search", body=body)
        if isinstance(data, list):
            return items + data
        data = data or {}
        chunk = data.get("items") or data.get("organizations") or []
        items.extend(chunk)
        total_pages = int(data.get("totalPages") or 1)
        if page >= total_pages or not chunk:
            break
        page += 1
    return items


def organization_matches(item, wanted):
    """Does a search result or info object have the identity of ``wanted`` (a payload)?

    Identity is the normalised organization name plus country, and the DUNS number when both
    sides have one; the search is a substring match, so exactness is checked here.
    """
    if (
        normalise_text(item.get("organizationName")).casefold()
        != normalise_text(wanted.get("organizationName")).casefold()
    ):
        return False
    for key in ("countryCode", "duns"):
        mine, theirs = wanted.get(key), item.get(key)
        if mine and theirs and str(mine).strip().upper() != str(theirs).strip().upper():
            return False
    return True


def organization_info(client, organization_id):
    """Get Organization Info, or None when the organization does not exist."""
    try:
        data = client.call("organization_info", query={"organizationId": organization_id})
    except ApiError as error:
        if error.status in (400, 404) and _is_not_found(error):
            return None
        raise
    return data or None


# ------------------------------------------------------------------- webnic_ssl_organization's decisions

#: What Create Organization needs.
CREATE_REQUIRED = ("organization_name", "address1", "city", "country_code", "phone_number")


def check_options(params):
    """An organization to find (id or name) and sensible waiting options."""
    if not params["organization_id"] and not normalise_text(params["organization_name"]):
        raise FieldProblem(
            "organization_name", "is required without organization_id", "Give the organization's legal name"
        )
    if params["wait_timeout"] < 0 or params["wait_interval"] <= 0:
        bad = "wait_timeout" if params["wait_timeout"] < 0 else "wait_interval"
        raise FieldProblem(bad, "must be positive", "Give a number of seconds")


def wanted_details(params):
    """Normalised organization details given (option -> value); FieldProblem naming the option."""
    details = {}
    for option, _api in ORGANIZATION_FIELDS:
        value = normalise_text(params.get(option))
        if value:
            details[option] = value
    try:
        if "country_code" in details:
            details["country_code"] = check_country_code(details["country_code"])
        if "phone_number" in details:
            details["phone_number"] = normalise_phone(details["phone_number"])
    except FieldProblem as error:
        raise FieldProblem(error.field, error.problem, error.fix)
    return details


def find_organization(client, wanted_id, details):
    """``(organization_id, info)`` of the existing organization, or ``(None, None)``; reads only."""
    if wanted_id:
        info = organization_info(client, wanted_id)
        if info is None:
            raise FieldProblem(
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
        raise FieldProblem(
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
    org_id = organization_id_of(candidates[0])
    # Search results may be summaries: read the full object.
    return org_id, organization_info(client, org_id) or candidates[0]


def _current_details(info):
    current = {}
    for option, api in ORGANIZATION_FIELDS:
        value = normalise_text(info.get(api))
        if option == "country_code":
            value = value.upper()
        elif option == "phone_number" and value:
            try:
                value = normalise_phone(value)
            except FieldProblem:
                pass
        current[option] = value
    return current


def detail_differences(details, info):
    """The given details the existing organization does not have: ``{option: {given, current}}``."""
    current = _current_details(info)
    differences = {}
    for option, value in details.items():
        if option == "organization_name":
            same = value.casefold() == current[option].casefold()
        else:
            same = value == current[option]
        if not same:
            differences[option] = {"given": value, "current": current[option] or None}
    return differences


def create_body(details, contact_id):
    """The body of Create Organization; FieldProblem naming the first missing option."""
    missing = [option for option in CREATE_REQUIRED if option not in details]
    if missing:
        raise FieldProblem(
            missing[0],
            "is required to create organization %r" % details.get("organization_name"),
            "Organizations need %s" % ", ".join(CREATE_REQUIRED),
        )
    body = organization_payload(details)
    if contact_id:
        body["contactId"] = contact_id
    return body


def current_validation(client, org_id, info, state):
    """``(status, reason, raw)`` of the organization's validation; ``info`` None: not created yet."""
    if info is None:  # check mode, organization not created yet
        return NOT_SUBMITTED, None, {}
    if state == "validated":
        return validation_status(client, org_id)
    status, reason, _raw = parse_validation(info)
    if status == NOT_SUBMITTED and not any(k in info for k in ("validationStatus", "status")):
        return validation_status(client, org_id)
    return status, reason, {}


def rejected_message(org_id, reason):
    return (
        "Organization %s was REJECTED by the CA%s. Correct what the reason says (the contact can be "
        "changed with contact_id), then run again with resubmit=true, or create a new organization."
        % (org_id, ": %s" % reason if reason else "")
    )


def not_validated_message(org_id, status, reason, wait_timeout):
    return "Organization %s is %s%s%s. OV/EV orders need it VALIDATED." % (
        org_id,
        status,
        " after waiting %ss" % wait_timeout if status == PENDING else "",
        ": %s" % reason if reason else "",
    ) + (
        " Run again later (validation by the CA can take days), or raise wait_timeout."
        if status == PENDING
        else " Correct the organization or its contact and run again with resubmit=true."
    )


def differences_warning(org_id, differences):
    return (
        "Organization %s differs from the details given in %s; WebNIC cannot change them. Create a new "
        "organization (another organization_name) if they must change." % (org_id, ", ".join(sorted(differences)))
    )


def status_after_submit(client, org_id, answer):
    """``(status, reason, raw)`` after Submit Organization Validation (its answer, else a read)."""
    status, reason, raw = parse_validation(answer) if answer else validation_status(client, org_id)
    return (PENDING if status == NOT_SUBMITTED else status), reason, raw


def status_failure(msg, org_id, status, reason, reasons):
    """The failed result of a validation that cannot go on (what has changed so far included)."""
    return dict(
        msg=msg,
        changed=bool(reasons),
        changed_reasons=reasons,
        organization_id=org_id,
        validation_status=status,
        validation_reason=reason,
    )
