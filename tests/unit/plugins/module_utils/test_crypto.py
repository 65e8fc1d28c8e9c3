# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure key/CSR/certificate functions of module_utils/_webnic/crypto.py."""

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto, names


@pytest.fixture(scope="module")
def rsa_key():
    return crypto.generate_private_key("RSA-2048")


@pytest.fixture(scope="module")
def ec_key():
    return crypto.generate_private_key("EC-P256")


# ------------------------------------------------------------------------------------ names


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("WWW.Example.COM", "www.example.com"),
        ("  www.example.com.  ", "www.example.com"),
        ("bücher.example.com", "xn--bcher-kva.example.com"),
        ("*.Bücher.example", "*.xn--bcher-kva.example"),
        ("xn--bcher-kva.example.com", "xn--bcher-kva.example.com"),
        ("例え\u3002テスト", "xn--r8jz45g.xn--zckzah"),
        # IDNA 2008 keeps the sharp s and the final sigma: IDNA 2003 turned them into other domains.
        ("straße.de", "xn--strae-oqa.de"),
        ("Straße.Example", "xn--strae-oqa.example"),
        ("*.straße.example", "*.xn--strae-oqa.example"),
        ("XN--STRAE-OQA.example", "xn--strae-oqa.example"),
        ("ὀδυσσεύς.example", "xn--pxac3bcak3d8526a.example"),
        ("ａｂｃ.example", "abc.example"),  # noqa: RUF001 - UTS 46 maps full-width letters
    ],
)
def test_normalize_name_lowercases_and_converts_to_a_labels(raw, expected):
    assert crypto.normalize_name(raw) == expected


def test_unicode_and_a_label_forms_are_one_certificate_request():
    assert crypto.certificate_names("straße.example", ["www.straße.example"]) == crypto.certificate_names(
        "xn--strae-oqa.example", ["www.xn--strae-oqa.example"]
    )


@pytest.mark.parametrize(
    "raw, words",
    [
        ("☃.example", "U+2603"),  # valid in IDNA 2003 (xn--n3h), not in IDNA 2008
        ("\u2665.example", "U+2665"),
        ("\U0001f4a9.example", "U+1F4A9"),
        ("a\u0378b.example", "U+0378"),  # unassigned
        ("xn--n3h.example", "not a valid IDNA 2008 A-label"),  # the IDNA 2003 snowman, as an A-label
        ("xn--a.example", "not a valid IDNA 2008 A-label"),
        ("xn--ss-.example", "not a valid IDNA 2008 A-label"),
        ("-äb.example", "hyphen"),
    ],
)
def test_names_idna_2008_refuses_fail(raw, words):
    with pytest.raises(crypto.InvalidNameError) as caught:
        crypto.normalize_name(raw)
    assert words in caught.value.problem
    assert caught.value.fix


@pytest.mark.parametrize(
    "common_name, sans, field",
    [
        ("☃.example", [], "common_name"),
        ("www.example.com", ["example.com", "xn--n3h.example"], "subject_alt_names[1]"),
        ("www.example.com", ["\u2665.example"], "subject_alt_names[0]"),
    ],
)
def test_certificate_names_names_the_field_of_a_refused_name(common_name, sans, field):
    with pytest.raises(crypto.InvalidNameError) as caught:
        crypto.certificate_names(common_name, sans)
    assert caught.value.field == field
    assert crypto.name_field(caught.value) == field


def test_without_idna_a_non_ascii_name_fails_instead_of_being_converted(monkeypatch):
    # Hides the package the way a managed host without it would (import failed -> idna is None).
    monkeypatch.setattr(names, "idna", None)
    with pytest.raises(crypto.InvalidNameError) as caught:
        crypto.certificate_names("www.example.com", ["straße.example"])
    assert caught.value.field == "subject_alt_names[0]"
    assert "'idna'" in caught.value.problem
    assert "xn--" in caught.value.fix
    # ASCII names and A-labels keep working without the package.
    assert crypto.normalize_name("WWW.Example.com.") == "www.example.com"
    assert crypto.normalize_name("xn--strae-oqa.example") == "xn--strae-oqa.example"
    with pytest.raises(crypto.InvalidNameError, match="not valid punycode"):
        crypto.normalize_name("xn--99999999999.example")


