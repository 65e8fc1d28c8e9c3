# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dcv_plan: where each name stands, what the options want and what must change, without a simulator."""

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import dcv_plan
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import FieldProblem

NAMES = ["www.example.com", "example.com", "*.shop.example.com"]


def instruction(domain, method="file", email=None):
    return {"domain": domain, "method": method, "email": email}


def entry(domain, status="PENDING", method="file"):
    return {"domain": domain, "method": method, "status": status, "message": None}


def params(**overrides):
    base = dict(method=None, domains=None, domain_methods=None, approver_email=None, approver_emails=None)
    base.update(overrides)
    return base


# ------------------------------------------------------------------------------ options


@pytest.mark.parametrize(
    "overrides, field",
    [
        (dict(wait_timeout=-1), "wait_timeout"),
        (dict(wait_interval=0), "wait_interval"),
        (dict(wait_max_interval=-2.0), "wait_max_interval"),
    ],
)
def test_wait_options_must_make_sense(overrides, field):
    options = dict(dict(wait_timeout=600, wait_interval=3.0, wait_max_interval=60.0), **overrides)
    with pytest.raises(FieldProblem) as info:
        dcv_plan.check_wait_options(options)
    assert info.value.field == field


def test_one_method_for_all_names_or_the_given_domains():
    assert dcv_plan.wanted_methods(params(method="dns"), NAMES) == dict.fromkeys(NAMES, "dns")
    assert dcv_plan.wanted_methods(params(method="dns", domains=["EXAMPLE.com."]), NAMES) == {"example.com": "dns"}


def test_per_name_methods_accept_aliases_and_override_the_common_method():
    wanted = dcv_plan.wanted_methods(params(method="dns", domain_methods={"example.com": "HTTP"}), NAMES[:2])
    assert wanted == {"www.example.com": "dns", "example.com": "file"}


@pytest.mark.parametrize(
    "overrides, field, problem",
    [
        (dict(method="dns", domains=["other.com"]), "domains", "other.com is not a name of the order"),
        (dict(domain_methods={"other.com": "dns"}), "domain_methods", "other.com is not a name of the order"),
        (dict(domain_methods={"example.com": "fax"}), "domain_methods", "'fax' for example.com is not a DCV method"),
        (dict(method="file"), "method", "file validation is not possible for the wildcard name *.shop"),
        (dict(domain_methods={"*.shop.example.com": "file"}), "domain_methods", "file validation is not possible"),
    ],
)
def test_bad_methods_name_the_option(overrides, field, problem):
    with pytest.raises(FieldProblem) as info:
        dcv_plan.wanted_methods(params(**overrides), NAMES)
    assert info.value.field == field
    assert info.value.problem.startswith(problem)


def test_approvers_for_all_names_or_per_name():
    assert dcv_plan.wanted_approvers(params(approver_email="a@example.com"), NAMES[:1]) == {
        "www.example.com": "a@example.com"
    }
    wanted = dcv_plan.wanted_approvers(params(approver_emails={"Example.com": "b@example.com"}), NAMES)
    assert wanted == {"example.com": "b@example.com"}


@pytest.mark.parametrize(
    "overrides, field",
    [
        (dict(approver_email="not-an-address"), "approver_email"),
        (dict(approver_emails={"example.com": "nobody"}), "approver_emails"),
        (dict(approver_emails={"other.com": "a@other.com"}), "approver_emails"),
    ],
)
def test_bad_approvers_name_the_option(overrides, field):
    with pytest.raises(FieldProblem) as info:
        dcv_plan.wanted_approvers(params(**overrides), NAMES)
    assert info.value.field == field


# ------------------------------------------------------------------------------ state


def test_validation_entries_follow_the_instructions_and_take_the_status_per_name():
    status = {"domains": [{"name": "EXAMPLE.com", "status": "validated", "authType": "DNS"}]}
    entries = dcv_plan.validation_entries(status, [instruction("www.example.com"), instruction("example.com")])
    assert [(e["domain"], e["method"], e["status"]) for e in entries] == [
        ("www.example.com", "file", "PENDING"),
        ("example.com", "dns", "VALIDATED"),
    ]
    assert dcv_plan.pending_names(entries) == ["www.example.com"]


