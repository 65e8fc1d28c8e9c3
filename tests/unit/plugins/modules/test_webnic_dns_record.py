# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""webnic_dns_record against the simulator's DNS store (which, like WebNIC, returns values HTML-escaped)."""

from ansible_collections.webnic.ssl.plugins.modules import webnic_dns_record

from .runner import connection_args, run_module

SAVE = "POST /dns/v2/zone/{zone}/record"
DELETE = "DELETE /dns/v2/zone/{zone}/record"


def record(sim, check_mode=False, diff=False, **args):
    args.setdefault("zone", "example.com")
    return run_module(webnic_dns_record, connection_args(sim, **args), check_mode=check_mode, diff=diff)


def write_calls(sim):
    calls = sim.stats()["calls"]
    return calls.get(SAVE, 0) + calls.get(DELETE, 0)


def test_create_then_rerun_makes_no_write_call(simulator):
    created = record(simulator, name="_dnsauth.www", type="TXT", values=["token-1"])
    assert not created.failed, created
    assert created["changed"] is True
    assert created["changed_reasons"] == ["record set created with 1 value"]
    assert created["fqdn"] == "_dnsauth.www.example.com"
    assert created["ttl"] == 300

    again = record(simulator, name="_dnsauth.www", type="TXT", values=["token-1"])
    assert again["changed"] is False
    assert again["record_values"] == ["token-1"]
    assert write_calls(simulator) == 1


def test_html_escaped_and_quoted_txt_values_cause_no_perpetual_change(simulator):
    values = ['"v=spf1 include:_spf.example.com ~all"', "a<b&c>'d'", 'say "hi"']
    first = record(simulator, name="@", type="TXT", values=values)
    assert first["changed"] is True
    raw_values = [r["value"] for r in first["raw"]] if first["raw"] else []
    assert raw_values == []  # the set did not exist before
    second = record(simulator, name="@", type="TXT", values=values, diff=True)
    assert second["changed"] is False, second["changed_reasons"]
    assert any("&quot;" in r["value"] or "&amp;" in r["value"] for r in second["raw"][0]["rdatas"])
    # The same content without the DNS quotes is the same record.
    third = record(
        simulator, name="", type="TXT", values=["v=spf1 include:_spf.example.com ~all", "a<b&c>'d'", 'say "hi"']
    )
    assert third["changed"] is False
    assert write_calls(simulator) == 1


def test_adding_one_value_keeps_the_others(simulator):
    record(simulator, name="_dnsauth", type="TXT", values=["first", "second"])
    added = record(simulator, name="_dnsauth.example.com", type="TXT", values=["third"], on_existing="add")
    assert added["changed"] is True
    assert added["changed_reasons"] == ["1 value added, 2 kept"]
    assert sorted(added["record_values"]) == ["first", "second", "third"]
    check = record(simulator, name="_dnsauth", type="TXT", values=["second"], on_existing="add")
    assert check["changed"] is False
    assert sorted(check["record_values"]) == ["first", "second", "third"]


def test_replace_makes_the_set_exactly_the_values(simulator):
    record(simulator, name="www", type="A", values=["192.0.2.1", "192.0.2.2"], ttl=600)
    replaced = record(simulator, name="www", type="A", values=["192.0.2.3"])
    assert replaced["changed"] is True
    assert replaced["record_values"] == ["192.0.2.3"]
    assert replaced["ttl"] == 600  # kept when not given
    assert set(replaced["previous_values"]) == {"192.0.2.1", "192.0.2.2"}


def test_ttl_change_alone_is_a_change(simulator):
    record(simulator, name="www", type="A", values=["192.0.2.1"], ttl=300)
    changed = record(simulator, name="www", type="A", values=["192.0.2.1"], ttl=900)
    assert changed["changed_reasons"] == ["ttl 300 -> 900"]
    assert record(simulator, name="www", type="A", values=["192.0.2.1"], ttl=900)["changed"] is False


def test_keep_leaves_an_existing_set_alone(simulator):
    record(simulator, name="old", type="CNAME", values=["target.example.net."])
    kept = record(simulator, name="old", type="CNAME", values=["other.example.net"], on_existing="keep")
    assert kept["changed"] is False
    assert kept["record_values"] == ["target.example.net."]
    # Case and the trailing dot do not matter for host names.
    same = record(simulator, name="old", type="CNAME", values=["TARGET.example.net"])
    assert same["changed"] is False


def test_absent_with_values_removes_only_those(simulator):
    record(simulator, name="_dnsauth", type="TXT", values=["mine", "theirs"])
    removed = record(simulator, name="_dnsauth", type="TXT", values=['"mine"'], state="absent")
    assert removed["changed"] is True
    assert removed["record_values"] == ["theirs"]
    assert record(simulator, name="_dnsauth", type="TXT", values=["mine"], state="absent")["changed"] is False
    last = record(simulator, name="_dnsauth", type="TXT", values=["theirs"], state="absent")
    assert last["changed"] is True and last["exists"] is False
    assert simulator.stats()["calls"][DELETE] == 1


def test_absent_without_values_removes_the_set(simulator):
    record(simulator, name="gone", type="TXT", values=["a", "b"])
    result = record(simulator, name="gone", type="TXT", state="absent")
    assert result["changed"] is True and result["exists"] is False
    assert record(simulator, name="gone", type="TXT", state="absent")["changed"] is False


def test_check_mode_reports_and_writes_nothing(simulator):
    record(simulator, name="_dnsauth", type="TXT", values=["kept"])
    before = write_calls(simulator)
    result = record(
        simulator, check_mode=True, diff=True, name="_dnsauth", type="TXT", values=["new"], on_existing="add"
    )
    assert result["changed"] is True
    assert sorted(result["record_values"]) == ["kept", "new"]
    assert result["diff"]["before"] == {"ttl": 300, "values": ["kept"]}
    assert result["diff"]["after"] == {"ttl": 300, "values": ["kept", "new"]}
    assert write_calls(simulator) == before
    assert record(simulator, name="_dnsauth", type="TXT", values=["kept"])["changed"] is False


def test_bad_input_names_the_field(simulator):
    bad_a = record(simulator, name="www", type="A", values=["not-an-ip"])
    assert bad_a.failed and bad_a["msg"].startswith("values:")
    outside = record(simulator, name="www.example.net.", type="A", values=["192.0.2.1"])
    assert outside.failed and outside["msg"].startswith("name:")
    missing = record(simulator, name="www", type="A")
    assert missing.failed and "values" in missing["msg"]
    assert write_calls(simulator) == 0


def test_unknown_zone_is_a_clear_api_error(simulator):
    result = record(simulator, zone="not-hosted.example", name="www", type="A", values=["192.0.2.1"])
    assert result.failed
    assert "not hosted" in result["msg"]
    assert "Traceback" not in result["_stdout"]
