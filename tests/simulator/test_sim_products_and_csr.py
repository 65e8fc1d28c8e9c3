"""Catalogue, pricing rules and the CSR endpoints."""

import pytest
from cryptography import x509
from sim_client import ec_key, make_csr, rsa_key

pytestmark = pytest.mark.simulator

EXPECTED_KEYS = {
    "ssl123",
    "rapidssl",
    "rapidssl-wildcard",
    "geotrust-truebusinessid",
    "geotrust-ev",
    "sectigo-multidomain",
}


def test_product_lists(api):
    products = api.ok("GET", "/ssl/v2/products/list")
    assert {p["productKey"] for p in products} == EXPECTED_KEYS
    ssl123 = next(p for p in products if p["productKey"] == "ssl123")
    assert ssl123["allowSan"] and ssl123["allowWSan"] and ssl123["allowWsan"] and ssl123["maxSan"] == 4
    multi = next(p for p in products if p["productKey"] == "sectigo-multidomain")
    assert multi["bundle"] and multi["maxSan"] == 100
    old = api.ok("GET", "/ssl/v2/products/list/price")
    assert {p["productKey"] for p in old} == EXPECTED_KEYS
    assert old[0]["prices"][0]["term"] == 1


def test_product_info_and_rules(api):
    info = api.ok("GET", "/ssl/v2/products/info", params={"productKey": "rapidssl-wildcard"})
    assert info["wildcard"] is True and info["certType"] == "DV"
    rules = api.ok("GET", "/ssl/v2/products/rules", params={"productKey": "geotrust-ev"})
    assert rules["certType"] == "EV" and rules["terms"] == [1, 2] and rules["maxSan"] == 24
    assert rules["keyTypes"] == ["RSA-2048", "RSA-3072", "RSA-4096"]
    api.fails("GET", "/ssl/v2/products/info", params={"productKey": "nope"}, sub_code="SSL2400")
    api.fails("GET", "/ssl/v2/products/rules", sub_code="SSL4000")


def test_price_matches_the_documented_example(api):
    data = api.ok(
        "GET", "/ssl/v2/products/pricing", params={"productKey": "ssl123", "term": 1, "commonSAN": 2, "wildcardSAN": 1}
    )
    assert data == {
        "price": 50.0,
        "currency": "USD",
        "term": 1,
        "termType": "year",
        "priceBreakdown": {"baseCertPrice": 10.0, "commonSANPrice": 20.0, "wildcardSANPrice": 20.0},
    }


def test_price_rejects_san_on_product_without_san(api):
    api.fails(
        "GET", "/ssl/v2/products/pricing", params={"productKey": "rapidssl", "term": 1, "commonSAN": 1}, status=400
    )


def test_price_does_not_check_max_san(api):
    data = api.ok("GET", "/ssl/v2/products/pricing", params={"productKey": "ssl123", "term": 1, "commonSAN": 50})
    assert data["price"] == 510.0


def test_price_rejects_unknown_term_and_bad_numbers(api):
    api.fails("GET", "/ssl/v2/products/pricing", params={"productKey": "ssl123", "term": 5}, sub_code="SSL4000")
    api.fails("GET", "/ssl/v2/products/pricing", params={"productKey": "ssl123", "term": "x"}, sub_code="SSL4000")


@pytest.mark.parametrize("key_type", ["RSA-2048", "EC-P384"])
def test_generate_csr_then_decode(api, key_type):
    made = api.ok(
        "POST",
        "/ssl/v2/csr/generate",
        json={
            "commonName": "www.example.com",
            "organization": "Example",
            "countryCode": "MY",
            "keyType": key_type,
            "sans": ["example.com"],
        },
    )
    assert "PRIVATE KEY" in made["privateKey"]
    decoded = api.ok("POST", "/ssl/v2/csr/decode", json={"csr": made["csr"]})
    assert decoded["commonName"] == "www.example.com"
    assert decoded["sans"] == ["www.example.com", "example.com"]
    assert decoded["organization"] == "Example" and decoded["countryCode"] == "MY"
    family, _unused = key_type.split("-")
    assert decoded["keyType"] == family
    assert decoded["keySize"] == (2048 if family == "RSA" else 384)
    assert decoded["signatureAlgorithm"] in ("sha256WithRSAEncryption", "ecdsa-with-SHA256")


def test_generate_csr_validates_input(api):
    body = api.fails(
        "POST", "/ssl/v2/csr/generate", json={"commonName": "not a name", "keyType": "DSA-1024"}, sub_code="SSL4000"
    )
    assert {e["field"] for e in body["fieldErrors"]} == {"commonName", "keyType"}


def test_decode_local_rsa_csr(api):
    decoded = api.ok("POST", "/ssl/v2/csr/decode", json={"csr": make_csr(rsa_key(), "a.example.org")})
    assert (decoded["keyType"], decoded["keySize"], decoded["sans"]) == ("RSA", 2048, ["a.example.org"])


def test_decode_malformed_csr_is_400(api):
    api.fails(
        "POST",
        "/ssl/v2/csr/decode",
        json={"csr": "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----"},
        sub_code="SSL4000",
    )
    api.fails("POST", "/ssl/v2/csr/decode", json={}, sub_code="SSL4000")


def test_generated_csr_is_a_valid_request(api):
    made = api.ok("POST", "/ssl/v2/csr/generate", json={"commonName": "x.example.net", "keyType": "EC-P256"})
    csr = x509.load_pem_x509_csr(made["csr"].encode())
    assert csr.is_signature_valid
    assert make_csr(ec_key(), "y.example.net")
