# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""webnic_ssl_cert_download against the simulator's real test CA, verified with the openssl CLI."""

import json
import os
import shutil
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto
from ansible_collections.webnic.ssl.plugins.modules import webnic_ssl_cert_download

from .runner import connection_args, run_module
from .test_webnic_ssl_dcv import issued_order, place_order

DOWNLOAD = "POST /ssl/v2/orders/{orderId}/download/format/{format}"
OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the openssl CLI is needed to verify the files")


def write_key(path, key):
    path.write_bytes(crypto.serialize_private_key(key))
    os.chmod(str(path), 0o600)
    return str(path)


def paths(tmp_path):
    return {
        "dest": str(tmp_path / "cert.pem"),
        "chain_dest": str(tmp_path / "chain.pem"),
        "fullchain_dest": str(tmp_path / "fullchain.pem"),
    }


def download(sim, check_mode=False, diff=False, **args):
    return run_module(webnic_ssl_cert_download, connection_args(sim, **args), check_mode=check_mode, diff=diff)


def downloads(sim):
    return sim.stats()["calls"].get(DOWNLOAD, 0)


@pytest.fixture
def issued(simulator, tmp_path):
    order_id, key = issued_order(simulator, "www.example.com", sans=["example.com"])
    return order_id, write_key(tmp_path / "key.pem", key)


