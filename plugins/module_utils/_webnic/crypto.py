# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local key, CSR and certificate work with ``cryptography``: pure functions, no module, no I/O.

Everything here takes and returns plain values (bytes, str, dicts, ``cryptography`` objects) and
raises :class:`CryptoInputError` subclasses carrying a ``problem`` and a ``fix``; the calling module
adds the option name and fails. Modules must check :data:`HAS_CRYPTOGRAPHY` first and fail with
``missing_required_lib("cryptography")``.

Host names are handled by :mod:`names` (re-exported here), which does not need ``cryptography``.
"""

import datetime
import hashlib
import re
import traceback

CRYPTOGRAPHY_IMPORT_ERROR = None
try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
    from cryptography.x509.oid import ExtensionOID, NameOID
except ImportError:  # pragma: no cover - exercised by the import sanity test only
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True


# Host names live in names.py (no cryptography there); re-exported so callers keep one import.
from .names import (  # pylint: disable=unused-import
    CryptoInputError,
    InvalidNameError,
    HAS_IDNA,
    IDNA_IMPORT_ERROR,
    certificate_names,
    companion_name,
    comparable_name,
    is_wildcard,
    name_field,
    normalize_name,
    normalize_names,
    url_host,
    validate_name,
)

# --------------------------------------------------------------------------------------- errors


class KeyLoadError(CryptoInputError):
    """A private key that cannot be read. ``reason`` is one of ``passphrase_required``,
    ``passphrase_wrong``, ``not_encrypted``, ``invalid``."""

    def __init__(self, reason, problem, fix=None):
        super().__init__(problem, fix)
        self.reason = reason


class CSRLoadError(CryptoInputError):
    """Bytes that are not a certificate signing request."""


class CertificateLoadError(CryptoInputError):
    """Bytes that are not an X.509 certificate."""


# ------------------------------------------------------------------------------------ keys

#: The key types the collection makes, in the spelling of WebNIC's product rules.
KEY_TYPES = ("RSA-2048", "RSA-3072", "RSA-4096", "EC-P256", "EC-P384")

_CURVES = {"P256": "secp256r1", "P384": "secp384r1", "P521": "secp521r1"}
_CURVE_LABELS = {"secp256r1": "P256", "secp384r1": "P384", "secp521r1": "P521"}


def parse_key_type(key_type):
    """``"RSA-2048"`` -> ``("RSA", 2048)``; ``"EC-P256"`` -> ``("EC", 256)``. Raises CryptoInputError."""
    text = (key_type or "").strip().upper().replace("_", "-")
    match = re.match(r"^(RSA)-?(\d+)$", text) or re.match(r"^(EC|ECC|ECDSA)-?P-?(\d+)$", text)
    if not match:
        raise CryptoInputError("%r is not a key type" % key_type, "Use one of %s" % ", ".join(KEY_TYPES))
    family = "RSA" if match.group(1) == "RSA" else "EC"
    return family, int(match.group(2))


def canonical_key_type(key_type):
    """Spell a key type the canonical way (``rsa2048`` -> ``RSA-2048``, ``ec-p-256`` -> ``EC-P256``)."""
    family, size = parse_key_type(key_type)
    return "RSA-%d" % size if family == "RSA" else "EC-P%d" % size


def generate_private_key(key_type):
    """Make a new private key of ``key_type`` (one of :data:`KEY_TYPES`)."""
    family, size = parse_key_type(key_type)
    if family == "RSA":
        if size not in (2048, 3072, 4096):
            raise CryptoInputError("RSA keys of %d bits are not supported" % size, "Use RSA-2048, RSA-3072 or RSA-4096")
        return rsa.generate_private_key(public_exponent=65537, key_size=size)
    curve_name = _CURVES.get("P%d" % size)
    if curve_name not in ("secp256r1", "secp384r1"):
        raise CryptoInputError("EC curve P-%d is not supported" % size, "Use EC-P256 or EC-P384")
    curve = ec.SECP256R1() if curve_name == "secp256r1" else ec.SECP384R1()
    return ec.generate_private_key(curve)


def key_type_of(key):
    """The key type string of a private or public key: ``RSA-2048``, ``EC-P256``, ``Ed25519``..."""
    public = key.public_key() if hasattr(key, "public_key") else key
    if isinstance(public, rsa.RSAPublicKey):
        return "RSA-%d" % public.key_size
    if isinstance(public, ec.EllipticCurvePublicKey):
        label = _CURVE_LABELS.get(public.curve.name)
        return "EC-%s" % label if label else "EC-%s" % public.curve.name
    if isinstance(public, dsa.DSAPublicKey):
        return "DSA-%d" % public.key_size
    if isinstance(public, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(public, ed448.Ed448PublicKey):
        return "Ed448"
    return type(public).__name__


def key_size_of(key):
    """Bits of an RSA/DSA key or of an EC key's curve; ``None`` for other types."""
    public = key.public_key() if hasattr(key, "public_key") else key
    if isinstance(public, (rsa.RSAPublicKey, dsa.DSAPublicKey)):
        return public.key_size
    if isinstance(public, ec.EllipticCurvePublicKey):
        return public.curve.key_size
    return None


