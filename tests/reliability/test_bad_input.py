# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad-input matrix: every module, invalid values -> `failed` with a message naming the field.

For each case: the run fails, the message names the option (or the nested field), there is no
Python traceback in the message, the simulator received no write call (orders, contacts, DNS...),
no money moved, and no file appeared or changed in the work directory.
"""

from __future__ import annotations

import pytest
from reliability_helpers import (
    Books,
    assert_no_traceback,
    connection_args,
    create_contact,
    crypto,
    make_csr,
    private_key,
    record,
    run_module,
    snapshot,
)

from ansible_collections.webnic.ssl.plugins.modules import (
    webnic_dns_record,
    webnic_ssl_api_check,
    webnic_ssl_cert_download,
    webnic_ssl_cert_install,
    webnic_ssl_contact,
    webnic_ssl_csr,
    webnic_ssl_dcv,
    webnic_ssl_deployed_info,
    webnic_ssl_order,
    webnic_ssl_order_info,
    webnic_ssl_organization,
    webnic_ssl_organization_info,
    webnic_ssl_price,
    webnic_ssl_product_info,
    webnic_ssl_validation_file,
)
from webnic_sim.testing import Simulator

pytestmark = [pytest.mark.simulator]

CN = "www.example.com"  # the scene's issued order
NEW = "new.example.com"  # orders of the cases: nothing to adopt, so every check before placing runs
PERSON = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "address1": "1 Main St",
    "city": "Kuala Lumpur",
    "country_code": "MY",
    "phone_number": "+60 3-1234 5678",
    "email": "ada@example.com",
}
ORGANIZATION = {
    "organization_name": "Example Sdn Bhd",
    "address1": "1 Main St",
    "city": "Kuala Lumpur",
    "country_code": "MY",
    "phone_number": "+60 3-1234 5678",
}
BAD_CSR = "-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgQ1NS\n-----END CERTIFICATE REQUEST-----\n"


def order(**extra):
    args = {
        "product_key": "ssl123",
        "common_name": NEW,
        "subject_alt_names": ["example.com"],
        "csr": "{csr}",
        "dcv_method": "dns",
        "administrator_contact_id": "{contact}",
    }
    args.update(extra)
    return args


def sans(n):
    return ["n%d.example.com" % i for i in range(n)]


def download(**extra):
    args = {"order_id": "{order}", "dest": "{work}/www.crt", "privatekey_path": "{key}"}
    args.update(extra)
    return args


def cert_install(**extra):
    """The scene's issued certificate and its key, to be installed under {work}/tls (not there yet)."""
    args = {
        "certificate_path": "{work}/tls/www.crt",
        "certificate": "{cert_pem}",
        "fullchain_path": "{work}/tls/www.fullchain.pem",
        "fullchain": "{cert_pem}",
        "privatekey_path": "{work}/tls/www.key",
        "privatekey": "{key_file_pem}",
        "combined_path": "{work}/tls/www.pem",
    }
    args.update(extra)
    return args


def validation_file(**extra):
    """One validation file under {work}/www (not there yet)."""
    entry = {"path": "{work}/www/.well-known/pki-validation/A.txt", "content": "token\ncomodoca.com"}
    entry.update(extra)
    return {"files": [{k: v for k, v in entry.items() if v is not None}]}


def csr_module(**extra):
    args = {"common_name": CN, "privatekey_path": "{work}/new.key", "csr_path": "{work}/new.csr"}
    args.update(extra)
    return args


