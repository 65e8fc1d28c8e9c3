# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""webnic_ssl_organization(_info) and check_organization_ready against the simulator."""

import threading
import time

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic.client import WebNICClient
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.organizations import check_organization_ready
from ansible_collections.webnic.ssl.plugins.modules import (
    webnic_ssl_contact,
    webnic_ssl_organization,
    webnic_ssl_organization_info,
)

from .runner import connection_args, run_module

ORG = {
    "organization_name": "Example Sdn Bhd",
    "address1": "Level 10, Menara Example",
    "city": "Kuala Lumpur",
    "province": "Wilayah Persekutuan",
    "country_code": "MY",
    "zip": "50450",
    "phone_number": "+60 3-1234 5678",
}
PERSON = {
    "first_name": "Aminah",
    "last_name": "Rahman",
    "address1": "Level 10, Menara Example",
    "city": "Kuala Lumpur",
    "country_code": "MY",
    "phone_number": "+60 3-1234 5678",
    "email": "aminah@example.com",
}


@pytest.fixture(autouse=True)
def cache_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("WEBNIC_TOKEN_CACHE_DIR", str(tmp_path / "tokens"))
    monkeypatch.setenv("WEBNIC_CONTACT_CACHE_DIR", str(tmp_path / "contacts"))


def writes(sim):
    return sim.stats()["writes"]


def organization(sim, args, **kwargs):
    return run_module(webnic_ssl_organization, connection_args(sim, **args), **kwargs)


def organization_info(sim, args):
    return run_module(webnic_ssl_organization_info, connection_args(sim, **args))


def new_contact(sim, **details):
    result = run_module(webnic_ssl_contact, connection_args(sim, administrator=dict(PERSON, **details)))
    assert not result.failed, result
    return result["administrator_contact_id"]


def test_present_creates_the_organization_and_a_rerun_finds_it_by_name(simulator):
    first = organization(simulator, ORG)
    assert not first.failed, first
    assert first["changed"] is True
    org_id = first["organization_id"]
    assert first["changed_reasons"] == ["created organization %s" % org_id]
    assert first["organization"]["phoneNumber"] == "+60.312345678"
    assert first["validation_status"] == "NOT_SUBMITTED"
    assert first["ready"] is False
    before = writes(simulator)
    again = organization(simulator, dict(ORG, organization_name="example sdn  bhd"))
    assert again["changed"] is False, again
    assert again["organization_id"] == org_id
    assert writes(simulator) == before


def test_substring_matches_are_not_the_same_organization(simulator):
    organization(simulator, dict(ORG, organization_name="Example Sdn Bhd Holdings"))
    result = organization(simulator, ORG)
    assert result["changed"] is True
    assert len(organization_info(simulator, {})["organizations"]) == 2


def test_check_mode_creates_nothing(simulator):
    contact_id = new_contact(simulator)
    before = writes(simulator)
    result = organization(simulator, dict(ORG, state="validated", contact_id=contact_id, wait=True), check_mode=True)
    assert not result.failed, result
    assert result["changed"] is True
    assert result["organization_id"] is None
    assert result["changed_reasons"] == [
        "would create organization 'Example Sdn Bhd'",
        "would submit the new organization for validation",
    ]
    assert writes(simulator) == before


def test_validated_submits_once_then_reports_the_status(simulator):
    contact_id = new_contact(simulator)
    first = organization(simulator, dict(ORG, state="validated", contact_id=contact_id))
    assert not first.failed, first
    org_id = first["organization_id"]
    assert first["changed_reasons"] == ["created organization %s" % org_id, "submitted %s for validation" % org_id]
    assert first["validation_status"] == "PENDING"
    before = writes(simulator)
    pending = organization(simulator, dict(ORG, state="validated", contact_id=contact_id))
    assert (pending["changed"], pending["validation_status"]) == (False, "PENDING")
    simulator.validate_org(org_id)
    done = organization(simulator, {"organization_id": org_id, "state": "validated"})
    assert (done["changed"], done["validation_status"], done["ready"]) == (False, "VALIDATED", True)
    assert writes(simulator) == before


def test_check_mode_on_existing_organization_says_it_would_submit(simulator):
    contact_id = new_contact(simulator)
    org_id = organization(simulator, dict(ORG, contact_id=contact_id))["organization_id"]
    before = writes(simulator)
    result = organization(simulator, {"organization_id": org_id, "state": "validated"}, check_mode=True)
    assert result["changed_reasons"] == ["would submit %s for validation" % org_id]
    assert writes(simulator) == before


