# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure parts of orders.py: the renewal rule (a table with its boundaries), identity, dates."""

import datetime

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import orders, products

UTC = datetime.timezone.utc
NB = datetime.datetime(2026, 1, 1, tzinfo=UTC)
NA = NB + datetime.timedelta(days=300)  # a 300-day certificate: 1 % = 3 days, the last third = 100 days


def at(days_left):
    return NA - datetime.timedelta(days=days_left)


# (case, now, kwargs, due, reason fragment)
RENEWAL_TABLE = [
    ("fresh certificate", at(250), {}, False, None),
    ("default window: just outside the last third", at(100.2), {}, False, None),
    ("default window: exactly 33.3 % left is inside", at(99.9), {}, True, "33.3"),
    ("default window: inside the last third", at(50), {}, True, "lifetime left"),
    ("remaining_days: one second outside", at(30) - datetime.timedelta(seconds=1), {"remaining_days": 30}, False, None),
    ("remaining_days: boundary counts as inside", at(30), {"remaining_days": 30}, True, "remaining_days=30"),
    ("remaining_days alone replaces the default percentage", at(60), {"remaining_days": 30}, False, None),
    ("remaining_percentage alone", at(60), {"remaining_percentage": 20}, True, "remaining_percentage=20"),
    ("remaining_percentage: boundary counts as inside", at(30), {"remaining_percentage": 10}, True, "10.0%"),
    ("remaining_percentage: just outside", at(30.5), {"remaining_percentage": 10}, False, None),
    (
        "either window is enough",
        at(25),
        {"remaining_days": 10, "remaining_percentage": 10},
        True,
        "remaining_percentage",
    ),
    ("zero window never renews on time", at(1), {"remaining_days": 0}, False, None),
    ("expired", NA + datetime.timedelta(seconds=1), {}, True, "expired on"),
    ("expiry instant counts as expired", NA, {"remaining_days": 0}, True, "expired on"),
]


@pytest.mark.parametrize("case,now,kwargs,due,fragment", RENEWAL_TABLE, ids=[row[0] for row in RENEWAL_TABLE])
def test_renewal_window(case, now, kwargs, due, fragment):
    result, reasons = orders.renewal_decision(NB, NA, now, **kwargs)
    assert result is due, (case, reasons)
    assert bool(reasons) is due
    if fragment:
        assert any(fragment in reason for reason in reasons), reasons


@pytest.mark.parametrize("status", ["REVOKED", "EXPIRED", "revoked"])
def test_ca_status_makes_it_due_at_once(status):
    due, reasons = orders.renewal_decision(NB, NA, at(250), ca_status=status)
    assert due
    assert reasons == ["the CA reports the certificate as %s" % status.upper()]


@pytest.mark.parametrize("status", ["ACTIVE", "COMPLETED", None, ""])
def test_live_ca_status_is_not_a_reason(status):
    assert orders.renewal_decision(NB, NA, at(250), ca_status=status) == (False, [])


def test_names_are_compared_as_sets_ignoring_case_and_order():
    due, _reasons = orders.renewal_decision(
        NB, NA, at(250), cert_names=["www.example.com", "example.com"], wanted_names=["EXAMPLE.com.", "www.example.com"]
    )
    assert not due


def test_names_differ_says_what_is_missing_and_extra():
    due, reasons = orders.renewal_decision(
        NB, NA, at(250), cert_names=["a.example.com", "b.example.com"], wanted_names=["a.example.com", "c.example.com"]
    )
    assert due
    assert reasons == [
        "the certificate's names differ from the wanted names (missing c.example.com; not wanted b.example.com)"
    ]


def test_names_not_compared_when_either_side_is_unknown():
    assert orders.renewal_decision(NB, NA, at(250), cert_names=["a.example.com"], wanted_names=None) == (False, [])


@pytest.mark.parametrize("key_matches,due", [(True, False), (None, False), (False, True)])
def test_key_mismatch(key_matches, due):
    result, reasons = orders.renewal_decision(NB, NA, at(250), key_matches=key_matches)
    assert result is due
    assert reasons == (["the certificate does not match the key"] if due else [])


def test_every_reason_is_listed():
    due, reasons = orders.renewal_decision(
        NB,
        NA,
        at(10),
        cert_names=["a.example.com"],
        wanted_names=["b.example.com"],
        key_matches=False,
        ca_status="REVOKED",
        remaining_days=30,
    )
    assert due
    assert len(reasons) == 4  # revoked, days, names, key (no default percentage: days given)
    assert reasons[0].startswith("the CA reports")


