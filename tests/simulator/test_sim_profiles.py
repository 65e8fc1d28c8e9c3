"""Profiles (documented / extended), --missing routes, the tolerant variants and --clock-offset."""

import datetime
import email.utils
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from sim_client import Api, ec_key, key_pem, make_csr

from webnic_sim import api as sim_api
from webnic_sim.testing import Simulator, SimulatorError

pytestmark = pytest.mark.simulator

# The fields webnic-api.md shows for Get Order Info ([doc], plus authType [code]) and for the rows of
# Order Pagination Search ([code]): the documented profile answers with exactly these.
ORDER_INFO_FIELDS = {
    "id",
    "orderId",
    "commonName",
    "resid",
    "sanfield",
    "term",
    "orderStatus",
    "certStatus",
    "product",
    "renewal",
    "reissue",
    "cancel",
    "dtcreate",
    "dtmodify",
    "dtsettle",
    "dtorderexpire",
    "dtcertexpire",
    "admid",
    "tecid",
    "authType",
}
SEARCH_ROW_FIELDS = {
    "orderId",
    "commonName",
    "term",
    "orderStatus",
    "certStatus",
    "product",
    "dtcreate",
    "dtorderexpire",
    "dtcertexpire",
}
DCV_OBJECT_FIELDS = {"name", "authType", "value", "path", "fileName", "recordType", "host"}


@pytest.fixture(scope="module")
def documented(tmp_path_factory):
    with Simulator(tmp_path_factory.mktemp("documented"), profile="documented") as running:
        yield running


@pytest.fixture(scope="module")
def extended(tmp_path_factory):
    with Simulator(tmp_path_factory.mktemp("extended"), profile="extended") as running:
        yield running


def issue(sim, name, product="rapidssl", key=None):
    """An issued order for `name` on `sim`: (api, order id, key)."""
    api = Api(sim.url)
    key = key or ec_key()
    placed = api.place(name, product=product, key=key)
    sim.approve(placed["orderId"])
    return api, placed["orderId"], key


def search(api, name):
    filters = [{"field": "commonName", "operator": "EQUAL", "value": name}]
    return api.ok("POST", "/ssl/v2/orders/search", json={"filters": filters})["items"]


# profiles ----------------------------------------------------------------------------------------
def test_default_profile_is_documented(tmp_path, monkeypatch):
    monkeypatch.delenv("WEBNIC_SIM_PROFILE", raising=False)
    monkeypatch.delenv("WEBNIC_SIM_MISSING", raising=False)
    with Simulator(tmp_path / "s") as sim:
        assert sim.profile == "documented" and sim.missing == []
        config = sim.config()
        assert config["profile"] == "documented" and config["missing"] == []


def test_profile_and_missing_defaults_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WEBNIC_SIM_PROFILE", "extended")
    monkeypatch.setenv("WEBNIC_SIM_MISSING", "GET /ssl/v2/products/rules, /ssl/v2/products/info")
    with Simulator(tmp_path / "s") as sim:
        assert sim.profile == "extended"
        assert sim.config()["missing"] == ["GET /ssl/v2/products/info", "GET /ssl/v2/products/rules"]


def test_documented_order_rows_carry_the_display_name_and_no_product_key(documented):
    api, order_id, _key = issue(documented, "www.doc-rows.example.com")
    info = api.info(order_id)
    assert set(info) == ORDER_INFO_FIELDS
    assert info["product"] == "RapidSSL" and info["term"] == "1"
    assert isinstance(info["orderId"], str) and isinstance(info["id"], int)
    assert isinstance(info["admid"], str) and info["admid"].startswith("SSL")
    (row,) = search(api, "www.doc-rows.example.com")
    assert set(row) == SEARCH_ROW_FIELDS
    assert row["product"] == "RapidSSL" and row["term"] == "1" and row["orderId"] == order_id


def test_documented_search_cannot_filter_on_product_key(documented):
    api = Api(documented.url)
    body = api.fails(
        "POST",
        "/ssl/v2/orders/search",
        json={"filters": [{"field": "productKey", "operator": "EQUAL", "value": "ssl123"}]},
        sub_code="SSL4000",
    )
    assert body["fieldErrors"][0]["field"] == "filters[0].field"


