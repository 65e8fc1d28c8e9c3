# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Renewal inside the window; a host whose configuration test fails keeps serving the old certificate."""

from __future__ import annotations

import pytest
from conftest import SERVER_NAME, install_aged_certificate, wait_for_serial
from fleet import certificate_serial

pytestmark = [pytest.mark.e2e, pytest.mark.nginx, pytest.mark.simulator, pytest.mark.slow]


def deployed_serial(nginx):
    return certificate_serial(nginx.ssl_dir / f"{SERVER_NAME}.crt")


def test_renewal_renews_once_and_a_failed_config_test_rolls_back_that_host_only(ansible, sim, fleet):
    assert ansible.run().returncode == 0, ansible.runs[-1].tail()
    (order,) = sim.orders()
    install_aged_certificate(sim, fleet, order["orderId"], days=300)
    old_serial = deployed_serial(fleet["web1"])
    for nginx in fleet:
        assert wait_for_serial(nginx, sim.ca_path, old_serial).serial == old_serial

    # web2's nginx configuration is broken (by someone else): `nginx -t` fails there.
    broken = fleet["web2"].dir / "conf.d" / "broken.conf"
    broken.write_text("this_is_not_an_nginx_directive on;\n")

    renewal = ansible.run()
    assert renewal.returncode != 0
    assert renewal.failed_hosts() == ["web2"], renewal.recap
    assert "configuration test" in renewal.output and "old certificate keeps serving" in renewal.output
    orders = sim.orders()
    assert len(orders) == 2, "the renewal is one new order"
    assert orders[0]["parentOrderId"] == order["orderId"] or orders[1]["parentOrderId"] == order["orderId"]

    new_serial = deployed_serial(fleet["web1"])
    assert new_serial != old_serial
    for name in ("web1", "web3"):
        seen = wait_for_serial(fleet[name], sim.ca_path, new_serial)
        assert seen.ok and seen.serial == new_serial, seen.line()

    # web2: files restored, not reloaded; even a reload after fixing the config serves the old certificate.
    assert deployed_serial(fleet["web2"]) == old_serial
    assert fleet["web2"].handshake(sim.ca_path).serial == old_serial
    broken.unlink()
    fleet["web2"].reload()
    assert wait_for_serial(fleet["web2"], sim.ca_path, old_serial).serial == old_serial
    assert list(fleet["web2"].ssl_dir.glob("*~")) == [], "no backup copies are left behind"
    assert (fleet["web2"].ssl_dir / f"{SERVER_NAME}.key").stat().st_mode & 0o777 == 0o600

    # Next run: web2 takes the renewed certificate from a healthy host; WebNIC is not asked again.
    calls_before = sim.stats()["total"]
    catch_up = ansible.run()
    assert catch_up.returncode == 0, catch_up.tail()
    assert sim.stats()["total"] == calls_before
    assert len(sim.orders()) == 2
    seen = wait_for_serial(fleet["web2"], sim.ca_path, new_serial)
    assert seen.ok and seen.serial == new_serial, seen.line()
    assert catch_up.recap["web1"]["changed"] == 0 and catch_up.recap["web3"]["changed"] == 0
