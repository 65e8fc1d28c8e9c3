# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""order_plan: the order decision, branch by branch, from plain order dicts (no simulator, no HTTP)."""

import datetime

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import order_plan
from ansible_collections.webnic.ssl.plugins.module_utils._webnic import orders as ord_
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.order_plan import (
    ADOPT,
    CANCEL,
    GO,
    LOOK_UP,
    PLACE,
    READ_CERTIFICATE,
    REISSUE,
    RENEW,
    REPORT,
    STOP,
    Certificate,
    PlanOptions,
)

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 6, 1, tzinfo=UTC)
CN = "www.example.com"
IDENTITY = ord_.OrderIdentity("ssl123", CN, ["example.com"])
OPTIONS = PlanOptions(product_key="ssl123")


def when(days):
    """An API date ``days`` from NOW (negative: in the past)."""
    return ord_.format_api_time(NOW + datetime.timedelta(days=days))


def order(order_id="1", status="PENDING", cert="PENDING", sans=("example.com",), created=-400, **extra):
    row = {
        "orderId": order_id,
        "commonName": CN,
        "sanfield": list(sans),
        "productKey": "ssl123",
        "orderStatus": status,
        "certStatus": cert,
        "dtcreate": when(created),
    }
    row.update(extra)
    return row


def issued(order_id="1", days_left=300, lifetime=365, cert="ACTIVE", **extra):
    """An issued order whose certificate has ``days_left`` of ``lifetime`` days left at NOW."""
    start = days_left - lifetime
    extra.setdefault("created", start - 1)
    return order(
        order_id,
        "COMPLETED",
        cert,
        dtsettle=when(start),
        dtcertexpire=when(days_left),
        dtorderexpire=when(days_left),
        **extra,
    )


def lookup(exact=(), renamed=(), superseded=(), predecessors=(), unconfirmed=()):
    return ord_.Lookup(list(exact), list(renamed), list(superseded), list(predecessors), list(unconfirmed))


def decide(found, options=OPTIONS, certificate=None, named=None, catalogue=None, identity=IDENTITY):
    return order_plan.plan(found, identity, options, certificate, now=NOW, named=named, catalogue=catalogue)


class Catalogue:
    """The part of products.ProductCatalogue the decision reads: display name -> product keys."""

    def __init__(self, names=None, error=None):
        self.names = names or {}
        self.error = error

    def rows(self):
        return [{"productKey": key} for keys in self.names.values() for key in keys]

    def keys_named(self, name):
        return set(self.names.get(name, ()))


# ------------------------------------------------------------------------------ facts first


def test_no_search_yet_asks_for_the_accounts_orders():
    assert decide(None).action == LOOK_UP


def test_a_dead_named_order_with_names_is_decided_by_the_identity_after_a_search():
    dead = order("7", "CANCELLED", "CANCELLED")
    assert decide(None, named=dead).action == LOOK_UP
    assert decide(lookup(), named=dead).action == PLACE


def test_a_dead_named_order_without_names_stops():
    dead = order("7", "CANCELLED", "CANCELLED")
    decided = decide(None, PlanOptions(names_given=False, order_id="7"), named=dead)
    assert decided.action == STOP
    assert decided.message.startswith("order_id: order 7 is CANCELLED/CANCELLED and cannot be adopted")
    assert decided.details["raw"] is dead and decided.details["order"]["order_id"] == "7"


def test_an_issued_order_with_a_csr_asks_for_its_certificate():
    live = issued()
    decided = decide(lookup([live]), PlanOptions(has_csr=True))
    assert (decided.action, decided.order) == (READ_CERTIFICATE, live)


# ------------------------------------------------------------------------------ the identity's orders


def test_nothing_in_the_account_places():
    decided = decide(lookup())
    assert (decided.action, decided.reasons, decided.renewed_from) == (PLACE, [], None)


def test_two_live_orders_of_the_identity_stop_and_are_listed():
    first, second = order("1"), order("2", created=-10)
    decided = decide(lookup([first, second]))
    assert decided.action == STOP
    assert decided.message.startswith("2 live orders match ssl123 www.example.com (www.example.com, example.com)")
    assert [c["order_id"] for c in decided.details["candidates"]] == ["1", "2"]


