"""Admin API: counters, faults, restart persistence, TLS and the request log."""

import socket
import ssl
import time

import pytest
import requests
from sim_client import Api, ec_key, make_csr

from webnic_sim.testing import Simulator, SimulatorError

pytestmark = pytest.mark.simulator


def test_stats_count_calls_by_path_template(fresh_api, simulator):
    placed = fresh_api.place("stats.example.com")
    fresh_api.info(placed["orderId"])
    fresh_api.ok("POST", f"/ssl/v2/orders/{placed['orderId']}/cancel")
    fresh_api.request("GET", "/nope")
    simulator.orders()  # admin calls are not counted
    stats = simulator.stats()
    assert stats["calls"] == {
        "POST /reseller/v2/api-user/token": 1,
        "POST /ssl/v2/contact/create": 1,
        "POST /ssl/v2/orders/new": 1,
        "GET /ssl/v2/orders/info": 1,
        "POST /ssl/v2/orders/{orderId}/cancel": 1,
        "GET /nope": 1,
    }
    assert (stats["total"], stats["token_mints"], stats["writes"]) == (6, 1, 3)
    assert stats["requests"] == stats["calls"]
    assert stats["orders"] == {"stats.example.com": 1}
    assert stats["balance"] == 10000.0  # placed, then cancelled and refunded
    simulator.reset_stats()
    after = simulator.stats()
    counters = (after["total"], after["calls"], after["requests"], after["token_mints"], after["writes"])
    assert counters == (0, {}, {}, 0, 0)
    assert after["orders"] == {"stats.example.com": 1}  # orders are state, not counters


def test_root_ca_is_served_as_ca_pem(simulator):
    pem = requests.get(simulator.url + "/_sim/ca.pem", timeout=10).text
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    assert pem == simulator.ca_pem


@pytest.fixture(autouse=True)
def _no_leftover_faults(request):
    yield
    if "sim" in request.fixturenames:
        request.getfixturevalue("sim").clear_faults()


def test_fault_status_then_recovers(api, sim):
    api.mint()
    calls = sim.stats()["calls"].get("GET /reseller/v2/balance", 0)
    sim.fault("GET /reseller/v2/balance", "status", status=503, count=2)
    for _unused in range(2):
        api.fails("GET", "/reseller/v2/balance", status=503, sub_code="SSL5000")
    api.ok("GET", "/reseller/v2/balance")
    assert sim.stats()["calls"]["GET /reseller/v2/balance"] == calls + 3


def test_fault_retry_after(api, sim):
    mints = sim.stats()["token_mints"]
    sim.fault("*", "retry_after", retry_after=7)  # "*" hits the very next call: here the token mint
    response = api.session.post(
        sim.url + "/reseller/v2/api-user/token", json={"username": "api-demo", "password": "demo-secret"}
    )
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert response.json()["error"]["subCode"] == "SSL4029"
    sim.fault("GET /reseller/v2/balance", "retry_after", retry_after=2)
    response = api.request("GET", "/reseller/v2/balance")
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    api.ok("GET", "/reseller/v2/balance")
    assert sim.stats()["token_mints"] == mints + 2


def test_fault_drop_after_commit_commits_the_order(api, sim):
    api.mint()
    contact = api.contact()
    before = sim.balance()
    sim.fault("POST /ssl/v2/orders/new", "drop_after_commit")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.request(
            "POST",
            "/ssl/v2/orders/new",
            json={
                "productKey": "ssl123",
                "term": 1,
                "csr": make_csr(ec_key(), "lost.example.com"),
                "administratorContactId": contact,
            },
        )
    orders = [o for o in sim.orders() if o["commonName"] == "lost.example.com"]
    assert len(orders) == 1
    assert sim.balance() == before - 10.0
    found = api.ok(
        "POST",
        "/ssl/v2/orders/search",
        json={"filters": [{"field": "commonName", "operator": "LIKE", "value": "lost.example.com"}]},
    )
    assert found["items"][0]["orderId"] == orders[0]["orderId"]


def test_fault_drop_before_does_nothing(api, sim):
    api.mint()
    contact = api.contact()
    before = sim.balance()
    sim.fault("POST /ssl/v2/orders/new", "drop_before")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.request(
            "POST",
            "/ssl/v2/orders/new",
            json={
                "productKey": "ssl123",
                "term": 1,
                "csr": make_csr(ec_key(), "never.example.com"),
                "administratorContactId": contact,
            },
        )
    assert not [o for o in sim.orders() if o["commonName"] == "never.example.com"]
    assert sim.balance() == before


def test_fault_malformed_and_delay(api, sim):
    api.mint()
    sim.fault("GET /ssl/v2/products/list", "malformed")
    response = api.request("GET", "/ssl/v2/products/list")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    sim.fault("GET /ssl/v2/products/list", "delay", delay=0.5)
    started = time.monotonic()
    api.ok("GET", "/ssl/v2/products/list")
    assert time.monotonic() - started >= 0.5
    with pytest.raises(requests.exceptions.Timeout):
        sim.fault("GET /reseller/v2/balance", "delay", delay=1.5)
        api.session.get(sim.url + "/reseller/v2/balance", headers={"Authorization": f"Bearer {api.token}"}, timeout=0.3)


