"""Run playbooks through ansible-runner (the engine AWX uses) the way an AWX job runs them, and prove
that no secret ends up in the job events, the job output, the returned values or the artifacts.

The WebNIC credentials are injected only as environment variables, rendered from the credential type
in extensions/awx/ exactly as AWX renders it (awx_credentials.inject); nothing secret goes into extra
vars. ansible-runner is called with AWX's settings: `suppress_env_files=True` (AWX_RUNNER_OMIT_ENV_FILES)
and verbosity 3 (a job template at "3 (Debug)").

Secrets looked for: the API password, every bearer token the run used (read from the token cache,
and any JWT-shaped string whose hash the simulator knows as a minted token), and the body of every
private key the run wrote.

One file is allowed to hold the password: `artifacts/<ident>/command`, where ansible-runner itself
records the environment it gave ansible-playbook (credentials of every type land there; the file is
0600 and AWX deletes the private data dir after the job). Tokens and keys must not appear even there.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import sys
from pathlib import Path

import ansible_runner
import pytest
from awx_credentials import ROOT, inject, load_credential_type

pytestmark = [pytest.mark.simulator, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
# The checkout (via .venv/collections); WEBNIC_SSL_COLLECTIONS_PATH runs the same jobs against another copy,
# for example an installed release tarball.
COLLECTIONS_PATH = Path(os.environ.get("WEBNIC_SSL_COLLECTIONS_PATH") or ROOT / ".venv" / "collections")
JWT = re.compile(r"[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")
PEM_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(.*?)-----END [A-Z ]*PRIVATE KEY-----", re.S)


@pytest.fixture(autouse=True)
def no_ambient_credentials(monkeypatch):
    """The job must get its credentials from the credential type, not from the test's environment."""
    for name in list(os.environ):
        # WEBNIC_TRUSTED_ROOTS is the simulators' CA (webnic_sim.testing sets it), not a credential.
        if name.startswith("WEBNIC_") and name != "WEBNIC_TRUSTED_ROOTS":
            monkeypatch.delenv(name)


LOCALHOST_INVENTORY = ("hosts", "localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)


def awx_job(simulator, tmp_path, playbook, extravars, inventory=LOCALHOST_INVENTORY):
    """Lay out a private data dir like AWX does and run `playbook` in it; return (runner, events, pdd)."""
    private_data_dir = tmp_path / "pdd"
    # The project: the playbook's directory, as an AWX project checkout holds it.
    shutil.copytree(Path(playbook).parent, private_data_dir / "project")
    (private_data_dir / "inventory").mkdir()
    (private_data_dir / "inventory" / inventory[0]).write_text(inventory[1])
    credential_env, _safe, credential_extra_vars = inject(
        load_credential_type(),
        {"api_username": simulator.username, "api_password": simulator.password, "api_endpoint": simulator.url},
        private_data_dir,
    )
    assert credential_extra_vars == {}
    envvars = dict(
        credential_env,
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_PATH),
        # ansible-playbook of the venv this test runs in (an EE has it on PATH).
        PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        # Where the client caches its token, so that the test can read it (under AWX: the EE's home).
        WEBNIC_TOKEN_CACHE_DIR=str(tmp_path / "token-cache"),
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
        ANSIBLE_REMOTE_TEMP=str(tmp_path / "ansible-tmp"),
        ANSIBLE_NOCOLOR="1",
    )
    events = []
    runner = ansible_runner.run(
        private_data_dir=str(private_data_dir),
        playbook=Path(playbook).name,
        envvars=envvars,
        extravars=extravars,
        verbosity=3,
        suppress_env_files=True,
        quiet=True,
        event_handler=lambda event: events.append(event) or True,
        timeout=600,
    )
    return runner, events, private_data_dir


def minted_token_hashes(simulator):
    db = sqlite3.connect(str(simulator.state_dir / "sim.sqlite3"))
    try:
        return {row[0] for row in db.execute("SELECT id FROM docs WHERE kind = 'token'")}
    finally:
        db.close()


def cached_tokens(cache_dir):
    tokens = []
    for path in Path(cache_dir).glob("*.json"):
        tokens.append(json.loads(path.read_text())["token"])
    return tokens


def key_fragments(paths):
    """Every base64 line of every private key written: any one of them in the output is a leak."""
    fragments = []
    for path in paths:
        for body in PEM_KEY.findall(Path(path).read_text()):
            fragments.extend(line for line in body.split() if len(line) >= 16)
    return fragments


def texts(runner, events, private_data_dir):
    """Everything a user or an AWX database could see: events, stdout, every file of the job dir."""
    yield "event_handler events", "\n".join(json.dumps(event) for event in events)
    yield "runner.events", "\n".join(json.dumps(event) for event in runner.events)
    yield "runner.stdout", runner.stdout.read()
    for path in sorted(private_data_dir.rglob("*")):
        if path.is_file():
            yield str(path.relative_to(private_data_dir)), path.read_bytes().decode("utf-8", "replace")


def assert_no_secret(runner, events, private_data_dir, password, tokens, minted, keys):
    leaks = []
    seen_command_file = False
    for where, text in texts(runner, events, private_data_dir):
        is_command_file = re.fullmatch(r"artifacts/[^/]+/command", where) is not None
        if password in text:
            if is_command_file:
                seen_command_file = True
                mode = stat.S_IMODE((private_data_dir / where).stat().st_mode)
                assert mode == 0o600, "%s holds the job environment and must be 0600, is %o" % (where, mode)
            else:
                leaks.append("the API password in %s" % where)
        for token in tokens:
            for part in (token, token.rsplit(".", 1)[-1]):
                if part in text:
                    leaks.append("a bearer token in %s" % where)
        for candidate in set(JWT.findall(text)):
            if hashlib.sha256(candidate.encode()).hexdigest() in minted:
                leaks.append("a minted bearer token in %s" % where)
        for fragment in keys:
            if fragment in text:
                leaks.append("private key material in %s" % where)
                break
    # The scan is not vacuous: ansible-runner's own environment record does contain the password.
    assert seen_command_file, "expected ansible-runner's artifacts/<ident>/command to hold the job environment"
    assert not leaks, "secrets leaked:\n" + "\n".join(sorted(set(leaks)))


