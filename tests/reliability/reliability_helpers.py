# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reliability and security suite: helpers shared by the test files.

Every test talks real HTTP to a simulator on 127.0.0.1 and counts money through the simulator's
books (orders, balance, token mints). Measured outcomes are appended to the JSON-lines file named
by ``RELIABILITY_RESULTS`` (when set); ``python tests/reliability/report.py FILE`` renders them as
the tables of docs/reliability.md.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tests" / "unit" / "plugins" / "modules"))

from runner import connection_args, run_module  # noqa: E402

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto  # noqa: E402
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.client import WebNICClient  # noqa: E402

COLLECTIONS_PATH = ROOT / ".venv" / "collections"
DEAD = ("CANCELLED", "REFUNDED", "REJECTED", "REVOKED", "EXPIRED")
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+")

CONTACT = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "address1": "1 Main St",
    "city": "Kuala Lumpur",
    "countryCode": "MY",
    "phoneNumber": "+60.312345678",
    "email": "ada@example.com",
}


@functools.lru_cache(maxsize=None)
def _cached_key(key_type):
    return crypto.generate_private_key(key_type)


def private_key(key_type="RSA-2048"):
    """One key per type for the whole session (RSA generation is slow)."""
    return _cached_key(key_type)


def make_csr(common_name, sans=(), key_type="RSA-2048", key=None):
    key = key or private_key(key_type)
    names = [common_name] + [n for n in sans if n != common_name]
    return crypto.build_csr(key, common_name, names).decode("ascii")


def api(sim):
    """A client of our own (no token cache) for setting the scene."""
    ca_path = sim.ca_path if sim.url.startswith("https") else None
    return WebNICClient(sim.url, sim.username, sim.password, use_token_cache=False, ca_path=ca_path)


def create_contact(sim):
    return api(sim).call("contact_create", body={"administrator": CONTACT})[0]["contactId"]


def live(orders):
    return [o for o in orders if o["status"] not in DEAD]


class Books:
    """Orders, balance and counters of the simulator before an action, to measure its effect."""

    def __init__(self, sim, common_name=None):
        self.sim = sim
        self.common_name = common_name
        self.orders = sim.orders(common_name)
        self.balance = sim.balance()
        self.stats = sim.stats()

    def new_orders(self):
        before = {o["orderId"] for o in self.orders}
        return [o for o in self.sim.orders(self.common_name) if o["orderId"] not in before]

    def spent(self):
        return round(self.balance - self.sim.balance(), 2)

    def calls(self, endpoint):
        return self.sim.stats()["calls"].get(endpoint, 0) - self.stats["calls"].get(endpoint, 0)

    def mints(self):
        return self.sim.stats()["token_mints"] - self.stats["token_mints"]


def assert_no_traceback(result):
    text = json.dumps({k: v for k, v in result.items() if k != "_stdout"})

    assert not TRACEBACK.search(result.get("msg", "")), result["msg"]
    assert "Unexpected error" not in text, result.get("msg")


def snapshot(paths):
    """(bytes, mtime_ns, mode) of each existing path; None for a missing one."""
    state = {}
    for name in paths:
        path = Path(name)
        if path.exists():
            st = path.stat()
            state[str(path)] = (path.read_bytes(), st.st_mtime_ns, st.st_mode)
        else:
            state[str(path)] = None
    return state


def stray_files(directory):
    """Temporary or partial files a writer could leave beside its targets."""
    return sorted(
        p.name
        for p in Path(directory).iterdir()
        if p.name.endswith((".tmp", ".part", ".partial")) or p.name.startswith((".ansible_tmp", "tmp"))
    )


_RESULTS = os.environ.get("RELIABILITY_RESULTS")


def record(area, case, **measured):
    """Append one measured outcome (area, case, numbers) for docs/reliability.md."""
    if not _RESULTS:
        return
    with open(_RESULTS, "a") as handle:
        handle.write(json.dumps({"area": area, "case": case, **measured}, sort_keys=True) + "\n")


__all__ = [
    "COLLECTIONS_PATH",
    "Books",
    "assert_no_traceback",
    "connection_args",
    "create_contact",
    "live",
    "make_csr",
    "private_key",
    "record",
    "run_module",
    "snapshot",
    "stray_files",
]


# ------------------------------------------------------------------------------ playbooks


def playbook_env(sim, tmp_path, **extra):
    """ansible-playbook's environment: the checkout's collection, credentials in WEBNIC_API_* only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBNIC_", "ANSIBLE_"))}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_PATH),
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"),
        ANSIBLE_REMOTE_TEMP=str(tmp_path / "ansible-remote"),
        ANSIBLE_HOST_KEY_CHECKING="False",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="False",
        ANSIBLE_FORCE_COLOR="0",
        WEBNIC_API_ENDPOINT=sim.url,
        WEBNIC_API_USERNAME=sim.username,
        WEBNIC_API_PASSWORD=sim.password,
        WEBNIC_TOKEN_CACHE_DIR=str(tmp_path / "cache" / "tokens"),
        WEBNIC_TRUSTED_ROOTS=sim.ca_path,
        PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    )
    if sim.url.startswith("https"):
        env["WEBNIC_API_CA_PATH"] = sim.ca_path
    env.update({k: str(v) for k, v in extra.items()})
    return env


def local_inventory(path, hosts, **host_vars):
    """An inventory of `hosts` local hosts running the test's Python."""
    lines = ["[web]"]
    for name in hosts:
        lines.append("%s ansible_connection=local ansible_python_interpreter=%s" % (name, sys.executable))
    if host_vars:
        lines.append("[web:vars]")
        lines.extend("%s=%s" % (k, v) for k, v in host_vars.items())
    Path(path).write_text("\n".join(lines) + "\n")
    return str(path)


def ansible_playbook(playbook, inventory, env, *args, timeout=600):
    import subprocess

    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, str(playbook), *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def minted_token_hashes(sim):
    """sha256 of every token the simulator ever minted (its state keeps hashes only)."""
    import sqlite3

    db = sqlite3.connect(str(Path(sim.state_dir) / "sim.sqlite3"))
    try:
        return {row[0] for row in db.execute("SELECT id FROM docs WHERE kind = 'token'")}
    finally:
        db.close()
