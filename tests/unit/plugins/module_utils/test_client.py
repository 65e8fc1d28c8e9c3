# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared client against the real simulator over loopback."""

import http.server
import os
import socket
import stat
import threading

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic.client import USER_AGENT, WebNICClient, proxies_for
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.errors import (
    AmbiguousWriteError,
    ApiError,
    AuthError,
    TransportError,
)

PASSWORD = "demo-secret"


def make_client(sim, cache_dir, password=PASSWORD, **kwargs):
    kwargs.setdefault("token_cache_dir", str(cache_dir))
    kwargs.setdefault("sleep", lambda seconds: None)
    if sim.url.startswith("https") and "ca_path" not in kwargs and kwargs.get("validate_certs", True):
        kwargs["ca_path"] = sim.ca_path
    return WebNICClient(sim.url, "api-demo", password, **kwargs)


def test_one_token_for_many_calls_and_across_clients(simulator, tmp_path):
    first = make_client(simulator, tmp_path)
    for _attempt in range(5):
        first.call("balance")
    second = make_client(simulator, tmp_path)
    second.call("product_list")
    assert first.token_mints == 1
    assert second.token_mints == 0
    assert simulator.stats()["token_mints"] == 1


def test_token_cache_files_are_private(simulator, tmp_path):
    cache = tmp_path / "cache"
    make_client(simulator, cache).call("balance")
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o700
    files = [p for p in cache.iterdir() if p.suffix == ".json"]
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert PASSWORD not in files[0].read_text()


def test_cached_token_is_not_given_to_a_caller_with_another_password(simulator, tmp_path):
    make_client(simulator, tmp_path).call("balance")
    with pytest.raises(AuthError) as info:
        make_client(simulator, tmp_path, password="wrong").call("balance")
    assert "api_password" in str(info.value)


def test_expired_token_is_reminted_once(simulator, tmp_path):
    client = make_client(simulator, tmp_path)
    client.call("balance")
    simulator.expire_tokens()
    assert client.call("balance") is not None
    assert client.token_mints == 2


def test_read_call_retried_on_503(simulator, tmp_path):
    client = make_client(simulator, tmp_path)
    simulator.fault("GET /reseller/v2/balance", "status", status=503, count=2)
    assert client.call("balance") is not None
    assert client.calls["balance"] == 3


def test_read_call_honours_retry_after(simulator, tmp_path):
    slept = []
    client = make_client(simulator, tmp_path, sleep=slept.append)
    simulator.fault("GET /ssl/v2/products/list", "retry_after", retry_after=2, count=1)
    client.call("product_list")
    assert slept == [2.0]


def test_read_call_gives_up_after_bounded_attempts(simulator, tmp_path):
    client = make_client(simulator, tmp_path, max_attempts=3)
    simulator.fault("GET /reseller/v2/balance", "status", status=502, count=10)
    with pytest.raises(ApiError) as info:
        client.call("balance")
    assert info.value.status == 502
    assert client.calls["balance"] == 3


def test_malformed_json_on_a_read_is_retried(simulator, tmp_path):
    client = make_client(simulator, tmp_path)
    simulator.fault("GET /ssl/v2/products/list", "malformed", count=1)
    client.call("product_list")
    assert client.calls["product_list"] == 2


def _contact(client):
    person = {
        "company": "Example Ltd",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "address1": "1 Main Street",
        "city": "Kuala Lumpur",
        "state": "WP",
        "countryCode": "MY",
        "zip": "50000",
        "phoneNumber": "+60.312345678",
        "email": "ada@example.com",
    }
    created = client.call("contact_create", body={"administrator": person, "technical": person})
    return created[0]["contactId"]


def test_money_call_with_lost_answer_is_not_resent(simulator, tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    client = make_client(simulator, tmp_path)
    contact = _contact(client)
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lost.example.com")]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("lost.example.com")]), critical=False)
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )
    simulator.fault("POST /ssl/v2/orders/new", "drop_after_commit", count=1)
    with pytest.raises(AmbiguousWriteError):
        client.call(
            "order_place",
            body={"productKey": "ssl123", "term": 1, "csr": csr, "administratorContactId": contact, "authType": "dns"},
        )
    assert client.calls["order_place"] == 1
    assert [o["commonName"] for o in simulator.orders()] == ["lost.example.com"]


