# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure rules that keep money safe: product confirmation, paging, renew-once, clock, twins, waits.

Fake clients here stand in for the API only where the question is how a rule reads an answer the
simulator does not give by default (a page size it does not cap, a page repeated forever); the
same rules are exercised end to end against the simulator in tests/unit/plugins/modules.
"""

import datetime

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import orders, products, renewal
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.errors import ApiError, TransportError

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 12, 7, 12, 0, 0, tzinfo=UTC)


class ListClient:
    """Answers Get Product List (the only call a ProductCatalogue makes) and counts the calls."""

    def __init__(self, rows=None, error=None):
        self.rows = rows or []
        self.error = error
        self.calls = []
        self.skipped = []

    def call(self, name, **_kwargs):
        self.calls.append(name)
        if self.error is not None:
            raise self.error
        return self.rows

    def call_optional(self, name, skipped, **_kwargs):
        self.calls.append(name)
        self.skipped.append(skipped)
        return None


CATALOGUE_ROWS = [
    {"productKey": "ssl123", "productName": "Thawte SSL123"},
    {"productKey": "rapidssl", "productName": "RapidSSL"},
    {"productKey": "rapidssl-wildcard", "productName": "RapidSSL Wildcard"},
    {"productKey": "twin-a", "productName": "Shared Name"},
    {"productKey": "twin-b", "productName": "Shared Name"},
]


# ------------------------------------------------------------------------ product confirmation


@pytest.mark.parametrize(
    ("order", "key", "expected"),
    [
        ({"productKey": "ssl123", "product": "Whatever"}, "ssl123", True),  # the key decides alone
        ({"productKey": "rapidssl"}, "ssl123", False),
        ({"product": "Thawte SSL123"}, "ssl123", True),  # display name mapped by the product list
        ({"product": "thawte ssl123 "}, "ssl123", True),  # case and blanks do not matter
        ({"product": "RapidSSL"}, "ssl123", False),  # the list maps it to another product
        ({"product": "ssl123"}, "ssl123", True),  # a display name equal to the key
        ({"product": "Shared Name"}, "twin-a", None),  # two products share the name
        ({"product": "Shared Name"}, "ssl123", False),
        ({"product": "Brand New Product"}, "ssl123", None),  # the list does not know it
        ({}, "ssl123", None),  # no product in the answer at all
        ({"product": {"productName": "Thawte SSL123"}}, "ssl123", True),
        ({"product": "RapidSSL"}, None, True),  # no product asked: any product
    ],
)
def test_product_match_is_three_valued(order, key, expected):
    catalogue = products.ProductCatalogue(ListClient(CATALOGUE_ROWS))
    assert orders.product_match(order, key, catalogue) is expected


def test_product_match_without_a_readable_list_is_unknown_never_a_mismatch():
    error = ApiError(404, None, None, "Not Found", endpoint="GET /ssl/v2/products/list/price")
    client = ListClient(error=error)
    catalogue = products.ProductCatalogue(client)
    assert orders.product_match({"product": "RapidSSL"}, "ssl123", catalogue) is None
    assert catalogue.error is error
    # the old list failed, the new one (assumed) was tried as an optional call and reported
    assert client.calls == ["product_list_old", "product_list"]
    assert catalogue.rows() == [] and client.calls.count("product_list_old") == 1  # read once


def test_catalogue_is_not_read_when_the_rows_carry_the_key():
    client = ListClient(CATALOGUE_ROWS)
    catalogue = products.ProductCatalogue(client)
    assert orders.product_match({"productKey": "ssl123"}, "ssl123", catalogue) is True
    assert orders.product_match({"product": "ssl123"}, "ssl123", catalogue) is True
    assert client.calls == []


def test_split_candidates_keeps_unconfirmed_orders_apart():
    catalogue = products.ProductCatalogue(ListClient(CATALOGUE_ROWS))
    identity = orders.OrderIdentity("ssl123", "www.example.com", ["example.com"])
    rows = [
        {"orderId": "1", "commonName": "www.example.com", "sanfield": ["example.com"], "product": "Thawte SSL123"},
        {"orderId": "2", "commonName": "www.example.com", "sanfield": [], "product": "Thawte SSL123"},
        {"orderId": "3", "commonName": "www.example.com", "sanfield": ["example.com"], "product": "Mystery"},
        {"orderId": "4", "commonName": "www.example.com", "sanfield": ["example.com"], "product": "RapidSSL"},
    ]
    exact, renamed, unconfirmed = orders.split_candidates(rows, identity, catalogue)
    assert [o["orderId"] for o in exact] == ["1"]
    assert [o["orderId"] for o in renamed] == ["2"]
    assert [o["orderId"] for o in unconfirmed] == ["3"]


def test_rules_fall_back_to_the_product_list_row_when_get_ssl_rules_is_missing():
    client = ListClient([dict(CATALOGUE_ROWS[1], allowSan=False, maxSan=0, certType="DV", prices=[{"term": 1}])])
    rules = products.read_product_rules(client, "rapidssl", products.ProductCatalogue(client))
    assert rules == {"productKey": "rapidssl", "allowSan": False, "maxSan": 0, "certType": "DV", "terms": [1]}
    assert client.skipped == [products.RULES_SKIPPED]
    problems = products.check_against_rules(rules, term=1, san_count=1, common_name="www.example.com")
    assert {p[0] for p in problems} == {"subject_alt_names"}


# ------------------------------------------------------------------------------------ paging


class SearchClient:
    """Order Search over ``total`` orders; shapes the answer like servers that differ from the doc."""

    def __init__(self, total, total_pages="right", cap=None, repeat=False):
        self.items = [{"orderId": str(1000 + i), "commonName": "shop%d.example.com" % i} for i in range(total)]
        self.total_pages = total_pages
        self.cap = cap
        self.repeat = repeat
        self.pages = []

    def call(self, name, body=None, **_kwargs):
        assert name == "order_search"
        page = body["pagination"]["page"]
        size = min(body["pagination"]["pageSize"], self.cap or 10**6)
        self.pages.append(page)
        start = 0 if self.repeat else (page - 1) * size
        data = {"items": self.items[start : start + size]}
        if self.cap:
            data["pageSize"] = size
        if self.total_pages == "right":
            data["totalPages"] = max(1, -(-len(self.items) // size))
        elif self.total_pages == "one":
            data["totalPages"] = 1  # wrong: says one page whatever the count
        return data


@pytest.mark.parametrize(
    ("total", "total_pages", "cap", "pages"),
    [
        (101, "right", None, [1, 2]),
        (101, None, None, [1, 2]),  # no totalPages: read until a short page
        (101, "one", None, [1, 2]),  # totalPages=1 is not trusted while the page is full
        (100, None, None, [1, 2]),  # a full last page costs one empty read
        (99, None, None, [1]),
        (0, None, None, [1]),
        (120, None, 50, [1, 2, 3]),  # the server caps the page size and says so
    ],
)
def test_search_reads_until_a_short_page(total, total_pages, cap, pages):
    client = SearchClient(total, total_pages=total_pages, cap=cap)
    found = orders.search_orders(client, common_name="example.com")
    assert len(found) == total
    assert len({o["orderId"] for o in found}) == total
    assert client.pages == pages


def test_search_that_repeats_a_page_stops():
    client = SearchClient(150, total_pages=None, repeat=True)
    found = orders.search_orders(client, common_name="example.com")
    assert len(found) == 100
    assert client.pages == [1, 2]


def test_search_that_never_ends_is_incomplete_not_empty():
    client = SearchClient(10_000, total_pages=None)
    with pytest.raises(orders.SearchIncomplete):
        orders.search_orders(client, common_name="example.com", max_pages=3)


# ------------------------------------------------------------------------------- renew once


def _cert(days_old, lifetime=365):
    not_before = NOW - datetime.timedelta(days=days_old)
    return not_before, not_before + datetime.timedelta(days=lifetime)


def test_a_certificate_younger_than_the_minimum_age_is_never_due_by_the_window():
    before, after = _cert(days_old=0.01)  # renewed 15 minutes ago
    assert orders.renewal_decision(before, after, NOW, remaining_days=396) == (False, [])
    assert orders.renewal_decision(before, after, NOW, remaining_percentage=99.9) == (False, [])
    due, reasons = orders.renewal_decision(before, after, NOW, remaining_days=396, min_age_hours=0)
    assert due and "remaining_days=396" in reasons[0]


def test_the_minimum_age_does_not_hide_real_problems():
    before, after = _cert(days_old=0.01)
    due, reasons = orders.renewal_decision(
        before, after, NOW, cert_names=["a.example.com"], wanted_names=["b.example.com"], key_matches=False
    )
    assert due and len(reasons) == 2
    assert orders.renewal_decision(before, after, NOW, ca_status="REVOKED")[0]


def test_renew_issued_before_is_idempotent():
    before, after = _cert(days_old=30)
    cutoff = NOW - datetime.timedelta(hours=1)
    due, reasons = orders.renewal_decision(before, after, NOW, issued_before=cutoff)
    assert due and reasons == [
        "issued %s, before renew_issued_before=%s" % (orders.format_api_time(before), orders.format_api_time(cutoff))
    ]
    renewed_before, renewed_after = _cert(days_old=0)  # the renewal, issued after the cut-off
    later = NOW + datetime.timedelta(minutes=5)
    assert orders.renewal_decision(renewed_before, renewed_after, later, issued_before=cutoff) == (False, [])


def test_renew_issued_before_ignores_a_backdated_not_before_of_an_order_placed_after_the_cut_off():
    cutoff = NOW - datetime.timedelta(minutes=10)
    backdated = NOW - datetime.timedelta(hours=1)  # some CAs backdate notBefore
    after = backdated + datetime.timedelta(days=365)
    assert orders.renewal_decision(backdated, after, NOW, issued_before=cutoff)[0]  # no order date: due
    ordered = NOW - datetime.timedelta(minutes=5)
    assert orders.renewal_decision(backdated, after, NOW, issued_before=cutoff, ordered_at=ordered) == (False, [])
    older_order = NOW - datetime.timedelta(days=3)
    assert orders.renewal_decision(backdated, after, NOW, issued_before=cutoff, ordered_at=older_order)[0]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"remaining_days": 400}, "remaining_days"),
        ({"remaining_days": 397}, "remaining_days"),
        ({"remaining_days": -1}, "remaining_days"),
        ({"remaining_percentage": float("nan")}, "remaining_percentage"),
        ({"remaining_percentage": float("inf")}, "remaining_percentage"),
        ({"remaining_percentage": 100}, "remaining_percentage"),
        ({"remaining_percentage": -0.5}, "remaining_percentage"),
        ({"issued_before": "tomorrow"}, "renew_issued_before"),
        ({"issued_before": "2026-12-08T12:00:00Z"}, "renew_issued_before"),  # in the future
        ({"min_age_hours": -1}, "min_certificate_age"),
        ({"min_age_hours": float("nan")}, "min_certificate_age"),
    ],
)
def test_renewal_options_that_would_buy_on_every_run_are_refused(options, field):
    problems = renewal.check_renewal_options(now=NOW, **options)
    assert [p[0] for p in problems] == [field]
    assert problems[0][2]  # a fix is offered


def test_sane_renewal_options_pass():
    assert renewal.check_renewal_options(30, 33.3, "2026-12-07T11:00:00Z", 24, now=NOW) == []
    assert renewal.check_renewal_options(396, 99.9, now=NOW) == []


# ------------------------------------------------------------------------------------ clock


def test_clock_problem_compares_with_the_api_date_and_the_certificate():
    assert orders.clock_problem(None) is None
    assert orders.clock_problem(12.0) is None
    assert "ahead of WebNIC's" in orders.clock_problem(-250 * 86400.0)
    assert "250 days" in orders.clock_problem(-250 * 86400.0)
    assert "behind" in orders.clock_problem(3600.0)
    assert orders.clock_problem(3600.0, max_skew=7200) is None
    future = NOW + datetime.timedelta(days=2)
    assert "became valid" in orders.clock_problem(None, issued_at=future, now=NOW)
    assert orders.clock_problem(None, issued_at=NOW - datetime.timedelta(days=2), now=NOW) is None


# ------------------------------------------------------------------------------------ twins


def test_every_run_keeps_the_same_twin():
    twins = [{"orderId": "1153063910"}, {"orderId": "1153063902"}, {"orderId": "999"}]
    assert orders.pick_survivor(twins)["orderId"] == "999"  # numeric, not text order
    assert orders.pick_survivor(list(reversed(twins)))["orderId"] == "999"
    assert orders.pick_survivor([]) is None


def test_renewal_order_id_reads_both_shapes():
    assert orders.renewal_order_id({"orderId": "7"}) == "7"
    assert orders.renewal_order_id({"renewOrder": {"orderId": 8}}) == "8"
    assert orders.renewal_order_id({"renewOrder": None}) is None
    assert orders.renewal_order_id(None) is None


# ------------------------------------------------------------------------------------ waits


class PollClient:
    """Check DCV Status that never completes, with an outage of ``down`` seconds after ``at``."""

    def __init__(self, clock, at=None, down=0.0, error=None):
        self.clock = clock
        self.at = at
        self.down = down
        self.error = error or TransportError("connection refused")
        self.polls = 0

    def call(self, name, path=None, query=None, **_kwargs):
        if name == "order_info":
            return {"orderId": "1", "orderStatus": "PENDING", "certStatus": "INITIAL"}
        self.polls += 1
        if self.at is not None and self.at <= self.clock.now < self.at + self.down:
            raise self.error
        return {"orderId": "1", "orderStatus": "PENDING", "certStatus": "INITIAL"}


class FakeClock:
    """Time that moves only when the wait sleeps (a wait's call count, not its duration, is tested)."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_a_600_second_wait_makes_at_most_30_status_calls():
    clock = FakeClock()
    client = PollClient(clock)
    outcome, _order, _status = orders.wait_for_order(client, "1", 600, sleep=clock.sleep, clock=clock)
    assert outcome == "timeout"
    assert client.polls <= 30, client.polls


@pytest.mark.parametrize(
    "error", [TransportError("connection refused"), ApiError(503, None, None, "busy"), ApiError(429, "429", None, "x")]
)
def test_a_wait_rides_out_an_outage_shorter_than_the_time_left(error):
    clock = FakeClock()
    client = PollClient(clock, at=10.0, down=15.0, error=error)
    outcome, _order, _status = orders.wait_for_order(client, "1", 120, sleep=clock.sleep, clock=clock)
    assert outcome == "timeout"  # not an exception: the outage was ridden out
    assert clock.now >= 120


def test_a_wait_does_not_hide_a_real_error():
    clock = FakeClock()
    client = PollClient(clock, at=0.0, down=1000.0, error=ApiError(400, "2400", "SSL2400", "Order not found"))
    with pytest.raises(ApiError):
        orders.wait_for_order(client, "1", 120, sleep=clock.sleep, clock=clock)


# ------------------------------------------------------------------------------------ lock key


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8443",
        "http://localhost:8443/",
        "HTTP://LocalHost:8443",
        "http://127.0.0.2:8443",
    ],
)
def test_one_lock_whatever_the_spelling_of_the_endpoint(url, tmp_path):
    reference = orders.OrderLock("http://127.0.0.1:8443", "api-demo", "WWW.Example.com.", directory=str(tmp_path))
    other = orders.OrderLock(url, "api-demo", "www.example.com", directory=str(tmp_path))
    assert other.path == reference.path


def test_different_endpoints_and_users_get_different_locks(tmp_path):
    base = orders.OrderLock("https://api.webnic.cc", "u", "www.example.com", directory=str(tmp_path))
    assert orders.OrderLock("https://api.webnic.cc:443/", "u", "www.example.com", directory=str(tmp_path)).path == (
        base.path
    )
    assert orders.OrderLock("https://oteapi.webnic.cc", "u", "www.example.com", directory=str(tmp_path)).path != (
        base.path
    )
    assert orders.OrderLock("https://api.webnic.cc", "v", "www.example.com", directory=str(tmp_path)).path != (
        base.path
    )
