# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""webnic_ssl_order against the simulator: real HTTP, money counted through the simulator's books."""

import functools
import http.server
import multiprocessing
import os
import threading

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.client import WebNICClient
from ansible_collections.webnic.ssl.plugins.modules import webnic_ssl_order

from .runner import connection_args, run_module

pytestmark = pytest.mark.simulator

MONEY_CALLS = (
    "POST /ssl/v2/orders/new",
    "POST /ssl/v2/orders/{orderId}/renew",
    "POST /ssl/v2/orders/{orderId}/reissue",
)
WRITE_CALLS = (*MONEY_CALLS, "POST /ssl/v2/orders/{orderId}/cancel")
CN = "www.example.com"


@pytest.fixture(autouse=True)
def fast_lookups(monkeypatch):
    """Looking again after a lost answer waits a moment in production; the simulator commits at once."""
    monkeypatch.setattr(webnic_ssl_order, "LOOKUP_DELAYS", (0.0, 0.05))


@functools.lru_cache(maxsize=None)
def _key(key_type):
    return crypto.generate_private_key(key_type)


def make_csr(common_name, sans=(), key_type="RSA-2048", key=None):
    key = key or _key(key_type)
    names = [common_name] + [n for n in sans if n != common_name]
    return crypto.build_csr(key, common_name, names).decode("ascii")


def writes(sim):
    calls = sim.stats()["calls"]
    return {k: v for k, v in calls.items() if k in WRITE_CALLS}


def api(sim):
    return WebNICClient(sim.url, "api-demo", "demo-secret", use_token_cache=False)


@pytest.fixture
def sim(simulator):
    return simulator


@pytest.fixture
def contact(sim):
    return create_contact(sim)


def create_contact(sim):
    person = {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "address1": "1 Main St",
        "city": "Kuala Lumpur",
        "countryCode": "MY",
        "phoneNumber": "+60.312345678",
        "email": "ada@example.com",
    }
    created = api(sim).call("contact_create", body={"administrator": person})
    return created[0]["contactId"]


def order_args(sim, contact, **extra):
    args = {
        "product_key": "ssl123",
        "common_name": CN,
        "subject_alt_names": ["example.com"],
        "csr": make_csr(CN, ["example.com"]),
        "dcv_method": "email",
        "approver_emails": {CN: "admin@example.com", "example.com": "admin@example.com"},
        "administrator_contact_id": contact,
    }
    args.update(extra)
    return connection_args(sim, **args)


def place_issued(sim, contact, **extra):
    """Place an order through the module and let the approver validate it: issued at once."""
    result = run_module(webnic_ssl_order, order_args(sim, contact, **extra))
    assert not result.failed, result
    sim.approve(result["order_id"])
    return result["order_id"]


def reads_missing(sim):
    """Do the assumed read paths answer 404 in this run (WEBNIC_SIM_MISSING=assumed-reads / assumed)?"""
    return any(item in ("assumed", "assumed-reads") for item in sim.missing)


def skipped_paths(result):
    return {entry["path"] for entry in result.get("skipped_checks", [])}


AUTH_INFO = "GET /ssl/v2/orders/{orderId}/auth/info"


def live_orders(sim):
    return [o for o in sim.orders() if o["status"] not in ("CANCELLED", "REFUNDED", "REJECTED", "REVOKED", "EXPIRED")]


# ------------------------------------------------------------------------------ place and adopt


