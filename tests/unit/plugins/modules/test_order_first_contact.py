# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""webnic_ssl_order on first contact with an API shaped only as WebNIC documents it.

Real HTTP to the simulator in its documented profile, with and without the paths we only assume;
money counted through the simulator's books and the exact calls read from its request log.
"""

import datetime
import re
import time

import pytest

from ansible_collections.webnic.ssl.plugins.modules import webnic_ssl_order

from .runner import run_module
from .test_webnic_ssl_order import create_contact, live_orders, make_csr, order_args

pytestmark = pytest.mark.simulator

PLACE = "POST /ssl/v2/orders/new"
RENEW = "POST /ssl/v2/orders/{id}/renew"
CANCEL = "POST /ssl/v2/orders/{id}/cancel"
MONEY = (PLACE, RENEW, "POST /ssl/v2/orders/{id}/reissue")


@pytest.fixture(autouse=True)
def fast_lookups(monkeypatch):
    """Looking again after a lost answer waits a moment in production; the simulator commits at once."""
    monkeypatch.setattr(webnic_ssl_order, "LOOKUP_DELAYS", (0.0, 0.05))


def calls_from(lines):
    found = []
    for line in lines:
        method, path = line.split()[1:3]
        if not path.startswith("/_sim"):
            found.append("%s %s" % (method, re.sub(r"/orders/\d+", "/orders/{id}", path)))
    return found


def single_name_args(sim, contact, name):
    return order_args(
        sim,
        contact,
        common_name=name,
        subject_alt_names=[],
        csr=make_csr(name),
        approver_emails={name: "admin@example.com"},
    )


def issue(sim, order_id):
    sim.approve(order_id)


# ------------------------------------------------------------------------------ two runs, one order

FIRST_RUN = [
    "POST /reseller/v2/api-user/token",
    "POST /ssl/v2/orders/search",  # look up before buying: nothing for these names
    "GET /ssl/v2/products/rules",  # assumed: when it answers 404 the list row's rules are used (skipped_checks)
    "GET /ssl/v2/products/pricing",  # the quote
    "GET /ssl/v2/orders/info",  # Get Order Info by common name (doc): the search missed nothing
    "POST /ssl/v2/orders/new",  # the only money call
    "GET /ssl/v2/orders/info",  # the new order as WebNIC records it
    "POST /ssl/v2/orders/search",  # a twin placed by a concurrent run?
    "GET /ssl/v2/orders/info",  # the candidate row read in full
    "GET /ssl/v2/products/list/price",  # the catalogue, read only once a row's display name must be matched
]


@pytest.mark.parametrize("missing", [None, "assumed-reads", "assumed"])
def test_two_runs_place_exactly_one_order(simulator_factory, missing):
    sim = simulator_factory(profile="documented", missing=missing)
    contact = create_contact(sim)
    mark = len(sim.log())
    first = run_module(webnic_ssl_order, order_args(sim, contact))
    assert not first.failed, first
    assert (first["changed"], first["action"]) == (True, "placed")
    sequence = calls_from(sim.log()[mark:])
    expected = list(FIRST_RUN)
    if missing:  # no rules path: the catalogue's list row gives the rules, so it is read before the quote
        expected.remove("GET /ssl/v2/products/list/price")
        expected.insert(3, "GET /ssl/v2/products/list/price")
    assert sequence == expected, sequence
    if missing:
        assert "GET /ssl/v2/products/rules" in {entry["path"] for entry in first["skipped_checks"]}
        assert any("/ssl/v2/products/rules answered HTTP 404" in w for w in first.get("warnings", []))
    else:
        assert "skipped_checks" not in first

    mark = len(sim.log())
    again = run_module(webnic_ssl_order, order_args(sim, contact))
    assert not again.failed, again
    assert (again["changed"], again["action"], again["order_id"]) == (False, "adopted", first["order_id"])
    assert [call for call in calls_from(sim.log()[mark:]) if call in MONEY] == []
    assert len(sim.orders()) == 1
    assert sim.stats()["calls"][PLACE] == 1


# ------------------------------------------------------------------------------ never buy on doubt


def test_live_order_whose_product_cannot_be_confirmed_is_never_bought_again(simulator_factory):
    sim = simulator_factory(profile="documented")
    contact = create_contact(sim)
    placed = run_module(webnic_ssl_order, order_args(sim, contact))
    assert not placed.failed, placed
    # Both product lists gone: the order row's display name ("...") can no longer be tied to ssl123.
    sim.missing = ["GET /ssl/v2/products/list/price", "GET /ssl/v2/products/list"]
    sim.restart()
    mark = len(sim.log())
    doubt = run_module(webnic_ssl_order, order_args(sim, contact))
    assert doubt.failed
    assert placed["order_id"] in doubt["msg"]
    assert "order_id=" in doubt["msg"] and "buy_when_unconfirmed" in doubt["msg"], doubt["msg"]
    assert doubt["unconfirmed_order_ids"] == [placed["order_id"]]
    assert [call for call in calls_from(sim.log()[mark:]) if call in MONEY] == []
    assert len(sim.orders()) == 1

    # The two ways out: adopt it by id (no money), or buy anyway on purpose (one order, once).
    adopted = run_module(webnic_ssl_order, order_args(sim, contact, order_id=placed["order_id"]))
    assert (adopted.failed, adopted["changed"], adopted["order_id"]) == (False, False, placed["order_id"])
    bought = run_module(webnic_ssl_order, order_args(sim, contact, buy_when_unconfirmed=True))
    assert not bought.failed, bought
    assert bought["action"] == "placed" and bought["order_id"] != placed["order_id"]
    assert sim.stats()["calls"][PLACE] == 2


def test_place_answer_without_data_looks_up_instead_of_reporting_an_empty_id(simulator_factory):
    sim = simulator_factory(profile="documented")
    contact = create_contact(sim)
    sim.fault(PLACE.replace("{id}", "{orderId}"), "null_data")
    result = run_module(webnic_ssl_order, order_args(sim, contact))
    assert not result.failed, result
    assert result["action"] == "placed"
    assert result["order_id"] == sim.orders()[0]["orderId"]
    assert sim.stats()["calls"][PLACE] == 1
    rerun = run_module(webnic_ssl_order, order_args(sim, contact))
    assert (rerun["changed"], rerun["order_id"]) == (False, result["order_id"])


# ------------------------------------------------------------------------------ renewal under mistakes


def test_renew_answer_with_renew_order_object(simulator_factory):
    sim = simulator_factory(profile="documented", extra_args=("--renew-answer", "renewOrder"))
    contact = create_contact(sim)
    old = run_module(webnic_ssl_order, order_args(sim, contact))
    issue(sim, old["order_id"])
    sim.age(old["order_id"], 300)
    renewed = run_module(webnic_ssl_order, order_args(sim, contact))
    assert not renewed.failed, renewed
    assert renewed["action"] == "renewed" and renewed["renewed_from"] == old["order_id"]
    assert renewed["order_id"] not in ("", None, old["order_id"])
    rerun = run_module(webnic_ssl_order, order_args(sim, contact))
    assert (rerun["changed"], rerun["order_id"]) == (False, renewed["order_id"])
    assert sim.stats()["calls"]["POST /ssl/v2/orders/{orderId}/renew"] == 1


def test_renew_issued_before_renews_once_however_often_it_runs(simulator_factory):
    sim = simulator_factory(profile="documented")
    contact = create_contact(sim)
    old = run_module(webnic_ssl_order, order_args(sim, contact))
    issue(sim, old["order_id"])
    time.sleep(1.1)  # the simulator's dates have whole seconds
    cutoff = datetime.datetime.now(datetime.timezone.utc).isoformat()
    results = []
    for _run in range(3):
        result = run_module(webnic_ssl_order, order_args(sim, contact, renew_issued_before=cutoff))
        assert not result.failed, result
        results.append(result)
        if result["action"] == "renewed":
            issue(sim, result["order_id"])  # issued after the cut-off: no longer matches
    assert [r["action"] for r in results] == ["renewed", "adopted", "adopted"]
    assert any("before renew_issued_before=" in reason for reason in results[0]["changed_reasons"]), results[0][
        "changed_reasons"
    ]
    assert sim.stats()["calls"]["POST /ssl/v2/orders/{orderId}/renew"] == 1
    assert len(live_orders(sim)) == 2  # the old certificate and its renewal


@pytest.mark.parametrize(
    "option,value,field",
    [
        ("remaining_days", 400, "remaining_days"),
        ("remaining_percentage", 100.0, "remaining_percentage"),
        ("remaining_percentage", float("nan"), "remaining_percentage"),
        ("renew_issued_before", "next tuesday", "renew_issued_before"),
        ("renew_issued_before", "2999-01-01T00:00:00Z", "renew_issued_before"),
    ],
)
def test_forcing_options_that_would_buy_on_every_run_are_refused(simulator, option, value, field):
    contact = create_contact(simulator)
    mark = len(simulator.log())
    result = run_module(webnic_ssl_order, order_args(simulator, contact, **{option: value}))
    assert result.failed
    assert result["msg"].startswith(field + ":"), result["msg"]
    assert [c for c in calls_from(simulator.log()[mark:]) if c in MONEY] == []


def test_fresh_certificate_is_not_renewed_by_a_window_rule_below_the_minimum_age(simulator):
    contact = create_contact(simulator)
    old = run_module(webnic_ssl_order, order_args(simulator, contact))
    issue(simulator, old["order_id"])
    kept = run_module(webnic_ssl_order, order_args(simulator, contact, remaining_days=365))
    assert not kept.failed, kept
    assert (kept["changed"], kept["order_id"]) == (False, old["order_id"])
    assert simulator.stats()["calls"].get("POST /ssl/v2/orders/{orderId}/renew", 0) == 0
    renewed = run_module(webnic_ssl_order, order_args(simulator, contact, remaining_days=365, min_certificate_age=0))
    assert renewed["action"] == "renewed", renewed
    assert simulator.stats()["calls"]["POST /ssl/v2/orders/{orderId}/renew"] == 1


def test_a_controller_clock_six_hours_off_refuses_to_buy(simulator_factory):
    sim = simulator_factory(profile="documented", extra_args=("--clock-offset", str(-6 * 3600)))
    contact = create_contact(sim)
    result = run_module(webnic_ssl_order, order_args(sim, contact))
    assert result.failed
    assert result["msg"].startswith("Refusing to buy"), result["msg"]
    assert abs(abs(result["clock_skew_seconds"]) - 6 * 3600) < 120
    assert sim.stats()["calls"].get(PLACE, 0) == 0 and sim.orders() == []
    tolerant = run_module(webnic_ssl_order, order_args(sim, contact, max_clock_skew=7 * 3600))
    assert tolerant["action"] == "placed", tolerant


# ------------------------------------------------------------------------------ assumed write paths missing


def test_missing_renew_path_renews_through_the_documented_place_order(simulator_factory):
    sim = simulator_factory(profile="documented", missing="assumed")
    contact = create_contact(sim)
    old = run_module(webnic_ssl_order, order_args(sim, contact))
    issue(sim, old["order_id"])
    sim.age(old["order_id"], 300)
    mark = len(sim.log())
    renewed = run_module(webnic_ssl_order, order_args(sim, contact))
    assert not renewed.failed, renewed
    assert (renewed["changed"], renewed["action"], renewed["renewed_from"]) == (True, "placed", old["order_id"])
    assert renewed["order_id"] != old["order_id"]
    assert [c for c in calls_from(sim.log()[mark:]) if c in MONEY or c == "POST /ssl/v2/orders/{id}/renew"] == [
        "POST /ssl/v2/orders/{id}/renew",  # answered 404 by no handler: nothing done
        PLACE,
    ]
    assert "POST /ssl/v2/orders/{orderId}/renew" in {entry["path"] for entry in renewed["skipped_checks"]}
    issue(sim, renewed["order_id"])
    rerun = run_module(webnic_ssl_order, order_args(sim, contact))
    assert (rerun.failed, rerun["changed"], rerun["order_id"]) == (False, False, renewed["order_id"]), rerun
    assert sim.stats()["calls"][PLACE] == 2


def test_missing_reissue_path_fails_clearly_and_charges_nothing(simulator_factory):
    sim = simulator_factory(profile="documented", missing="assumed")
    contact = create_contact(sim)
    old = run_module(webnic_ssl_order, order_args(sim, contact))
    issue(sim, old["order_id"])
    names = ["example.com", "a.example.com"]
    wider = order_args(sim, contact, subject_alt_names=names, csr=make_csr("www.example.com", names), reissue=True)
    wider["approver_emails"] = dict(wider["approver_emails"], **{"a.example.com": "admin@example.com"})
    result = run_module(webnic_ssl_order, wider)
    assert result.failed
    assert result["msg"].startswith("Reissue Order answered HTTP 404 without a WebNIC answer"), result["msg"]
    assert "Nothing was changed or charged" in result["msg"]
    assert sim.stats()["calls"][PLACE] == 1 and float(sim.balance()) == 9990.0


def test_the_issue_wait_rides_out_an_api_outage(simulator_factory):
    sim = simulator_factory(profile="documented")
    contact = create_contact(sim)
    placed = run_module(webnic_ssl_order, order_args(sim, contact))
    sim.config(issue_delay=2)
    issue(sim, placed["order_id"])
    # Check DCV Status fails 6 times in a row: each call is tried 4 times by the client, so one poll is
    # lost whole (the wait goes on) and the next one gets through on its third try.
    sim.fault("GET /ssl/v2/orders/{orderId}/dcv-status", "status", status=503, count=6)
    waited = run_module(
        webnic_ssl_order, order_args(sim, contact, order_id=placed["order_id"], wait=True, wait_timeout=90)
    )
    assert not waited.failed, waited
    assert (waited["waited"], waited["order_status"]) == ("issued", "COMPLETED")
    assert sim.stats()["calls"]["GET /ssl/v2/orders/{orderId}/dcv-status"] > 6  # the outage was met
    assert sim.stats()["calls"][PLACE] == 1


# ------------------------------------------------------------------------------ Get Order Info before placing


def _search_missing_first(monkeypatch, misses):
    """The search answers empty ``misses`` times, then for real.

    Mocked because the simulator's search cannot be made to miss an order it holds; it stands for an
    order placed by another controller right after our search (misses=1) or a search that never shows
    it (misses large). Everything else is real HTTP.
    """
    from ansible_collections.webnic.ssl.plugins.module_utils._webnic import orders

    real = orders.search_orders
    left = {"misses": misses}

    def search(client, *args, **kwargs):
        if left["misses"] > 0:
            left["misses"] -= 1
            client.call("order_search", body={"filters": [], "pagination": {"page": 1, "pageSize": 1}})
            return []
        return real(client, *args, **kwargs)

    monkeypatch.setattr(orders, "search_orders", search)


def test_an_order_placed_while_deciding_is_adopted_not_bought_again(simulator, monkeypatch):
    contact = create_contact(simulator)
    first = run_module(webnic_ssl_order, order_args(simulator, contact))
    _search_missing_first(monkeypatch, misses=1)
    again = run_module(webnic_ssl_order, order_args(simulator, contact))
    assert not again.failed, again
    assert (again["changed"], again["action"], again["order_id"]) == (False, "adopted", first["order_id"])
    assert any("placed by another run while this one decided" in r for r in again["changed_reasons"])
    assert simulator.stats()["calls"][PLACE] == 1


def test_an_order_the_search_never_shows_stops_the_purchase(simulator, monkeypatch):
    contact = create_contact(simulator)
    first = run_module(webnic_ssl_order, order_args(simulator, contact))
    _search_missing_first(monkeypatch, misses=100)
    again = run_module(webnic_ssl_order, order_args(simulator, contact))
    assert again.failed
    assert again["msg"].startswith("Refusing to place an order: Get Order Info knows live order %s" % first["order_id"])
    assert "order_id=%s" % first["order_id"] in again["msg"]
    assert simulator.stats()["calls"][PLACE] == 1


# ------------------------------------------------------------------------------ exact calls of renew, reissue, cancel

REISSUE = "POST /ssl/v2/orders/{id}/reissue"
# The same with and without the assumed read paths: the rules path is called (and may answer 404), the
# token comes from the cache of the run that placed the order.
LOOK_UP = [
    "POST /ssl/v2/orders/search",  # the identity's orders
    "GET /ssl/v2/orders/info",  # the candidate row read in full
    "GET /ssl/v2/products/list/price",  # the catalogue: the row names its product by display name
]
RENEWAL_RUN = [
    *LOOK_UP,
    "POST /ssl/v2/orders/{id}/download/format/PEM",  # the issued certificate: its key and dates
    "GET /ssl/v2/products/rules",  # the product's rules before money
    "GET /ssl/v2/products/pricing",  # the quote
    RENEW,  # the only money call
    "GET /ssl/v2/orders/info",  # the renewal as WebNIC records it
    "POST /ssl/v2/orders/search",  # a twin renewed by a concurrent run?
    "GET /ssl/v2/orders/info",  # the old order read in full
    "GET /ssl/v2/orders/info",  # the renewal read in full
]
REISSUE_RUN = [
    *LOOK_UP,  # names differ: no certificate download, no quote (a reissue is not charged)
    "GET /ssl/v2/products/rules",
    REISSUE,  # the only write call
    "GET /ssl/v2/orders/info",  # the order, now PENDING_REISSUE
]
CANCEL_RUN = [*LOOK_UP, CANCEL, "GET /ssl/v2/orders/info"]


def _sequence_of(sim, args, check_mode=False):
    mark = len(sim.log())
    result = run_module(webnic_ssl_order, args, check_mode=check_mode)
    assert not result.failed, result
    return result, calls_from(sim.log()[mark:])


@pytest.mark.parametrize("missing", [None, "assumed-reads"])
def test_renewal_sends_exactly_these_calls(simulator_factory, missing):
    sim = simulator_factory(profile="documented", missing=missing)
    contact = create_contact(sim)
    old = run_module(webnic_ssl_order, order_args(sim, contact))
    issue(sim, old["order_id"])
    sim.age(old["order_id"], 300)
    checked, sequence = _sequence_of(sim, order_args(sim, contact), check_mode=True)
    assert (checked["changed"], checked["action"]) == (True, "renewed")
    assert sequence == RENEWAL_RUN[: RENEWAL_RUN.index(RENEW)], sequence
    renewed, sequence = _sequence_of(sim, order_args(sim, contact))
    assert (renewed["action"], renewed["renewed_from"]) == ("renewed", old["order_id"])
    assert sequence == RENEWAL_RUN, sequence


@pytest.mark.parametrize("missing", [None, "assumed-reads"])
def test_reissue_sends_exactly_these_calls(simulator_factory, missing):
    sim = simulator_factory(profile="documented", missing=missing)
    contact = create_contact(sim)
    old = run_module(webnic_ssl_order, order_args(sim, contact))
    issue(sim, old["order_id"])
    names = ["example.com", "a.example.com"]
    wider = order_args(sim, contact, subject_alt_names=names, csr=make_csr("www.example.com", names), reissue=True)
    wider["approver_emails"] = dict(wider["approver_emails"], **{"a.example.com": "admin@example.com"})
    checked, sequence = _sequence_of(sim, wider, check_mode=True)
    assert (checked["changed"], checked["action"]) == (True, "reissued")
    assert sequence == REISSUE_RUN[: REISSUE_RUN.index(REISSUE)], sequence
    reissued, sequence = _sequence_of(sim, wider)
    assert (reissued["action"], reissued["order_id"]) == ("reissued", old["order_id"])
    assert sequence == REISSUE_RUN, sequence


@pytest.mark.parametrize("missing", [None, "assumed-reads"])
def test_cancel_sends_exactly_these_calls(simulator_factory, missing):
    sim = simulator_factory(profile="documented", missing=missing)
    contact = create_contact(sim)
    placed = run_module(webnic_ssl_order, order_args(sim, contact))
    checked, sequence = _sequence_of(sim, order_args(sim, contact, state="absent"), check_mode=True)
    assert (checked["changed"], checked["action"]) == (True, "cancelled")
    assert sequence == LOOK_UP, sequence
    cancelled, sequence = _sequence_of(sim, order_args(sim, contact, state="absent"))
    assert (cancelled["action"], cancelled["order_id"]) == ("cancelled", placed["order_id"])
    assert sequence == CANCEL_RUN, sequence
