# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""E-mail validation resumes the same order; a certificate from another endpoint is never replaced."""

from __future__ import annotations

import json

import pytest
from conftest import SERVER_NAME, api_call, certificate_vars, wait_for_serial
from fleet import certificate_serial

pytestmark = [pytest.mark.e2e, pytest.mark.nginx, pytest.mark.simulator, pytest.mark.slow]


def test_email_validation_stops_cleanly_then_resumes_the_same_order_after_approval(ansible, sim, fleet):
    variables = certificate_vars(certificate={"dcv_method": "email", "approver_email": "hostmaster@example.test"})
    first = ansible.run(variables)
    assert first.returncode == 0, first.tail()
    (order,) = sim.orders()
    assert "waits for e-mail approval" in first.output
    assert "hostmaster@example.test" in first.output
    # The pending order and its key are kept on one host (the group's first), which the next run reads.
    keeper = fleet["web1"]
    metadata = json.loads((keeper.ssl_dir / f"{SERVER_NAME}.webnic.json").read_text())
    assert metadata["pending"]["order_id"] == order["orderId"]
    assert (keeper.ssl_dir / f"{SERVER_NAME}.key.pending").stat().st_mode & 0o777 == 0o600
    for name, nginx in fleet.hosts.items():
        if name != "web1":
            assert not (nginx.ssl_dir / f"{SERVER_NAME}.webnic.json").exists(), name
            assert not (nginx.ssl_dir / f"{SERVER_NAME}.key.pending").exists(), name
        assert not nginx.handshake(sim.ca_path).ok, "still the placeholder: nothing deployed yet"

    sim.approve(order["orderId"])
    second = ansible.run(variables)
    assert second.returncode == 0, second.tail()
    assert [o["orderId"] for o in sim.orders()] == [order["orderId"]], "no second order"
    assert f"resuming pending order {order['orderId']}" in second.output
    serial = certificate_serial(fleet["web1"].ssl_dir / f"{SERVER_NAME}.crt")
    for nginx in fleet:
        seen = wait_for_serial(nginx, sim.ca_path, serial)
        assert seen.ok and seen.serial == serial, seen.line()
        assert not (nginx.ssl_dir / f"{SERVER_NAME}.key.pending").exists()


def test_a_certificate_from_another_endpoint_is_not_replaced(ansible, sim, fleet):
    placeholder = {}
    for name, nginx in fleet.hosts.items():
        placeholder[name] = certificate_serial(nginx.ssl_dir / f"{SERVER_NAME}.fullchain.pem")
        (nginx.ssl_dir / f"{SERVER_NAME}.webnic.json").write_text(
            json.dumps(
                {
                    "order_id": "1153063777",
                    "api_endpoint": "production",
                    "product_key": "ssl123",
                    "common_name": SERVER_NAME,
                    "subject_alt_names": [],
                }
            )
        )
    result = ansible.run()
    assert result.returncode != 0
    assert sorted(result.failed_hosts()) == sorted(fleet.hosts)
    assert "was issued through production" in result.output
    assert sim.stats()["total"] == 0, "refused before any API call"
    assert sim.orders() == []
    for name, nginx in fleet.hosts.items():
        assert certificate_serial(nginx.ssl_dir / f"{SERVER_NAME}.fullchain.pem") == placeholder[name]


def test_dns_validation_publishes_the_record_in_the_webnic_zone_and_removes_it(ansible, sim, fleet):
    variables = certificate_vars(
        certificate={
            "common_name": "api.example.test",
            "dcv_method": "dns",
            "server_type": "none",
            "dir": "{{ host_dir }}/ssl-api",
        }
    )
    result = ansible.run(variables)
    assert result.returncode == 0, result.tail()
    (order,) = sim.orders()
    assert order["authType"] == "dns"
    assert {item["status"] for item in order["dcv"]} == {"VALIDATED"}
    serials = set()
    for nginx in fleet:
        directory = nginx.dir / "ssl-api"
        serials.add(certificate_serial(directory / "api.example.test.crt"))
        assert (directory / "api.example.test.key").stat().st_mode & 0o777 == 0o600
    assert len(serials) == 1
    records = json.loads(api_call(sim, "GET", "/dns/v2/zone/example.test/records?type=TXT"))["data"]["records"]
    assert [r for r in records if (r.get("name") or "").startswith("_dnsauth")] == [], "validation record removed"