def key_algorithm_of(key):
    """``RSA``, ``EC``, ``DSA``, ``Ed25519``, ``Ed448``."""
    return key_type_of(key).split("-")[0]


def _to_bytes(value):
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    return value.encode("utf-8")


def serialize_private_key(key, passphrase=None):
    """PEM (PKCS#8) bytes of ``key``, encrypted with the best available cipher when ``passphrase``."""
    if passphrase:
        encryption = serialization.BestAvailableEncryption(_to_bytes(passphrase))
    else:
        encryption = serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def load_private_key(data, passphrase=None):
    """Load a PEM (or DER) private key. Raises :class:`KeyLoadError` with a precise ``reason``."""
    data = _to_bytes(data)
    password = _to_bytes(passphrase) if passphrase else None
    loaders = [serialization.load_pem_private_key]
    if b"-----BEGIN" not in (data or b""):
        loaders = [serialization.load_der_private_key]
    last = None
    for loader in loaders:
        try:
            return loader(data, password=password)
        except TypeError as exc:
            text = str(exc).lower()
            if "not encrypted" in text:
                raise KeyLoadError(
                    "not_encrypted",
                    "the private key is not encrypted, but a passphrase was given",
                    "Remove the passphrase option, or set regenerate to replace the key with an encrypted one",
                )
            if "password was not given" in text or "encrypted" in text:
                raise KeyLoadError(
                    "passphrase_required",
                    "the private key is encrypted and no passphrase was given",
                    "Give the key's passphrase",
                )
            last = exc
        except ValueError as exc:
            last = exc
            if password and b"ENCRYPTED" in (data or b""):
                raise KeyLoadError(
                    "passphrase_wrong",
                    "the passphrase does not decrypt the private key",
                    "Give the passphrase the key was written with",
                )
        except UnsupportedAlgorithm as exc:
            last = exc
    raise KeyLoadError(
        "invalid",
        "the file is not a private key this host can read (%s)" % (last or "unknown format"),
        "Point the option at a PEM private key, or move the file away so a new key is made",
    )


def public_key_der(key):
    """DER SubjectPublicKeyInfo of a private key, public key, CSR or certificate."""
    if hasattr(key, "public_key"):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_fingerprint(key):
    """SHA-256 of the DER SubjectPublicKeyInfo, colon-separated hex (``ab:cd:...``)."""
    return _colon_hex(hashlib.sha256(public_key_der(key)).digest())


def same_public_key(first, second):
    """True when two keys/CSRs/certificates carry the same public key."""
    return public_key_der(first) == public_key_der(second)


def _colon_hex(digest):
    return ":".join("%02x" % c for c in bytearray(digest))


# ----------------------------------------------------------------------------------- subjects

#: Subject field name (as used by the modules' options) -> OID, in the conventional DN order.
SUBJECT_FIELDS = (
    ("country", "C"),
    ("state_or_province", "ST"),
    ("locality", "L"),
    ("organization", "O"),
    ("organizational_unit", "OU"),
    ("common_name", "CN"),
    ("email_address", "emailAddress"),
)


def _subject_oids():
    return {
        "country": NameOID.COUNTRY_NAME,
        "state_or_province": NameOID.STATE_OR_PROVINCE_NAME,
        "locality": NameOID.LOCALITY_NAME,
        "organization": NameOID.ORGANIZATION_NAME,
        "organizational_unit": NameOID.ORGANIZATIONAL_UNIT_NAME,
        "common_name": NameOID.COMMON_NAME,
        "email_address": NameOID.EMAIL_ADDRESS,
    }


