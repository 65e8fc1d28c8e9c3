# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's apache and haproxy deploy paths against real Apache httpd and HAProxy daemons on 127.0.0.1.

Each server's own configuration test gates the reload (the role runs the recorded command of the host);
every claim about what is served is checked with a real TLS handshake against the simulator's CA.
Apache hosts validate by HTTP file (Apache serves the web root to the simulator), HAProxy hosts by DNS.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import SERVER_NAME, Ansible, aged_certificate, certificate_vars, download_certificate, wait_for_serial
from cryptography import x509
from fleet import certificate_serial
from servers import ServerGroup

pytestmark = [pytest.mark.e2e, pytest.mark.simulator, pytest.mark.slow]

KINDS = ["apache", "haproxy"]
END_CERTIFICATE = "-----END CERTIFICATE-----"


@pytest.fixture
def hosts_dir(kind, tmp_path):
    """Where the hosts live. Run as root, Apache's children are not root and must walk down to the web root,
    which pytest's 0700 temporary directory forbids: Apache hosts then live in a directory of their own."""
    if kind != "apache" or os.geteuid() != 0:
        yield tmp_path / "hosts"
        return
    base = Path(tempfile.mkdtemp(prefix="webnic-e2e-apache-"))
    try:
        base.chmod(0o755)
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def group(kind, hosts_dir, sim):
    """Two hosts serving www.example.test; Apache's file DCV reaches the second one through the resolve map."""
    servers = ServerGroup(kind, hosts_dir, 2, SERVER_NAME)
    servers.start()
    try:
        if kind == "apache":
            sim.resolve(SERVER_NAME, f"127.0.0.1:{servers['web2'].http_port}")
        yield servers
    finally:
        servers.stop()


@pytest.fixture
def ansible(tmp_path, sim, group):
    return Ansible(tmp_path, sim, group)


def role_vars(kind):
    if kind == "apache":
        return certificate_vars(certificate={"server_type": "apache"})
    return certificate_vars(certificate={"server_type": "haproxy", "dcv_method": "dns"})


def deployed_serial(server):
    return certificate_serial(server.ssl_file(".crt"))


def pem_serial(pem):
    return x509.load_pem_x509_certificate(pem.encode()).serial_number


def served_files(server):
    """The files the role deploys for the server, byte for byte (the combined PEM only for HAProxy)."""
    suffixes = [".crt", ".chain.pem", ".fullchain.pem", ".key"]
    if server.kind == "haproxy":
        suffixes.append(".combined.pem")
    return {suffix: server.ssl_file(suffix).read_bytes() for suffix in suffixes}


def metadata(server):
    return json.loads(server.ssl_file(".webnic.json").read_text())


def failure_message(output, host, marker):
    """The `msg` of the task failure of `host` whose message contains `marker` ('' when there is none)."""
    prefix = f"fatal: [{host}]: FAILED! => "
    for line in output.splitlines():
        if line.startswith(prefix):
            message = json.loads(line[len(prefix) :]).get("msg", "")
            if marker in message:
                return message
    return ""


def install_aged_certificate(sim, group, order_id, days):
    """Let time pass: the CA re-signs the order `days` earlier; every host gets it (its leaf, full chain and,
    for HAProxy, combined PEM with the unchanged key) and is reloaded. Returns the certificate's serial."""
    fullchain, leaf = aged_certificate(sim, order_id, days)
    for server in group:
        server.ssl_file(".fullchain.pem").write_text(fullchain)
        server.ssl_file(".crt").write_text(leaf)
        if group.kind == "haproxy":
            server.ssl_file(".combined.pem").write_bytes(fullchain.encode() + server.ssl_file(".key").read_bytes())
        server.reload()
    return pem_serial(fullchain)


@pytest.mark.parametrize("kind", KINDS)
def test_rollout_idle_rerun_and_rollback_on_a_failed_server_config_test(kind, ansible, sim, group):
    # One story per server type: every playbook run that orders a certificate is the slow part of e2e.
    order = first_rollout_passes_the_config_test_and_serves_everywhere(kind, ansible, sim, group)
    rerun_is_idle(kind, ansible, sim, group)
    failed_config_test_restores_the_old_files_on_that_host_only(kind, ansible, sim, group, order)