def test_extended_order_rows_keep_the_extras(extended):
    api, order_id, key = issue(extended, "www.ext-rows.example.com")
    info = api.info(order_id)
    assert info["productKey"] == "rapidssl" and info["product"] == "RapidSSL"
    assert {"organizationId", "parentOrderId", "renewedBy"} <= set(info)
    (row,) = search(api, "www.ext-rows.example.com")
    assert row["productKey"] == "rapidssl" and row["product"] == "RapidSSL"
    renewed = api.ok(
        "POST", f"/ssl/v2/orders/{order_id}/renew", json={"term": 1, "csr": make_csr(key, "www.ext-rows.example.com")}
    )
    assert renewed["parentOrderId"] == order_id and renewed["price"] == 15.0
    assert api.info(order_id)["renewedBy"] == renewed["orderId"]


def test_documented_dcv_status_has_no_domain_list(documented, extended):
    doc_api = Api(documented.url)
    placed = doc_api.place("www.doc-dcv.example.com", auth="dns")
    status = doc_api.ok("GET", f"/ssl/v2/orders/{placed['orderId']}/dcv-status")
    assert status == {"orderId": placed["orderId"], "orderStatus": "PENDING", "certStatus": "INITIAL"}
    assert set(placed) == {"orderId", "commonName", "san"}  # no price/currency in the Place Order answer
    assert set(placed["commonName"]) == DCV_OBJECT_FIELDS
    ext_api = Api(extended.url)
    placed = ext_api.place("www.ext-dcv.example.com", auth="dns")
    status = ext_api.ok("GET", f"/ssl/v2/orders/{placed['orderId']}/dcv-status")
    assert status["domains"][0]["name"] == "www.ext-dcv.example.com" and status["domains"][0]["status"]
    assert placed["price"] == 10.0 and placed["commonName"]["status"] == "PENDING"


def test_documented_products_and_rules_carry_only_the_contract_fields(documented, extended):
    doc_rules = Api(documented.url).ok("GET", "/ssl/v2/products/rules", params={"productKey": "ssl123"})
    assert "freeCompanionSan" not in doc_rules and doc_rules["terms"] == [1, 2]
    doc_info = Api(documented.url).ok("GET", "/ssl/v2/products/info", params={"productKey": "ssl123"})
    assert doc_info["productName"] == "Thawte SSL123" and "keyTypes" not in doc_info
    ext_rules = Api(extended.url).ok("GET", "/ssl/v2/products/rules", params={"productKey": "ssl123"})
    assert ext_rules["freeCompanionSan"] is True
    ext_info = Api(extended.url).ok("GET", "/ssl/v2/products/info", params={"productKey": "ssl123"})
    assert ext_info["keyTypes"] and ext_info["terms"] == [1, 2]


# --missing ---------------------------------------------------------------------------------------
def assert_spring_404(response, path):
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"timestamp", "status", "error", "path"}  # not a WebNIC envelope
    assert body["status"] == 404 and body["error"] == "Not Found" and body["path"] == path


def test_missing_one_path_answers_spring_404_and_is_counted(tmp_path):
    with Simulator(tmp_path / "s", missing=["GET /ssl/v2/products/rules"]) as sim:
        api = Api(sim.url)
        assert_spring_404(
            api.request("GET", "/ssl/v2/products/rules", params={"productKey": "ssl123"}), "/ssl/v2/products/rules"
        )
        api.ok("GET", "/ssl/v2/products/info", params={"productKey": "ssl123"})
        api.ok("GET", "/ssl/v2/products/pricing", params={"productKey": "ssl123", "term": 1})
        assert sim.stats()["requests"]["GET /ssl/v2/products/rules"] == 1
        assert any(line.endswith("GET /ssl/v2/products/rules 404") for line in sim.log())
        assert sim.config()["missing"] == ["GET /ssl/v2/products/rules"]


def test_missing_template_path_uses_the_real_path_and_counts_under_the_template(tmp_path):
    with Simulator(tmp_path / "s", missing=["/ssl/v2/orders/{orderId}/auth/info"]) as sim:
        api = Api(sim.url)
        placed = api.place("www.missing-auth.example.com")
        path = f"/ssl/v2/orders/{placed['orderId']}/auth/info"
        assert_spring_404(api.request("GET", path), path)
        assert sim.stats()["requests"]["GET /ssl/v2/orders/{orderId}/auth/info"] == 1


