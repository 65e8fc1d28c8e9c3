# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record-set logic: decoding WebNIC's HTML-escaped values, TXT quoting, what a set must become."""

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic.dns import (
    FieldProblem,
    canonical_value,
    decode_value,
    plan_record_set,
    record_set_from_answer,
    relative_name,
    save_body,
    txt_content,
    validate_values,
)


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("&quot;abc&quot;", '"abc"'),
        ("a&amp;b", "a&b"),
        ("a&amp;quot;b", 'a"b'),  # escaped twice
        ("&#39;x&#39;", "'x'"),
        ("  plain  ", "plain"),
        (None, ""),
    ],
)
def test_decode_value_undoes_html_escaping(raw, decoded):
    assert decode_value(raw) == decoded


@pytest.mark.parametrize(
    ("value", "content"),
    [
        ('"abc"', "abc"),
        ("abc", "abc"),
        ('"a" "bc"', "abc"),
        ('"say \\"hi\\""', 'say "hi"'),
        ("&quot;v=spf1 ~all&quot;", "v=spf1 ~all"),
        ('"open', '"open'),
        ('"a" b', '"a" b'),
    ],
)
def test_txt_content_ignores_quoting(value, content):
    assert txt_content(value) == content


def test_canonical_values_compare_hosts_and_addresses_loosely():
    assert canonical_value("CNAME", "Target.Example.NET.") == canonical_value("CNAME", "target.example.net")
    assert canonical_value("MX", "10 Mail.Example.com.") == "10 mail.example.com"
    assert canonical_value("AAAA", "2001:DB8:0:0::1") == "2001:db8::1"
    assert canonical_value("TXT", "Case Matters") != canonical_value("TXT", "case matters")


@pytest.mark.parametrize(
    ("name", "relative"),
    [
        ("_dnsauth.www", "_dnsauth.www"),
        ("_dnsauth.www.example.com", "_dnsauth.www"),
        ("_DNSAUTH.www.example.com.", "_dnsauth.www"),
        ("@", ""),
        ("", ""),
        ("example.com", ""),
        ("example.com.", ""),
    ],
)
def test_relative_name(name, relative):
    assert relative_name(name, "Example.COM.") == relative


def test_absolute_name_outside_the_zone_is_refused():
    with pytest.raises(FieldProblem) as info:
        relative_name("www.example.net.", "example.com")
    assert info.value.field == "name"


def test_record_set_from_answer_matches_name_and_type_and_decodes():
    data = {
        "records": [
            {"type": "TXT", "name": None, "ttl": 600, "rdatas": [{"value": "&quot;apex&quot;"}]},
            {"type": "TXT", "name": "_dnsauth", "ttl": 300, "rdatas": [{"value": "a&amp;b"}, {"value": "c"}]},
            {"type": "A", "name": "_dnsauth", "ttl": 300, "rdatas": [{"value": "192.0.2.1"}]},
            {"type": "TXT", "name": "_dnsauth.example.com", "ttl": 300, "rdatas": [{"value": "c"}]},
        ]
    }
    assert record_set_from_answer(data, "", "TXT", "example.com") == (600, ['"apex"'])
    assert record_set_from_answer(data, "_dnsauth", "TXT", "example.com") == (300, ["a&b", "c"])
    assert record_set_from_answer(data, "missing", "TXT", "example.com") == (None, [])


def test_plan_create():
    assert plan_record_set("TXT", None, [], "present", ["x"], None, "replace") == (
        "save",
        300,
        ["x"],
        ["record set created with 1 value"],
    )


def test_plan_add_keeps_existing_values_and_their_spelling():
    action, ttl, values, reasons = plan_record_set("TXT", 120, ['"a"', "b"], "present", ["c", "a"], None, "add")
    assert action == "save" and ttl == 120
    assert values == ['"a"', "b", "c"]
    assert reasons == ["1 value added, 2 kept"]


def test_plan_same_set_in_another_spelling_is_no_change():
    assert plan_record_set("TXT", 300, ['"a"', "b"], "present", ["b", "a"], 300, "replace")[0] is None
    assert plan_record_set("TXT", 300, ['"a"'], "present", ["a"], None, "add")[0] is None


def test_plan_keep():
    assert plan_record_set("A", 300, ["192.0.2.1"], "present", ["192.0.2.9"], None, "keep")[0] is None
    assert plan_record_set("A", None, [], "present", ["192.0.2.9"], None, "keep")[0] == "save"


def test_plan_absent():
    assert plan_record_set("TXT", 300, ["a", "b"], "absent", ["a"], None, "replace")[:3] == ("save", 300, ["b"])
    assert plan_record_set("TXT", 300, ["a"], "absent", ['"a"'], None, "replace")[0] == "delete"
    assert plan_record_set("TXT", 300, ["a"], "absent", None, None, "replace")[0] == "delete"
    assert plan_record_set("TXT", None, [], "absent", None, None, "replace")[0] is None
    assert plan_record_set("TXT", 300, ["a"], "absent", ["z"], None, "replace")[0] is None


def test_plan_present_without_values_is_refused():
    with pytest.raises(FieldProblem):
        plan_record_set("TXT", None, [], "present", [], None, "replace")


def test_validate_values():
    validate_values("A", ["192.0.2.1"])
    validate_values("AAAA", ["2001:db8::1"])
    for record_type, values in (
        ("A", ["2001:db8::1"]),
        ("AAAA", ["192.0.2.1"]),
        ("A", [""]),
        ("CNAME", ["a.example", "b.example"]),
    ):
        with pytest.raises(FieldProblem):
            validate_values(record_type, values)


def test_save_body_sends_the_whole_set():
    assert save_body("_x", "TXT", 300, ["a", "b"]) == {
        "name": "_x",
        "type": "TXT",
        "ttl": 300,
        "rdatas": [{"value": "a"}, {"value": "b"}],
    }
