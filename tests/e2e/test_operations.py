# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Day-2 operations: redeploy without the API, a SAN change reissues the same order, and file DCV
fails cleanly when one host of the group cannot hold the validation file."""

from __future__ import annotations

import json

import pytest
from conftest import SERVER_NAME, certificate_vars, wait_for_serial
from fleet import certificate_serial

pytestmark = [pytest.mark.e2e, pytest.mark.nginx, pytest.mark.simulator, pytest.mark.slow]


def deployed_serial(nginx):
    return certificate_serial(nginx.ssl_dir / f"{SERVER_NAME}.crt")


def reissue_calls(sim):
    return sum(count for call, count in sim.stats()["calls"].items() if call.endswith("/reissue"))


def test_redeploy_makes_no_api_call_and_a_new_subject_alt_name_reissues_the_same_order(ansible, sim, fleet):
    # One rollout shared by both checks (an e2e rollout is the slow part).
    assert ansible.run().returncode == 0, ansible.runs[-1].tail()
    (order,) = sim.orders()
    serial = deployed_serial(fleet["web1"])

    # certificate_redeploy: the files are written again, tested and reloaded everywhere; WebNIC is not called.
    calls_before = sim.stats()["total"]
    redeploy = ansible.run(certificate_vars(certificate_redeploy=True))
    assert redeploy.returncode == 0, redeploy.tail()
    assert sim.stats()["total"] == calls_before, "a redeploy makes no API call"
    assert "redeploying the current certificate of web" in redeploy.output
    for name in fleet.hosts:
        assert f"changed: [{name}] => (item=nginx)" in redeploy.output, f"{name} was not reloaded"
    for nginx in fleet:
        assert deployed_serial(nginx) == serial
        seen = wait_for_serial(nginx, sim.ca_path, serial)
        assert seen.ok and seen.serial == serial, seen.line()

    # A new SAN: the same order is reissued. File DCV of the new name reaches the fleet too (its last host).
    assert reissue_calls(sim) == 0
    sim.resolve("example.test", f"127.0.0.1:{fleet['web3'].http_port}")
    variables = certificate_vars(certificate={"subject_alt_names": ["example.test"], "allow_reissue": True})
    result = ansible.run(variables)
    assert result.returncode == 0, result.tail()
    assert [o["orderId"] for o in sim.orders()] == [order["orderId"]], "a reissue, not a new order"
    assert reissue_calls(sim) == 1, sim.stats()["calls"]

    new_serial = deployed_serial(fleet["web1"])
    assert new_serial != serial
    for nginx in fleet:
        seen = wait_for_serial(nginx, sim.ca_path, new_serial)
        assert seen.ok and seen.serial == new_serial, seen.line()
        assert sorted(seen.names) == ["example.test", SERVER_NAME]
        metadata = json.loads((nginx.ssl_dir / f"{SERVER_NAME}.webnic.json").read_text())
        assert metadata["order_id"] == order["orderId"]
        assert metadata["subject_alt_names"] == ["example.test"]


def test_file_validation_fails_every_host_when_one_cannot_hold_the_file(ansible, sim, fleet, tmp_path):
    # web2's web root lies under a regular file: the validation directory cannot be created there.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    webroot = "{{ '" + str(blocker / "www") + "' if inventory_hostname == 'web2' else certificate_webroot }}"
    variables = certificate_vars(certificate={"webroot": webroot})
    placeholder = {
        name: certificate_serial(n.ssl_dir / f"{SERVER_NAME}.fullchain.pem") for name, n in fleet.hosts.items()
    }

    failed = ansible.run(variables)
    assert failed.returncode != 0
    assert failed.failed_hosts() == sorted(fleet.hosts), failed.recap
    assert "HTTP (file) validation needs the validation file on every host of web" in failed.output
    assert f"could not be published on web2: {blocker}/www/.well-known/pki-validation/" in failed.output
    (order,) = sim.orders()
    for name, nginx in fleet.hosts.items():
        assert certificate_serial(nginx.ssl_dir / f"{SERVER_NAME}.fullchain.pem") == placeholder[name], name
        assert not (nginx.ssl_dir / f"{SERVER_NAME}.crt").exists()
        assert nginx.validation_files() == []

    # Fixed: the next run resumes the same order, validates and deploys everywhere.
    fixed = ansible.run()
    assert fixed.returncode == 0, fixed.tail()
    assert [o["orderId"] for o in sim.orders()] == [order["orderId"]], "no second order"
    assert f"resuming pending order {order['orderId']}" in fixed.output
    serial = deployed_serial(fleet["web1"])
    for nginx in fleet:
        seen = wait_for_serial(nginx, sim.ca_path, serial)
        assert seen.ok and seen.serial == serial, seen.line()