def test_place_then_rerun_adopts_without_write_call(sim, contact):
    first = run_module(webnic_ssl_order, order_args(sim, contact))
    assert not first.failed, first
    assert first["changed"] is True
    assert first["action"] == "placed"
    # The documented rules do not say the companion name is free (freeCompanionSan is extended-only):
    # the quote counts example.com as a paid name, an upper bound; the account is charged 10.
    assert first["price"] == 20.0
    assert first["order_status"] == "PENDING"
    assert [d["domain"] for d in first["dcv"]] == [CN, "example.com"]
    assert first["dcv"][0] == {
        "domain": CN,
        "method": "email",
        "file_path": None,
        "file_content": None,
        "dns_host": None,
        "dns_type": None,
        "dns_value": None,
        "email": "admin@example.com",
    }
    assert first["changed_reasons"] and "placed a new order" in first["changed_reasons"][0]
    assert float(sim.balance()) == 9990.0

    sim.reset_stats()
    again = run_module(webnic_ssl_order, order_args(sim, contact, subject_alt_names=["EXAMPLE.com", CN]))
    assert not again.failed, again
    assert again["changed"] is False
    assert again["action"] == "adopted"
    assert again["changed_reasons"] == []
    assert again["order_id"] == first["order_id"]
    if reads_missing(sim):  # Get Auth Info is assumed: without it an adopted order has no instructions
        assert again["dcv"] == [] and AUTH_INFO in skipped_paths(again)
    else:
        assert again["dcv"][0]["email"] == "admin@example.com"  # instructions of the adopted order
    assert writes(sim) == {}
    assert sim.stats()["writes"] == 0
    assert len(sim.orders()) == 1


def test_http_is_an_alias_of_file_validation(sim, contact):
    result = run_module(webnic_ssl_order, order_args(sim, contact, dcv_method="http", approver_emails=None))
    assert not result.failed, result
    assert {d["method"] for d in result["dcv"]} == {"file"}
    assert all(d["file_path"].startswith("/.well-known/pki-validation/") and d["file_content"] for d in result["dcv"])
    assert sim.orders()[0]["authType"] == "file"


def test_free_companion_is_priced_free_only_when_the_rules_say_so(simulator_factory):
    sim = simulator_factory(profile="extended", missing=[])  # freeCompanionSan is an extended (assumed) rules field
    result = run_module(webnic_ssl_order, order_args(sim, create_contact(sim)), check_mode=True)
    assert not result.failed, result
    assert result["price"] == 10.0  # example.com is the free companion of www.example.com
    assert writes(sim) == {}


def test_check_mode_reports_price_and_sends_no_write_call(sim, contact):
    sans = ["example.com", "a.example.com", "*.example.com"]
    result = run_module(
        webnic_ssl_order,
        order_args(
            sim,
            contact,
            subject_alt_names=sans,
            csr=make_csr(CN, sans),
            approver_emails={"example.com": "admin@example.com"},
        ),
        check_mode=True,
    )
    assert not result.failed, result
    assert result["changed"] is True
    assert result["action"] == "placed"
    # 10 + 2 SANs (example.com counted: the documented rules do not make it free) 20 + 1 wildcard SAN 20
    assert result["price"] == 50.0 and result["currency"] == "USD"
    assert "would place" in result["changed_reasons"][0]
    assert writes(sim) == {}
    assert sim.orders() == []
    assert float(sim.balance()) == 10000.0


def test_order_id_adopts_the_given_order(sim, contact):
    order_id = run_module(webnic_ssl_order, order_args(sim, contact))["order_id"]
    sim.reset_stats()
    result = run_module(webnic_ssl_order, connection_args(sim, order_id=order_id))
    assert not result.failed, result
    assert (result["changed"], result["action"], result["order_id"]) == (False, "adopted", order_id)
    assert result["order"]["common_name"] == CN
    assert result["order"]["subject_alt_names"] == ["example.com"]
    assert writes(sim) == {}


def test_two_live_candidates_fail_and_are_listed(sim, contact):
    run_module(webnic_ssl_order, order_args(sim, contact))
    body = {
        "productKey": "ssl123",
        "term": 1,
        "csr": make_csr(CN, ["example.com"]),
        "sanfield": ["example.com"],
        "authType": "dns",
        "administratorContactId": contact,
    }
    api(sim).call("order_place", body=body)  # a second order bought outside the module
    sim.reset_stats()
    result = run_module(webnic_ssl_order, order_args(sim, contact))
    assert result.failed
    assert "2 live orders match" in result["msg"]
    assert len(result["candidates"]) == 2
    for candidate in result["candidates"]:
        assert candidate["order_id"] in result["msg"]
    assert writes(sim) == {}


