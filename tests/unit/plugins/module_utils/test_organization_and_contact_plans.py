# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decisions of webnic_ssl_organization (organizations.py) and webnic_ssl_contact (contact_plan.py).

Small in-memory clients answer the read calls; the module tests cover the same paths over HTTP.
"""

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import contact_plan, organizations
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.errors import ApiError
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import FieldProblem


class Client:
    """Answers read calls from a table ``{name: answer or exception}``; records every call."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []
        self.skipped = []

    def call(self, name, **kwargs):
        self.calls.append((name, kwargs))
        answer = self.answers.get(name)
        if isinstance(answer, Exception):
            raise answer
        return answer(**kwargs) if callable(answer) else answer

    def note_skipped(self, name, status, skipped):
        self.skipped.append((name, status))


def failure(function, *args):
    with pytest.raises(FieldProblem) as info:
        function(*args)
    return info.value


# ------------------------------------------------------------------------------ organizations

ORG_OPTIONS = dict(organization_id=None, organization_name="Example Sdn Bhd", wait_timeout=10, wait_interval=1.0)


@pytest.mark.parametrize(
    "overrides, field",
    [
        (dict(organization_name="  "), "organization_name"),
        (dict(wait_timeout=-1), "wait_timeout"),
        (dict(wait_interval=0), "wait_interval"),
    ],
)
def test_organization_options(overrides, field):
    assert failure(organizations.check_options, dict(ORG_OPTIONS, **overrides)).field == field
    organizations.check_options(dict(ORG_OPTIONS, organization_id="5", organization_name=None))


def test_organization_details_are_normalised_and_checked():
    details = organizations.wanted_details(
        {"organization_name": "  Example   Sdn Bhd ", "country_code": "my", "phone_number": "+60 3-1234 5678"}
    )
    assert details == {"organization_name": "Example Sdn Bhd", "country_code": "MY", "phone_number": "+60.312345678"}
    assert failure(organizations.wanted_details, {"country_code": "XX"}).field == "country_code"


def test_an_unknown_organization_id_names_organization_id():
    client = Client({"organization_info": ApiError(404, "1", None, "organization not found")})
    error = failure(organizations.find_organization, client, "5", {})
    assert (error.field, error.problem) == ("organization_id", "WebNIC has no organization 5")


def test_the_organization_is_found_by_name_and_read_in_full():
    summary = {"organizationId": "7", "organizationName": "Example Sdn Bhd", "countryCode": "MY"}
    full = dict(summary, address1="Jalan 1")
    client = Client({"organization_search": {"items": [summary, dict(summary, organizationName="Example")]}})
    client.answers["organization_info"] = full
    assert organizations.find_organization(client, None, {"organization_name": "Example Sdn Bhd"}) == ("7", full)


def test_two_organizations_of_the_name_are_ambiguous():
    rows = [{"organizationId": str(i), "organizationName": "Example Sdn Bhd"} for i in (1, 2)]
    client = Client({"organization_search": {"items": rows}})
    error = failure(organizations.find_organization, client, None, {"organization_name": "Example Sdn Bhd"})
    assert error.field == "organization_name" and error.fix == "Pick one with organization_id"
    assert error.extra == {"candidates": rows}


def test_no_organization_of_the_name():
    client = Client({"organization_search": {"items": []}})
    assert organizations.find_organization(client, None, {"organization_name": "Example"}) == (None, None)


def test_detail_differences_ignore_case_of_the_name_and_phone_spelling():
    info = {"organizationName": "EXAMPLE SDN BHD", "phoneNumber": "+60 3 1234 5678", "city": "Shah Alam"}
    details = {"organization_name": "Example Sdn Bhd", "phone_number": "+60.312345678", "city": "Kuala Lumpur"}
    assert organizations.detail_differences(details, info) == {
        "city": {"given": "Kuala Lumpur", "current": "Shah Alam"}
    }


def test_create_needs_the_mandatory_details():
    error = failure(organizations.create_body, {"organization_name": "Example"}, None)
    assert (error.field, error.problem) == ("address1", "is required to create organization 'Example'")
    details = dict.fromkeys(organizations.CREATE_REQUIRED, "x")
    assert organizations.create_body(details, "c1")["contactId"] == "c1"


def test_current_validation_per_case():
    client = Client({"organization_validation_status": {"status": "pending"}})
    assert organizations.current_validation(client, None, None, "validated") == ("NOT_SUBMITTED", None, {})
    assert organizations.current_validation(client, "7", {"validationStatus": "VALIDATED"}, "present")[0] == "VALIDATED"
    assert client.calls == []
    assert organizations.current_validation(client, "7", {}, "present")[0] == "PENDING"
    assert organizations.current_validation(client, "7", {"validationStatus": "VALIDATED"}, "validated")[0] == "PENDING"


def test_a_submitted_organization_is_pending_at_least():
    client = Client({})
    assert organizations.status_after_submit(client, "7", {"status": "NOT_SUBMITTED"})[0] == "PENDING"
    assert organizations.status_after_submit(client, "7", {"status": "VALIDATED"})[0] == "VALIDATED"


def test_validation_messages():
    assert organizations.rejected_message("7", "bad address").startswith(
        "Organization 7 was REJECTED by the CA: bad address. Correct what the reason says"
    )
    assert organizations.not_validated_message("7", "PENDING", None, 30) == (
        "Organization 7 is PENDING after waiting 30s. OV/EV orders need it VALIDATED. "
        "Run again later (validation by the CA can take days), or raise wait_timeout."
    )
    assert organizations.not_validated_message("7", "REJECTED", "no", 30).endswith("run again with resubmit=true.")


# ------------------------------------------------------------------------------ contacts

