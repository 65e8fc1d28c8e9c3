# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The install record: webnic_ssl_cert_install keeps each file's SHA-256 and the certificate's facts in
the metadata file; webnic_ssl_deployed_info uses them, without parsing, only while every file it reads
holds exactly those bytes, and gives the same answer as the full check.

Real files, real module runs (in-process); the last test runs the module in a fresh Python process to
see what it imports.
"""

import datetime
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto, deployed
from ansible_collections.webnic.ssl.plugins.modules import webnic_ssl_deployed_info

from .runner import run_module
from .test_webnic_ssl_cert_install import METADATA, install, install_args, issue

FILES = {
    "certificate_path": "www.crt",
    "chain_path": "www.chain.pem",
    "fullchain_path": "www.fullchain.pem",
    "privatekey_path": "www.key",
    "combined_path": "www.pem",
}
NOW = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
# What may differ between an answer from the record and one from the files.
HOW = ("unchanged_since_install", "_stdout")


@pytest.fixture
def host(tmp_path):
    """A certificate installed by webnic_ssl_cert_install: its directory and the deployed_info options."""
    tls = tmp_path / "tls"
    material = issue()
    assert not install(install_args(tls, material)).failed
    options = {option: str(tls / name) for option, name in FILES.items()}
    options.update(metadata_path=str(tls / "www.webnic.json"), common_name="www.example.com", api_endpoint="production")
    return {"dir": tls, "material": material, "options": options}


def info(**options):
    return run_module(webnic_ssl_deployed_info, options)


def full_check(host, **extra):
    """The answer of the full check: the same files, with the record taken out of the metadata file."""
    meta = host["dir"] / "www.webnic.json"
    saved = meta.read_bytes()
    record = json.loads(saved)
    record.pop("stamp")
    meta.write_text(json.dumps(record))
    try:
        answer = info(**dict(host["options"], **extra))
    finally:
        meta.write_bytes(saved)
    assert answer["unchanged_since_install"] is False
    return answer


def without(answer, keys=HOW):
    return {k: v for k, v in answer.items() if k not in keys}


def record_of(host):
    return json.loads((host["dir"] / "www.webnic.json").read_text())["stamp"]


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"remaining_days": 200},  # due by the renewal rule: the rule is applied to the recorded facts
        {"subject_alt_names": ["shop.example.com"]},  # names differ
        {"renew_issued_before": NOW},
        {"api_endpoint": "ote"},
    ],
    ids=["fresh", "inside-window", "names-differ", "issued-before", "other-endpoint"],
)
def test_the_record_gives_the_answer_of_the_full_check(host, extra, monkeypatch):
    expected = full_check(host, **extra)

    # From here on, parsing would fail the test: the answer must come from the record alone.
    def no_parsing():
        raise AssertionError("the files were parsed although they hold the recorded bytes")

    monkeypatch.setattr(deployed, "_crypto", no_parsing)
    answer = info(**dict(host["options"], **extra))

    assert not answer.failed, answer
    assert answer["unchanged_since_install"] is True
    assert without(answer, (*HOW, "days_remaining")) == without(expected, (*HOW, "days_remaining"))
    assert abs(answer["days_remaining"] - expected["days_remaining"]) <= 1
    # Each case is meaningful: due by the rule, or (other endpoint) refused by the role.
    assert answer["due"] or extra in ({}, {"api_endpoint": "ote"})
    assert answer["endpoint_mismatch"] is (extra == {"api_endpoint": "ote"})
    assert "stamp" not in answer["metadata"], "the record stays on the host"
    assert answer["metadata"] == METADATA


def test_the_fresh_answer_from_the_record_is_not_due(host):
    answer = info(**host["options"])
    assert (answer["unchanged_since_install"], answer["due"], answer["key_matches"]) == (True, False, True)
    assert answer["names"] == ["www.example.com"]
    assert 88 <= answer["days_remaining"] <= 90


def _other_key_pem():
    return crypto.serialize_private_key(crypto.generate_private_key("EC-P256"))


@pytest.mark.parametrize(
    "option, change, reason",
    [
        ("certificate_path", lambda h: issue()["certificate"].encode(), "key does not match"),
        ("privatekey_path", lambda h: _other_key_pem(), "key does not match"),
        ("fullchain_path", lambda h: issue()["fullchain"].encode(), "holds another certificate"),
        ("chain_path", lambda h: issue()["chain"].encode(), "holds another chain"),
        ("combined_path", lambda h: h["material"]["fullchain"].encode() + _other_key_pem(), "key does not match"),
        # One byte more: the same certificate still, but not the recorded bytes; the full check finds it good.
        ("chain_path", lambda h: h["material"]["chain"].encode() + b"\n", None),
    ],
    ids=["certificate", "key", "fullchain", "chain", "combined", "one-byte"],
)
def test_any_changed_file_means_the_full_check(host, option, change, reason):
    path = host["options"][option]
    with open(path, "wb") as handle:
        handle.write(change(host))

    answer = info(**host["options"])

    assert answer["unchanged_since_install"] is False
    if reason is None:
        assert answer["due"] is False, answer["reasons"]
    else:
        assert answer["due"] is True
        assert any(reason in r for r in answer["reasons"]), answer["reasons"]


def test_a_lost_file_means_the_full_check(host):
    os.unlink(host["options"]["fullchain_path"])
    answer = info(**host["options"])
    assert answer["unchanged_since_install"] is False
    assert answer["reasons"] == ["%s missing" % host["options"]["fullchain_path"]]


@pytest.mark.parametrize(
    "options",
    [
        # A file the record does not cover, or a recorded file not asked for: not the files checked at install.
        lambda o: {k: v for k, v in o.items() if k != "combined_path"},
        lambda o: dict(o, chain_path=o["chain_path"] + ".other"),
        lambda o: dict(o, privatekey_passphrase="secret"),
    ],
    ids=["fewer-files", "other-path", "passphrase"],
)
def test_other_options_than_at_install_mean_the_full_check(host, options):
    # The same bytes under another name: the record is for the paths installed.
    (host["dir"] / "www.chain.pem.other").write_bytes((host["dir"] / "www.chain.pem").read_bytes())
    answer = info(**options(host["options"]))
    assert answer["unchanged_since_install"] is False


@pytest.mark.parametrize(
    "forge",
    [
        lambda r: r.update(version=2),
        lambda r: r["files"]["certificate_path"].update(sha256="0" * 64),
        lambda r: r["facts"].update(not_after="next year"),
        lambda r: r["facts"].update(names="www.example.com"),
        lambda r: r.pop("facts"),
        lambda r: r.update(files=[]),
    ],
    ids=["version", "sha256", "time", "names", "no-facts", "files-list"],
)
def test_a_record_not_as_written_at_install_means_the_full_check(host, forge):
    meta = host["dir"] / "www.webnic.json"
    data = json.loads(meta.read_text())
    forge(data["stamp"])
    meta.write_text(json.dumps(data))

    answer = info(**host["options"])

    assert not answer.failed, answer
    assert answer["unchanged_since_install"] is False
    assert answer["due"] is False


def test_install_writes_its_own_record_never_one_given_in_metadata(tmp_path):
    tls = tmp_path / "tls"
    forged = {"version": 1, "files": {}, "facts": {"not_after": "2999-01-01T00:00:00Z"}}
    assert not install(install_args(tls, issue(), metadata=dict(METADATA, stamp=forged))).failed
    record = json.loads((tls / "www.webnic.json").read_text())["stamp"]
    assert record != forged
    assert sorted(record["files"]) == sorted(FILES)


def test_no_record_for_files_that_would_not_serve(tmp_path):
    # verify=false lets a chain of another CA through; the record is kept only for files that pass the check.
    tls = tmp_path / "tls"
    material = dict(issue(), chain=issue()["chain"])
    assert not install(install_args(tls, material, verify=False)).failed
    assert "stamp" not in json.loads((tls / "www.webnic.json").read_text())
    options = {option: str(tls / name) for option, name in FILES.items()}
    answer = info(metadata_path=str(tls / "www.webnic.json"), **options)
    assert answer["unchanged_since_install"] is False
    assert any("holds another chain" in r for r in answer["reasons"])


def test_check_mode_install_records_what_it_would_write(tmp_path):
    tls = tmp_path / "tls"
    material = issue()
    predicted = install(install_args(tls, material), check_mode=True, diff=True)
    assert not (tls / "www.webnic.json").exists()
    install(install_args(tls, material))
    written = (tls / "www.webnic.json").read_text()
    metadata_diff = [d for d in predicted["diff"] if d["after_header"].endswith("www.webnic.json")]
    assert metadata_diff[0]["after"] == written


RUN_IN_FRESH_PROCESS = """
import json, sys
from ansible.module_utils.testing import patch_module_args
from ansible_collections.webnic.ssl.plugins.modules import webnic_ssl_deployed_info
with patch_module_args(json.loads(sys.argv[1])):
    try:
        webnic_ssl_deployed_info.main()
    except SystemExit:
        pass