def test_orders_of_other_names_or_products_are_not_adopted(sim, contact):
    args = order_args(
        sim, contact, common_name="shop.example.com", subject_alt_names=[], csr=make_csr("shop.example.com")
    )
    run_module(webnic_ssl_order, args)
    # "www.example.com" is not a substring match of shop.example.com but "example.com" would be: exactness is ours.
    other = order_args(sim, contact, common_name="example.com", subject_alt_names=[], csr=make_csr("example.com"))
    result = run_module(webnic_ssl_order, other)
    assert result["action"] == "placed"
    rapid = dict(other, product_key="rapidssl")
    result = run_module(webnic_ssl_order, rapid)
    assert result.get("action") == "placed", result.get("msg")
    assert len(sim.orders()) == 3


# ------------------------------------------------------------------------------ lost answers


def test_lost_response_after_commit_adopts_order(sim, contact):
    sim.fault("POST /ssl/v2/orders/new", "drop_after_commit")
    result = run_module(webnic_ssl_order, order_args(sim, contact))
    assert not result.failed, result
    assert result["changed"] is True
    assert result["action"] == "placed"
    assert any("answer was lost" in reason for reason in result["changed_reasons"])
    orders = sim.orders()
    assert len(orders) == 1
    assert result["order_id"] == orders[0]["orderId"]
    assert sim.stats()["calls"]["POST /ssl/v2/orders/new"] == 1  # never resent
    assert float(sim.balance()) == 9990.0  # one charge
    rerun = run_module(webnic_ssl_order, order_args(sim, contact))
    assert (rerun["changed"], rerun["order_id"]) == (False, result["order_id"])


def test_lost_response_to_renew_adopts_the_renewal(sim, contact):
    old_id = place_issued(sim, contact)
    sim.age(old_id, 300)
    sim.fault("POST /ssl/v2/orders/{orderId}/renew", "drop_after_commit")
    result = run_module(webnic_ssl_order, order_args(sim, contact))
    assert not result.failed, result
    assert (result["action"], result["renewed_from"]) == ("renewed", old_id)
    assert result["order_id"] != old_id
    assert any("answer was lost" in reason for reason in result["changed_reasons"])
    assert sim.stats()["calls"]["POST /ssl/v2/orders/{orderId}/renew"] == 1
    assert len(sim.orders()) == 2 and float(sim.balance()) == 9980.0


def test_lost_response_to_reissue_adopts_the_reissue(sim, contact):
    old_id = place_issued(sim, contact)
    sans = ["example.com", "api.example.com"]
    sim.fault("POST /ssl/v2/orders/{orderId}/reissue", "drop_after_commit")
    args = order_args(sim, contact, subject_alt_names=sans, csr=make_csr(CN, sans), reissue=True)
    result = run_module(webnic_ssl_order, args)
    assert not result.failed, result
    assert (result["action"], result["order_id"], result["order_status"]) == ("reissued", old_id, "PENDING_REISSUE")
    assert any("answer was lost" in reason for reason in result["changed_reasons"])
    if reads_missing(sim):  # the instructions come from Get Auth Info (assumed): reported as skipped
        assert result["dcv"] == [] and AUTH_INFO in skipped_paths(result)
    else:
        assert {d["domain"] for d in result["dcv"]} == {CN, "example.com", "api.example.com"}
    assert sim.stats()["calls"]["POST /ssl/v2/orders/{orderId}/reissue"] == 1


def test_server_error_on_cancel_is_checked_not_resent(sim, contact):
    order_id = run_module(webnic_ssl_order, order_args(sim, contact))["order_id"]
    sim.fault("POST /ssl/v2/orders/{orderId}/cancel", "drop_after_commit")
    result = run_module(webnic_ssl_order, order_args(sim, contact, state="absent"))
    assert not result.failed, result
    assert (result["changed"], result["order_id"]) == (True, order_id)
    assert result["order_status"] in ("CANCELLED", "REFUNDED")
    assert sim.stats()["calls"]["POST /ssl/v2/orders/{orderId}/cancel"] == 1


