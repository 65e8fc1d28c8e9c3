# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The demo playbook (demo/site.yml) as an AWX job: ansible-runner, the bundled simulator, real nginx servers.

The job is laid out and run by test_runner_secrets.awx_job, so it gets exactly what an AWX job gets: the
WebNIC credentials only as environment variables rendered from the credential type in extensions/awx/,
no extra vars at all (the demo's variables are in the play), `suppress_env_files=True`, verbosity 3.
The inventory is a fleet of real nginx servers on 127.0.0.1 (tests/e2e/fleet.py), like `make demo`'s.

Checked: the job succeeds; every nginx serves the new certificate in a real TLS handshake that trusts only
the simulator's CA; a second job changes nothing on any host and makes no API call; neither job leaves the
API password, a bearer token or private key material in its events, its stdout or its artifacts
(test_runner_secrets.assert_no_secret, with its one rule for ansible-runner's own `command` artifact).
That the scan catches a leaked password is proven by test_runner_secrets.test_the_scan_detects_a_leaked_password;
here the secrets of this very run (a token it used, a line of a key it deployed) are planted to prove the scan
would catch them too.

nginx is required: without it the test FAILS (`apt-get install nginx`).
"""

from __future__ import annotations

import shutil
import sys
import time

import pytest
from awx_credentials import ROOT

# The job layout and the secret scan of the AWX suite, not copies; no_ambient_credentials is an autouse fixture.
from test_runner_secrets import (  # pylint: disable=unused-import
    assert_no_secret,
    awx_job,
    cached_tokens,
    key_fragments,
    minted_token_hashes,
    no_ambient_credentials,  # noqa: F401  (autouse fixture: no WEBNIC_* from the test's own environment)
)

sys.path.append(str(ROOT / "tests" / "e2e"))
from fleet import NGINX_MISSING, Fleet, certificate_serial, find_nginx

pytestmark = [pytest.mark.e2e, pytest.mark.nginx, pytest.mark.simulator, pytest.mark.slow]

PLAYBOOK = ROOT / "demo" / "site.yml"
SERVER_NAME = "www.example.test"  # the demo's certificate (demo/site.yml)
HOSTS = 2
DCV_HOST = "web2"  # where the simulator's HTTP validation of www.example.test lands, as in demo/run.py


@pytest.fixture
def fleet(tmp_path, simulator):
    """Two nginx servers for www.example.test (group `web`); the simulator resolves the name to web2's HTTP port."""
    if find_nginx() is None:
        pytest.fail(NGINX_MISSING, pytrace=False)
    web = Fleet(tmp_path / "hosts", HOSTS, SERVER_NAME).start()
    try:
        simulator.resolve(SERVER_NAME, f"127.0.0.1:{web[DCV_HOST].http_port}")
        yield web
    finally:
        web.stop()


def served(nginx, ca_file, serial, timeout=10.0):
    """Handshake until nginx serves `serial` (a reload hands over to new workers asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        seen = nginx.handshake(ca_file)
        if (seen.ok and seen.serial == serial) or time.monotonic() > deadline:
            return seen
        time.sleep(0.2)


def changed_tasks(events):
    return [
        "%s: %s" % (e["event_data"]["host"], e["event_data"]["task"])
        for e in events
        if e.get("event") == "runner_on_ok" and e["event_data"]["res"].get("changed")
    ]


def test_demo_playbook_as_awx_job_serves_the_certificate_reruns_idle_and_leaks_no_secret(simulator, fleet, tmp_path):
    # The AWX project: the demo playbook as the repository holds it (demo/output/ is a local, untracked
    # artefact of `make demo` and must not ride along).
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    shutil.copy2(PLAYBOOK, checkout / PLAYBOOK.name)
    inventory = ("hosts.yml", fleet.inventory(tmp_path / "inventory.yml").read_text())

    def job(name):
        job_dir = tmp_path / name
        job_dir.mkdir()
        # No extra vars: nothing secret (nor anything else) goes that way.
        return awx_job(simulator, job_dir, checkout / PLAYBOOK.name, {}, inventory=inventory)

    # Job 1: key + CSR, one order, HTTP validation on every host, download, deploy, nginx reload.
    runner, events, pdd = job("run1")
    assert runner.status == "successful", runner.stdout.read()[-4000:]
    assert runner.rc == 0
    assert [o["commonName"] for o in simulator.orders()] == [SERVER_NAME]
    assert changed_tasks(events), "the first job must have changed something"

    serials = {certificate_serial(nginx.ssl_dir / f"{SERVER_NAME}.crt") for nginx in fleet}
    assert len(serials) == 1, "every host deploys the same certificate"
    serial = serials.pop()
    for name, nginx in fleet.hosts.items():
        seen = served(nginx, simulator.ca_path, serial)
        assert seen.ok and seen.serial == serial, f"{name}: {seen.line()}"
        assert SERVER_NAME in seen.names, f"{name}: {seen.names}"
        assert nginx.validation_files() == [], f"{name}: validation file left in the web root"

    tokens = cached_tokens(tmp_path / "run1" / "token-cache")
    minted = minted_token_hashes(simulator)
    assert tokens and minted, "the job should have minted (and cached) a bearer token"
    deployed_keys = [nginx.ssl_dir / f"{SERVER_NAME}.key" for nginx in fleet]
    keys = key_fragments(deployed_keys)
    assert len(keys) >= len(deployed_keys), "every deployed key should yield base64 body lines"
    # The password is allowed in exactly one place, the rule of test_runner_secrets.assert_no_secret:
    # artifacts/<ident>/command, where ansible-runner itself records the environment it gave
    # ansible-playbook (every credential type's env injectors land there; 0600, asserted; AWX deletes the
    # private data dir after the job). env/envvars does not exist: AWX runs with suppress_env_files=True.
    # Tokens and key material are not allowed even there.
    assert_no_secret(runner, events, pdd, simulator.password, tokens, minted, keys)

    # Job 2, the nightly rerun: nothing is due, so nothing changes and the API is not called.
    calls_before = simulator.stats()["total"]
    runner, events, pdd = job("run2")
    assert runner.status == "successful", runner.stdout.read()[-4000:]
    assert runner.rc == 0
    assert simulator.stats()["total"] == calls_before, "a rerun with nothing due must not call the API"
    stats = runner.stats
    assert stats is not None, "no playbook_on_stats event"
    for name in fleet.hosts:
        assert stats["ok"].get(name, 0) > 0, f"{name} did not run: {stats}"
        assert stats["changed"].get(name, 0) == 0, f"{name} changed: {stats}"
        assert not stats["failures"].get(name) and not stats["dark"].get(name), f"{name}: {stats}"
    assert changed_tasks(events) == []
    for name, nginx in fleet.hosts.items():
        seen = served(nginx, simulator.ca_path, serial)
        assert seen.ok and seen.serial == serial, f"{name} after the rerun: {seen.line()}"
    assert_no_secret(runner, events, pdd, simulator.password, tokens, minted, keys)

    # The scan would catch this run's own secrets: a token it used in an event, a line of a deployed key in
    # an artifact (the planted-password case is test_runner_secrets.test_the_scan_detects_a_leaked_password).
    planted = pdd / "artifacts" / "planted.txt"
    planted.write_text(keys[-1])
    with pytest.raises(AssertionError) as caught:
        assert_no_secret(runner, [*events, {"stdout": tokens[0]}], pdd, simulator.password, tokens, minted, keys)
    assert "a bearer token in event_handler events" in str(caught.value)
    assert "private key material in artifacts/planted.txt" in str(caught.value)
