"""Envelope, errors and authentication."""

import time

import pytest
import requests
from sim_client import Api

from webnic_sim.testing import Simulator

pytestmark = pytest.mark.simulator


def test_success_envelope_has_string_code_and_data(api):
    response = api.request("GET", "/reseller/v2/balance")
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["message"]) == ("1000", "Command completed successfully.")
    assert set(body["data"]) == {"balance", "currency"} and body["data"]["currency"] == "USD"


def test_unknown_path_is_404_ssl4004(api):
    body = api.fails("GET", "/ssl/v2/nope", status=404, sub_code="SSL4004")
    assert body["error"]["message"]


def test_wrong_method_on_known_path_is_405(api):
    api.fails("DELETE", "/ssl/v2/orders/new", status=405, sub_code="SSL4005")


def test_unparseable_json_is_ssl4002(api):
    api.fails(
        "POST",
        "/ssl/v2/orders/new",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        sub_code="SSL4002",
    )


def test_field_errors_name_the_field(api):
    body = api.fails("POST", "/ssl/v2/orders/new", json={"productKey": "ssl123", "term": 1}, sub_code="SSL4000")
    fields = {item["field"] for item in body["fieldErrors"]}
    assert {"csr", "administratorContactId"} <= fields
    assert all(item["message"] for item in body["validationErrors"])


def test_missing_or_bad_bearer_is_401_res4001(sim):
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        response = requests.get(sim.url + "/reseller/v2/balance", headers=headers, timeout=10)
        assert response.status_code == 401
        body = response.json()
        assert body["error"]["subCode"] == "RES4001"
        assert body["message"].startswith("Invalid or expired token")


def test_token_is_jwt_shaped_with_expiry(sim):
    api = Api(sim.url)
    response = api.session.post(
        sim.url + "/reseller/v2/api-user/token", json={"username": "api-demo", "password": "demo-secret"}
    )
    data = response.json()["data"]
    assert data["expires_in"] == 3600
    assert data["access_token"].count(".") == 2


def test_unknown_user_at_mint_is_500_res5001(sim):
    response = requests.post(
        sim.url + "/reseller/v2/api-user/token", json={"username": "nobody", "password": "x"}, timeout=10
    )
    assert response.status_code == 500
    assert response.json()["error"]["subCode"] == "RES5001"


def test_wrong_password_is_401(sim):
    response = requests.post(
        sim.url + "/reseller/v2/api-user/token", json={"username": "api-demo", "password": "wrong"}, timeout=10
    )
    assert response.status_code == 401
    assert response.json()["error"]["subCode"] == "RES4002"


def test_mint_without_fields_is_field_error(sim):
    response = requests.post(sim.url + "/reseller/v2/api-user/token", json={}, timeout=10)
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["fieldErrors"]} == {"username", "password"}


def test_admin_expire_tokens_makes_next_call_401_and_remint_works(api, sim):
    api.ok("GET", "/reseller/v2/balance")
    mints = sim.stats()["token_mints"]
    assert sim.expire_tokens()["expired"] >= 1
    api.fails("GET", "/reseller/v2/balance", status=401, sub_code="RES4001")
    api.mint()
    api.ok("GET", "/reseller/v2/balance")
    assert sim.stats()["token_mints"] == mints + 1


def test_token_ttl_expires(tmp_path):
    with Simulator(tmp_path / "s", extra_args=["--token-ttl", "1", "--user", "ci:pw", "--balance", "5"]) as sim:
        api = Api(sim.url, username="ci", password="pw")
        assert api.ok("GET", "/reseller/v2/balance") == {"balance": 5.0, "currency": "USD"}
        time.sleep(1.2)
        api.fails("GET", "/reseller/v2/balance", status=401, sub_code="RES4001")


def test_balance_endpoint_and_admin_set(api, sim):
    before = sim.balance()
    sim.set_balance(12.5)
    try:
        assert api.ok("GET", "/reseller/v2/balance") == {"balance": 12.5, "currency": "USD"}
        assert sim.balance() == 12.5
    finally:
        sim.set_balance(before)