def test_faults_list_clear_and_validation(sim):
    sim.fault("*", "status", status=500, count=3)
    assert sim.admin("GET", "/_sim/faults")[0]["count"] == 3
    assert sim.clear_faults() == {"cleared": 1}
    with pytest.raises(SimulatorError, match="mode"):
        sim.fault("*", "explode")
    Api(sim.url).ok("GET", "/reseller/v2/balance")


def test_restart_keeps_orders_tokens_balance_and_ca(fresh_api, simulator):
    placed = fresh_api.place("persist.example.com")
    ca_before = simulator.ca_pem
    url_before = simulator.url
    simulator.restart()
    assert simulator.returncode == 0  # SIGTERM is a clean stop
    assert simulator.url == url_before and simulator.ca_pem == ca_before
    assert (simulator.state_dir / "url").read_text().strip() == simulator.url
    info = fresh_api.info(placed["orderId"])  # same token still valid
    assert info["commonName"] == "persist.example.com"
    assert simulator.balance() == 9990.0 and simulator.stats()["token_mints"] == 1
    assert [o["orderId"] for o in simulator.orders("persist.example.com")] == [placed["orderId"]]
    second = fresh_api.place("persist2.example.com")
    assert int(second["orderId"]) == int(placed["orderId"]) + 1


def test_admin_unknown_and_errors(sim):
    with pytest.raises(SimulatorError, match="404"):
        sim.admin("GET", "/_sim/nothing")
    with pytest.raises(SimulatorError, match="SSL2400"):
        sim.approve("42")
    with pytest.raises(SimulatorError, match="amount"):
        sim.admin("POST", "/_sim/balance", {"amount": "lots"})


def test_org_validation_delay(tmp_path):
    with Simulator(tmp_path / "s", extra_args=["--org-validation-delay", "0.3"]) as sim:
        api = Api(sim.url)
        contact = api.contact()
        org = api.ok(
            "POST",
            "/ssl/v2/organization/create",
            json={
                "organizationName": "Auto",
                "address1": "1",
                "city": "KL",
                "countryCode": "MY",
                "phoneNumber": "+60.312345678",
                "contactId": contact,
            },
        )["organizationId"]
        api.ok("POST", f"/ssl/v2/organization/{org}/validation")
        time.sleep(0.35)
        assert api.ok("GET", f"/ssl/v2/organization/{org}/validation")["validationStatus"] == "VALIDATED"


def test_tls_mode_serves_with_the_simulator_ca(simulator_tls):
    assert simulator_tls.url.startswith("https://127.0.0.1:")
    api = Api(simulator_tls.url, verify=simulator_tls.ca_path)
    assert api.ok("GET", "/reseller/v2/balance")["currency"] == "USD"
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(simulator_tls.url + "/_sim/balance", timeout=10)
    assert simulator_tls.balance() == 10000.0
    context = ssl.create_default_context(cafile=simulator_tls.ca_path)
    port = int(simulator_tls.url.rsplit(":", 1)[1])
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_log_never_contains_secrets(fresh_api, simulator):
    token = fresh_api.mint()
    made = fresh_api.ok("POST", "/ssl/v2/csr/generate", json={"commonName": "secret.example.com", "keyType": "EC-P256"})
    placed = fresh_api.place(
        "secret.example.com", approverEmail=[{"domain": "secret.example.com", "email": "admin@example.com"}]
    )
    simulator.approve(placed["orderId"])
    fresh_api.request(
        "POST",
        f"/ssl/v2/orders/{placed['orderId']}/download/format/PFX",
        json={"privateKey": made["privateKey"], "pfxPassword": "pfx-pass"},
    )
    fresh_api.session.post(
        simulator.url + "/reseller/v2/api-user/token", json={"username": "api-demo", "password": "wrong-password-here"}
    )
    log = "\n".join(simulator.log())
    simulator.stop()
    everything = log + simulator.stderr
    assert "POST /ssl/v2/orders/new 200" in log and "/ssl/v2/csr/generate" in everything
    for secret in (
        "demo-secret",
        "wrong-password-here",
        token,
        token.split(".")[2],
        "PRIVATE KEY",
        "pfx-pass",
        made["privateKey"][40:80],
    ):
        assert secret not in everything
    for state_file in simulator.state_dir.iterdir():
        if state_file.name != "sim.sqlite3":
            assert token not in state_file.read_text(errors="replace")


def test_cli_rejects_non_loopback_resolve(tmp_path):
    with pytest.raises(SimulatorError):
        Simulator(tmp_path / "s", resolve={"www.example.com": "192.0.2.1:80"}).start()


def test_issue_now_issues_a_validated_order_held_back_by_the_issue_delay(tmp_path):
    # For tests that must know when issuance happens: a long delay, then issue on cue.
    with Simulator(tmp_path / "s", extra_args=["--issue-delay", "3600"]) as sim:
        api = Api(sim.url)
        held = api.place("held.example.com")
        with pytest.raises(SimulatorError, match="not validated"):
            sim.issue_now(held["orderId"])
        sim.approve(held["orderId"])
        assert api.info(held["orderId"])["orderStatus"] == "IN_PROCESS"
        assert sim.issue_now(held["orderId"]) == {"orderStatus": "COMPLETED", "certStatus": "ACTIVE"}
        assert api.info(held["orderId"])["orderStatus"] == "COMPLETED"