def validate_subject(subject):
    """Check the non-name subject fields. Raises CryptoInputError with ``field`` set."""
    for field, value in (subject or {}).items():
        if value is None:
            continue
        if field not in _subject_oids():
            exc = CryptoInputError(
                "%r is not a subject field" % field, "Use one of %s" % ", ".join(pair[0] for pair in SUBJECT_FIELDS)
            )
            exc.field = field
            raise exc
        text = str(value)
        if field == "country" and not re.match(r"^[A-Z]{2}$", text):
            exc = CryptoInputError(
                "%r is not a two-letter ISO 3166 country code" % text, "Use a code such as MY, SG or US"
            )
            exc.field = field
            raise exc
        if field == "email_address" and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", text):
            exc = CryptoInputError("%r is not an e-mail address" % text, "Use an address such as admin@example.com")
            exc.field = field
            raise exc
        if not text.strip() or (len(text) > 64 and field != "email_address"):
            exc = CryptoInputError("must be 1 to 64 characters", "Shorten or fill in the value")
            exc.field = field
            raise exc


def build_subject(common_name, **fields):
    """An ``x509.Name`` of the common name and the optional fields of :data:`SUBJECT_FIELDS`."""
    values = dict(fields)
    values["common_name"] = common_name
    oids = _subject_oids()
    attributes = []
    for field, _short in SUBJECT_FIELDS:
        value = values.get(field)
        if value:
            attributes.append(x509.NameAttribute(oids[field], str(value)))
    return x509.Name(attributes)


def subject_to_dict(name):
    """An ``x509.Name`` as ``{field: value}`` with the field names of :data:`SUBJECT_FIELDS`;
    attributes outside that list use their dotted OID (or short name) as key. Repeated attributes
    keep the first value."""
    names = {oid.dotted_string: field for field, oid in _subject_oids().items()}
    result = {}
    for attribute in name:
        key = (
            names.get(attribute.oid.dotted_string)
            or getattr(attribute.oid, "_name", None)
            or attribute.oid.dotted_string
        )
        value = attribute.value
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        result.setdefault(key, value)
    return result


def name_to_string(name):
    """RFC 4514 string of an ``x509.Name``."""
    return name.rfc4514_string()


# ---------------------------------------------------------------------------------------- CSRs


def _digest(digest):
    algorithms = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
    if digest not in algorithms:
        raise CryptoInputError("%r is not a supported digest" % digest, "Use sha256, sha384 or sha512")
    return algorithms[digest]()


def build_csr(private_key, common_name, dns_names, subject=None, digest="sha256"):
    """Build and sign a CSR; returns PEM bytes.

    ``dns_names`` go into a non-critical subjectAltName extension (pass them normalised, with the
    common name among them); ``subject`` holds optional fields of :data:`SUBJECT_FIELDS`.
    RSA PKCS#1 v1.5 signatures are deterministic, so the same key and input give the same bytes.
    """
    fields = {k: v for k, v in (subject or {}).items() if k != "common_name"}
    builder = x509.CertificateSigningRequestBuilder().subject_name(build_subject(common_name, **fields))
    if dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in dns_names]), critical=False
        )
    csr = builder.sign(private_key, _digest(digest))
    return csr.public_bytes(serialization.Encoding.PEM)