def test_idna_2008_is_used_not_the_standard_library_codec():
    # The standard library's codec is IDNA 2003: the same input gives another domain.
    assert "straße.de".encode("idna") == b"strasse.de"
    assert crypto.normalize_name("straße.de") != "strasse.de"


@pytest.mark.parametrize(
    "name",
    [
        "www.example.com",
        "*.example.com",
        "a-b.example.co.uk",
        "xn--bcher-kva.example",
        "1.example.com",
        "a" * 63 + ".com",
    ],
)
def test_valid_names_pass(name):
    crypto.validate_name(name)


@pytest.mark.parametrize(
    "name, words",
    [
        ("", "empty"),
        ("localhost", "fully qualified"),
        ("192.0.2.1", "IP address"),
        ("2001:db8::1", "IP address"),
        ("*.com", "top-level"),
        ("www.*.example.com", "wrong place"),
        ("w*.example.com", "wrong place"),
        ("*.*.example.com", "wrong place"),
        ("under_score.example.com", "only letters"),
        ("-lead.example.com", "only letters"),
        ("trail-.example.com", "only letters"),
        ("a..example.com", "empty label"),
        ("a" * 64 + ".com", "63"),
        (("a" * 60 + ".") * 5 + "com", "253"),
        ("example.123", "numeric"),
    ],
)
def test_invalid_names_are_refused_with_the_reason(name, words):
    with pytest.raises(crypto.InvalidNameError) as info:
        crypto.validate_name(name)
    assert words in info.value.problem
    assert info.value.fix


def test_wildcard_fix_suggests_the_valid_form():
    with pytest.raises(crypto.InvalidNameError) as info:
        crypto.validate_name("www.*.example.com")
    assert "*.example.com" in info.value.fix


def test_wildcards_can_be_forbidden():
    with pytest.raises(crypto.InvalidNameError):
        crypto.validate_name("*.example.com", allow_wildcard=False)


def test_certificate_names_put_the_common_name_first_and_drop_duplicates():
    cn, names = crypto.certificate_names(
        "WWW.example.com", ["example.com", "www.EXAMPLE.com.", "Example.com", "bücher.example.com"]
    )
    assert cn == "www.example.com"
    assert names == ["www.example.com", "example.com", "xn--bcher-kva.example.com"]


def test_certificate_names_report_which_name_is_bad():
    with pytest.raises(crypto.InvalidNameError) as info:
        crypto.certificate_names("www.example.com", ["ok.example.com", "bad_name.example.com"])
    assert info.value.index == 1
    with pytest.raises(crypto.InvalidNameError) as info:
        crypto.certificate_names("*.com", [])
    assert info.value.index is None


@pytest.mark.parametrize(
    "name, companion",
    [("www.example.com", "example.com"), ("example.com", "www.example.com"), ("*.example.com", "example.com")],
)
def test_companion_name(name, companion):
    assert crypto.companion_name(name) == companion


# -------------------------------------------------------------------------------------- keys


@pytest.mark.parametrize("key_type", crypto.KEY_TYPES)
def test_generated_keys_have_the_asked_type(key_type):
    key = crypto.generate_private_key(key_type)
    assert crypto.key_type_of(key) == key_type
    assert crypto.key_type_of(key.public_key()) == key_type


@pytest.mark.parametrize(
    "text, canonical",
    [("rsa2048", "RSA-2048"), ("RSA_4096", "RSA-4096"), ("ec-p-256", "EC-P256"), ("ECDSA-P384", "EC-P384")],
)
def test_key_type_spellings(text, canonical):
    assert crypto.canonical_key_type(text) == canonical


@pytest.mark.parametrize("key_type", ["RSA-1024", "EC-P521", "DSA-2048", "bogus"])
def test_unsupported_key_types_are_refused(key_type):
    with pytest.raises(crypto.CryptoInputError):
        crypto.generate_private_key(key_type)


