# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""webnic_ssl_contact against the simulator: create, find again, compare, delete, check mode, bad input."""

import json
import os

import pytest

from ansible_collections.webnic.ssl.plugins.modules import webnic_ssl_contact

from .runner import connection_args, run_module

ADMIN = {
    "company": "Example Sdn Bhd",
    "first_name": "Aminah",
    "last_name": "Rahman",
    "address1": "Level 10, Menara Example",
    "city": "Kuala Lumpur",
    "province": "Wilayah Persekutuan",
    "country_code": "MY",
    "zip": "50450",
    "phone_number": "+60 3-1234 5678",
    "email": "aminah@example.com",
}
TECH = dict(ADMIN, first_name="Lee", last_name="Wong", email="noc@example.com", phone_number="+60 12-345 6789")


@pytest.fixture(autouse=True)
def cache_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("WEBNIC_TOKEN_CACHE_DIR", str(tmp_path / "tokens"))
    monkeypatch.setenv("WEBNIC_CONTACT_CACHE_DIR", str(tmp_path / "contacts"))
    return tmp_path / "contacts"


def writes(sim):
    return sim.stats()["writes"]


def contact(sim, args, **kwargs):
    return run_module(webnic_ssl_contact, connection_args(sim, **args), **kwargs)


def test_create_returns_ids_for_administrator_and_technical(simulator):
    result = contact(simulator, {"administrator": ADMIN, "technical": TECH})
    assert not result.failed, result
    assert result["changed"] is True
    admin_id, tech_id = result["administrator_contact_id"], result["technical_contact_id"]
    assert admin_id and tech_id and admin_id != tech_id
    assert result["contacts"]["administrator"]["source"] == "created"
    assert result["contacts"]["administrator"]["details"]["phone_number"] == "+60.312345678"
    assert result["changed_reasons"] == [
        "administrator: created contact %s" % admin_id,
        "technical: created contact %s" % tech_id,
    ]
    assert simulator.stats()["calls"]["POST /ssl/v2/contact/create"] == 1


def test_sent_in_plus_cc_dot_number_form(simulator):
    result = contact(simulator, {"administrator": ADMIN})
    info = contact(simulator, {"administrator_contact_id": result["administrator_contact_id"]})
    assert info["raw"]["administrator"]["phoneNumber"] == "+60.312345678"
    assert info["raw"]["administrator"]["countryCode"] == "MY"


def test_technical_defaults_to_the_administrator(simulator):
    result = contact(simulator, {"administrator": ADMIN})
    assert result["contacts"]["technical"]["details"] == result["contacts"]["administrator"]["details"]
    assert result["technical_contact_id"] != result["administrator_contact_id"]


def test_rerun_makes_no_write_call(simulator):
    first = contact(simulator, {"administrator": ADMIN, "technical": TECH})
    before = writes(simulator)
    second = contact(simulator, {"administrator": ADMIN, "technical": TECH})
    assert second["changed"] is False, second
    assert second["changed_reasons"] == []
    assert writes(simulator) == before
    assert (second["administrator_contact_id"], second["technical_contact_id"]) == (
        first["administrator_contact_id"],
        first["technical_contact_id"],
    )
    assert second["contacts"]["administrator"]["source"] == "cache"


def test_spelling_variants_are_the_same_contact(simulator):
    first = contact(simulator, {"administrator": ADMIN})
    before = writes(simulator)
    variant = dict(
        ADMIN, phone_number="0060312345678", email="aminah@EXAMPLE.com", country_code="my", city=" Kuala  Lumpur"
    )
    second = contact(simulator, {"administrator": variant})
    assert second["changed"] is False
    assert writes(simulator) == before
    assert second["administrator_contact_id"] == first["administrator_contact_id"]


def test_changed_details_create_a_new_contact(simulator):
    first = contact(simulator, {"administrator": ADMIN})
    second = contact(simulator, {"administrator": dict(ADMIN, city="Petaling Jaya")})
    assert second["changed"] is True
    assert second["administrator_contact_id"] != first["administrator_contact_id"]


def test_check_mode_makes_no_write_call_and_reports_the_change(simulator):
    result = contact(simulator, {"administrator": ADMIN, "technical": TECH}, check_mode=True)
    assert result["changed"] is True
    assert result["administrator_contact_id"] is None
    assert result["contacts"]["technical"]["source"] == "would_create"
    assert result["changed_reasons"] == ["administrator: would create a contact", "technical: would create a contact"]
    assert writes(simulator) == 0


def test_cache_file_is_private_and_keyed_by_fingerprint(simulator, cache_dirs):
    result = contact(simulator, {"administrator": ADMIN})
    files = os.listdir(str(cache_dirs))
    assert len(files) == 1
    path = os.path.join(str(cache_dirs), files[0])
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    with open(path) as handle:
        data = json.load(handle)
    assert data["username"] == "api-demo"
    fingerprint = result["contacts"]["administrator"]["fingerprint"]
    assert data["contacts"][fingerprint]["contact_id"] == result["administrator_contact_id"]