def load_csr(data):
    """Load a PEM or DER CSR. Raises :class:`CSRLoadError`."""
    data = _to_bytes(data) or b""
    try:
        if b"-----BEGIN" in data:
            if b"CERTIFICATE REQUEST-----" not in data:
                raise ValueError("PEM block is not a CERTIFICATE REQUEST")
            return x509.load_pem_x509_csr(data)
        return x509.load_der_x509_csr(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        error = CSRLoadError(
            "the content is not a certificate signing request (%s)" % exc,
            "Give a PEM CSR (-----BEGIN CERTIFICATE REQUEST-----)",
        )
        error.reason = str(exc)
        raise error


def _dns_names(extensions):
    try:
        san = extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except x509.ExtensionNotFound:
        return [], []
    dns = [name.lower() for name in san.get_values_for_type(x509.DNSName)]
    ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    return dns, ips


def signature_algorithm_of(obj):
    """``sha256WithRSAEncryption``, ``ecdsa-with-SHA256``... of a CSR or certificate."""
    oid = obj.signature_algorithm_oid
    return getattr(oid, "_name", None) or oid.dotted_string


def csr_signature_valid(csr):
    try:
        return bool(csr.is_signature_valid)
    except Exception:  # unsupported algorithm etc.
        return False


def parse_csr(csr):
    """The facts of a CSR (object, PEM or DER) as a dict:

    ``common_name``, ``subject_alt_names`` (DNS, lower case, in order), ``ip_addresses``,
    ``subject`` (dict, see :func:`subject_to_dict`), ``subject_string`` (RFC 4514),
    ``key_type`` (``RSA-2048``...), ``key_algorithm``, ``key_size``, ``public_key_fingerprint``,
    ``signature_algorithm``, ``signature_valid``.
    """
    if not hasattr(csr, "subject"):
        csr = load_csr(csr)
    subject = subject_to_dict(csr.subject)
    dns, ips = _dns_names(csr.extensions)
    public = csr.public_key()
    return {
        "common_name": (subject.get("common_name") or "").lower() or None,
        "subject_alt_names": dns,
        "ip_addresses": ips,
        "subject": subject,
        "subject_string": name_to_string(csr.subject),
        "key_type": key_type_of(public),
        "key_algorithm": key_algorithm_of(public),
        "key_size": key_size_of(public),
        "public_key_fingerprint": public_key_fingerprint(public),
        "signature_algorithm": signature_algorithm_of(csr),
        "signature_valid": csr_signature_valid(csr),
    }


def csr_differences(csr, common_name, dns_names, subject=None, private_key=None):
    """Why an existing CSR does not fit the wanted one: a list of reasons (empty = it fits).

    Compares the subject fields (as a set, order ignored), the DNS names (as a set) and, when
    ``private_key`` is given, the public key; a CSR whose signature does not verify never fits.
    """
    facts = parse_csr(csr)
    reasons = []
    wanted = {k: str(v) for k, v in (subject or {}).items() if v}
    wanted["common_name"] = common_name
    have = dict(facts["subject"].items())
    if have.get("common_name"):
        have["common_name"] = have["common_name"].lower()
    if have != wanted:
        changed = sorted(k for k in set(have) | set(wanted) if have.get(k) != wanted.get(k))
        reasons.append("CSR subject differs (%s)" % ", ".join(changed))
    if set(facts["subject_alt_names"]) != set(dns_names) or facts["ip_addresses"]:
        missing = sorted(set(dns_names) - set(facts["subject_alt_names"]))
        extra = sorted(set(facts["subject_alt_names"]) - set(dns_names)) + facts["ip_addresses"]
        detail = []
        if missing:
            detail.append("missing " + ", ".join(missing))
        if extra:
            detail.append("extra " + ", ".join(extra))
        reasons.append("CSR names differ (%s)" % "; ".join(detail))
    if private_key is not None and not same_public_key(
        private_key, csr if hasattr(csr, "public_key") else load_csr(csr)
    ):
        reasons.append("CSR was made for another key")
    if not facts["signature_valid"]:
        reasons.append("CSR signature does not verify")
    return reasons


def key_matches_csr(private_key, csr):
    """True when the CSR (object, PEM or DER) was made for ``private_key``."""
    if not hasattr(csr, "public_key"):
        csr = load_csr(csr)
    return same_public_key(private_key, csr)


# -------------------------------------------------------------------------------- certificates

_PEM_CERT = re.compile(b"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


def load_certificate(data):
    """Load one PEM or DER certificate (the first of a PEM bundle). Raises CertificateLoadError."""
    data = _to_bytes(data) or b""
    try:
        if b"-----BEGIN" in data:
            match = _PEM_CERT.search(data)
            if not match:
                raise ValueError("no CERTIFICATE PEM block")
            return x509.load_pem_x509_certificate(match.group(0))
        return x509.load_der_x509_certificate(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise CertificateLoadError(
            "the content is not an X.509 certificate (%s)" % exc, "Give a PEM certificate (-----BEGIN CERTIFICATE-----)"
        )


def load_certificates(data):
    """Every certificate of a PEM bundle (or the one DER certificate), in order. Raises
    CertificateLoadError when the content holds no certificate or a bad CERTIFICATE block."""
    data = _to_bytes(data) or b""
    if not data.strip():
        return []
    if b"-----BEGIN" not in data:
        return [load_certificate(data)]
    load_bundle = getattr(x509, "load_pem_x509_certificates", None)
    if load_bundle is None:  # cryptography < 39: see _certificate_signed_by_before_40
        return [load_certificate(block) for block in _PEM_CERT.findall(data)] or [load_certificate(data)]
    try:
        # cryptography's own PEM parser: skips other blocks (keys, text), refuses a broken certificate.
        return load_bundle(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise CertificateLoadError(
            "the content is not a bundle of X.509 certificates (%s)" % exc,
            "Give PEM certificates (-----BEGIN CERTIFICATE-----)",
        )


def certificate_fingerprint(cert, algorithm="sha256"):
    """Colon-separated hex fingerprint of the DER certificate."""
    der = cert.public_bytes(serialization.Encoding.DER)
    return _colon_hex(hashlib.new(algorithm, der).digest())


def _utc(cert, attribute):
    value = getattr(cert, attribute + "_utc", None)
    if value is None:  # cryptography < 42
        value = getattr(cert, attribute).replace(tzinfo=_UTC)
    return value


try:
    _UTC = datetime.timezone.utc
except AttributeError:  # pragma: no cover
    _UTC = None


def format_time(value):
    """ISO 8601 UTC with ``Z``."""
    return value.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def certificate_not_before(cert):
    return _utc(cert, "not_valid_before")


def certificate_not_after(cert):
    return _utc(cert, "not_valid_after")


def certificate_is_ca(cert):
    try:
        return bool(cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca)
    except x509.ExtensionNotFound:
        return False


def parse_certificate(cert):
    """The facts of a certificate (object, PEM or DER) as a dict:

    ``serial`` (lower-case hex, no separators), ``serial_number`` (decimal string),
    ``fingerprint_sha256``, ``subject``/``issuer`` (dicts), ``subject_string``/``issuer_string``,
    ``common_name``, ``subject_alt_names``, ``not_before``/``not_after`` (ISO 8601 Z),
    ``key_type``, ``public_key_fingerprint``, ``signature_algorithm``, ``is_ca``, ``self_signed``.
    """
    if not hasattr(cert, "serial_number"):
        cert = load_certificate(cert)
    subject = subject_to_dict(cert.subject)
    dns, ips = _dns_names(cert.extensions)
    return {
        "serial": "%x" % cert.serial_number,
        "serial_number": str(cert.serial_number),
        "fingerprint_sha256": certificate_fingerprint(cert),
        "subject": subject,
        "subject_string": name_to_string(cert.subject),
        "issuer": subject_to_dict(cert.issuer),
        "issuer_string": name_to_string(cert.issuer),
        "common_name": (subject.get("common_name") or "").lower() or None,
        "subject_alt_names": dns,
        "ip_addresses": ips,
        "not_before": format_time(certificate_not_before(cert)),
        "not_after": format_time(certificate_not_after(cert)),
        "key_type": key_type_of(cert.public_key()),
        "public_key_fingerprint": public_key_fingerprint(cert.public_key()),
        "signature_algorithm": signature_algorithm_of(cert),
        "is_ca": certificate_is_ca(cert),
        "self_signed": cert.issuer == cert.subject,
    }


def certificate_facts(cert):
    """The facts results report of a certificate (serial, fingerprint, issuer, validity, names with the
    common name first): plain values, as the install record keeps them."""
    facts = parse_certificate(cert)
    names = list(facts["subject_alt_names"])
    if facts["common_name"] and facts["common_name"] not in names:
        names.insert(0, facts["common_name"])
    return {
        "serial": facts["serial"],
        "fingerprint": facts["fingerprint_sha256"],
        "issuer": facts["issuer_string"],
        "not_before": facts["not_before"],
        "not_after": facts["not_after"],
        "names": names,
    }


def key_matches_certificate(private_key, cert):
    """True when ``cert`` (object, PEM or DER) certifies ``private_key``'s public key."""
    if not hasattr(cert, "public_key"):
        cert = load_certificate(cert)
    return same_public_key(private_key, cert)


def certificate_signed_by(cert, issuer):
    """True when ``issuer`` directly issued ``cert``: its subject is ``cert``'s issuer and its key
    verifies ``cert``'s signature, for every algorithm cryptography supports (RSA PKCS#1 v1.5 and
    PSS, ECDSA, Ed25519, Ed448). Validity dates and extensions are checked elsewhere."""
    verify = getattr(cert, "verify_directly_issued_by", None)
    if verify is None:
        return _certificate_signed_by_before_40(cert, issuer)
    try:
        verify(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        # ValueError: another issuer name or an unsupported signature algorithm; TypeError: an
        # issuer key type that cannot sign certificates.
        return False
    return True


def _certificate_signed_by_before_40(cert, issuer):
    # cryptography < 40 has no verify_directly_issued_by (managed hosts on Debian 12 have 38; see
    # docs/getting-started.md). Only RSA PKCS#1 v1.5 and ECDSA there; other algorithms do not verify.
    if cert.issuer != issuer.subject:
        return False
    public = issuer.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def pem_to_text(data):
    """Bytes to str for results (PEM is ASCII)."""
    return data.decode("ascii") if isinstance(data, bytes) else data


# --- added for download ------------------------------------------------------------------------


def certificate_pem(cert):
    """PEM bytes of one certificate."""
    return cert.public_bytes(serialization.Encoding.PEM)


def split_leaf_and_chain(certs):
    """``(leaf, chain)`` of a bundle in any order: the leaf is the certificate no other one in the
    bundle was issued by (the first such one); the chain follows issuers from the leaf upwards.
    Self-signed roots are dropped from the chain (clients hold them already). Certificates that do
    not link are left out; :func:`chain_problems` reports the gaps."""
    certs = list(certs or [])
    if not certs:
        return None, []
    issuers = {c.issuer.public_bytes() for c in certs if c.issuer != c.subject}
    leaf = None
    for cert in certs:
        if cert.subject.public_bytes() not in issuers and not certificate_is_ca(cert):
            leaf = cert
            break
    if leaf is None:
        leaf = certs[0]
    chain = []
    current = leaf
    used = {certificate_fingerprint(leaf)}
    while current.issuer != current.subject:
        parent = None
        for cert in certs:
            if certificate_fingerprint(cert) in used:
                continue
            if cert.subject == current.issuer and certificate_signed_by(current, cert):
                parent = cert
                break
        if parent is None or parent.issuer == parent.subject:
            break
        chain.append(parent)
        used.add(certificate_fingerprint(parent))
        current = parent
    return leaf, chain


def chain_problems(leaf, chain):
    """Why ``chain`` does not certify ``leaf``: a list of reasons (empty when every link verifies)."""
    problems = []
    current = leaf
    for index, cert in enumerate(chain):
        if current.issuer != cert.subject:
            problems.append(
                "chain certificate %d (%s) is not the issuer of %s (issued by %s)"
                % (
                    index + 1,
                    name_to_string(cert.subject),
                    name_to_string(current.subject),
                    name_to_string(current.issuer),
                )
            )
        elif not certificate_signed_by(current, cert):
            problems.append(
                "the signature of %s does not verify with %s"
                % (name_to_string(current.subject), name_to_string(cert.subject))
            )
        elif not certificate_is_ca(cert):
            problems.append(
                "chain certificate %d (%s) is not a CA certificate" % (index + 1, name_to_string(cert.subject))
            )
        current = cert
    if not chain and leaf.issuer != leaf.subject:
        problems.append(
            "no intermediate certificate issued %s (issuer %s)"
            % (name_to_string(leaf.subject), name_to_string(leaf.issuer))
        )
    return problems


def build_pkcs12(private_key, cert, chain, password=None, friendly_name=None):
    """DER PKCS#12 bytes of key + certificate + chain, encrypted with ``password`` (or not)."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    if password:
        encryption = serialization.BestAvailableEncryption(_to_bytes(password))
    else:
        encryption = serialization.NoEncryption()
    name = _to_bytes(friendly_name) if friendly_name else None
    return pkcs12.serialize_key_and_certificates(name, private_key, cert, list(chain or []) or None, encryption)


def load_pkcs12(data, password=None):
    """``(private_key, cert, chain)`` of PKCS#12 bytes; ``None`` when they cannot be read with ``password``."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        key, cert, extra = pkcs12.load_key_and_certificates(_to_bytes(data), _to_bytes(password) if password else None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return None
    return key, cert, list(extra or [])


def pkcs12_holds(data, password, private_key, cert, chain):
    """True when the PKCS#12 bytes open with ``password`` and hold exactly this key, certificate and chain."""
    loaded = load_pkcs12(data, password)
    if loaded is None:
        return False
    key, have_cert, have_chain = loaded
    if key is None or have_cert is None or not same_public_key(key, private_key):
        return False
    if certificate_fingerprint(have_cert) != certificate_fingerprint(cert):
        return False
    return sorted(certificate_fingerprint(c) for c in have_chain) == sorted(
        certificate_fingerprint(c) for c in chain or []
    )


# --- the trust rule for a certificate that came from WebNIC -------------------------------------

#: How far the clocks of the CA and of this host may disagree before a certificate that is not
#: valid yet (or no longer valid) is refused.
CLOCK_SKEW_SECONDS = 300


def utc_now():
    return datetime.datetime.now(_UTC)


def validity_problems(cert, now=None, skew_seconds=CLOCK_SKEW_SECONDS, label=None):
    """Why ``cert`` is not valid at ``now`` (UTC, default the current time), allowing ``skew_seconds``
    of clock difference either way: a list of reasons, empty when it is valid."""
    now = now or utc_now()
    skew = datetime.timedelta(seconds=skew_seconds)
    label = label or name_to_string(cert.subject)
    not_before = certificate_not_before(cert)
    not_after = certificate_not_after(cert)
    if not_before - skew > now:
        return ["%s is not valid before %s (now %s)" % (label, format_time(not_before), format_time(now))]
    if not_after + skew < now:
        return ["%s expired at %s (now %s)" % (label, format_time(not_after), format_time(now))]
    return []


def parse_trust_store(blobs):
    """The certificates of PEM (or DER) trust-store files, given as bytes; unreadable entries are
    skipped (a system bundle may carry blocks this ``cryptography`` cannot load)."""
    roots = []
    for blob in blobs:
        data = _to_bytes(blob) or b""
        blocks = _PEM_CERT.findall(data) if b"-----BEGIN" in data else [data]
        for block in blocks:
            try:
                roots.append(load_certificate(block))
            except CertificateLoadError:
                continue
    return roots


def trust_problems(leaf, chain, roots, now=None, skew_seconds=CLOCK_SKEW_SECONDS):
    """Why the path leaf -> chain does not end at one of ``roots``: a list of reasons, empty when the
    top of the chain is a trusted root or is signed by one that is valid now."""
    if not roots:
        return ["no trusted root certificate is available to check the chain against"]
    top = chain[-1] if chain else leaf
    top_fingerprint = certificate_fingerprint(top)
    if any(certificate_fingerprint(root) == top_fingerprint for root in roots):
        return []
    expired = []
    for root in roots:
        if root.subject == top.issuer and certificate_signed_by(top, root):
            problems = validity_problems(root, now, skew_seconds, "the root %s" % name_to_string(root.subject))
            if not problems:
                return []
            expired.extend(problems)
    if expired:
        return expired
    return [
        "the chain ends at %s, issued by %s, which is not a trusted root"
        % (name_to_string(top.subject), name_to_string(top.issuer))
    ]


def issued_certificate_problems(leaf, chain, roots, now=None, skew_seconds=CLOCK_SKEW_SECONDS):
    """Every reason not to install ``leaf`` with ``chain`` (as split by :func:`split_leaf_and_chain`):
    a certificate of the path not valid now, a broken link, or no trusted root at the top.
    Names and key are the caller's to check (it knows what was asked for). Empty when all is well."""
    problems = validity_problems(leaf, now, skew_seconds, "the certificate")
    for index, cert in enumerate(chain):
        problems.extend(
            validity_problems(
                cert, now, skew_seconds, "chain certificate %d (%s)" % (index + 1, name_to_string(cert.subject))
            )
        )
    links = chain_problems(leaf, chain)
    problems.extend("chain: %s" % p for p in links)
    if not links:
        problems.extend(trust_problems(leaf, chain, roots, now, skew_seconds))
    return problems