def test_key_size_and_algorithm(rsa_key, ec_key):
    assert crypto.key_size_of(rsa_key) == 2048
    assert crypto.key_size_of(ec_key) == 256
    assert crypto.key_algorithm_of(rsa_key) == "RSA"
    assert crypto.key_algorithm_of(ec_key) == "EC"


def test_unencrypted_key_round_trip(rsa_key):
    pem = crypto.serialize_private_key(rsa_key)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert crypto.same_public_key(crypto.load_private_key(pem), rsa_key)


def test_encrypted_key_round_trip_and_load_errors(ec_key):
    pem = crypto.serialize_private_key(ec_key, "s3cret")
    assert b"ENCRYPTED" in pem
    assert crypto.same_public_key(crypto.load_private_key(pem, "s3cret"), ec_key)
    with pytest.raises(crypto.KeyLoadError) as info:
        crypto.load_private_key(pem)
    assert info.value.reason == "passphrase_required"
    with pytest.raises(crypto.KeyLoadError) as info:
        crypto.load_private_key(pem, "wrong")
    assert info.value.reason == "passphrase_wrong"
    with pytest.raises(crypto.KeyLoadError) as info:
        crypto.load_private_key(crypto.serialize_private_key(ec_key), "unexpected")
    assert info.value.reason == "not_encrypted"


def test_garbage_is_not_a_key():
    with pytest.raises(crypto.KeyLoadError) as info:
        crypto.load_private_key(b"hello world")
    assert info.value.reason == "invalid"
    with pytest.raises(crypto.KeyLoadError):
        crypto.load_private_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")


def test_traditional_rsa_pem_loads(rsa_key):
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    assert crypto.key_type_of(crypto.load_private_key(pem)) == "RSA-2048"


def test_fingerprint_is_the_same_for_private_and_public_key(rsa_key, ec_key):
    fp = crypto.public_key_fingerprint(rsa_key)
    assert fp == crypto.public_key_fingerprint(rsa_key.public_key())
    assert len(fp.split(":")) == 32
    assert fp != crypto.public_key_fingerprint(ec_key)


# -------------------------------------------------------------------------------------- CSRs


def _csr(key, cn="www.example.com", names=("www.example.com", "example.com"), **subject):
    return crypto.build_csr(key, cn, list(names), subject)


def test_built_csr_carries_subject_names_and_key(rsa_key):
    pem = _csr(rsa_key, organization="Example Sdn Bhd", country="MY", email_address="admin@example.com")
    facts = crypto.parse_csr(pem)
    assert facts["common_name"] == "www.example.com"
    assert facts["subject_alt_names"] == ["www.example.com", "example.com"]
    assert facts["subject"] == {
        "common_name": "www.example.com",
        "organization": "Example Sdn Bhd",
        "country": "MY",
        "email_address": "admin@example.com",
    }
    assert facts["subject_string"].startswith("1.2.840.113549.1.9.1=admin@example.com,CN=www.example.com")
    assert facts["key_type"] == "RSA-2048"
    assert facts["key_size"] == 2048
    assert facts["signature_algorithm"] == "sha256WithRSAEncryption"
    assert facts["signature_valid"] is True
    assert crypto.key_matches_csr(rsa_key, pem)


def test_rsa_csr_is_deterministic(rsa_key):
    assert _csr(rsa_key) == _csr(rsa_key)


def test_ec_csr_signature_algorithm(ec_key):
    facts = crypto.parse_csr(crypto.build_csr(ec_key, "a.example.com", ["a.example.com"], digest="sha384"))
    assert facts["signature_algorithm"] == "ecdsa-with-SHA384"
    assert facts["key_type"] == "EC-P256"


def test_der_csr_loads(rsa_key):
    pem = _csr(rsa_key)
    der = x509.load_pem_x509_csr(pem).public_bytes(serialization.Encoding.DER)
    assert crypto.parse_csr(der)["common_name"] == "www.example.com"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a csr",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
    ],
)
def test_not_a_csr(data):
    with pytest.raises(crypto.CSRLoadError) as info:
        crypto.load_csr(data)
    assert "not a certificate signing request" in info.value.problem