# (id, module, args, the field the message must name)
CASES = [
    # webnic_ssl_order
    ("order term type", webnic_ssl_order, order(term="two"), "term"),
    ("order term 0", webnic_ssl_order, order(term=0), "term"),
    ("order term not offered", webnic_ssl_order, order(term=5), "term"),
    ("order state choice", webnic_ssl_order, order(state="gone"), "state"),
    ("order unknown option", webnic_ssl_order, order(colour="blue"), "colour"),
    ("order bad common name", webnic_ssl_order, order(common_name="www..example.com", csr=None), "common_name"),
    ("order bad SAN", webnic_ssl_order, order(subject_alt_names=["bad name.example.com"]), "subject_alt_names"),
    ("order dcv method choice", webnic_ssl_order, order(dcv_method="fax"), "dcv_method"),
    (
        "order wildcard on non-wildcard product",
        webnic_ssl_order,
        order(common_name="*.example.com", subject_alt_names=[], csr="{csr_wildcard}"),
        "common_name",
    ),
    (
        "order too many SANs (ssl123 max 4)",
        webnic_ssl_order,
        order(subject_alt_names=sans(6), csr="{csr_6}"),
        "subject_alt_names",
    ),
    (
        "order SANs on a single-name product",
        webnic_ssl_order,
        order(product_key="rapidssl", subject_alt_names=["shop.example.com"], csr="{csr_shop}"),
        "subject_alt_names",
    ),
    ("order unparsable CSR", webnic_ssl_order, order(csr=BAD_CSR), "csr"),
    ("order CSR path missing", webnic_ssl_order, order(csr="{work}/missing.csr"), "csr"),
    ("order CSR names differ", webnic_ssl_order, order(csr="{csr_other}"), "csr"),
    (
        "order CSR key type refused (EV: RSA only)",
        webnic_ssl_order,
        order(product_key="geotrust-ev", csr="{csr_ec}", organization_id="ORG1"),
        "csr",
    ),
    ("order email DCV without approver", webnic_ssl_order, order(dcv_method="email"), "approver_emails"),
    (
        "order file DCV for a wildcard",
        webnic_ssl_order,
        order(
            product_key="rapidssl-wildcard",
            common_name="*.example.com",
            subject_alt_names=[],
            csr="{csr_wildcard}",
            dcv_method="file",
        ),
        "dcv_method",
    ),
    (
        "order OV without organization",
        webnic_ssl_order,
        order(product_key="geotrust-truebusinessid"),
        "organization_id",
    ),
    ("order remaining_percentage > 100", webnic_ssl_order, order(remaining_percentage=150), "remaining_percentage"),
    ("order remaining_days < 0", webnic_ssl_order, order(remaining_days=-1), "remaining_days"),
    ("order neither common_name nor order_id", webnic_ssl_order, {"product_key": "ssl123"}, "common_name"),
    ("order unknown order_id", webnic_ssl_order, {"order_id": "999999"}, "order_id"),
    ("order api_endpoint not a URL", webnic_ssl_order, order(api_endpoint="ftp://127.0.0.1"), "api_endpoint"),
    ("order no password", webnic_ssl_order, order(api_password=None), "api_password"),
    ("order timeout type", webnic_ssl_order, order(timeout="soon"), "timeout"),
    # webnic_ssl_dcv
    ("dcv method choice", webnic_ssl_dcv, {"order_id": "{pending}", "method": "fax"}, "method"),
    (
        "dcv domain_methods value",
        webnic_ssl_dcv,
        {"order_id": "{pending}", "domain_methods": {CN: "fax"}},
        "domain_methods",
    ),
    ("dcv domains without method", webnic_ssl_dcv, {"order_id": "{pending}", "domains": [CN]}, "method"),
    ("dcv neither order_id nor common_name", webnic_ssl_dcv, {"method": "dns"}, "order_id"),
    ("dcv wait_timeout type", webnic_ssl_dcv, {"order_id": "{pending}", "wait_timeout": "long"}, "wait_timeout"),
    # webnic_dns_record
    (
        "dns type choice",
        webnic_dns_record,
        {"zone": "example.com", "name": "x", "type": "BOGUS", "values": ["1"]},
        "type",
    ),
    (
        "dns ttl 0",
        webnic_dns_record,
        {"zone": "example.com", "name": "x", "type": "TXT", "values": ["v"], "ttl": 0},
        "ttl",
    ),
    (
        "dns A value not an address",
        webnic_dns_record,
        {"zone": "example.com", "name": "x", "type": "A", "values": ["not-an-ip"]},
        "values",
    ),
    ("dns present without values", webnic_dns_record, {"zone": "example.com", "name": "x", "type": "TXT"}, "values"),
    ("dns bad zone", webnic_dns_record, {"zone": "not a zone", "name": "x", "type": "TXT", "values": ["v"]}, "zone"),
    (
        "dns on_existing choice",
        webnic_dns_record,
        {"zone": "example.com", "name": "x", "type": "TXT", "values": ["v"], "on_existing": "merge"},
        "on_existing",
    ),
    # webnic_ssl_cert_download
    ("download wrong private key", webnic_ssl_cert_download, download(privatekey_path="{other_key}"), "private key"),
    ("download no destination", webnic_ssl_cert_download, {"order_id": "{order}"}, "dest"),
    (
        "download pkcs12 without key",
        webnic_ssl_cert_download,
        {"order_id": "{order}", "pkcs12_dest": "{work}/www.p12"},
        "privatekey_path",
    ),
    ("download symbolic mode", webnic_ssl_cert_download, download(mode="u=rw"), "mode"),
    ("download unknown order", webnic_ssl_cert_download, download(order_id="999999"), "order_id"),
    (
        "download key path missing",
        webnic_ssl_cert_download,
        download(privatekey_path="{work}/nokey"),
        "privatekey_path",
    ),
    (
        "download common_name of another order",
        webnic_ssl_cert_download,
        download(common_name="shop.example.com"),
        "common_name",
    ),
    ("download wait_timeout type", webnic_ssl_cert_download, download(wait_timeout="x"), "wait_timeout"),
    # webnic_ssl_cert_install
    (
        "cert_install key does not match",
        webnic_ssl_cert_install,
        cert_install(privatekey="{other_key_pem}"),
        "privatekey",
    ),
    ("cert_install certificate not PEM", webnic_ssl_cert_install, cert_install(certificate="{cert}"), "certificate"),
    (
        "cert_install combined without key",
        webnic_ssl_cert_install,
        cert_install(privatekey=None, privatekey_path=None),
        "combined_path",
    ),
    ("cert_install symbolic mode", webnic_ssl_cert_install, cert_install(mode="u=rw,go=r"), "mode"),
    ("cert_install unknown owner", webnic_ssl_cert_install, cert_install(owner="no-such-user-webnic"), "owner"),
    # webnic_ssl_validation_file
    (
        "validation_file content missing",
        webnic_ssl_validation_file,
        validation_file(content=None),
        "files[0].content",
    ),
    ("validation_file relative path", webnic_ssl_validation_file, validation_file(path="www/A.txt"), "files[0].path"),
    (
        "validation_file path is a directory",
        webnic_ssl_validation_file,
        validation_file(path="{work}"),
        "files[0].path",
    ),
    # webnic_ssl_csr
    ("csr key_type choice", webnic_ssl_csr, csr_module(key_type="DSA-1024"), "key_type"),
    ("csr bad common name", webnic_ssl_csr, csr_module(common_name="-bad-.example..com"), "common_name"),
    ("csr country not alpha-2", webnic_ssl_csr, csr_module(country="Malaysia"), "country"),
    ("csr regenerate choice", webnic_ssl_csr, csr_module(regenerate="sometimes"), "regenerate"),
    ("csr digest choice", webnic_ssl_csr, csr_module(digest="md5"), "digest"),
    ("csr key path and content", webnic_ssl_csr, csr_module(privatekey_content="{key_pem}"), "privatekey_content"),
    ("csr no key at all", webnic_ssl_csr, {"common_name": CN, "csr_path": "{work}/new.csr"}, "privatekey_path"),
    ("csr key mode not octal", webnic_ssl_csr, csr_module(privatekey_mode="rw-------"), "privatekey_mode"),
    (
        "csr existing key, wrong passphrase",
        webnic_ssl_csr,
        csr_module(privatekey_path="{locked_key}", privatekey_passphrase="nope", regenerate="never"),
        "privatekey",
    ),
    # webnic_ssl_contact
    (
        "contact missing email",
        webnic_ssl_contact,
        {"administrator": {k: v for k, v in PERSON.items() if k != "email"}},
        "email",
    ),
    ("contact bad country", webnic_ssl_contact, {"administrator": dict(PERSON, country_code="MAL")}, "country_code"),
    ("contact bad phone", webnic_ssl_contact, {"administrator": dict(PERSON, phone_number="call me")}, "phone_number"),
    ("contact bad email", webnic_ssl_contact, {"administrator": dict(PERSON, email="ada@")}, "email"),
    ("contact state choice", webnic_ssl_contact, {"administrator": PERSON, "state": "gone"}, "state"),
    # webnic_ssl_organization
    ("organization bad country", webnic_ssl_organization, dict(ORGANIZATION, country_code="Malaysia"), "country_code"),
    ("organization bad phone", webnic_ssl_organization, dict(ORGANIZATION, phone_number="n/a"), "phone_number"),
    (
        "organization missing name",
        webnic_ssl_organization,
        {k: v for k, v in ORGANIZATION.items() if k != "organization_name"},
        "organization_name",
    ),
    ("organization state choice", webnic_ssl_organization, dict(ORGANIZATION, state="approved"), "state"),
    # webnic_ssl_price
    ("price term 0", webnic_ssl_price, {"product_key": "ssl123", "term": 0}, "term"),
    ("price negative san_count", webnic_ssl_price, {"product_key": "ssl123", "san_count": -1}, "san_count"),
    (
        "price too many SANs",
        webnic_ssl_price,
        {"product_key": "ssl123", "subject_alt_names": sans(6)},
        "subject_alt_names",
    ),
    (
        "price names and counts",
        webnic_ssl_price,
        {"product_key": "ssl123", "subject_alt_names": sans(1), "san_count": 1},
        "san_count",
    ),
    ("price unknown product", webnic_ssl_price, {"product_key": "no-such-product"}, "product"),
    ("price missing product", webnic_ssl_price, {"term": 1}, "product_key"),
    # info modules
    ("order_info status choice", webnic_ssl_order_info, {"status": "SHIPPED"}, "status"),
    ("order_info id and name", webnic_ssl_order_info, {"order_id": "1", "common_name": CN}, "order_id"),
    (
        "organization_info status choice",
        webnic_ssl_organization_info,
        {"validation_status": "MAYBE"},
        "validation_status",
    ),
    (
        "organization_info id and name",
        webnic_ssl_organization_info,
        {"organization_id": "ORG1", "organization_name": "x"},
        "organization_id",
    ),
    ("product_info unknown option", webnic_ssl_product_info, {"product": "ssl123"}, "product"),
    # webnic_ssl_api_check (read-only; bad input fails before any call)
    ("api_check IDNA 2003-only domain", webnic_ssl_api_check, {"domain": "\u2603.example"}, "domain"),
    ("api_check domain not qualified", webnic_ssl_api_check, {"domain": "localhost"}, "domain"),
    ("api_check empty product_key", webnic_ssl_api_check, {"product_key": " "}, "product_key"),
    ("api_check unknown option", webnic_ssl_api_check, {"orderid": "1"}, "orderid"),
    # internationalised names IDNA 2008 refuses (IDNA 2003 accepted them)
    ("order IDNA 2003-only common name", webnic_ssl_order, order(common_name="\u2603.example"), "common_name"),
    (
        "price IDNA 2003-only SAN",
        webnic_ssl_price,
        {"product_key": "ssl123", "subject_alt_names": ["ok.example", "xn--n3h.example"]},
        "subject_alt_names[1]",
    ),
    ("order_info IDNA 2003-only name", webnic_ssl_order_info, {"common_name": "\u2665.example"}, "common_name"),
    # issue #15 (item 13 and item 5): each failed silently, misleadingly or destructively before
    ("order timeout 0", webnic_ssl_order, order(timeout=0), "timeout"),
    ("order timeout negative", webnic_ssl_order, order(timeout=-5), "timeout"),
    (
        "order common name is a URL",
        webnic_ssl_order,
        order(common_name="https://up.example.com/", csr=None),
        "common_name",
    ),
    ("contact administrator as text", webnic_ssl_contact, {"administrator": "ada@example.com"}, "administrator"),
    (
        "cert_install relative path",
        webnic_ssl_cert_install,
        cert_install(certificate_path="www.crt"),
        "certificate_path",
    ),
    (
        "cert_install '..' in a path",
        webnic_ssl_cert_install,
        cert_install(privatekey_path="{work}/tls/../www.key"),
        "privatekey_path",
    ),
    (
        "cert_install chain is only the leaf",
        webnic_ssl_cert_install,
        cert_install(chain="{cert_pem}", chain_path="{work}/tls/www.chain.pem"),
        "chain",
    ),
    (
        "cert_install key path is the certificate path",
        webnic_ssl_cert_install,
        cert_install(privatekey_path="{work}/tls/www.crt"),
        "privatekey_path",
    ),
    ("csr key path is the CSR path", webnic_ssl_csr, csr_module(csr_path="{work}/new.key"), "csr_path"),
    ("download dest is the private key", webnic_ssl_cert_download, download(dest="{key}"), "dest"),
    (
        "deployed_info remaining_percentage type",
        webnic_ssl_deployed_info,
        {"certificate_path": "{work}/x.crt", "remaining_percentage": "a third"},
        "remaining_percentage",
    ),
    (
        "deployed_info remaining_days type",
        webnic_ssl_deployed_info,
        {"certificate_path": "{cert}", "remaining_days": "soon"},
        "remaining_days",
    ),
]


