# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Several certificates in one run: their waits for issuance overlap.

The simulator holds issuance back (--issue-delay 3600) and the test issues the orders only once both
are placed and validated. A role that waited for each certificate before ordering the next would
wait for the first until its issue timeout and fail: the run passes only if the second certificate
was ordered and validated while the first one's wait ran (in the background). No time is asserted.
"""

from __future__ import annotations

import re
import threading

import pytest
from conftest import SERVER_NAME, api_call, certificate_vars, wait_for_serial
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from webnic_sim.testing import Simulator

API_NAME = "api.example.test"
DOOMED_NAME = "doomed.example.test"
PLACE = "POST /ssl/v2/orders/new"
DOWNLOAD = re.compile(r"^POST /ssl/v2/orders/\d+/download/")


@pytest.fixture
def sim(tmp_path):
    simulator = Simulator(tmp_path / "sim", extra_args=["--issue-delay", "3600"])
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


class IssueWhenAllValidated:
    """Once `count` orders are validated at the same time (IN_PROCESS): cancels the one for `doomed`,
    issues the others, then stops."""

    def __init__(self, sim, count, workdirs, doomed):
        self.sim, self.count, self.workdirs, self.doomed = sim, count, workdirs, doomed
        self.issued = []
        self.workdirs_while_waiting = []
        self.keys_while_waiting = []
        self.job_records_while_waiting = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.2):
            held = [o for o in self.sim.orders() if o["status"] == "IN_PROCESS"]
            if len(held) >= self.count:
                self.workdirs_while_waiting = sorted(self.workdirs.glob("*.webnic-ssl"))
                self.keys_while_waiting = sorted(self.workdirs.glob("*.webnic-ssl/*.privkey.pem"))
                self.job_records_while_waiting = sorted(self.workdirs.glob("*.webnic-ssl/jobs/*"))
                for order in held:
                    if order["commonName"] == self.doomed:
                        api_call(self.sim, "POST", "/ssl/v2/orders/%s/cancel" % order["orderId"], {})
                    else:
                        self.sim.issue_now(order["orderId"])
                        self.issued.append(order["commonName"])
                return

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)


def files_only(common_name, directory):
    return {
        "common_name": common_name,
        "inventory_group": "web",
        "dcv_method": "dns",
        "server_type": "none",
        "dir": "{{ host_dir }}/" + directory,
    }


def test_certificates_wait_for_issuance_together_and_one_that_fails_there_fails_alone(ansible, sim, fleet, tmp_path):
    # Long enough for the other certificates' first pass on a loaded machine; a role that waited for
    # each certificate in turn would wait this long, then fail.
    variables = certificate_vars(certificate_issue_timeout=300)
    variables["certificate_list"] += [files_only(API_NAME, "ssl-api"), files_only(DOOMED_NAME, "ssl-doomed")]

    # The controller's work directories go to a directory of this test's own (TMPDIR of the local modules).
    workdirs = tmp_path / "controller-tmp"
    workdirs.mkdir()
    ansible.env["TMPDIR"] = str(workdirs)
    jobs = tmp_path / "async"  # the default place of job records: the role keeps them in its work directory
    ansible.env["ANSIBLE_ASYNC_DIR"] = str(jobs)
    with IssueWhenAllValidated(sim, 3, workdirs, DOOMED_NAME) as issuer:
        result = ansible.run(variables)

    assert sorted(issuer.issued) == [API_NAME, SERVER_NAME], "the 3 orders were never validated at the same time"
    orders = {o["commonName"]: o["status"] for o in sim.orders()}
    assert orders == {SERVER_NAME: "COMPLETED", API_NAME: "COMPLETED", DOOMED_NAME: "REFUNDED"}
    sequence = sim.api_calls()
    places = [i for i, call in enumerate(sequence) if call == PLACE]
    downloads = [i for i, call in enumerate(sequence) if DOWNLOAD.match(call)]
    assert len(places) == 3 and len(downloads) == 2, sequence
    assert max(places) < min(downloads), "an order came after a download: the waits did not overlap"
    assert "Wait for the download that runs in the background" in result.output

    # The cancelled order fails its certificate alone, on every host, naming it; the others are deployed.
    assert result.returncode != 0
    assert sorted(result.failed_hosts()) == sorted(fleet.hosts)
    assert "1 certificate(s) failed" in result.output and DOOMED_NAME + ": " in result.output
    for nginx in fleet:
        assert not list((nginx.dir / "ssl-doomed").glob("*.crt"))

    # Every host serves www.example.test and holds api.example.test with its own key.
    www_pem = (fleet["web1"].ssl_dir / f"{SERVER_NAME}.crt").read_bytes()
    www_serial = x509.load_pem_x509_certificate(www_pem).serial_number
    for nginx in fleet:
        seen = wait_for_serial(nginx, sim.ca_path, www_serial)
        assert seen.ok and seen.serial == www_serial, seen.line()
        api_dir = nginx.dir / "ssl-api"
        cert = x509.load_pem_x509_certificate((api_dir / f"{API_NAME}.crt").read_bytes())
        key = load_pem_private_key((api_dir / f"{API_NAME}.key").read_bytes(), None)
        assert cert.public_key().public_numbers() == key.public_key().public_numbers()
        assert cert.serial_number != www_serial
    # One work directory for the run, holding each certificate's key while it waits; gone at the end.
    assert len(issuer.workdirs_while_waiting) == 1, issuer.workdirs_while_waiting
    assert [p.name for p in issuer.keys_while_waiting] == ["0.privkey.pem", "1.privkey.pem", "2.privkey.pem"]
    assert not list(workdirs.glob("*.webnic-ssl"))
    # The waiting jobs kept their records in the run's work directory, removed with it; none elsewhere.
    # (When the third order is validated, its own job may not have started yet.)
    assert len([p for p in issuer.job_records_while_waiting if not p.name.startswith(".")]) >= 2
    assert not jobs.exists() or not [p for p in jobs.iterdir() if not p.name.startswith(".")], list(jobs.iterdir())

    # The nightly rerun: nothing due, no API call, every host checked against its install record.
    variables["certificate_list"].pop()
    before = len(sim.api_calls())
    rerun = ansible.run(variables)
    assert rerun.returncode == 0, rerun.tail()
    assert sim.api_calls()[before:] == []
    assert rerun.output.count("files as installed") == 2 * len(list(fleet))