def test_module_playbook_under_runner_leaks_no_secret(simulator, tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    runner, events, pdd = awx_job(
        simulator, tmp_path, HERE / "playbooks" / "webnic_modules.yml", {"workdir": str(workdir)}
    )
    assert runner.status == "successful", runner.stdout.read()[-4000:]
    assert runner.rc == 0

    tokens = cached_tokens(tmp_path / "token-cache")
    minted = minted_token_hashes(simulator)
    assert tokens and minted, "the run should have minted (and cached) a bearer token"
    assert {hashlib.sha256(t.encode()).hexdigest() for t in tokens} <= minted
    keys = key_fragments(workdir.glob("*.key"))
    assert keys, "the run should have written a private key"

    ok_tasks = [e for e in events if e.get("event") == "runner_on_ok"]
    assert len(ok_tasks) == 3
    assert_no_secret(runner, events, pdd, simulator.password, tokens, minted, keys)


def test_the_scan_detects_a_leaked_password(simulator, tmp_path):
    runner, events, pdd = awx_job(simulator, tmp_path, HERE / "playbooks" / "leaky.yml", {})
    assert runner.status == "successful"
    with pytest.raises(AssertionError, match="the API password in event_handler events"):
        assert_no_secret(runner, events, pdd, simulator.password, [], set(), [])


def nightly_inventory(tmp_path):
    """The example's shape (examples/awx-nightly/inventory.yml) on local hosts, DNS DCV at WebNIC."""
    hosts = {}
    for name in ("web1", "web2", "shop1"):
        hosts[name] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "certificate_dir": str(tmp_path / "hosts" / name),
        }
    return {
        "all": {
            "children": {
                "webnic_servers": {
                    "children": {
                        "web": {"hosts": {"web1": hosts["web1"], "web2": hosts["web2"]}},
                        "shop": {"hosts": {"shop1": hosts["shop1"]}},
                    },
                    "vars": {
                        "certificate_contact": {
                            "company": "Example Sdn Bhd",
                            "first_name": "Aminah",
                            "last_name": "Rahman",
                            "address1": "Level 10, Menara Example",
                            "city": "Kuala Lumpur",
                            "country_code": "MY",
                            "zip": "50450",
                            "phone_number": "+60 3-1234 5678",
                            "email": "aminah@example.com",
                        },
                        "certificate_wait_interval": 1,
                        "certificate_list": [
                            {
                                "common_name": "www.example.com",
                                "subject_alt_names": ["example.com"],
                                "inventory_group": "web",
                                "dcv_method": "dns",
                                "server_type": "none",
                            },
                            # Fails before any money is spent: the product does not exist.
                            {
                                "common_name": "shop.example.net",
                                "inventory_group": "shop",
                                "product": "nosuch",
                                "dcv_method": "dns",
                                "server_type": "none",
                            },
                        ],
                    },
                }
            }
        }
    }


def test_nightly_example_under_runner(simulator, tmp_path):
    """examples/awx-nightly/nightly.yml as an AWX job: a failure names the certificate and the reason and
    fails the job; the other certificate is deployed; a rerun changes nothing and calls no API;
    no secret in either job."""
    import yaml

    playbook = ROOT / "examples" / "awx-nightly" / "nightly.yml"
    inventory = yaml.safe_dump(nightly_inventory(tmp_path))

    def job(name, extravars):
        job_dir = tmp_path / name
        job_dir.mkdir()
        return awx_job(simulator, job_dir, playbook, extravars, inventory=("hosts.yml", inventory))

    # Night 1: www.example.com is ordered and deployed; shop.example.net fails.
    runner, events, pdd = job("night1", {})
    assert runner.status == "failed" and runner.rc != 0
    failed = [e for e in events if e.get("event") == "runner_on_failed" and not e["event_data"].get("ignore_errors")]
    report = failed[-1]["event_data"]
    assert (
        report["host"] == "localhost" and report["task"] == "Fail the job, naming each certificate that failed and why"
    )
    lines = report["res"]["msg"]
    assert len(lines) == 1 and lines[0].startswith("shop1: shop.example.net: "), lines
    assert "shop.example.net" in lines[0] and "nosuch" in lines[0], lines
    for host in ("web1", "web2"):
        assert (tmp_path / "hosts" / host / "www.example.com.fullchain.pem").is_file()
    assert [o["commonName"] for o in simulator.orders()] == ["www.example.com"]

    tokens = cached_tokens(tmp_path / "night1" / "token-cache")
    minted = minted_token_hashes(simulator)
    keys = key_fragments((tmp_path / "hosts").rglob("*.key*"))
    assert tokens and keys
    assert_no_secret(runner, events, pdd, simulator.password, tokens, minted, keys)

    # Night 2, the web group only: nothing due, nothing changed, no API call.
    before = simulator.stats()["total"]
    runner, events, pdd = job("night2", {"nightly_hosts": "web"})
    assert runner.status == "successful", runner.stdout.read()[-4000:]
    changed = [
        e["event_data"]["task"]
        for e in events
        if e.get("event") == "runner_on_ok" and e["event_data"]["res"].get("changed")
    ]
    assert changed == []
    assert simulator.stats()["total"] == before
    assert_no_secret(runner, events, pdd, simulator.password, tokens, minted, keys)
