"""The simulator's test CA (root + intermediate) and the CSR/certificate work it does."""

from __future__ import annotations

import datetime
import ipaddress
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KEY_TYPES = ("RSA-2048", "RSA-3072", "RSA-4096", "EC-P256", "EC-P384")
CURVES = {"EC-P256": ec.SECP256R1, "EC-P384": ec.SECP384R1}
CURVE_NAMES = {"secp256r1": "EC-P256", "secp384r1": "EC-P384"}


class CSRError(ValueError):
    """The CSR cannot be used; the message says why."""


# The simulator's clock runs `offset` seconds ahead of the machine's (--clock-offset, to test skew checks).
CLOCK = {"offset": 0.0}


def now_timestamp():
    return time.time() + CLOCK["offset"]


def utcnow():
    return datetime.datetime.fromtimestamp(now_timestamp(), datetime.UTC).replace(microsecond=0)


def generate_key(key_type):
    if key_type in CURVES:
        return ec.generate_private_key(CURVES[key_type]())
    bits = int(key_type.split("-")[1])
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def key_type_of(public_key):
    """('RSA', 2048, 'RSA-2048') or ('EC', 256, 'EC-P256'); the last item is None when unsupported."""
    if isinstance(public_key, rsa.RSAPublicKey):
        name = f"RSA-{public_key.key_size}"
        return "RSA", public_key.key_size, name if name in KEY_TYPES else None
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return "EC", public_key.curve.key_size, CURVE_NAMES.get(public_key.curve.name)
    return type(public_key).__name__, None, None


def load_csr(pem):
    if not isinstance(pem, str) or "BEGIN CERTIFICATE REQUEST" not in pem:
        raise CSRError("not a PEM certificate signing request")
    try:
        csr = x509.load_pem_x509_csr(pem.strip().encode())
    except ValueError as exc:
        raise CSRError(f"cannot parse the CSR: {exc}") from None
    try:
        if not csr.is_signature_valid:
            raise CSRError("the CSR signature does not verify")
    except Exception as exc:  # unsupported algorithms raise instead of returning False
        raise CSRError(f"cannot verify the CSR signature: {exc}") from None
    return csr


def _attr(name, oid):
    values = name.get_attributes_for_oid(oid)
    return values[0].value if values else None


def describe_csr(csr):
    """The Decode CSR answer for a parsed CSR."""
    subject = csr.subject
    try:
        sans = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName
        )
    except x509.ExtensionNotFound:
        sans = []
    family, size, _unused = key_type_of(csr.public_key())
    algorithm = csr.signature_algorithm_oid._name  # the OpenSSL short name, e.g. sha256WithRSAEncryption
    return {
        "commonName": _attr(subject, NameOID.COMMON_NAME),
        "sans": sans,
        "organization": _attr(subject, NameOID.ORGANIZATION_NAME),
        "organizationUnit": _attr(subject, NameOID.ORGANIZATIONAL_UNIT_NAME),
        "city": _attr(subject, NameOID.LOCALITY_NAME),
        "state": _attr(subject, NameOID.STATE_OR_PROVINCE_NAME),
        "countryCode": _attr(subject, NameOID.COUNTRY_NAME),
        "email": _attr(subject, NameOID.EMAIL_ADDRESS),
        "keyType": family,
        "keySize": size,
        "signatureAlgorithm": algorithm,
    }


def generate_csr(subject_fields, key_type, sans):
    """Make a key and a CSR (the Generate CSR call); returns (csr_pem, key_pem)."""
    key = generate_key(key_type)
    attributes = [
        (NameOID.COUNTRY_NAME, subject_fields.get("countryCode")),
        (NameOID.STATE_OR_PROVINCE_NAME, subject_fields.get("state")),
        (NameOID.LOCALITY_NAME, subject_fields.get("city")),
        (NameOID.ORGANIZATION_NAME, subject_fields.get("organization")),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, subject_fields.get("organizationUnit")),
        (NameOID.COMMON_NAME, subject_fields["commonName"]),
        (NameOID.EMAIL_ADDRESS, subject_fields.get("email")),
    ]
    name = x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes if value])
    names = [subject_fields["commonName"]] + [s for s in sans if s != subject_fields["commonName"]]
    builder = x509.CertificateSigningRequestBuilder().subject_name(name)
    builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    csr = builder.sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode(), key_pem(key)


