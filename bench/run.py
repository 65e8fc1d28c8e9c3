# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet benchmark of the webnic.ssl.certificate role against the WebNIC simulator.

    .venv/bin/python bench/run.py [--sizes 1,10,50] [--repeat N] [--out bench/output] [--forks 10]

Per fleet size (N inventory hosts, local connection, each with its own directory), with a fresh
simulator and fresh host directories per round:

  rollout     bench/role.yml, first run: key + CSR, one order, HTTP validation, download, deploy
  rerun       bench/role.yml again: the nightly no-op run
  ping        bench/ping.yml: one ansible.builtin.ping per host (Ansible's floor)
  copy        bench/copy.yml: copies the same five files to every host (new files)
  copy_again  bench/copy.yml again (files unchanged: the steady state the rerun compares with)
  uri         bench/baseline_uri.yml: the hand-written ansible.builtin.uri playbook (token, contact,
              order, validation file on every host, poll, download once, copy to every host), against
              its own fresh simulator

Each run is timed with time.monotonic() around the ansible-playbook subprocess and measured with the
simulator's counters (/_sim/stats reset before, read after). The rollout and the uri baseline swap
places every other round (--repeat) to spread the load noise; with several rounds the median is
reported. Writes <out>/results.json, <out>/results.md (the table printed at the end), and per run
the ansible log and the wall time per task (<out>/fleet-N/round-R/*.log, *.tasks.json).

Exit status: 0 when every run succeeded and the count targets hold (rollout calls equal for every
size, one order per certificate, rerun 0 calls); 1 otherwise. Wall-time targets are reported, not
enforced.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib as b

RUNS = ("rollout", "rerun", "ping", "copy", "copy_again", "uri")
RATIOS = ("rollout_vs_ping", "rollout_vs_copy", "rollout_vs_uri", "rerun_vs_ping", "rerun_vs_copy", "rerun_vs_uri")
DOWNLOAD = "POST /ssl/v2/orders/{orderId}/download/format/{format}"


class BenchError(RuntimeError):
    pass


def loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def record(run, stats, timings_path):
    tasks = []
    if timings_path.exists():
        tasks = json.loads(timings_path.read_text()).get("tasks", [])
    return {
        "seconds": round(run.seconds, 3),
        "cpu_seconds": round(run.cpu_seconds, 3),
        "returncode": run.returncode,
        "changed": run.total("changed"),
        "failed": run.total("failed") + run.total("unreachable"),
        "api": {
            "total": stats["total"],
            "token_mints": stats["token_mints"],
            "writes": stats["writes"],
            "calls": dict(sorted(stats["calls"].items())),
        },
        "api_calls_by_task": aggregate_task_calls(tasks),
        # Executions on a host (a loop item counts once): the work Ansible does, independent of the load.
        "host_task_runs": sum(max(t.get("items", 0), t.get("hosts", 0)) for t in tasks),
        "slowest_tasks": sorted(
            ({"name": t["name"], "seconds": t["seconds"], "hosts": t["hosts"]} for t in tasks),
            key=lambda t: -t["seconds"],
        )[:8],
        "loadavg_after": loadavg(),
    }


def aggregate_task_calls(tasks):
    calls = {}
    for task in tasks:
        if task.get("api_calls"):
            calls[task["name"]] = calls.get(task["name"], 0) + task["api_calls"]
    return calls


def one_round(size, round_no, out, forks, log):
    base = out / f"fleet-{size}" / f"round-{round_no}"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    inventory = b.make_fleet(base, size)
    key_path, csr_path = b.make_key_and_csr(base / "baseline")
    results = {}

    def play(label, sim, playbook, env, extra_vars=None):
        timings = base / f"{label}.tasks.json"
        log(f"  fleet {size:>3}, round {round_no}: {label:<10} ...")
        run, stats = b.measured(sim, playbook, inventory, env, extra_vars, base / f"{label}.log", timings)
        results[label] = record(run, stats, timings)
        log(
            f" {run.seconds:6.1f}s (cpu {run.cpu_seconds:5.1f}s)  rc={run.returncode}  API calls={stats['total']}  "
            f"mints={stats['token_mints']}  changed={results[label]['changed']}\n"
        )
        if run.returncode != 0:
            where = base / f"{label}.log"
            raise BenchError(f"{label} on {size} host(s) failed (exit {run.returncode}); log: {where}\n{run.tail(40)}")
        return run

    with b.Webroot(b.first_webroot(base)) as web:
        resolve = {b.COMMON_NAME: web.address}
        role_sim = b.Simulator(base / "sim-role", resolve=resolve, extra_args=["--quiet"]).start()
        uri_sim = b.Simulator(base / "sim-uri", resolve=resolve, extra_args=["--quiet"]).start()
        try:
            role_env = b.playbook_env(role_sim.url, base / "role-controller", forks)
            uri_env = b.playbook_env(uri_sim.url, base / "uri-controller", forks)
            uri_vars = {"bench_api_url": uri_sim.url, "bench_csr_path": str(csr_path), "bench_key_path": str(key_path)}
            copy_vars = {"bench_source_dir": str(base / "hosts" / "h1" / "ssl")}

            play("ping", role_sim, b.PLAYBOOKS["ping"], role_env)
            if round_no % 2 == 0:
                play("rollout", role_sim, b.PLAYBOOKS["role"], role_env)
                play("uri", uri_sim, b.PLAYBOOKS["uri"], uri_env, uri_vars)
            else:
                play("uri", uri_sim, b.PLAYBOOKS["uri"], uri_env, uri_vars)
                play("rollout", role_sim, b.PLAYBOOKS["role"], role_env)
            play("copy", role_sim, b.PLAYBOOKS["copy"], role_env, copy_vars)
            play("rerun", role_sim, b.PLAYBOOKS["role"], role_env)
            play("copy_again", role_sim, b.PLAYBOOKS["copy"], role_env, copy_vars)
            results["orders"] = {"role": len(role_sim.orders()), "uri": len(uri_sim.orders())}
        finally:
            role_sim.stop()
            uri_sim.stop()
    return results


def median_round(rounds):
    """Per run: the median wall time over the rounds; counts from the first round (they must not vary)."""
    merged = {}
    for label in RUNS:
        entry = json.loads(json.dumps(rounds[0][label]))
        times = [r[label]["seconds"] for r in rounds]
        entry["seconds"] = round(statistics.median(times), 3)
        entry["seconds_all_rounds"] = times
        entry["cpu_seconds"] = round(statistics.median(r[label]["cpu_seconds"] for r in rounds), 3)
        entry["api_total_all_rounds"] = [r[label]["api"]["total"] for r in rounds]
        merged[label] = entry
    merged["orders"] = rounds[0]["orders"]
    return merged


def ratios(size_result, key="seconds"):
    t = {label: size_result[label][key] for label in RUNS}
    return {
        "rollout_vs_ping": round(t["rollout"] / t["ping"], 2),
        "rollout_vs_copy": round(t["rollout"] / t["copy"], 2),
        "rollout_vs_uri": round(t["rollout"] / t["uri"], 2),
        "rerun_vs_ping": round(t["rerun"] / t["ping"], 2),
        "rerun_vs_copy": round(t["rerun"] / t["copy_again"], 2),
        "rerun_vs_uri": round(t["rerun"] / t["uri"], 2),
    }


def targets(sizes, data):
    rollout_totals = {size: data[str(size)]["rollout"]["api"]["total"] for size in sizes}
    rollout_calls = {size: data[str(size)]["rollout"]["api"]["calls"] for size in sizes}
    largest = str(max(sizes))
    rerun = {str(s): data[str(s)]["rerun"] for s in sizes}
    checks = [
        {
            "target": "rollout API calls do not grow with the fleet (same count and endpoints for every size)",
            "kind": "count",
            "met": len(set(rollout_totals.values())) == 1
            and all(c == rollout_calls[sizes[0]] for c in rollout_calls.values()),
            "measured": {str(k): v for k, v in rollout_totals.items()},
        },
        {
            "target": "one order and one download per certificate, whatever the fleet size",
            "kind": "count",
            "met": all(
                data[str(s)]["orders"]["role"] == 1
                and data[str(s)]["rollout"]["api"]["calls"].get("POST /ssl/v2/orders/new", 0) == 1
                and data[str(s)]["rollout"]["api"]["calls"].get(DOWNLOAD, 0) == 1
                for s in sizes
            ),
            "measured": {str(s): data[str(s)]["orders"]["role"] for s in sizes},
        },
        {
            "target": "one token mint per rollout (token reused across tasks and forks)",
            "kind": "count",
            "met": all(data[str(s)]["rollout"]["api"]["token_mints"] == 1 for s in sizes),
            "measured": {str(s): data[str(s)]["rollout"]["api"]["token_mints"] for s in sizes},
        },
        {
            "target": "rerun: 0 API calls and changed=0",
            "kind": "count",
            "met": all(rerun[s]["api"]["total"] == 0 and rerun[s]["changed"] == 0 for s in rerun),
            "measured": {s: {"api_calls": rerun[s]["api"]["total"], "changed": rerun[s]["changed"]} for s in rerun},
        },
        {
            "target": "rerun time <= 1.5x the copy-only playbook (files unchanged), every size",
            "kind": "time",
            "met": all(data[str(s)]["ratios"]["rerun_vs_copy"] <= 1.5 for s in sizes),
            "measured": {str(s): data[str(s)]["ratios"]["rerun_vs_copy"] for s in sizes},
        },
        {
            "target": f"first rollout on {largest} hosts <= the uri playbook's time",
            "kind": "time",
            "met": data[largest]["ratios"]["rollout_vs_uri"] <= 1.0,
            "measured": data[largest]["ratios"]["rollout_vs_uri"],
        },
        {
            "target": f"first rollout on {largest} hosts makes fewer API calls than the uri playbook",
            "kind": "count",
            "met": data[largest]["rollout"]["api"]["total"] < data[largest]["uri"]["api"]["total"],
            "measured": [data[largest]["rollout"]["api"]["total"], data[largest]["uri"]["api"]["total"]],
        },
    ]
    return checks


# ------------------------------------------------------------------------------------------------
# report
# ------------------------------------------------------------------------------------------------
def markdown(report):
    sizes = report["sizes"]
    data = report["results"]
    cols = [str(s) for s in sizes]
    lines = []
    m = report["machine"]
    lines.append(
        f"Machine: {m['cpus']} CPU(s), {m['platform']}, Python {m['python']}, ansible-core {m['ansible_core']}; "
        f"load average before {m['loadavg_before']}, after {m['loadavg_after']}; forks {report['forks']}; "
        f"rounds {report['repeat']} (median); {report['started']} UTC; bench took {report['bench_seconds']:.0f} s."
    )
    lines.append("")
    lines.append("**Wall time (s) and ratios**")
    lines.append("")
    lines.append("| run | " + " | ".join(f"{c} host(s)" for c in cols) + " |")
    lines.append("|---|" + "---:|" * len(cols))
    for label, title in (
        ("rollout", "role: first rollout"),
        ("rerun", "role: rerun (no-op)"),
        ("ping", "(a) ping"),
        ("copy", "(b) copy, new files"),
        ("copy_again", "(b) copy, unchanged"),
        ("uri", "(c) hand-written uri"),
    ):
        lines.append(f"| {title} | " + " | ".join(f"{data[c][label]['seconds']:.1f}" for c in cols) + " |")
    for key, title in (
        ("rollout_vs_ping", "rollout / ping"),
        ("rollout_vs_copy", "rollout / copy (new files)"),
        ("rollout_vs_uri", "rollout / uri"),
        ("rerun_vs_ping", "rerun / ping"),
        ("rerun_vs_copy", "rerun / copy (unchanged)"),
        ("rerun_vs_uri", "rerun / uri"),
    ):
        lines.append(f"| {title} | " + " | ".join(f"{data[c]['ratios'][key]:.2f}x" for c in cols) + " |")
    lines.append("")
    lines.append("**CPU time (s) of ansible-playbook and its children, and ratios (robust to the machine's load)**")
    lines.append("")
    lines.append("| run | " + " | ".join(f"{c} host(s)" for c in cols) + " |")
    lines.append("|---|" + "---:|" * len(cols))
    for label in RUNS:
        lines.append(f"| {label} | " + " | ".join(f"{data[c][label]['cpu_seconds']:.1f}" for c in cols) + " |")
    for key in RATIOS:
        cells = " | ".join(f"{data[c]['cpu_ratios'][key]:.2f}x" for c in cols)
        lines.append(f"| {key.replace('_vs_', ' / ')} | {cells} |")
    lines.append("")
    lines.append("**Work: task executions on hosts (a loop item counts once; independent of the machine's load)**")
    lines.append("")
    lines.append("| run | " + " | ".join(f"{c} host(s)" for c in cols) + " |")
    lines.append("|---|" + "---:|" * len(cols))
    for label in RUNS:
        cells = [str(data[c][label].get("host_task_runs", "-")) for c in cols]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("**API calls (simulator counters), token mints, orders**")
    lines.append("")
    endpoints = sorted(
        {e for c in cols for label in ("rollout", "rerun", "uri") for e in data[c][label]["api"]["calls"]}
    )
    head = []
    for c in cols:
        head += [f"rollout {c}", f"rerun {c}", f"uri {c}"]
    lines.append("| endpoint | " + " | ".join(head) + " |")
    lines.append("|---|" + "---:|" * len(head))

    def row(title, getter):
        cells = []
        for c in cols:
            for label in ("rollout", "rerun", "uri"):
                cells.append(str(getter(data[c][label], data[c], label)))
        lines.append(f"| {title} | " + " | ".join(cells) + " |")

    for endpoint in endpoints:
        row(f"`{endpoint}`", lambda r, _d, _l, e=endpoint: r["api"]["calls"].get(e, 0))
    row("**total**", lambda r, _d, _l: f"**{r['api']['total']}**")
    row("token mints", lambda r, _d, _l: r["api"]["token_mints"])
    row("write calls", lambda r, _d, _l: r["api"]["writes"])
    row("orders placed", lambda r, d, lbl: d["orders"]["uri" if lbl == "uri" else "role"] if lbl != "rerun" else 0)
    row("changed (PLAY RECAP sum)", lambda r, _d, _l: r["changed"])
    lines.append("")
    lines.append("**Targets**")
    lines.append("")
    for check in report["targets"]:
        verdict = "met" if check["met"] else "MISSED"
        lines.append(f"- [{verdict}] ({check['kind']}) {check['target']}: {check['measured']}")
    return "\n".join(lines) + "\n"


def ansible_core_version():
    try:
        from ansible.release import __version__

        return __version__
    except ImportError:
        return "unknown"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sizes", default="1,10,50", help="fleet sizes, comma-separated (default 1,10,50)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds per size; the median time is reported")
    parser.add_argument("--out", default=str(b.ROOT / "bench" / "output"), help="output directory")
    parser.add_argument("--forks", type=int, default=b.FORKS, help="ansible forks (default 10)")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not sizes or min(sizes) < 1:
        parser.error("--sizes: positive integers, e.g. 1,10,50")
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)

    def log(text):
        sys.stderr.write(text)
        sys.stderr.flush()

    started = time.monotonic()
    report = {
        "schema": 1,
        "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
        "sizes": sizes,
        "repeat": args.repeat,
        "forks": args.forks,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(terse=True),
            "python": platform.python_version(),
            "ansible_core": ansible_core_version(),
            "loadavg_before": loadavg(),
        },
        "git": git_describe(),
        "results": {},
    }

    # Warm the page cache (ansible, the collection) so the first timed run is not penalised.
    warm = out / "warmup"
    shutil.rmtree(warm, ignore_errors=True)
    warm.mkdir(parents=True)
    b.run_playbook(b.PLAYBOOKS["ping"], b.make_fleet(warm, 1), b.playbook_env("http://127.0.0.1:9", warm, args.forks))

    status = 0
    try:
        for size in sizes:
            rounds = [one_round(size, r, out, args.forks, log) for r in range(args.repeat)]
            merged = median_round(rounds)
            merged["ratios"] = ratios(merged)
            merged["cpu_ratios"] = ratios(merged, "cpu_seconds")
            report["results"][str(size)] = merged
    except BenchError as error:
        log(f"\nBENCH FAILED: {error}\n")
        status = 1
        report["error"] = str(error)

    report["machine"]["loadavg_after"] = loadavg()
    report["bench_seconds"] = round(time.monotonic() - started, 1)
    if status == 0:
        report["targets"] = targets(sizes, report["results"])
        if not all(c["met"] for c in report["targets"] if c["kind"] == "count" and "fewer" not in c["target"]):
            status = 1
    (out / "results.json").write_text(json.dumps(report, indent=2, sort_keys=False) + "\n")
    if status == 0:
        table = markdown(report)
        (out / "results.md").write_text(table)
        print(table)
    log(f"results: {out / 'results.json'}\n")
    return status


def git_describe():
    try:
        return (
            subprocess.run(
                ["git", "-C", str(b.ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
            ).stdout.strip()
            or None
        )
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())
