# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""e2e fixtures: a simulator, a fleet of real nginx servers on 127.0.0.1, and a playbook runner.

nginx is required: without it the tests FAIL (CI installs it with `apt-get install nginx`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fleet import NGINX_MISSING, Fleet, find_nginx, playbook_env, run_playbook  # noqa: E402

from webnic_sim.testing import Simulator  # noqa: E402

SERVER_NAME = "www.example.test"
PLAYBOOK_DIR = HERE / "playbooks"
PLAYBOOK = PLAYBOOK_DIR / "site.yml"

# Administrator contact of new orders (webnic.ssl.webnic_ssl_contact finds or creates it).
CONTACT = {
    "company": "Example Sdn Bhd",
    "first_name": "Ada",
    "last_name": "Admin",
    "address1": "1 Jalan Contoh",
    "city": "Kuala Lumpur",
    "country_code": "MY",
    "zip": "50000",
    "phone_number": "+60 3-1234 5678",
    "email": "admin@example.test",
}


def certificate_vars(**overrides):
    """Extra vars of the e2e playbook: one certificate for www.example.test on the group `web`."""
    certificate = {
        "common_name": SERVER_NAME,
        "inventory_group": "web",
        "dcv_method": "file",
        "server_type": "nginx",
        "dir": "{{ host_dir }}/ssl",
    }
    certificate.update(overrides.pop("certificate", {}))
    variables = {
        "certificate_list": [certificate],
        "certificate_contact": CONTACT,
        "certificate_wait_interval": 1,
        "certificate_dcv_timeout": 60,
        "certificate_issue_timeout": 60,
    }
    variables.update(overrides)
    return variables


@pytest.fixture(scope="session")
def nginx_binary():
    binary = find_nginx()
    if binary is None:
        pytest.fail(NGINX_MISSING, pytrace=False)
    return binary


@pytest.fixture
def sim(tmp_path):
    simulator = Simulator(tmp_path / "sim")
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def fleet(tmp_path, nginx_binary, sim):
    """Three hosts serving www.example.test; file DCV reaches the last one through the simulator's resolve map."""
    web = Fleet(tmp_path / "hosts", 3, SERVER_NAME)
    web.start()
    try:
        sim.resolve(SERVER_NAME, f"127.0.0.1:{web['web3'].http_port}")
        yield web
    finally:
        web.stop()


class Ansible:
    """Runs the e2e playbook against the fleet with credentials in the environment."""

    def __init__(self, tmp_path, sim, fleet):
        self.tmp_path = tmp_path
        self.sim = sim
        self.fleet = fleet
        self.inventory = fleet.inventory(tmp_path / "inventory.yml")
        self.env = playbook_env(sim.url, None, tmp_path / "token-cache")
        self.runs = []

    def run(self, variables=None, playbook=PLAYBOOK, extra_args=()):
        vars_file = self.tmp_path / f"vars-{len(self.runs)}.yml"
        vars_file.write_text(yaml.safe_dump(variables or certificate_vars(), sort_keys=False))
        result = run_playbook(playbook, self.inventory, self.env, ["-e", f"@{vars_file}", *extra_args])
        self.runs.append(result)
        print(result.output)  # shown by pytest when the test fails
        return result


@pytest.fixture
def ansible(tmp_path, sim, fleet):
    return Ansible(tmp_path, sim, fleet)


def wait_for_serial(nginx, ca_file, serial, timeout=10.0):
    """Handshake until nginx serves `serial` (a reload hands over to new workers asynchronously)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        seen = nginx.handshake(ca_file)
        if (seen.ok and seen.serial == serial) or time.monotonic() > deadline:
            return seen
        time.sleep(0.2)


class ValidationFileWatcher:
    """Polls every host's web root while a playbook runs and records which hosts held a DCV file."""

    def __init__(self, fleet, interval=0.05):
        import threading

        self.fleet = fleet
        self.interval = interval
        self.seen = {name: set() for name in fleet.hosts}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self):
        while not self._stop.is_set():
            for name, nginx in self.fleet.hosts.items():
                # Not the temporary file (.<name>.<random>.tmp) of an atomic write, which exists for an instant;
                # that none is left behind is checked after the run with validation_files() == [].
                self.seen[name].update(f for f in nginx.validation_files() if not f.startswith("."))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def api_call(sim, method, path, body=None):
    """One authenticated call to the simulator's WebNIC API; the raw response body."""
    import urllib.request

    def send(method, path, body, token=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(sim.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()

    credentials = {"username": sim.username, "password": sim.password}
    token = json.loads(send("POST", "/reseller/v2/api-user/token", credentials))["data"]["access_token"]
    return send(method, path, body, token)


def download_certificate(sim, order_id):
    """The order's current certificate as WebNIC serves it (full chain PEM), through the API itself."""
    return api_call(sim, "POST", f"/ssl/v2/orders/{order_id}/download/format/PEM", {"bundle": True}).decode()


def aged_certificate(sim, order_id, days):
    """Let time pass: the CA re-signs the order `days` earlier. Returns its (full chain, leaf) PEM texts."""
    sim.age(order_id, days)
    fullchain = download_certificate(sim, order_id)
    end = "-----END CERTIFICATE-----"
    return fullchain, fullchain[: fullchain.index(end) + len(end)] + "\n"


def install_aged_certificate(sim, fleet, order_id, days):
    """Let time pass (aged_certificate), and every host gets that certificate."""
    fullchain, leaf = aged_certificate(sim, order_id, days)
    for nginx in fleet:
        (nginx.ssl_dir / f"{SERVER_NAME}.fullchain.pem").write_text(fullchain)
        (nginx.ssl_dir / f"{SERVER_NAME}.crt").write_text(leaf)
        nginx.reload()
