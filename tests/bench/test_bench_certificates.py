# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CI check of the certificates axis (bench/certificates.py): counts, never times.

The role with 1 and with 2 certificates (DNS validation, files only, 1 host, no issue delay):

- API calls per certificate do not grow with the number of certificates: orders, downloads and DNS
  records exactly one per certificate; the token, the contact (created, then looked up) and the check
  that the DNS zone is hosted once per run; no endpoint more than the count times its 1-certificate
  calls;
- one order per certificate;
- with 2 certificates the downloads ran in the background (second pass) and every certificate is
  deployed with its own key.

The overlap itself (waits that run together) is proven in tests/e2e/test_certificates.py, where the
simulator holds issuance back until every order is validated.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import certificates as bench  # noqa: E402

pytestmark = [pytest.mark.simulator, pytest.mark.slow]

MANY = 2
# Once per run, whatever the number of certificates (all certificates share the contact and the zone).
ONCE_PER_RUN = ["POST /reseller/v2/api-user/token", "POST /ssl/v2/contact/create", "GET /dns/v2/zones"]
# As often with 2 certificates as with 1 (the contacts found for the first serve the others).
SAME_PER_RUN = ["GET /ssl/v2/contact/info"]
# Exactly once per certificate.
PER_CERTIFICATE = [
    "POST /ssl/v2/orders/new",
    "POST /ssl/v2/orders/{orderId}/download/format/{format}",
    "POST /dns/v2/zone/{zone}/record",
    "DELETE /dns/v2/zone/{zone}/record",
]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("certificates")
    runs = {}
    for count in (1, MANY):
        runs[count] = bench.measure(base / f"c{count}", count, 1, 0, 5)
        runs[count]["base"] = base / f"c{count}"
    return runs


def test_api_calls_per_certificate_do_not_grow_with_the_certificates(runs):
    one, many = runs[1]["calls"], runs[MANY]["calls"]
    assert runs[MANY]["api_calls"] <= MANY * runs[1]["api_calls"], (one, many)
    for call in ONCE_PER_RUN:
        assert (one.get(call), many.get(call)) == (1, 1), call
    for call in SAME_PER_RUN:
        assert one.get(call) == many.get(call), call
    for call in PER_CERTIFICATE:
        assert (one.get(call), many.get(call)) == (1, MANY), call
    # Every other endpoint: at most MANY times its 1-certificate count.
    for call in set(one) | set(many):
        assert many.get(call, 0) <= MANY * one.get(call, 0), call


def test_one_order_per_certificate(runs):
    assert (runs[1]["orders"], runs[MANY]["orders"]) == (1, MANY)


def test_several_certificates_are_deployed_through_the_second_pass(runs):
    log = (runs[MANY]["base"] / "rollout.log").read_text()
    assert log.count("TASK [webnic.ssl.certificate : Wait for the download that runs in the background]") == MANY
    ssl = runs[MANY]["base"] / "hosts" / "h1" / "ssl"
    serials = set()
    for n in range(1, MANY + 1):
        cert = x509.load_pem_x509_certificate((ssl / f"c{n}.crt").read_bytes())
        key = load_pem_private_key((ssl / f"c{n}.key").read_bytes(), None)
        assert cert.public_key().public_numbers() == key.public_key().public_numbers()
        serials.add(cert.serial_number)
    assert len(serials) == MANY
