# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""download.py, the decisions of webnic_ssl_cert_download that need no certificate chain from a CA.

What needs an issued chain (stale_reasons, download_problems, current_without_asking) is proven by
tests/unit/plugins/modules/test_webnic_ssl_cert_download.py against the simulator's CA.
"""

import json

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto, download
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import FieldProblem

TARGETS = dict(privatekey_path=None, dest=None, chain_dest=None, fullchain_dest=None, pkcs12_dest=None)


def test_relative_and_shared_paths_are_refused_naming_the_option():
    with pytest.raises(FieldProblem) as info:
        download.check_paths(dict(TARGETS, dest="cert.pem"))
    assert (info.value.field, info.value.problem) == ("dest", "'cert.pem' is a relative path")
    with pytest.raises(FieldProblem) as info:
        download.check_paths(dict(TARGETS, dest="/etc/ssl/a.pem", fullchain_dest="/etc/ssl/a.pem"))
    assert info.value.field in ("dest", "fullchain_dest")


def test_a_missing_key_file_names_privatekey_path(tmp_path):
    assert download.load_key(None, None) is None
    with pytest.raises(FieldProblem) as info:
        download.load_key(str(tmp_path / "none.key"), None)
    assert info.value.field == "privatekey_path"
    (tmp_path / "bad.key").write_bytes(b"junk")
    with pytest.raises(FieldProblem) as info:
        download.load_key(str(tmp_path / "bad.key"), None)
    assert info.value.field == "privatekey_path"


def test_an_encrypted_key_without_passphrase_names_the_passphrase(tmp_path):
    key = crypto.generate_private_key("EC-P256")
    (tmp_path / "k.key").write_bytes(crypto.serialize_private_key(key, "secret"))
    with pytest.raises(FieldProblem) as info:
        download.load_key(str(tmp_path / "k.key"), None)
    assert info.value.field == "privatekey_passphrase"


def test_an_empty_trust_store_names_trusted_roots(tmp_path):
    (tmp_path / "roots.pem").write_text("no certificates here\n")
    with pytest.raises(FieldProblem) as info:
        download.trusted_roots([str(tmp_path / "roots.pem")])
    assert info.value.field == "trusted_roots"


def test_a_record_that_is_not_json_reads_as_none(tmp_path):
    assert download.read_record(None) == {}
    (tmp_path / "r.json").write_text("{not json")
    assert download.read_record(str(tmp_path / "r.json")) == {}
    (tmp_path / "r.json").write_text("[1]")
    assert download.read_record(str(tmp_path / "r.json")) == {}
    (tmp_path / "r.json").write_bytes(download.record_content({"order_id": "7"}))
    assert download.read_record(str(tmp_path / "r.json")) == {"order_id": "7"}
    assert json.loads((tmp_path / "r.json").read_text()) == {"order_id": "7"}


def test_files_that_are_not_certificates_are_not_current(tmp_path):
    (tmp_path / "cert.pem").write_text("junk")
    leaf, chain, existing = download.current_files(
        dict(TARGETS, dest=str(tmp_path / "cert.pem"), chain_dest=str(tmp_path / "none.pem"), pkcs12_password=None)
    )
    assert (leaf, chain) == (None, None)
    assert existing == {"dest": b"junk", "chain_dest": None}


@pytest.mark.parametrize(
    "outcome, text",
    [
        ("not issued", "Order 7 (x) is not issued yet. Complete domain validation"),
        ("timeout", "Order 7 (x) was not issued within 60s. Check domain validation"),
        ("failed", "Order 7 (x) will not be issued. Place a new order."),
    ],
)
def test_why_a_certificate_cannot_be_downloaded(outcome, text):
    assert download.not_issued_message("7 (x)", outcome, 60).startswith(text)


def test_content_reasons_say_created_or_new_content():
    facts = {"serial": "0A", "not_after": "2027-01-01T00:00:00Z"}
    assert download.content_reason("/c.pem", True, facts) == "/c.pem: created (serial 0A, expires 2027-01-01T00:00:00Z)"
    assert download.content_reason("/c.pem", False, facts).startswith("/c.pem: new content (serial 0A")
