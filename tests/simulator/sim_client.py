"""A tiny WebNIC client over `requests` and CSR factories for the simulator's own tests."""

from __future__ import annotations

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

CONTACT = {
    "company": "Example Sdn Bhd",
    "firstName": "Ada",
    "lastName": "Lovelace",
    "address1": "1 Jalan Test",
    "city": "Kuala Lumpur",
    "state": "WP",
    "countryCode": "MY",
    "zip": "50000",
    "phoneNumber": "+60.312345678",
    "email": "ada@example.com",
}


class Api:
    """Talks to the simulator the way a client would: mint once, bearer on every call."""

    def __init__(self, url, verify=True, username="api-demo", password="demo-secret"):
        self.url = url
        self.session = requests.Session()
        # per request, not session.verify: REQUESTS_CA_BUNDLE in the environment would override the session
        self.verify = verify
        self.username, self.password = username, password
        self.token = None

    def mint(self):
        response = self.session.post(
            self.url + "/reseller/v2/api-user/token",
            json={"username": self.username, "password": self.password},
            timeout=30,
            verify=self.verify,
        )
        assert response.status_code == 200, response.text
        self.token = response.json()["data"]["access_token"]
        return self.token

    def request(self, method, path, **kwargs):
        if self.token is None:
            self.mint()
        headers = kwargs.pop("headers", {})
        headers.setdefault("Authorization", f"Bearer {self.token}")
        return self.session.request(method, self.url + path, headers=headers, timeout=30, verify=self.verify, **kwargs)

    def ok(self, method, path, **kwargs):
        response = self.request(method, path, **kwargs)
        assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text}"
        body = response.json()
        assert body["code"] == "1000" and body["message"] == "Command completed successfully."
        return body.get("data")

    def fails(self, method, path, status=400, sub_code=None, **kwargs):
        response = self.request(method, path, **kwargs)
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text}"
        body = response.json()
        assert body["code"] == f"2{status}" if status < 500 else body["code"].startswith("2")
        if sub_code:
            assert body["error"]["subCode"] == sub_code, body
        return body

    # shortcuts ---------------------------------------------------------------------------------
    def contact(self):
        return self.ok("POST", "/ssl/v2/contact/create", json={"administrator": CONTACT})[0]["contactId"]

    def place(self, common_name, product="ssl123", sans=(), auth="email", key=None, term=1, **extra):
        key = key or ec_key()
        body = {
            "productKey": product,
            "term": term,
            "csr": make_csr(key, common_name, sans),
            "administratorContactId": extra.pop("contact", None) or self.contact(),
            "authType": auth,
            "sanfield": list(sans),
        }
        body.update(extra)
        return self.ok("POST", "/ssl/v2/orders/new", json=body)

    def info(self, order_id):
        return self.ok("GET", "/ssl/v2/orders/info", params={"orderId": order_id})


def ec_key():
    return ec.generate_private_key(ec.SECP256R1())


def rsa_key(bits=2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def make_csr(key, common_name, sans=()):
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    )
    names = [common_name] + [name for name in sans if name != common_name]
    builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
