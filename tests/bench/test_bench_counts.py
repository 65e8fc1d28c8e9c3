# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CI check of the fleet benchmark's count targets (API calls, never wall times).

Runs bench/role.yml (the webnic.ssl.certificate role, HTTP validation, files only) on a fleet of 1
host and on a fleet of 3 hosts, each against a fresh simulator, then reruns it on the 3 hosts:

- the rollout makes the same API calls (total and per endpoint) for 1 and for 3 hosts;
- it places one order, downloads once and mints one token;
- the rerun makes 0 API calls and PLAY RECAP shows changed=0 on every host;
- the rerun checks every host against the install record (no parsing, no cryptography import);
- the rerun runs one module per host (webnic.ssl.certificate_host_state, besides Ansible's own
  argument-spec check of the role); every other task of the role runs once (run_once) or not at all.

`.venv/bin/python -m pytest tests/bench` (about 60 s on an idle 2-core machine).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import benchlib as b  # noqa: E402

pytestmark = [pytest.mark.simulator, pytest.mark.slow]

ORDER_NEW = "POST /ssl/v2/orders/new"
DOWNLOAD = "POST /ssl/v2/orders/{orderId}/download/format/{format}"


def rollout(base, size, rerun=False):
    """Fresh fleet + simulator; the role's rollout (and rerun): {label: (run, stats)} plus the orders."""
    inventory = b.make_fleet(base, size)
    measured = {}
    with b.Webroot(b.first_webroot(base)) as web:
        sim = b.Simulator(base / "sim", resolve={b.COMMON_NAME: web.address}, extra_args=["--quiet"]).start()
        try:
            env = b.playbook_env(sim.url, base / "controller")
            for label in ["rollout", "rerun"] if rerun else ["rollout"]:
                run, stats = b.measured(
                    sim,
                    b.PLAYBOOKS["role"],
                    inventory,
                    env,
                    log=base / f"{label}.log",
                    timings=base / f"{label}.tasks.json",
                )
                assert run.returncode == 0, f"{label} on {size} host(s) failed:\n{run.tail()}"
                measured[label] = (run, stats)
            measured["orders"] = sim.orders()
        finally:
            sim.stop()
    measured["base"] = base
    return measured


@pytest.fixture(scope="module")
def fleets(tmp_path_factory):
    return {
        1: rollout(tmp_path_factory.mktemp("fleet1"), 1),
        3: rollout(tmp_path_factory.mktemp("fleet3"), 3, rerun=True),
    }


def test_rollout_calls_do_not_grow_with_the_fleet(fleets):
    one, three = fleets[1]["rollout"][1], fleets[3]["rollout"][1]
    assert three["calls"] == one["calls"], "per-endpoint API calls differ between 1 and 3 hosts"
    assert three["total"] == one["total"]


@pytest.mark.parametrize("size", [1, 3])
def test_one_order_one_download_one_token(fleets, size):
    stats = fleets[size]["rollout"][1]
    assert stats["calls"].get(ORDER_NEW, 0) == 1, stats["calls"]
    assert stats["calls"].get(DOWNLOAD, 0) == 1, stats["calls"]
    assert stats["token_mints"] == 1, stats
    assert len(fleets[size]["orders"]) == 1


def test_every_host_got_the_same_certificate(fleets):
    run = fleets[3]["rollout"][0]
    assert sorted(run.recap) == ["h1", "h2", "h3"]
    assert all(counts.get("failed", 0) == 0 and counts.get("unreachable", 0) == 0 for counts in run.recap.values())
    ssl_dirs = [fleets[3]["base"] / "hosts" / host / "ssl" for host in ("h1", "h2", "h3")]
    for name in (".fullchain.pem", ".key"):
        contents = {(d / (b.COMMON_NAME + name)).read_bytes() for d in ssl_dirs}
        assert len(contents) == 1, f"{name} differs between the hosts"


def test_rerun_makes_no_api_call_and_changes_nothing(fleets):
    run, stats = fleets[3]["rerun"]
    assert stats["total"] == 0, f"the rerun called the API: {stats['calls']}"
    assert stats["token_mints"] == 0
    assert sorted(run.recap) == ["h1", "h2", "h3"]
    assert {host: counts.get("changed", 0) for host, counts in run.recap.items()} == {"h1": 0, "h2": 0, "h3": 0}


def test_rerun_checks_every_host_against_the_install_record(fleets):
    # The nightly floor: files unchanged since the rollout are checked from the record the install
    # wrote (digests and facts), without parsing them or importing cryptography on the host.
    run = fleets[3]["rerun"][0]
    for host in ("h1", "h2", "h3"):
        assert re.search(r"%s: up to date \(expires [0-9TZ:-]+, files as installed\)" % host, run.output), run.tail()


def test_rerun_runs_one_task_per_host_and_the_rest_once(fleets):
    tasks = json.loads((fleets[3]["base"] / "rerun.tasks.json").read_text())["tasks"]
    per_host = [task["name"].split(" : ")[-1] for task in tasks if task["hosts"] > 1 or task["items"] > 1]
    assert per_host == [
        "Validating arguments against arg spec 'main' - Roll out WebNIC SSL certificates to the hosts that serve them",
        "Read what the host holds for each of its certificates",
    ], per_host
    executions = sum(task["hosts"] for task in tasks)
    assert executions <= 2 * 3 + 4, [(task["name"], task["hosts"]) for task in tasks if task["hosts"]]