class CertificateAuthority:
    """Root and intermediate, created once and persisted (PEM) in the store's key/value table."""

    def __init__(self, store):
        material = store.get_kv("ca")
        if material is None:
            material = self._create()
            store.set_kv("ca", material)
        self.root_cert = x509.load_pem_x509_certificate(material["root_cert"].encode())
        self.inter_cert = x509.load_pem_x509_certificate(material["inter_cert"].encode())
        self.inter_key = serialization.load_pem_private_key(material["inter_key"].encode(), None)
        self.root_pem = material["root_cert"]
        self.inter_pem = material["inter_cert"]

    @staticmethod
    def _create():
        now = utcnow()
        root_key = ec.generate_private_key(ec.SECP256R1())
        root_name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "webnic_sim"),
                x509.NameAttribute(NameOID.COMMON_NAME, "webnic_sim Test Root CA"),
            ]
        )
        root = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=3650))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        inter_key = ec.generate_private_key(ec.SECP256R1())
        inter_name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "webnic_sim"),
                x509.NameAttribute(NameOID.COMMON_NAME, "webnic_sim Test Issuing CA"),
            ]
        )
        inter = (
            x509.CertificateBuilder()
            .subject_name(inter_name)
            .issuer_name(root_name)
            .public_key(inter_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=3650))
            .not_valid_after(now + datetime.timedelta(days=3640))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(inter_key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        return {"root_cert": cert_pem(root), "inter_cert": cert_pem(inter), "inter_key": key_pem(inter_key)}

    def issue(self, public_key, common_name, names, not_before, not_after, organization=None):
        """Sign a server certificate for `names` (CN first) over the given public key."""
        subject = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
        if organization:
            subject.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
        general_names = []
        for name in names:
            try:
                general_names.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                general_names.append(x509.DNSName(name))
        is_rsa = isinstance(public_key, rsa.RSAPublicKey)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name(subject))
            .issuer_name(self.inter_cert.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName(general_names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=is_rsa,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.inter_key.public_key()), critical=False
            )
            .sign(self.inter_key, hashes.SHA256())
        )
        return cert_pem(cert)

    def server_credentials(self, store):
        """(cert chain PEM, key PEM) for the simulator's own HTTPS listener on 127.0.0.1/localhost."""
        material = store.get_kv("tls")
        if material is None:
            key = ec.generate_private_key(ec.SECP256R1())
            now = utcnow()
            leaf = self.issue(
                key.public_key(),
                "localhost",
                ["localhost", "127.0.0.1"],
                now - datetime.timedelta(days=1),
                now + datetime.timedelta(days=3000),
            )
            material = {"chain": leaf + self.inter_pem, "key": key_pem(key)}
            store.set_kv("tls", material)
        return material["chain"], material["key"]

    # downloads ---------------------------------------------------------------------------------
    def pem_bundle(self, leaf_pem, bundle):
        return leaf_pem + (self.inter_pem if bundle else "")

    def pkcs7(self, leaf_pem, bundle):
        certs = [x509.load_pem_x509_certificate(leaf_pem.encode())]
        if bundle:
            certs.append(self.inter_cert)
        return pkcs7.serialize_certificates(certs, serialization.Encoding.DER)

    def pfx(self, leaf_pem, bundle, private_key_pem, password, friendly_name):
        """PKCS#12; raises CSRError when the private key is unreadable or does not match the cert."""
        leaf = x509.load_pem_x509_certificate(leaf_pem.encode())
        try:
            key = serialization.load_pem_private_key(private_key_pem.encode(), None)
        except (ValueError, TypeError) as exc:
            raise CSRError(f"cannot read the private key: {exc}") from None
        spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        if key.public_key().public_bytes(*spki) != leaf.public_key().public_bytes(*spki):
            raise CSRError("the private key does not match the certificate")
        encryption = (
            serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
        )
        return pkcs12.serialize_key_and_certificates(
            friendly_name.encode(), key, leaf, [self.inter_cert] if bundle else None, encryption
        )


def load_public_key_from_csr(pem):
    return x509.load_pem_x509_csr(pem.encode()).public_key()


def _ca_key_usage():
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