def test_cache_dir_option_wins_over_the_environment(simulator, tmp_path):
    contact(simulator, {"administrator": ADMIN, "cache_dir": str(tmp_path / "mine")})
    assert len(os.listdir(str(tmp_path / "mine"))) == 1


def test_contact_deleted_behind_our_back_is_created_again(simulator):
    first = contact(simulator, {"administrator": ADMIN, "technical": TECH})
    contact(simulator, {"state": "absent", "administrator_contact_id": first["administrator_contact_id"]})
    second = contact(simulator, {"administrator": ADMIN, "technical": TECH})
    assert second["changed"] is True
    assert second["administrator_contact_id"] != first["administrator_contact_id"]
    assert second["technical_contact_id"] == first["technical_contact_id"]
    assert second["contacts"]["technical"]["source"] == "cache"


def test_given_ids_are_read_and_nothing_is_created(simulator):
    first = contact(simulator, {"administrator": ADMIN, "technical": TECH})
    before = writes(simulator)
    args = {
        "administrator_contact_id": first["administrator_contact_id"],
        "technical_contact_id": first["technical_contact_id"],
        "administrator": ADMIN,
    }
    result = contact(simulator, args)
    assert result["changed"] is False, result
    assert result["contacts"]["administrator"]["source"] == "given"
    assert result["contacts"]["technical"]["details"]["email"] == "noc@example.com"
    assert writes(simulator) == before


def test_given_id_with_other_details_fails_naming_the_fields(simulator):
    first = contact(simulator, {"administrator": ADMIN})
    result = contact(
        simulator,
        {"administrator_contact_id": first["administrator_contact_id"], "administrator": dict(ADMIN, zip="50000")},
    )
    assert result.failed
    assert result["msg"].startswith("administrator: contact %s differs" % first["administrator_contact_id"])
    assert "zip" in result["msg"]
    assert result["differences"] == {"zip": {"given": "50000", "current": "50450"}}


def test_unknown_contact_id_fails_naming_the_option(simulator):
    result = contact(simulator, {"administrator_contact_id": "SSL999999T"})
    assert result.failed
    assert result["msg"].startswith("administrator_contact_id: WebNIC has no contact SSL999999T")


def test_absent_deletes_and_rerun_is_unchanged(simulator):
    first = contact(simulator, {"administrator": ADMIN, "technical": TECH})
    check = contact(simulator, {"state": "absent", "administrator": ADMIN, "technical": TECH}, check_mode=True)
    assert check["changed"] is True
    assert "DELETE /ssl/v2/contact/{contactId}" not in simulator.stats()["calls"]
    gone = contact(simulator, {"state": "absent", "administrator": ADMIN, "technical": TECH})
    assert gone["changed"] is True, gone
    assert simulator.stats()["calls"]["DELETE /ssl/v2/contact/{contactId}"] == 2
    assert gone["contacts"]["administrator"]["source"] == "deleted"
    before = writes(simulator)
    again = contact(simulator, {"state": "absent", "administrator_contact_id": first["administrator_contact_id"]})
    assert again["changed"] is False
    assert writes(simulator) == before


def test_diff_shows_ids_before_and_after(simulator):
    result = contact(simulator, {"administrator": ADMIN}, diff=True)
    assert result["diff"]["before"] == {"administrator": {}, "technical": {}}
    assert result["diff"]["after"]["administrator"]["contact_id"] == result["administrator_contact_id"]


@pytest.mark.parametrize(
    "override, field",
    [
        ({"email": None}, "administrator.email"),
        ({"first_name": "  "}, "administrator.first_name"),
        ({"country_code": "UK"}, "administrator.country_code"),
        ({"country_code": "Malaysia"}, "administrator.country_code"),
        ({"email": "aminah-at-example.com"}, "administrator.email"),
        ({"phone_number": "03-1234 5678"}, "administrator.phone_number"),
        ({"fax_number": "fax me"}, "administrator.fax_number"),
    ],
)
def test_bad_input_fails_naming_the_field_before_any_call(simulator, override, field):
    details = dict(ADMIN, **override)
    result = contact(simulator, {"administrator": details})
    assert result.failed
    assert result["msg"].startswith(field + ":"), result["msg"]
    assert result["field"] == field
    assert simulator.stats()["total"] == 0


def test_bad_technical_input_names_the_technical_field(simulator):
    result = contact(simulator, {"administrator": ADMIN, "technical": dict(TECH, email="noc@")})
    assert result["msg"].startswith("technical.email:")


def test_present_without_details_or_id_says_what_is_needed(simulator):
    result = contact(simulator, {})
    assert result.failed
    assert result["msg"].startswith("administrator: is required with state=present")