@pytest.mark.parametrize("status", [500, 502])
def test_server_error_on_place_places_no_second_order(sim, contact, status):
    sim.fault("POST /ssl/v2/orders/new", "status", status=status)
    result = run_module(webnic_ssl_order, order_args(sim, contact))
    assert result.failed
    assert "NOT resent" in result["msg"] and "may exist" in result["msg"]
    assert result["order_may_exist"] is True
    assert sim.stats()["calls"]["POST /ssl/v2/orders/new"] == 1
    assert sim.orders() == []
    assert float(sim.balance()) == 10000.0


# ------------------------------------------------------------------------------ rules before money


@pytest.mark.parametrize(
    "case,extra,field,words",
    [
        ("term", {"term": 3}, "term", "not offered"),
        (
            "too many SANs",
            {"subject_alt_names": ["n%d.example.com" % i for i in range(6)]},
            "subject_alt_names",
            "maximum",
        ),
        ("wildcard CN", {"common_name": "*.example.com", "subject_alt_names": []}, "common_name", "wildcard"),
        (
            "SAN on a single-name product",
            {"product_key": "rapidssl", "subject_alt_names": ["a.example.com"]},
            "subject_alt_names",
            "SAN",
        ),
        ("key type", {"product_key": "geotrust-ev", "key_type": "EC-P256"}, "csr", "key type EC-P256"),
        (
            "dcv method",
            {
                "product_key": "rapidssl-wildcard",
                "common_name": "*.example.com",
                "subject_alt_names": [],
                "dcv_method": "file",
            },
            "dcv_method",
            "file",
        ),
    ],
)
def test_rules_violations_fail_before_any_money_call(sim, contact, case, extra, field, words):
    extra = dict(extra)
    key_type = extra.pop("key_type", "RSA-2048")
    cn = extra.get("common_name", CN)
    sans = extra.get("subject_alt_names", ["example.com"])
    extra.setdefault("csr", make_csr(cn, sans, key_type=key_type))
    extra.setdefault("approver_emails", dict.fromkeys([cn, *sans], "admin@example.com"))
    result = run_module(webnic_ssl_order, order_args(sim, contact, **extra))
    assert result.failed, case
    if reads_missing(sim) and case in ("key type", "dcv method"):
        # Key types and DCV methods come only from Get SSL Rules (assumed). Without it the check is reported
        # as skipped; another check (EV organization) or WebNIC itself refuses: nothing created or charged.
        assert "GET /ssl/v2/products/rules" in skipped_paths(result)
        assert words not in result["msg"] or result["msg"].startswith("WebNIC POST /ssl/v2/orders/new failed")
        assert sim.orders() == [] and float(sim.balance()) == 10000.0
        return
    assert result["msg"].startswith(field + ":"), result["msg"]
    assert result["field"] == field
    assert words in result["msg"]
    assert writes(sim) == {}
    assert sim.orders() == []


def test_csr_names_must_equal_requested_names_before_any_api_call(sim, contact):
    result = run_module(webnic_ssl_order, order_args(sim, contact, csr=make_csr(CN, ["other.example.com"])))
    assert result.failed
    assert result["msg"].startswith("csr: its names differ")
    assert "missing example.com" in result["msg"] and "not requested other.example.com" in result["msg"]
    assert result["api_calls"] == 0


def test_csr_from_a_path(sim, contact, tmp_path):
    path = tmp_path / "www.csr"
    path.write_text(make_csr(CN, ["example.com"]))
    result = run_module(webnic_ssl_order, order_args(sim, contact, csr=str(path)))
    assert result["action"] == "placed", result
    missing = run_module(webnic_ssl_order, order_args(sim, contact, csr=str(tmp_path / "nope.csr")))
    assert missing.failed and missing["msg"].startswith("csr: is neither PEM content nor")