def first_rollout_passes_the_config_test_and_serves_everywhere(kind, ansible, sim, group):
    first = ansible.run(role_vars(kind))
    assert first.returncode == 0, first.tail()
    (order,) = sim.orders()
    downloaded = download_certificate(sim, order["orderId"])
    serial = pem_serial(downloaded)

    if kind == "apache":
        # File DCV: Apache itself served the validation file to the simulator; it is gone now.
        (item,) = order["dcv"]
        assert item["authType"] == "file" and item["status"] == "VALIDATED", order["dcv"]
        served = group["web2"].access_log()
        assert re.search(r'"GET /\.well-known/pki-validation/[0-9A-F]+\.txt HTTP/1\.[01]" 200', served), served
    else:
        assert {(item["authType"], item["status"]) for item in order["dcv"]} == {("dns", "VALIDATED")}
    assert all(server.validation_files() == [] for server in group)

    assert "Test the web server configuration before any reload" in first.output
    for server in group:
        # The role ran THIS host's own configuration test (it passed), then one reload.
        assert server.invocations() == [("test", 0), ("reload", 0)], (server.name, server.invocations())
        assert server.test_config().returncode == 0, server.test_config().stderr
        assert deployed_serial(server) == serial
        seen = wait_for_serial(server, sim.ca_path, serial)
        assert seen.ok, seen.error
        assert seen.serial == serial, seen.line()
        assert SERVER_NAME in seen.names
        assert server.ssl_file(".fullchain.pem").read_text() == downloaded
        assert server.ssl_file(".key").stat().st_mode & 0o777 == 0o600
        if kind == "haproxy":
            # What HAProxy serves: the full chain followed by the key, readable by the owner only.
            combined = server.ssl_file(".combined.pem")
            assert combined.stat().st_mode & 0o777 == 0o600
            assert combined.read_bytes() == downloaded.encode() + server.ssl_file(".key").read_bytes()
        else:
            # What Apache serves: the leaf, and the chain (the intermediate the handshake verified) apart.
            leaf = server.ssl_file(".crt").read_text()
            chain = server.ssl_file(".chain.pem").read_text()
            assert leaf.count(END_CERTIFICATE) == 1 and chain.count(END_CERTIFICATE) >= 1
            assert leaf.strip() + "\n" + chain.strip() == downloaded.strip()
            assert not (server.ssl_dir / f"{SERVER_NAME}.combined.pem").exists(), "combined PEM is for HAProxy only"
    return order


def rerun_is_idle(kind, ansible, sim, group):
    invoked = {server.name: server.invocations() for server in group}
    calls_before = sim.stats()["total"]
    rerun = ansible.run(role_vars(kind))
    assert rerun.returncode == 0, rerun.tail()
    assert sim.stats()["total"] == calls_before, "a rerun with nothing due must not call the API"
    assert rerun.changed() == 0, rerun.recap
    assert "nothing due, no API call" in rerun.output
    assert {server.name: server.invocations() for server in group} == invoked, "nothing changed: no test, no reload"


def failed_config_test_restores_the_old_files_on_that_host_only(kind, ansible, sim, group, order):
    # Time passes: every host serves an older certificate of the order, due for renewal.
    old_serial = install_aged_certificate(sim, group, order["orderId"], days=300)
    for server in group:
        seen = wait_for_serial(server, sim.ca_path, old_serial)
        assert seen.ok and seen.serial == old_serial, seen.line()

    # web2's configuration is broken (by someone else): its server's own configuration test fails there.
    healthy, broken_host = group["web1"], group["web2"]
    broken = broken_host.break_config()
    assert broken_host.test_config().returncode != 0
    before, metadata_before = served_files(broken_host), metadata(broken_host)
    invoked = {server.name: len(server.invocations()) for server in group}

    renewal = ansible.run(role_vars(kind))
    assert renewal.returncode != 0
    assert renewal.failed_hosts() == ["web2"], renewal.recap
    orders = sim.orders()
    assert len(orders) == 2, "the renewal is one new order"
    (renewed,) = [o for o in orders if o.get("parentOrderId") == order["orderId"]]
    renewed_fullchain = download_certificate(sim, renewed["orderId"])
    # The host fails with a message naming its configuration test and carrying the server's own complaint.
    message = failure_message(renewal.output, "web2", "NOT put in service")
    assert f"The configuration test `{broken_host.test_command()}` failed (1)" in message, message
    assert broken_host.broken_snippet[2] in message, message
    assert "The previous files were restored and the server was not reloaded" in message, message

    # web1: the renewed certificate, tested and reloaded.
    new_serial = pem_serial(renewed_fullchain)
    assert new_serial != old_serial
    assert deployed_serial(healthy) == new_serial
    assert served_files(healthy)[".fullchain.pem"] == renewed_fullchain.encode()
    if kind == "haproxy":
        assert served_files(healthy)[".combined.pem"] == renewed_fullchain.encode() + served_files(healthy)[".key"]
    assert healthy.invocations()[invoked["web1"] :] == [("test", 0), ("reload", 0)]
    seen = wait_for_serial(healthy, sim.ca_path, new_serial)
    assert seen.ok and seen.serial == new_serial, seen.line()

    # web2: its config test ran and failed, it was not reloaded, and its files are back byte for byte.
    assert broken_host.invocations()[invoked["web2"] :] == [("test", 1)]
    after = served_files(broken_host)
    assert [suffix for suffix in before if after[suffix] != before[suffix]] == [], "not restored byte for byte"
    assert list(broken_host.ssl_dir.glob("*~")) == [], "no backup copies are left behind"
    assert broken_host.ssl_file(".key").stat().st_mode & 0o777 == 0o600
    # The metadata still describes the certificate in service (the renewal is only noted as pending there).
    assert {k: v for k, v in metadata(broken_host).items() if k != "pending"} == metadata_before
    assert deployed_serial(broken_host) == old_serial
    seen = broken_host.handshake(sim.ca_path)
    assert seen.ok and seen.serial == old_serial, seen.line()

    # The restored files are what the server loads: repaired and reloaded, it still serves the old certificate.
    broken.unlink()
    broken_host.reload()
    seen = wait_for_serial(broken_host, sim.ca_path, old_serial)
    assert seen.ok and seen.serial == old_serial, seen.line()
    if kind == "haproxy":
        assert broken_host.ssl_file(".combined.pem").stat().st_mode & 0o777 == 0o600
