# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The certificate role's plan (module_utils/_webnic/role_plan.py), one test per branch."""

from __future__ import annotations

import json

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import role_plan

ENDPOINT = "ote"
CERT = {"name": "www", "common_name": "www.example.com", "subject_alt_names": ["example.com"], "reuse_key": True}
HOSTS = ["h1", "h2", "h3"]
KEYS = {host: "/etc/ssl/%s/www.key" % host for host in HOSTS}


def healthy(order_id="100", **extra):
    info = {
        "due": False,
        "reasons": [],
        "key_matches": True,
        "endpoint_mismatch": False,
        "metadata": {"order_id": order_id, "api_endpoint": ENDPOINT},
        "not_after": "2027-06-01T00:00:00Z",
    }
    info.update(extra)
    return info


def due(*reasons, **extra):
    info = {"due": True, "reasons": list(reasons) or ["no certificate"], "key_matches": None, "metadata": None}
    info.update(extra)
    return info


def pending(order_id="77", host="h2", **extra):
    record = {
        "order_id": order_id,
        "api_endpoint": ENDPOINT,
        "common_name": CERT["common_name"],
        "subject_alt_names": CERT["subject_alt_names"],
        "host": host,
    }
    record.update(extra)
    return record


def plan(deployed, **kwargs):
    kwargs.setdefault("planning_host", "h1")
    return role_plan.plan_certificate(CERT, HOSTS, deployed, KEYS, ENDPOINT, **kwargs)


def test_nothing_due_is_no_action():
    result = plan({host: healthy() for host in HOSTS})
    assert result == {
        "action": "none",
        "hosts": HOSTS,
        "due_hosts": [],
        "healthy_hosts": HOSTS,
        "source_host": "h1",
        "resume_order_id": "",
        "resume_host": "",
        "key_source_host": "h1",
        "key_source_path": KEYS["h1"],
        "redeploy": False,
        "reasons": {},
    }


def test_some_hosts_due_copy_from_the_first_healthy_host():
    result = plan({"h1": due("key missing"), "h2": healthy(), "h3": due()})
    assert result["action"] == "sync"
    assert result["due_hosts"] == ["h1", "h3"]
    assert result["healthy_hosts"] == ["h2"]
    assert result["source_host"] == "h2"
    assert result["reasons"] == {"h1": ["key missing"], "h3": ["no certificate"]}


def test_every_host_due_orders():
    result = plan({host: due() for host in HOSTS})
    assert result["action"] == "order"
    assert result["healthy_hosts"] == [] and result["source_host"] == ""
    assert result["key_source_host"] == ""  # a new certificate: a new key
    assert result["key_source_path"] == KEYS["h1"]  # the planning host's path (unused without a source host)


def test_renewal_reuses_the_first_matching_key_recorded_with_an_order():
    deployed = {
        "h1": healthy(due=True, reasons=["10 days left"], key_matches=False),
        "h2": healthy(due=True, reasons=["10 days left"], metadata={"api_endpoint": ENDPOINT}),  # no order id
        "h3": healthy(due=True, reasons=["10 days left"]),
    }
    result = plan(deployed)
    assert result["action"] == "order"
    assert result["key_source_host"] == "h3"
    assert result["key_source_path"] == KEYS["h3"]


def test_a_key_from_another_endpoint_is_not_reused():
    deployed = {host: healthy(due=True, reasons=["expired"], endpoint_mismatch=True) for host in HOSTS}
    result = plan(deployed)
    assert result["key_source_host"] == ""
    assert result["key_source_path"] == KEYS["h1"]


def test_reuse_key_off_requests_a_new_key():
    deployed = {host: healthy(due=True, reasons=["expired"]) for host in HOSTS}
    result = role_plan.plan_certificate(
        dict(CERT, reuse_key=False), HOSTS, deployed, KEYS, ENDPOINT, planning_host="h1"
    )
    assert result["key_source_host"] == ""
    # The path still names the first reusable host, as the role always computed it (unused without a host).
    assert result["key_source_path"] == KEYS["h1"]


def test_pending_order_is_resumed_even_when_nothing_is_due():
    deployed = {host: healthy() for host in HOSTS}
    deployed["h3"]["metadata"] = dict(deployed["h3"]["metadata"], pending=pending(host="h2"))
    result = plan(deployed)
    assert result["action"] == "order"
    assert result["resume_order_id"] == "77"
    assert result["resume_host"] == "h2"
    assert result["key_source_host"] == "h2"
    assert result["key_source_path"] == KEYS["h2"] + ".pending"