def test_an_order_in_process_without_a_per_name_list_is_validated():
    entries = dcv_plan.validation_entries({"orderStatus": "IN_PROCESS"}, [instruction("www.example.com")])
    assert entries[0]["status"] == "VALIDATED"


# ------------------------------------------------------------------------------ plan


def test_plan_changes_only_pending_names_whose_method_differs():
    instructions = [instruction("www.example.com"), instruction("example.com"), instruction("a.example.com", "dns")]
    entries = [entry("www.example.com"), entry("example.com", "VALIDATED"), entry("a.example.com")]
    methods = dict.fromkeys(["www.example.com", "example.com", "a.example.com"], "dns")
    assert dcv_plan.plan(instructions, entries, methods, {}) == (
        {"dns": ["www.example.com"]},
        {},
        ["www.example.com: method file -> dns"],
    )


def test_plan_sets_approvers_of_email_names_and_reports_a_changed_one():
    instructions = [instruction("www.example.com", "email", "old@example.com"), instruction("example.com")]
    entries = [entry("www.example.com", method="email"), entry("example.com")]
    approvers = {"www.example.com": "new@example.com", "example.com": "x@example.com"}
    method_changes, approver_changes, reasons = dcv_plan.plan(
        instructions, entries, {"example.com": "email"}, approvers
    )
    assert method_changes == {"email": ["example.com"]}
    assert approver_changes == approvers
    assert reasons == [
        "example.com: method file -> email",
        "www.example.com: approver old@example.com -> new@example.com",
    ]


def test_the_same_approver_in_another_case_is_no_change():
    instructions = [instruction("www.example.com", "email", "Admin@Example.com")]
    plan = dcv_plan.plan(instructions, [entry("www.example.com")], {}, {"www.example.com": "admin@example.com"})
    assert plan == ({}, {}, [])


def test_change_requests_send_approvers_with_the_method_change_and_the_rest_separately():
    calls = dcv_plan.change_requests(
        {"email": ["a.example.com"], "dns": ["b.example.com"]},
        {"a.example.com": "x@example.com", "c.example.com": "y@example.com"},
    )
    assert calls == [
        ("auth_change", {"authType": "dns", "domains": ["b.example.com"]}),
        (
            "auth_change",
            {
                "authType": "email",
                "domains": ["a.example.com"],
                "approverEmail": [{"domain": "a.example.com", "email": "x@example.com"}],
            },
        ),
        ("approver_update", {"approverEmail": [{"domain": "c.example.com", "email": "y@example.com"}]}),
    ]


def test_the_planned_view_shows_the_changes_check_mode_did_not_send():
    instructions = [instruction("a.example.com"), instruction("b.example.com", "email", "old@example.com")]
    after = dcv_plan.planned_view(
        instructions,
        {"email": ["a.example.com"]},
        {"b.example.com": "new@example.com"},
        {"a.example.com": "x@example.com"},
    )
    assert after == {
        "a.example.com": {"method": "email", "email": "x@example.com"},
        "b.example.com": {"method": "email", "email": "new@example.com"},
    }


def test_resend_needs_a_name_awaiting_email_validation():
    entries = [entry("a.example.com"), entry("b.example.com", method="email"), entry("c.example.com", "VALIDATED")]
    assert dcv_plan.pending_email_names(entries, {"a.example.com": "email"}) == ["a.example.com", "b.example.com"]
    assert dcv_plan.check_resend("7", ["a.example.com"]) == "approval e-mail sent again for a.example.com"
    with pytest.raises(FieldProblem) as info:
        dcv_plan.check_resend("7", [])
    assert (info.value.field, info.value.problem) == ("resend", "no name of order 7 awaits e-mail validation")


def test_only_email_names_have_approvers_to_list():
    instructions = [instruction("a.example.com", "email"), instruction("b.example.com")]
    names = ["a.example.com", "b.example.com"]
    assert dcv_plan.email_validated_names(names, instructions, {}) == ["a.example.com"]
    assert dcv_plan.email_validated_names(names, instructions, {"a.example.com": "dns"}) == []


def test_the_timeout_message_names_each_pending_name_with_its_message():
    pending = [dict(entry("a.example.com"), message="file not found"), entry("b.example.com", method="dns")]
    assert dcv_plan.timeout_message("7", 60, pending) == (
        "Domain validation of order 7 did not complete within 60s; still pending: "
        "a.example.com (file: file not found); b.example.com (dns)."
    )
