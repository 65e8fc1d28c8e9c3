# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""webnic_ssl_cert_install: the one-step deployment on a managed host. No API, so no simulator: real
files in tmp_path, real keys and certificates from a throwaway CA."""

import datetime
import hashlib
import json
import os
import re
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto, files
from ansible_collections.webnic.ssl.plugins.modules import webnic_ssl_cert_install

from .runner import run_module

UTC = datetime.timezone.utc
METADATA = {
    "order_id": "10001",
    "api_endpoint": "production",
    "product_key": "ssl123",
    "common_name": "www.example.com",
    "subject_alt_names": ["example.com"],
    "deployed_at": "2026-01-01T00:00:00Z",
}
# What the role's `{{ metadata | to_nice_json(sort_keys=true) }}\n` wrote for METADATA (ansible-core 2.19),
# spelled out: importing ansible.plugins.filter here sets ansible.module_utils._internal.is_controller, and
# every later in-process module run of the session would send its warnings to Display, not its result.
METADATA_JSON = """{
    "api_endpoint": "production",
    "common_name": "www.example.com",
    "deployed_at": "2026-01-01T00:00:00Z",
    "order_id": "10001",
    "product_key": "ssl123",
    "subject_alt_names": [
        "example.com"
    ]
}
"""


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def issue(key=None, cn="www.example.com"):
    """A leaf for ``key`` (a new EC key when None) from a fresh intermediate: dict of PEM text."""
    now = datetime.datetime.now(UTC)
    ca_key = crypto.generate_private_key("EC-P256")
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Test Intermediate"))
        .issuer_name(_name("Test Root"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=10))
        .not_valid_after(now + datetime.timedelta(days=1000))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = key or crypto.generate_private_key("EC-P256")
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    certificate = crypto.certificate_pem(leaf).decode()
    chain = crypto.certificate_pem(ca).decode()
    return {
        "certificate": certificate,
        "chain": chain,
        "fullchain": certificate + chain,
        "privatekey": crypto.serialize_private_key(key).decode(),
    }


def key_lines(pem):
    """The base64 lines of a private key PEM: none of them may appear in any output."""
    return [line for line in pem.splitlines() if len(line) >= 16 and "-----" not in line]


def mode_of(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


@pytest.fixture
def material():
    return issue()


@pytest.fixture
def tls_dir(tmp_path):
    """Where the files go: two levels that do not exist yet."""
    return tmp_path / "etc" / "tls"


def install_args(tls_dir, material, **extra):
    args = {
        "certificate_path": str(tls_dir / "www.crt"),
        "certificate": material["certificate"],
        "chain_path": str(tls_dir / "www.chain.pem"),
        "chain": material["chain"],
        "fullchain_path": str(tls_dir / "www.fullchain.pem"),
        "fullchain": material["fullchain"],
        "privatekey_path": str(tls_dir / "www.key"),
        "privatekey": material["privatekey"],
        "combined_path": str(tls_dir / "www.pem"),
        "metadata_path": str(tls_dir / "www.webnic.json"),
        "metadata": dict(METADATA),
    }
    args.update(extra)
    return {k: v for k, v in args.items() if v is not None}


def install(args, check_mode=False, diff=False):
    return run_module(webnic_ssl_cert_install, args, check_mode=check_mode, diff=diff)


def tree(root):
    """{relative path: (bytes, mode)} of every file and directory under ``root``."""
    state = {}
    if not root.exists():
        return state
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        state[rel] = (path.read_bytes() if path.is_file() else None, mode_of(path))
    return state


def assert_no_key_material(result, *pems):
    text = json.dumps(result)
    for pem in pems:
        for line in key_lines(pem):
            assert line not in text, "private key material in the result"
    assert "PRIVATE KEY" not in text


def test_first_install_writes_every_file_with_its_mode(tls_dir, material):
    result = install(install_args(tls_dir, material))

    assert not result.failed, result
    assert result["changed"] is True
    assert result["certificate_changed"] is True
    assert [(f["kind"], f["dest"], f["changed"]) for f in result["files"]] == [
        ("certificate", str(tls_dir / "www.crt"), True),
        ("chain", str(tls_dir / "www.chain.pem"), True),
        ("fullchain", str(tls_dir / "www.fullchain.pem"), True),
        ("privatekey", str(tls_dir / "www.key"), True),
        ("combined", str(tls_dir / "www.pem"), True),
        ("metadata", str(tls_dir / "www.webnic.json"), True),
    ]
    assert not any("backup_file" in f for f in result["files"]), "new files have nothing to back up"
    assert result["removed"] == []
    assert (tls_dir / "www.crt").read_text() == material["certificate"]
    assert (tls_dir / "www.chain.pem").read_text() == material["chain"]
    assert (tls_dir / "www.fullchain.pem").read_text() == material["fullchain"]
    assert (tls_dir / "www.key").read_text() == material["privatekey"]
    assert (tls_dir / "www.pem").read_text() == material["fullchain"] + material["privatekey"]
    # The metadata file is O(metadata) as to_nice_json(sort_keys=true) writes it, plus the install record.
    written = (tls_dir / "www.webnic.json").read_text()
    stamp = json.loads(written).pop("stamp")
    assert json.dumps(METADATA, indent=4, sort_keys=True, separators=(",", ": ")) + "\n" == METADATA_JSON
    assert written == json.dumps(dict(METADATA, stamp=stamp), indent=4, sort_keys=True, separators=(",", ": ")) + "\n"
    assert stamp["version"] == 1
    assert stamp["files"] == {
        option: {"path": str(tls_dir / name), "sha256": hashlib.sha256((tls_dir / name).read_bytes()).hexdigest()}
        for option, name in (
            ("certificate_path", "www.crt"),
            ("chain_path", "www.chain.pem"),
            ("fullchain_path", "www.fullchain.pem"),
            ("privatekey_path", "www.key"),
            ("combined_path", "www.pem"),
        )
    }
    leaf = x509.load_pem_x509_certificate(material["certificate"].encode())
    assert stamp["facts"]["serial"] == "%x" % leaf.serial_number
    assert stamp["facts"]["not_after"] == leaf.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "PRIVATE" not in written
    assert {name: mode_of(tls_dir / name) for name in os.listdir(str(tls_dir))} == {
        "www.crt": 0o644,
        "www.chain.pem": 0o644,
        "www.fullchain.pem": 0o644,
        "www.key": 0o600,
        "www.pem": 0o600,
        "www.webnic.json": 0o644,
    }
    assert result["changed_reasons"][:2] == [
        "directory %s: created (mode 0755)" % tls_dir.parent,
        "directory %s: created (mode 0755)" % tls_dir,
    ]
    assert "%s: created" % (tls_dir / "www.key") in result["changed_reasons"]


def test_parent_directories_are_created_with_directory_mode(tls_dir, material):
    result = install(install_args(tls_dir, material, directory_mode="0750"))
    assert not result.failed, result
    assert mode_of(tls_dir) == 0o750
    assert mode_of(tls_dir.parent) == 0o750


def test_existing_directories_are_left_alone(tls_dir, material):
    tls_dir.mkdir(parents=True, mode=0o711)
    os.chmod(str(tls_dir), 0o711)
    result = install(install_args(tls_dir, material))
    assert not result.failed, result
    assert mode_of(tls_dir) == 0o711
    assert not any(r.startswith("directory") for r in result["changed_reasons"])


def test_pem_is_written_ending_in_exactly_one_newline(tls_dir, material):
    bare = material["certificate"].rstrip("\n")
    result = install(
        {
            "certificate_path": str(tls_dir / "a.crt"),
            "certificate": bare,
            "chain_path": str(tls_dir / "chain.pem"),
            "chain": material["chain"] + "\n\n",
        }
    )
    assert not result.failed, result
    assert (tls_dir / "a.crt").read_text() == bare + "\n"
    assert (tls_dir / "chain.pem").read_text() == material["chain"]
    # Given with a newline this time: the same bytes, so no change.
    again = install(
        {
            "certificate_path": str(tls_dir / "a.crt"),
            "certificate": bare + "\n",
            "chain_path": str(tls_dir / "chain.pem"),
            "chain": material["chain"],
        }
    )
    assert again["changed"] is False


def test_second_identical_run_changes_nothing(tls_dir, material):
    args = install_args(tls_dir, material, remove=[str(tls_dir / "www.key.pending")])
    assert install(args)["changed"] is True
    before = tree(tls_dir.parent)

    result = install(args)

    assert not result.failed, result
    assert result["changed"] is False
    assert result["certificate_changed"] is False
    assert all(f["changed"] is False for f in result["files"])
    assert result["changed_reasons"] == []
    assert result["removed"] == []
    assert tree(tls_dir.parent) == before, "no file may be rewritten or backed up"


def test_new_certificate_is_backed_up_and_the_old_content_kept(tls_dir, material):
    install(install_args(tls_dir, material))
    renewed = issue()

    result = install(install_args(tls_dir, renewed))

    assert not result.failed, result
    assert result["certificate_changed"] is True
    by_kind = {f["kind"]: f for f in result["files"]}
    for kind, name in (("certificate", "www.crt"), ("fullchain", "www.fullchain.pem"), ("privatekey", "www.key")):
        entry = by_kind[kind]
        assert entry["changed"] is True
        assert entry["dest"] == str(tls_dir / name)
        backup = entry["backup_file"]
        assert backup.startswith(str(tls_dir / name) + ".")
        assert Path(backup).read_text() == material[kind], "the backup holds the previous %s" % kind
        assert (tls_dir / name).read_text() == renewed[kind]
    assert mode_of(by_kind["privatekey"]["backup_file"]) == 0o600, "a key's backup stays private"
    assert mode_of(by_kind["combined"]["backup_file"]) == 0o600
    # The metadata records the install of the new files (their SHA-256), so it changes with them.
    assert by_kind["metadata"]["changed"] is True
    assert (
        json.loads(Path(by_kind["metadata"]["backup_file"]).read_text())["stamp"]["facts"]["serial"]
        != (json.loads((tls_dir / "www.webnic.json").read_text())["stamp"]["facts"]["serial"])
    )
    assert "%s: new content" % (tls_dir / "www.crt") in result["changed_reasons"]


def test_backup_false_keeps_no_copy(tls_dir, material):
    install(install_args(tls_dir, material))
    result = install(install_args(tls_dir, issue(), backup=False))
    assert not any("backup_file" in f for f in result["files"])
    assert sorted(os.listdir(str(tls_dir))) == sorted(
        ["www.crt", "www.chain.pem", "www.fullchain.pem", "www.key", "www.pem", "www.webnic.json"]
    )


def test_metadata_change_alone_is_no_certificate_change(tls_dir, material):
    install(install_args(tls_dir, material))
    result = install(install_args(tls_dir, material, metadata=dict(METADATA, deployed_at="2026-02-01T00:00:00Z")))
    assert result["changed"] is True
    assert result["certificate_changed"] is False
    assert [f["kind"] for f in result["files"] if f["changed"]] == ["metadata"]
    assert json.loads((tls_dir / "www.webnic.json").read_text())["deployed_at"] == "2026-02-01T00:00:00Z"


def test_mode_drift_is_repaired_without_a_backup(tls_dir, material):
    install(install_args(tls_dir, material))
    os.chmod(str(tls_dir / "www.key"), 0o644)

    result = install(install_args(tls_dir, material))

    assert result["changed"] is True
    assert result["certificate_changed"] is True
    key = next(f for f in result["files"] if f["kind"] == "privatekey")
    assert key["changed"] is True and "backup_file" not in key
    assert result["changed_reasons"] == ["%s: mode 0644 -> 0600" % (tls_dir / "www.key")]
    assert mode_of(tls_dir / "www.key") == 0o600


def test_key_is_0600_whatever_mode_says(tls_dir, material):
    result = install(install_args(tls_dir, material, mode="0640"))
    assert not result.failed, result
    assert mode_of(tls_dir / "www.crt") == 0o640
    assert mode_of(tls_dir / "www.webnic.json") == 0o640
    assert mode_of(tls_dir / "www.key") == 0o600
    assert mode_of(tls_dir / "www.pem") == 0o600


def test_key_mode_0640_applies_to_key_and_combined_and_a_rerun_changes_only_the_mode(tls_dir, material):
    assert not install(install_args(tls_dir, material)).failed
    result = install(install_args(tls_dir, material, privatekey_mode="0640"))
    assert not result.failed, result
    assert mode_of(tls_dir / "www.key") == 0o640
    assert mode_of(tls_dir / "www.pem") == 0o640
    assert mode_of(tls_dir / "www.crt") == 0o644
    assert result["changed"] is True
    assert any("www.key: mode 0600 -> 0640" in reason for reason in result["changed_reasons"]), result
    assert not [f for f in result["files"] if f.get("backup_file")], "a mode change is not a new file"
    assert install(install_args(tls_dir, material, privatekey_mode="0640"))["changed"] is False


@pytest.mark.parametrize("mode", ["0644", "0604", "0700", "0750", "4640"])
def test_key_mode_that_lets_others_use_the_key_is_refused(tls_dir, material, mode):
    result = install(install_args(tls_dir, material, privatekey_mode=mode))
    assert result.failed
    assert result["msg"].startswith("privatekey_mode: %s would let others use the private key" % mode)
    assert not tls_dir.exists(), "nothing written"


def test_pkcs12_opens_with_its_password_matches_the_key_and_is_not_rewritten(tls_dir, material):
    p12 = tls_dir / "www.p12"
    args = install_args(tls_dir, material, pkcs12_path=str(p12), pkcs12_password="keystore-secret")
    result = install(args)
    assert not result.failed, result
    assert "keystore-secret" not in json.dumps(result)
    assert mode_of(p12) == 0o600
    loaded = crypto.load_pkcs12(p12.read_bytes(), "keystore-secret")
    assert loaded is not None
    key, cert, chain = loaded
    assert crypto.key_matches_certificate(key, cert)
    assert crypto.same_public_key(key, crypto.load_private_key(material["privatekey"].encode()))
    assert crypto.certificate_fingerprint(cert) == crypto.certificate_fingerprint(
        crypto.load_certificates(material["certificate"].encode())[0]
    )
    assert len(chain) == len(crypto.load_certificates(material["chain"].encode()))
    assert crypto.load_pkcs12(p12.read_bytes(), "wrong") is None
    before = p12.read_bytes()
    again = install(args)
    assert again["changed"] is False, again
    assert p12.read_bytes() == before, "salted output is not rebuilt when it holds the same key and certificate"
    # A new password is a new file.
    changed = install(dict(args, pkcs12_password="rotated"))
    assert changed["changed"] is True
    assert crypto.load_pkcs12(p12.read_bytes(), "rotated") is not None


def test_pkcs12_without_the_key_is_refused(tls_dir, material):
    args = install_args(tls_dir, material, pkcs12_path=str(tls_dir / "www.p12"), privatekey_path=None, privatekey=None)
    args.pop("combined_path")
    result = install(args)
    assert result.failed
    assert result["msg"].startswith("pkcs12_path: the PKCS#12 file holds the private key, but privatekey is not given")


def test_owner_and_group_apply_to_files_and_created_directories(tls_dir, material):
    if os.geteuid() != 0:
        pytest.skip("changing the owner needs root")
    result = install(install_args(tls_dir, material, owner="65534", group="65534"))
    assert not result.failed, result
    for path in [tls_dir.parent, tls_dir, *tls_dir.iterdir()]:
        st = os.stat(str(path))
        assert (st.st_uid, st.st_gid) == (65534, 65534), path


def test_key_mismatch_fails_and_writes_nothing(tls_dir, material):
    other = issue()
    args = install_args(tls_dir, material, privatekey=other["privatekey"])

    result = install(args)

    assert result.failed
    assert result["msg"].startswith("privatekey: is not the key of the certificate")
    assert "Give the key" in result["msg"]
    assert "Traceback" not in result["_stdout"]
    assert not tls_dir.parent.exists(), "not even a directory may be created"
    assert_no_key_material(result, other["privatekey"], material["privatekey"])


def test_key_mismatch_leaves_an_existing_install_untouched(tls_dir, material):
    install(install_args(tls_dir, material))
    before = tree(tls_dir)
    renewed = issue()
    result = install(install_args(tls_dir, renewed, privatekey=material["privatekey"]))
    assert result.failed
    assert result["msg"].startswith("privatekey:")
    assert tree(tls_dir) == before


def test_fullchain_must_start_with_the_certificate(tls_dir, material):
    result = install(install_args(tls_dir, material, fullchain=material["chain"] + material["certificate"]))
    assert result.failed
    assert result["msg"].startswith("fullchain: does not start with the certificate")
    assert not tls_dir.parent.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("certificate", "/etc/ssl/www.crt"),
        ("certificate", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"),
        ("chain", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"),
        ("fullchain", "not a certificate"),
        ("privatekey", "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"),
        ("certificate", "  \n"),
    ],
    ids=["certificate path", "certificate garbage", "chain garbage", "fullchain text", "key garbage", "empty"],
)
def test_unreadable_content_fails_naming_the_field(tls_dir, material, field, value):
    result = install(install_args(tls_dir, material, **{field: value}))
    assert result.failed
    assert result["msg"].startswith(field + ":"), result["msg"]
    assert "Traceback" not in result["_stdout"]
    assert not tls_dir.parent.exists()


def test_encrypted_key_is_refused_while_verifying(tls_dir):
    key = crypto.generate_private_key("EC-P256")
    material = issue(key)
    locked = crypto.serialize_private_key(key, "secret-pass").decode()
    result = install(install_args(tls_dir, material, privatekey=locked))
    assert result.failed
    assert result["msg"].startswith("privatekey: the private key is encrypted")


def test_verify_false_writes_the_content_as_given(tls_dir, material):
    other = issue()
    result = install(install_args(tls_dir, material, privatekey=other["privatekey"], verify=False))
    assert not result.failed, result
    assert (tls_dir / "www.key").read_text() == other["privatekey"]


def test_combined_without_privatekey_fails_naming_combined_path(tls_dir, material):
    args = install_args(tls_dir, material, privatekey=None, privatekey_path=None)
    result = install(args)
    assert result.failed
    assert result["msg"].startswith("combined_path:")
    assert "privatekey is not given" in result["msg"]
    assert "Give fullchain" in result["msg"]
    assert not tls_dir.parent.exists()


def test_combined_without_fullchain_or_key(tls_dir, material):
    args = install_args(tls_dir, material, privatekey=None, privatekey_path=None, fullchain=None, fullchain_path=None)
    result = install(args)
    assert result.failed
    assert result["msg"].startswith("combined_path:")
    assert "fullchain and privatekey are not given" in result["msg"]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"mode": "u=rw,go=r"}, "mode"),
        ({"directory_mode": "rwxr-xr-x"}, "directory_mode"),
        ({"owner": "no-such-user-webnic"}, "owner"),
        ({"group": "no-such-group-webnic"}, "group"),
        ({"chain_path": None}, "chain_path"),
        ({"metadata": None}, "metadata"),
        ({"chain_path": "{dir}/www.crt"}, "chain_path"),
        ({"remove": ["{dir}/www.key"]}, "remove"),
        ({"remove": ["{tmp}"]}, "remove"),
    ],
)
def test_bad_options_fail_naming_the_field_and_write_nothing(tmp_path, tls_dir, material, extra, field):
    def resolve(value):
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return value.format(dir=tls_dir, tmp=tmp_path) if isinstance(value, str) else value

    extra = {k: resolve(v) for k, v in extra.items()}
    args = install_args(tls_dir, material)
    args.update(extra)
    args = {k: v for k, v in args.items() if v is not None}

    result = install(args)

    assert result.failed
    assert field in result["msg"], result["msg"]
    assert "Traceback" not in result["_stdout"]
    assert not tls_dir.parent.exists()


def test_a_path_that_is_a_directory_is_refused(tls_dir, material):
    (tls_dir / "www.crt").mkdir(parents=True)
    result = install(install_args(tls_dir, material))
    assert result.failed
    assert result["msg"].startswith("certificate_path: %s is a directory" % (tls_dir / "www.crt"))


def test_check_mode_on_a_new_host_writes_nothing_and_reports_changes(tls_dir, material):
    result = install(install_args(tls_dir, material), check_mode=True)
    assert not result.failed, result
    assert result["changed"] is True
    assert result["certificate_changed"] is True
    assert all(f["changed"] for f in result["files"])
    assert not tls_dir.parent.exists()


def test_check_mode_on_an_installed_host_writes_nothing(tls_dir, material):
    install(install_args(tls_dir, material))
    pending = tls_dir / "www.key.pending"
    pending.write_text("pending key")
    before = tree(tls_dir)

    result = install(install_args(tls_dir, issue(), remove=[str(pending)]), check_mode=True)

    assert result["changed"] is True
    assert result["certificate_changed"] is True
    assert result["removed"] == [str(pending)]
    assert not any("backup_file" in f for f in result["files"])
    assert tree(tls_dir) == before
    assert install(install_args(tls_dir, material), check_mode=True)["changed"] is False


def test_diff_shows_certificates_but_never_key_material(tls_dir, material):
    install(install_args(tls_dir, material))
    renewed = issue()

    result = install(
        install_args(tls_dir, renewed, metadata=dict(METADATA, order_id="10002")), check_mode=True, diff=True
    )

    diffs = {d["before_header"]: d for d in result["diff"]}
    crt = diffs[str(tls_dir / "www.crt")]
    assert (crt["before"], crt["after"]) == (material["certificate"], renewed["certificate"])
    meta = diffs[str(tls_dir / "www.webnic.json")]
    assert '"order_id": "10001"' in meta["before"] and '"order_id": "10002"' in meta["after"]
    for name, pem in (("www.key", material["privatekey"]), ("www.pem", material["fullchain"] + material["privatekey"])):
        key = diffs[str(tls_dir / name)]
        assert key["before"] == "(key material, %d bytes)\n" % len(pem)
        assert re.match(r"^\(new key material, \d+ bytes\)\n$", key["after"])
    assert str(tls_dir / "www.chain.pem") in diffs  # a new intermediate too
    assert_no_key_material(result, material["privatekey"], renewed["privatekey"])


def test_diff_of_a_first_install(tls_dir, material):
    result = install(install_args(tls_dir, material), diff=True)
    diffs = {d["before_header"]: d for d in result["diff"]}
    assert len(diffs) == 6
    assert diffs[str(tls_dir / "www.crt")]["before"] == ""
    assert diffs[str(tls_dir / "www.key")]["after"].startswith("(new key material")
    assert_no_key_material(result, material["privatekey"])


def test_no_diff_when_nothing_changes(tls_dir, material):
    install(install_args(tls_dir, material))
    assert install(install_args(tls_dir, material), diff=True)["diff"] == []


def test_no_key_material_anywhere_in_the_result(tls_dir, material):
    for check_mode in (True, False):
        for diff in (True, False):
            result = install(install_args(tls_dir, material), check_mode=check_mode, diff=diff)
            assert not result.failed, result
            assert_no_key_material(result, material["privatekey"])
            for line in key_lines(material["privatekey"]):
                assert line not in result["_stdout"]


def test_remove_list(tls_dir, material):
    tls_dir.mkdir(parents=True)
    pending = tls_dir / "www.key.pending"
    pending.write_text("the key of the pending order")
    absent = tls_dir / "never-there"

    result = install(install_args(tls_dir, material, remove=[str(pending), str(absent)]))

    assert not result.failed, result
    assert result["removed"] == [str(pending)]
    assert not pending.exists()
    assert "%s: removed" % pending in result["changed_reasons"]
    again = install(install_args(tls_dir, material, remove=[str(pending), str(absent)]))
    assert again["removed"] == [] and again["changed"] is False


def test_remove_alone_is_a_change_but_no_certificate_change(tls_dir, material):
    install(install_args(tls_dir, material))
    pending = tls_dir / "www.key.pending"
    pending.write_text("x")
    result = install(install_args(tls_dir, material, remove=[str(pending)]))
    assert result["changed"] is True
    assert result["certificate_changed"] is False


def test_a_failed_write_puts_back_what_was_already_written(tls_dir, material, monkeypatch):
    install(install_args(tls_dir, material))
    (tls_dir / "new").mkdir()
    before = tree(tls_dir)
    real_write = files.write_atomic

    def failing_write(module, path, *args, **kwargs):
        if path.endswith("www.pem"):
            module.fail_json(msg="Cannot write %s: [Errno 28] No space left on device" % path, path=path)
        return real_write(module, path, *args, **kwargs)

    monkeypatch.setattr(files, "write_atomic", failing_write)
    renewed = issue()
    # The chain goes to a directory this run creates: it must go away again.
    result = install(install_args(tls_dir, renewed, chain_path=str(tls_dir / "new" / "deeper" / "chain.pem")))

    assert result.failed
    assert "No space left on device" in result["msg"]
    assert "were put back as they were" in result["msg"]
    assert tree(tls_dir) == before, "the previous files are back and nothing new (file, backup, directory) stays"


def test_connection_options_are_refused_as_the_module_calls_no_api(tls_dir, material):
    # Host-side: not in the action group webnic (meta/runtime.yml), so module_defaults of
    # group/webnic.ssl.webnic never reach it, and it takes no api_* option.
    result = install(install_args(tls_dir, material, api_username="someone", timeout=5))
    assert result.failed
    assert "Unsupported parameters" in result["msg"] and "api_username" in result["msg"]
    assert not (tls_dir / "www.crt").exists()


def test_symlinked_file_is_refused_and_its_target_untouched(tls_dir, material):
    live = tls_dir / "live"
    live.mkdir(parents=True)
    target = live / "www.crt"
    target.write_text("old\n")
    link = tls_dir / "www.crt"
    link.symlink_to(target)
    result = install({"certificate_path": str(link), "certificate": material["certificate"]})
    assert result.failed
    assert result["msg"].startswith("certificate_path: %s is a symbolic link (to %s)" % (link, target)), result["msg"]
    assert link.is_symlink()
    assert target.read_text() == "old\n"


# ------------------------------------------------------------------ privatekey_src (what the action plugin passes)


def test_privatekey_src_is_read_on_the_host_and_written_like_privatekey(tls_dir, material, tmp_path):
    sent = tmp_path / "ansible-tmp" / "privatekey.pem"
    sent.parent.mkdir()
    sent.write_text(material["privatekey"])
    args = install_args(tls_dir, material, privatekey=None, privatekey_src=str(sent))
    result = install(args)
    assert not result.failed, result
    assert (tls_dir / "www.key").read_text().strip() == material["privatekey"].strip()
    assert mode_of(tls_dir / "www.key") == 0o600
    text = json.dumps(dict(result))
    for line in key_lines(material["privatekey"]):
        assert line not in text


def test_privatekey_and_privatekey_src_together_are_refused(tls_dir, material, tmp_path):
    sent = tmp_path / "privatekey.pem"
    sent.write_text(material["privatekey"])
    result = install(install_args(tls_dir, material, privatekey_src=str(sent)))
    assert result.failed
    assert "privatekey" in result["msg"] and "mutually exclusive" in result["msg"], result["msg"]
    assert not tls_dir.exists()


def test_unreadable_privatekey_src_names_the_field(tls_dir, material, tmp_path):
    result = install(install_args(tls_dir, material, privatekey=None, privatekey_src=str(tmp_path / "missing.pem")))
    assert result.failed
    assert result["msg"].startswith("privatekey_src: cannot read"), result["msg"]
    assert not tls_dir.exists()


def test_privatekey_path_without_a_key_names_the_field(tls_dir, material):
    result = install(install_args(tls_dir, material, privatekey=None, combined_path=None))
    assert result.failed
    assert result["msg"].startswith("privatekey_path: is given without the key"), result["msg"]
    assert not tls_dir.exists()
