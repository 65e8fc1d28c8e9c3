# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internationalised names are bought as the user wrote them: IDNA 2008 A-labels, checked against
the simulator's books (orders and request log), never IDNA 2003's other domain."""

import pytest
from cryptography import x509

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto, names
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.client import WebNICClient
from ansible_collections.webnic.ssl.plugins.modules import (
    webnic_ssl_csr,
    webnic_ssl_order,
    webnic_ssl_order_info,
    webnic_ssl_price,
)

from .runner import connection_args, run_module

pytestmark = pytest.mark.simulator

UNICODE_CN = "straße.example"
A_LABEL_CN = "xn--strae-oqa.example"
IDNA_2003_CN = "strasse.example"  # what Python's "idna" codec (IDNA 2003) makes of UNICODE_CN


@pytest.fixture(scope="module")
def key():
    return crypto.generate_private_key("EC-P256")


@pytest.fixture
def contact(simulator):
    client = WebNICClient(simulator.url, "api-demo", "demo-secret", use_token_cache=False)
    person = {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "address1": "1 Main St",
        "city": "Kuala Lumpur",
        "countryCode": "MY",
        "phoneNumber": "+60.312345678",
        "email": "ada@example.com",
    }
    return client.call("contact_create", body={"administrator": person})[0]["contactId"]


def _csr(key, common_name, sans):
    cn, names = crypto.certificate_names(common_name, sans)
    return crypto.build_csr(key, cn, names).decode("ascii")


def _order_args(simulator, contact, key, common_name, sans):
    return connection_args(
        simulator,
        product_key="ssl123",
        common_name=common_name,
        subject_alt_names=sans,
        csr=_csr(key, common_name, sans),
        dcv_method="file",
        administrator_contact_id=contact,
    )


def _api_calls(simulator):
    """Method and path of every WebNIC call in the simulator's log (admin calls left out)."""
    calls = []
    for line in simulator.log():
        _when, method, path, _status = line.split(" ")
        if not path.startswith("/_sim"):
            calls.append("%s %s" % (method, path))
    return calls


def test_unicode_and_a_label_forms_order_one_certificate_with_the_right_a_label(simulator, contact, key):
    first = run_module(webnic_ssl_order, _order_args(simulator, contact, key, UNICODE_CN, ["www." + UNICODE_CN]))
    assert not first.failed, first
    assert first["action"] == "placed"
    assert first["raw"]["commonName"] == A_LABEL_CN

    again = run_module(webnic_ssl_order, _order_args(simulator, contact, key, A_LABEL_CN, ["www." + A_LABEL_CN]))
    assert not again.failed, again
    assert again["changed"] is False
    assert again["order_id"] == first["order_id"]

    orders = simulator.orders()
    assert [(o["commonName"], o["sanfield"]) for o in orders] == [(A_LABEL_CN, ["www." + A_LABEL_CN])]
    assert simulator.orders(IDNA_2003_CN) == []
    assert _api_calls(simulator).count("POST /ssl/v2/orders/new") == 1
    assert simulator.stats()["writes"] == 2  # the contact made by the fixture, then the one order


@pytest.mark.parametrize(
    "common_name, sans, field",
    [
        ("☃.example", [], "common_name"),  # IDNA 2003 made xn--n3h.example of it
        ("www.example.com", ["\u2665.example"], "subject_alt_names"),
        ("www.example.com", ["xn--n3h.example"], "subject_alt_names"),  # the same, given as an A-label
    ],
)
def test_idna_2003_only_names_fail_naming_the_field_before_any_api_call(simulator, contact, common_name, sans, field):
    args = connection_args(
        simulator,
        product_key="ssl123",
        common_name=common_name,
        subject_alt_names=sans,
        dcv_method="file",
        administrator_contact_id=contact,
    )
    simulator.reset_stats()
    result = run_module(webnic_ssl_order, args)
    assert result.failed
    assert result["msg"].startswith(field + ":"), result["msg"]
    assert "IDNA 2008" in result["msg"]
    assert simulator.stats()["total"] == 0


def test_csr_module_writes_a_labels_and_both_forms_are_the_same_request(simulator, tmp_path):
    args = {
        "common_name": UNICODE_CN,
        "subject_alt_names": ["www." + UNICODE_CN],
        "privatekey_path": str(tmp_path / "key.pem"),
        "csr_path": str(tmp_path / "req.csr"),
    }
    first = run_module(webnic_ssl_csr, args)
    assert not first.failed, first
    assert first["changed"] is True
    csr = x509.load_pem_x509_csr((tmp_path / "req.csr").read_bytes())
    sans = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert sans == [A_LABEL_CN, "www." + A_LABEL_CN]
    assert csr.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == A_LABEL_CN

    again = run_module(webnic_ssl_csr, dict(args, common_name=A_LABEL_CN, subject_alt_names=["www." + A_LABEL_CN]))
    assert not again.failed, again
    assert again["changed"] is False


def test_csr_module_names_the_san_index_of_a_refused_name(tmp_path):
    args = {
        "common_name": "www.example.com",
        "subject_alt_names": ["example.com", "\U0001f4a9.example"],
        "privatekey_path": str(tmp_path / "key.pem"),
        "csr_path": str(tmp_path / "req.csr"),
    }
    result = run_module(webnic_ssl_csr, args)
    assert result.failed
    assert result["msg"].startswith("subject_alt_names[1]:"), result["msg"]
    assert not (tmp_path / "key.pem").exists()


def test_without_idna_a_non_ascii_name_fails_and_a_labels_still_work(simulator, contact, key, monkeypatch):
    # A managed host without the idna package: hidden here the way a failed import leaves it.
    with_unicode_san = _order_args(simulator, contact, key, A_LABEL_CN, [UNICODE_CN])
    monkeypatch.setattr(names, "idna", None)
    simulator.reset_stats()
    failed = run_module(webnic_ssl_order, with_unicode_san)
    assert failed.failed
    assert failed["msg"].startswith("subject_alt_names:"), failed["msg"]
    assert "'idna'" in failed["msg"]
    assert simulator.stats()["total"] == 0

    placed = run_module(webnic_ssl_order, _order_args(simulator, contact, key, A_LABEL_CN, []))
    assert not placed.failed, placed
    assert [o["commonName"] for o in simulator.orders()] == [A_LABEL_CN]


def test_price_counts_the_names_after_conversion(simulator):
    result = run_module(
        webnic_ssl_price,
        connection_args(
            simulator, product_key="ssl123", term=1, subject_alt_names=["www." + UNICODE_CN, "www." + A_LABEL_CN]
        ),
    )
    assert not result.failed, result
    assert result["san_count"] == 1  # one name, written two ways


def test_price_refuses_an_idna_2003_only_name(simulator):
    result = run_module(
        webnic_ssl_price,
        connection_args(simulator, product_key="ssl123", term=1, subject_alt_names=["ok.example", "☃.example"]),
    )
    assert result.failed
    assert result["msg"].startswith("subject_alt_names[1]:"), result["msg"]


def test_order_info_finds_the_order_by_its_unicode_name(simulator, contact, key):
    placed = run_module(webnic_ssl_order, _order_args(simulator, contact, key, A_LABEL_CN, []))
    assert not placed.failed, placed
    found = run_module(webnic_ssl_order_info, connection_args(simulator, common_name=UNICODE_CN))
    assert not found.failed, found
    assert [o["order_id"] for o in found["orders"]] == [placed["order_id"]]