def test_email_validation_needs_an_approver_per_name(sim, contact):
    result = run_module(webnic_ssl_order, order_args(sim, contact, approver_emails={CN: "admin@example.com"}))
    assert result.failed
    assert result["msg"].startswith("approver_emails:") and "example.com" in result["msg"]
    assert result["api_calls"] == 0
    parent = run_module(
        webnic_ssl_order, order_args(sim, contact, approver_emails={"example.com": "admin@example.com"})
    )
    assert parent["action"] == "placed", parent
    result = run_module(webnic_ssl_order, order_args(sim, contact, approver_emails={"other.com": "admin@other.com"}))
    assert result.failed
    assert result["msg"].startswith("approver_emails:") and "example.com" in result["msg"]
    assert result["api_calls"] == 0


def test_ov_without_organization_fails_before_money(sim, contact):
    result = run_module(webnic_ssl_order, order_args(sim, contact, product_key="geotrust-truebusinessid"))
    assert result.failed
    assert result["msg"].startswith("organization_id:")
    assert "VALIDATED" in result["msg"]
    assert writes(sim) == {}


def test_missing_contact_fails_before_money(sim, contact):
    result = run_module(webnic_ssl_order, order_args(sim, contact, administrator_contact_id=None))
    assert result.failed and result["msg"].startswith("administrator_contact_id:")
    assert writes(sim) == {}


# ------------------------------------------------------------------------------ renewal


def test_renewal_inside_window_renews_once_and_rerun_adopts(sim, contact):
    old_id = place_issued(sim, contact)
    sim.age(old_id, 300)  # 65 of 365 days left: inside the last third
    result = run_module(webnic_ssl_order, order_args(sim, contact))
    assert not result.failed, result
    assert result["changed"] is True and result["action"] == "renewed"
    assert result["renewed_from"] == old_id
    assert result["order_id"] != old_id
    assert result["price"] == 20.0  # quote: companion counted (see test_place_then_rerun...); charged 10
    assert any("lifetime left" in reason for reason in result["changed_reasons"])
    assert sim.stats()["calls"]["POST /ssl/v2/orders/{orderId}/renew"] == 1
    assert float(sim.balance()) == 9980.0

    sim.reset_stats()
    rerun = run_module(webnic_ssl_order, order_args(sim, contact))
    assert not rerun.failed, rerun
    assert (rerun["changed"], rerun["action"], rerun["order_id"]) == (False, "adopted", result["order_id"])
    assert rerun["renewed_from"] == old_id
    assert writes(sim) == {}
    # Adopting the old order by id finds its renewal too: renewal happens once.
    by_id = run_module(webnic_ssl_order, order_args(sim, contact, order_id=old_id))
    assert (by_id["changed"], by_id["order_id"]) == (False, result["order_id"]), by_id
    assert writes(sim) == {}


def test_renewal_check_mode_reports_price_without_writing(sim, contact):
    old_id = place_issued(sim, contact)
    sim.age(old_id, 300)
    sim.reset_stats()
    result = run_module(webnic_ssl_order, order_args(sim, contact, term=2), check_mode=True)
    assert (result["changed"], result["action"], result["price"]) == (True, "renewed", 38.0)
    assert writes(sim) == {}


def test_multi_year_order_gets_a_new_certificate_by_reissue_not_a_purchase(sim, contact):
    order_id = place_issued(sim, contact, term=2)  # certificate 398 days, paid term 730 days
    sim.age(order_id, 300)  # 98 certificate days left: due; 430 paid days left
    sim.reset_stats()
    result = run_module(webnic_ssl_order, order_args(sim, contact, term=2))
    assert not result.failed, result
    assert (result["changed"], result["action"], result["order_id"]) == (True, "reissued", order_id)
    assert any("paid term runs until" in reason for reason in result["changed_reasons"])
    assert writes(sim) == {"POST /ssl/v2/orders/{orderId}/reissue": 1}
    assert float(sim.balance()) == 9981.0  # only the first purchase (19.0)


