# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""webnic_ssl_dcv against the simulator: file DCV through a real HTTP server, DNS DCV through
webnic_dns_record, e-mail DCV through the simulator's approver."""

import functools
import http.server
import threading
from pathlib import Path

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.client import WebNICClient
from ansible_collections.webnic.ssl.plugins.modules import webnic_dns_record, webnic_ssl_dcv

from .runner import connection_args, run_module

CONTACT = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "address1": "1 Jalan Test",
    "city": "Kuala Lumpur",
    "countryCode": "MY",
    "phoneNumber": "+60.123456789",
    "email": "ada@example.com",
}


def api_client(sim):
    return WebNICClient(
        sim.url, sim.username, sim.password, ca_path=sim.ca_path if sim.url.startswith("https") else None
    )


def place_order(sim, common_name, sans=(), auth_type="email", key=None, product_key="ssl123"):
    """Place an order straight through the API (no order module needed). Returns (order_id, key, answer)."""
    client = api_client(sim)
    contacts = client.call("contact_create", body={"administrator": CONTACT})
    contact_id = contacts[0]["contactId"]
    key = key or crypto.generate_private_key("EC-P256")
    names = [common_name, *sans]
    csr = crypto.build_csr(key, common_name, names).decode()
    answer = client.call(
        "order_place",
        body={
            "productKey": product_key,
            "term": 1,
            "csr": csr,
            "sanfield": list(sans),
            "authType": auth_type,
            "administratorContactId": contact_id,
        },
    )
    return str(answer["orderId"]), key, answer


def issued_order(sim, common_name, sans=(), key=None):
    """An order placed with e-mail DCV and approved: issued at once (no issue delay)."""
    order_id, key, _answer = place_order(sim, common_name, sans, "email", key)
    result = sim.approve(order_id)
    assert result["orderStatus"] == "COMPLETED", result
    return order_id, key


def writes(sim):
    return {
        k: v
        for k, v in sim.stats()["calls"].items()
        if not k.startswith("GET ") and "token" not in k and "search" not in k
    }


