# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""API calls through a real HTTP proxy (tinyproxy on 127.0.0.1) in front of the simulator.

Real ansible-playbook runs of two modules (product list, price). The proxy's own access log proves
which calls went through it: plain HTTP shows one line per API request, HTTPS one CONNECT line per
tunnel (one per module run: a run keeps its connection alive). Neither the proxy log nor the playbook
output may contain the API password or a bearer token. No nginx needed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fleet import free_port, playbook_env, run_playbook  # noqa: E402
from forward_proxy import PROXY_MISSING, ForwardProxy, proxy_binary  # noqa: E402

from webnic_sim.testing import Simulator  # noqa: E402

PLAYBOOK = HERE / "playbooks" / "proxy.yml"
PROXY_VARS = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)
API_MODULE_RUNS = 2  # tasks of proxy.yml that call the API
TOKEN = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+|\b[0-9a-f]{32,}\b")


@pytest.fixture
def forward_proxy(tmp_path):
    if proxy_binary() is None:
        pytest.fail(PROXY_MISSING, pytrace=False)
    with ForwardProxy(tmp_path / "proxy") as proxy:
        yield proxy


@pytest.fixture(params=["http", "https"])
def api(request, tmp_path):
    with Simulator(tmp_path / "sim", tls=request.param == "https") as sim:
        yield sim


def api_requests(sim):
    """The API requests the simulator answered (its admin endpoints left out), in order."""
    return [tuple(call.split(" ", 1)) for call in sim.api_calls()]


def run(tmp_path, sim, env_overrides, extra_vars=None, trust_sim_ca=True):
    ca_path = sim.ca_path if trust_sim_ca and sim.url.startswith("https") else None
    env = playbook_env(sim.url, ca_path, tmp_path / "tokens")
    if ca_path is None:
        env.pop("WEBNIC_API_CA_PATH", None)
    for name in (*PROXY_VARS, "WEBNIC_API_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        env.pop(name, None)
    env.update(env_overrides)
    args = []
    for key, value in (extra_vars or {}).items():
        args += ["-e", f"{key}={value}"]
    result = run_playbook(PLAYBOOK, "localhost,", env, args)
    print(result.output)
    return result


def assert_no_secret(sim, *texts):
    for text in texts:
        assert sim.password not in text
        assert not TOKEN.search(text), TOKEN.search(text)


def assert_through_proxy(sim, proxy, result):
    assert result.returncode == 0, result.tail()
    host_port = sim.url.split("://", 1)[1]
    api_calls = api_requests(sim)
    seen = proxy.requests()
    assert api_calls, "the simulator saw no API call"
    if sim.url.startswith("https"):
        # One tunnel per module run, to the simulator only; what travels inside is TLS.
        assert seen == [("CONNECT", host_port)] * API_MODULE_RUNS
    else:
        # Every API request, in order, and nothing else went through the proxy.
        prefix = "http://%s" % host_port
        assert all(target.startswith(prefix + "/") for _method, target in seen), seen
        assert [(method, target[len(prefix) :].split("?", 1)[0]) for method, target in seen] == api_calls
    assert_no_secret(sim, proxy.log_text(), result.output)


def test_https_proxy_environment_variable_is_honoured(tmp_path, api, forward_proxy):
    variable = "HTTPS_PROXY" if api.url.startswith("https") else "HTTP_PROXY"
    result = run(tmp_path, api, {variable: forward_proxy.url})
    assert_through_proxy(api, forward_proxy, result)


def test_lower_case_variable_and_no_proxy_for_another_host(tmp_path, api, forward_proxy):
    variable = "https_proxy" if api.url.startswith("https") else "http_proxy"
    result = run(tmp_path, api, {variable: forward_proxy.url, "no_proxy": "api.example.invalid,10.0.0.0/8"})
    assert_through_proxy(api, forward_proxy, result)


def test_no_proxy_bypasses_the_proxy(tmp_path, api, forward_proxy):
    # The environment names the proxy, NO_PROXY names the API host: the calls go direct.
    result = run(
        tmp_path, api, {"HTTP_PROXY": forward_proxy.url, "HTTPS_PROXY": forward_proxy.url, "NO_PROXY": "127.0.0.1"}
    )
    assert result.returncode == 0, result.tail()
    assert api_requests(api)
    assert forward_proxy.requests() == []


def test_api_proxy_option_wins_over_the_environment(tmp_path, api, forward_proxy):
    # The environment points at a port nobody listens on and excludes the API host; the explicit
    # option still sends every call through the real proxy.
    dead = f"http://127.0.0.1:{free_port()}"
    result = run(
        tmp_path,
        api,
        {"HTTP_PROXY": dead, "HTTPS_PROXY": dead, "NO_PROXY": "127.0.0.1"},
        extra_vars={"proxy_url": forward_proxy.url},
    )
    assert_through_proxy(api, forward_proxy, result)


def test_webnic_api_proxy_variable(tmp_path, api, forward_proxy):
    dead = f"http://127.0.0.1:{free_port()}"
    result = run(tmp_path, api, {"WEBNIC_API_PROXY": forward_proxy.url, "HTTPS_PROXY": dead, "HTTP_PROXY": dead})
    assert_through_proxy(api, forward_proxy, result)


def test_unreachable_proxy_fails_clearly_without_the_password(tmp_path, forward_proxy):
    with Simulator(tmp_path / "sim") as sim:
        dead = f"http://proxyuser:proxy-s3cret@127.0.0.1:{free_port()}"
        result = run(tmp_path, sim, {"WEBNIC_API_PROXY": dead})
        assert result.returncode != 0
        assert "Cannot connect to" in result.output
        assert "proxy-s3cret" not in result.output
        assert api_requests(sim) == []
        assert_no_secret(sim, result.output)


def test_bad_proxy_url_names_the_field_and_hides_the_value(tmp_path, forward_proxy):
    with Simulator(tmp_path / "sim") as sim:
        result = run(tmp_path, sim, {}, extra_vars={"proxy_url": "proxy.example.com:3128/with-s3cret"})
        assert result.returncode != 0
        assert "api_proxy: is not a proxy URL" in result.output
        assert "with-s3cret" not in result.output
        assert api_requests(sim) == []


def test_requests_ca_bundle_cannot_replace_ca_path(tmp_path, forward_proxy):
    # Honouring the proxy variables must not bring in requests' other environment settings: with the
    # simulator's CA only in REQUESTS_CA_BUNDLE (no ca_path), TLS verification still fails.
    with Simulator(tmp_path / "sim", tls=True) as sim:
        env = {"HTTPS_PROXY": forward_proxy.url, "REQUESTS_CA_BUNDLE": sim.ca_path, "CURL_CA_BUNDLE": sim.ca_path}
        result = run(tmp_path, sim, env, trust_sim_ca=False)
        assert result.returncode != 0
        assert "TLS verification of %s failed" % sim.url in result.output
        assert forward_proxy.requests()[:1] == [("CONNECT", sim.url.split("://", 1)[1])]
        assert api_requests(sim) == []
