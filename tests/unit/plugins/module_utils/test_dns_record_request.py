# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dns.check_record_request, raw_records and record_result: the input and result of webnic_dns_record."""

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import dns
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import FieldProblem


def request(**overrides):
    base = dict(zone="Example.com.", name="www", type="a", values=["192.0.2.1"], ttl=None, validation_names=None)
    base.update(overrides)
    return base


def test_a_request_is_normalised():
    assert dns.check_record_request(request()) == ("example.com", "www", "A")


@pytest.mark.parametrize(
    "overrides, field",
    [
        (dict(values=["not-an-ip"]), "values"),
        (dict(ttl=0), "ttl"),
        (dict(name="_x.other.org", type="TXT", values=["v"], validation_names=["example.com"]), "name"),
    ],
)
def test_bad_input_names_the_option(overrides, field):
    with pytest.raises(FieldProblem) as info:
        dns.check_record_request(request(**overrides))
    assert info.value.field.startswith(field)


def test_raw_records_keep_only_the_set():
    data = {"records": [{"name": "www", "type": "A"}, {"name": "www", "type": "TXT"}, {"name": "mail", "type": "a"}]}
    assert dns.raw_records(data, "www", "A", "example.com") == [{"name": "www", "type": "A"}]


def test_the_result_of_a_delete_and_of_no_change():
    result, diff = dns.record_result("example.com", "www", "A", (300, ["192.0.2.1"]), ("delete", None, [], ["gone"]))
    assert (result["changed"], result["exists"], result["ttl"], result["record_values"]) == (True, False, None, [])
    assert diff["before"] == {"ttl": 300, "values": ["192.0.2.1"]} and diff["after"] == {}
    result, _diff = dns.record_result("example.com", "www", "A", (300, ["192.0.2.1"]), (None, None, None, []))
    assert (result["changed"], result["exists"], result["ttl"]) == (False, True, 300)
    assert result["fqdn"] == "www.example.com"