def test_missing_assumed_drops_every_assumed_route_and_keeps_the_others(tmp_path):
    assumed = {(r[0], r[1]) for r in sim_api.ROUTES if r[6] == "assumed"}
    with Simulator(tmp_path / "s", missing=["assumed"]) as sim:
        assert set(sim.config()["missing"]) == {f"{m} {p}" for m, p in assumed}
        api = Api(sim.url)
        assert_spring_404(
            api.request("POST", "/ssl/v2/orders/1153063901/renew", json={"csr": "x"}), "/ssl/v2/orders/1153063901/renew"
        )
        api.ok("GET", "/ssl/v2/products/pricing", params={"productKey": "ssl123", "term": 1})
        placed = api.place("www.assumed.example.com")  # Place Order is [code]: it stays
        api.ok("GET", f"/ssl/v2/orders/{placed['orderId']}/dcv-status")
        stats = sim.stats()
        assert stats["requests"]["POST /ssl/v2/orders/{orderId}/renew"] == 1
        assert stats["writes"] >= 2  # the 404 renew counts like any call to a write route


def test_missing_assumed_reads_drops_only_assumed_gets(tmp_path):
    expected = {
        "GET /ssl/v2/products/rules",
        "GET /ssl/v2/products/info",
        "GET /ssl/v2/products/list",
        "GET /ssl/v2/orders/{orderId}/auth/info",
        "GET /ssl/v2/domainValidations/approver-list",
        "GET /ssl/v2/orders/statistics",
        "GET /ssl/v2/orders/statistics/graph",
        "GET /ssl/v2/contact/info",
        "GET /ssl/v2/organization/info",
        "GET /ssl/v2/organization/{organizationId}/validation",
    }
    with Simulator(tmp_path / "s", missing=["assumed-reads"]) as sim:
        assert set(sim.config()["missing"]) == expected
        api = Api(sim.url)
        assert_spring_404(api.request("GET", "/ssl/v2/orders/statistics"), "/ssl/v2/orders/statistics")
        api, order_id, key = issue(sim, "www.reads.example.com")
        renewed = api.ok(
            "POST", f"/ssl/v2/orders/{order_id}/renew", json={"csr": make_csr(key, "www.reads.example.com")}
        )
        assert renewed["orderId"] != order_id
        pem = api.request("POST", f"/ssl/v2/orders/{order_id}/download/format/PEM", json={})
        assert pem.status_code == 200
        assert sim.stats()["requests"]["GET /ssl/v2/orders/statistics"] == 1


def test_missing_rejects_an_unknown_route(tmp_path):
    with pytest.raises(SimulatorError, match="not a route of the simulator"):
        Simulator(tmp_path / "s", missing=["GET /ssl/v2/products/rulez"]).start()


def test_route_table_write_flag_follows_the_kind():
    for method, path, _handler, _auth, counts_as_write, kind, confidence in sim_api.ROUTES:
        assert counts_as_write == (kind not in ("safe", "auth")), (method, path)
        assert confidence in ("doc", "code", "assumed"), (method, path)


# tolerant variants -------------------------------------------------------------------------------
def test_renew_answer_render_order_variant(tmp_path):
    with Simulator(tmp_path / "s", extra_args=["--renew-answer", "renewOrder"]) as sim:
        api, order_id, key = issue(sim, "www.renew-variant.example.com")
        renewed = api.ok(
            "POST", f"/ssl/v2/orders/{order_id}/renew", json={"csr": make_csr(key, "www.renew-variant.example.com")}
        )
        assert "orderId" not in renewed
        new_id = renewed["renewOrder"]["orderId"]
        assert new_id != order_id and api.info(new_id)["orderStatus"] == "PENDING"
        assert renewed["commonName"]["name"] == "www.renew-variant.example.com"


def test_download_encoding_multipart_rejects_json_and_accepts_form_parts(tmp_path):
    with Simulator(tmp_path / "s", extra_args=["--download-encoding", "multipart"]) as sim:
        api, order_id, key = issue(sim, "www.multipart.example.com", product="ssl123")
        pem_path = f"/ssl/v2/orders/{order_id}/download/format/PEM"
        rejected = api.request("POST", pem_path, json={"bundle": True})
        assert rejected.status_code == 415
        body = rejected.json()
        assert body["code"] == "2400" or body["code"].startswith("2")
        assert "multipart/form-data" in body["message"] and body["error"]["subCode"]
        assert api.request("POST", pem_path).status_code == 415  # no body is not form data either
        leaf = api.request("POST", pem_path, files={"bundle": (None, "false")})
        assert leaf.status_code == 200 and len(x509.load_pem_x509_certificates(leaf.content)) == 1
        pfx = api.request(
            "POST",
            f"/ssl/v2/orders/{order_id}/download/format/PFX",
            files={
                "bundle": (None, "true"),
                "pfxPassword": (None, "s3cret"),
                "privateKey": ("server.key", key_pem(key).encode(), "application/octet-stream"),
            },
        )
        assert pfx.status_code == 200, pfx.text
        loaded = pkcs12.load_pkcs12(pfx.content, b"s3cret")
        assert loaded.cert.certificate.subject.rfc4514_string() == "CN=www.multipart.example.com"
        assert len(loaded.additional_certs) == 1
        assert sim.config()["download_encoding"] == "multipart"


