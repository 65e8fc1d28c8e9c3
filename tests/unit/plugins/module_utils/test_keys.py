# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The key and CSR decisions of module_utils/_webnic/keys.py, branch by branch, without a simulator."""

import os

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto, keys
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import FieldProblem


@pytest.fixture(scope="module")
def rsa_key():
    return crypto.generate_private_key("RSA-2048")


@pytest.fixture(scope="module")
def ec_key():
    return crypto.generate_private_key("EC-P256")


def pem(key, passphrase=None):
    return crypto.serialize_private_key(key, passphrase)


# ------------------------------------------------------------------------------ decide_key


def test_no_key_means_make_one():
    assert keys.decide_key(None, None, "RSA-2048", "fail", "privatekey_path") == (None, ["private key does not exist"])


def test_regenerate_always_replaces_even_a_fitting_key(rsa_key):
    assert keys.decide_key(pem(rsa_key), None, "RSA-2048", "always", "privatekey_path") == (None, ["regenerate=always"])


@pytest.mark.parametrize("key_type", [None, "RSA-2048"])
def test_a_fitting_key_is_kept_without_reasons(rsa_key, key_type):
    key, reasons = keys.decide_key(pem(rsa_key), None, key_type, "fail", "privatekey_path")
    assert reasons == []
    assert crypto.public_key_fingerprint(key) == crypto.public_key_fingerprint(rsa_key)


def test_regenerate_never_keeps_a_key_of_another_type(rsa_key):
    key, reasons = keys.decide_key(pem(rsa_key), None, "EC-P256", "never", "privatekey_path")
    assert key is not None and reasons == []


def test_an_unreadable_key_is_refused_naming_the_key_field():
    with pytest.raises(FieldProblem) as info:
        keys.decide_key(b"not a key", None, None, "partial_idempotence", "privatekey_path")
    assert info.value.field == "privatekey_path"
    assert "Only regenerate=full_idempotence replaces a key that cannot be read" in info.value.fix


def test_an_unreadable_key_is_replaced_with_full_idempotence():
    key, reasons = keys.decide_key(b"not a key", None, None, "full_idempotence", "privatekey_path")
    assert key is None
    assert reasons[0].startswith("existing private key cannot be read (")
    assert reasons[0].endswith("replaced as regenerate=full_idempotence allows")


def test_an_encrypted_key_without_passphrase_names_the_passphrase(rsa_key):
    with pytest.raises(FieldProblem) as info:
        keys.decide_key(pem(rsa_key, "secret"), None, None, "fail", "privatekey_path")
    assert info.value.field == "privatekey_passphrase"


def test_a_wrong_passphrase_names_the_passphrase(rsa_key):
    with pytest.raises(FieldProblem) as info:
        keys.decide_key(pem(rsa_key, "secret"), "other", None, "fail", "privatekey_path")
    assert info.value.field == "privatekey_passphrase"


def test_key_content_of_another_type_names_key_type(ec_key):
    with pytest.raises(FieldProblem) as info:
        keys.decide_key(pem(ec_key), None, "RSA-2048", "fail", "privatekey_content")
    assert info.value.field == "key_type"
    assert info.value.problem == "privatekey_content is a EC-P256 key but key_type is RSA-2048"


def test_regenerate_fail_refuses_a_key_of_another_type(ec_key):
    with pytest.raises(FieldProblem) as info:
        keys.decide_key(pem(ec_key), None, "RSA-2048", "fail", "privatekey_path")
    assert info.value.field == "privatekey_path"
    assert info.value.problem == "the existing key is EC-P256 but key_type is RSA-2048"


@pytest.mark.parametrize("regenerate", ["partial_idempotence", "full_idempotence"])
def test_partial_and_full_idempotence_replace_a_key_of_another_type(ec_key, regenerate):
    assert keys.decide_key(pem(ec_key), None, "RSA-2048", regenerate, "privatekey_path") == (
        None,
        ["existing private key is EC-P256, key_type asks for RSA-2048"],
    )


def test_the_effective_key_type_is_the_kept_keys_else_the_asked_else_the_default(ec_key):
    assert keys.effective_key_type(ec_key, "RSA-4096") == "EC-P256"
    assert keys.effective_key_type(None, "RSA-4096") == "RSA-4096"
    assert keys.effective_key_type(None, None) == "RSA-2048"


