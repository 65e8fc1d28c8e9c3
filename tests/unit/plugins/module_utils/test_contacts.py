# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Contact input checks, identity and the organization readiness check (pure logic, fake clients)."""

import os
import stat

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import contacts, organizations
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.contacts import ContactCache
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.errors import ApiError
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import FieldProblem

PERSON = {
    "first_name": " Aminah ",
    "last_name": "Rahman",
    "address1": "Level 10,  Menara Example",
    "city": "Kuala Lumpur",
    "country_code": "my",
    "phone_number": "+60 3-1234 5678",
    "email": "Aminah@Example.COM",
}


@pytest.mark.parametrize(
    "given, expected",
    [
        ("+60.312345678", "+60.312345678"),
        ("+60 3-1234 5678", "+60.312345678"),
        ("+60312345678", "+60.312345678"),
        ("0060 3 1234 5678", "+60.312345678"),
        ("(+60) 3 1234 5678", "+60.312345678"),
        ("+44 (0)20 7946 0000", "+44.2079460000"),
        ("+1 (555) 123-4567", "+1.5551234567"),
        ("+65 6123 4567", "+65.61234567"),
        ("+852 2345 6789", "+852.23456789"),
    ],
)
def test_common_phone_forms_become_plus_cc_dot_number(given, expected):
    assert contacts.normalise_phone(given) == expected


@pytest.mark.parametrize(
    "given, problem",
    [
        ("03-1234 5678", "no country calling code"),
        ("+60 3 1234 abc", "characters"),
        ("+28 1234 5678", "known country calling code"),
        ("+60 12", "4 to 14"),
        ("", "empty"),
    ],
)
def test_bad_phone_numbers_fail_with_a_fix(given, problem):
    with pytest.raises(FieldProblem) as info:
        contacts.normalise_phone(given, "administrator.phone_number")
    assert info.value.field == "administrator.phone_number"
    assert problem in info.value.problem
    assert "+CC.number" in info.value.fix


def test_calling_codes_are_prefix_free_so_compact_numbers_split_one_way():
    codes = list(contacts.CALLING_CODES)
    assert not [(a, b) for a in codes for b in codes if a != b and b.startswith(a)]
    assert {c for countries in contacts.CALLING_CODES.values() for c in countries} <= contacts.COUNTRY_CODES


def test_country_codes_are_iso_alpha2():
    assert len(contacts.COUNTRY_CODES) == 249
    assert contacts.check_country_code(" my ") == "MY"
    for bad in ("UK", "MYS", "XX", ""):
        with pytest.raises(FieldProblem) as info:
            contacts.check_country_code(bad, "technical.country_code")
        assert info.value.field == "technical.country_code"


@pytest.mark.parametrize("bad", ["aminah", "aminah@", "@example.com", "a b@example.com", "a@example", "a@-x.com"])
def test_bad_email_is_refused(bad):
    with pytest.raises(FieldProblem):
        contacts.check_email(bad)


def test_email_domain_is_lowercased_local_part_kept():
    assert contacts.check_email(" Aminah@Example.COM ") == "Aminah@example.com"


def test_normalise_contact_names_the_missing_mandatory_field():
    details = dict(PERSON)
    del details["email"]
    with pytest.raises(FieldProblem) as info:
        contacts.normalise_contact(details, "technical")
    assert info.value.field == "technical.email"
    assert info.value.problem == "is required"


def test_normalised_contact_maps_to_webnic_field_names():
    normal = contacts.normalise_contact(PERSON, "administrator")
    assert contacts.to_api(normal) == {
        "firstName": "Aminah",
        "lastName": "Rahman",
        "address1": "Level 10, Menara Example",
        "city": "Kuala Lumpur",
        "countryCode": "MY",
        "phoneNumber": "+60.312345678",
        "email": "Aminah@example.com",
    }
    assert contacts.from_api(contacts.to_api(normal)) == normal


def test_spelling_variants_have_the_same_fingerprint():
    other = dict(PERSON, phone_number="+60312345678", email="aminah@example.com", address1="Level 10, Menara Example")
    first = contacts.normalise_contact(PERSON, "administrator")
    second = contacts.normalise_contact(other, "administrator")
    assert contacts.fingerprint({"administrator": first}) == contacts.fingerprint({"administrator": second})
    assert contacts.fingerprint({"administrator": first}) != contacts.fingerprint({"technical": first})
    third = contacts.normalise_contact(dict(PERSON, city="Petaling Jaya"), "administrator")
    assert contacts.fingerprint({"administrator": first}) != contacts.fingerprint({"administrator": third})


def test_created_ids_reads_the_documented_list_shape():
    data = [{"contactType": "administrator", "contactId": "SSL1T"}, {"contactType": "technical", "contactId": "SSL2T"}]
    assert contacts.created_ids(data) == {"administrator": "SSL1T", "technical": "SSL2T"}
    assert contacts.created_ids({"administrator": {"contactId": "SSL3T"}}) == {"administrator": "SSL3T"}


