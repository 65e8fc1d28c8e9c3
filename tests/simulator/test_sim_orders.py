"""Placing, reading, searching, cancelling, renewing, reissuing and downloading orders."""

import subprocess
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from sim_client import CONTACT, ec_key, key_pem, make_csr, rsa_key

pytestmark = pytest.mark.simulator

ISO_Z = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"


def test_place_order_charges_and_returns_dcv_instructions(api, sim):
    before = sim.balance()
    placed = api.place("shop.example.com", sans=["api.example.com", "*.cdn.example.com"], auth="dns")
    assert placed["orderId"].isdigit()
    assert placed["price"] == 40.0  # 10 base + 10 SAN + 20 wildcard SAN
    assert sim.balance() == pytest.approx(before - 40.0)
    assert placed["commonName"]["name"] == "shop.example.com"
    assert [item["name"] for item in placed["san"]] == ["api.example.com", "*.cdn.example.com"]
    for item in [placed["commonName"], *placed["san"]]:
        assert set(item) >= {"name", "authType", "value", "path", "fileName", "recordType", "host"}
        assert item["authType"] == "dns" and item["recordType"] == "TXT" and item["value"]
    assert placed["san"][1]["host"] == "_dnsauth.cdn.example.com"
    info = api.info(placed["orderId"])
    assert info["orderStatus"] == "PENDING" and info["certStatus"] == "INITIAL"
    assert info["cancel"] is True and info["renewal"] is False and info["reissue"] is False
    assert info["term"] == "1" and info["product"] == "Thawte SSL123" and info["resid"]
    assert info["sanfield"] == ["api.example.com", "*.cdn.example.com"]
    assert info["dtcreate"].endswith("Z") and info["dtsettle"] is None
    admin_view = next(o for o in sim.orders() if o["orderId"] == placed["orderId"])
    assert admin_view["price"] == 40.0 and admin_view["product"] == "ssl123" and admin_view["status"] == "PENDING"


def test_companion_name_is_free(api):
    assert api.place("www.free.example.com", sans=["free.example.com"])["price"] == 10.0
    wildcard = api.place("*.wild.example.com", product="rapidssl-wildcard", sans=["wild.example.com"], auth="dns")
    assert wildcard["price"] == 60.0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"productKey": "nope"}, "productKey"),
        ({"term": 3}, "term"),
        ({"administratorContactId": None}, "administratorContactId"),
        ({"administratorContactId": "SSL1T"}, "administratorContactId"),
        ({"technicalContactId": "SSL2T"}, "technicalContactId"),
        ({"csr": "garbage"}, "csr"),
        ({"sanfield": ["not valid!"]}, "sanfield"),
        (
            {"sanfield": ["a.example.com", "b.example.com", "c.example.com", "d.example.com", "e.example.com"]},
            "sanfield",
        ),
        ({"authType": "fax"}, "authType"),
        ({"approverEmail": [{"domain": "v.example.com", "email": "root@evil.test"}]}, "approverEmail"),
    ],
)
def test_place_order_field_validation(api, overrides, field):
    body = {
        "productKey": "ssl123",
        "term": 1,
        "csr": make_csr(ec_key(), "v.example.com"),
        "administratorContactId": api.contact(),
        "authType": "email",
    }
    body.update(overrides)
    result = api.fails("POST", "/ssl/v2/orders/new", json=body, sub_code="SSL4000")
    assert field in {item["field"] for item in result["fieldErrors"]}, result


def test_product_rules_enforced_at_placement(api):
    contact = api.contact()
    cases = [
        ("rapidssl", "a.example.org", ["b.example.org"], None),  # no SAN product
        ("ssl123", "*.example.org", [], None),  # wildcard CN on non-wildcard product
        ("rapidssl-wildcard", "plain.example.org", [], None),  # wildcard product needs *.name
        ("geotrust-truebusinessid", "w.example.org", ["*.x.example.org"], "ORG1"),  # no wildcard SAN on OV
    ]
    for product, cn, sans, org in cases:
        api.fails(
            "POST",
            "/ssl/v2/orders/new",
            sub_code="SSL4000",
            json={
                "productKey": product,
                "term": 1,
                "csr": make_csr(ec_key(), cn),
                "sanfield": sans,
                "administratorContactId": contact,
                "authType": "dns",
                "organizationId": org,
            },
        )


