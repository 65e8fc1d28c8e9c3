# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A pending order is never adopted with a key this run does not hold (issue #15, item 6).

The role keeps the key of a pending order as ``<key>.pending`` on one host of the group. A run that
leaves that host out (``--limit``) cannot resume the order with its key; before the fix it made a new
key, adopted the pending order found on the account, went through DCV and the wait, and then failed
"certificate does not match the private key" (after writing the wrong key as ``.pending`` on the
other host). Now it fails at once naming the host that holds the key, publishes and writes nothing,
buys nothing; a run with that host included resumes the order and deploys a certificate for that key.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from reliability_helpers import ansible_playbook, crypto, live, playbook_env, record

pytestmark = [pytest.mark.simulator, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
PLAYBOOK = HERE / "playbooks" / "role_pending.yml"
PLACE = "POST /ssl/v2/orders/new"
REISSUE = "POST /ssl/v2/orders/{orderId}/reissue"


def two_host_inventory(path, base):
    """Two local hosts, each with its own directory; the certificate list is an inventory variable
    (so a run can tell where a host outside it keeps its files: the dir holds a host variable)."""
    hosts = {}
    for name in ("web1", "web2"):
        (base / name).mkdir()
        hosts[name] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "host_dir": str(base / name),
        }
    certificate = {
        "common_name": "www.example.com",
        "subject_alt_names": ["example.com"],
        "dcv_method": "email",
        "approver_email": "admin@example.com",
        "server_type": "nginx",
        "dir": "{{ host_dir }}/ssl",
    }
    path.write_text(json.dumps({"web": {"hosts": hosts, "vars": {"certificate_list": [certificate]}}}, indent=2))
    return str(path)


def files_of(directory):
    return sorted(str(p.relative_to(directory)) for p in Path(directory).rglob("*") if p.is_file())


@pytest.mark.parametrize("issued_meanwhile", [False, True], ids=["still-pending", "issued-meanwhile"])
def test_pending_order_whose_key_host_is_left_out_fails_naming_it(sim, tmp_path, issued_meanwhile):
    inventory = two_host_inventory(tmp_path / "hosts.yml", tmp_path)
    env = playbook_env(sim, tmp_path)
    ssl1, ssl2 = tmp_path / "web1" / "ssl", tmp_path / "web2" / "ssl"

    # Run 1: the order is placed and waits for the approver; web1 (first host) keeps its key.
    first = ansible_playbook(PLAYBOOK, inventory, env)
    assert first.returncode == 0, first.stdout[-4000:]
    orders = live(sim.orders())
    assert len(orders) == 1
    order_id = str(orders[0]["orderId"])
    pending_key = (ssl1 / "www.example.com.key.pending").read_bytes()
    metadata = json.loads((ssl1 / "www.example.com.webnic.json").read_text())
    assert metadata["pending"]["order_id"] == order_id and metadata["pending"]["host"] == "web1"
    assert files_of(ssl2) == []
    if issued_meanwhile:
        # Before the fix: the limited run reissued the order for a new key, stranding web1's key.
        sim.approve(order_id)
    calls_before = sim.stats()["calls"]

    # Run 2 leaves web1 out: it must neither adopt the order with a new key nor reissue it.
    limited = ansible_playbook(PLAYBOOK, inventory, env, "--limit", "web2")
    out = limited.stdout + limited.stderr
    assert limited.returncode != 0, out[-4000:]
    assert "order %s" % order_id in out and "on web1, which is not in this run" in out, out[-4000:]
    assert sim.stats()["calls"] == calls_before, "no API call at all: the host check comes first"
    assert files_of(ssl2) == [], "nothing written on web2 (no key, no .pending, no metadata)"
    assert (ssl1 / "www.example.com.key.pending").read_bytes() == pending_key

    # Run 3 with both hosts resumes the order with web1's key; no second order, no reissue.
    if not issued_meanwhile:
        sim.approve(order_id)
    # The simulator's root reaches the download through the role variable this time, not the
    # environment (the system store does not hold it: without the variable the download is refused).
    own_roots = {k: v for k, v in env.items() if k != "WEBNIC_TRUSTED_ROOTS"}
    full = ansible_playbook(
        PLAYBOOK, inventory, own_roots, "-e", json.dumps({"certificate_trusted_roots": [sim.ca_path]})
    )
    assert full.returncode == 0, full.stdout[-4000:]
    assert [str(o["orderId"]) for o in live(sim.orders())] == [order_id]
    calls = sim.stats()["calls"]
    assert calls.get(PLACE) == 1 and calls.get(REISSUE, 0) == 0
    key = crypto.load_private_key(pending_key)
    for ssl in (ssl1, ssl2):
        leaf = crypto.load_certificate((ssl / "www.example.com.crt").read_bytes())
        assert crypto.key_matches_certificate(key, leaf)
        assert (ssl / "www.example.com.key").read_bytes() == pending_key
    record(
        "keys",
        "pending order (%s), key host left out (--limit)" % ("issued meanwhile" if issued_meanwhile else "pending"),
        limited_run="failed naming web1",
        api_calls_in_limited_run=0,
        files_written_on_web2=0,
        orders=1,
        reissues=0,
        full_rerun="resumed with the kept key",
    )


def test_pending_order_whose_key_is_lost_fails_with_the_way_out(sim, tmp_path):
    """An interrupted run that never recorded its key: no host holds it; the message says to cancel."""
    inventory = two_host_inventory(tmp_path / "hosts.yml", tmp_path)
    env = playbook_env(sim, tmp_path)
    first = ansible_playbook(PLAYBOOK, inventory, env)
    assert first.returncode == 0, first.stdout[-4000:]
    order_id = str(live(sim.orders())[0]["orderId"])
    # Lose what the interrupted run would never have written.
    ssl1 = tmp_path / "web1" / "ssl"
    for path in ssl1.iterdir():
        path.unlink()

    again = ansible_playbook(PLAYBOOK, inventory, env)
    out = again.stdout + again.stderr
    assert again.returncode != 0, out[-4000:]
    assert "No host of group all in this run keeps its key" in out and "cancel order %s" % order_id in out, out[-4000:]
    assert sim.stats()["calls"].get(PLACE) == 1
    assert files_of(ssl1) == [] and files_of(tmp_path / "web2" / "ssl") == []
    record("keys", "pending order, key lost (interrupted run)", rerun="failed: cancel and run again", orders=1)
