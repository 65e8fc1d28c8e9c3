# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Slices axis of the benchmark: one run on a fleet vs N concurrent runs on disjoint slices of it.

    .venv/bin/python bench/slices.py [--hosts 40] [--slices 1,4] [--out bench/output/slices]

Per slice count, with a fresh simulator and fresh host directories: the fleet's hosts are dealt
round-robin to the slices (as AWX job slicing does); each slice runs bench/role_slices.yml with an
inventory of only its hosts plus the shared key host, and its own controller state (token cache,
contact cache, Ansible temp). All slices start at once; the wall time is from the first start to the
last end. Reported: wall time and CPU time, their ratio to the single run (same machine, same run),
orders placed, Place calls and API calls (total and per endpoint, from the simulator's counters).

Exit status 1 when a run failed or a count target missed: exactly one order and one Place call per
certificate, for every slice count. Times are reported, never enforced.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib as b

PLAYBOOK = b.BENCH / "role_slices.yml"
PLACE = "POST /ssl/v2/orders/new"
MONEY = ("POST /ssl/v2/orders/new", "POST /ssl/v2/orders/{orderId}/renew", "POST /ssl/v2/orders/{orderId}/reissue")


def make_slices(base, hosts, slices):
    """Host directories under base/hosts, one inventory per slice (its hosts + the key host); their paths."""
    import yaml

    base = Path(base)
    names = [f"h{n}" for n in range(1, hosts + 1)]
    key_dir = base / "keyhost" / "webnic-ssl"
    key_dir.parent.mkdir(parents=True, exist_ok=True)
    local = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    inventories = []
    for number in range(slices):
        members = {}
        for name in names[number::slices]:
            host_dir = base / "hosts" / name
            (host_dir / "ssl").mkdir(parents=True, exist_ok=True)
            members[name] = dict(local, host_dir=str(host_dir))
        inventory = {
            "all": {
                "children": {
                    b.GROUP: {"hosts": members},
                    "keyhosts": {"hosts": {"keyhost": dict(local, bench_key_dir=str(key_dir))}},
                }
            }
        }
        path = base / f"slice{number}" / "inventory.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(inventory, sort_keys=False))
        inventories.append(path)
    return inventories


def run_sliced(base, hosts, slices, forks=b.FORKS):
    """Fresh simulator; all slices at once. Returns (runs, wall seconds, cpu seconds, stats, orders)."""
    inventories = make_slices(base, hosts, slices)
    sim = b.Simulator(Path(base) / "sim", extra_args=["--quiet"]).start()
    try:
        runs = [None] * slices

        def one(number):
            env = b.playbook_env(sim.url, Path(base) / f"slice{number}" / "controller", forks)
            env["HOME"] = str(Path(base) / f"slice{number}" / "home")
            runs[number] = b.run_playbook(PLAYBOOK, inventories[number], env, log=Path(base) / f"slice{number}.log")

        sim.reset_stats()
        cpu_before = b._children_cpu()
        started = time.monotonic()
        threads = [threading.Thread(target=one, args=(n,)) for n in range(slices)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
        cpu = b._children_cpu() - cpu_before
        return runs, seconds, cpu, sim.stats(), sim.orders()
    finally:
        sim.stop()


def summary(runs, seconds, cpu, stats, orders):
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "returncodes": [run.returncode for run in runs],
        "hosts_ok": sum(
            1 for run in runs for host, counts in run.recap.items() if host != "keyhost" and not counts.get("failed")
        ),
        "orders": len(orders),
        "place_calls": stats["calls"].get(PLACE, 0),
        "money_calls": sum(stats["calls"].get(call, 0) for call in MONEY),
        "api_total": stats["total"],
        "token_mints": stats["token_mints"],
        "calls": dict(sorted(stats["calls"].items())),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--hosts", type=int, default=40)
    parser.add_argument("--slices", default="1,4", help="slice counts, comma-separated (default 1,4)")
    parser.add_argument("--out", default=str(b.ROOT / "bench" / "output" / "slices"))
    parser.add_argument("--forks", type=int, default=b.FORKS)
    args = parser.parse_args(argv)
    counts = sorted({int(s) for s in args.slices.split(",") if s.strip()})
    out = Path(args.out).resolve()
    report = {
        "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
        "hosts": args.hosts,
        "cpus": os.cpu_count(),
        "loadavg_before": list(os.getloadavg()),
        "results": {},
    }
    status = 0
    for slices in counts:
        base = out / f"slices-{slices}"
        if base.exists():
            import shutil

            shutil.rmtree(base)
        result = summary(*run_sliced(base, args.hosts, slices, args.forks))
        report["results"][str(slices)] = result
        sys.stderr.write(f"{slices} slice(s) of {args.hosts} hosts: {json.dumps(result)}\n")
        if result["returncodes"] != [0] * slices or result["orders"] != 1 or result["place_calls"] != 1:
            status = 1
    first = report["results"][str(counts[0])]
    lines = [
        f"{args.hosts} hosts, {report['cpus']} CPU(s), load before {report['loadavg_before']}, {report['started']} UTC",
        "",
        "| slices | wall s | wall / 1 slice | CPU s | CPU / 1 slice | orders | Place calls | API calls | hosts ok |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for slices in counts:
        r = report["results"][str(slices)]
        lines.append(
            f"| {slices} | {r['seconds']:.1f} | {r['seconds'] / first['seconds']:.2f}x | {r['cpu_seconds']:.1f} | "
            f"{r['cpu_seconds'] / first['cpu_seconds']:.2f}x | {r['orders']} | {r['place_calls']} | {r['api_total']} | "
            f"{r['hosts_ok']} |"
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main())
