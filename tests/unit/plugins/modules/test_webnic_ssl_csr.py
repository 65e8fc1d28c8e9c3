# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""webnic_ssl_csr: local key and CSR, idempotency, check/diff mode, bad input, and the API parts
(decode, provider=api, product rules) against the simulator."""

import os
import re
import shutil
import stat
import subprocess

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto
from ansible_collections.webnic.ssl.plugins.modules import webnic_ssl_csr

from .runner import connection_args, run_module

OPENSSL = shutil.which("openssl")
PASSPHRASE = "correct horse battery staple"


def run(args, **kwargs):
    return run_module(webnic_ssl_csr, args, **kwargs)


@pytest.fixture
def paths(tmp_path):
    return {"privatekey_path": str(tmp_path / "www.key"), "csr_path": str(tmp_path / "www.csr")}


def base_args(paths, **extra):
    args = dict(paths, common_name="www.example.com", subject_alt_names=["example.com"])
    args.update(extra)
    return args


def snapshot(directory):
    """Name -> (bytes, mtime_ns, mode) of every file in ``directory``."""
    result = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        st = os.stat(path)
        with open(path, "rb") as handle:
            result[name] = (handle.read(), st.st_mtime_ns, stat.S_IMODE(st.st_mode))
    return result


def key_material(path):
    """Lines of the key file that would betray it if they showed up anywhere."""
    with open(path) as handle:
        return [line for line in handle.read().splitlines() if line and not line.startswith("-----")]


def assert_no_key_material(result, key_path, passphrase=None):
    text = result["_stdout"] + repr({k: v for k, v in result.items() if k != "_stdout"})
    assert "PRIVATE KEY" not in text
    for line in key_material(key_path):
        assert line not in text
    if passphrase:
        assert passphrase not in text


# ----------------------------------------------------------------------------- local generation


@pytest.mark.skipif(OPENSSL is None, reason="needs the openssl binary")
def test_new_key_and_csr_verify_with_openssl_and_list_the_names(paths):
    result = run(
        base_args(paths, subject_alt_names=["Example.com", "bücher.example.com", "WWW.example.com."], country="MY")
    )
    assert not result.failed, result.get("msg")
    assert result["changed"] is True
    assert result["subject_alt_names"] == ["www.example.com", "example.com", "xn--bcher-kva.example.com"]
    verify = subprocess.run(
        [OPENSSL, "req", "-verify", "-noout", "-in", paths["csr_path"]], capture_output=True, text=True, check=False
    )
    assert verify.returncode == 0, verify.stderr
    text = subprocess.run(
        [OPENSSL, "req", "-text", "-noout", "-in", paths["csr_path"]], capture_output=True, text=True, check=False
    ).stdout
    assert "DNS:www.example.com, DNS:example.com, DNS:xn--bcher-kva.example.com" in text
    assert re.search(r"Subject: C\s*=\s*MY, CN\s*=\s*www.example.com", text)
    with open(paths["csr_path"]) as handle:
        assert handle.read() == result["csr"]


def test_key_is_0600_and_never_in_the_output(paths):
    result = run(base_args(paths, privatekey_passphrase=PASSPHRASE), diff=True)
    assert not result.failed, result.get("msg")
    assert stat.S_IMODE(os.stat(paths["privatekey_path"]).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(paths["csr_path"]).st_mode) == 0o644
    assert_no_key_material(result, paths["privatekey_path"], PASSPHRASE)
    with open(paths["privatekey_path"], "rb") as handle:
        key = crypto.load_private_key(handle.read(), PASSPHRASE)
    assert crypto.key_matches_csr(key, result["csr"])
    assert result["key_type"] == "RSA-2048"
    assert result["public_key_fingerprint"] == crypto.public_key_fingerprint(key)


@pytest.mark.parametrize("key_type", ["RSA-2048", "EC-P256", "EC-P384"])
def test_rerun_changes_nothing(paths, tmp_path, key_type):
    args = base_args(paths, key_type=key_type, organization="Example Sdn Bhd")
    first = run(args)
    assert first["changed"] is True
    before = snapshot(str(tmp_path))
    second = run(args)
    assert not second.failed, second.get("msg")
    assert second["changed"] is False
    assert second["changed_reasons"] == []
    assert second["csr"] == first["csr"]
    assert second["api_calls"] == 0
    assert snapshot(str(tmp_path)) == before  # same bytes, same mtime, same mode


def test_check_mode_on_an_empty_directory_writes_nothing(paths, tmp_path):
    result = run(base_args(paths), check_mode=True, diff=True)
    assert not result.failed, result.get("msg")
    assert result["changed"] is True
    assert result["csr"] is None
    assert os.listdir(str(tmp_path)) == []
    assert result["diff"]["after"]["subject_alt_names"] == ["example.com", "www.example.com"]


def test_check_mode_reports_a_names_change_without_writing(paths, tmp_path):
    run(base_args(paths))
    before = snapshot(str(tmp_path))
    result = run(base_args(paths, subject_alt_names=["example.com", "shop.example.com"]), check_mode=True)
    assert result["changed"] is True
    assert any("missing shop.example.com" in reason for reason in result["changed_reasons"])
    assert snapshot(str(tmp_path)) == before


def test_names_change_rewrites_the_csr_and_keeps_the_key(paths):
    run(base_args(paths))
    with open(paths["privatekey_path"], "rb") as handle:
        key_before = handle.read()
    result = run(base_args(paths, subject_alt_names=["shop.example.com"]), diff=True)
    assert result["changed"] is True
    assert result["changed_reasons"] == [
        "%s: CSR names differ (missing shop.example.com; extra example.com)" % paths["csr_path"]
    ]
    with open(paths["privatekey_path"], "rb") as handle:
        assert handle.read() == key_before
    assert result["diff"]["before"]["subject_alt_names"] == ["example.com", "www.example.com"]
    assert result["diff"]["after"]["subject_alt_names"] == ["shop.example.com", "www.example.com"]


def test_subject_change_rewrites_the_csr_and_backup_keeps_the_old_one(paths, tmp_path):
    first = run(base_args(paths))
    result = run(base_args(paths, organization="Example Sdn Bhd", backup=True))
    assert result["changed"] is True
    assert "CSR subject differs (organization)" in result["changed_reasons"][0]
    with open(result["backup_file"]) as handle:
        assert handle.read() == first["csr"]
    assert "privatekey_backup_file" not in result


def test_force_on_an_rsa_key_gives_the_same_bytes_and_no_change(paths):
    run(base_args(paths))
    result = run(base_args(paths, force=True))
    assert result["changed"] is False


def test_force_on_an_ec_key_rewrites_the_csr(paths):
    first = run(base_args(paths, key_type="EC-P256"))
    result = run(base_args(paths, key_type="EC-P256", force=True))
    assert result["changed"] is True
    assert result["changed_reasons"] == ["%s: force=true" % paths["csr_path"]]
    assert result["csr"] != first["csr"]


def test_wrong_key_mode_is_fixed_and_reported(paths):
    run(base_args(paths))
    os.chmod(paths["privatekey_path"], 0o644)
    result = run(base_args(paths))
    assert result["changed"] is True
    assert result["changed_reasons"] == ["%s: mode 0644 -> 0600" % paths["privatekey_path"]]
    assert stat.S_IMODE(os.stat(paths["privatekey_path"]).st_mode) == 0o600


def test_pipe_style_with_key_content_and_no_files(tmp_path):
    key_pem = crypto.serialize_private_key(crypto.generate_private_key("EC-P256")).decode()
    result = run({"common_name": "pipe.example.com", "privatekey_content": key_pem})
    assert not result.failed, result.get("msg")
    assert result["changed"] is False
    assert crypto.parse_csr(result["csr"])["subject_alt_names"] == ["pipe.example.com"]
    assert "PRIVATE KEY" not in result["_stdout"]
    assert os.listdir(str(tmp_path)) == []


# ------------------------------------------------------------------------------------ regenerate


@pytest.fixture
def rsa_key_on_disk(paths):
    run(base_args(paths))
    with open(paths["privatekey_path"], "rb") as handle:
        return handle.read()


def test_regenerate_fail_refuses_a_key_of_another_type(paths, tmp_path, rsa_key_on_disk):
    before = snapshot(str(tmp_path))
    result = run(base_args(paths, key_type="EC-P256"))
    assert result.failed
    assert result["msg"].startswith("privatekey_path: the existing key is RSA-2048 but key_type is EC-P256.")
    assert "regenerate: partial_idempotence" in result["msg"]
    assert snapshot(str(tmp_path)) == before


def test_regenerate_never_keeps_a_key_of_another_type(paths, rsa_key_on_disk):
    result = run(base_args(paths, key_type="EC-P256", regenerate="never"))
    assert result["changed"] is False
    assert result["key_type"] == "RSA-2048"


def test_regenerate_partial_replaces_a_key_of_another_type(paths, rsa_key_on_disk):
    result = run(base_args(paths, key_type="EC-P256", regenerate="partial_idempotence", backup=True))
    assert result["changed"] is True
    assert result["key_type"] == "EC-P256"
    assert result["changed_reasons"] == [
        "%s: existing private key is RSA-2048, key_type asks for EC-P256" % paths["privatekey_path"],
        "%s: CSR was made for another key" % paths["csr_path"],
    ]
    with open(result["privatekey_backup_file"], "rb") as handle:
        assert handle.read() == rsa_key_on_disk
    assert stat.S_IMODE(os.stat(result["privatekey_backup_file"]).st_mode) == 0o600
    assert_no_key_material(result, paths["privatekey_path"])


def test_regenerate_always_makes_a_new_key_each_run(paths, rsa_key_on_disk):
    result = run(base_args(paths, regenerate="always"))
    assert result["changed"] is True
    with open(paths["privatekey_path"], "rb") as handle:
        assert handle.read() != rsa_key_on_disk


def test_wrong_passphrase_fails_naming_the_passphrase(paths, tmp_path):
    run(base_args(paths, privatekey_passphrase=PASSPHRASE))
    before = snapshot(str(tmp_path))
    result = run(base_args(paths, privatekey_passphrase="wrong"))
    assert result.failed
    assert result["msg"].startswith("privatekey_passphrase: the passphrase does not decrypt the private key.")
    assert "wrong" not in result["_stdout"].replace("VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", "")
    assert snapshot(str(tmp_path)) == before


def test_full_idempotence_replaces_an_unreadable_key(paths):
    run(base_args(paths, privatekey_passphrase=PASSPHRASE))
    result = run(base_args(paths, regenerate="full_idempotence"))
    assert result["changed"] is True
    assert "cannot be read" in result["changed_reasons"][0]


# ------------------------------------------------------------------------------------- bad input


def _write(path, data):
    with open(path, "wb") as handle:
        handle.write(data)


BAD_INPUT = [
    ({"common_name": "bad_name.example.com"}, "common_name: 'bad_name.example.com' has the label"),
    ({"common_name": "localhost"}, "common_name: 'localhost' is not a fully qualified domain name"),
    (
        {"subject_alt_names": ["ok.example.com", "www.*.example.com"]},
        "subject_alt_names[1]: 'www.*.example.com' has a wildcard in the wrong place",
    ),
    ({"common_name": "*.com"}, "common_name: '*.com' is a wildcard directly under a top-level domain"),
    ({"country": "Malaysia"}, "country: 'Malaysia' is not a two-letter ISO 3166 country code"),
    ({"privatekey_mode": "u=rw"}, "privatekey_mode: 'u=rw' is not an octal mode"),
    ({"owner": "no-such-user-xyz"}, "owner: 'no-such-user-xyz' does not exist on this host"),
]


@pytest.mark.parametrize("extra, message", BAD_INPUT)
def test_bad_input_fails_naming_the_field_and_writes_nothing(paths, tmp_path, extra, message):
    result = run(base_args(paths, **extra))
    assert result.failed
    assert result["msg"].startswith(message), result["msg"]
    assert result["field"] == message.split(":")[0]
    assert os.listdir(str(tmp_path)) == []


def test_a_csr_file_that_is_not_a_csr_is_refused_unless_forced(paths, tmp_path):
    _write(paths["csr_path"], b"hello, I am not a CSR\n")
    result = run(base_args(paths))
    assert result.failed
    assert result["msg"].startswith("csr_path: %s is not a certificate signing request" % paths["csr_path"])
    assert "force: true" in result["msg"]
    assert os.listdir(str(tmp_path)) == ["www.csr"]
    forced = run(base_args(paths, force=True))
    assert forced["changed"] is True
    assert crypto.parse_csr(forced["csr"])["common_name"] == "www.example.com"


def test_a_key_that_does_not_match_the_csr_is_refused(paths, tmp_path):
    run(base_args(paths))
    other_key = crypto.serialize_private_key(crypto.generate_private_key("RSA-2048"))
    _write(paths["privatekey_path"], other_key)
    os.chmod(paths["privatekey_path"], 0o600)
    before = snapshot(str(tmp_path))
    result = run(base_args(paths))
    assert result.failed
    assert result["msg"].startswith(
        "csr_path: the CSR at %s was made for another key than %s" % (paths["csr_path"], paths["privatekey_path"])
    )
    assert snapshot(str(tmp_path)) == before


def test_a_key_file_that_is_not_a_key_is_refused(paths, tmp_path):
    _write(paths["privatekey_path"], b"not a key")
    result = run(base_args(paths))
    assert result.failed
    assert result["msg"].startswith("privatekey_path: the file is not a private key")
    assert os.listdir(str(tmp_path)) == ["www.key"]


def test_a_missing_directory_is_named_before_anything_is_written(tmp_path):
    result = run(base_args({"privatekey_path": str(tmp_path / "k.key"), "csr_path": str(tmp_path / "nope" / "c.csr")}))
    assert result.failed
    assert result["msg"].startswith("csr_path: the directory %s does not exist." % (tmp_path / "nope"))
    assert os.listdir(str(tmp_path)) == []


def test_a_wrong_csr_mode_is_fixed_and_reported(paths):
    run(base_args(paths))
    os.chmod(paths["csr_path"], 0o600)
    result = run(base_args(paths))
    assert result["changed_reasons"] == ["%s: mode 0600 -> 0644" % paths["csr_path"]]


# ------------------------------------------------------------------------------ against the API


@pytest.mark.simulator
def test_decode_returns_webnic_parse_and_agrees_with_the_local_one(simulator, paths):
    result = run(connection_args(simulator, **base_args(paths, organization="Example Sdn Bhd", decode=True)))
    assert not result.failed, result.get("msg")
    decoded = result["decoded"]
    assert decoded["mismatches"] == []
    assert decoded["api"]["commonName"] == "www.example.com"
    assert sorted(decoded["api"]["sans"]) == ["example.com", "www.example.com"]
    assert decoded["local"]["key_type"] == "RSA-2048"
    assert result["api_calls"] >= 1
    assert "warnings" not in result


@pytest.mark.simulator
def test_provider_api_writes_the_returned_key_privately_and_reruns_without_calls(simulator, paths, tmp_path):
    args = connection_args(
        simulator, **base_args(paths, provider="api", key_type="EC-P256", privatekey_passphrase=PASSPHRASE)
    )
    check = run(args, check_mode=True)
    assert check["changed"] is True
    assert os.listdir(str(tmp_path / "")) == ["webnic_sim"]
    assert simulator.stats()["total"] == 0  # check mode never asks WebNIC for a key

    result = run(args)
    assert not result.failed, result.get("msg")
    assert result["provider"] == "api"
    assert result["key_type"] == "EC-P256"
    assert stat.S_IMODE(os.stat(paths["privatekey_path"]).st_mode) == 0o600
    assert_no_key_material(result, paths["privatekey_path"], PASSPHRASE)
    with open(paths["privatekey_path"], "rb") as handle:
        key = crypto.load_private_key(handle.read(), PASSPHRASE)
    assert crypto.key_matches_csr(key, result["csr"])
    assert crypto.parse_csr(result["csr"])["subject_alt_names"] == ["www.example.com", "example.com"]

    assert sum(simulator.stats()["calls"].values()) == 2, simulator.stats()  # token + Generate CSR
    again = run(args)
    assert again["changed"] is False
    assert again["api_calls"] == 0


@pytest.mark.simulator
@pytest.mark.parametrize(
    "product, extra, field",
    [
        ("rapidssl", {}, "subject_alt_names"),  # no SANs besides the free companion
        ("rapidssl", {"subject_alt_names": ["shop.example.com"]}, "subject_alt_names"),
        ("ssl123", {"common_name": "*.example.com", "subject_alt_names": []}, "common_name"),
        ("rapidssl-wildcard", {"subject_alt_names": []}, "common_name"),
        ("geotrust-ev", {"key_type": "EC-P256"}, "key_type"),
        (
            "ssl123",
            {
                "subject_alt_names": [
                    "a.example.com",
                    "b.example.com",
                    "c.example.com",
                    "d.example.com",
                    "e.example.com",
                ]
            },
            "subject_alt_names",
        ),
    ],
)
def test_product_rules_refuse_what_the_product_cannot_take(simulator, paths, tmp_path, product, extra, field):
    args = connection_args(simulator, **base_args(paths, product_key=product, **extra))
    if product == "rapidssl" and not extra:
        args["subject_alt_names"] = ["example.com", "shop.example.com"]
    result = run(args)
    assert result.failed
    assert result["msg"].startswith(field + ":"), result["msg"]
    assert not os.path.exists(paths["privatekey_path"])
    assert not os.path.exists(paths["csr_path"])


@pytest.mark.simulator
def test_product_rules_accept_a_fitting_request(simulator_extended, paths):
    # example.com is the free companion: only the extended rules say so (freeCompanionSan).
    result = run(connection_args(simulator_extended, **base_args(paths, product_key="rapidssl")))
    assert not result.failed, result.get("msg")
    assert result["product_rules"]["productKey"] == "rapidssl"


@pytest.mark.simulator
def test_documented_rules_count_the_companion_as_a_name(simulator, paths):
    # The documented rules say nothing of a free companion: a single-name product refuses it before any key
    # is written, with the field and the fix (webnic_ssl_api_check reports this as companion_san).
    result = run(connection_args(simulator, **base_args(paths, product_key="rapidssl")))
    assert result.failed
    assert result["msg"].startswith("subject_alt_names: product rapidssl takes no names besides the common name")
    assert not os.path.exists(paths["privatekey_path"])


def test_key_content_of_another_type_names_key_type(tmp_path):
    key_pem = crypto.serialize_private_key(crypto.generate_private_key("EC-P256")).decode()
    result = run({"common_name": "pipe.example.com", "privatekey_content": key_pem, "key_type": "RSA-2048"})
    assert result.failed
    assert result["msg"].startswith("key_type: privatekey_content is a EC-P256 key but key_type is RSA-2048.")
    assert "PRIVATE KEY" not in result["_stdout"]


def test_a_symlinked_csr_is_refused_and_its_target_untouched(paths, tmp_path):
    target = tmp_path / "live"
    target.mkdir()
    os.symlink(str(target / "www.csr"), paths["csr_path"])
    (target / "www.csr").write_text("old")
    result = run(base_args(paths))
    assert result.failed
    assert result["msg"].startswith("csr_path: %s is a symbolic link" % paths["csr_path"]), result["msg"]
    assert os.path.islink(paths["csr_path"])
    assert (target / "www.csr").read_text() == "old"


def test_key_and_csr_at_the_same_path_are_refused_before_writing(paths):
    args = base_args(paths)
    args["csr_path"] = args["privatekey_path"]
    result = run(args)
    assert result.failed
    assert result["msg"].startswith(
        "csr_path: %s is the same file as privatekey_path (%s)." % (args["csr_path"], args["privatekey_path"])
    ), result["msg"]
    assert "Give privatekey_path and csr_path different paths" in result["msg"]
    assert not os.path.exists(args["privatekey_path"])
