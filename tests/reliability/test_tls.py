# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS: the client verifies the API's certificate by default (the simulator serves HTTPS with its
own CA); `ca_path` trusts a private CA; `validate_certs: false` works but warns."""

from __future__ import annotations

import pytest
from reliability_helpers import assert_no_traceback, record, run_module

from ansible_collections.webnic.ssl.plugins.modules import webnic_ssl_price

pytestmark = [pytest.mark.simulator, pytest.mark.tls]


def args(sim, **extra):
    base = {
        "api_endpoint": sim.url,
        "api_username": sim.username,
        "api_password": sim.password,
        "product_key": "ssl123",
    }
    base.update(extra)
    return base


def test_unknown_ca_is_refused_by_default(simulator_tls):
    sim = simulator_tls
    result = run_module(webnic_ssl_price, args(sim))
    assert result.failed
    assert_no_traceback(result)
    assert "TLS verification" in result["msg"] and "ca_path" in result["msg"], result["msg"]
    assert sim.stats()["token_mints"] == 0, "no credentials may be sent to an unverified server"
    record(
        "tls",
        "default (validate_certs true), simulator CA not trusted",
        outcome="failed",
        message=result["msg"][:160],
        token_mints=0,
    )


@pytest.mark.parametrize("how", ["ca_path option", "WEBNIC_API_CA_PATH"])
def test_private_ca_is_trusted_through_ca_path(simulator_tls, how):
    sim = simulator_tls
    if how == "ca_path option":
        result = run_module(webnic_ssl_price, args(sim, ca_path=sim.ca_path))
    else:
        result = run_module(webnic_ssl_price, args(sim), env={"WEBNIC_API_CA_PATH": sim.ca_path})
    assert not result.failed, result["msg"]
    assert result["price"] == 10.0
    assert not result.get("warnings")
    record("tls", "simulator CA trusted via %s" % how, outcome="ok", warnings=0)


def test_validate_certs_false_warns(simulator_tls):
    sim = simulator_tls
    result = run_module(webnic_ssl_price, args(sim, validate_certs=False))
    assert not result.failed, result["msg"]
    warnings = result.get("warnings") or []
    assert any("validate_certs=false" in w for w in warnings), warnings
    record("tls", "validate_certs: false", outcome="ok with warning", warning=warnings[0][:120])


def test_requests_ca_bundle_does_not_override_verification(simulator_tls, monkeypatch):
    """An ambient REQUESTS_CA_BUNDLE must not silently change what is trusted (session.trust_env=False)."""
    sim = simulator_tls
    result = run_module(webnic_ssl_price, args(sim), env={"REQUESTS_CA_BUNDLE": sim.ca_path})
    assert result.failed and "TLS verification" in result["msg"]
    record("tls", "REQUESTS_CA_BUNDLE set to the simulator CA, no ca_path", outcome="failed (ignored)")
