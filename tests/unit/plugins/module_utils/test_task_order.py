# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""task_order.resolve_order, the one order lookup of webnic_ssl_dcv and webnic_ssl_cert_download, per branch.

A small in-memory client answers Get Order Info and Order Search: the lookup is a pure function of
those answers, so no simulator is needed here (the module tests cover the real HTTP path).
"""

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import task_order
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import FieldProblem


class OrdersClient:
    def __init__(self, orders):
        self.orders = {o["orderId"]: o for o in orders}
        self.calls = []

    def call(self, name, query=None, body=None, **_kwargs):
        self.calls.append(name)
        if name == "order_info":
            return self.orders.get(query["orderId"])
        assert name == "order_search"
        return {"items": list(self.orders.values()), "totalPages": 1}


def order(order_id, status="PENDING", cert="PENDING", name="www.example.com", created="2026-01-0%d 00:00:00"):
    return {
        "orderId": order_id,
        "commonName": name,
        "orderStatus": status,
        "certStatus": cert,
        "dtcreate": created % int(order_id),
    }


def resolve(client, order_id=None, common_name=None, prefer=task_order.AWAITING_VALIDATION):
    return task_order.resolve_order(client, order_id, common_name, prefer)


def failure(client, **kwargs):
    with pytest.raises(FieldProblem) as info:
        resolve(client, **kwargs)
    return info.value


def test_an_order_id_is_read_directly():
    client = OrdersClient([order("1")])
    assert resolve(client, order_id="1")["orderId"] == "1"
    assert client.calls == ["order_info"]


def test_an_unknown_order_id_names_order_id():
    error = failure(OrdersClient([]), order_id="9")
    assert (error.field, error.problem) == ("order_id", "WebNIC knows no order 9")
    assert error.fix == "Check the id (webnic.ssl.webnic_ssl_order_info lists orders)"


def test_an_order_id_of_another_name_names_common_name():
    error = failure(OrdersClient([order("1")]), order_id="1", common_name="Shop.Example.com.")
    assert (error.field, error.problem) == ("common_name", "order 1 is for www.example.com, not shop.example.com")


def test_the_same_name_in_another_spelling_is_accepted():
    assert resolve(OrdersClient([order("1")]), order_id="1", common_name="WWW.example.com.")["orderId"] == "1"


def test_an_invalid_common_name_names_common_name_before_any_call():
    client = OrdersClient([])
    assert failure(client, common_name="xn--zz.example.com").field == "common_name"
    assert client.calls == []


def test_no_live_order_of_the_name():
    error = failure(OrdersClient([order("1", status="CANCELLED")]), common_name="www.example.com")
    assert (error.field, error.problem) == ("common_name", "no live order has the common name www.example.com")


def test_the_order_awaiting_validation_is_preferred_to_an_issued_one():
    client = OrdersClient([order("1", status="PENDING"), order("2", status="COMPLETED", cert="ACTIVE")])
    assert resolve(client, common_name="www.example.com")["orderId"] == "1"


def test_without_an_order_awaiting_validation_the_newest_live_order_is_taken():
    client = OrdersClient([order("1", status="COMPLETED", cert="ACTIVE"), order("2", status="IN_PROCESS")])
    assert resolve(client, common_name="www.example.com")["orderId"] == "2"


def test_two_orders_awaiting_validation_are_ambiguous():
    error = failure(OrdersClient([order("1"), order("2", status="INITIAL")]), common_name="www.example.com")
    assert error.field == "common_name"
    assert error.problem.startswith("2 live orders of www.example.com await domain validation: 1 (")
    assert error.fix == "Give order_id to choose one"


def test_the_newest_issued_order_is_the_one_to_download():
    client = OrdersClient(
        [order("1", status="COMPLETED", cert="ACTIVE"), order("2", status="COMPLETED", cert="ACTIVE"), order("3")]
    )
    assert resolve(client, common_name="www.example.com", prefer=task_order.NEWEST_ISSUED)["orderId"] == "2"


def test_without_an_issued_order_the_newest_live_one_is_the_one_to_download():
    client = OrdersClient([order("1"), order("2", status="IN_PROCESS")])
    assert resolve(client, common_name="www.example.com", prefer=task_order.NEWEST_ISSUED)["orderId"] == "2"
