# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""webnic_dns_zone_info against the simulator, which hosts example.com/.net/.org/.test by default."""

from ansible_collections.webnic.ssl.plugins.module_utils._webnic.dns import hosted_zone_names
from ansible_collections.webnic.ssl.plugins.modules import webnic_dns_zone_info

from .runner import connection_args, run_module

LIST_ZONES = "GET /dns/v2/zones"


def zone_info(sim, check_mode=False, **args):
    return run_module(webnic_dns_zone_info, connection_args(sim, **args), check_mode=check_mode)


def test_lists_the_hosted_zones_with_one_read_call(simulator):
    result = zone_info(simulator)
    assert not result.failed, result
    assert result["changed"] is False
    assert {"example.com", "example.test"} <= set(result["zones"])
    assert simulator.stats()["calls"][LIST_ZONES] == 1
    assert simulator.stats()["writes"] == 0


def test_a_hosted_zone_is_found_whatever_its_spelling(simulator):
    result = zone_info(simulator, zone="Example.TEST.", fail_when_not_hosted=True)
    assert not result.failed, result
    assert result["hosted"] is True
    assert result["zones"] == ["example.test"]


def test_a_zone_not_hosted_fails_naming_it_in_check_mode_too(simulator):
    result = zone_info(simulator, check_mode=True, zone="elsewhere.example", fail_when_not_hosted=True)
    assert result.failed
    assert result["field"] == "zone"
    assert "zone elsewhere.example is not hosted on this WebNIC account" in result["msg"]
    assert simulator.stats()["writes"] == 0


def test_a_zone_not_hosted_is_reported_without_failing_when_not_asked_to(simulator):
    result = zone_info(simulator, zone="elsewhere.example")
    assert not result.failed, result
    assert result["hosted"] is False
    assert result["zones"] == []


def test_a_bad_zone_name_fails_before_any_call(simulator):
    result = zone_info(simulator, zone="not a zone")
    assert result.failed and result["field"] == "zone"
    assert simulator.stats()["total"] == 0


def test_zone_names_are_read_from_every_list_shape():
    assert hosted_zone_names([{"zone": "A.com."}, {"name": "b.com"}, "c.com", {"zone": "a.com"}]) == [
        "a.com",
        "b.com",
        "c.com",
    ]
    assert hosted_zone_names({"zones": [{"domain": "d.com"}]}) == ["d.com"]
    assert hosted_zone_names(None) == []