@pytest.fixture
def web_server(tmp_path):
    """A real HTTP server on 127.0.0.1 serving tmp_path/www: the web server file DCV fetches from."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.root = root
    server.address = "127.0.0.1:%d" % server.server_address[1]
    yield server
    server.shutdown()
    server.server_close()


def dcv(sim, **args):
    return run_module(webnic_ssl_dcv, connection_args(sim, **args))


def test_file_dcv_passes_once_the_file_is_served(simulator, web_server):
    order_id, _key, _answer = place_order(simulator, "www.example.com")
    result = dcv(simulator, order_id=order_id, method="file")
    assert not result.failed, result
    assert result["changed"] is True
    assert result["changed_reasons"] == ["www.example.com: method email -> file"]
    entry = result["dcv"][0]
    assert entry["method"] == "file" and entry["file_path"].startswith("/.well-known/pki-validation/")
    assert result["validated"] is False

    simulator.resolve("www.example.com", web_server.address)
    target = Path(str(web_server.root) + entry["file_path"])
    target.parent.mkdir(parents=True)
    target.write_text(entry["file_content"])

    waited = dcv(simulator, order_id=order_id, method="file", wait=True, wait_timeout=20, wait_interval=0.2)
    assert not waited.failed, waited
    assert waited["changed"] is False
    assert waited["validated"] is True
    assert waited["validation"][0]["status"] == "VALIDATED"
    assert waited["pending_domains"] == []
    # No name is validated by e-mail: no approver list is read (one call less per run).
    assert waited["approvers"] == {}
    assert "GET /ssl/v2/domainValidations/approver-list" not in simulator.stats()["calls"]


def test_dns_dcv_passes_once_the_record_is_published(simulator):
    order_id, _key, _answer = place_order(simulator, "shop.example.com", sans=["api.example.com"])
    result = dcv(simulator, common_name="shop.example.com", method="dns")
    assert not result.failed, result
    assert [e["method"] for e in result["dcv"]] == ["dns", "dns"]
    assert result["order_id"] == order_id

    for entry in result["dcv"]:
        published = run_module(
            webnic_dns_record,
            connection_args(
                simulator,
                zone="example.com",
                name=entry["dns_host"],
                type=entry["dns_type"],
                values=[entry["dns_value"]],
                on_existing="add",
            ),
        )
        assert published["changed"] is True, published

    waited = dcv(simulator, order_id=order_id, wait=True, wait_timeout=20, wait_interval=0.2)
    assert not waited.failed, waited
    assert waited["validated"] is True
    assert waited["order_status"] in ("IN_PROCESS", "COMPLETED")


def test_email_dcv_sets_the_approver_and_completes_through_the_approver(simulator):
    order_id, _key, _answer = place_order(simulator, "mail.example.com")
    result = dcv(simulator, order_id=order_id, method="email", approver_email="hostmaster@example.com")
    assert not result.failed, result
    assert result["changed"] is True
    assert result["dcv"][0]["email"] == "hostmaster@example.com"
    assert "hostmaster@example.com" in result["approvers"]["mail.example.com"]

    again = dcv(simulator, order_id=order_id, method="email", approver_email="hostmaster@example.com")
    assert again["changed"] is False, again["changed_reasons"]

    simulator.approve(order_id)
    done = dcv(simulator, order_id=order_id, wait=True, wait_timeout=5, wait_interval=0.2)
    assert done["validated"] is True
    assert done["order_status"] == "COMPLETED"


def test_rerun_with_the_same_method_makes_no_write_call(simulator):
    order_id, _key, _answer = place_order(simulator, "www.example.org")
    assert dcv(simulator, order_id=order_id, method="dns")["changed"] is True
    before = writes(simulator)
    again = dcv(simulator, order_id=order_id, method="dns")
    assert again["changed"] is False
    assert again["changed_reasons"] == []
    assert writes(simulator) == before


def test_check_mode_reports_the_change_and_sends_no_write(simulator):
    order_id, _key, _answer = place_order(simulator, "www.example.net")
    before = writes(simulator)
    result = run_module(
        webnic_ssl_dcv, connection_args(simulator, order_id=order_id, method="dns"), check_mode=True, diff=True
    )
    assert result["changed"] is True
    assert result["diff"]["before"]["www.example.net"]["method"] == "email"
    assert result["diff"]["after"]["www.example.net"]["method"] == "dns"
    assert writes(simulator) == before


def test_resend_is_always_a_change(simulator):
    order_id, _key, _answer = place_order(simulator, "www.example.test")
    first = dcv(simulator, order_id=order_id, resend=True)
    second = dcv(simulator, order_id=order_id, resend=True)
    assert first["changed"] is True and second["changed"] is True
    assert second["resent_to"] == ["admin@example.test"]
    assert simulator.stats()["calls"]["POST /ssl/v2/orders/{orderId}/approver/send"] == 2


def test_wait_timeout_fails_naming_the_pending_domains(simulator):
    order_id, _key, _answer = place_order(simulator, "slow.example.com")
    result = dcv(simulator, order_id=order_id, wait=True, wait_timeout=1, wait_interval=0.3)
    assert result.failed
    assert result["pending_domains"] == ["slow.example.com"]
    assert "slow.example.com" in result["msg"] and "still pending" in result["msg"]


def test_file_method_for_a_wildcard_name_is_refused_before_any_write(simulator):
    order_id, _key, _answer = place_order(simulator, "example.com", sans=["*.example.com"])
    result = dcv(simulator, order_id=order_id, method="file")
    assert result.failed
    assert result["msg"].startswith("method:")
    assert "*.example.com" in result["msg"]


def test_per_domain_methods(simulator):
    order_id, _key, _answer = place_order(simulator, "example.org", sans=["*.example.org"])
    result = dcv(simulator, order_id=order_id, domain_methods={"example.org": "file", "*.example.org": "dns"})
    assert not result.failed, result
    assert {e["domain"]: e["method"] for e in result["dcv"]} == {"example.org": "file", "*.example.org": "dns"}


def test_unknown_common_name_is_a_field_error(simulator):
    result = dcv(simulator, common_name="nothing.example.com", method="dns")
    assert result.failed
    assert result["msg"].startswith("common_name:")


def test_issued_order_has_nothing_left_to_change(simulator):
    order_id, _key = issued_order(simulator, "done.example.com")
    status = dcv(simulator, order_id=order_id)
    assert status["validated"] is True and status["changed"] is False
    result = dcv(simulator, order_id=order_id, method="dns")
    # Every name is validated already: nothing is pending, so nothing to change.
    assert not result.failed and result["changed"] is False


def test_waiting_stops_when_the_order_is_cancelled(simulator):
    order_id, _key, _answer = place_order(simulator, "cancelled.example.com")
    cancel = threading.Timer(0.5, lambda: api_client(simulator).call("order_cancel", path={"orderId": order_id}))
    cancel.start()
    try:
        result = dcv(simulator, order_id=order_id, wait=True, wait_timeout=20, wait_interval=0.3)
    finally:
        cancel.join()
    assert result.failed
    assert "will not be issued" in result["msg"]


def test_unknown_order_id_is_a_field_error(simulator):
    result = dcv(simulator, order_id="999999999")
    assert result.failed
    assert "order_id" in result["msg"] and "WebNIC knows no order 999999999" in result["msg"], result["msg"]
    assert "Traceback" not in result["msg"]


def test_an_order_id_alone_reads_neither_the_order_nor_the_approvers(simulator):
    order_id, _key, _answer = place_order(simulator, "www.example.com", auth_type="dns")
    before = simulator.stats()["calls"]
    result = dcv(simulator, order_id=order_id)
    assert not result.failed, result
    assert result["common_name"] == "www.example.com"
    assert result["order_status"] == "PENDING"
    after = simulator.stats()["calls"]
    made = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
    assert made == {"GET /ssl/v2/orders/{orderId}/auth/info": 1, "GET /ssl/v2/orders/{orderId}/dcv-status": 1}, made


class VirtualClock:
    """Stands in for the `time` module of webnic_ssl_dcv only: a 600 s wait without waiting 600 s.

    Mocked because the simulator cannot make wall time pass; the status calls are real HTTP, and the
    client keeps the real clock for its own retries.
    """

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_a_600s_wait_that_never_completes_backs_off_to_at_most_30_status_calls(simulator, monkeypatch):
    order_id, _key, _answer = place_order(simulator, "never.example.com", auth_type="file")
    clock = VirtualClock()
    monkeypatch.setattr(webnic_ssl_dcv, "time", clock)
    simulator.reset_stats()

    result = dcv(simulator, order_id=order_id, wait=True, wait_timeout=600, wait_interval=3)

    assert result.failed and "did not complete within 600s" in result["msg"], result
    status_calls = simulator.stats()["calls"]["GET /ssl/v2/orders/{orderId}/dcv-status"]
    assert status_calls <= 30, status_calls
    # 3 s, doubling, capped at 60 s; the last sleep only reaches the deadline.
    assert clock.sleeps[:6] == [3, 6, 12, 24, 48, 60]
    assert max(clock.sleeps) == 60
    assert sum(clock.sleeps) == pytest.approx(600)


def test_a_rate_limited_status_check_waits_as_long_as_retry_after_says(simulator, monkeypatch):
    order_id, _key, _answer = place_order(simulator, "busy.example.com", auth_type="file")
    clock = VirtualClock()
    monkeypatch.setattr(webnic_ssl_dcv, "time", clock)
    real_sleep = clock.sleep

    def sleep_then_rate_limit(seconds):
        # From the second status check on: one 429 with Retry-After: 90, longer than the client retries for.
        if not clock.sleeps:
            simulator.fault("GET /ssl/v2/orders/{orderId}/dcv-status", "retry_after", retry_after=90)
        real_sleep(seconds)

    clock.sleep = sleep_then_rate_limit

    result = dcv(simulator, order_id=order_id, wait=True, wait_timeout=600, wait_interval=3)

    assert result.failed and "did not complete within 600s" in result["msg"], result
    assert clock.sleeps[:3] == [3, 90, 12], clock.sleeps