def test_contact_cache_is_per_endpoint_and_user_and_private(tmp_path):
    cache = ContactCache(str(tmp_path / "c"), "http://127.0.0.1:1/", "api-demo")
    assert cache.get("k") is None
    cache.put("k", "SSL1T")
    assert cache.get("k") == "SSL1T"
    assert stat.S_IMODE(os.stat(cache.path).st_mode) == 0o600
    assert ContactCache(str(tmp_path / "c"), "http://127.0.0.1:1", "other").get("k") is None
    assert ContactCache(str(tmp_path / "c"), "http://127.0.0.1:1", "api-demo").get("k") == "SSL1T"
    assert cache.find_keys(["SSL1T"]) == ["k"]
    cache.remove(["k"])
    assert cache.get("k") is None


def test_corrupt_cache_is_treated_as_empty(tmp_path):
    cache = ContactCache(str(tmp_path), "http://127.0.0.1:1", "api-demo")
    with open(cache.path, "w") as handle:
        handle.write("{not json")
    assert cache.get("k") is None
    cache.put("k", "SSL9T")
    assert cache.get("k") == "SSL9T"


# ---------------------------------------------------------------------- organization readiness


class FakeClient:
    def __init__(self, answer):
        self.answer = answer
        self.called = []

    def call(self, name, path=None, query=None, body=None):
        self.called.append((name, path))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_validated_organization_is_ready_with_one_read_call():
    client = FakeClient({"organizationId": "ORG1", "validationStatus": "VALIDATED", "reason": None})
    assert organizations.check_organization_ready(client, "ORG1") == (True, "VALIDATED", None)
    assert client.called == [("organization_validation_status", {"organizationId": "ORG1"})]


@pytest.mark.parametrize(
    "answer, status, words",
    [
        ({"validationStatus": "PENDING"}, "PENDING", "still pending"),
        ({"validationStatus": "NOT_SUBMITTED"}, "NOT_SUBMITTED", "state=validated"),
        ({"validationStatus": "REJECTED", "reason": "name mismatch"}, "REJECTED", "name mismatch"),
        ({"status": "rejected", "rejectReason": "bad DUNS"}, "REJECTED", "bad DUNS"),
    ],
)
def test_organization_not_validated_says_what_to_do(answer, status, words):
    ready, got_status, reason = organizations.check_organization_ready(FakeClient(answer), "ORG1")
    assert (ready, got_status) == (False, status)
    assert words in reason
    assert "webnic_ssl_organization" in reason or status == "REJECTED"


def test_unknown_organization_is_not_ready_rather_than_an_exception():
    error = ApiError(400, "2400", "SSL2400", "Organization ORG9 not found")
    ready, status, reason = organizations.check_organization_ready(FakeClient(error), "ORG9")
    assert (ready, status) == (False, "NOT_FOUND")
    assert "ORG9" in reason


def test_missing_organization_id_is_not_ready():
    client = FakeClient(None)
    assert organizations.check_organization_ready(client, None)[:2] == (False, "MISSING")
    assert client.called == []


def test_other_api_errors_propagate():
    with pytest.raises(ApiError):
        organizations.check_organization_ready(FakeClient(ApiError(500, "2400", "SSL5000", "boom")), "ORG1")


def test_wait_for_validation_polls_until_decided_and_stops_at_timeout():
    answers = iter(["PENDING", "PENDING", "VALIDATED"])

    class Polled(FakeClient):
        def call(self, name, path=None, query=None, body=None):
            return {"validationStatus": next(answers)}

    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    status, _reason, _raw, polls = organizations.wait_for_validation(
        Polled(None), "ORG1", 100, interval=5, sleep=sleep, clock=lambda: now[0]
    )
    assert (status, polls, slept) == ("VALIDATED", 3, [5, 5])

    now[0] = 0.0
    status, _reason, _raw, polls = organizations.wait_for_validation(
        FakeClient({"validationStatus": "PENDING"}), "ORG1", 12, interval=5, sleep=sleep, clock=lambda: now[0]
    )
    assert (status, polls) == ("PENDING", 4)


def test_search_organizations_reads_every_page_and_filters_by_name():
    pages = {1: ["a", "b"], 2: ["c"]}
    bodies = []

    class Paged(FakeClient):
        def call(self, name, path=None, query=None, body=None):
            bodies.append(body)
            page = body["pagination"]["page"]
            return {"totalPages": 2, "items": [{"organizationName": n} for n in pages[page]]}

    items = organizations.search_organizations(Paged(None), "Example")
    assert [i["organizationName"] for i in items] == ["a", "b", "c"]
    assert bodies[0]["filters"] == [{"field": "organizationName", "operator": "LIKE", "value": "Example"}]


def test_organization_identity_is_exact_name_country_and_duns():
    wanted = {"organizationName": "Example  Sdn Bhd", "countryCode": "MY", "duns": "123"}
    assert organizations.organization_matches({"organizationName": "example sdn bhd", "countryCode": "my"}, wanted)
    assert not organizations.organization_matches({"organizationName": "Example Sdn Bhd Holdings"}, wanted)
    assert not organizations.organization_matches({"organizationName": "Example Sdn Bhd", "countryCode": "SG"}, wanted)
    assert not organizations.organization_matches({"organizationName": "Example Sdn Bhd", "duns": "999"}, wanted)