def test_accepts_api_date_strings_with_offsets():
    due, reasons = orders.renewal_decision(
        "2026-01-01T08:00:00+08:00", "2026-10-28T00:00:00.000Z", "2026-10-27T00:00:00Z", remaining_days=1
    )
    assert due
    assert "1.0 days left" in reasons[0]


def test_unknown_expiry_is_due():
    due, reasons = orders.renewal_decision(NB, None, at(250))
    assert due and "unknown" in reasons[0]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2026-03-04T05:06:07Z", datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)),
        ("2026-03-04T13:06:07+08:00", datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)),
        ("2026-03-04T05:06:07.123456789Z", datetime.datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)),
        ("2026-03-04 05:06:07", datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)),
        ("2026-03-04", datetime.datetime(2026, 3, 4, tzinfo=UTC)),
        ("not a date", None),
        (None, None),
    ],
)
def test_parse_api_time(text, expected):
    assert orders.parse_api_time(text) == expected


def test_identity_ignores_case_order_duplicates_and_the_common_name_among_sans():
    first = orders.OrderIdentity("ssl123", "WWW.Example.com.", ["example.com", "www.example.com", "Example.com"])
    second = orders.OrderIdentity("SSL123", "www.example.com", ["example.com"])
    assert first == second
    assert first.names == ["www.example.com", "example.com"]
    assert orders.OrderIdentity("ssl123", "www.example.com", []) != second


def test_order_identity_from_order_info():
    info = {"commonName": "www.example.com", "sanfield": ["www.example.com", "example.com"], "productKey": "ssl123"}
    assert orders.order_identity(info) == orders.OrderIdentity("ssl123", "www.example.com", ["example.com"])


def _order(
    order_id,
    created,
    status="COMPLETED",
    cert="ACTIVE",
    settle="2026-01-01T00:00:00Z",
    expire="2026-10-28T00:00:00Z",
    **extra,
):
    info = {
        "orderId": order_id,
        "commonName": "www.example.com",
        "sanfield": [],
        "productKey": "ssl123",
        "orderStatus": status,
        "certStatus": cert,
        "dtcreate": created,
        "dtsettle": settle,
        "dtcertexpire": expire,
    }
    info.update(extra)
    return info


def test_an_issued_order_inside_its_window_is_superseded_by_a_newer_one():
    old = _order("1", "2026-01-01T00:00:00Z")
    new = _order("2", "2026-09-01T00:00:00Z", status="PENDING", cert="INITIAL", settle=None, expire=None)
    assert orders.superseded_orders([old, new], now="2026-09-02T00:00:00Z") == [old]


def test_two_fresh_orders_are_not_superseded_they_are_ambiguous():
    first = _order("1", "2026-01-01T00:00:00Z")
    second = _order("2", "2026-01-02T00:00:00Z")
    assert orders.superseded_orders([first, second], now="2026-02-01T00:00:00Z") == []


def test_renewed_by_marks_the_renewed_order():
    old = _order("1", "2026-01-01T00:00:00Z", renewedBy="2")
    new = _order("2", "2026-01-05T00:00:00Z")
    assert orders.superseded_orders([old, new], now="2026-02-01T00:00:00Z") == [old]


def test_live_and_failed_statuses():
    assert orders.is_live({"orderStatus": "PENDING", "certStatus": "INITIAL"})
    assert orders.is_live({"orderStatus": "PENDING_REISSUE", "certStatus": "PENDING_REISSUE"})
    for status in ("CANCELLED", "REFUNDED", "REJECTED", "REVOKED", "EXPIRED"):
        assert not orders.is_live({"orderStatus": status})
        assert orders.is_failed({"orderStatus": status})
    assert orders.is_issued({"orderStatus": "COMPLETED", "certStatus": "ACTIVE"})
    assert not orders.is_issued({"orderStatus": "PENDING_REISSUE", "certStatus": "PENDING_REISSUE"})


