# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""webnic_ssl_deployed_info: the "decide first" step on a managed host. No API, so no simulator:
certificates are made here with a throwaway CA."""

import datetime
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto
from ansible_collections.webnic.ssl.plugins.modules import webnic_ssl_deployed_info

from .runner import run_module

UTC = datetime.timezone.utc


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_chain(names, days_total=365, days_left=300, key=None):
    """(leaf key, fullchain PEM) for ``names``, valid ``days_total`` days with ``days_left`` left."""
    now = datetime.datetime.now(UTC)
    not_after = now + datetime.timedelta(days=days_left)
    not_before = not_after - datetime.timedelta(days=days_total)
    ca_key = crypto.generate_private_key("EC-P256")
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Test Intermediate"))
        .issuer_name(_name("Test Root"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1000))
        .not_valid_after(now + datetime.timedelta(days=1000))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = key or crypto.generate_private_key("EC-P256")
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, crypto.certificate_pem(leaf) + crypto.certificate_pem(ca)


@pytest.fixture
def deployed(tmp_path):
    """A fresh certificate, its key and the role's metadata file on "the host"."""
    key, fullchain = make_chain(["www.example.com", "example.com"])
    cert_path = tmp_path / "fullchain.pem"
    key_path = tmp_path / "key.pem"
    meta_path = tmp_path / "webnic.json"
    cert_path.write_bytes(fullchain)
    key_path.write_bytes(crypto.serialize_private_key(key))
    meta_path.write_text(
        json.dumps(
            {
                "order_id": "10001",
                "api_endpoint": "production",
                "product_key": "ssl123",
                "common_name": "www.example.com",
                "subject_alt_names": ["example.com"],
                "deployed_at": "2026-01-01T00:00:00Z",
            }
        )
    )
    return {"certificate_path": str(cert_path), "privatekey_path": str(key_path), "metadata_path": str(meta_path)}


def info(check_mode=False, **args):
    return run_module(webnic_ssl_deployed_info, args, check_mode=check_mode)


def test_fresh_certificate_is_not_due(deployed):
    result = info(
        **deployed, common_name="www.example.com", subject_alt_names=["example.com"], api_endpoint="production"
    )
    assert not result.failed, result
    assert result["exists"] is True
    assert result["due"] is False, result["reasons"]
    assert result["reasons"] == []
    assert result["key_matches"] is True
    assert result["endpoint_mismatch"] is False
    assert result["order_id"] == "10001"
    assert result["metadata"]["product_key"] == "ssl123"
    assert set(result["names"]) == {"www.example.com", "example.com"}
    assert 298 <= result["days_remaining"] <= 300
    assert result["changed"] is False
    assert result["changed_reasons"] == []
    assert "PRIVATE KEY" not in result["_stdout"]


def test_no_certificate(tmp_path):
    result = info(certificate_path=str(tmp_path / "missing.pem"))
    assert result["exists"] is False
    assert result["due"] is True
    assert result["reasons"] == ["no certificate"]
    assert "serial" not in result


def test_inside_the_default_window_is_due(tmp_path):
    _key, fullchain = make_chain(["www.example.com"], days_total=90, days_left=20)
    path = tmp_path / "cert.pem"
    path.write_bytes(fullchain)
    result = info(certificate_path=str(path))
    assert result["due"] is True
    assert len(result["reasons"]) == 1 and "remaining_percentage=33.3" in result["reasons"][0]


def test_remaining_days(tmp_path):
    _key, fullchain = make_chain(["www.example.com"], days_total=365, days_left=25)
    path = tmp_path / "cert.pem"
    path.write_bytes(fullchain)
    due = info(certificate_path=str(path), remaining_days=30, remaining_percentage=0)
    assert due["due"] is True and "remaining_days=30" in due["reasons"][0]
    not_due = info(certificate_path=str(path), remaining_days=10, remaining_percentage=0)
    assert not_due["due"] is False


def test_expired_certificate_is_due(tmp_path):
    _key, fullchain = make_chain(["www.example.com"], days_total=90, days_left=-2)
    path = tmp_path / "cert.pem"
    path.write_bytes(fullchain)
    result = info(certificate_path=str(path))
    assert result["due"] is True
    assert any("expired" in reason for reason in result["reasons"])
    assert result["days_remaining"] < 0


def test_key_does_not_match(deployed, tmp_path):
    other = tmp_path / "other.pem"
    other.write_bytes(crypto.serialize_private_key(crypto.generate_private_key("EC-P256")))
    result = info(**dict(deployed, privatekey_path=str(other)))
    assert result["due"] is True
    assert result["key_matches"] is False
    assert result["reasons"] == ["key does not match"]


