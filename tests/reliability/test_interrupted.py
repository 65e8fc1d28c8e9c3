# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Interrupted runs: SIGKILL the whole playbook (its process group: ansible-playbook, workers and the
running module) during the download and during the role's deploy step, then run it again.

"No half-written file left in place" means, precisely: every target path either does not exist,
or holds the complete old content, or holds the complete new content (a PEM that parses, for keys
one that matches the certificate); and no temporary file (``*.tmp``, ``.ansible_tmp*``) is left
beside the targets. Backup copies (``<file>.<pid>.<timestamp>~``) that a killed deploy could not
remove are complete old files; they are counted and reported, not treated as partial files.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_helpers import (
    ansible_playbook,
    connection_args,
    create_contact,
    crypto,
    live,
    local_inventory,
    make_csr,
    playbook_env,
    private_key,
    record,
    run_module,
)

from ansible_collections.webnic.ssl.plugins.modules import webnic_ssl_order

pytestmark = [pytest.mark.simulator, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
DOWNLOAD = "POST /ssl/v2/orders/{orderId}/download/format/{format}"


def start_playbook(playbook, inventory, env, *args):
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, str(playbook), *args]
    return subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )


def kill_group(process):
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
    return process.returncode


def wait_for(predicate, timeout, process):
    deadline = time.monotonic() + timeout
    while not predicate():
        if process.poll() is not None:
            raise AssertionError("the playbook ended before the kill point:\n" + process.stdout.read()[-3000:])
        if time.monotonic() > deadline:
            kill_group(process)
            raise AssertionError("the kill point was not reached in %s s" % timeout)
        time.sleep(0.05)


def temp_files(directory):
    return sorted(
        str(p.relative_to(directory))
        for p in Path(directory).rglob("*")
        if p.name.endswith((".tmp", ".part")) or p.name.startswith(".ansible_tmp") or ".ansible_tmp" in p.name
    )


def backup_copies(directory):
    return sorted(str(p.relative_to(directory)) for p in Path(directory).rglob("*~"))


def test_kill_during_download_leaves_old_files_and_rerun_completes(sim, tmp_path):
    contact = create_contact(sim)
    placed = run_module(
        webnic_ssl_order,
        connection_args(
            sim,
            product_key="ssl123",
            common_name="www.example.com",
            subject_alt_names=["example.com"],
            csr=make_csr("www.example.com", ["example.com"]),
            dcv_method="email",
            approver_emails={"example.com": "admin@example.com"},
            administrator_contact_id=contact,
        ),
    )
    assert not placed.failed, placed["msg"]
    sim.approve(placed["order_id"])
    workdir = tmp_path / "work"
    workdir.mkdir()
    (workdir / "www.key").write_bytes(crypto.serialize_private_key(private_key("RSA-2048")))
    (workdir / "www.key").chmod(0o600)
    old = {}
    for name in ("www.crt", "www.chain.pem", "www.fullchain.pem"):
        (workdir / name).write_text("the previous %s\n" % name)
        old[name] = (workdir / name).read_bytes()
    inventory = local_inventory(tmp_path / "hosts.ini", ["web1"], workdir=workdir, order_id=placed["order_id"])
    env = playbook_env(sim, tmp_path)
    orders_before = sim.orders()

    sim.fault(DOWNLOAD, "delay", delay=30)
    downloads = sim.stats()["calls"].get(DOWNLOAD, 0)
    process = start_playbook(HERE / "playbooks" / "download.yml", inventory, env)
    wait_for(lambda: sim.stats()["calls"].get(DOWNLOAD, 0) > downloads, 60, process)
    time.sleep(0.2)
    kill_group(process)
    sim.clear_faults()

    for name, content in old.items():
        assert (workdir / name).read_bytes() == content, "%s changed by a killed download" % name
    assert temp_files(workdir) == []

    rerun = ansible_playbook(HERE / "playbooks" / "download.yml", inventory, env)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    leaf = crypto.load_certificate((workdir / "www.crt").read_bytes())
    assert crypto.key_matches_certificate(private_key("RSA-2048"), leaf)
    assert (workdir / "www.fullchain.pem").read_text().count("BEGIN CERTIFICATE") == 2
    assert temp_files(workdir) == []
    assert [o["orderId"] for o in sim.orders()] == [o["orderId"] for o in orders_before], "no new order"
    record(
        "interrupted",
        "SIGKILL during webnic_ssl_cert_download (download delayed 30 s)",
        targets_after_kill="old content, byte for byte",
        temp_files=0,
        rerun="ok, new certificate written",
        orders=len(sim.orders()),
        new_orders=len(sim.orders()) - len(orders_before),
    )


def test_kill_during_role_deploy_then_rerun_completes_without_new_order(sim, tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    inventory = local_inventory(tmp_path / "hosts.ini", ["web1"], workdir=workdir, host_dir=workdir)
    env = playbook_env(sim, tmp_path)
    playbook = HERE / "playbooks" / "role_deploy.yml"
    marker = workdir / "deploying"

    process = start_playbook(playbook, inventory, env, "-e", "test_sleep=60")
    wait_for(marker.exists, 240, process)
    kill_group(process)
    orders_after_kill = sim.orders()
    assert len(live(orders_after_kill)) == 1

    ssl = workdir / "ssl"
    targets = {
        "crt": ssl / "www.example.com.crt",
        "chain": ssl / "www.example.com.chain.pem",
        "fullchain": ssl / "www.example.com.fullchain.pem",
        "key": ssl / "www.example.com.key",
    }
    state_after_kill = {}
    for name, path in targets.items():
        if path.exists():
            data = path.read_bytes()
            if name == "key":
                crypto.load_private_key(data)  # complete, parses
                assert oct(path.stat().st_mode & 0o777) == "0o600"
            else:
                assert crypto.load_certificates(data), "%s is not a complete PEM" % path
            state_after_kill[name] = "complete"
        else:
            state_after_kill[name] = "absent"
    assert temp_files(workdir) == []
    backups_after_kill = backup_copies(workdir)

    marker.unlink()
    rerun = ansible_playbook(playbook, inventory, env, "-e", "test_sleep=0")
    assert rerun.returncode == 0, rerun.stdout[-4000:]
    orders = sim.orders()
    assert [o["orderId"] for o in orders] == [o["orderId"] for o in orders_after_kill], "no new order on the rerun"
    assert sim.stats()["calls"].get("POST /ssl/v2/orders/new") == 1
    leaf = crypto.load_certificate(targets["crt"].read_bytes())
    key = crypto.load_private_key(targets["key"].read_bytes())
    assert crypto.key_matches_certificate(key, leaf)
    assert oct(targets["key"].stat().st_mode & 0o777) == "0o600"
    assert temp_files(workdir) == []
    record(
        "interrupted",
        "SIGKILL during the role's deploy step (configuration test running)",
        targets_after_kill=json.dumps(state_after_kill, sort_keys=True),
        temp_files=0,
        backup_copies_left=len(backup_copies(workdir)),
        backup_copies_after_kill=len(backups_after_kill),
        rerun="ok",
        orders=len(orders),
        new_orders_on_rerun=0,
    )