def test_a_pending_order_of_the_identity_is_adopted():
    pending = order()
    decided = decide(lookup([pending]))
    assert (decided.action, decided.order, decided.existing, decided.reasons) == (ADOPT, pending, True, [])


def test_the_renewal_of_a_superseded_order_is_adopted_and_names_it():
    old, new = issued("1", days_left=30), issued("2", days_left=350, created=-15)
    decided = decide(lookup([old, new], superseded=[old]))
    assert (decided.action, decided.order, decided.renewed_from) == (ADOPT, new, "1")


def test_several_orders_with_other_names_stop():
    renamed = [order("1", sans=("a.example.com",)), order("2", sans=("b.example.com",))]
    decided = decide(lookup(renamed=renamed))
    assert decided.action == STOP
    assert decided.message.startswith("No live order has exactly the names www.example.com, example.com, but 2")
    assert len(decided.details["candidates"]) == 2


def test_one_order_with_other_names_is_reissued_when_allowed():
    renamed = order("1", sans=("a.example.com",))
    decided = decide(lookup(renamed=[renamed]), PlanOptions(reissue=True))
    assert (decided.action, decided.order, decided.within_term) == (REISSUE, renamed, False)
    assert decided.why == "its names are www.example.com, a.example.com but www.example.com, example.com were requested"


def test_other_names_without_reissue_true_stop_explaining():
    renamed = order("1", sans=("a.example.com",))
    decided = decide(lookup(renamed=[renamed]))
    assert decided.action == STOP
    assert decided.message.startswith("Order 1 for www.example.com is live but its names are")
    assert "Set reissue=true" in decided.message and decided.message.endswith("Nothing was changed.")
    assert decided.details["order_id"] == "1"


def test_other_names_on_an_order_webnic_will_not_reissue_stop():
    renamed = order("1", sans=("a.example.com",), reissue=False)
    decided = decide(lookup(renamed=[renamed]), PlanOptions(reissue=True))
    assert decided.action == STOP
    assert decided.message.startswith(
        "Order 1 cannot be reissued now (WebNIC says reissue=false; status PENDING/PENDING)"
    )


# ------------------------------------------------------------------------------ no live order left


def test_an_expired_last_order_is_renewed():
    expired = issued("1", days_left=-5, cert="EXPIRED")
    decided = decide(lookup(predecessors=[expired]))
    assert (decided.action, decided.order, decided.existing) == (RENEW, expired, False)
    assert decided.reasons == ["the CA reports the certificate as EXPIRED"]


def test_a_last_order_webnic_will_not_renew_is_replaced_by_a_new_order():
    revoked = issued("1", cert="REVOKED", renewal=False)
    decided = decide(lookup(predecessors=[revoked]))
    assert (decided.action, decided.renewed_from) == (PLACE, "1")
    assert decided.reasons == [
        "the last order 1 for www.example.com is COMPLETED/REVOKED and no live order is left; WebNIC does not "
        "renew it (renewal=false), so a new order is placed"
    ]


def test_a_dead_last_order_with_renew_false_is_reported_not_bought():
    revoked = issued("1", cert="REVOKED")
    decided = decide(lookup(predecessors=[revoked]), PlanOptions(renew=False))
    why = "the last order 1 for www.example.com is COMPLETED/REVOKED and no live order is left"
    assert (decided.action, decided.order, decided.reasons) == (REPORT, revoked, [])
    assert decided.renewal == {"due": True, "reasons": [why]}
    assert decided.warning == why + "; renew=false, so nothing was bought."


# ------------------------------------------------------------------------------ a live order


def test_an_order_being_reissued_is_adopted_and_warns_when_the_names_differ():
    running = order(status="PENDING_REISSUE", sans=("old.example.com",))
    decided = decide(lookup(renamed=[running]))
    assert (decided.action, decided.reissue_pending) == (ADOPT, True)
    assert decided.warning == "Order 1 is being reissued; its names show the new ones once the reissue is issued."
    same = decide(lookup([order(status="PENDING_REISSUE")]))
    assert (same.action, same.reissue_pending, same.warning) == (ADOPT, True, None)


