"""Domain control validation: real HTTP file checks over loopback, DNS via the zone API, e-mail via approve."""

import http.server
import threading

import pytest
from sim_client import ec_key, make_csr

pytestmark = pytest.mark.simulator


@pytest.fixture
def web_root(tmp_path):
    """A real http.server on a loopback port serving tmp_path/www, recording the Host headers it saw."""
    root = tmp_path / "www"
    root.mkdir()
    seen_hosts = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):
            seen_hosts.append(self.headers["Host"])
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield root, f"127.0.0.1:{server.server_address[1]}", seen_hosts
    server.shutdown()
    server.server_close()


def publish(root, item):
    target = root / item["path"].lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(item["value"] + "\n")


def test_file_dcv_fetches_through_the_resolve_map(api, sim, web_root):
    root, address, seen_hosts = web_root
    placed = api.place("files.example.com", sans=["www.files.example.com", "cdn.files.example.com"], auth="file")
    items = [placed["commonName"], *placed["san"]]
    for item in items:
        assert item["path"] == "/.well-known/pki-validation/" + item["fileName"] and item["fileName"].endswith(".txt")
    # unmapped names fail (no DNS lookup ever happens)
    status = api.ok("GET", f"/ssl/v2/orders/{placed['orderId']}/dcv-status")
    assert {d["status"] for d in status["domains"]} == {"FAILED"}
    assert "no --resolve mapping" in status["domains"][0]["message"]
    for item in items:
        sim.resolve(item["name"], address)
    publish(root, items[0])
    publish(root, items[1])
    status = api.ok("GET", f"/ssl/v2/orders/{placed['orderId']}/dcv-status")
    assert [d["status"] for d in status["domains"]] == ["VALIDATED", "VALIDATED", "FAILED"]
    assert status["orderStatus"] == "PENDING"
    assert "files.example.com" in seen_hosts and "www.files.example.com" in seen_hosts
    publish(root, items[2])
    checked = sim.check(placed["orderId"])
    assert checked["orderStatus"] == "COMPLETED" and checked["certStatus"] == "ACTIVE"


def test_file_dcv_wrong_content_fails(api, sim, web_root):
    root, address, _unused = web_root
    placed = api.place("wrongfile.example.com", auth="file")
    sim.resolve("wrongfile.example.com", address)
    publish(root, dict(placed["commonName"], value="not the token"))
    status = api.ok("GET", f"/ssl/v2/orders/{placed['orderId']}/dcv-status")
    assert status["domains"][0]["status"] == "FAILED" and "expected token" in status["domains"][0]["message"]


def test_resolve_accepts_loopback_only(sim):
    with pytest.raises(Exception, match="loopback"):
        sim.resolve("x.example.com", "10.0.0.1:80")
    with pytest.raises(Exception, match="loopback"):
        sim.resolve("x.example.com", "example.org:80")
    assert sim.resolve("x.example.com", "localhost:8080")["x.example.com"] == "localhost:8080"


def test_file_dcv_refused_for_wildcard(api):
    result = api.fails(
        "POST",
        "/ssl/v2/orders/new",
        sub_code="SSL4000",
        json={
            "productKey": "rapidssl-wildcard",
            "term": 1,
            "csr": make_csr(ec_key(), "*.wf.example.com"),
            "administratorContactId": api.contact(),
            "authType": "file",
        },
    )
    assert result["fieldErrors"][0]["field"] == "authType"


def test_dns_dcv_through_the_dns_api_with_shared_host(api, sim):
    placed = api.place("*.dnsdcv.example.net", product="rapidssl-wildcard", sans=["dnsdcv.example.net"], auth="dns")
    cn, san = placed["commonName"], placed["san"][0]
    assert cn["host"] == san["host"] == "_dnsauth.dnsdcv.example.net" and cn["value"] != san["value"]
    # writing only one value (the set is replaced) validates only that name
    api.ok(
        "POST",
        "/dns/v2/zone/example.net/record",
        json={"name": "_dnsauth.dnsdcv", "type": "TXT", "ttl": 300, "rdatas": [{"value": cn["value"]}]},
    )
    status = api.ok("GET", f"/ssl/v2/orders/{placed['orderId']}/dcv-status")
    assert [d["status"] for d in status["domains"]] == ["VALIDATED", "FAILED"]
    api.ok(
        "POST",
        "/dns/v2/zone/example.net/record",
        json={
            "name": "_dnsauth.dnsdcv",
            "type": "TXT",
            "ttl": 300,
            "rdatas": [{"value": cn["value"]}, {"value": f'"{san["value"]}"'}],
        },
    )
    info = api.info(placed["orderId"])
    assert info["orderStatus"] == "COMPLETED"


