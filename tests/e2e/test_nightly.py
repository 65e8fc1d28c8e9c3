# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role as a team leaves it running every night: `serial`, paid orders never forgotten, a check mode
that shows the bill, one bad certificate never blocking the others, nothing bought that cannot validate."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from conftest import PLAYBOOK_DIR, SERVER_NAME, ValidationFileWatcher, certificate_vars, wait_for_serial
from fleet import certificate_serial

pytestmark = [pytest.mark.e2e, pytest.mark.nginx, pytest.mark.simulator, pytest.mark.slow]


def deployed_serial(nginx):
    return certificate_serial(nginx.ssl_dir / f"{SERVER_NAME}.crt")


def validation_files_anywhere(root):
    """Every file under a pki-validation directory below `root` (the whole test tree)."""
    return sorted(str(p) for p in root.rglob("pki-validation/*"))


def test_serial_batches_publish_validation_files_only_under_each_hosts_own_templated_webroot(
    ansible, sim, fleet, tmp_path
):
    # The role default web root points at a trap: a host whose entry templates its web root must never
    # fall back to it. The CA checks web3, which is in the SECOND batch.
    trap = tmp_path / "trap-default-webroot"
    variables = certificate_vars(certificate={"webroot": "{{ host_dir }}/www"}, certificate_webroot=str(trap))
    variables["e2e_certificate_list"] = variables.pop("certificate_list")
    with ValidationFileWatcher(fleet) as watcher:
        result = ansible.run(variables, playbook=PLAYBOOK_DIR / "serial2.yml")
    assert result.returncode == 0, result.tail()
    assert len(sim.orders()) == 1
    assert not trap.exists(), validation_files_anywhere(trap)
    assert all(watcher.seen[host] for host in fleet.hosts), watcher.seen
    assert validation_files_anywhere(tmp_path) == [], "every validation file is removed"
    serials = {deployed_serial(nginx) for nginx in fleet}
    assert len(serials) == 1
    serial = serials.pop()
    for nginx in fleet:
        seen = wait_for_serial(nginx, sim.ca_path, serial)
        assert seen.ok and seen.serial == serial, seen.line()


def test_a_paid_order_left_pending_by_a_validation_timeout_is_resumed_by_the_next_nightly_run(
    ansible, sim, fleet, tmp_path
):
    assert ansible.run().returncode == 0, ansible.runs[-1].tail()
    (first_order,) = sim.orders()
    old_serial = deployed_serial(fleet["web1"])

    # A forced renewal (renew what was issued before now) whose validation cannot pass: the CA reaches no web server.
    sim.resolve(SERVER_NAME, "127.0.0.1:9")
    renew_before = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    forced = ansible.run(certificate_vars(certificate_renew_issued_before=renew_before, certificate_dcv_timeout=4))
    assert forced.returncode != 0
    orders = sim.orders()
    assert len(orders) == 2, "the renewal was placed (paid) before the wait timed out"
    renewal_id = next(o["orderId"] for o in orders if o["orderId"] != first_order["orderId"])
    assert validation_files_anywhere(tmp_path) == [], "no validation file is left after the timeout"
    pending = json.loads((fleet["web1"].ssl_dir / f"{SERVER_NAME}.webnic.json").read_text())["pending"]
    assert pending["order_id"] == renewal_id

    # The next nightly run, with the ordinary settings: no host is due, but the paid order is pending.
    sim.resolve(SERVER_NAME, f"127.0.0.1:{fleet['web3'].http_port}")
    nightly = ansible.run()
    assert nightly.returncode == 0, nightly.tail()
    assert "nothing due" not in nightly.output
    assert f"resuming pending order {renewal_id}" in nightly.output
    assert len(sim.orders()) == 2, "resumed, not bought again"
    assert validation_files_anywhere(tmp_path) == []
    new_serial = deployed_serial(fleet["web1"])
    assert new_serial != old_serial
    for nginx in fleet:
        seen = wait_for_serial(nginx, sim.ca_path, new_serial)
        assert seen.ok and seen.serial == new_serial, seen.line()
        metadata = json.loads((nginx.ssl_dir / f"{SERVER_NAME}.webnic.json").read_text())
        assert metadata["order_id"] == renewal_id and "pending" not in metadata
        assert not (nginx.ssl_dir / f"{SERVER_NAME}.key.pending").exists()


