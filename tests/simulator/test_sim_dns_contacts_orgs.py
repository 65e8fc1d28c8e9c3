"""DNS zone API, contacts and organizations."""

import pytest
from sim_client import CONTACT

pytestmark = pytest.mark.simulator


def test_zones_list_and_filter(api):
    zones = api.ok("GET", "/dns/v2/zones")
    assert [z["zone"] for z in zones] == ["example.com", "example.net", "example.org", "example.test"]
    assert api.ok("GET", "/dns/v2/zones", params={"zone": "example.net"}) == [
        {"zone": "example.net", "status": "ACTIVE"}
    ]
    assert api.ok("GET", "/dns/v2/zones", params={"zone": "nothere.com"}) == []


def test_save_replaces_set_and_values_come_back_escaped(api):
    path = "/dns/v2/zone/example.test/record"
    api.ok("POST", path, json={"name": "_x", "type": "TXT", "ttl": 300, "rdatas": [{"value": "one"}, {"value": "two"}]})
    api.ok("POST", path, json={"name": "_x", "type": "TXT", "ttl": 120, "rdatas": [{"value": 'say "hi" & <bye>'}]})
    api.ok("POST", path, json={"name": "", "type": "A", "ttl": 300, "rdatas": [{"value": "127.0.0.1"}]})
    records = api.ok("GET", "/dns/v2/zone/example.test/records", params={"type": "TXT", "name": "_x"})["records"]
    assert records == [
        {"type": "TXT", "name": "_x", "ttl": 120, "rdatas": [{"value": "say &quot;hi&quot; &amp; &lt;bye&gt;"}]}
    ]
    apex = api.ok("GET", "/dns/v2/zone/example.test/records", params={"type": "A"})["records"]
    assert apex[0]["name"] is None
    assert api.ok("DELETE", path, params={"type": "TXT", "name": "_x"}) == {"deleted": 1}
    assert api.ok("GET", "/dns/v2/zone/example.test/records", params={"type": "TXT"})["records"] == []


def test_dns_errors(api):
    api.fails("GET", "/dns/v2/zone/unknown.com/records", status=404, sub_code="DNS4004")
    api.fails(
        "POST",
        "/dns/v2/zone/unknown.com/record",
        status=404,
        json={"name": "a", "type": "TXT", "rdatas": [{"value": "x"}]},
    )
    body = api.fails(
        "POST",
        "/dns/v2/zone/example.test/record",
        json={"name": "a.example.test", "type": "BOGUS", "rdatas": []},
        sub_code="SSL4000",
    )
    assert {e["field"] for e in body["fieldErrors"]} == {"name", "type", "rdatas"}
    api.fails("DELETE", "/dns/v2/zone/example.test/record", params={"name": "a"}, sub_code="SSL4000")


def test_contacts_create_info_delete(api):
    created = api.ok(
        "POST", "/ssl/v2/contact/create", json={"administrator": CONTACT, "technical": dict(CONTACT, firstName="Bob")}
    )
    assert [c["contactType"] for c in created] == ["administrator", "technical"]
    assert all(c["contactId"].startswith("SSL") and c["contactId"].endswith("T") for c in created)
    info = api.ok("GET", "/ssl/v2/contact/info", params={"contactId": created[1]["contactId"]})
    assert info["firstName"] == "Bob" and info["countryCode"] == "MY"
    assert api.ok("DELETE", f"/ssl/v2/contact/{created[1]['contactId']}") is None
    api.fails("GET", "/ssl/v2/contact/info", params={"contactId": created[1]["contactId"]}, sub_code="SSL2400")
    api.fails("DELETE", f"/ssl/v2/contact/{created[1]['contactId']}", sub_code="SSL2400")


def test_contact_validation(api):
    bad = dict(CONTACT, countryCode="XX", email="nope", phoneNumber="0312345678")
    del bad["lastName"]
    body = api.fails(
        "POST", "/ssl/v2/contact/create", json={"administrator": bad, "billing": CONTACT}, sub_code="SSL4000"
    )
    assert {e["field"] for e in body["fieldErrors"]} == {
        "administrator.countryCode",
        "administrator.email",
        "administrator.phoneNumber",
        "administrator.lastName",
        "billing",
    }
    api.fails("POST", "/ssl/v2/contact/create", json={}, sub_code="SSL4000")


def test_organization_lifecycle(api, sim):
    contact = api.contact()
    org_body = {
        "organizationName": "Lifecycle Ltd",
        "address1": "1 Road",
        "city": "Penang",
        "countryCode": "MY",
        "phoneNumber": "+60.41234567",
    }
    org_id = api.ok("POST", "/ssl/v2/organization/create", json=org_body)["organizationId"]
    info = api.ok("GET", "/ssl/v2/organization/info", params={"organizationId": org_id})
    assert info["validationStatus"] == "NOT_SUBMITTED" and info["organizationName"] == "Lifecycle Ltd"
    api.fails("POST", f"/ssl/v2/organization/{org_id}/validation", sub_code="SSL4000")  # needs a contact first
    assert api.ok("PUT", f"/ssl/v2/organization/{org_id}/contact", json={"contactId": contact})["contactId"] == contact
    assert api.ok("POST", f"/ssl/v2/organization/{org_id}/validation")["validationStatus"] == "PENDING"
    api.fails("POST", f"/ssl/v2/organization/{org_id}/validation", sub_code="SSL2400")
    sim.validate_org(org_id, "REJECTED", reason="DUNS mismatch")
    rejected = api.ok("GET", f"/ssl/v2/organization/{org_id}/validation")
    assert rejected["validationStatus"] == "REJECTED" and rejected["reason"] == "DUNS mismatch"
    api.ok("POST", f"/ssl/v2/organization/{org_id}/validation")
    sim.validate_org(org_id)
    assert api.ok("GET", f"/ssl/v2/organization/{org_id}/validation")["validationStatus"] == "VALIDATED"
    found = api.ok(
        "POST",
        "/ssl/v2/organization/search",
        json={"filters": [{"field": "organizationName", "operator": "LIKE", "value": "lifecycle"}]},
    )
    assert [o["organizationId"] for o in found["items"]] == [org_id]
    api.fails("GET", "/ssl/v2/organization/info", params={"organizationId": "ORG1"}, sub_code="SSL2400")
    body = api.fails(
        "POST", "/ssl/v2/organization/create", json={"organizationName": "X", "countryCode": "ZZ"}, sub_code="SSL4000"
    )
    assert "countryCode" in {e["field"] for e in body["fieldErrors"]}
    api.fails("PUT", f"/ssl/v2/organization/{org_id}/contact", json={"contactId": "SSL1T"}, sub_code="SSL4000")