@needs_openssl
def test_writes_leaf_chain_and_fullchain_that_openssl_verifies(simulator, issued, tmp_path):
    order_id, key_path = issued
    files = paths(tmp_path)
    result = download(simulator, order_id=order_id, privatekey_path=key_path, **files)
    assert not result.failed, result
    assert result["changed"] is True and result["downloaded"] is True
    assert sorted(result["written"]) == sorted(files.values())
    assert set(result["names"]) == {"www.example.com", "example.com"}
    assert result["days_remaining"] >= 360
    assert result["chain_length"] >= 1
    verify = subprocess.run(
        [OPENSSL, "verify", "-CAfile", simulator.ca_path, "-untrusted", files["chain_dest"], files["dest"]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert verify.stdout.strip().endswith("OK")
    full = Path(files["fullchain_dest"]).read_bytes()
    assert full == Path(files["dest"]).read_bytes() + Path(files["chain_dest"]).read_bytes()
    assert stat.S_IMODE(os.stat(files["dest"]).st_mode) == 0o644
    assert crypto.parse_certificate(Path(files["dest"]).read_bytes())["serial"] == result["serial"]


def test_rerun_makes_no_download_call(simulator, issued, tmp_path):
    order_id, key_path = issued
    files = paths(tmp_path)
    assert download(simulator, order_id=order_id, privatekey_path=key_path, **files)["changed"] is True
    assert downloads(simulator) == 1
    again = download(simulator, common_name="www.example.com", privatekey_path=key_path, **files)
    assert not again.failed, again
    assert again["changed"] is False
    assert again["downloaded"] is False
    assert again["written"] == []
    assert downloads(simulator) == 1


def test_rerun_with_a_download_record_makes_no_api_call_at_all(simulator, issued, tmp_path):
    order_id, key_path = issued
    files = paths(tmp_path)
    record = tmp_path / "download.json"
    record.write_text('{"managed_by": "someone else"}')
    first = download(simulator, order_id=order_id, privatekey_path=key_path, metadata_path=str(record), **files)
    assert not first.failed, first
    recorded = json.loads(record.read_text())
    assert recorded["order_id"] == str(order_id) and recorded["fingerprint"] == first["fingerprint"]
    assert recorded["managed_by"] == "someone else", "other keys of the file are kept"

    calls = simulator.stats()["total"]
    again = download(simulator, order_id=order_id, privatekey_path=key_path, metadata_path=str(record), **files)
    assert not again.failed, again
    assert simulator.stats()["total"] == calls, "no API call, not even a token"
    assert again["changed"] is False and again["asked_webnic"] is False
    assert again["serial"] == first["serial"]

    # A mode change alone is applied, still without asking WebNIC.
    moded = download(
        simulator, order_id=order_id, privatekey_path=key_path, metadata_path=str(record), mode="0640", **files
    )
    assert moded["changed"] is True and moded["asked_webnic"] is False
    assert stat.S_IMODE(os.stat(files["dest"]).st_mode) == 0o640
    assert simulator.stats()["total"] == calls


@pytest.mark.parametrize("doubt", ["other_order", "other_certificate", "force", "no_order_id"])
def test_any_doubt_about_the_files_asks_webnic(simulator, issued, tmp_path, doubt):
    order_id, key_path = issued
    files = paths(tmp_path)
    record = tmp_path / "download.json"
    assert not download(
        simulator, order_id=order_id, privatekey_path=key_path, metadata_path=str(record), **files
    ).failed
    args = dict(order_id=order_id, privatekey_path=key_path, metadata_path=str(record), **files)
    if doubt == "other_order":
        record.write_text(json.dumps(dict(json.loads(record.read_text()), order_id="999")))
    elif doubt == "other_certificate":
        record.write_text(json.dumps(dict(json.loads(record.read_text()), fingerprint="00:11")))
    elif doubt == "force":
        args["force"] = True
    else:
        args.pop("order_id")
        args["common_name"] = "www.example.com"
    calls = simulator.stats()["total"]
    again = download(simulator, **args)
    assert not again.failed, again
    assert again["asked_webnic"] is True
    assert simulator.stats()["total"] > calls


def test_key_mismatch_refuses_and_leaves_files_untouched(simulator, issued, tmp_path):
    order_id, key_path = issued
    files = paths(tmp_path)
    download(simulator, order_id=order_id, privatekey_path=key_path, **files)
    before = {name: Path(path).read_bytes() for name, path in files.items()}
    other_key = write_key(tmp_path / "other.pem", crypto.generate_private_key("EC-P256"))
    result = download(simulator, order_id=order_id, privatekey_path=other_key, **files)
    assert result.failed
    assert "does not match the private key" in result["msg"]
    assert "No file was changed" in result["msg"]
    assert {name: Path(path).read_bytes() for name, path in files.items()} == before


@needs_openssl
def test_pkcs12_opens_with_the_password_and_is_not_rewritten(simulator, issued, tmp_path):
    order_id, key_path = issued
    p12 = str(tmp_path / "bundle.p12")
    args = dict(order_id=order_id, privatekey_path=key_path, pkcs12_dest=p12, pkcs12_password="s3cret-pass")
    result = download(simulator, **args)
    assert not result.failed, result
    assert result["changed"] is True
    assert "s3cret-pass" not in result["_stdout"]
    assert stat.S_IMODE(os.stat(p12).st_mode) == 0o600
    opened = subprocess.run(
        [OPENSSL, "pkcs12", "-in", p12, "-passin", "pass:s3cret-pass", "-nokeys", "-clcerts"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert opened.returncode == 0, opened.stderr
    assert "BEGIN CERTIFICATE" in opened.stdout
    wrong = subprocess.run(
        [OPENSSL, "pkcs12", "-in", p12, "-passin", "pass:wrong", "-nokeys"], capture_output=True, text=True, check=False
    )
    assert wrong.returncode != 0
    content = Path(p12).read_bytes()
    again = download(simulator, **args)
    assert again["changed"] is False
    assert Path(p12).read_bytes() == content


def test_not_issued_fails_with_the_order_status(simulator, tmp_path):
    order_id, _key, _answer = place_order(simulator, "pending.example.com")
    result = download(simulator, order_id=order_id, dest=str(tmp_path / "cert.pem"))
    assert result.failed
    assert "not issued yet" in result["msg"]
    assert "PENDING" in result["msg"]
    assert "wait: true" in result["msg"]
    assert result["order_status"] == "PENDING"
    assert not (tmp_path / "cert.pem").exists()
    assert downloads(simulator) == 0


def test_wait_for_issuance(simulator, tmp_path):
    order_id, _key, _answer = place_order(simulator, "later.example.com")
    simulator.config(issue_delay=1.5)
    approver = threading.Timer(0.5, simulator.approve, args=(order_id,))
    approver.start()
    try:
        started = time.monotonic()
        result = download(
            simulator, order_id=order_id, dest=str(tmp_path / "cert.pem"), wait=True, wait_timeout=30, wait_interval=0.5
        )
    finally:
        approver.join()
    assert not result.failed, result
    assert result["changed"] is True
    assert time.monotonic() - started >= 1.5
    assert result["order_status"] == "COMPLETED"


def test_check_mode_writes_nothing_and_diff_shows_the_new_serial(simulator, issued, tmp_path):
    order_id, key_path = issued
    files = paths(tmp_path)
    result = download(simulator, check_mode=True, diff=True, order_id=order_id, privatekey_path=key_path, **files)
    assert not result.failed, result
    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["serial"] == result["serial"]
    assert not any(os.path.exists(p) for p in files.values())


def test_a_newer_certificate_is_downloaded_with_backup(simulator, issued, tmp_path):
    order_id, key_path = issued
    files = paths(tmp_path)
    first = download(simulator, order_id=order_id, privatekey_path=key_path, **files)
    simulator.age(order_id, 100)  # the simulator re-signs the certificate with shifted dates
    second = download(simulator, diff=True, order_id=order_id, privatekey_path=key_path, backup=True, **files)
    assert not second.failed, second
    assert second["changed"] is True and second["downloaded"] is True
    assert second["serial"] != first["serial"]
    assert second["diff"]["before"]["serial"] == first["serial"]
    # The intermediate did not change: chain.pem is neither rewritten nor backed up.
    assert set(second["backup_files"]) == {"dest", "fullchain_dest"}
    assert files["chain_dest"] not in second["written"]
    assert os.path.exists(second["backup_files"]["dest"])
    assert downloads(simulator) == 2


def test_mode_change_alone_is_reported_without_download(simulator, issued, tmp_path):
    order_id, key_path = issued
    dest = str(tmp_path / "cert.pem")
    download(simulator, order_id=order_id, privatekey_path=key_path, dest=dest)
    result = download(simulator, order_id=order_id, privatekey_path=key_path, dest=dest, mode="0640")
    assert result["changed"] is True
    assert result["written"] == []
    assert result["changed_reasons"] == ["%s: owner, group or mode changed" % dest]
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o640
    assert downloads(simulator) == 1


def test_pkcs12_without_key_is_refused_by_the_argument_spec(simulator, issued, tmp_path):
    order_id, _key_path = issued
    result = download(simulator, order_id=order_id, pkcs12_dest=str(tmp_path / "x.p12"))
    assert result.failed
    assert "privatekey_path" in result["msg"]


def test_split_leaf_and_chain_orders_a_shuffled_bundle(simulator, issued):
    order_id, _key_path = issued
    from ansible_collections.webnic.ssl.plugins.module_utils._webnic.client import WebNICClient

    client = WebNICClient(simulator.url, simulator.username, simulator.password)
    certs = crypto.load_certificates(client.download(order_id, "PEM", {"bundle": True}))
    leaf, chain = crypto.split_leaf_and_chain(list(reversed(certs)))
    assert crypto.parse_certificate(leaf)["common_name"] == "www.example.com"
    assert crypto.chain_problems(leaf, chain) == []
    assert crypto.chain_problems(leaf, []) != []
    assert crypto.chain_problems(leaf, [leaf]) != []


def test_download_retries_as_multipart_once_and_remembers_it(simulator_factory, tmp_path):
    """The one public client sends Download Cert as multipart form fields; a server taking only those
    answers our JSON body with HTTP 415. The module asks once more as multipart, and the next run (same
    API account, same token cache) asks multipart at once."""
    sim = simulator_factory(extra_args=("--download-encoding", "multipart"))
    order_id, key = issued_order(sim, "www.example.com", sans=["example.com"])
    key_path = write_key(tmp_path / "key.pem", key)
    first_dir, second_dir = tmp_path / "one", tmp_path / "two"
    first_dir.mkdir()
    second_dir.mkdir()
    mark = len(sim.log())
    first = download(sim, order_id=order_id, privatekey_path=key_path, **paths(first_dir))
    assert not first.failed, first
    statuses = [line.split()[3] for line in sim.log()[mark:] if "/download/" in line]
    assert statuses == ["415", "200"]
    mark = len(sim.log())
    second = download(sim, order_id=order_id, privatekey_path=key_path, **paths(second_dir))
    assert not second.failed, second
    assert [line.split()[3] for line in sim.log()[mark:] if "/download/" in line] == ["200"]
    assert (second_dir / "cert.pem").read_bytes() == (first_dir / "cert.pem").read_bytes()