@pytest.mark.parametrize(
    "mismatch",
    [
        {"api_endpoint": "production"},
        {"common_name": "other.example.com"},
        {"subject_alt_names": []},
    ],
)
def test_a_pending_order_for_another_endpoint_or_other_names_is_ignored(mismatch):
    deployed = {host: healthy() for host in HOSTS}
    deployed["h1"]["metadata"] = dict(deployed["h1"]["metadata"], pending=pending(**mismatch))
    result = plan(deployed)
    assert result["action"] == "none"
    assert result["resume_order_id"] == ""


def test_the_first_matching_pending_order_wins():
    deployed = {host: due() for host in HOSTS}
    deployed["h1"]["metadata"] = {"pending": pending(order_id="1", api_endpoint="production", host="h1")}
    deployed["h2"]["metadata"] = {"pending": pending(order_id="2", host="h3")}
    deployed["h3"]["metadata"] = {"pending": pending(order_id="3", host="h3")}
    result = plan(deployed)
    assert (result["resume_order_id"], result["resume_host"]) == ("2", "h3")


def test_pending_without_host_falls_back_to_a_reusable_key_host():
    deployed = {host: healthy(due=True, reasons=["expired"]) for host in HOSTS}
    deployed["h1"]["metadata"] = dict(deployed["h1"]["metadata"], pending=pending(host=""))
    result = plan(deployed)
    assert result["key_source_host"] == "h1"
    assert result["key_source_path"] == KEYS["h1"] + ".pending"


def test_redeploy_syncs_from_a_healthy_host():
    result = plan({host: healthy() for host in HOSTS}, redeploy=True)
    assert result["action"] == "sync"
    assert result["redeploy"] is True
    assert result["source_host"] == "h1"


def test_redeploy_wins_over_a_pending_order():
    deployed = {host: healthy() for host in HOSTS}
    deployed["h1"]["metadata"] = dict(deployed["h1"]["metadata"], pending=pending())
    assert plan(deployed, redeploy=True)["action"] == "sync"


def test_hosts_of_an_earlier_batch_are_healthy_sources():
    result = plan({host: due() for host in HOSTS}, earlier_fresh_hosts=["h0", "h2"])
    assert result["action"] == "sync"
    assert result["healthy_hosts"] == ["h0"]  # h2 is in this batch (and due): not a source
    assert result["source_host"] == "h0"


def test_a_host_without_result_counts_as_not_due():
    result = plan({"h1": due(), "h2": healthy()})
    assert result["due_hosts"] == ["h1"]
    assert result["healthy_hosts"] == ["h2", "h3"]


def test_unknown_key_path_is_a_clear_error():
    deployed = {host: healthy() for host in HOSTS}
    deployed["h1"]["metadata"] = dict(deployed["h1"]["metadata"], pending=pending(host="h9"))
    with pytest.raises(ValueError, match="key path of h9 is not known"):
        plan(deployed)


@pytest.mark.parametrize(
    ("deployed", "redeploy", "headline"),
    [
        ({h: healthy() for h in HOSTS}, False, "nothing due, no API call"),
        ({h: healthy() for h in HOSTS}, True, "redeploying the current certificate of h1 to every host (no API call)"),
        (
            {"h1": due(), "h2": healthy(), "h3": due()},
            False,
            "due on h1, h3; copying the current certificate from h2 (no API call)",
        ),
        ({h: due() for h in HOSTS}, False, "due on every host: ordering through ote"),
        (
            {"h1": due(metadata={"pending": pending()}), "h2": due(), "h3": due()},
            False,
            "resuming pending order 77 (recorded on h2)",
        ),
    ],
)
def test_report_headline(deployed, redeploy, headline):
    result = plan(deployed, redeploy=redeploy)
    lines = role_plan.plan_report(CERT, result, deployed, ENDPOINT)
    assert lines[0] == "www (www.example.com): " + headline
    assert len(lines) == 1 + len(HOSTS)


def test_report_lines_per_host():
    deployed = {"h1": due("key missing", "metadata missing"), "h2": healthy(), "h3": healthy(not_after="")}
    lines = role_plan.plan_report(CERT, plan(deployed), deployed, ENDPOINT)
    assert lines[1:] == [
        "h1: due: key missing; metadata missing",
        "h2: up to date (expires 2027-06-01T00:00:00Z)",
        "h3: up to date",
    ]