def test_key_type_must_be_allowed(api):
    contact = api.contact()
    org = _validated_org(api, contact)
    body = {
        "productKey": "geotrust-ev",
        "term": 1,
        "csr": make_csr(ec_key(), "ev.example.org"),
        "administratorContactId": contact,
        "organizationId": org,
    }
    result = api.fails("POST", "/ssl/v2/orders/new", json=body, sub_code="SSL4000")
    assert "EC-P256" in result["fieldErrors"][0]["messages"][0]
    body["csr"] = make_csr(rsa_key(), "ev.example.org")
    assert api.ok("POST", "/ssl/v2/orders/new", json=body)["price"] == 200.0


def _validated_org(api, contact, validate=True):
    org = api.ok(
        "POST",
        "/ssl/v2/organization/create",
        json={
            "organizationName": "Example Sdn Bhd",
            "address1": "1 Jalan",
            "city": "KL",
            "countryCode": "MY",
            "phoneNumber": "+60.312345678",
            "contactId": contact,
        },
    )["organizationId"]
    api.ok("POST", f"/ssl/v2/organization/{org}/validation")
    if validate:
        api.session.post(api.url + f"/_sim/organizations/{org}/validate", json={"status": "VALIDATED"})
    return org


def test_ov_needs_a_validated_organization(api, sim):
    contact = api.contact()
    body = {
        "productKey": "geotrust-truebusinessid",
        "term": 1,
        "csr": make_csr(ec_key(), "ov.example.org"),
        "administratorContactId": contact,
        "sanfield": ["ov2.example.org"],
    }
    result = api.fails("POST", "/ssl/v2/orders/new", json=body, sub_code="SSL4000")
    assert result["fieldErrors"][0]["field"] == "organizationId"
    body["organizationId"] = _validated_org(api, contact, validate=False)
    result = api.fails("POST", "/ssl/v2/orders/new", json=body, sub_code="SSL4000")
    assert "PENDING" in result["message"]
    sim.validate_org(body["organizationId"])
    placed = api.ok("POST", "/ssl/v2/orders/new", json=body)
    assert placed["price"] == 130.0
    sim.approve(placed["orderId"])
    pem = api.request("POST", f"/ssl/v2/orders/{placed['orderId']}/download/format/PEM", json={"bundle": False}).text
    cert = x509.load_pem_x509_certificate(pem.encode())
    assert cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value == "Example Sdn Bhd"


def test_insufficient_balance_is_ssl2400_and_charges_nothing(api, sim):
    before = sim.balance()
    sim.set_balance(5)
    try:
        result = api.fails(
            "POST",
            "/ssl/v2/orders/new",
            sub_code="SSL2400",
            json={
                "productKey": "ssl123",
                "term": 1,
                "csr": make_csr(ec_key(), "poor.example.com"),
                "administratorContactId": api.contact(),
            },
        )
        assert "Insufficient balance" in result["message"]
        assert sim.balance() == 5.0
        assert not [o for o in sim.orders() if o["commonName"] == "poor.example.com"]
    finally:
        sim.set_balance(before)


def test_info_by_common_name_and_unknown_order(api):
    placed = api.place("byname.example.net")
    info = api.ok("GET", "/ssl/v2/orders/info", params={"commonName": "byname.example.net"})
    assert info["orderId"] == placed["orderId"]
    both = api.ok(
        "GET", "/ssl/v2/orders/info", params={"commonName": "byname.example.net", "orderId": placed["orderId"]}
    )
    assert both["orderId"] == placed["orderId"]
    api.fails("GET", "/ssl/v2/orders/info", params={"orderId": "999"}, sub_code="SSL2400")
    api.fails("GET", "/ssl/v2/orders/info", params={"commonName": "none.example.net"}, sub_code="SSL2400")
    api.fails("GET", "/ssl/v2/orders/info", sub_code="SSL4000")


