# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared pieces of the fleet benchmark (bench/run.py) and its CI check (tests/bench/).

A fleet is N inventory hosts with a local connection, each with its own directory
(`<base>/hosts/hN/{www,ssl}`). A tiny loopback HTTP server serves the web root of the first host:
the simulator's HTTP (file) validation of www.example.test is pointed at it. Nothing here talks to
anything but 127.0.0.1.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV = ROOT / ".venv"
COLLECTIONS_PATH = VENV / "collections"
SIM_PATH = ROOT / "tests" / "simulator"
if str(SIM_PATH) not in sys.path:
    sys.path.insert(0, str(SIM_PATH))

from webnic_sim import testing as _sim_testing  # noqa: E402

Simulator = _sim_testing.Simulator  # the simulator subprocess, for run.py and tests/bench

COMMON_NAME = "www.example.test"
GROUP = "fleet"
FORKS = 10
PLAYBOOKS = {
    "role": BENCH / "role.yml",
    "ping": BENCH / "ping.yml",
    "copy": BENCH / "copy.yml",
    "uri": BENCH / "baseline_uri.yml",
}


# ------------------------------------------------------------------------------------------------
# the loopback web server for HTTP (file) validation
# ------------------------------------------------------------------------------------------------
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no request log on stderr
        pass


class Webroot:
    """`python -m http.server` in a thread: serves `directory` on a free 127.0.0.1 port."""

    def __init__(self, directory):
        self.directory = Path(directory)
        handler = functools.partial(_QuietHandler, directory=str(self.directory))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def address(self):
        return f"127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# ------------------------------------------------------------------------------------------------
# fleet, key/CSR, environment
# ------------------------------------------------------------------------------------------------
def make_fleet(base, count):
    """Create `count` host directories under base/hosts and write base/inventory.yml; return its path."""
    import yaml  # ansible's dependency

    base = Path(base)
    hosts = {}
    for n in range(1, count + 1):
        host_dir = base / "hosts" / f"h{n}"
        (host_dir / "www").mkdir(parents=True, exist_ok=True)
        hosts[f"h{n}"] = {"ansible_connection": "local", "host_dir": str(host_dir)}
    inventory = {
        "all": {
            "children": {
                GROUP: {"hosts": hosts, "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"}}
            }
        }
    }
    path = base / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return path


def first_webroot(base):
    return Path(base) / "hosts" / "h1" / "www"


def make_key_and_csr(directory, common_name=COMMON_NAME):
    """EC P-256 key + CSR for the uri baseline (it has no module to make them); returns (key, csr) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path, csr_path = directory / "baseline.key", directory / "baseline.csr"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    csr_path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    return key_path, csr_path


def playbook_env(sim_url, work_dir, forks=FORKS):
    """Environment of ansible-playbook: credentials through WEBNIC_API_*, caches inside work_dir."""
    work_dir = Path(work_dir)
    env = dict(os.environ)
    for key in list(env):
        # WEBNIC_TRUSTED_ROOTS stays: the simulator's CA, set by webnic_sim.testing when it starts.
        if key.startswith(("ANSIBLE_", "WEBNIC_")) and key != "WEBNIC_TRUSTED_ROOTS":
            del env[key]
    env.update(
        {
            "WEBNIC_API_USERNAME": "api-demo",
            "WEBNIC_API_PASSWORD": "demo-secret",
            "WEBNIC_API_ENDPOINT": sim_url,
            # Fresh caches per fleet: the first rollout mints its token and finds/creates its contact.
            "WEBNIC_TOKEN_CACHE_DIR": str(work_dir / "cache" / "tokens"),
            "WEBNIC_CONTACT_CACHE_DIR": str(work_dir / "cache" / "contacts"),
            "XDG_CACHE_HOME": str(work_dir / "cache"),
            "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_PATH),
            "ANSIBLE_LOCAL_TEMP": str(work_dir / "ansible-tmp"),
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_FORKS": str(forks),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_HOST_KEY_CHECKING": "0",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_DEPRECATION_WARNINGS": "0",
            "ANSIBLE_STDOUT_CALLBACK": "default",
            # Wall time per task (bench/callback_plugins/bench_timer.py), same overhead for every playbook.
            "ANSIBLE_CALLBACK_PLUGINS": str(BENCH / "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "bench_timer",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


# ------------------------------------------------------------------------------------------------
# ansible-playbook
# ------------------------------------------------------------------------------------------------
RECAP_LINE = re.compile(r"^(?P<host>\S+)\s*:\s*(?P<counts>(?:\w+=\d+\s*)+)$")


@dataclass
class PlaybookRun:
    returncode: int
    seconds: float
    output: str
    recap: dict
    cpu_seconds: float = 0.0

    def total(self, key):
        return sum(counts.get(key, 0) for counts in self.recap.values())

    def tail(self, lines=60):
        return "\n".join(self.output.splitlines()[-lines:])


def parse_recap(output):
    recap, in_recap = {}, False
    for line in output.splitlines():
        if line.startswith("PLAY RECAP"):
            recap, in_recap = {}, True
            continue
        if in_recap:
            match = RECAP_LINE.match(line.strip())
            if match:
                counts = dict(item.split("=") for item in match.group("counts").split())
                recap[match.group("host")] = {key: int(value) for key, value in counts.items()}
    return recap


def ansible_playbook():
    candidate = Path(sys.executable).parent / "ansible-playbook"
    return str(candidate) if candidate.exists() else "ansible-playbook"


def run_playbook(playbook, inventory, env, extra_vars=None, log=None, timings=None):
    """Run ansible-playbook; the wall time is time.monotonic() around the subprocess.

    `timings`: where the bench_timer callback writes the wall time of each task (JSON).
    """
    import json

    if timings is not None:
        env = dict(env, BENCH_TIMINGS_FILE=str(timings))
    argv = [ansible_playbook(), "-i", str(inventory), str(playbook)]
    if extra_vars:
        argv += ["-e", json.dumps(extra_vars)]
    cpu_before = _children_cpu()
    started = time.monotonic()
    result = subprocess.run(argv, env=env, cwd=str(ROOT), capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    cpu = _children_cpu() - cpu_before
    output = result.stdout + result.stderr
    if log is not None:
        Path(log).write_text(output)
    return PlaybookRun(result.returncode, seconds, output, parse_recap(output), cpu)


def _children_cpu():
    """User + system CPU seconds of the waited-for child processes (ansible-playbook, its forks, modules).

    Unlike wall time, it hardly moves with the load other processes put on the machine. The
    simulators are still running while a playbook runs, so they are not in it.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(sim, playbook, inventory, env, extra_vars=None, log=None, timings=None):
    """Run a playbook between a reset and a read of the simulator's counters: (run, stats delta)."""
    sim.reset_stats()
    run = run_playbook(playbook, inventory, env, extra_vars=extra_vars, log=log, timings=timings)
    return run, sim.stats()