def test_dns_dcv_outside_hosted_zones_fails(api):
    placed = api.place("elsewhere.invalid-zone.com", auth="dns")
    status = api.ok("GET", f"/ssl/v2/orders/{placed['orderId']}/dcv-status")
    assert status["domains"][0]["status"] == "FAILED" and "not in a zone" in status["domains"][0]["message"]


def test_email_dcv_completes_only_by_approval(api, sim):
    placed = api.place(
        "mail.example.org",
        sans=["www.mail.example.org"],
        approverEmail=[{"domain": "mail.example.org", "email": "hostmaster@example.org"}],
    )
    assert placed["commonName"]["value"] == "hostmaster@example.org"
    assert placed["san"][0]["value"] == "admin@example.org"
    for _unused in range(2):
        assert api.info(placed["orderId"])["orderStatus"] == "PENDING"
    result = sim.approve(placed["orderId"])
    assert result["approved"] == ["mail.example.org", "www.mail.example.org"] and result["orderStatus"] == "COMPLETED"


def test_change_auth_type_keeps_validated_domains(api, sim):
    placed = api.place("mixed.example.com", sans=["www.mixed.example.com"], auth="dns")
    api.ok(
        "POST",
        "/dns/v2/zone/example.com/record",
        json={"name": "_dnsauth.mixed", "type": "TXT", "rdatas": [{"value": placed["commonName"]["value"]}]},
    )
    assert [d["status"] for d in api.ok("GET", f"/ssl/v2/orders/{placed['orderId']}/dcv-status")["domains"]] == [
        "VALIDATED",
        "FAILED",
    ]
    changed = api.ok("PUT", f"/ssl/v2/orders/{placed['orderId']}/auth", json={"authType": "email"})
    assert changed["commonName"]["authType"] == "dns" and changed["commonName"]["status"] == "VALIDATED"
    assert changed["san"][0]["authType"] == "email" and changed["san"][0]["value"] == "admin@example.com"
    info = api.ok("GET", f"/ssl/v2/orders/{placed['orderId']}/auth/info")
    assert info["san"][0]["authType"] == "email"
    api.fails("PUT", f"/ssl/v2/orders/{placed['orderId']}/auth", json={}, sub_code="SSL4000")
    api.fails(
        "PUT",
        f"/ssl/v2/orders/{placed['orderId']}/auth",
        json={"authType": "file", "domains": ["nope.example.com"]},
        sub_code="SSL4000",
    )
    sim.approve(placed["orderId"])
    api.fails("PUT", f"/ssl/v2/orders/{placed['orderId']}/auth", json={"authType": "dns"}, sub_code="SSL2400")


def test_approver_list_update_and_send(api, sim):
    listing = api.ok("GET", "/ssl/v2/domainValidations/approver-list", params={"commonName": "*.deep.sub.example.org"})
    assert listing == [f"{p}@example.org" for p in ("admin", "administrator", "hostmaster", "postmaster", "webmaster")]
    assert (
        api.ok("GET", "/ssl/v2/domainValidations/approver-list", params={"commonName": "www.other.io"})[0]
        == "admin@other.io"
    )
    api.fails("GET", "/ssl/v2/domainValidations/approver-list", sub_code="SSL4000")
    placed = api.place("appr.example.org")
    updated = api.ok(
        "PUT",
        f"/ssl/v2/orders/{placed['orderId']}/approver",
        json={"approverEmail": [{"domain": "appr.example.org", "email": "webmaster@example.org"}]},
    )
    assert updated["commonName"]["value"] == "webmaster@example.org"
    api.fails(
        "PUT",
        f"/ssl/v2/orders/{placed['orderId']}/approver",
        json={"approverEmail": [{"domain": "appr.example.org", "email": "x@evil.test"}]},
        sub_code="SSL4000",
    )
    sent = api.ok("POST", f"/ssl/v2/orders/{placed['orderId']}/approver/send")
    api.ok("POST", f"/ssl/v2/orders/{placed['orderId']}/approver/send")
    assert sent["sent"] == ["webmaster@example.org"]
    assert next(o for o in sim.orders() if o["orderId"] == placed["orderId"])["approverSends"] == 2


def test_dcv_endpoints_on_unknown_order(api):
    api.fails("GET", "/ssl/v2/orders/123/dcv-status", sub_code="SSL2400")
    api.fails("GET", "/ssl/v2/orders/123/auth/info", sub_code="SSL2400")