def test_key_missing(deployed, tmp_path):
    result = info(**dict(deployed, privatekey_path=str(tmp_path / "nope.pem")))
    assert result["reasons"] == ["key missing"]
    assert result["key_matches"] is None


def test_metadata_missing_or_broken(deployed, tmp_path):
    missing = info(**dict(deployed, metadata_path=str(tmp_path / "nope.json")))
    assert missing["reasons"] == ["metadata missing"]
    assert missing["metadata"] is None
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = info(**dict(deployed, metadata_path=str(broken)))
    assert result["due"] is True
    assert result["reasons"][0].startswith("metadata missing")


def test_names_differ_from_the_wanted_names(deployed):
    result = info(**deployed, common_name="www.example.com", subject_alt_names=["shop.example.com"])
    assert result["due"] is True
    assert len(result["reasons"]) == 1
    assert "missing shop.example.com" in result["reasons"][0]
    assert "not wanted example.com" in result["reasons"][0]


def test_names_default_to_the_metadata(deployed, tmp_path):
    meta = json.loads(Path(deployed["metadata_path"]).read_text())
    meta["subject_alt_names"] = ["example.com", "api.example.com"]
    path = tmp_path / "meta2.json"
    path.write_text(json.dumps(meta))
    result = info(**dict(deployed, metadata_path=str(path)))
    assert result["due"] is True
    assert "missing api.example.com" in result["reasons"][0]


@pytest.mark.parametrize(
    ("expected", "mismatch"),
    [("production", False), ("https://api.webnic.cc/", False), ("ote", True), ("http://127.0.0.1:9999", True)],
)
def test_endpoint_mismatch(deployed, expected, mismatch):
    result = info(**deployed, api_endpoint=expected)
    assert result["endpoint_mismatch"] is mismatch
    assert result["due"] is False


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"remaining_percentage": 150}, "remaining_percentage"),
        ({"remaining_percentage": -1}, "remaining_percentage"),
        ({"remaining_days": -5}, "remaining_days"),
    ],
)
def test_out_of_range_windows_are_refused_naming_the_field(deployed, args, field):
    result = info(**deployed, **args)
    assert result.failed
    assert result["msg"].startswith(field + ":")


@pytest.mark.parametrize("option", ["api_username", "api_password", "validate_certs", "ca_path", "api_proxy"])
def test_api_connection_options_are_not_accepted(deployed, option):
    # A host-side module: it calls no API, is no member of the API action group and takes no connection option.
    result = info(**deployed, **{option: "x"})
    assert result.failed
    assert "Unsupported parameters" in result["msg"] and option in result["msg"]


def test_several_certificates_in_one_run_answer_each_by_name(deployed, tmp_path):
    result = info(
        api_endpoint="ote",
        certificates=[
            dict(deployed, name="www", common_name="www.example.com", subject_alt_names=["example.com"]),
            {"name": "lost", "certificate_path": str(tmp_path / "lost.crt")},
            dict(deployed, name="other-names", common_name="api.example.com"),
        ],
    )
    assert not result.failed, result
    answers = result["certificates"]
    assert sorted(answers) == ["lost", "other-names", "www"]
    assert answers["www"]["due"] is False
    assert answers["www"]["endpoint_mismatch"] is True  # the entries take the module's api_endpoint
    assert answers["lost"]["due"] is True and answers["lost"]["reasons"] == ["no certificate"]
    assert answers["other-names"]["due"] is True
    assert "due" not in result
    assert result["changed"] is False
    assert "PRIVATE KEY" not in result["_stdout"]


def test_several_certificates_answer_the_same_as_one_at_a_time(deployed):
    single = info(**deployed, remaining_days=300)
    listed = info(certificates=[dict(deployed, name="www", remaining_days=300)])["certificates"]["www"]
    for key in ("due", "reasons", "key_matches", "serial", "order_id", "metadata", "endpoint_mismatch"):
        assert listed[key] == single[key], key


def test_an_invalid_entry_fails_alone_naming_the_field(deployed):
    result = info(
        certificates=[
            dict(deployed, name="bad-window", remaining_percentage=120),
            dict(deployed, name="bad-type", remaining_days="soon"),
            {"name": "no-path"},
            dict(deployed, name="good"),
        ]
    )
    assert not result.failed, result
    answers = result["certificates"]
    assert answers["bad-window"]["failed"] is True
    assert answers["bad-window"]["msg"].startswith("remaining_percentage:")
    assert answers["bad-type"]["failed"] is True and "remaining_days" in answers["bad-type"]["msg"]
    assert answers["no-path"]["failed"] is True and "certificate_path" in answers["no-path"]["msg"]
    assert answers["good"]["due"] is False


