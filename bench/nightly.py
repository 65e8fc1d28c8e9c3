# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Nightly axis of the benchmark: the role's no-op rerun against a ping-only playbook, same fleet.

    .venv/bin/python bench/nightly.py [--hosts 50] [--rounds 3] [--out DIR]

Rolls bench/role.yml out once on a fresh fleet (not reported), then alternates bench/ping.yml and the
role's rerun (nothing due) --rounds times, so that both see the same machine load. Reports per round
wall and CPU time, the ratios rerun / ping (and their median), the API calls of the reruns (must be
0), changed hosts (must be 0) and the task executions per host. Writes <out>/nightly.json.
Wall times are reported, never enforced; the CI check of the counts is tests/bench.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib as b


def task_executions(timings):
    tasks = json.loads(Path(timings).read_text()).get("tasks", [])
    return sum(max(task.get("hosts", 0), task.get("items", 0)) for task in tasks)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--forks", type=int, default=b.FORKS)
    parser.add_argument("--out", default=str(b.ROOT / "bench" / "output"))
    args = parser.parse_args()
    base = Path(args.out) / f"nightly-{args.hosts}"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    inventory = b.make_fleet(base, args.hosts)
    rounds, ok = [], True
    with b.Webroot(b.first_webroot(base)) as web:
        sim = b.Simulator(base / "sim", resolve={b.COMMON_NAME: web.address}, extra_args=["--quiet"]).start()
        try:
            env = b.playbook_env(sim.url, base / "controller", args.forks)
            rollout, _calls = b.measured(sim, b.PLAYBOOKS["role"], inventory, env, log=base / "rollout.log")
            if rollout.returncode != 0:
                raise SystemExit(f"rollout failed; log: {base / 'rollout.log'}\n{rollout.tail(40)}")
            for number in range(args.rounds):
                runs = {}
                for label, playbook in (("ping", b.PLAYBOOKS["ping"]), ("rerun", b.PLAYBOOKS["role"])):
                    log, timings = base / f"{label}-{number}.log", base / f"{label}-{number}.tasks.json"
                    run, stats = b.measured(sim, playbook, inventory, env, log=log, timings=timings)
                    ok = ok and run.returncode == 0
                    runs[label] = {
                        "seconds": round(run.seconds, 2),
                        "cpu_seconds": round(run.cpu_seconds, 2),
                        "api_calls": stats["total"],
                        "changed": run.total("changed"),
                        "task_executions": task_executions(timings),
                    }
                runs["ratio"] = round(runs["rerun"]["seconds"] / runs["ping"]["seconds"], 2)
                runs["cpu_ratio"] = round(runs["rerun"]["cpu_seconds"] / runs["ping"]["cpu_seconds"], 2)
                rounds.append(runs)
                print(
                    f"round {number}: ping {runs['ping']['seconds']:.1f}s (cpu {runs['ping']['cpu_seconds']:.1f}s)  "
                    f"rerun {runs['rerun']['seconds']:.1f}s (cpu {runs['rerun']['cpu_seconds']:.1f}s)  "
                    f"ratio {runs['ratio']}x (cpu {runs['cpu_ratio']}x)  rerun API calls {runs['rerun']['api_calls']}  "
                    f"changed {runs['rerun']['changed']}  task executions {runs['rerun']['task_executions']} "
                    f"vs ping {runs['ping']['task_executions']}",
                    flush=True,
                )
        finally:
            sim.stop()
    summary = {
        "hosts": args.hosts,
        "rounds": rounds,
        "median_ratio": statistics.median(r["ratio"] for r in rounds),
        "median_cpu_ratio": statistics.median(r["cpu_ratio"] for r in rounds),
    }
    print(
        f"median rerun / ping on {args.hosts} hosts: "
        f"{summary['median_ratio']}x wall, {summary['median_cpu_ratio']}x CPU"
    )
    (Path(args.out) / "nightly.json").write_text(json.dumps(summary, indent=2) + "\n")
    ok = ok and all(r["rerun"]["api_calls"] == 0 and r["rerun"]["changed"] == 0 for r in rounds)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