ADMIN = {
    "first_name": "Ada",
    "last_name": "Lim",
    "address1": "Jalan 1",
    "city": "Kuala Lumpur",
    "country_code": "MY",
    "phone_number": "+60.312345678",
    "email": "ada@example.com",
}
CONTACT_PARAMS = dict(
    state="present", administrator=None, technical=None, administrator_contact_id=None, technical_contact_id=None
)


class Cache:
    def __init__(self, entries=None):
        self.entries = dict(entries or {})
        self.removed = []

    def get(self, key):
        return self.entries.get(key)

    def put(self, key, contact_id):
        self.entries[key] = contact_id

    def remove(self, keys):
        self.removed.extend(keys)

    def find_keys(self, ids):
        return [k for k, v in self.entries.items() if v in ids]


def api_contact(details):
    from ansible_collections.webnic.ssl.plugins.module_utils._webnic.contacts import to_api

    return to_api(details)


def test_the_administrator_is_also_the_technical_contact_unless_one_is_given():
    details = contact_plan.wanted_details(dict(CONTACT_PARAMS, administrator=ADMIN))
    assert details["technical"] == details["administrator"]
    details = contact_plan.wanted_details(dict(CONTACT_PARAMS, administrator=ADMIN, technical_contact_id="t1"))
    assert list(details) == ["administrator"]


def test_a_bad_contact_field_is_named_with_its_role():
    error = failure(contact_plan.wanted_details, dict(CONTACT_PARAMS, administrator=dict(ADMIN, email="nope")))
    assert error.field == "administrator.email"


@pytest.mark.parametrize("state, field", [("present", "administrator"), ("absent", "administrator_contact_id")])
def test_each_state_needs_its_contacts(state, field):
    assert failure(contact_plan.check_request, dict(CONTACT_PARAMS, state=state), {}).field == field


def test_a_missing_contact_info_path_trusts_the_recorded_contact():
    client = Client({"contact_info": ApiError(404, None, None, "Not Found")})
    assert contact_plan.read_contact(client, "c1") is contact_plan.CONTACT_NOT_VERIFIED
    assert client.skipped == [("contact_info", 404)]
    client = Client({"contact_info": ApiError(400, "1", None, "contact does not exist")})
    assert contact_plan.read_contact(client, "c1") is None


def test_a_given_contact_with_other_details_is_refused():
    admin = contact_plan.wanted_details(dict(CONTACT_PARAMS, administrator=ADMIN))["administrator"]
    client = Client({"contact_info": api_contact(dict(admin, city="Penang"))})
    plan = contact_plan.ContactPlan(client, Cache, check_mode=False)
    error = failure(plan.use_given, "administrator", "c1", admin)
    assert error.field == "administrator"
    assert error.extra == {"differences": {"city": {"given": "Kuala Lumpur", "current": "Penang"}}}


def test_present_reuses_a_cached_contact_and_creates_the_others():
    details = contact_plan.wanted_details(
        dict(CONTACT_PARAMS, administrator=ADMIN, technical=dict(ADMIN, first_name="Bo"))
    )
    admin_key = contact_plan.contact_key("administrator", details["administrator"])
    client = Client({"contact_info": api_contact(details["administrator"])})
    plan = contact_plan.ContactPlan(client, lambda: Cache({admin_key: "c1"}), check_mode=False)
    to_create = plan.plan_present(CONTACT_PARAMS, details)
    assert list(to_create) == ["technical"]
    assert plan.contacts["administrator"]["source"] == "cache"
    plan.created(to_create, {"technical": "c2"})
    result = plan.result()
    assert (result["administrator_contact_id"], result["technical_contact_id"]) == ("c1", "c2")
    assert result["changed"] and result["changed_reasons"] == ["technical: created contact c2"]


def test_a_cached_contact_changed_outside_is_forgotten_and_created_anew():
    details = contact_plan.wanted_details(dict(CONTACT_PARAMS, administrator=ADMIN, technical_contact_id="t"))
    key = contact_plan.contact_key("administrator", details["administrator"])
    cache = Cache({key: "c1"})
    client = Client({"contact_info": api_contact(dict(details["administrator"], city="Penang"))})
    plan = contact_plan.ContactPlan(client, lambda: cache, check_mode=False)
    assert plan.find_cached("administrator", key, details["administrator"]) is None
    assert cache.removed == [key]
    assert plan.reasons == ["administrator: cached contact c1 changed"]


def test_check_mode_reports_a_contact_it_would_create():
    details = contact_plan.wanted_details(dict(CONTACT_PARAMS, administrator=ADMIN))
    plan = contact_plan.ContactPlan(Client({}), Cache, check_mode=True)
    to_create = plan.plan_present(CONTACT_PARAMS, details)
    plan.created(to_create, None)
    assert plan.reasons == ["administrator: would create a contact", "technical: would create a contact"]
    assert plan.result()["changed"]


def test_absent_deletes_a_contact_once_for_both_roles_and_skips_a_gone_one():
    params = dict(CONTACT_PARAMS, state="absent", administrator_contact_id="c1", technical_contact_id="c1")
    client = Client({"contact_info": api_contact(ADMIN)})
    plan = contact_plan.ContactPlan(client, Cache, check_mode=False)
    targets = plan.absent_targets(params, {})
    assert targets == {"c1": [("administrator", None), ("technical", None)]}
    actual = plan.check_target("c1", targets["c1"], {})
    plan.deleted("c1", targets["c1"], actual, done=True)
    assert plan.reasons == ["administrator/technical: deleted contact c1"]
    gone = contact_plan.ContactPlan(Client({"contact_info": None}), Cache, check_mode=False)
    assert gone.check_target("c1", targets["c1"], {}) is None
    assert not gone.result()["changed"]