def test_a_named_order_of_another_product_stops_on_product_key():
    other = order("9", productKey="rapidssl")
    decided = decide(None, PlanOptions(order_id="9", product_key="ssl123"), named=other)
    assert (decided.action, decided.field) == (STOP, "product_key")
    assert decided.message == "order 9 is for product rapidssl, not ssl123"
    assert decided.fix.startswith("A product cannot be changed on an order")


def test_a_named_order_whose_display_name_maps_to_another_key_stops():
    other = order("9", productKey=None, product="RapidSSL")
    catalogue = Catalogue({"RapidSSL": ["rapidssl"]})
    decided = decide(None, PlanOptions(order_id="9", product_key="ssl123"), named=other, catalogue=catalogue)
    assert (decided.action, decided.field, decided.message) == (
        STOP,
        "product_key",
        "order 9 is for product RapidSSL, not ssl123",
    )
    unknown = decide(None, PlanOptions(order_id="9", product_key="ssl123"), named=other, catalogue=Catalogue())
    assert unknown.action == ADOPT  # unknown is not "another product": only a refuted product stops


def test_a_named_order_without_names_wants_its_own_names():
    live = order("9")
    decided = decide(None, PlanOptions(names_given=False, order_id="9"), named=live, identity=ord_.order_identity(live))
    assert (decided.action, decided.order) == (ADOPT, live)


def test_an_issued_order_outside_its_window_is_kept():
    live = issued(days_left=300)
    decided = decide(lookup([live]))
    assert (decided.action, decided.reasons) == (ADOPT, [])
    assert decided.renewal == {"due": False, "reasons": []}


def test_another_key_outside_the_window_is_a_reissue():
    live = issued(days_left=300)
    decided = decide(lookup([live]), PlanOptions(has_csr=True, reissue=True), Certificate({}, key_matches=False))
    assert (decided.action, decided.why) == (REISSUE, "its certificate is for another key than the CSR's")
    assert decided.renewal == {"due": False, "reasons": []}


def test_another_key_without_reissue_true_stops():
    live = issued(days_left=300)
    decided = decide(lookup([live]), PlanOptions(has_csr=True), Certificate({}, key_matches=False))
    assert decided.action == STOP and "live but its certificate is for another key" in decided.message


def test_a_due_order_is_renewed_with_the_window_as_reason():
    live = issued(days_left=40)
    decided = decide(lookup([live]))
    assert (decided.action, decided.order, decided.existing) == (RENEW, live, True)
    assert (
        len(decided.reasons) == 1
        and "11.0% of the lifetime left, inside remaining_percentage=33.3" in decided.reasons[0]
    )
    assert decided.renewal == {"due": True, "reasons": decided.reasons}


def test_the_certificates_own_dates_decide_over_the_orders():
    live = issued(days_left=40)
    facts = {"not_before": NOW - datetime.timedelta(days=10), "not_after": NOW + datetime.timedelta(days=355)}
    decided = decide(lookup([live]), PlanOptions(has_csr=True), Certificate(facts, key_matches=True))
    assert (decided.action, decided.renewal) == (ADOPT, {"due": False, "reasons": []})


def test_a_due_order_with_renew_false_is_kept_with_a_warning():
    live = issued(days_left=40)
    decided = decide(lookup([live]), PlanOptions(renew=False))
    assert (decided.action, decided.reasons) == (ADOPT, [])
    assert decided.warning.startswith(
        "Order 1 is due for renewal (11.0% of the lifetime left"
    ) and decided.warning.endswith("but renew=false.")


def test_a_due_named_order_asks_for_the_accounts_orders_before_renewing():
    live = issued("5", days_left=40)
    decided = decide(None, PlanOptions(order_id="5"), named=live)
    assert (decided.action, decided.order) == (LOOK_UP, live)
    after = decide(lookup([live]), PlanOptions(order_id="5"), named=live)
    assert after.action == RENEW