def test_csr_differences_empty_when_everything_fits(rsa_key):
    pem = _csr(rsa_key, organization="Ex")
    assert (
        crypto.csr_differences(
            pem, "www.example.com", ["example.com", "www.example.com"], {"organization": "Ex"}, rsa_key
        )
        == []
    )


def test_csr_differences_name_each_mismatch(rsa_key, ec_key):
    pem = _csr(rsa_key)
    reasons = crypto.csr_differences(
        pem, "www.example.com", ["www.example.com", "shop.example.com"], {"organization": "Ex"}, ec_key
    )
    assert reasons == [
        "CSR subject differs (organization)",
        "CSR names differ (missing shop.example.com; extra example.com)",
        "CSR was made for another key",
    ]


def test_csr_with_broken_signature_never_fits(rsa_key, ec_key):
    # A CSR whose signature was made by another key than the one it carries.
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.example.com")])
    )
    good = builder.sign(rsa_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    tampered = bytearray(good)
    tampered[-5] ^= 0xFF  # flip signature bits
    csr = x509.load_der_x509_csr(bytes(tampered))
    assert crypto.parse_csr(csr)["signature_valid"] is False
    assert "CSR signature does not verify" in crypto.csr_differences(csr, "www.example.com", [], None, rsa_key)


def test_subject_validation_names_the_field():
    crypto.validate_subject({"country": "MY", "email_address": "a@example.com", "organization": "Ex"})
    for subject, field in (
        ({"country": "Malaysia"}, "country"),
        ({"email_address": "nope"}, "email_address"),
        ({"organization": "x" * 65}, "organization"),
    ):
        with pytest.raises(crypto.CryptoInputError) as info:
            crypto.validate_subject(subject)
        assert info.value.field == field


# ------------------------------------------------------------------------------- certificates


def _self_signed(key, cn="www.example.com", names=("www.example.com",), days=90, ca=False):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x1234ABCD)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def test_parse_certificate(ec_key):
    pem = _self_signed(ec_key, names=("www.example.com", "Example.com"))
    facts = crypto.parse_certificate(pem)
    assert facts["serial"] == "1234abcd"
    assert facts["serial_number"] == str(0x1234ABCD)
    assert facts["common_name"] == "www.example.com"
    assert facts["subject_alt_names"] == ["www.example.com", "example.com"]
    assert facts["not_before"] == "2026-11-01T00:00:00Z"
    assert facts["not_after"] == "2027-01-30T00:00:00Z"
    assert facts["issuer"] == {"common_name": "www.example.com"}
    assert facts["key_type"] == "EC-P256"
    assert facts["self_signed"] is True
    assert facts["is_ca"] is False
    assert len(facts["fingerprint_sha256"].split(":")) == 32
    assert crypto.key_matches_certificate(ec_key, pem)
    cert = crypto.load_certificate(pem)
    assert crypto.certificate_signed_by(cert, cert)


def test_bundle_loads_every_certificate(ec_key, rsa_key):
    bundle = _self_signed(ec_key) + _self_signed(rsa_key, cn="ca.example.com", ca=True)
    certs = crypto.load_certificates(bundle)
    assert [crypto.parse_certificate(c)["common_name"] for c in certs] == ["www.example.com", "ca.example.com"]
    assert crypto.certificate_is_ca(certs[1])
    assert not crypto.key_matches_certificate(rsa_key, certs[0])
    assert not crypto.certificate_signed_by(certs[0], certs[1])
    assert crypto.load_certificates(b"") == []


def test_not_a_certificate():
    with pytest.raises(crypto.CertificateLoadError):
        crypto.load_certificate(b"garbage")


def test_ec_helpers_cover_p384():
    key = ec.generate_private_key(ec.SECP384R1())
    assert crypto.key_type_of(key) == "EC-P384"


# ------------------------------------------------------------- issuer checks and bundles (cryptography's own)


def _issued(subject_key, issuer_key, issuer_name, cn, ca=False, rsa_pss=False):
    from cryptography.hazmat.primitives.asymmetric import padding

    now = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(issuer_name)
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    algorithm = None if _is_edwards(issuer_key) else hashes.SHA256()
    if rsa_pss:
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        return builder.sign(issuer_key, algorithm, rsa_padding=pss)
    return builder.sign(issuer_key, algorithm)