# Cases whose old message named the field but said the wrong thing: the words the message must hold.
EXPECTED_WORDS = {
    "order timeout 0": "positive number of seconds",
    "order timeout negative": "positive number of seconds",
    "order common name is a URL": "URL",
    "contact administrator as text": "administrator",
    "cert_install relative path": "relative path",
    "cert_install '..' in a path": "'..'",
    "cert_install chain is only the leaf": "leaf",
    "cert_install key path is the certificate path": "same file",
    "csr key path is the CSR path": "same file",
    "download dest is the private key": "same file",
}


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    """One simulator for the module (every case must leave it untouched): an issued and a pending order."""
    base = tmp_path_factory.mktemp("bad-input")
    with Simulator(base / "sim") as sim:
        contact = create_contact(sim)
        common = connection_args(sim)
        www = order(
            common_name=CN,
            dcv_method="email",
            approver_emails={CN: "admin@example.com", "example.com": "admin@example.com"},
        )
        placed = run_module(
            webnic_ssl_order,
            dict(common, **_resolve(www, {"csr": make_csr(CN, ["example.com"]), "contact": contact})),
        )
        assert not placed.failed, placed["msg"]
        sim.approve(placed["order_id"])
        pending = run_module(
            webnic_ssl_order,
            dict(
                common,
                **_resolve(
                    order(common_name="shop.example.com", subject_alt_names=[]),
                    {"csr": make_csr("shop.example.com"), "contact": contact},
                ),
            ),
        )
        assert not pending.failed, pending["msg"]
        keys = base / "keys"
        keys.mkdir()
        (keys / "www.key").write_bytes(crypto.serialize_private_key(private_key("RSA-2048")))
        (keys / "locked.key").write_bytes(crypto.serialize_private_key(private_key("RSA-2048"), "secret-pass"))
        (keys / "other.key").write_bytes(crypto.serialize_private_key(private_key("EC-P256")))
        cert_dir = base / "cert"
        cert_dir.mkdir()
        got = run_module(
            webnic_ssl_cert_download, dict(common, order_id=placed["order_id"], dest=str(cert_dir / "www.crt"))
        )
        assert not got.failed, got["msg"]
        yield {
            "sim": sim,
            "contact": contact,
            "order": placed["order_id"],
            "pending": pending["order_id"],
            "key": str(keys / "www.key"),
            "other_key": str(keys / "other.key"),
            "locked_key": str(keys / "locked.key"),
            "key_pem": crypto.serialize_private_key(private_key("RSA-2048")).decode(),
            "cert": str(cert_dir / "www.crt"),
            "cert_pem": (cert_dir / "www.crt").read_text(),
            "key_file_pem": (keys / "www.key").read_text(),
            "other_key_pem": (keys / "other.key").read_text(),
            "csr": make_csr(NEW, ["example.com"]),
            "csr_other": make_csr(NEW, ["example.com", "extra.example.com"]),
            "csr_ec": make_csr(NEW, ["example.com"], key_type="EC-P256"),
            "csr_wildcard": make_csr("*.example.com"),
            "csr_shop": make_csr(NEW, ["shop.example.com"]),
            "csr_6": make_csr(NEW, sans(6)),
        }


