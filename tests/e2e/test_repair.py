# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role repairs a lost served file (one nginx reads) from a healthy host, without any API call."""

from __future__ import annotations

import pytest
from conftest import SERVER_NAME, wait_for_serial
from fleet import certificate_serial

pytestmark = [pytest.mark.e2e, pytest.mark.nginx, pytest.mark.simulator, pytest.mark.slow]


def test_a_lost_fullchain_makes_the_host_due_and_is_copied_back_without_any_api_call(ansible, sim, fleet):
    first = ansible.run()
    assert first.returncode == 0, first.tail()
    assert len(sim.orders()) == 1
    serial = certificate_serial(fleet["web1"].ssl_dir / f"{SERVER_NAME}.crt")

    # The file nginx serves (ssl_certificate) is lost on web2; the .crt, key and metadata are intact.
    web2 = fleet["web2"]
    lost = web2.ssl_dir / f"{SERVER_NAME}.fullchain.pem"
    healthy = (fleet["web1"].ssl_dir / f"{SERVER_NAME}.fullchain.pem").read_bytes()
    lost.unlink()
    assert web2.test_config().returncode != 0, "the next reload of web2 would fail"

    calls_before = sim.stats()["total"]
    repair = ansible.run()
    assert repair.returncode == 0, repair.tail()
    assert f"web2: due: {lost} missing" in repair.output
    assert "due on web2; copying the current certificate from web1 (no API call)" in repair.output
    assert "web1: up to date" in repair.output and "web3: up to date" in repair.output
    assert sim.stats()["total"] == calls_before, "a lost file is copied from a healthy host, never ordered"
    assert len(sim.orders()) == 1
    assert repair.recap["web2"]["changed"] >= 1, repair.recap
    assert lost.read_bytes() == healthy

    # nginx on web2 reads the file again: its configuration tests fine and a reload serves the certificate.
    assert web2.test_config().returncode == 0, web2.test_config().stderr
    web2.reload()
    for nginx in fleet:
        seen = wait_for_serial(nginx, sim.ca_path, serial)
        assert seen.ok and seen.serial == serial, seen.line()

    rerun = ansible.run()
    assert rerun.returncode == 0, rerun.tail()
    assert sim.stats()["total"] == calls_before
    assert rerun.changed() == 0, rerun.recap
    assert "nothing due, no API call" in rerun.output