sys.stderr.write("CRYPTOGRAPHY_IMPORTED=%s\\n" % ("cryptography" in sys.modules))
"""


def run_fresh(options, hide_cryptography=False):
    script = RUN_IN_FRESH_PROCESS
    if hide_cryptography:  # as on a host without the package
        script = "import sys; sys.modules['cryptography'] = None\n" + script
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(options)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    return json.loads(done.stdout), done.stderr


def test_an_unchanged_host_is_checked_without_importing_cryptography(host):
    answer, stderr = run_fresh(host["options"])
    assert answer["unchanged_since_install"] is True and answer["due"] is False, answer
    assert "CRYPTOGRAPHY_IMPORTED=False" in stderr

    # Without the package at all: the record still answers; a changed file needs it, and says so.
    answer = run_fresh(host["options"], hide_cryptography=True)[0]
    assert answer["unchanged_since_install"] is True and answer["due"] is False, answer
    (host["dir"] / "www.chain.pem").write_bytes(host["material"]["chain"].encode() + b"\n")
    answer, stderr = run_fresh(host["options"], hide_cryptography=True)
    assert answer.get("failed") is True
    assert "cryptography" in answer["msg"]
    answer, stderr = run_fresh(host["options"])
    assert answer["unchanged_since_install"] is False and answer["due"] is False
    assert "CRYPTOGRAPHY_IMPORTED=True" in stderr