def test_place_body_normalises_dcv_and_lists_approvers_in_name_order():
    identity = orders.OrderIdentity("ssl123", "www.example.com", ["example.com"])
    body = orders.place_body(
        identity,
        1,
        "CSR",
        "email",
        {"example.com": "admin@example.com", "www.example.com": "hostmaster@example.com"},
        administrator_contact_id="SSL1T",
    )
    assert body["authType"] == "email"
    assert body["sanfield"] == ["example.com"]
    assert body["approverEmail"] == [
        {"domain": "www.example.com", "email": "hostmaster@example.com"},
        {"domain": "example.com", "email": "admin@example.com"},
    ]
    assert "technicalContactId" not in body
    assert orders.place_body(identity, 1, "CSR", "http")["authType"] == "file"


def test_lock_directory_is_the_token_cache_sibling(tmp_path, monkeypatch):
    monkeypatch.setenv("WEBNIC_TOKEN_CACHE_DIR", str(tmp_path / "tokens"))
    assert orders.lock_dir() == str(tmp_path / "locks")


def test_lock_times_out_while_another_process_holds_it(tmp_path):
    import multiprocessing

    ready = multiprocessing.get_context("fork").Event()
    release = multiprocessing.get_context("fork").Event()

    def hold():
        with orders.OrderLock("http://x", "u", "example.com", directory=str(tmp_path)):
            ready.set()
            release.wait(10)

    holder = multiprocessing.get_context("fork").Process(target=hold)
    holder.start()
    try:
        assert ready.wait(10)
        with (
            pytest.raises(orders.LockTimeout),
            orders.OrderLock("http://x", "u", "example.com", timeout=0.2, directory=str(tmp_path)),
        ):
            pass
        with orders.OrderLock("http://x", "u", "other.example.com", timeout=0.2, directory=str(tmp_path)):
            pass  # another common name is another lock
    finally:
        release.set()
        holder.join(10)
    with orders.OrderLock("http://x", "u", "example.com", timeout=1, directory=str(tmp_path)):
        pass


class FakeClient:
    """Answers search (two pages) and order info like WebNIC does when it omits productKey."""

    def __init__(self, orders):
        self.orders = {o["orderId"]: o for o in orders}
        self.calls = []

    def call(self, name, path=None, query=None, body=None):
        self.calls.append(name)
        if name == "order_search":
            page = body["pagination"]["page"]
            items = [
                {
                    k: v
                    for k, v in o.items()
                    if k in ("orderId", "commonName", "orderStatus", "certStatus", "product", "dtcreate")
                }
                for o in self.orders.values()
            ]
            return {"items": items[(page - 1) * 2 : page * 2], "totalPages": (len(items) + 1) // 2, "pageSize": 2}
        if name == "order_info":
            return dict(self.orders[query["orderId"]])
        if name == "product_list_old":
            return [
                {"productKey": "ssl123", "productName": "Thawte SSL123"},
                {"productKey": "rapidssl", "productName": "RapidSSL"},
            ]
        raise AssertionError(name)


def test_find_live_order_filters_exact_names_all_pages_and_display_names():
    base = {"orderStatus": "PENDING", "certStatus": "INITIAL", "product": "Thawte SSL123", "sanfield": []}
    client = FakeClient(
        [
            dict(base, orderId="1", commonName="shop.www.example.com", dtcreate="2026-01-01T00:00:00Z"),
            dict(base, orderId="2", commonName="www.example.com", dtcreate="2026-01-02T00:00:00Z", product="RapidSSL"),
            dict(
                base,
                orderId="3",
                commonName="www.example.com",
                dtcreate="2026-01-03T00:00:00Z",
                orderStatus="CANCELLED",
            ),
            dict(
                base,
                orderId="4",
                commonName="www.example.com",
                dtcreate="2026-01-04T00:00:00Z",
                sanfield=["a.example.com"],
            ),
            dict(base, orderId="5", commonName="www.example.com", dtcreate="2026-01-05T00:00:00Z"),
        ]
    )
    catalogue = products.ProductCatalogue(client)
    found = orders.find_live_order(client, orders.OrderIdentity("ssl123", "www.example.com"), catalogue=catalogue)
    assert [o["orderId"] for o in found.exact] == ["5"]
    assert [o["orderId"] for o in found.renamed] == ["4"]
    assert found.unconfirmed == []
    assert found.chosen["orderId"] == "5" and not found.ambiguous
    assert client.calls.count("product_list_old") == 1  # display names were needed, and read once
    assert client.calls.count("order_search") == 3  # every page (the third one short)
    assert client.calls.count("order_info") == 3  # orders 2, 4, 5