def test_an_entry_name_given_twice_is_refused(deployed):
    answers = info(certificates=[dict(deployed, name="www"), dict(deployed, name="www")])["certificates"]
    assert answers["www"]["failed"] is True and "given twice" in answers["www"]["msg"]


def test_certificates_and_certificate_path_are_exclusive(deployed):
    result = info(**deployed, certificates=[dict(deployed, name="www")])
    assert result.failed
    assert "mutually exclusive" in result["msg"]


def test_without_certificate_path_or_certificates_fails():
    result = info()
    assert result.failed
    assert "certificate_path" in result["msg"] and "certificates" in result["msg"]


def test_check_mode_reports_the_same(deployed):
    assert info(check_mode=True, **deployed)["due"] is False


def test_unreadable_certificate(tmp_path):
    path = tmp_path / "cert.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    result = info(certificate_path=str(path))
    assert result["exists"] is True
    assert result["due"] is True
    assert result["reasons"][0].startswith("certificate unreadable")


# ------------------------------------------------------------------ the files the web servers serve

PEM_END = b"-----END CERTIFICATE-----\n"


def split_pem(fullchain):
    """(leaf PEM, chain PEM) of a full chain PEM."""
    end = fullchain.index(PEM_END) + len(PEM_END)
    return fullchain[:end], fullchain[end:]


@pytest.fixture
def served(tmp_path, deployed):
    """``deployed`` as the role writes it: the leaf in .crt, and the chain, full chain and combined PEM."""
    key = crypto.load_private_key(Path(deployed["privatekey_path"]).read_bytes())
    fullchain = Path(deployed["certificate_path"]).read_bytes()
    leaf, chain = split_pem(fullchain)
    paths = {
        "certificate_path": tmp_path / "www.example.com.crt",
        "chain_path": tmp_path / "www.example.com.chain.pem",
        "fullchain_path": tmp_path / "www.example.com.fullchain.pem",
        "combined_path": tmp_path / "www.example.com.combined.pem",
    }
    paths["certificate_path"].write_bytes(leaf)
    paths["chain_path"].write_bytes(chain)
    paths["fullchain_path"].write_bytes(fullchain)
    paths["combined_path"].write_bytes(fullchain + crypto.serialize_private_key(key))
    return dict(deployed, **{option: str(path) for option, path in paths.items()})


def other_certificate(names=("www.example.com", "example.com"), key=None):
    """(key, fullchain PEM, serial hex) of another certificate for the same names."""
    key, fullchain = make_chain(list(names), key=key)
    return key, fullchain, crypto.parse_certificate(fullchain)["serial"]


def test_served_files_all_good_is_not_due(served):
    result = info(**served, common_name="www.example.com", subject_alt_names=["example.com"])
    assert not result.failed, result
    assert result["due"] is False, result["reasons"]
    assert result["reasons"] == []
    assert result["key_matches"] is True
    assert "PRIVATE KEY" not in result["_stdout"]


def test_without_the_served_file_options_lost_served_files_are_not_looked_at(served):
    """Unchanged behaviour when the new options are not given: only certificate, key and metadata count."""
    for option in ("fullchain_path", "chain_path", "combined_path"):
        Path(served[option]).unlink()
    result = info(
        certificate_path=served["certificate_path"],
        privatekey_path=served["privatekey_path"],
        metadata_path=served["metadata_path"],
    )
    assert result["due"] is False, result["reasons"]
    assert result["reasons"] == []


@pytest.mark.parametrize("option", ["fullchain_path", "chain_path", "combined_path"])
def test_missing_served_file_is_due_naming_it(served, option):
    Path(served[option]).unlink()
    result = info(**served)
    assert result["due"] is True
    assert result["reasons"] == ["%s missing" % served[option]]
    assert result["exists"] is True


def test_fullchain_holding_another_certificate_is_due_with_its_serial(served):
    _key, stale, serial = other_certificate()
    Path(served["fullchain_path"]).write_bytes(stale)
    result = info(**served)
    assert result["due"] is True
    assert result["reasons"] == ["%s holds another certificate (serial %s)" % (served["fullchain_path"], serial)]


def test_fullchain_must_start_with_the_certificate(served):
    """Intermediate first: nginx would serve the intermediate as its certificate."""
    leaf, chain = split_pem(Path(served["fullchain_path"]).read_bytes())
    Path(served["fullchain_path"]).write_bytes(chain + leaf)
    serial = crypto.parse_certificate(chain)["serial"]
    result = info(**served)
    assert result["reasons"] == ["%s holds another certificate (serial %s)" % (served["fullchain_path"], serial)]