RULE_ERROR = "subject_alt_names: rapidssl does not accept extra names (SANs)."


def test_one_invalid_certificate_does_not_stop_the_next_and_the_play_fails_naming_it(ansible, sim, fleet):
    variables = certificate_vars()
    bad = {
        "name": "shop",
        "common_name": "shop.example.test",
        "subject_alt_names": ["cart.example.test"],
        "product": "rapidssl",
        "inventory_group": "web",
        "server_type": "none",
        "dir": "{{ host_dir }}/ssl-shop",
    }
    variables["certificate_list"].insert(0, bad)
    result = ansible.run(variables)
    assert result.returncode != 0
    assert sorted(result.failed_hosts()) == sorted(fleet.hosts)
    assert "1 certificate(s) failed" in result.output and "shop: " in result.output
    assert RULE_ERROR in result.output
    (order,) = sim.orders()
    assert order["commonName"] == SERVER_NAME
    serial = deployed_serial(fleet["web1"])
    for nginx in fleet:
        seen = wait_for_serial(nginx, sim.ca_path, serial)
        assert seen.ok and seen.serial == serial, seen.line()

    # Check mode names the same product-rule error, without a write call.
    writes = sim.stats()["writes"]
    checked = ansible.run(variables, extra_args=["--check"])
    assert checked.returncode != 0
    assert RULE_ERROR in checked.output
    assert sim.stats()["writes"] == writes


def test_an_entry_using_a_variable_the_hosts_lack_is_refused_naming_it_before_anything_happens(ansible, sim, fleet):
    """Ansible's argument check of the role templates every entry for every host before the first task:
    a variable the hosts lack is named there, and nothing is asked of WebNIC or written."""
    variables = certificate_vars()
    unresolvable = {
        "name": "shop",
        "common_name": "shop.example.test",
        "inventory_group": "web",
        "server_type": "none",
        "dir": "{{ shop_dir_not_set_anywhere }}/ssl",
    }
    variables["certificate_list"].insert(0, unresolvable)
    before = {nginx.dir.name: {p.name: p.read_bytes() for p in nginx.ssl_dir.iterdir()} for nginx in fleet}
    result = ansible.run(variables)
    assert result.returncode != 0
    assert sorted(result.failed_hosts()) == sorted(fleet.hosts)
    assert "'shop_dir_not_set_anywhere' is undefined" in result.output
    assert sim.stats()["total"] == 0 and sim.orders() == []
    assert {nginx.dir.name: {p.name: p.read_bytes() for p in nginx.ssl_dir.iterdir()} for nginx in fleet} == before


def test_check_mode_on_a_fresh_fleet_shows_action_product_price_and_names_with_no_write_call(ansible, sim, fleet):
    variables = certificate_vars(certificate={"subject_alt_names": ["example.test"]})
    before = {name: sorted(p.name for p in nginx.ssl_dir.iterdir()) for name, nginx in fleet.hosts.items()}
    result = ansible.run(variables, extra_args=["--check", "--diff"])
    assert result.returncode == 0, result.tail()
    assert "Check mode: www.example.test: action place" in result.output
    for name, nginx in fleet.hosts.items():
        assert f"www.example.test on {name}: would write {nginx.ssl_dir}/www.example.test.crt" in result.output
    assert "product ssl123, term 1 year(s)" in result.output
    assert "price: " in result.output and "price: unknown" not in result.output
    assert "names added: www.example.test, example.test" in result.output
    assert "hosts: web1, web2, web3" in result.output
    assert sim.stats()["writes"] == 0
    assert sim.orders() == []
    assert {name: sorted(p.name for p in nginx.ssl_dir.iterdir()) for name, nginx in fleet.hosts.items()} == before


def test_dns_validation_on_a_zone_not_hosted_fails_before_any_order_naming_the_zone(ansible, sim, fleet):
    variables = certificate_vars(
        certificate={
            "common_name": "api.elsewhere.example",
            "dcv_method": "dns",
            "server_type": "none",
            "dir": "{{ host_dir }}/ssl-api",
        }
    )
    result = ansible.run(variables)
    assert result.returncode != 0
    assert "zone elsewhere.example is not hosted on this WebNIC account" in result.output
    assert sim.orders() == []
    assert sim.stats()["writes"] == 0


