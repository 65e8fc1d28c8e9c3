"""The AWX credential type shipped in extensions/awx/ is one AWX accepts and injects what the modules read."""

from __future__ import annotations

import copy
import os
import stat

import pytest
from awx_credentials import (
    HIDDEN_PASSWORD,
    CredentialTypeError,
    build_safe_env,
    inject,
    load_credential_type,
    secret_fields,
    validate,
)

WEBNIC_ENV = {"WEBNIC_API_USERNAME", "WEBNIC_API_PASSWORD", "WEBNIC_API_ENDPOINT"}
CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBexample\n-----END CERTIFICATE-----\n"


@pytest.fixture
def credential_type():
    return load_credential_type()


def fields(credential_type):
    return {field["id"]: field for field in credential_type["inputs"]["fields"]}


def test_awx_accepts_the_credential_type(credential_type):
    validate(credential_type)
    assert credential_type["name"] == "WebNIC API"
    assert credential_type["kind"] == "cloud"


def test_validation_refuses_a_template_naming_an_unknown_field(credential_type):
    broken = copy.deepcopy(credential_type)
    broken["injectors"]["env"]["WEBNIC_API_USERNAME"] = "{{ api_user }}"
    with pytest.raises(CredentialTypeError, match="undefined field"):
        validate(broken)


def test_inputs_are_username_password_endpoint_and_optional_ca_and_proxy(credential_type):
    assert list(fields(credential_type)) == ["api_username", "api_password", "api_endpoint", "ca_cert", "api_proxy"]
    assert credential_type["inputs"]["required"] == ["api_username", "api_password"]
    assert fields(credential_type)["api_endpoint"]["default"] == "production"


def test_password_and_proxy_url_are_the_secret_inputs(credential_type):
    # A proxy URL may carry the proxy's user and password.
    assert fields(credential_type)["api_password"]["secret"] is True
    assert secret_fields(credential_type) == {"api_password", "api_proxy"}


def test_injectors_set_exactly_the_webnic_env_vars(credential_type, tmp_path):
    env, _safe, extra_vars = inject(
        credential_type, {"api_username": "reseller", "api_password": "s3cret", "api_endpoint": "ote"}, tmp_path
    )
    assert {name for name, value in env.items() if value} == WEBNIC_ENV
    assert env["WEBNIC_API_USERNAME"] == "reseller"
    assert env["WEBNIC_API_PASSWORD"] == "s3cret"
    assert env["WEBNIC_API_ENDPOINT"] == "ote"
    # Without a CA or a proxy their variables are empty, which the modules treat as "not set".
    assert env["WEBNIC_API_CA_PATH"] == ""
    assert env["WEBNIC_API_PROXY"] == ""
    assert extra_vars == {}


def test_nothing_goes_to_extra_vars(credential_type):
    assert set(credential_type["injectors"]) == {"env", "file"}


def test_ca_certificate_is_injected_as_a_private_file(credential_type, tmp_path):
    env, _safe, _extra = inject(
        credential_type,
        {"api_username": "u", "api_password": "p", "api_endpoint": "https://sim.example.test:8443", "ca_cert": CA_PEM},
        tmp_path,
    )
    path = env["WEBNIC_API_CA_PATH"]
    assert os.path.dirname(path) == str(tmp_path / "env")
    with open(path) as handle:
        assert handle.read() == CA_PEM
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_proxy_url_is_injected_and_masked(credential_type, tmp_path):
    proxy = "http://proxyuser:proxy-s3cret@proxy.example.test:3128"
    env, safe_env, extra_vars = inject(
        credential_type, {"api_username": "u", "api_password": "p", "api_proxy": proxy}, tmp_path
    )
    assert env["WEBNIC_API_PROXY"] == proxy
    assert "proxy-s3cret" not in str(safe_env)
    assert "proxy-s3cret" not in str(build_safe_env(env))
    assert extra_vars == {}


def test_password_is_masked_in_what_awx_stores(credential_type, tmp_path):
    env, safe_env, _extra = inject(
        credential_type, {"api_username": "reseller", "api_password": "s3cret", "api_endpoint": "ote"}, tmp_path
    )
    assert safe_env["WEBNIC_API_PASSWORD"] == HIDDEN_PASSWORD
    # The job's environment view masks every variable whose name contains API, PASS, KEY, ...
    assert set(build_safe_env(env).values()) == {HIDDEN_PASSWORD}


def test_env_names_are_the_fallbacks_the_modules_read(credential_type):
    from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import CONNECTION_ARGUMENT_SPEC

    read_by_modules = {
        name for spec in CONNECTION_ARGUMENT_SPEC.values() if spec.get("fallback") for name in spec["fallback"][1]
    }
    assert set(credential_type["injectors"]["env"]) == read_by_modules