def test_combined_holding_another_certificate_is_due(served):
    key = crypto.load_private_key(Path(served["privatekey_path"]).read_bytes())
    # The same key, another certificate (a renewal that reused the key but never reached the combined PEM).
    _key, stale, serial = other_certificate(key=key)
    Path(served["combined_path"]).write_bytes(stale + crypto.serialize_private_key(key))
    result = info(**served)
    assert result["reasons"] == ["%s holds another certificate (serial %s)" % (served["combined_path"], serial)]


def test_combined_with_another_key_is_due(served):
    fullchain = Path(served["fullchain_path"]).read_bytes()
    other_key = crypto.generate_private_key("EC-P256")
    Path(served["combined_path"]).write_bytes(fullchain + crypto.serialize_private_key(other_key))
    result = info(**served)
    assert result["due"] is True
    assert result["reasons"] == ["%s: key does not match" % served["combined_path"]]
    assert result["key_matches"] is True  # the key file itself is right
    assert "PRIVATE KEY" not in result["_stdout"]


def test_combined_key_is_checked_against_the_certificate_without_privatekey_path(served):
    fullchain = Path(served["fullchain_path"]).read_bytes()
    Path(served["combined_path"]).write_bytes(
        fullchain + crypto.serialize_private_key(crypto.generate_private_key("EC-P256"))
    )
    result = info(**dict(served, privatekey_path=None))
    assert result["reasons"] == ["%s: key does not match" % served["combined_path"]]


def test_combined_without_a_key_is_due(served):
    Path(served["combined_path"]).write_bytes(Path(served["fullchain_path"]).read_bytes())
    result = info(**served)
    assert result["reasons"] == ["%s: no private key" % served["combined_path"]]


def test_combined_with_an_encrypted_key_uses_the_passphrase(served, tmp_path):
    key = crypto.load_private_key(Path(served["privatekey_path"]).read_bytes())
    key_path = tmp_path / "encrypted.key"
    key_path.write_bytes(crypto.serialize_private_key(key, "s3cret-pass"))
    Path(served["combined_path"]).write_bytes(
        Path(served["fullchain_path"]).read_bytes() + crypto.serialize_private_key(key, "s3cret-pass")
    )
    good = info(**dict(served, privatekey_path=str(key_path), privatekey_passphrase="s3cret-pass"))
    assert good["due"] is False, good["reasons"]
    assert "s3cret-pass" not in good["_stdout"]
    no_passphrase = info(**dict(served, privatekey_path=None))
    assert no_passphrase["reasons"][0].startswith("%s: key unreadable (" % served["combined_path"])


def test_chain_of_another_ca_is_due(served):
    _key, other = make_chain(["www.example.com"])
    Path(served["chain_path"]).write_bytes(split_pem(other)[1])
    result = info(**served)
    assert result["due"] is True
    assert result["reasons"] == [
        "%s holds another chain (none of its 1 certificates issued the certificate)" % served["chain_path"]
    ]


def test_empty_chain_is_accepted(served):
    Path(served["chain_path"]).write_bytes(b"")
    assert info(**served)["due"] is False


@pytest.mark.parametrize("option", ["fullchain_path", "chain_path", "combined_path"])
@pytest.mark.parametrize(
    "content",
    [
        b"garbage, not PEM\n",
        b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
    ],
)
def test_garbage_served_file_is_due_and_unreadable(served, option, content):
    Path(served[option]).write_bytes(content)
    result = info(**served)
    assert result["due"] is True
    assert result["reasons"][0].startswith("%s unreadable (" % served[option]), result["reasons"]


def test_combined_with_only_a_key_is_unreadable(served):
    Path(served["combined_path"]).write_bytes(Path(served["privatekey_path"]).read_bytes())
    result = info(**served)
    assert result["reasons"][0].startswith("%s unreadable (" % served["combined_path"])
    assert "PRIVATE KEY" not in result["_stdout"]


def test_served_file_that_cannot_be_read_is_due(served):
    """A directory where the file should be: open() fails with another error than 'missing'."""
    path = Path(served["fullchain_path"])
    path.unlink()
    path.mkdir()
    result = info(**served)
    assert result["due"] is True
    assert result["reasons"][0].startswith("%s unreadable (" % served["fullchain_path"])


def test_served_file_reasons_add_to_the_certificate_reasons(served):
    """A missing certificate is due already; the served files are still reported, not compared."""
    Path(served["certificate_path"]).unlink()
    Path(served["chain_path"]).unlink()
    result = info(**served)
    assert result["reasons"] == ["no certificate", "%s missing" % served["chain_path"]]