# ------------------------------------------------------------------------------ the key's source


def params(**overrides):
    base = {
        "privatekey_path": None,
        "privatekey_content": None,
        "key_type": None,
        "regenerate": "fail",
        "csr_path": None,
        "privatekey_mode": "0600",
        "csr_mode": "0644",
        "owner": None,
        "group": None,
    }
    base.update(overrides)
    return base


def test_key_content_is_never_replaced(rsa_key):
    content = pem(rsa_key).decode()
    assert keys.read_existing_key(params(privatekey_content=content)) == (
        content.encode(),
        "never",
        "privatekey_content",
    )
    assert keys.read_existing_key(params(privatekey_content=content, key_type="RSA-2048"))[1] == "fail"


def test_a_key_file_follows_the_regenerate_option(tmp_path):
    path = str(tmp_path / "k.key")
    assert keys.read_existing_key(params(privatekey_path=path, regenerate="always")) == (
        None,
        "always",
        "privatekey_path",
    )


def test_a_key_path_that_is_a_directory_is_refused(tmp_path):
    with pytest.raises(FieldProblem) as info:
        keys.read_existing_key(params(privatekey_path=str(tmp_path)))
    assert info.value.field == "privatekey_path"


def test_file_options_name_a_missing_directory(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(FieldProblem) as info:
        keys.check_file_options(params(privatekey_path=str(tmp_path / "k"), csr_path=str(missing / "c.csr")))
    assert (info.value.field, info.value.problem) == ("csr_path", "the directory %s does not exist" % missing)


def test_file_options_refuse_a_symlink(tmp_path):
    target = tmp_path / "real.key"
    target.write_text("x")
    os.symlink(str(target), str(tmp_path / "link.key"))
    with pytest.raises(FieldProblem) as info:
        keys.check_file_options(params(privatekey_path=str(tmp_path / "link.key")))
    assert info.value.field == "privatekey_path"
    assert "symbolic link" in info.value.problem


def test_file_options_refuse_a_symbolic_mode():
    with pytest.raises(FieldProblem) as info:
        keys.check_file_options(params(privatekey_mode="u=rw"))
    assert info.value.field == "privatekey_mode"


def test_file_options_refuse_an_unknown_owner():
    with pytest.raises(FieldProblem) as info:
        keys.check_file_options(params(owner="no-such-user-webnic"))
    assert info.value.field == "owner"


# ------------------------------------------------------------------------------ the CSR


def test_a_file_that_is_not_a_csr_is_refused_without_force():
    with pytest.raises(FieldProblem) as info:
        keys.load_existing_csr("/x/c.csr", b"junk", force=False)
    assert info.value.field == "csr_path"
    assert keys.load_existing_csr("/x/c.csr", b"junk", force=True) is None
    assert keys.load_existing_csr("/x/c.csr", None, force=False) is None


def test_a_csr_of_another_key_is_refused(rsa_key, ec_key):
    csr = crypto.load_csr(crypto.build_csr(rsa_key, "a.example.com", ["a.example.com"], {}))
    keys.check_csr_key(csr, rsa_key, "/k.key", "/c.csr")
    keys.check_csr_key(csr, None, "/k.key", "/c.csr")
    with pytest.raises(FieldProblem) as info:
        keys.check_csr_key(csr, ec_key, "/k.key", "/c.csr")
    assert info.value.problem.startswith("the CSR at /c.csr was made for another key than /k.key")


def csr_state(path, existing, csr_obj, key, key_reasons=(), common_name="a.example.com"):
    state = keys.Request.__new__(keys.Request)
    state.csr_path, state.existing_csr, state.existing_csr_obj = path, existing, csr_obj
    state.key, state.key_reasons = key, list(key_reasons)
    state.common_name, state.names, state.subject = common_name, [common_name], {}
    return state


def test_csr_reasons_per_case(rsa_key):
    csr = crypto.load_csr(crypto.build_csr(rsa_key, "a.example.com", ["a.example.com"], {}))
    assert keys.csr_reasons(csr_state("/c.csr", None, None, rsa_key), False) == ["does not exist"]
    assert keys.csr_reasons(csr_state("/c.csr", b"junk", None, rsa_key), True) == [
        "is not a CSR (replaced as force=true)"
    ]
    assert keys.csr_reasons(csr_state(None, None, None, rsa_key), False) == []
    assert keys.csr_reasons(csr_state("/c.csr", b"pem", csr, rsa_key), False) == []
    assert keys.csr_reasons(csr_state("/c.csr", b"pem", csr, rsa_key), True) == ["force=true"]
    replaced = csr_state("/c.csr", b"pem", csr, rsa_key, key_reasons=["regenerate=always"])
    assert keys.csr_reasons(replaced, False) == ["private key was replaced"]
    other_name = csr_state("/c.csr", b"pem", csr, rsa_key, common_name="b.example.com")
    assert keys.csr_reasons(other_name, False)


def test_a_csr_from_webnic_that_is_not_a_csr_is_a_problem(rsa_key):
    assert keys.api_csr_problems(b"junk", rsa_key, "a.example.com", ["a.example.com"], {})[0].startswith("not a CSR")
    good = crypto.build_csr(rsa_key, "a.example.com", ["a.example.com"], {})
    assert keys.api_csr_problems(good, rsa_key, "a.example.com", ["a.example.com"], {}) == []


def test_generate_request_body_sends_extra_names_and_subject():
    body = keys.generate_request_body(
        "RSA-2048", "a.example.com", ["a.example.com", "b.example.com"], {"organization": "Ex", "country": "MY"}
    )
    assert body == {
        "commonName": "a.example.com",
        "sans": ["b.example.com"],
        "keyType": "RSA-2048",
        "organization": "Ex",
        "countryCode": "MY",
    }


# ------------------------------------------------------------------------------ product rules


def test_product_rules_raise_the_first_problem_with_the_others_in_the_fix():
    rules = {"keyTypes": ["RSA-4096"], "allowSan": False}
    with pytest.raises(FieldProblem) as info:
        keys.check_product_rules(rules, "strict", "RSA-2048", "a.example.com", ["a.example.com", "b.example.com"])
    assert info.value.field == "subject_alt_names"
    assert info.value.problem == "product strict takes no names besides the common name (got b.example.com)"
    assert "Also: key_type: key type RSA-2048 is too small for strict" in info.value.fix


def test_product_rules_accept_a_fitting_request():
    keys.check_product_rules({"keyTypes": ["rsa2048"], "allowSan": True}, "p", "RSA-2048", "a.example.com", [])


# ------------------------------------------------ moved from tests/unit/plugins/modules/test_webnic_ssl_csr.py


def test_rules_refuse_a_key_that_is_too_small():
    with pytest.raises(FieldProblem) as info:
        keys.check_product_rules(
            {"keyTypes": ["RSA-4096", "EC-P384"]}, "strict", "RSA-2048", "a.example.com", ["a.example.com"]
        )
    assert info.value.field == "key_type"
    assert "too small" in info.value.problem
    assert "RSA-4096" in info.value.problem


def test_rules_count_sans_without_the_free_companion():
    rules = {"allowSan": True, "maxSan": 1, "freeCompanionSan": True}
    names = ["www.example.com", "example.com", "shop.example.com"]
    keys.check_product_rules(rules, "p", None, "www.example.com", names)
    with pytest.raises(FieldProblem):
        keys.check_product_rules(dict(rules, freeCompanionSan=False), "p", None, "www.example.com", names)


def test_compare_decoded_lists_each_disagreement():
    local = {
        "common_name": "www.example.com",
        "subject_alt_names": ["www.example.com", "example.com"],
        "subject": {"common_name": "www.example.com", "organization": "Ex"},
        "key_type": "RSA-2048",
        "key_algorithm": "RSA",
        "key_size": 2048,
        "signature_algorithm": "sha256WithRSAEncryption",
    }
    agreeing = {
        "commonName": "www.example.com",
        "sans": ["example.com"],
        "organization": "Ex",
        "keyType": "RSA",
        "keySize": 2048,
        "signatureAlgorithm": "SHA256withRSA",
    }
    assert keys.compare_decoded(agreeing, local) == []
    disagreeing = dict(
        agreeing,
        sans=["other.example.com"],
        keyType="EC",
        keySize=256,
        signatureAlgorithm="ecdsa-with-SHA384",
        organization=None,
    )
    mismatches = keys.compare_decoded(disagreeing, local)
    assert [m.split(":")[0] for m in mismatches] == [
        "names",
        "organization",
        "key type",
        "key size",
        "signature algorithm",
    ]