def _resolve(value, names):
    if isinstance(value, str):
        for key, replacement in names.items():
            if value == "{%s}" % key:
                return replacement
            value = value.replace("{%s}" % key, str(replacement))
        return value
    if isinstance(value, dict):
        return {k: _resolve(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, names) for v in value]
    return value


@pytest.mark.parametrize("case_id,module,args,field", CASES, ids=[c[0] for c in CASES])
def test_bad_input_fails_naming_the_field(scene, tmp_path, case_id, module, args, field):
    sim = scene["sim"]
    work = tmp_path / "work"
    work.mkdir()
    names = dict(scene, work=str(work))
    # The host-side modules take no connection option (they call no API).
    full = {} if module in (webnic_ssl_cert_install, webnic_ssl_validation_file) else connection_args(sim)
    full.update(_resolve(args, names))
    full = {k: v for k, v in full.items() if v is not None}
    key_before = snapshot([scene["key"], scene["other_key"], scene["locked_key"], scene["cert"]])
    books = Books(sim)

    result = run_module(module, full)

    assert result.failed, "expected a failure for %s, got %s" % (case_id, result)
    assert_no_traceback(result)
    assert field in result["msg"], "the message should name %r: %s" % (field, result["msg"])
    assert EXPECTED_WORDS.get(case_id, "") in result["msg"], result["msg"]
    stats = sim.stats()
    assert stats["writes"] == books.stats["writes"], "a rejected input must not reach a write endpoint"
    assert books.new_orders() == [] and books.spent() == 0
    assert sorted(p.name for p in work.iterdir()) == [], "nothing may be written on bad input"
    assert snapshot([scene["key"], scene["other_key"], scene["locked_key"], scene["cert"]]) == key_before
    record(
        "bad_input",
        case_id,
        module=module.__name__.rsplit(".", 1)[-1],
        field=field,
        message=result["msg"][:200],
        api_calls=result.get("api_calls", 0),
    )