def test_wait_returns_once_the_ca_validates(simulator):
    contact_id = new_contact(simulator)
    org_id = organization(simulator, dict(ORG, contact_id=contact_id))["organization_id"]

    def validate_later():
        time.sleep(1.0)
        simulator.validate_org(org_id)

    thread = threading.Thread(target=validate_later)
    thread.start()
    try:
        result = organization(
            simulator, {"organization_id": org_id, "state": "validated", "wait": True, "wait_interval": 0.2}
        )
    finally:
        thread.join()
    assert not result.failed, result
    assert (result["validation_status"], result["ready"], result["changed"]) == ("VALIDATED", True, True)
    assert simulator.stats()["calls"]["GET /ssl/v2/organization/{organizationId}/validation"] >= 2


def test_wait_fails_with_the_status_and_the_reason_on_rejection(simulator):
    contact_id = new_contact(simulator)
    org_id = organization(simulator, dict(ORG, state="validated", contact_id=contact_id))["organization_id"]
    simulator.validate_org(org_id, status="REJECTED", reason="Registration number does not match the name")
    result = organization(simulator, {"organization_id": org_id, "state": "validated", "wait": True})
    assert result.failed
    assert "REJECTED" in result["msg"]
    assert "Registration number does not match the name" in result["msg"]
    assert result["validation_reason"] == "Registration number does not match the name"


def test_wait_times_out_with_the_pending_status(simulator):
    contact_id = new_contact(simulator)
    args = dict(ORG, state="validated", contact_id=contact_id, wait=True, wait_timeout=1, wait_interval=0.3)
    result = organization(simulator, args)
    assert result.failed
    assert "is PENDING after waiting 1s" in result["msg"]
    assert result["changed"] is True  # created and submitted before waiting


def test_rejected_is_resubmitted_only_when_asked(simulator):
    contact_id = new_contact(simulator)
    org_id = organization(simulator, dict(ORG, state="validated", contact_id=contact_id))["organization_id"]
    simulator.validate_org(org_id, status="REJECTED", reason="Phone number unreachable")
    refused = organization(simulator, {"organization_id": org_id, "state": "validated"})
    assert refused.failed
    assert "Phone number unreachable" in refused["msg"]
    assert "resubmit=true" in refused["msg"]
    other = new_contact(simulator, first_name="Lee", email="lee@example.com")
    result = organization(
        simulator, {"organization_id": org_id, "state": "validated", "resubmit": True, "contact_id": other}
    )
    assert result["changed_reasons"] == [
        "set the contact of %s to %s (was %s)" % (org_id, other, contact_id),
        "submitted %s for validation" % org_id,
    ]
    assert result["validation_status"] == "PENDING"


def test_contact_is_updated_and_rerun_is_unchanged(simulator):
    first_contact = new_contact(simulator)
    org_id = organization(simulator, dict(ORG, contact_id=first_contact))["organization_id"]
    second_contact = new_contact(simulator, first_name="Lee", email="lee@example.com")
    result = organization(simulator, {"organization_id": org_id, "contact_id": second_contact}, diff=True)
    assert result["changed"] is True
    assert result["organization"]["contactId"] == second_contact
    assert result["diff"]["before"]["contact_id"] == first_contact
    assert result["diff"]["after"]["contact_id"] == second_contact
    before = writes(simulator)
    again = organization(simulator, {"organization_id": org_id, "contact_id": second_contact})
    assert again["changed"] is False
    assert writes(simulator) == before


def test_validated_without_contact_fails_naming_contact_id(simulator):
    result = organization(simulator, dict(ORG, state="validated"))
    assert result.failed
    assert result["msg"].startswith("contact_id: organization ")


def test_details_that_cannot_change_are_a_warning_not_a_change(simulator):
    organization(simulator, ORG)
    result = organization(simulator, dict(ORG, city="Petaling Jaya"))
    assert result["changed"] is False
    assert result["differences"] == {"city": {"given": "Petaling Jaya", "current": "Kuala Lumpur"}}
    assert any("cannot change" in w for w in result.get("warnings", []))