def test_outside_window_no_renewal(sim, contact):
    old_id = place_issued(sim, contact)
    sim.age(old_id, 30)
    sim.reset_stats()
    result = run_module(webnic_ssl_order, order_args(sim, contact))
    assert not result.failed, result
    assert (result["changed"], result["action"], result["order_id"]) == (False, "adopted", old_id)
    assert result["renewal"] == {"due": False, "reasons": []}
    assert result["dcv"] == []
    assert writes(sim) == {}


def test_renew_false_reports_due_without_buying(sim, contact):
    old_id = place_issued(sim, contact)
    sim.age(old_id, 300)
    sim.reset_stats()
    result = run_module(webnic_ssl_order, order_args(sim, contact, renew=False))
    assert (result["changed"], result["order_id"]) == (False, old_id)
    assert result["renewal"]["due"] is True
    assert writes(sim) == {}


def test_remaining_days_narrows_the_window(sim, contact):
    old_id = place_issued(sim, contact)
    sim.age(old_id, 300)  # 65 days left
    result = run_module(webnic_ssl_order, order_args(sim, contact, remaining_days=30))
    assert (result["changed"], result["order_id"]) == (False, old_id)


def test_revoked_certificate_is_replaced(sim, contact):
    old_id = place_issued(sim, contact)
    sim.revoke(old_id)
    result = run_module(webnic_ssl_order, order_args(sim, contact))
    assert not result.failed, result
    assert result["changed"] is True
    assert result["order_id"] != old_id
    assert any("REVOKED" in reason for reason in result["changed_reasons"])
    assert result["renewed_from"] == old_id
    assert len(live_orders(sim)) == 1
    rerun = run_module(webnic_ssl_order, order_args(sim, contact))
    assert (rerun["changed"], rerun["order_id"]) == (False, result["order_id"])


def test_revoked_certificate_with_renew_false_buys_nothing(sim, contact):
    old_id = place_issued(sim, contact)
    sim.revoke(old_id)
    sim.reset_stats()
    result = run_module(webnic_ssl_order, order_args(sim, contact, renew=False))
    assert not result.failed, result
    assert (result["changed"], result["action"], result["order_id"]) == (False, "none", old_id)
    assert result["renewal"]["due"] is True and "REVOKED" in result["renewal"]["reasons"][0]
    assert writes(sim) == {}


def test_expired_certificate_is_renewed(sim, contact):
    old_id = place_issued(sim, contact)
    sim.age(old_id, 400)
    result = run_module(webnic_ssl_order, order_args(sim, contact))
    assert not result.failed, result
    assert (result["action"], result["renewed_from"]) == ("renewed", old_id)
    assert any("EXPIRED" in reason for reason in result["changed_reasons"])


# ------------------------------------------------------------------------------ reissue


def test_name_change_with_reissue_true_reissues(sim, contact):
    old_id = place_issued(sim, contact)
    sans = ["example.com", "api.example.com"]
    args = order_args(sim, contact, subject_alt_names=sans, csr=make_csr(CN, sans), reissue=True)
    sim.reset_stats()
    result = run_module(webnic_ssl_order, args)
    assert not result.failed, result
    assert (result["changed"], result["action"], result["order_id"]) == (True, "reissued", old_id)
    assert result["order_status"] == "PENDING_REISSUE"
    assert "api.example.com" in result["changed_reasons"][0]
    assert {d["domain"] for d in result["dcv"]} == {CN, "example.com", "api.example.com"}
    assert writes(sim) == {"POST /ssl/v2/orders/{orderId}/reissue": 1}
    assert len(sim.orders()) == 1 and float(sim.balance()) == 9990.0
    rerun = run_module(webnic_ssl_order, args)
    assert (rerun["changed"], rerun["order_id"]) == (False, old_id), rerun
    sim.approve(old_id)
    issued = run_module(webnic_ssl_order, args)
    assert (issued["changed"], issued["order"]["subject_alt_names"]) == (False, ["api.example.com", "example.com"])
    assert writes(sim) == {"POST /ssl/v2/orders/{orderId}/reissue": 1}