def test_search_like_is_substring_and_paginates(api):
    for name in ("s.srch.example.com", "www.s.srch.example.com", "s.srch.example.com.other.example.com"):
        api.place(name)
    like = {"field": "commonName", "operator": "LIKE", "value": "s.srch.example.com"}
    page1 = api.ok("POST", "/ssl/v2/orders/search", json={"filters": [like], "pagination": {"page": 1, "pageSize": 2}})
    assert (page1["totalItems"], page1["totalPages"], page1["pageSize"], len(page1["items"])) == (3, 2, 2, 2)
    page2 = api.ok("POST", "/ssl/v2/orders/search", json={"filters": [like], "pagination": {"page": 2, "pageSize": 2}})
    assert len(page2["items"]) == 1
    names = {i["commonName"] for i in page1["items"] + page2["items"]}
    assert names == {"s.srch.example.com", "www.s.srch.example.com", "s.srch.example.com.other.example.com"}
    exact = api.ok(
        "POST",
        "/ssl/v2/orders/search",
        json={
            "filters": [dict(like, operator="EQUAL"), {"field": "orderStatus", "operator": "EQUAL", "value": "PENDING"}]
        },
    )
    assert [i["commonName"] for i in exact["items"]] == ["s.srch.example.com"]
    assert set(exact["items"][0]) >= {
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
    api.fails(
        "POST",
        "/ssl/v2/orders/search",
        json={"filters": [{"field": "x", "operator": "LIKE", "value": "a"}]},
        sub_code="SSL4000",
    )
    api.fails("POST", "/ssl/v2/orders/search", json={"pagination": {"page": 1, "pageSize": 1000}}, sub_code="SSL4000")


def test_issue_cert_chain_verifies_with_openssl(api, sim, issued, tmp_path):
    order_id, key, name = issued
    info = api.info(order_id)
    assert info["orderStatus"] == "COMPLETED" and info["certStatus"] == "ACTIVE"
    assert info["reissue"] is True and info["renewal"] is True and info["cancel"] is False
    pem = api.request("POST", f"/ssl/v2/orders/{order_id}/download/format/PEM", json={"bundle": True}).text
    certs = x509.load_pem_x509_certificates(pem.encode())
    assert len(certs) == 2
    leaf = certs[0]
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert sans == [name, name[4:]]
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    assert leaf.public_key().public_bytes(*spki) == key.public_key().public_bytes(*spki)
    assert info["dtcertexpire"] == leaf.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert info["dtsettle"] == leaf.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (leaf.not_valid_after_utc - leaf.not_valid_before_utc).days == 365
    (tmp_path / "leaf.pem").write_text(certs[0].public_bytes(serialization.Encoding.PEM).decode())
    (tmp_path / "inter.pem").write_text(certs[1].public_bytes(serialization.Encoding.PEM).decode())
    result = subprocess.run(
        [
            "openssl",
            "verify",
            "-CAfile",
            sim.ca_path,
            "-untrusted",
            str(tmp_path / "inter.pem"),
            "-purpose",
            "sslserver",
            str(tmp_path / "leaf.pem"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert sim.admin("GET", "/_sim/ca") == sim.ca_pem


def test_download_formats(api, issued):
    order_id, key, name = issued
    leaf_only = api.request("POST", f"/ssl/v2/orders/{order_id}/download/format/PEM", data={"bundle": "false"})
    assert leaf_only.headers["Content-Type"] == "application/x-pem-file"
    assert len(x509.load_pem_x509_certificates(leaf_only.content)) == 1
    p7 = api.request("POST", f"/ssl/v2/orders/{order_id}/download/format/PKCS7", json={"bundle": True})
    assert len(pkcs7.load_der_pkcs7_certificates(p7.content)) == 2
    pfx = api.request(
        "POST",
        f"/ssl/v2/orders/{order_id}/download/format/PFX",
        json={"bundle": True, "privateKey": key_pem(key), "pfxPassword": "s3cret"},
    )
    assert pfx.status_code == 200
    loaded = pkcs12.load_pkcs12(pfx.content, b"s3cret")
    assert loaded.cert.certificate.subject.rfc4514_string() == f"CN={name}" and len(loaded.additional_certs) == 1
    api.fails(
        "POST",
        f"/ssl/v2/orders/{order_id}/download/format/PFX",
        json={"privateKey": key_pem(ec_key())},
        sub_code="SSL4000",
    )
    api.fails("POST", f"/ssl/v2/orders/{order_id}/download/format/PFX", json={}, sub_code="SSL4000")
    api.fails("POST", f"/ssl/v2/orders/{order_id}/download/format/DER", json={}, sub_code="SSL4000")


def test_download_before_issuance_is_400(api):
    placed = api.place("notyet.example.com")
    api.fails("POST", f"/ssl/v2/orders/{placed['orderId']}/download/format/PEM", json={}, sub_code="SSL2400")


def test_cancel_refunds_and_moves_to_refunded(api, sim):
    before = sim.balance()
    placed = api.place("cancel.example.com")
    assert sim.balance() == pytest.approx(before - 10)
    result = api.ok("POST", f"/ssl/v2/orders/{placed['orderId']}/cancel")
    assert result["orderStatus"] == "CANCELLED" and result["refund"] == 10.0
    assert sim.balance() == pytest.approx(before)
    info = api.info(placed["orderId"])
    assert info["orderStatus"] == "REFUNDED" and info["cancel"] is False
    api.fails("POST", f"/ssl/v2/orders/{placed['orderId']}/cancel", sub_code="SSL2400")


def test_cancel_of_issued_order_is_refused(api, issued):
    api.fails("POST", f"/ssl/v2/orders/{issued[0]}/cancel", sub_code="SSL2400")


def test_renew_creates_a_new_charged_linked_order(api, sim, issued):
    order_id, _unused, name = issued
    before = sim.balance()
    renewed = api.ok(
        "POST", f"/ssl/v2/orders/{order_id}/renew", json={"term": 2, "csr": make_csr(ec_key(), name), "authType": "dns"}
    )
    assert renewed["orderId"] != order_id and renewed["parentOrderId"] == order_id
    assert renewed["price"] == 19.0 and sim.balance() == pytest.approx(before - 19.0)
    assert renewed["commonName"]["authType"] == "dns"
    child = api.info(renewed["orderId"])
    assert child["parentOrderId"] == order_id and child["orderStatus"] == "PENDING" and child["term"] == "2"
    assert api.info(order_id)["renewal"] is False
    api.fails(
        "POST",
        f"/ssl/v2/orders/{order_id}/renew",
        json={"term": 1, "csr": make_csr(ec_key(), name)},
        sub_code="SSL2400",
    )
    api.ok("POST", f"/ssl/v2/orders/{renewed['orderId']}/cancel")
    assert api.info(order_id)["renewal"] is True


def test_renew_refuses_pending_orders_and_other_names(api, issued):
    pending = api.place("renewpending.example.com")
    api.fails(
        "POST",
        f"/ssl/v2/orders/{pending['orderId']}/renew",
        json={"term": 1, "csr": make_csr(ec_key(), "renewpending.example.com")},
        sub_code="SSL2400",
    )
    api.fails(
        "POST",
        f"/ssl/v2/orders/{issued[0]}/renew",
        json={"term": 1, "csr": make_csr(ec_key(), "other.example.com")},
        sub_code="SSL4000",
    )


def test_reissue_new_key_and_names_keeps_order(api, sim, issued):
    order_id, _unused, name = issued
    first = api.info(order_id)
    new_key = rsa_key()
    answer = api.ok(
        "POST",
        f"/ssl/v2/orders/{order_id}/reissue",
        json={"csr": make_csr(new_key, name), "sanfield": [name[4:], "extra." + name[4:]]},
    )
    assert answer["orderId"] == order_id and len(answer["san"]) == 2
    info = api.info(order_id)
    assert info["orderStatus"] == "PENDING_REISSUE" and info["reissue"] is False and info["cancel"] is False
    sim.approve(order_id)
    info = api.info(order_id)
    assert info["orderStatus"] == "COMPLETED" and info["sanfield"] == [name[4:], "extra." + name[4:]]
    assert info["dtorderexpire"] == first["dtorderexpire"]
    pem = api.request("POST", f"/ssl/v2/orders/{order_id}/download/format/PEM", json={"bundle": False}).text
    leaf = x509.load_pem_x509_certificate(pem.encode())
    assert leaf.public_key().public_numbers() == new_key.public_key().public_numbers()
    api.fails(
        "POST",
        f"/ssl/v2/orders/{order_id}/reissue",
        json={"csr": make_csr(ec_key(), "other.example.com")},
        sub_code="SSL4000",
    )


def test_reissue_of_pending_order_refused(api):
    placed = api.place("reissuepending.example.com")
    api.fails(
        "POST",
        f"/ssl/v2/orders/{placed['orderId']}/reissue",
        json={"csr": make_csr(ec_key(), "reissuepending.example.com")},
        sub_code="SSL2400",
    )


def test_age_then_expiry_and_revoke(api, sim, issued):
    order_id, _unused, _unused2 = issued
    before = api.info(order_id)
    aged = sim.age(order_id, 300)
    after = api.info(order_id)
    assert aged["orderStatus"] == "COMPLETED"
    shift = _days(before["dtcertexpire"]) - _days(after["dtcertexpire"])
    assert shift == 300 and _days(before["dtsettle"]) - _days(after["dtsettle"]) == 300
    pem = api.request("POST", f"/ssl/v2/orders/{order_id}/download/format/PEM", json={"bundle": False}).text
    assert (
        x509.load_pem_x509_certificate(pem.encode()).not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
        == after["dtcertexpire"]
    )
    sim.age(order_id, 100)
    expired = api.info(order_id)
    assert (expired["orderStatus"], expired["certStatus"], expired["renewal"]) == ("EXPIRED", "EXPIRED", True)
    sim.revoke(order_id)
    revoked = api.info(order_id)
    assert (revoked["orderStatus"], revoked["certStatus"], revoked["renewal"]) == ("REVOKED", "REVOKED", False)


def _days(stamp):
    return time.mktime(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")) // 86400


def test_issue_delay_keeps_order_in_process(api, sim):
    sim.config(issue_delay=0.6)
    try:
        placed = api.place("slow.example.com")
        sim.approve(placed["orderId"])
        assert api.info(placed["orderId"])["orderStatus"] == "IN_PROCESS"
        time.sleep(0.7)
        assert api.info(placed["orderId"])["orderStatus"] == "COMPLETED"
    finally:
        sim.config(issue_delay=0)


def test_statistics(api, sim):
    before = api.ok("GET", "/ssl/v2/orders/statistics")
    assert set(before) == {
        "INITIAL", "PENDING", "IN_PROCESS", "PROCESSED", "COMPLETED", "PENDING_REISSUE",
        "CANCELLED", "REFUNDED", "REJECTED", "REVOKED", "EXPIRED",
    }  # fmt: skip
    graph_before = api.ok("GET", "/ssl/v2/orders/statistics/graph")
    api.place("stat1.example.com")
    placed = api.place("stat2.example.com")
    sim.approve(placed["orderId"])
    api.info(placed["orderId"])
    stats = api.ok("GET", "/ssl/v2/orders/statistics")
    assert stats["PENDING"] == before["PENDING"] + 1 and stats["COMPLETED"] == before["COMPLETED"] + 1
    graph = api.ok("GET", "/ssl/v2/orders/statistics/graph")
    assert len(graph) == 12 and graph[-1]["month"] == time.strftime("%Y-%m", time.gmtime())
    assert graph[-1]["count"] == graph_before[-1]["count"] + 2


def test_contact_used_by_live_order_cannot_be_deleted(api):
    contact = api.ok("POST", "/ssl/v2/contact/create", json={"administrator": CONTACT})[0]["contactId"]
    api.place("contactuse.example.com", contact=contact)
    api.fails("DELETE", f"/ssl/v2/contact/{contact}", sub_code="SSL2400")
