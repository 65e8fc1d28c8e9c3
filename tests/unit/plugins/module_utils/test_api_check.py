# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API self-check's pure parts: expected shapes, rows from answers and errors, degraded features."""

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import api_check
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.endpoints import AUTH, ENDPOINTS, SAFE
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.errors import ApiError, AuthError, TransportError

DOC_ORDER_INFO = {  # the example of WebNIC's Get Order Info page
    "id": 10000000,
    "orderId": "757512302",
    "commonName": "*.webnic.cc",
    "resid": 2222,
    "sanfield": ["webnic.cc"],
    "term": "1",
    "orderStatus": "COMPLETED",
    "certStatus": "ACTIVE",
    "product": "RapidSSL",
    "renewal": False,
    "reissue": False,
    "cancel": False,
    "dtcreate": "2024-12-02T09:42:34Z",
    "dtmodify": "2024-12-02T09:42:34Z",
    "dtsettle": "2024-05-21T00:33:03Z",
    "dtorderexpire": "2025-05-21T04:00:00Z",
    "dtcertexpire": "2025-05-20T04:00:00Z",
    "admid": "SSL10618T",
    "tecid": "SSL10619T",
}


def _bare_404():
    # What the client raises for a Spring-style 404 page: no WebNIC code.
    return ApiError(404, None, None, "", endpoint="GET /ssl/v2/products/rules")


# ------------------------------------------------------------------------------ the table


def test_every_check_is_a_read_or_the_token():
    for check in api_check.CHECKS:
        assert ENDPOINTS[check.name].kind in (SAFE, AUTH), check.name
        assert api_check.assert_read_only(check.name) is ENDPOINTS[check.name]


@pytest.mark.parametrize("name", ["order_place", "order_renew", "order_cancel", "dns_record_save", "auth_change"])
def test_write_endpoints_are_refused(name):
    with pytest.raises(ValueError, match="not a read-only check"):
        api_check.assert_read_only(name)


def test_safe_endpoints_outside_the_table_are_refused_too():
    with pytest.raises(ValueError):
        api_check.assert_read_only("cert_download")  # SAFE for retries, but sends a key: not a check


def test_every_feature_named_by_a_check_or_field_is_described():
    named = set()
    for check in api_check.CHECKS:
        named.add(check.unreachable_feature)
        named.update(field.feature for field in tuple(check.fields) + tuple(check.page_fields))
    for feature, _alternatives in api_check.COMBINED_FEATURES:
        named.add(feature)
    named.discard(None)
    assert named <= set(api_check.FEATURES)


# ------------------------------------------------------------------------------ shapes


def test_documented_order_info_is_degraded_only_by_the_assumed_fields():
    row = api_check.row_from_answer("order_info", dict(DOC_ORDER_INFO))
    assert row["result"] == "degraded"
    assert row["missing_fields"] == ["authType", "productKey", "renewedBy"]
    assert row["extra_fields"] == []
    assert row["reachable"] is True and row["status"] == 200


def test_extra_fields_are_reported_but_harmless():
    answer = dict(DOC_ORDER_INFO, authType="dns", productKey="rapidssl", renewedBy=None, colour="blue")
    row = api_check.row_from_answer("order_info", answer)
    assert row["result"] == "ok"
    assert row["extra_fields"] == ["colour"]


def test_a_needed_field_missing_fails_the_row():
    answer = dict(DOC_ORDER_INFO)
    del answer["sanfield"]
    row = api_check.row_from_answer("order_info", answer)
    assert row["result"] == "failed"
    assert "sanfield" in row["message"]


@pytest.mark.parametrize(
    "name, data, note",
    [
        ("order_info", [DOC_ORDER_INFO], "expected an object, got a list"),
        ("product_list", {"unexpected": 1}, "expected a list"),
        ("order_search", [], "expected a page object"),
        ("order_search", {"items": "x", "totalPages": 1}, "not a list"),
        ("approver_list", [1, 2], "e-mail addresses"),
        ("dns_zones", ["example.com"], "list of objects"),
        ("order_statistics", None, "expected an object, got no data"),
    ],
)
def test_wrong_shapes_fail_with_a_note(name, data, note):
    row = api_check.row_from_answer(name, data)
    assert row["result"] == "failed"
    assert row["shape_ok"] is False
    assert note in row["message"]


def test_either_spelling_of_allow_wildcard_san_is_accepted():
    rules = {
        "productKey": "ssl123",
        "terms": [1],
        "maxSan": 4,
        "allowSan": True,
        "allowWsan": False,
        "wildcard": False,
        "certType": "DV",
        "authTypes": ["dns"],
        "keyTypes": ["RSA-2048"],
        "freeCompanionSan": True,
    }
    assert api_check.row_from_answer("product_rules", rules)["result"] == "ok"