def test_name_change_without_reissue_fails_explaining(sim, contact):
    old_id = place_issued(sim, contact)
    sans = ["example.com", "api.example.com"]
    sim.reset_stats()
    result = run_module(webnic_ssl_order, order_args(sim, contact, subject_alt_names=sans, csr=make_csr(CN, sans)))
    assert result.failed
    assert old_id in result["msg"]
    assert "reissue=true" in result["msg"] and "Nothing was changed" in result["msg"]
    assert writes(sim) == {}


def test_key_change_is_a_reissue(sim, contact):
    old_id = place_issued(sim, contact)
    new_key = crypto.generate_private_key("EC-P256")
    csr = make_csr(CN, ["example.com"], key=new_key)
    refused = run_module(webnic_ssl_order, order_args(sim, contact, csr=csr))
    assert refused.failed and "another key" in refused["msg"]
    done = run_module(webnic_ssl_order, order_args(sim, contact, csr=csr, reissue=True))
    assert (done["action"], done["order_id"]) == ("reissued", old_id), done


def test_new_key_inside_the_renewal_window_renews_instead_of_reissuing(sim, contact):
    old_id = place_issued(sim, contact)
    sim.age(old_id, 300)  # due
    csr = make_csr(CN, ["example.com"], key=crypto.generate_private_key("EC-P256"))
    result = run_module(webnic_ssl_order, order_args(sim, contact, csr=csr))
    assert not result.failed, result
    assert (result["action"], result["renewed_from"]) == ("renewed", old_id)
    assert "POST /ssl/v2/orders/{orderId}/reissue" not in sim.stats()["calls"]


# ------------------------------------------------------------------------------ absent


def test_absent_cancels_a_pending_order(sim, contact):
    order_id = run_module(webnic_ssl_order, order_args(sim, contact))["order_id"]
    check = run_module(webnic_ssl_order, order_args(sim, contact, state="absent"), check_mode=True)
    assert (check["changed"], check["action"]) == (True, "cancelled")
    assert writes(sim).get("POST /ssl/v2/orders/{orderId}/cancel") is None
    result = run_module(webnic_ssl_order, order_args(sim, contact, state="absent"))
    assert not result.failed, result
    assert (result["changed"], result["action"], result["order_id"]) == (True, "cancelled", order_id)
    assert result["order_status"] in ("CANCELLED", "REFUNDED")
    assert float(sim.balance()) == 10000.0
    again = run_module(webnic_ssl_order, order_args(sim, contact, state="absent"))
    assert (again["changed"], again["action"]) == (False, "none")


def test_absent_fails_on_an_issued_certificate(sim, contact):
    order_id = place_issued(sim, contact)
    sim.reset_stats()
    result = run_module(webnic_ssl_order, connection_args(sim, order_id=order_id, state="absent"))
    assert result.failed
    assert "is issued" in result["msg"] and "Nothing was changed" in result["msg"]
    assert writes(sim) == {}


# ------------------------------------------------------------------------------ waiting


