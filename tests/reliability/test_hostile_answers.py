# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A compromised or broken WebNIC: every answer is untrusted input (issue 15, items 7-9 and 11).

The answers are rewritten by tests/reliability/hostile_proxy.py in front of the real simulator (its
fault injection fails or delays calls, it never lies). Each case asserts that the run fails with a
message naming what was wrong, and that nothing was written: no file outside (or inside) the web
root, no DNS record, no certificate file.
"""

from __future__ import annotations

import datetime
import json
import os
import time
import tracemalloc
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hostile_proxy import NO_LENGTH, HostileProxy, Repeated
from reliability_helpers import (
    assert_no_traceback,
    connection_args,
    crypto,
    local_inventory,
    playbook_env,
    record,
    run_module,
)

from ansible_collections.webnic.ssl.plugins.modules import (
    webnic_dns_record,
    webnic_ssl_cert_download,
    webnic_ssl_dcv,
    webnic_ssl_order_info,
    webnic_ssl_validation_file,
)

pytestmark = [pytest.mark.simulator]

HERE = Path(__file__).resolve().parent
CN = "www.example.com"
AUTH_INFO = r"^GET /ssl/v2/orders/[^/]+/auth/info$"
DOWNLOAD = r"^POST /ssl/v2/orders/[^/]+/download/format/PEM$"
PLACE = r"^POST /ssl/v2/orders/new$"


@pytest.fixture
def proxy(sim):
    with HostileProxy(sim.url) as running:
        yield running


def place(sim, common_name=CN, sans=("example.com",), auth_type="email", key=None):
    from reliability_helpers import api, create_contact

    key = key or crypto.generate_private_key("EC-P256")
    csr = crypto.build_csr(key, common_name, [common_name, *sans]).decode()
    answer = api(sim).call(
        "order_place",
        body={
            "productKey": "ssl123",
            "term": 1,
            "csr": csr,
            "sanfield": list(sans),
            "authType": auth_type,
            "administratorContactId": create_contact(sim),
        },
    )
    return str(answer["orderId"]), key


def rewrite_dcv(change):
    """Change the first DCV object of a Get Auth Info / Place Order answer."""

    def apply(data):
        item = data["commonName"] if isinstance(data.get("commonName"), dict) else data["san"][0]
        item.update(change)
        return data

    return apply


# ------------------------------------------------------------------------- 7. file DCV traversal


@pytest.mark.parametrize(
    "change",
    [
        {"fileName": "../../../victim.conf", "path": "/.well-known/pki-validation/../../../victim.conf"},
        {"fileName": "victim.conf", "path": "/etc/victim.conf"},
        {"fileName": ".htaccess", "path": "/.well-known/pki-validation/.htaccess"},
    ],
    ids=["dotdot", "absolute-path", "hidden-file"],
)
def test_file_dcv_outside_the_validation_directory_fails_before_writing(sim, proxy, tmp_path, change):
    order_id, _key = place(sim, auth_type="file")
    proxy.rewrite_data(AUTH_INFO, rewrite_dcv(change))
    result = run_module(webnic_ssl_dcv, connection_args(sim, api_endpoint=proxy.url, order_id=order_id))
    assert result.failed
    assert_no_traceback(result)
    assert result["msg"].startswith("the file validation of www.example.com: "), result["msg"]
    assert "Refusing to write" in result["msg"] or "not a single plain file name" in result["msg"]
    assert not list(tmp_path.rglob("victim.conf")) and not list(tmp_path.rglob(".htaccess"))
    record("hostile answers", "file DCV %s" % change["path"], outcome="refused before writing")


def test_validation_file_module_confines_paths_to_its_directory(tmp_path):
    vdir = tmp_path / "www" / ".well-known" / "pki-validation"
    victim = tmp_path / "victim.conf"
    result = run_module(
        webnic_ssl_validation_file,
        {"files": [{"path": str(vdir / "../../../victim.conf"), "content": "x"}], "directory": str(vdir)},
    )
    assert result.failed
    assert result["msg"].startswith("files[0].path: "), result["msg"]
    assert not victim.exists() and not (tmp_path / "www").exists()


# ------------------------------------------------------------------------- 8. DNS DCV injection


@pytest.mark.parametrize(
    "change,expected",
    [
        ({"recordType": "A", "host": "shop.example.com", "value": "203.0.113.66"}, "record type 'A'"),
        ({"recordType": "TXT", "host": "shop.example.com"}, "not an '_' label"),
        ({"recordType": "CNAME", "host": "_dnsauth.evil.test"}, "not an '_' label"),
        ({"recordType": "TXT", "value": "a\nb"}, "control characters"),
    ],
    ids=["A-record", "TXT-at-the-site", "CNAME-elsewhere", "multi-line"],
)
def test_dns_dcv_that_is_not_a_validation_record_fails_before_publishing(sim, proxy, change, expected):
    order_id, _key = place(sim, auth_type="dns")
    proxy.rewrite_data(AUTH_INFO, rewrite_dcv(change))
    result = run_module(webnic_ssl_dcv, connection_args(sim, api_endpoint=proxy.url, order_id=order_id))
    assert result.failed
    assert_no_traceback(result)
    assert result["msg"].startswith("the DNS validation of www.example.com: "), result["msg"]
    assert expected in result["msg"], result["msg"]
    record("hostile answers", "DNS DCV %s" % json.dumps(change, sort_keys=True), outcome="refused")


@pytest.mark.parametrize(
    "name,kind",
    [("shop.example.com", "A"), ("shop", "TXT"), ("_dnsauth.shop.example.com", "TXT"), ("_x.www", "MX")],
)
def test_dns_record_module_refuses_a_non_validation_record_without_any_call(sim, name, kind):
    sim.reset_stats()
    result = run_module(
        webnic_dns_record,
        connection_args(
            sim,
            zone="example.com",
            name=name,
            type=kind,
            values=["203.0.113.66" if kind == "A" else "token"],
            validation_names=["www.example.com", "example.com"],
        ),
    )
    assert result.failed
    assert result["msg"].startswith("name: ") or result["msg"].startswith("values: "), result["msg"]
    assert not [k for k in sim.stats()["calls"] if "/dns/" in k], sim.stats()["calls"]


def test_dns_record_module_publishes_a_proper_validation_record(sim):
    result = run_module(
        webnic_dns_record,
        connection_args(
            sim,
            zone="example.com",
            name="_dnsauth.www.example.com",
            type="TXT",
            values=["token"],
            validation_names=["www.example.com"],
        ),
    )
    assert not result.failed, result.get("msg")
    assert result["changed"] is True


def test_role_with_an_injected_a_record_fails_and_publishes_nothing(sim, proxy, tmp_path):
    """The whole role: Place Order answers an A record for the shop; the run stops before any DNS write."""
    proxy.rewrite_data(PLACE, rewrite_dcv({"recordType": "A", "host": "shop.example.com", "value": "203.0.113.66"}))
    workdir = tmp_path / "work"
    workdir.mkdir()
    inventory = local_inventory(tmp_path / "hosts.ini", ["web1"], workdir=workdir)
    env = playbook_env(sim, tmp_path, WEBNIC_API_ENDPOINT=proxy.url)
    from reliability_helpers import ansible_playbook

    run = ansible_playbook(HERE / "playbooks" / "role_deploy.yml", inventory, env)
    assert run.returncode != 0, run.stdout[-3000:]
    assert "the DNS validation of" in run.stdout and "record type 'A'" in run.stdout, run.stdout[-3000:]
    assert "Traceback" not in run.stdout
    calls = sim.stats()["calls"]
    assert not [k for k in calls if k.startswith(("POST /dns/", "DELETE /dns/"))], calls
    assert not (workdir / "ssl" / "www.example.com.crt").exists()
    record("hostile answers", "role: Place Order answers an A record", outcome="failed before any DNS write")


# ------------------------------------------------------------------------- 9. untrusted certificates


def _name(text):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def _cert(subject, issuer, public_key, signing_key, not_before, not_after, ca, names=()):
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def forged_bundle(leaf_key, not_before, not_after, names=(CN, "example.com")):
    """leaf (for the order's key and names) + intermediate + self-signed root of a CA nobody trusts."""
    now = datetime.datetime.now(datetime.timezone.utc)
    root_key = ec.generate_private_key(ec.SECP256R1())
    inter_key = ec.generate_private_key(ec.SECP256R1())
    root = _cert(
        "Forged Root",
        "Forged Root",
        root_key.public_key(),
        root_key,
        now - datetime.timedelta(days=9000),
        now + datetime.timedelta(days=9000),
        True,
    )
    inter = _cert(
        "Forged CA",
        "Forged Root",
        inter_key.public_key(),
        root_key,
        now - datetime.timedelta(days=9000),
        now + datetime.timedelta(days=9000),
        True,
    )
    leaf = _cert(CN, "Forged CA", leaf_key.public_key(), inter_key, not_before, not_after, False, names)
    return [leaf, inter, root]


def _pem(certs):
    return b"".join(crypto.certificate_pem(c) for c in certs)


@pytest.fixture
def issued(sim, tmp_path):
    order_id, key = place(sim)
    sim.approve(order_id)
    key_path = tmp_path / "key.pem"
    key_path.write_bytes(crypto.serialize_private_key(key))
    os.chmod(key_path, 0o600)
    return order_id, key, str(key_path)


def _serve(proxy, pem):
    proxy.rewrite(DOWNLOAD, lambda status, headers, body: (200, [("Content-Type", "application/x-pem-file")], pem))


NOW = datetime.datetime.now(datetime.timezone.utc)


@pytest.mark.parametrize(
    "case,not_before,not_after,trust_forged_root,expected",
    [
        (
            "self-signed root",
            NOW - datetime.timedelta(days=1),
            NOW + datetime.timedelta(days=300),
            False,
            "which is not a trusted root",
        ),
        (
            "expired",
            NOW - datetime.timedelta(days=400),
            NOW - datetime.timedelta(days=35),
            True,
            "the certificate expired at",
        ),
        (
            "not yet valid",
            NOW + datetime.timedelta(days=2),
            NOW + datetime.timedelta(days=400),
            True,
            "the certificate is not valid before",
        ),
    ],
)
def test_untrusted_or_out_of_date_certificate_is_never_written(
    sim, proxy, issued, tmp_path, case, not_before, not_after, trust_forged_root, expected
):
    order_id, key, key_path = issued
    bundle = forged_bundle(key, not_before, not_after)
    _serve(proxy, _pem(bundle))
    args = connection_args(
        sim,
        api_endpoint=proxy.url,
        order_id=order_id,
        privatekey_path=key_path,
        force=True,
        dest=str(tmp_path / "cert.pem"),
        fullchain_dest=str(tmp_path / "fullchain.pem"),
    )
    if trust_forged_root:
        # Only the date rule is left to fail: the forged root is trusted for this case.
        (tmp_path / "forged-root.pem").write_bytes(crypto.certificate_pem(bundle[2]))
        args["trusted_roots"] = [str(tmp_path / "forged-root.pem")]
    result = run_module(webnic_ssl_cert_download, args)
    assert result.failed
    assert_no_traceback(result)
    assert result["msg"].startswith("Refusing to write the certificate of order %s" % order_id), result["msg"]
    assert expected in result["msg"], result["msg"]
    assert not (tmp_path / "cert.pem").exists() and not (tmp_path / "fullchain.pem").exists()
    record(
        "hostile answers", "download: %s certificate (names and key match)" % case, outcome="refused, nothing written"
    )


def test_the_simulator_certificate_is_accepted_only_with_its_root_trusted(sim, issued, tmp_path, monkeypatch):
    order_id, _key, key_path = issued
    args = connection_args(sim, order_id=order_id, privatekey_path=key_path, dest=str(tmp_path / "cert.pem"))
    monkeypatch.delenv("WEBNIC_TRUSTED_ROOTS", raising=False)
    other_root = tmp_path / "other-root.pem"
    other_root.write_bytes(crypto.certificate_pem(forged_bundle(crypto.generate_private_key("EC-P256"), NOW, NOW)[2]))
    refused = run_module(webnic_ssl_cert_download, dict(args, trusted_roots=[str(other_root)]))
    assert refused.failed and "which is not a trusted root" in refused["msg"], refused["msg"]
    assert not (tmp_path / "cert.pem").exists()
    accepted = run_module(webnic_ssl_cert_download, dict(args, trusted_roots=[sim.ca_path]))
    assert not accepted.failed, accepted["msg"]
    assert (tmp_path / "cert.pem").exists()


# ------------------------------------------------------------------------- 10. symlinks at the destination


def test_download_never_writes_through_a_symlinked_dest(sim, issued, tmp_path):
    order_id, _key, key_path = issued
    victim = tmp_path / "victim.conf"
    victim.write_text("precious\n")
    link = tmp_path / "cert.pem"
    link.symlink_to(victim)
    result = run_module(
        webnic_ssl_cert_download, connection_args(sim, order_id=order_id, privatekey_path=key_path, dest=str(link))
    )
    assert result.failed
    assert result["msg"].startswith("dest: %s is a symbolic link (to %s)" % (link, victim)), result["msg"]
    assert victim.read_text() == "precious\n" and link.is_symlink()
    record("files", "cert_download dest is a symlink", outcome="refused, target untouched")


# ------------------------------------------------------------------------- 11. response size


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "read-until-close"])
def test_an_oversized_answer_is_refused_with_a_clear_error(sim, proxy, issued, announced):
    order_id, _key, _key_path = issued
    size = 50 * 1024 * 1024
    extra = [] if announced else [(NO_LENGTH, "1")]
    proxy.rewrite(
        r"^GET /ssl/v2/orders/info$", lambda status, headers, body: (200, headers + extra, Repeated(b" ", size))
    )
    # Python allocations of this process (module, client, and the proxy's 1 MB pieces): an uncapped
    # read would hold the whole 50 MB body at once.
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = run_module(webnic_ssl_order_info, connection_args(sim, api_endpoint=proxy.url, order_id=order_id))
        peak_mb = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    assert result.failed
    assert_no_traceback(result)
    assert "larger than 10 MB" in result["msg"], result["msg"]
    assert peak_mb < 20, peak_mb
    record(
        "hostile answers",
        "50 MB answer to Get Order Info (%s)" % ("Content-Length" if announced else "no length"),
        outcome="refused",
        peak_mb=round(peak_mb, 1),
        seconds=round(elapsed, 2),
    )