def test_money_call_not_retried_on_503(simulator, tmp_path):
    client = make_client(simulator, tmp_path)
    simulator.fault("POST /ssl/v2/orders/new", "status", status=503, count=1)
    with pytest.raises(ApiError):
        client.call("order_place", body={"productKey": "ssl123"})
    assert client.calls["order_place"] == 1
    assert simulator.orders() == []


def test_slow_answer_to_a_money_call_is_ambiguous(simulator, tmp_path):
    client = make_client(simulator, tmp_path, timeout=0.5)
    client.call("balance")
    simulator.fault("POST /ssl/v2/orders/new", "delay", delay=2.0, count=1)
    with pytest.raises(AmbiguousWriteError):
        client.call("order_place", body={"productKey": "ssl123"})
    assert client.calls["order_place"] == 1


def test_field_errors_are_rendered(simulator, tmp_path):
    client = make_client(simulator, tmp_path)
    with pytest.raises(ApiError) as info:
        client.call("csr_decode", body={"csr": "not a csr"})
    assert info.value.status == 400
    assert info.value.sub_code == "SSL4000"
    assert "csr" in str(info.value)


def test_unknown_user_fails_with_a_hint(simulator, tmp_path):
    client = WebNICClient(simulator.url, "nobody", "x", token_cache_dir=str(tmp_path), sleep=lambda s: None)
    with pytest.raises(AuthError) as info:
        client.call("balance")
    assert "api_username" in str(info.value)


def test_connection_refused_is_a_clear_transport_error(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = WebNICClient("http://127.0.0.1:%d" % port, "u", "p", token_cache_dir=str(tmp_path), sleep=lambda s: None)
    with pytest.raises(TransportError) as info:
        client.call("balance")
    assert "Cannot connect" in str(info.value)
    assert client.calls["token"] == 4


def test_tls_verified_against_the_given_ca(simulator_tls, tmp_path, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent")
    assert make_client(simulator_tls, tmp_path).call("balance") is not None


def test_tls_without_the_ca_fails_closed(simulator_tls, tmp_path):
    client = WebNICClient(simulator_tls.url, "api-demo", PASSWORD, token_cache_dir=str(tmp_path), sleep=lambda s: None)
    with pytest.raises(TransportError) as info:
        client.call("balance")
    assert "ca_path" in str(info.value)
    assert client.calls["token"] == 1  # TLS failures are not retried


def test_user_agent_names_the_collection(tmp_path):
    seen = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            seen["ua"] = self.headers.get("User-Agent")
            body = b'{"code": "1000", "data": {"access_token": "t", "expires_in": 3600}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = WebNICClient("http://127.0.0.1:%d" % server.server_port, "u", "p", token_cache_dir=str(tmp_path))
        client.call("balance")
    finally:
        server.shutdown()
    assert seen["ua"] == USER_AGENT
    assert "webnic.ssl/" in USER_AGENT


def test_persistent_malformed_json_is_a_clear_error(simulator, tmp_path):
    client = make_client(simulator, tmp_path, max_attempts=3)
    client.call("balance")
    simulator.fault("GET /ssl/v2/products/list", "malformed", count=10)
    with pytest.raises(TransportError) as info:
        client.call("product_list")
    assert "malformed JSON" in str(info.value)
    assert client.calls["product_list"] == 3


def test_persistent_503_fails_after_the_bound_with_a_clear_message(simulator, tmp_path):
    client = make_client(simulator, tmp_path, max_attempts=4)
    simulator.fault("GET /reseller/v2/balance", "status", status=503, count=10)
    with pytest.raises(ApiError) as info:
        client.call("balance")
    assert client.calls["balance"] == 4
    assert "HTTP 503" in str(info.value) and "GET /reseller/v2/balance" in str(info.value)


# ---------------------------------------------------------------- proxy choice (pure; the e2e
# tests in tests/e2e/test_proxy.py send real calls through a real proxy)


def test_explicit_proxy_wins_over_environment_and_no_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://env-proxy.example.test:1")
    monkeypatch.setenv("NO_PROXY", "api.webnic.cc")
    chosen = proxies_for("https://api.webnic.cc", "http://proxy.example.test:3128")
    assert chosen == {"http": "http://proxy.example.test:3128", "https": "http://proxy.example.test:3128"}


def test_environment_proxy_is_used_without_an_explicit_one(monkeypatch):
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("https_proxy", "http://env-proxy.example.test:3128")
    assert proxies_for("https://api.webnic.cc")["https"] == "http://env-proxy.example.test:3128"
    monkeypatch.setenv("NO_PROXY", "example.test,.webnic.cc")
    assert proxies_for("https://api.webnic.cc") == {}
