# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""webnic_ssl_order_info against the simulator: finds orders exactly, never writes."""

import pytest

from ansible_collections.webnic.ssl.plugins.modules import webnic_ssl_order, webnic_ssl_order_info

from .runner import connection_args, run_module
from .test_webnic_ssl_order import create_contact, make_csr, writes

pytestmark = pytest.mark.simulator


@pytest.fixture
def sim(simulator):
    return simulator


@pytest.fixture
def contact(sim):
    return create_contact(sim)


def place(sim, contact, cn, sans=(), dcv_method="dns"):
    args = connection_args(
        sim,
        product_key="ssl123",
        common_name=cn,
        subject_alt_names=list(sans),
        csr=make_csr(cn, sans),
        dcv_method=dcv_method,
        approver_emails={"example.com": "admin@example.com"},
        administrator_contact_id=contact,
    )
    result = run_module(webnic_ssl_order, args)
    assert not result.failed, result
    return result["order_id"]


@pytest.fixture
def three_orders(sim, contact):
    www = place(sim, contact, "www.example.com", ["example.com"])
    shop = place(sim, contact, "shop.www.example.com")
    mail = place(sim, contact, "mail.example.com", dcv_method="email")
    sim.approve(mail)
    sim.reset_stats()
    return www, shop, mail


def test_by_order_id(sim, three_orders):
    www, _shop, _mail = three_orders
    result = run_module(webnic_ssl_order_info, connection_args(sim, order_id=www))
    assert not result.failed, result
    assert result["changed"] is False and result["count"] == 1
    order = result["orders"][0]
    assert (order["order_id"], order["common_name"], order["subject_alt_names"]) == (
        www,
        "www.example.com",
        ["example.com"],
    )
    assert order["order_status"] == "PENDING" and order["live"] is True
    assert [d["method"] for d in order["dcv"]] == ["dns", "dns"]
    assert order["dcv"][0]["dns_host"] and order["dcv"][0]["dns_value"]
    assert order["raw"]["orderId"] == www
    assert writes(sim) == {}


def test_unknown_order_id_returns_no_order(sim, three_orders):
    result = run_module(webnic_ssl_order_info, connection_args(sim, order_id="999"))
    assert not result.failed, result
    assert result["orders"] == []


def test_by_common_name_is_exact(sim, three_orders):
    www, _shop, _mail = three_orders
    result = run_module(webnic_ssl_order_info, connection_args(sim, common_name="WWW.example.com"))
    assert [o["order_id"] for o in result["orders"]] == [www]  # not shop.www.example.com


def test_search_with_status_filter_and_all_pages(sim, three_orders):
    www, shop, mail = three_orders
    everything = run_module(webnic_ssl_order_info, connection_args(sim))
    assert sorted(o["order_id"] for o in everything["orders"]) == sorted([www, shop, mail])
    issued = run_module(webnic_ssl_order_info, connection_args(sim, status="COMPLETED"))
    assert [o["order_id"] for o in issued["orders"]] == [mail]
    assert issued["orders"][0]["dcv"] == []
    assert issued["orders"][0]["issued_certificate"] is True
    detailed = run_module(webnic_ssl_order_info, connection_args(sim, status="PENDING", details=True, dcv=False))
    assert {o["order_id"] for o in detailed["orders"]} == {www, shop}
    assert all(o["dcv"] == [] for o in detailed["orders"])
    assert {tuple(o["subject_alt_names"]) for o in detailed["orders"]} == {("example.com",), ()}
    assert writes(sim) == {}


def test_search_reads_every_page(sim, contact, monkeypatch):
    from ansible_collections.webnic.ssl.plugins.module_utils._webnic import orders

    ids = {place(sim, contact, "n%d.example.com" % i) for i in range(5)}
    real = orders.search_orders

    def small_pages(client, common_name=None, status=None, page_size=100, max_pages=100):
        return real(client, common_name=common_name, status=status, page_size=2, max_pages=max_pages)

    monkeypatch.setattr(orders, "search_orders", small_pages)
    result = run_module(webnic_ssl_order_info, connection_args(sim, dcv=False))
    assert {o["order_id"] for o in result["orders"]} == ids
    assert sim.stats()["calls"]["POST /ssl/v2/orders/search"] >= 3


def test_live_only_and_check_mode(sim, three_orders):
    www, shop, mail = three_orders
    sim.revoke(mail)
    result = run_module(webnic_ssl_order_info, connection_args(sim, live_only=True), check_mode=True)
    assert sorted(o["order_id"] for o in result["orders"]) == sorted([www, shop])
    assert result["changed"] is False