def test_two_organizations_with_the_name_fail_listing_them(simulator):
    first = organization(simulator, ORG)["organization_id"]
    second = organization(simulator, {"organization_id": None, **ORG, "duns": "123456789"})
    # Same name, created with a DUNS: the search finds the first one (no DUNS there), so no second one is made.
    assert second["organization_id"] == first
    client = WebNICClient(simulator.url, "api-demo", "demo-secret", use_token_cache=False)
    body = {"organizationName": ORG["organization_name"], "address1": "x", "city": "y", "countryCode": "MY"}
    client.call("organization_create", body=dict(body, phoneNumber="+60.312345678"))
    result = organization(simulator, ORG)
    assert result.failed
    assert result["msg"].startswith("organization_name: 2 organizations match 'Example Sdn Bhd'")
    assert first in result["msg"]


@pytest.mark.parametrize(
    "override, field",
    [
        ({"country_code": "UK"}, "country_code"),
        ({"phone_number": "03-1234 5678"}, "phone_number"),
        ({"city": None}, "city"),
        ({"address1": ""}, "address1"),
    ],
)
def test_bad_input_fails_naming_the_field_without_a_write(simulator, override, field):
    result = organization(simulator, dict(ORG, **override))
    assert result.failed
    assert result["msg"].startswith(field + ":"), result["msg"]
    assert writes(simulator) == 0


def test_missing_name_and_id_names_organization_name(simulator):
    result = organization(simulator, {"city": "Kuala Lumpur"})
    assert result["msg"].startswith("organization_name: is required")


def test_unknown_organization_id_fails_naming_the_option(simulator):
    result = organization(simulator, {"organization_id": "ORG1"})
    assert result["msg"].startswith("organization_id: WebNIC has no organization ORG1")


# ---------------------------------------------------------------------- info


def test_info_reads_one_by_id_with_validation_status(simulator):
    contact_id = new_contact(simulator)
    org_id = organization(simulator, dict(ORG, state="validated", contact_id=contact_id))["organization_id"]
    simulator.validate_org(org_id, status="REJECTED", reason="DUNS unknown")
    result = organization_info(simulator, {"organization_id": org_id})
    assert not result.failed, result
    assert result["changed"] is False
    (item,) = result["organizations"]
    assert item["organization_id"] == org_id
    assert (item["validation_status"], item["validation_reason"], item["ready"]) == ("REJECTED", "DUNS unknown", False)
    assert item["contact_id"] == contact_id


def test_info_lists_by_exact_name_and_filters_by_status(simulator):
    contact_id = new_contact(simulator)
    org_id = organization(simulator, dict(ORG, state="validated", contact_id=contact_id))["organization_id"]
    organization(simulator, dict(ORG, organization_name="Example Sdn Bhd Holdings"))
    simulator.validate_org(org_id)
    before = writes(simulator)
    assert len(organization_info(simulator, {"organization_name": "example sdn bhd"})["organizations"]) == 1
    assert len(organization_info(simulator, {"organization_name": "example", "substring": True})["organizations"]) == 2
    validated = organization_info(simulator, {"validation_status": "VALIDATED"})["organizations"]
    assert [o["organization_id"] for o in validated] == [org_id]
    assert validated[0]["ready"] is True
    assert writes(simulator) == before


def test_info_unknown_id_fails(simulator):
    result = organization_info(simulator, {"organization_id": "ORG404"})
    assert result.failed
    assert result["msg"].startswith("organization_id:")


# ---------------------------------------------------------------------- readiness for webnic_ssl_order


def test_check_organization_ready_follows_the_validation(simulator, tmp_path):
    client = WebNICClient(simulator.url, "api-demo", "demo-secret", token_cache_dir=str(tmp_path / "t"))
    assert check_organization_ready(client, "ORG404")[:2] == (False, "NOT_FOUND")
    contact_id = new_contact(simulator)
    org_id = organization(simulator, dict(ORG, contact_id=contact_id))["organization_id"]
    ready, status, reason = check_organization_ready(client, org_id)
    assert (ready, status) == (False, "NOT_SUBMITTED")
    assert "state=validated" in reason
    organization(simulator, {"organization_id": org_id, "state": "validated"})
    assert check_organization_ready(client, org_id)[:2] == (False, "PENDING")
    simulator.validate_org(org_id, status="REJECTED", reason="DUNS unknown")
    ready, status, reason = check_organization_ready(client, org_id)
    assert (ready, status) == (False, "REJECTED")
    assert "DUNS unknown" in reason
    simulator.validate_org(org_id)
    assert check_organization_ready(client, org_id) == (True, "VALIDATED", None)
    assert client.calls["organization_validation_status"] == 5