def test_a_due_order_whose_renewal_exists_adopts_the_renewal():
    old, renewal = issued("5", days_left=40), order("6", created=-1)
    decided = decide(lookup([old, renewal]), PlanOptions(order_id="5"), named=old)
    assert (decided.action, decided.order, decided.renewed_from, decided.reasons) == (ADOPT, renewal, "5", [])


def test_a_due_certificate_inside_a_paid_term_is_reissued_not_bought():
    live = issued(days_left=40)
    live["dtorderexpire"] = when(400)
    decided = decide(lookup([live]))
    assert (decided.action, decided.within_term) == (REISSUE, True)
    assert decided.why == (
        "the certificate is due but the paid term runs until %s: a new certificate inside the paid term" % when(400)
    )
    assert len(decided.reasons) == 1 and "lifetime left" in decided.reasons[0]  # the window


def test_a_pending_order_is_adopted_without_reading_its_certificate():
    assert decide(lookup([order()]), PlanOptions(has_csr=True)).action == ADOPT


# ------------------------------------------------------------------------------ state=absent


def test_absent_of_a_dead_named_order_reports_it():
    dead = order(status="CANCELLED", cert="CANCELLED")
    decided = order_plan.plan_absent(None, None, named=dead)
    assert (decided.action, decided.order) == (REPORT, dead)


def test_absent_without_a_live_order_does_nothing():
    decided = order_plan.plan_absent(lookup(), IDENTITY)
    assert (decided.action, decided.order) == (REPORT, None)


def test_absent_with_two_live_orders_stops():
    decided = order_plan.plan_absent(lookup([order("1"), order("2")]), IDENTITY)
    assert decided.action == STOP
    assert decided.message.startswith("2 live orders match www.example.com, example.com; pass order_id")


def test_absent_of_an_issued_order_stops_and_reports_it():
    live = issued()
    decided = order_plan.plan_absent(lookup([live]), IDENTITY)
    assert (decided.action, decided.report_order, decided.order) == (STOP, True, live)
    assert decided.message.startswith("Order 1 is issued (COMPLETED/ACTIVE): WebNIC cancels only orders")


def test_absent_of_an_order_webnic_will_not_cancel_stops():
    decided = order_plan.plan_absent(None, None, named=order(cancel=False))
    assert (decided.action, decided.report_order) == (STOP, True)
    assert decided.message == (
        "Order 1 cannot be cancelled now (WebNIC says cancel=false; status PENDING/PENDING). Nothing was changed."
    )


def test_absent_cancels_the_pending_order():
    pending = order()
    assert order_plan.plan_absent(lookup([pending]), IDENTITY).action == CANCEL


# ------------------------------------------------------------------------------ guards before money


def test_no_unconfirmed_order_lets_the_purchase_go():
    assert order_plan.doubt_plan(lookup(), IDENTITY, "place a new order").action == GO


def test_buy_when_unconfirmed_goes_on_with_a_warning():
    doubt = lookup(unconfirmed=[order("3", productKey=None)])
    decided = order_plan.doubt_plan(doubt, IDENTITY, "place a new order", buy_when_unconfirmed=True)
    assert decided.action == GO
    assert decided.warning == (
        "buy_when_unconfirmed=true: place a new order although order(s) 3 for www.example.com may be the same "
        "certificate."
    )


@pytest.mark.parametrize(
    "row,catalogue,reason",
    [
        ({"productKey": None}, None, "WebNIC's answer names no product for it"),
        (
            {"productKey": None, "product": "Basic"},
            Catalogue(error="list unreadable"),
            "it names the product 'Basic' and the product list could not be read: list unreadable",
        ),
        (
            {"productKey": None, "product": "Basic"},
            Catalogue({"Basic": ["ssl123", "ssl123-b"]}),
            "it names the product 'Basic', a display name shared by ssl123, ssl123-b",
        ),
        (
            {"productKey": None, "product": "Basic"},
            Catalogue(),
            "it names the product 'Basic', which the account's product list does not map to ssl123",
        ),
    ],
)
def test_an_unconfirmed_order_stops_the_purchase_saying_why(row, catalogue, reason):
    doubt = lookup(unconfirmed=[order("3", **row)])
    decided = order_plan.doubt_plan(doubt, IDENTITY, "renew order 1", catalogue=catalogue)
    assert decided.action == STOP
    assert decided.message.startswith(
        "Refusing to renew order 1: live order 3 for www.example.com may be this very certificate, but its "
        "product cannot be confirmed (%s). Nothing was bought." % reason
    )
    assert decided.details["unconfirmed_order_ids"] == ["3"]