def test_order_id_and_common_name_are_exclusive(sim):
    result = run_module(webnic_ssl_order_info, connection_args(sim, order_id="1", common_name="a.example.com"))
    assert result.failed and "mutually exclusive" in result["msg"]


def test_cert_status_filter(sim, three_orders):
    www, shop, mail = three_orders
    active = run_module(webnic_ssl_order_info, connection_args(sim, cert_status="ACTIVE"))
    assert not active.failed, active
    assert [o["order_id"] for o in active["orders"]] == [mail]
    assert active["orders"][0]["cert_status"] == "ACTIVE"
    initial = run_module(webnic_ssl_order_info, connection_args(sim, cert_status="INITIAL", details=True, dcv=False))
    assert sorted(o["order_id"] for o in initial["orders"]) == sorted([www, shop])
    assert all(o["cert_status"] == "INITIAL" for o in initial["orders"])
    by_name = run_module(
        webnic_ssl_order_info, connection_args(sim, common_name="mail.example.com", cert_status="INITIAL")
    )
    assert by_name["orders"] == [] and by_name["count"] == 0
    expired = run_module(webnic_ssl_order_info, connection_args(sim, cert_status="EXPIRED"))
    assert expired["orders"] == []
    assert writes(sim) == {}


def test_expiring_within_days(sim, three_orders):
    _www, _shop, mail = three_orders
    sim.age(mail, 300)  # a one-year certificate now has about 65 days left
    soon = run_module(webnic_ssl_order_info, connection_args(sim, expiring_within_days=90, dcv=False))
    assert not soon.failed, soon
    assert [o["order_id"] for o in soon["orders"]] == [mail]  # the pending orders have no certificate end
    assert soon["orders"][0]["cert_expires"]
    later = run_module(webnic_ssl_order_info, connection_args(sim, expiring_within_days=30, dcv=False))
    assert not later.failed, later
    assert later["orders"] == []
    one = run_module(webnic_ssl_order_info, connection_args(sim, order_id=mail, expiring_within_days=90))
    assert [o["order_id"] for o in one["orders"]] == [mail]
    none = run_module(webnic_ssl_order_info, connection_args(sim, order_id=mail, expiring_within_days=0))
    assert none["orders"] == []
    assert writes(sim) == {}


def test_negative_expiring_within_days_fails_without_calling(sim):
    sim.reset_stats()
    result = run_module(webnic_ssl_order_info, connection_args(sim, expiring_within_days=-1))
    assert result.failed
    assert result["field"] == "expiring_within_days" and "expiring_within_days" in result["msg"]
    assert sim.stats()["total"] == 0


def test_statistics(sim, three_orders):
    plain = run_module(webnic_ssl_order_info, connection_args(sim, dcv=False))
    assert "statistics" not in plain and "statistics_graph" not in plain
    sim.reset_stats()
    result = run_module(webnic_ssl_order_info, connection_args(sim, statistics=True, dcv=False))
    assert not result.failed, result
    by_status = {}
    for order in result["orders"]:
        by_status[order["order_status"]] = by_status.get(order["order_status"], 0) + 1
    assert by_status == {"PENDING": 2, "COMPLETED": 1}
    assert {k: v for k, v in result["statistics"].items() if v} == by_status
    graph = result["statistics_graph"]
    assert isinstance(graph, list) and len(graph) == 12
    assert all(set(point) == {"month", "count"} for point in graph)
    assert sum(point["count"] for point in graph) == 3
    calls = sim.stats()["calls"]
    assert calls["GET /ssl/v2/orders/statistics"] == 1
    assert calls["GET /ssl/v2/orders/statistics/graph"] == 1


def test_never_writes(sim, three_orders):
    www, _shop, mail = three_orders
    sim.age(mail, 300)
    sim.reset_stats()
    for extra in (
        {},
        {"order_id": www},
        {"common_name": "www.example.com"},
        {"status": "PENDING", "details": True},
        {"cert_status": "ACTIVE", "expiring_within_days": 90, "statistics": True},
    ):
        result = run_module(webnic_ssl_order_info, connection_args(sim, **extra))
        assert not result.failed, (extra, result)
        assert result["changed"] is False
    calls = sim.stats()["calls"]
    assert writes(sim) == {}
    posts = {name for name in calls if not name.startswith("GET ")}
    assert posts <= {"POST /ssl/v2/orders/search", "POST /ssl/v2/auth/token"}, calls