def test_wrapped_lists_and_empty_lists():
    wrapped = api_check.row_from_answer("product_list", {"products": [{"productKey": "ssl123"}]})
    assert wrapped["shape_ok"] is True and wrapped["rows"] == 1
    empty = api_check.row_from_answer("order_search", {"items": [], "totalPages": 1, "pageSize": 10, "totalItems": 0})
    assert empty["result"] == "ok"
    assert empty["message"] == "no rows to check the fields of"
    approvers = api_check.row_from_answer("approver_list", {"approvers": ["admin@example.com"]})
    assert approvers["result"] == "ok"


def test_a_field_missing_from_every_row_is_missing_one_row_is_enough():
    rows = [{"zone": "a.example"}, {"zone": "b.example", "zoneType": "MASTER"}]
    assert api_check.row_from_answer("dns_zones", rows)["missing_fields"] == []


# ------------------------------------------------------------------------------ errors


def test_bare_404_is_unreachable_and_points_at_the_assumptions():
    row = api_check.row_from_error("product_rules", _bare_404())
    assert (row["status"], row["reachable"], row["result"]) == (404, False, "unreachable")
    assert "docs/api-assumptions.md" in row["message"]
    assert row["confidence"] == "assumed"


def test_webnic_error_envelope_means_the_path_exists():
    error = ApiError(400, "2400", "SSL2400", "Order 1 not found", endpoint="GET /ssl/v2/orders/info")
    row = api_check.row_from_error("order_info", error)
    assert (row["reachable"], row["result"]) == (True, "failed")
    assert "Order 1 not found" in row["message"]


def test_ip_block_is_a_failed_reachable_row_with_the_hint():
    error = AuthError(403, "2400", "SSL0004", "IP not allowed", hint="add this host's address")
    row = api_check.row_from_error("balance", error)
    assert (row["status"], row["reachable"], row["result"]) == (403, True, "failed")
    assert "add this host's address" in row["message"]


def test_no_answer_is_failed_and_unreachable():
    row = api_check.row_from_error("balance", TransportError("Cannot connect"))
    assert (row["status"], row["reachable"], row["result"]) == (None, False, "failed")


# ------------------------------------------------------------------------------ features


def _documented_order_rows():
    search_row = {k: DOC_ORDER_INFO[k] for k in ("orderId", "commonName", "term", "orderStatus", "certStatus")}
    search_row.update(product="RapidSSL", dtcreate="x", dtorderexpire="y", dtcertexpire="z")
    search = {"items": [search_row], "totalPages": 1, "pageSize": 10, "totalItems": 1}
    return [
        api_check.row_from_answer("order_search", search),
        api_check.row_from_answer("order_info", dict(DOC_ORDER_INFO)),
    ]


def test_rows_without_product_key_confirm_by_display_name():
    rows = [
        *_documented_order_rows(),
        api_check.row_from_answer("product_info", {"productKey": "rapidssl", "productName": "RapidSSL"}),
    ]
    found = {item["feature"]: item["because"] for item in api_check.degraded_features(rows)}
    assert found == {
        "product_by_display_name": ["order_info", "order_search"],
        "renewal_link": ["order_info"],
    }
    assert rows[0]["degraded"] == ["product_by_display_name"]


def test_rows_without_product_key_and_no_product_info_cannot_confirm_the_product():
    rows = [*_documented_order_rows(), api_check.row_from_error("product_info", _bare_404())]
    found = {item["feature"]: item["because"] for item in api_check.degraded_features(rows)}
    assert found["product_unconfirmed"] == ["order_info", "order_search", "product_info"]
    assert "product_by_display_name" not in found
    assert rows[2]["degraded"] == ["product_details", "product_unconfirmed"]


def test_product_info_without_display_name_cannot_confirm_either():
    rows = [*_documented_order_rows(), api_check.row_from_answer("product_info", {"productKey": "rapidssl"})]
    found = {item["feature"] for item in api_check.degraded_features(rows)}
    assert "product_unconfirmed" in found


def test_missing_rules_degrade_the_rules_check():
    rows = [api_check.row_from_error("product_rules", _bare_404())]
    (item,) = api_check.degraded_features(rows)
    assert item["feature"] == "rules_check"
    assert item["description"].startswith("product rules not checked before buying")
    assert item["because"] == ["product_rules"]


def test_summary_counts_every_result():
    rows = [
        api_check.row_from_answer("balance", {"balance": 1, "currency": "USD"}),
        api_check.row_from_error("product_rules", _bare_404()),
        api_check.skipped_row("contact_info", "no contact"),
    ]
    assert api_check.summarize(rows) == {"ok": 1, "degraded": 0, "unreachable": 1, "failed": 0, "skipped": 1}
    assert rows[2]["called"] is False