def test_report_says_which_hosts_were_checked_against_the_install_record():
    deployed = {"h1": healthy(unchanged_since_install=True), "h2": healthy(), "h3": healthy()}
    lines = role_plan.plan_report(CERT, plan(deployed), deployed, ENDPOINT)
    assert lines[1:] == [
        "h1: up to date (expires 2027-06-01T00:00:00Z, files as installed)",
        "h2: up to date (expires 2027-06-01T00:00:00Z)",
        "h3: up to date (expires 2027-06-01T00:00:00Z)",
    ]


# The plan of the whole certificate list for a batch (main.yml), and when the role can stop at once.


def settings(name="www", hosts=None, **extra):
    value = dict(
        CERT,
        name=name,
        hosts=list(HOSTS if hosts is None else hosts),
        inventory_group="web",
        key_mode="0600",
        owner="",
        group="",
    )
    value["pkcs12_path"] = ""
    value["privatekey_path"] = "/etc/ssl/%s.key" % name
    value.update(extra)
    return value


def states_for(certificates_by_host):
    """host -> name -> state, from host -> [(name, deployed or error string, settings overrides)]."""
    states = {}
    for host, certificates in certificates_by_host.items():
        states[host] = {}
        for index, (name, answer, extra) in enumerate(certificates):
            state = {"index": index, "settings": settings(name, **extra)}
            if isinstance(answer, str):
                state = {"index": index, "error": answer}
            else:
                state["deployed"] = answer
            states[host][name] = state
    return states


def test_role_nothing_due_anywhere_is_quiet_with_uniform_outcomes():
    states = states_for({host: [("www", healthy(), {}), ("api", healthy(), {})] for host in HOSTS})
    result = role_plan.plan_role(states, HOSTS, ENDPOINT)
    assert result["quiet"] is True and result["busy"] == {}
    assert sorted(result["plans"]) == ["api", "www"]
    assert result["uniform"] is True
    assert result["outcomes"]["h2"] == {
        "www": {
            "common_name": "www.example.com",
            "action": "none",
            "resumed_order_id": "",
            "order_id": "",
            "waiting_for": "",
            "changed": False,
            "failed": False,
        },
        "api": result["outcomes"]["h2"]["api"],
    }
    assert list(result["outcomes"]["h2"]) == ["www", "api"]  # in list order
    assert result["report"][0] == "www (www.example.com): nothing due, no API call"
    assert len(result["report"]) == 2 * (1 + len(HOSTS))


def test_role_hosts_serving_different_certificates_are_not_uniform():
    states = states_for(
        {"h1": [("www", healthy(), {"hosts": ["h1"]})], "h2": [("api", healthy(), {"hosts": ["h2"]})], "h3": []}
    )
    result = role_plan.plan_role(states, HOSTS, ENDPOINT)
    assert result["quiet"] is True
    assert result["uniform"] is False
    assert list(result["outcomes"]["h1"]) == ["www"]
    assert list(result["outcomes"]["h2"]) == ["api"]
    assert result["outcomes"]["h3"] == {}
    assert result["plans"]["www"]["hosts"] == ["h1"]


@pytest.mark.parametrize(
    ("answer_h2", "extra", "redeploy", "why"),
    [
        (due("key missing"), {}, False, "action sync"),
        (healthy(), {}, True, "action sync"),
        ("cannot template webroot", {}, False, "cannot be read: h2: cannot template webroot"),
        (healthy(endpoint_mismatch=True), {}, False, "issued through another endpoint"),
        (healthy(), {"key_mode": "0640"}, False, "owner, group or modes to apply"),
        (healthy(), {"group": "www-data"}, False, "owner, group or modes to apply"),
        (healthy(), {"pkcs12_path": "/etc/ssl/www.p12"}, False, "owner, group or modes to apply"),
    ],
)
def test_role_is_busy_when_any_host_needs_work(answer_h2, extra, redeploy, why):
    states = states_for(
        {"h1": [("www", healthy(), {})], "h2": [("www", answer_h2, extra)], "h3": [("www", healthy(), {})]}
    )
    result = role_plan.plan_role(states, HOSTS, ENDPOINT, redeploy=redeploy)
    assert result["quiet"] is False
    assert result["busy"] == {"www": why}