def _is_edwards(key):
    from cryptography.hazmat.primitives.asymmetric import ed448, ed25519

    return isinstance(key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey))


def _ca(key, cn="Example CA"):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    return _issued(key, key, name, cn, ca=True)


@pytest.mark.parametrize("issuer_kind", ["rsa", "rsa-pss", "ec", "ed25519"])
def test_certificate_signed_by_verifies_every_signature_algorithm(issuer_kind, rsa_key, ec_key):
    from cryptography.hazmat.primitives.asymmetric import ed25519

    issuer_key = {"rsa": rsa_key, "rsa-pss": rsa_key, "ec": ec_key, "ed25519": ed25519.Ed25519PrivateKey.generate()}[
        issuer_kind
    ]
    ca = _ca(issuer_key)
    leaf = _issued(ec_key, issuer_key, ca.subject, "www.example.com", rsa_pss=issuer_kind == "rsa-pss")
    assert crypto.certificate_signed_by(leaf, ca)
    # The same name with another key: the signature does not verify.
    impostor = _ca(ec.generate_private_key(ec.SECP256R1()))
    assert not crypto.certificate_signed_by(leaf, impostor)
    # The right key under another name is not the issuer either.
    renamed = _ca(issuer_key, cn="Other CA")
    assert not crypto.certificate_signed_by(leaf, renamed)


def test_split_leaf_and_chain_follows_an_rsa_pss_intermediate(rsa_key, ec_key):
    # Before cryptography's own check, an RSA-PSS signature broke the chain (PKCS#1 v1.5 was assumed).
    root = _ca(rsa_key, cn="Root")
    intermediate_key = ec.generate_private_key(ec.SECP256R1())
    intermediate = _issued(intermediate_key, rsa_key, root.subject, "Intermediate", ca=True, rsa_pss=True)
    leaf = _issued(ec_key, intermediate_key, intermediate.subject, "www.example.com")
    found_leaf, chain = crypto.split_leaf_and_chain([root, leaf, intermediate])
    assert found_leaf == leaf and chain == [intermediate]
    assert crypto.chain_problems(leaf, chain) == []


def test_fallback_before_cryptography_40_agrees_for_rsa_and_ecdsa(rsa_key, ec_key):
    # Managed hosts with an old cryptography (Debian 12: 38) take this path; it covers what our CA
    # and WebNIC issue (RSA PKCS#1 v1.5, ECDSA) and refuses the rest instead of guessing.
    for issuer_key in (rsa_key, ec_key):
        ca = _ca(issuer_key)
        leaf = _issued(ec_key, issuer_key, ca.subject, "www.example.com")
        assert crypto._certificate_signed_by_before_40(leaf, ca)
        assert not crypto._certificate_signed_by_before_40(leaf, _ca(ec.generate_private_key(ec.SECP256R1())))
        assert not crypto._certificate_signed_by_before_40(leaf, _ca(issuer_key, cn="Other CA"))


def test_bundle_with_text_and_a_key_between_certificates(ec_key, rsa_key):
    first = _self_signed(ec_key)
    second = _self_signed(rsa_key, cn="ca.example.com", ca=True)
    key_block = crypto.serialize_private_key(ec_key)
    bundle = b"subject=www.example.com\n" + first + key_block + b"# the CA\n" + second
    certs = crypto.load_certificates(bundle)
    assert [c.subject.rfc4514_string() for c in certs] == ["CN=www.example.com", "CN=ca.example.com"]


def test_bundle_with_a_broken_certificate_block_is_refused(ec_key):
    good = _self_signed(ec_key)
    broken = b"-----BEGIN CERTIFICATE-----\nTUlJQm9yb2tlbg==\n-----END CERTIFICATE-----\n"
    with pytest.raises(crypto.CertificateLoadError):
        crypto.load_certificates(good + broken)
    with pytest.raises(crypto.CertificateLoadError):
        crypto.load_certificates(crypto.serialize_private_key(ec_key))
