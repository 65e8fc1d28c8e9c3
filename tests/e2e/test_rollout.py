# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role against real nginx servers: every claim is checked with a real TLS handshake."""

from __future__ import annotations

import json

import pytest
from conftest import PLAYBOOK_DIR, SERVER_NAME, ValidationFileWatcher, wait_for_serial
from fleet import certificate_serial

pytestmark = [pytest.mark.e2e, pytest.mark.nginx, pytest.mark.simulator, pytest.mark.slow]


def deployed_serial(nginx):
    return certificate_serial(nginx.ssl_dir / f"{SERVER_NAME}.crt")


def test_first_rollout_serves_the_new_certificate_everywhere_and_the_rerun_makes_no_api_call(ansible, sim, fleet):
    with ValidationFileWatcher(fleet) as watcher:
        first = ansible.run()
    assert first.returncode == 0, first.tail()
    assert len(sim.orders()) == 1

    # File DCV: the validation file was on EVERY host while WebNIC checked, and is gone now.
    assert all(watcher.seen[host] for host in fleet.hosts), watcher.seen
    assert len(set().union(*watcher.seen.values())) == 1, watcher.seen
    assert all(nginx.validation_files() == [] for nginx in fleet)

    serials = {deployed_serial(nginx) for nginx in fleet}
    assert len(serials) == 1
    serial = serials.pop()
    for nginx in fleet:
        seen = wait_for_serial(nginx, sim.ca_path, serial)
        assert seen.ok, seen.error
        assert seen.serial == serial
        assert SERVER_NAME in seen.names
        assert (nginx.ssl_dir / f"{SERVER_NAME}.key").stat().st_mode & 0o777 == 0o600
        metadata = json.loads((nginx.ssl_dir / f"{SERVER_NAME}.webnic.json").read_text())
        assert metadata["api_endpoint"] == sim.url
        assert metadata["order_id"] == sim.orders()[0]["orderId"]
        assert "pending" not in metadata

    calls_before = sim.stats()["total"]
    rerun = ansible.run()
    assert rerun.returncode == 0, rerun.tail()
    assert sim.stats()["total"] == calls_before, "a rerun with nothing due must not call the API"
    assert rerun.changed() == 0, rerun.recap
    assert "nothing due, no API call" in rerun.output


def test_check_mode_reports_the_order_with_read_calls_only_and_no_file(ansible, sim, fleet):
    before = {name: sorted(p.name for p in nginx.ssl_dir.iterdir()) for name, nginx in fleet.hosts.items()}
    result = ansible.run(extra_args=["--check"])
    assert result.returncode == 0, result.tail()
    assert "Check mode: www.example.test: action place" in result.output
    assert result.changed() >= 1
    # The price and the product rules are read (the bill); nothing is written or bought.
    stats = sim.stats()
    assert stats["writes"] == 0
    assert all(call.startswith("GET ") or call.endswith("/token") for call in stats["calls"]), stats["calls"]
    assert sim.orders() == []
    assert {name: sorted(p.name for p in nginx.ssl_dir.iterdir()) for name, nginx in fleet.hosts.items()} == before


def test_serial_batches_order_once_and_later_batches_copy_without_api_calls(ansible, sim, fleet):
    result = ansible.run(playbook=PLAYBOOK_DIR / "serial.yml")
    assert result.returncode == 0, result.tail()
    assert len(sim.orders()) == 1
    assert result.output.count("copying the current certificate from web") == 2, "batches 2 and 3 copy"
    serials = {deployed_serial(nginx) for nginx in fleet}
    assert len(serials) == 1
    serial = serials.pop()
    for nginx in fleet:
        seen = wait_for_serial(nginx, sim.ca_path, serial)
        assert seen.ok and seen.serial == serial, seen.line()