def test_pkcs12_from_the_role_and_a_later_group_and_key_mode_change_make_no_api_call(ansible, sim, fleet):
    import grp
    import os
    import stat

    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key, pkcs12

    password = "keystore-Secret-4711"
    variables = certificate_vars(certificate_pkcs12=True, e2e_keystore_password=password)
    # The password comes from a variable (in real use a vaulted one), never from the entry itself.
    variables["certificate_pkcs12_password"] = "{{ e2e_keystore_password }}"
    first = ansible.run(variables)
    assert first.returncode == 0, first.tail()
    assert password not in first.output
    ssl_dir = fleet["web1"].ssl_dir
    for nginx in fleet:
        p12 = nginx.ssl_dir / f"{SERVER_NAME}.p12"
        key, cert, chain = pkcs12.load_key_and_certificates(p12.read_bytes(), password.encode())
        deployed_key = load_pem_private_key((nginx.ssl_dir / f"{SERVER_NAME}.key").read_bytes(), None)
        assert key.public_key().public_numbers() == deployed_key.public_key().public_numbers()
        assert cert.public_key().public_numbers() == deployed_key.public_key().public_numbers()
        served = x509.load_pem_x509_certificate((nginx.ssl_dir / f"{SERVER_NAME}.crt").read_bytes())
        assert cert == served
        assert chain, "the chain is in the keystore"
        assert stat.S_IMODE(p12.stat().st_mode) == 0o600

    # The nightly rerun with the keystore enabled: nothing due, no API call, nothing rewritten.
    p12_bytes = (ssl_dir / f"{SERVER_NAME}.p12").read_bytes()
    calls = sim.stats()["total"]
    nightly = ansible.run(variables)
    assert nightly.returncode == 0, nightly.tail()
    assert sim.stats()["total"] == calls
    assert all(counts["changed"] == 0 for counts in nightly.recap.values()), nightly.recap
    assert (ssl_dir / f"{SERVER_NAME}.p12").read_bytes() == p12_bytes

    # Only the group and the key mode change: applied on every host, no renewal, no API call.
    group = grp.getgrgid(65534).gr_name
    changed = ansible.run(dict(variables, certificate_group=group, certificate_key_mode="0640"))
    assert changed.returncode == 0, changed.tail()
    assert sim.stats()["total"] == calls
    assert len(sim.orders()) == 1
    for nginx in fleet:
        for name in (f"{SERVER_NAME}.key", f"{SERVER_NAME}.p12"):
            st = os.stat(nginx.ssl_dir / name)
            assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid) == (0o640, 0, 65534), name
        assert os.stat(nginx.ssl_dir / f"{SERVER_NAME}.crt").st_gid == 65534


def test_a_host_whose_web_root_cannot_hold_the_validation_file_fails_every_host_before_any_order(ansible, sim, fleet):
    # web2's web root has a FILE where the .well-known directory must go: the validation file cannot be written.
    blocker = fleet["web2"].webroot / ".well-known"
    if blocker.is_dir():
        blocker.rmdir()
    blocker.write_text("not a directory\n")
    variables = certificate_vars()
    for extra_args in (["--check"], []):
        result = ansible.run(variables, extra_args=extra_args)
        assert result.returncode != 0
        assert sorted(result.failed_hosts()) == sorted(fleet.hosts), result.recap
        assert f"could not be written on web2: {blocker} is not a directory" in result.output
        assert "Nothing was ordered" in result.output
        assert sim.orders() == []
        assert sim.stats()["writes"] == 0


def test_an_unquoted_key_mode_is_refused_before_anything_happens(ansible, sim, fleet):
    # YAML reads an unquoted 0640 as the number 416; as a mode that is 0416 (others may write the key).
    result = ansible.run(certificate_vars(certificate_key_mode=416))
    assert result.returncode != 0
    assert 'must be a quoted octal mode that gives others no access' in result.output
    assert sim.stats()["total"] == 0