class _Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def web_root(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Files, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, "127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("profile", ["documented", "extended"])
def test_wait_until_issued_with_file_validation(simulator_factory, profile, web_root):
    sim = simulator_factory(profile=profile)
    contact = create_contact(sim)
    root, address = web_root
    sim.config(issue_delay=2)  # the CA takes a moment after validation: the module has to poll
    placed = run_module(webnic_ssl_order, order_args(sim, contact, dcv_method="file", approver_emails=None))
    assert not placed.failed, placed
    for entry in placed["dcv"]:
        target = root / entry["file_path"].lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(entry["file_content"])
        sim.resolve(entry["domain"], address)
    result = run_module(webnic_ssl_order, order_args(sim, contact, dcv_method="file", wait=True, wait_timeout=30))
    assert not result.failed, result
    assert result["waited"] == "issued"
    assert (result["order_status"], result["cert_status"]) == ("COMPLETED", "ACTIVE")
    assert result["dcv"] == []
    assert result["dates"]["cert_expires"]
    # The documented DCV status has no per-domain list: only the extended profile reports each domain.
    expected = set() if sim.profile == "documented" else {"VALIDATED"}
    assert {d["status"] for d in result["dcv_status"]} == expected


@pytest.mark.parametrize("profile", ["documented", "extended"])
def test_wait_timeout_lists_pending_domains(simulator_factory, profile):
    sim = simulator_factory(profile=profile)
    contact = create_contact(sim)
    placed = run_module(webnic_ssl_order, order_args(sim, contact, dcv_method="dns", approver_emails=None))
    result = run_module(
        webnic_ssl_order,
        order_args(sim, contact, dcv_method="dns", wait=True, wait_timeout=2, order_id=placed["order_id"]),
    )
    assert result.failed
    assert result["waited"] == "timeout"
    assert "was not issued within 2 seconds" in result["msg"]
    if sim.profile == "documented":  # no per-domain list in the documented DCV status: say so, guess nothing
        assert "Domains not validated: none reported" in result["msg"]
        assert result["dcv_status"] == []
    else:
        assert CN in result["msg"] and "example.com (dns" in result["msg"]
        assert {d["domain"] for d in result["dcv_status"]} == {CN, "example.com"}
    assert result["order_id"] == placed["order_id"]


# ------------------------------------------------------------------------------ concurrency


def _fork_run(args, barrier, queue):
    barrier.wait(30)
    try:
        result = run_module(webnic_ssl_order, args)
        queue.put((result.get("failed", False), result.get("action"), result.get("order_id"), result.get("msg")))
    except BaseException as exc:  # report anything, never hang the parent
        queue.put((True, None, None, repr(exc)))


def test_twenty_concurrent_processes_place_one_order(sim, contact):
    context = multiprocessing.get_context("fork")
    args = order_args(sim, contact)
    barrier = context.Barrier(20)
    queue = context.Queue()
    workers = [context.Process(target=_fork_run, args=(args, barrier, queue)) for _worker in range(20)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _worker in workers]
    for worker in workers:
        worker.join(30)
    assert [r for r in results if r[0]] == []
    assert sorted(r[1] for r in results) == ["adopted"] * 19 + ["placed"]
    assert len({r[2] for r in results}) == 1
    assert len(sim.orders()) == 1
    assert sim.stats()["calls"]["POST /ssl/v2/orders/new"] == 1
    assert float(sim.balance()) == 9990.0


# ------------------------------------------------------------------------------ input checks


@pytest.mark.parametrize(
    "extra,field",
    [
        ({"common_name": None, "subject_alt_names": []}, "common_name"),
        ({"product_key": None}, "product_key"),
        ({"term": 0}, "term"),
        ({"common_name": "bad_name.example.com"}, "common_name"),
        ({"subject_alt_names": ["ok.example.com", "-bad.example.com"]}, "subject_alt_names"),
        ({"remaining_percentage": 150.0}, "remaining_percentage"),
        ({"csr": "-----BEGIN CERTIFICATE REQUEST-----\nnope\n-----END CERTIFICATE REQUEST-----"}, "csr"),
    ],
)
def test_bad_input_names_the_field_without_calling_the_api(sim, contact, extra, field):
    result = run_module(webnic_ssl_order, order_args(sim, contact, **extra))
    assert result.failed
    assert result["msg"].startswith(field + ":") or field in result["msg"], result["msg"]
    assert result["api_calls"] == 0


def test_module_documentation_matches_the_argument_spec():
    import yaml

    doc = yaml.safe_load(webnic_ssl_order.DOCUMENTATION)
    yaml.safe_load(webnic_ssl_order.EXAMPLES)
    returned = yaml.safe_load(webnic_ssl_order.RETURN)
    assert doc["attributes"]["check_mode"]["support"] == "full"
    assert doc["attributes"]["idempotent"]["support"] == "full"
    assert {"action", "changed_reasons", "order_id", "dcv", "price", "raw"} <= set(returned)
    assert os.path.basename(webnic_ssl_order.__file__) == "webnic_ssl_order.py"