def test_role_allowed_endpoint_change_stays_quiet_when_nothing_is_due():
    states = states_for(
        {host: [("www", healthy(endpoint_mismatch=True), {"allow_endpoint_change": True})] for host in HOSTS}
    )
    assert role_plan.plan_role(states, HOSTS, ENDPOINT)["quiet"] is True


def test_role_pending_order_is_busy():
    metadata = {"order_id": "100", "pending": pending(host="h1")}
    states = states_for({host: [("www", healthy(metadata=metadata), {})] for host in HOSTS})
    result = role_plan.plan_role(states, HOSTS, ENDPOINT)
    assert result["busy"] == {"www": "action order"}
    assert result["plans"]["www"]["resume_order_id"] == "77"


def test_role_one_busy_certificate_keeps_the_plans_of_the_others():
    states = states_for({host: [("www", healthy(), {}), ("api", due(), {})] for host in HOSTS})
    result = role_plan.plan_role(states, HOSTS, ENDPOINT)
    assert result["busy"] == {"api": "action order"}
    assert result["plans"]["www"]["action"] == "none"


def test_role_hosts_outside_the_batch_or_without_state_are_left_out():
    states = states_for({"h1": [("www", healthy(), {"hosts": ["h1", "h2"]})]})
    states["h2"] = None  # unreachable: no state registered
    states["h9"] = states["h1"]  # not in this batch
    result = role_plan.plan_role(states, ["h1", "h2"], ENDPOINT)
    assert result["plans"]["www"]["hosts"] == ["h1"]
    assert sorted(result["outcomes"]) == ["h1", "h2"] and result["outcomes"]["h2"] == {}


def test_role_earlier_batches_count_as_sources():
    states = states_for({host: [("www", due(), {})] for host in HOSTS})
    result = role_plan.plan_role(states, HOSTS, ENDPOINT, earlier_fresh_hosts={"www": ["h0"]})
    assert result["plans"]["www"]["action"] == "sync"
    assert result["plans"]["www"]["source_host"] == "h0"


def test_attributes_asked():
    assert role_plan.attributes_asked({"key_mode": "0600"}) is False
    assert role_plan.attributes_asked({"key_mode": 416}) is True  # an unquoted mode goes to the checks
    assert role_plan.attributes_asked({"key_mode": "0600", "owner": "root"}) is True


# ------------------------------------------------------------------ sliced runs: the recorded order


RECORD_CERT = {"common_name": "www.example.com", "subject_alt_names": ["example.com", "www.example.com"]}


def record_text(**changes):
    record = {
        "order_id": "2001",
        "api_endpoint": "production",
        "common_name": "www.example.com",
        "subject_alt_names": ["www.example.com", "example.com"],
        "recorded_by": "web1-20261207",
    }
    record.update(changes)
    return json.dumps(record)


def test_recorded_order_of_another_slice_is_adopted():
    adopted = role_plan.recorded_order_to_adopt(record_text(order_id=2001), RECORD_CERT, "production", ["1999"])
    assert adopted["order_id"] == "2001"
    assert adopted["recorded_by"] == "web1-20261207"


def test_no_record_or_unreadable_record_orders():
    for text in ("", "   ", "not json", "{broken", "[1, 2]", '{"order_id": }'):
        assert role_plan.recorded_order_to_adopt(text, RECORD_CERT, "production", []) is None, text


def test_record_for_another_endpoint_or_names_orders():
    assert role_plan.recorded_order_to_adopt(record_text(api_endpoint="ote"), RECORD_CERT, "production", []) is None
    assert (
        role_plan.recorded_order_to_adopt(record_text(common_name="x.example.com"), RECORD_CERT, "production", [])
        is None
    )
    assert (
        role_plan.recorded_order_to_adopt(
            record_text(subject_alt_names=["www.example.com"]), RECORD_CERT, "production", []
        )
        is None
    )


def test_record_with_a_malformed_order_id_orders():
    for order_id in ("", None, "12/../34", "1 2", "$(id)"):
        assert role_plan.recorded_order_to_adopt(record_text(order_id=order_id), RECORD_CERT, "production", []) is None


def test_recorded_order_the_hosts_already_serve_is_the_one_being_renewed():
    assert role_plan.recorded_order_to_adopt(record_text(), RECORD_CERT, "production", ["2001", ""]) is None
    assert role_plan.recorded_order_to_adopt(record_text(order_id=2001), RECORD_CERT, "production", [2001]) is None