def test_a_clock_far_from_webnics_stops_the_purchase():
    assert order_plan.clock_plan(10, 300, now=NOW).action == GO
    decided = order_plan.clock_plan(-7200, 300, now=NOW)
    assert decided.action == STOP
    assert decided.message.startswith("Refusing to buy: this machine's clock is ahead of WebNIC's (its Date header)")
    assert decided.details == {"clock_skew_seconds": -7200}


def test_a_certificate_valid_from_the_future_stops_the_purchase():
    facts = {"not_before": ord_.format_api_time(NOW + datetime.timedelta(days=3))}
    decided = order_plan.clock_plan(None, 300, certificate_facts=facts, now=NOW)
    assert decided.action == STOP and "the certificate became valid on" in decided.message
    from_order = order_plan.clock_plan(None, 300, order=issued(days_left=368), now=NOW)
    assert from_order.action == STOP


def test_a_live_order_get_order_info_knows_and_the_search_missed_is_named():
    live = order("8")
    assert order_plan.name_taken(live, CN, {"1"}) == "8"
    assert order_plan.name_taken(live, CN, {"8"}) is None  # the search saw it
    assert order_plan.name_taken(order("8", status="CANCELLED"), CN, set()) is None
    assert order_plan.name_taken(dict(live, commonName="other.example.com"), CN, set()) is None
    assert order_plan.name_taken(None, CN, set()) is None
    stop = order_plan.name_taken_stop(live, IDENTITY)
    assert stop.message.startswith("Refusing to place an order: Get Order Info knows live order 8 for www.example.com")


def test_twins_keep_the_lowest_id():
    mine, theirs = order("12"), order("11")
    assert order_plan.twin_plan([order("1"), mine], {"1"}, "12").action == GO  # no twin: nothing new but mine
    cancel = order_plan.twin_plan([theirs, mine], set(), "12")
    assert (cancel.action, cancel.order, cancel.survivor) == (CANCEL, mine, theirs)
    kept = order_plan.twin_plan([theirs, mine], set(), "11")
    assert (kept.action, kept.order) == (ADOPT, theirs)
    assert kept.reasons == [
        "another run bought the same certificate at the same time (12); this run's order 11 is the one kept"
    ]


# ------------------------------------------------------------------------------ small rules


def test_the_companion_name_is_free_only_when_the_rules_say_so():
    identity = ord_.OrderIdentity("ssl123", CN, ["example.com", "a.example.com", "*.example.com"])
    assert order_plan.chargeable_counts(identity, {}) == (2, 1)
    assert order_plan.chargeable_counts(identity, {"freeCompanionSan": "true"}) == (1, 1)
    wildcard = ord_.OrderIdentity("ssl123", "*.example.com", ["example.com"])
    assert order_plan.chargeable_counts(wildcard, {"freeCompanionSan": True}) == (0, 0)


def test_created_after_compares_creation_dates_of_other_orders():
    old = order("1", created=-10)
    assert order_plan.created_after(order("2", created=-1), old)
    assert not order_plan.created_after(order("2", created=-20), old)
    assert not order_plan.created_after(old, old)
    assert order_plan.created_after(order("2", dtcreate=None), old)  # unknown date: taken as newer


def test_options_come_from_the_module_parameters():
    params = {"common_name": CN, "order_id": None, "product_key": "ssl123", "renew": True, "reissue": False}
    params.update(remaining_days=30, remaining_percentage=None, renew_issued_before=None, min_certificate_age=24.0)
    options = PlanOptions.from_params(params, has_csr=True)
    assert (options.names_given, options.has_csr, options.renew) == (True, True, True)
    assert options.renewal_options() == {
        "remaining_days": 30,
        "remaining_percentage": None,
        "issued_before": None,
        "min_age_hours": 24.0,
    }
