# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""webnic_ssl_api_check against the simulator in each profile: the rows it reports, the exact calls
it makes, and never one call to a route the simulator counts as a write."""

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.client import WebNICClient
from ansible_collections.webnic.ssl.plugins.modules import webnic_ssl_api_check
from webnic_sim import api as sim_api

from .runner import connection_args, run_module

pytestmark = pytest.mark.simulator

#: Routes the simulator itself (its own table, independent of the client's) says change something.
NON_READ_ROUTES = {"%s %s" % (r[0], r[1]) for r in sim_api.ROUTES if r[5] not in ("safe", "auth")}

CALLS_WITHOUT_ORDER = [
    "POST /reseller/v2/api-user/token",
    "GET /reseller/v2/balance",
    "GET /ssl/v2/products/list",
    "GET /ssl/v2/products/list/price",
    "GET /ssl/v2/products/pricing",
    "GET /ssl/v2/products/rules",
    "GET /ssl/v2/products/info",
    "POST /ssl/v2/orders/search",
    "GET /ssl/v2/domainValidations/approver-list",
    "GET /dns/v2/zones",
    "GET /dns/v2/zone/{zone}/records",
    "GET /ssl/v2/orders/statistics",
    "GET /ssl/v2/orders/statistics/graph",
]
ORDER_CALLS = [
    "GET /ssl/v2/orders/info",
    "GET /ssl/v2/orders/{orderId}/dcv-status",
    "GET /ssl/v2/orders/{orderId}/auth/info",
]
CALLS_WITH_ORDER = CALLS_WITHOUT_ORDER[:8] + ORDER_CALLS + CALLS_WITHOUT_ORDER[8:9] + ["GET /ssl/v2/contact/info"]
CALLS_WITH_ORDER += CALLS_WITHOUT_ORDER[9:]

ASSUMED_READS = [
    "product_list",
    "product_rules",
    "product_info",
    "auth_info",
    "approver_list",
    "contact_info",
    "order_statistics",
    "order_statistics_graph",
]

PROFILES = {
    "documented": dict(profile="documented"),
    "extended": dict(profile="extended"),
    "documented+assumed-reads": dict(profile="documented", missing=["assumed-reads"]),
    "documented+assumed": dict(profile="documented", missing=["assumed"]),
}


def _client(sim):
    return WebNICClient(sim.url, "api-demo", "demo-secret", use_token_cache=False)


def place_order(sim):
    """An order on the account, placed through the documented Place Order path only."""
    client = _client(sim)
    person = {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "address1": "1 Main St",
        "city": "Kuala Lumpur",
        "countryCode": "MY",
        "phoneNumber": "+60.312345678",
        "email": "ada@example.com",
    }
    contact_id = client.call("contact_create", body={"administrator": person})[0]["contactId"]
    key = crypto.generate_private_key("EC-P256")
    csr = crypto.build_csr(key, "www.example.com", ["www.example.com"]).decode("ascii")
    body = {
        "productKey": "ssl123",
        "term": 1,
        "csr": csr,
        "administratorContactId": contact_id,
        "technicalContactId": contact_id,
        "authType": "file",
    }
    return str(client.call("order_place", body=body)["orderId"]), contact_id


def run_check(sim, check_mode=False, **options):
    sim.reset_stats()
    result = run_module(webnic_ssl_api_check, connection_args(sim, **options), check_mode=check_mode)
    assert not result.failed, result
    return result


def calls_made(sim):
    """Each route the simulator counted, by template, in the order first called."""
    stats = sim.stats()
    return stats, list(stats["calls"])


def rows(result):
    return {row["name"]: row for row in result["checks"]}


def features(result):
    return {item["feature"]: item["because"] for item in result["degraded_features"]}


def assert_read_only(sim, expected_calls):
    stats, made = calls_made(sim)
    assert stats["writes"] == 0
    assert not set(made) & NON_READ_ROUTES
    assert made == expected_calls
    # One token for the token row, one minted by the client for the calls (the token cache starts empty).
    assert stats["calls"]["POST /reseller/v2/api-user/token"] == 2
    assert all(count == 1 for call, count in stats["calls"].items() if "api-user/token" not in call), stats["calls"]


# ------------------------------------------------------------------------------ every profile


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_rows_and_calls_in_each_profile(simulator_factory, profile):
    sim = simulator_factory(**PROFILES[profile])
    _order_id, _contact_id = place_order(sim)

    result = run_check(sim)

    assert result["changed"] is False
    assert_read_only(sim, CALLS_WITH_ORDER)
    by_name = rows(result)
    assert [row["name"] for row in result["checks"]] == [
        "token",
        "balance",
        "product_list",
        "product_list_old",
        "product_price",
        "product_rules",
        "product_info",
        "order_search",
        "order_info",
        "dcv_status",
        "auth_info",
        "approver_list",
        "contact_info",
        "dns_zones",
        "dns_records",
        "order_statistics",
        "order_statistics_graph",
    ]
    rules = by_name["product_rules"]
    assert (rules["method"], rules["path"], rules["confidence"]) == ("GET", "/ssl/v2/products/rules", "assumed")
    assert by_name["order_search"]["rows"] == 1
    # Documented and code paths answer in every profile.
    for name in ("token", "balance", "product_list_old", "product_price", "order_search", "order_info", "dcv_status"):
        assert by_name[name]["reachable"] is True, by_name[name]
        assert by_name[name]["status"] == 200
        assert by_name[name]["result"] in ("ok", "degraded"), by_name[name]
    found = features(result)

    if profile == "extended":
        assert {row["result"] for row in result["checks"]} == {"ok"}
        assert by_name["order_search"]["missing_fields"] == []
        assert "productKey" not in by_name["order_search"]["extra_fields"]
        assert found == {}
        assert result["ok"] is True
        return

    # The documented shapes: no productKey in order rows, no per-domain DCV status, no renewedBy.
    assert by_name["order_search"]["result"] == "degraded"
    assert by_name["order_search"]["missing_fields"] == ["productKey"]
    assert by_name["order_info"]["missing_fields"] == ["productKey", "renewedBy"]
    assert by_name["dcv_status"]["missing_fields"] == ["domains"]
    assert by_name["dcv_status"]["degraded"] == ["dcv_per_domain"]
    assert found["dcv_per_domain"] == ["dcv_status"]
    assert found["renewal_link"] == ["order_info"]

    if profile == "documented":
        assert {name for name, row in by_name.items() if row["result"] != "ok"} == {
            "order_search",
            "order_info",
            "dcv_status",
            "product_rules",
        }
        assert by_name["product_rules"]["missing_fields"] == ["freeCompanionSan"]
        assert found["product_by_display_name"] == ["order_info", "order_search"]
        assert "product_unconfirmed" not in found
        assert "rules_check" not in found
        assert result["ok"] is True
        assert by_name["contact_info"]["result"] == "ok"  # the order's admid was read
        return

    # Every assumed read path answers a bare 404.
    for name in ASSUMED_READS:
        row = by_name[name]
        assert (row["status"], row["reachable"], row["result"]) == (404, False, "unreachable"), row
        assert "may be wrong" in row["message"]
    assert {name for name, row in by_name.items() if row["result"] == "unreachable"} == set(ASSUMED_READS)
    assert by_name["product_rules"]["degraded"] == ["rules_check"]
    assert found["rules_check"] == ["product_rules"]
    assert "product rules not checked before buying" in next(
        item["description"] for item in result["degraded_features"] if item["feature"] == "rules_check"
    )
    # No productKey in order rows and no product info: the product of a live order cannot be confirmed.
    assert found["product_unconfirmed"] == ["order_info", "order_search", "product_info"]
    assert "product_by_display_name" not in found
    for feature in ("dcv_instructions", "approver_choice", "contact_read", "statistics", "product_listing"):
        assert feature in found
    assert result["ok"] is False
    assert result["summary"] == {"ok": 6, "degraded": 3, "unreachable": 8, "failed": 0, "skipped": 0}
    assert len([w for w in result["warnings"] if "unreachable" in w]) == 8


# ------------------------------------------------------------------------------ one profile


def test_empty_account_skips_the_order_checks_and_names_the_option(simulator):
    result = run_check(simulator)
    assert_read_only(simulator, CALLS_WITHOUT_ORDER)
    by_name = rows(result)
    for name in ("order_info", "dcv_status", "auth_info"):
        assert by_name[name]["result"] == "skipped"
        assert by_name[name]["called"] is False
        assert "order_id" in by_name[name]["message"]
    assert "contact_id" in by_name["contact_info"]["message"]
    assert by_name["order_search"]["rows"] == 0
    assert result["summary"]["skipped"] == 4


def test_options_choose_order_contact_domain_and_zone(simulator):
    order_id, contact_id = place_order(simulator)
    place_order(simulator)  # a second order: order_id decides which one is read
    result = run_check(simulator, order_id=order_id, contact_id=contact_id, domain="Straße.example", zone="example.com")
    assert_read_only(simulator, CALLS_WITH_ORDER)
    assert rows(result)["order_info"]["result"] == "degraded"


def test_check_mode_makes_the_same_calls_and_changes_nothing(simulator):
    place_order(simulator)
    result = run_check(simulator, check_mode=True)
    assert result["changed"] is False
    assert_read_only(simulator, CALLS_WITH_ORDER)


def test_refused_credentials_fail_the_token_row_and_skip_the_rest(simulator):
    simulator.reset_stats()
    result = run_module(webnic_ssl_api_check, connection_args(simulator, api_password="wrong"))
    assert not result.failed, result
    assert result["checks"][0]["result"] == "failed"
    assert result["checks"][0]["status"] == 401
    assert {row["result"] for row in result["checks"][1:]} == {"skipped"}
    assert "everything" in features(result)
    assert list(simulator.stats()["calls"]) == ["POST /reseller/v2/api-user/token"]
    assert "wrong" not in result["_stdout"]
    assert result["ok"] is False


def test_a_wrong_shape_fails_the_row(simulator):
    place_order(simulator)
    simulator.fault("GET /ssl/v2/products/pricing", "malformed", count=5)
    result = run_check(simulator)
    row = rows(result)["product_price"]
    assert row["result"] == "failed"
    assert "price_before_buying" in features(result)


@pytest.mark.parametrize(
    "options, field",
    [({"domain": "☃.example"}, "domain"), ({"domain": "localhost"}, "domain"), ({"product_key": " "}, "product_key")],
)
def test_bad_input_fails_before_any_call(simulator, options, field):
    simulator.reset_stats()
    result = run_module(webnic_ssl_api_check, connection_args(simulator, **options))
    assert result.failed
    assert result["msg"].startswith(field + ":"), result["msg"]
    assert simulator.stats()["total"] == 0


def test_an_unreachable_order_search_is_the_look_up_before_buy_risk(simulator_factory):
    sim = simulator_factory(profile="documented", missing=["POST /ssl/v2/orders/search"])
    place_order(sim)
    result = run_check(sim)
    by_name = rows(result)
    assert (by_name["order_search"]["status"], by_name["order_search"]["result"]) == (404, "unreachable")
    assert "order_lookup" in features(result)
    assert by_name["order_info"]["result"] == "skipped"
    assert by_name["order_info"]["message"].startswith("the order search gave no order")
    assert sim.stats()["writes"] == 0
