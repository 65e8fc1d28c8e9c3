# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets: one job runs the role and every module through ansible-runner (AWX's engine) at
verbosity 4 (-vvvv) with ANSIBLE_DEBUG=1 and ANSIBLE_LOG_PATH; the API password, every bearer token
and all private key material must appear nowhere: job events, stdout, every artifact file, the
returned values, the simulator's request log and its stderr. Key files and the PKCS#12 file are
0600; the token cache is 0600 in a 0700 directory outside the project directory.

Credentials reach the job as WEBNIC_API_* environment variables (the AWX credential type's way).

Secrets looked for:
- the API password (a unique value for this test);
- every token: the plaintext of the cached ones, and any JWT-shaped string whose sha256 the
  simulator knows as a minted token (its state keeps hashes only);
- every base64 line (>= 16 chars) of every private key PEM the run wrote;
- the key passphrase and the PKCS#12 password, which are module options: ansible-core's own
  ANSIBLE_DEBUG line "_execute_module (<module>, {<args>})" prints module options despite no_log
  (ansible-core documents this for DEFAULT_DEBUG), so they may appear on that line only; nowhere else,
  and never in a returned value.

Allowed: ansible-runner's `artifacts/<ident>/command` records the environment it gave
ansible-playbook and so holds the password (0600, as in AWX's private data dir); nothing else may.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
from pathlib import Path

import pytest
from reliability_helpers import (
    COLLECTIONS_PATH,
    ROOT,
    live,
    local_inventory,
    minted_token_hashes,
    playbook_env,
    record,
)

from webnic_sim.testing import Simulator

pytestmark = [pytest.mark.simulator, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
PLAYBOOK = HERE / "playbooks" / "secrets.yml"
USER = "reliability-user"
PASSWORD = "Pw-rel-7Qz9x2Lk4"
KEY_PASSPHRASE = "Kp-rel-3Hn8v1Ws6"
PFX_PASSWORD = "Px-rel-5Jd2m9Tb1"
JWT = re.compile(r"[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")
PEM_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(.*?)-----END [A-Z ]*PRIVATE KEY-----", re.S)


@pytest.fixture
def secret_sim(tmp_path):
    with Simulator(tmp_path / "sim", extra_args=["--user", "%s:%s" % (USER, PASSWORD)]) as sim:
        sim.username, sim.password = USER, PASSWORD
        yield sim


def key_lines(paths):
    lines = []
    for path in paths:
        for body in PEM_KEY.findall(Path(path).read_text()):
            lines.extend(line for line in body.split() if len(line) >= 16)
    return lines


def cached_tokens(cache_dir):
    return [json.loads(p.read_text())["token"] for p in Path(cache_dir).glob("*.json")]


def leaks_in(where, text, tokens, minted, keys):
    found = []
    at = text.find(PASSWORD)
    if at >= 0:
        found.append("API password in %s: ...%s" % (where, text[max(0, at - 300) : at].replace("\n", " | ")))
    for name, secret in (("key passphrase", KEY_PASSPHRASE), ("PKCS#12 password", PFX_PASSWORD)):
        for match in re.finditer(re.escape(secret), text):
            before = text[max(0, match.start() - 2000) : match.start()]
            # ansible-core's own ANSIBLE_DEBUG line "_execute_module (<module>, {<raw args>})" prints module
            # options despite no_log (documented for DEFAULT_DEBUG); anything else is a leak.
            if "_execute_module (" not in before.rsplit("\n", 1)[-1] and "_execute_module (" not in before[-600:]:
                found.append("%s in %s: ...%s" % (name, where, before[-300:].replace("\n", " | ")))
    for token in tokens:
        if token in text or token.rsplit(".", 1)[-1] in text:
            found.append("a cached bearer token in %s" % where)
    for candidate in set(JWT.findall(text)):
        if hashlib.sha256(candidate.encode()).hexdigest() in minted:
            found.append("a minted bearer token in %s" % where)
    for line in keys:
        if line in text:
            found.append("private key material in %s" % where)
            break
    return found


def check_files(workdir, cache_dir):
    keys = sorted(Path(workdir).rglob("*.key"))
    assert len(keys) >= 3, keys  # the role's key, the CSR module's two keys
    for key in keys:
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, "%s is %o" % (key, stat.S_IMODE(key.stat().st_mode))
    assert stat.S_IMODE((Path(workdir) / "shop.p12").stat().st_mode) == 0o600
    cache_dir = Path(cache_dir)
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    for entry in cache_dir.glob("*.json"):
        assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert not str(cache_dir.resolve()).startswith(str(ROOT)), "the token cache must be outside the project"
    return keys


def run_env(sim, tmp_path):
    return playbook_env(
        sim,
        tmp_path,
        RELIABILITY_KEY_PASSPHRASE=KEY_PASSPHRASE,
        RELIABILITY_PFX_PASSWORD=PFX_PASSWORD,
    )


def test_role_and_every_module_at_vvvv_with_ansible_debug_under_runner_leak_no_secret(secret_sim, tmp_path):
    import ansible_runner

    sim = secret_sim
    workdir = tmp_path / "work"
    workdir.mkdir()
    pdd = tmp_path / "pdd"
    (pdd / "project").mkdir(parents=True)
    (pdd / "project" / PLAYBOOK.name).write_text(PLAYBOOK.read_text())
    (pdd / "inventory").mkdir()
    local_inventory(pdd / "inventory" / "hosts", ["web1"], workdir=workdir, host_dir=workdir)
    env = run_env(sim, tmp_path)
    envvars = {k: v for k, v in env.items() if k.startswith(("WEBNIC_", "ANSIBLE_", "RELIABILITY_"))}
    envvars["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    envvars["ANSIBLE_DEBUG"] = "1"
    envvars["ANSIBLE_LOG_PATH"] = str(pdd / "artifacts" / "ansible.log")
    events = []
    runner = ansible_runner.run(
        private_data_dir=str(pdd),
        playbook=PLAYBOOK.name,
        envvars=envvars,
        verbosity=4,
        suppress_env_files=True,
        quiet=True,
        event_handler=lambda event: events.append(event) or True,
        timeout=600,
    )
    assert runner.status == "successful", runner.stdout.read()[-4000:]
    assert len(live(sim.orders())) == 2  # the role's certificate and the modules' one

    cache_dir = tmp_path / "cache" / "tokens"
    keys = key_lines(check_files(workdir, cache_dir))
    tokens = cached_tokens(cache_dir)
    minted = minted_token_hashes(sim)
    places = {
        "event_handler events": "\n".join(json.dumps(e) for e in events),
        "runner.stdout": runner.stdout.read(),
        "simulator /_sim/log": json.dumps(sim.log()),
        "simulator stderr": sim.stderr,
    }
    # Returned values of every task (res of runner_on_ok), scanned on their own too.
    places["returned values"] = "\n".join(
        json.dumps(e["event_data"].get("res")) for e in events if e.get("event") == "runner_on_ok"
    )
    allowed_command_file = False
    for path in sorted(pdd.rglob("*")):
        if path.is_file():
            where = str(path.relative_to(pdd))
            text = path.read_bytes().decode("utf-8", "replace")
            if re.fullmatch(r"artifacts/[^/]+/(command|env/envvars)", where) and PASSWORD in text:
                assert stat.S_IMODE(path.stat().st_mode) == 0o600
                allowed_command_file = True
                text = text.replace(PASSWORD, "").replace(KEY_PASSPHRASE, "").replace(PFX_PASSWORD, "")
            places[where] = text
    assert allowed_command_file, "expected ansible-runner's own environment record (the scan is not vacuous)"
    assert "_execute_module (" in places["runner.stdout"], "ANSIBLE_DEBUG output expected (the scan is not vacuous)"
    assert (pdd / "artifacts" / "ansible.log").stat().st_size > 0
    # Returned values never hold a module-option secret, not even in the debug-allowed sense.
    for secret in (KEY_PASSPHRASE, PFX_PASSWORD):
        assert secret not in places["returned values"]
    leaks = [leak for where, text in places.items() for leak in leaks_in(where, text, tokens, minted, keys)]
    assert not leaks, "\n".join(sorted(set(leaks)))
    debug_only = sum(places["runner.stdout"].count(s) for s in (KEY_PASSPHRASE, PFX_PASSWORD))
    record(
        "secrets",
        "ansible-runner, verbosity 4 (-vvvv) + ANSIBLE_DEBUG=1: role + 12 modules",
        bytes_scanned=sum(len(t) for t in places.values()),
        files_scanned=len(places) - 5,
        tokens_minted=len(minted),
        key_lines=len(keys),
        leaks=0,
        module_option_secrets_in_core_debug_lines=debug_only,
    )


@pytest.mark.parametrize(
    ("module", "args"),
    [
        ("webnic_ssl_validation_file", {"files": [{"path": "{work}/a.txt", "content": "x"}]}),
        ("webnic_ssl_cert_install", {"certificate_path": "{work}/c.pem", "certificate": "x"}),
        ("webnic_ssl_deployed_info", {"certificate_path": "{work}/c.pem"}),
    ],
)
def test_host_side_module_given_the_api_password_refuses_it_without_printing_it_at_vvvv(tmp_path, module, args):
    """The host-side modules take no connection option. Given one (an old playbook, a copied task),
    the task fails naming the option and the fix, before the module runs: ansible-core prints a failed
    module's arguments at -vvv, and the password must not be among them."""
    import subprocess

    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBNIC_", "ANSIBLE_"))}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_PATH),
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"),
        ANSIBLE_NOCOLOR="1",
        PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    )
    secret = "Hs-rel-9Vq4w7Zt2"
    proc = subprocess.run(
        [
            os.path.join(os.path.dirname(sys.executable), "ansible"),
            "localhost",
            "-vvvv",
            "-m",
            "webnic.ssl.%s" % module,
            "-a",
            json.dumps(args, default=str).replace("{work}", str(work))[:-1]
            + ', "api_password": "%s", "api_username": "someone"}' % secret,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-3000:]
    assert "api_password: webnic.ssl.%s runs on the host and calls no WebNIC API" % module in output, output[-3000:]
    assert "Remove them from the task" in output
    assert secret not in output
    assert not list(work.iterdir()), "nothing is written"
