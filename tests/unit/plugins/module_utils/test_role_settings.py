# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""role_settings.certificate_settings: the role's settings of one certificate entry, one rule."""

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import role_settings

ROLE = {
    "product": "ssl123",
    "term": 1,
    "key_type": "RSA-2048",
    "dcv_method": "file",
    "approver_email": "",
    "server_type": "nginx",
    "inventory_group": "web",
    "dir": "/etc/ssl/webnic",
    "key_mode": "0600",
    "pkcs12": False,
    "owner": "",
    "group": "",
    "webroot": "/var/www/html",
    "validation_dir": "",
    "remaining_days": 30,
    "remaining_percentage": None,
    "renew_issued_before": "",
    "min_certificate_age": None,
    "reuse_key": False,
    "allow_reissue": True,
    "allow_endpoint_change": False,
    "key_host": "",
    "administrator_contact_id": "",
    "technical_contact_id": "",
    "server_test_command": {},
    "server_reload_command": {},
    "service_name": {},
}
GROUPS = {"web": ["w1", "w2", "w3"], "api": ["a1"]}
BUILTIN = {"nginx": "nginx -t", "apache": "apachectl -t"}


class Strict(dict):
    """Role variables where some cannot be resolved for this host (Ansible templates them on access)."""

    def __init__(self, values, broken):
        super().__init__(values)
        self.broken = set(broken)

    def __getitem__(self, key):
        if key in self.broken:
            raise AssertionError("role variable %s must not be read" % key)
        return super().__getitem__(key)


def settings(entry, role=None, batch=("w1", "w2")):
    return role_settings.certificate_settings(entry, role or ROLE, GROUPS, list(batch), BUILTIN)


def test_defaults_fill_what_the_entry_leaves_out():
    got = settings({"common_name": "WWW.Example.com"})
    assert got["name"] == "www.example.com"
    assert got["common_name"] == "www.example.com"
    assert got["product"] == "ssl123" and got["term"] == 1 and got["server_type"] == "nginx"
    assert got["certificate_path"] == "/etc/ssl/webnic/www.example.com.crt"
    assert got["chain_path"] == "/etc/ssl/webnic/www.example.com.chain.pem"
    assert got["fullchain_path"] == "/etc/ssl/webnic/www.example.com.fullchain.pem"
    assert got["privatekey_path"] == "/etc/ssl/webnic/www.example.com.key"
    assert got["combined_path"] == "/etc/ssl/webnic/www.example.com.combined.pem"
    assert got["metadata_path"] == "/etc/ssl/webnic/www.example.com.webnic.json"
    assert got["pkcs12_path"] == ""
    assert got["dns_zone"] == "example.com"
    assert got["hosts"] == ["w1", "w2"]
    assert got["test_command"] == "nginx -t"
    assert got["reload_command"] == "" and got["service_name"] == ""
    assert got["allow_reissue"] is True and got["reuse_key"] is False


def test_entry_keys_win_and_names_are_normalised():
    entry = {
        "common_name": "*.Example.org",
        "subject_alt_names": ["B.example.org", "a.example.org", "*.EXAMPLE.org", "b.example.org"],
        "dir": "/srv/{{ x }}",
        "term": "2",
        "reuse_key": "yes",
        "inventory_group": "api",
        "server_type": "apache",
        "pkcs12": True,
        "key_mode": "0640",
    }
    got = settings(entry, batch=["a1", "w1"])
    assert got["name"] == "wildcard.example.org"
    assert got["subject_alt_names"] == ["a.example.org", "b.example.org"]
    assert got["dns_zone"] == "example.org"
    assert got["term"] == 2 and got["reuse_key"] is True
    assert got["hosts"] == ["a1"]
    assert got["pkcs12_path"] == "/srv/{{ x }}/wildcard.example.org.p12"
    assert got["test_command"] == "apachectl -t" and got["key_mode"] == "0640"


def test_explicit_paths_and_zone_are_used_as_given():
    entry = {
        "common_name": "shop.example.co.uk",
        "name": "shop",
        "dns_zone": "example.co.uk",
        "certificate_path": "/x/cert.pem",
        "pkcs12_path": "/x/shop.p12",
    }
    got = settings(entry)
    assert got["certificate_path"] == "/x/cert.pem"
    assert got["privatekey_path"] == "/etc/ssl/webnic/shop.key"
    assert got["pkcs12_path"] == "/x/shop.p12"
    assert got["dns_zone"] == "example.co.uk"


def test_an_empty_zone_takes_the_default():
    assert settings({"common_name": "a.b.example.net", "dns_zone": ""})["dns_zone"] == "example.net"


def test_role_variables_an_entry_overrides_are_never_read():
    role = Strict(ROLE, broken=["webroot", "dir", "product", "pkcs12"])
    entry = {
        "common_name": "www.example.com",
        "webroot": "/srv/www",
        "dir": "/srv/ssl",
        "product": "x",
        "pkcs12": False,
    }
    got = settings(entry, role=role)
    assert got["webroot"] == "/srv/www" and got["certificate_path"] == "/srv/ssl/www.example.com.crt"


def test_user_commands_override_the_builtin_ones():
    role = dict(ROLE, server_test_command={"nginx": "/opt/nginx -t"}, server_reload_command={"nginx": "reload"})
    role["service_name"] = {"nginx": "nginx.service"}
    got = settings({"common_name": "www.example.com"}, role=role)
    assert (got["test_command"], got["reload_command"], got["service_name"]) == (
        "/opt/nginx -t",
        "reload",
        "nginx.service",
    )
    assert settings({"common_name": "x.example.com", "server_type": "none"})["test_command"] == ""


@pytest.mark.parametrize("value, expected", [(1, 1), ("3", 3), ("2.0", 2), ("two", 0), (None, 0)])
def test_term_reads_like_jinja_int(value, expected):
    assert settings({"common_name": "www.example.com", "term": value})["term"] == expected


def test_missing_group_has_no_hosts():
    assert settings({"common_name": "www.example.com", "inventory_group": "nope"})["hosts"] == []


def test_filter_names_the_missing_field():
    with pytest.raises(ValueError, match="no common_name"):
        role_settings.certificate_settings({"name": "x"}, ROLE, GROUPS, ["w1"])
    with pytest.raises(ValueError, match="certificate_product is not defined"):
        role_settings.certificate_settings(
            {"common_name": "a.example.com"}, {k: v for k, v in ROLE.items() if k != "product"}, GROUPS, []
        )
    with pytest.raises(ValueError, match="must be a dict"):
        role_settings.certificate_settings("www.example.com", ROLE, GROUPS, [])


def test_entry_name():
    assert role_settings.entry_name({"common_name": "*.Example.com"}) == "wildcard.example.com"
    assert role_settings.entry_name({"common_name": "a.example.com", "name": "mine"}) == "mine"
    with pytest.raises(ValueError, match="needs a common_name"):
        role_settings.entry_name({})
