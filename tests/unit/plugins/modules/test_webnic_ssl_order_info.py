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
