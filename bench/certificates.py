# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificates axis of the benchmark: the role with 1 and with N certificates on the same fleet.

    .venv/bin/python bench/certificates.py [--counts 1,8] [--hosts 3] [--issue-delay 15] [--out DIR]

Per count: a fresh fleet of --hosts local hosts and a fresh simulator (--issue-delay seconds between
validation and issuance, the zone example.test hosted on the account), then bench/certificates.yml
with that many certificates (c1.example.test, c2.example.test, ...; DNS validation, files only).
Reports wall time, CPU time, API calls, API calls per certificate and orders, and the time ratio of
each count to the first. Writes <out>/certificates.json. Wall times are reported, never enforced.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib as b

PLAYBOOK = b.BENCH / "certificates.yml"


def certificate_list(count):
    return [{"name": f"c{n}", "common_name": f"c{n}.example.test"} for n in range(1, count + 1)]


def measure(base, count, hosts, issue_delay, forks):
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    inventory = b.make_fleet(base, hosts)
    sim = b.Simulator(
        base / "sim", extra_args=["--quiet", "--issue-delay", str(issue_delay), "--zone", "example.test"]
    ).start()
    try:
        env = b.playbook_env(sim.url, base / "controller", forks)
        extra = {"bench_certificates": certificate_list(count)}
        run, stats = b.measured(sim, PLAYBOOK, inventory, env, extra, base / "rollout.log", base / "rollout.tasks.json")
        orders = len(sim.orders())
    finally:
        sim.stop()
    if run.returncode != 0:
        raise SystemExit(
            f"{count} certificate(s) failed (exit {run.returncode}); log: {base / 'rollout.log'}\n{run.tail(40)}"
        )
    return {
        "certificates": count,
        "seconds": round(run.seconds, 1),
        "cpu_seconds": round(run.cpu_seconds, 1),
        "api_calls": stats["total"],
        "api_calls_per_certificate": round(stats["total"] / count, 1),
        "calls": stats["calls"],
        "orders": orders,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="1,8", help="certificate counts, comma-separated (default 1,8)")
    parser.add_argument("--hosts", type=int, default=3, help="hosts in the fleet (default 3)")
    parser.add_argument("--issue-delay", type=float, default=15.0, help="simulator issue delay in seconds (default 15)")
    parser.add_argument("--forks", type=int, default=b.FORKS)
    parser.add_argument("--out", default=str(b.ROOT / "bench" / "output"))
    args = parser.parse_args()
    out = Path(args.out)
    results = []
    for count in [int(c) for c in args.counts.split(",")]:
        result = measure(out / f"certificates-{count}", count, args.hosts, args.issue_delay, args.forks)
        results.append(result)
        timing = f"{result['seconds']:7.1f}s (cpu {result['cpu_seconds']:6.1f}s)"
        calls = f"API calls {result['api_calls']} ({result['api_calls_per_certificate']}/certificate)"
        print(
            f"{count:>3} certificate(s) on {args.hosts} hosts: {timing}  {calls}  orders {result['orders']}", flush=True
        )
    first = results[0]
    for result in results:
        result["time_ratio_to_first"] = round(result["seconds"] / first["seconds"], 2)
    print(
        "time ratios to %d certificate(s): %s"
        % (first["certificates"], {r["certificates"]: r["time_ratio_to_first"] for r in results})
    )
    (out / "certificates.json").write_text(json.dumps(results, indent=2) + "\n")
    ok = all(r["orders"] == r["certificates"] for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