def test_download_default_accepts_json_and_multipart(documented):
    api, order_id, key = issue(documented, "www.any-encoding.example.com", product="ssl123")
    path = f"/ssl/v2/orders/{order_id}/download/format/PFX"
    by_json = api.request("POST", path, json={"privateKey": key_pem(key), "pfxPassword": "pw"})
    by_form = api.request(
        "POST", path, files={"pfxPassword": (None, "pw"), "privateKey": ("k.pem", key_pem(key).encode())}
    )
    for response in (by_json, by_form):
        assert response.status_code == 200
        assert (
            pkcs12.load_pkcs12(response.content, b"pw")
            .cert.certificate.subject.rfc4514_string()
            .endswith("www.any-encoding.example.com")
        )


@pytest.mark.parametrize("profile", ["documented", "extended"])
def test_approver_email_as_strings_is_accepted(tmp_path, profile):
    with Simulator(tmp_path / profile, profile=profile) as sim:
        api = Api(sim.url)
        placed = api.place(
            "www.strings.example.com",
            sans=["strings.example.com", "shop.example.net"],
            approverEmail=["hostmaster@example.com", "webmaster@example.net"],
        )
        values = {item["name"]: item["value"] for item in [placed["commonName"], *placed["san"]]}
        assert values == {
            "www.strings.example.com": "hostmaster@example.com",
            "strings.example.com": "hostmaster@example.com",
            "shop.example.net": "webmaster@example.net",
        }
        single = api.place("www.single.example.org", approverEmail=["postmaster@example.org"])
        assert single["commonName"]["value"] == "postmaster@example.org"
        objects = api.place(
            "www.objects.example.com",
            approverEmail=[{"domain": "www.objects.example.com", "email": "admin@example.com"}],
        )
        assert objects["commonName"]["value"] == "admin@example.com"
        bad = {
            "productKey": "ssl123",
            "term": 1,
            "csr": make_csr(ec_key(), "www.bad.example.com"),
            "administratorContactId": api.contact(),
            "approverEmail": ["not an address"],
        }
        body = api.fails("POST", "/ssl/v2/orders/new", json=bad, sub_code="SSL4000")
        assert body["fieldErrors"][0]["field"] == "approverEmail"
        updated = api.ok(
            "PUT",
            f"/ssl/v2/orders/{placed['orderId']}/approver",
            json={"approverEmail": ["admin@example.net"]},
        )
        by_name = {item["name"]: item["value"] for item in [updated["commonName"], *updated["san"]]}
        assert by_name["shop.example.net"] == "admin@example.net"
        assert by_name["www.strings.example.com"] == "hostmaster@example.com"


# --clock-offset ----------------------------------------------------------------------------------
def test_clock_offset_shifts_the_date_header_and_order_dates(tmp_path):
    offset = 3 * 86400
    with Simulator(tmp_path / "s", extra_args=["--clock-offset", str(offset)]) as sim:
        api = Api(sim.url)
        response = api.request("GET", "/reseller/v2/balance")
        served = email.utils.parsedate_to_datetime(response.headers["Date"]).timestamp()
        assert abs(served - (time.time() + offset)) < 120
        api2, order_id, _key = issue(sim, "www.clock.example.com")
        info = api2.info(order_id)
        for field in ("dtcreate", "dtsettle"):
            written = datetime.datetime.strptime(info[field], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
            assert abs(written.timestamp() - (time.time() + offset)) < 120, field
        pem = api2.request("POST", f"/ssl/v2/orders/{order_id}/download/format/PEM", data={"bundle": "false"})
        (leaf,) = x509.load_pem_x509_certificates(pem.content)
        assert abs(leaf.not_valid_before_utc.timestamp() - (time.time() + offset)) < 120
        assert sim.config()["clock_offset"] == offset
