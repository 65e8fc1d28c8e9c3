# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: the webnic.ssl.certificate role rolls a certificate out to three web servers.

1. starts the WebNIC simulator (temporary state) and three web servers on 127.0.0.1 serving
   www.example.test (inventory group `web`, one directory per host under demo/output/);
2. runs demo/site.yml: key + CSR, one order, HTTP validation on every host, download, deploy, reload;
3. proves it with a TLS handshake per server (trusting only the simulator's CA) and shows the API calls;
4. runs the playbook again: nothing is due, so no API call and changed=0.

The web servers are real nginx processes when nginx is installed (`make demo` installs it first
when it can: root or passwordless sudo with apt-get). Without nginx the demo says so and runs in
files-only mode: the role deploys with `server_type: none` and a small Python server per host serves
the web root over HTTP and the deployed files over TLS (it reads them on every handshake, so no
reload). WEBNIC_SSL_DEMO_SERVER=python chooses that mode even with nginx installed.

Credentials go through WEBNIC_API_* environment variables, never the command line. Everything is
stopped on exit, on failure and on Ctrl-C. Exit status: 0 when every check passed, 1 when one failed.
The demo runs from a checkout (it shares tests/e2e/fleet.py); it is not part of the collection tarball.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "e2e"), str(ROOT / "tests" / "simulator")]

from fleet import Fleet, certificate_serial, find_nginx, playbook_env, run_playbook  # noqa: E402

OUTPUT = ROOT / "demo" / "output"
PLAYBOOK = ROOT / "demo" / "site.yml"
SERVER_NAME = "www.example.test"
HOSTS = 3


class Demo:
    def __init__(self):
        self.started = time.monotonic()
        self.failures = []

    # output ------------------------------------------------------------------------------------
    def step(self, text):
        print(f"\n==> [{time.monotonic() - self.started:5.1f}s] {text}", flush=True)

    def info(self, text=""):
        print(f"    {text}", flush=True)

    def check(self, ok, text):
        print(f"    [{'ok' if ok else 'FAILED'}] {text}", flush=True)
        if not ok:
            self.failures.append(text)
        return ok

    # the show ----------------------------------------------------------------------------------
    def playbook(self, label, inventory, env):
        log = OUTPUT / f"{label}.log"
        self.info(f"ansible-playbook -i {inventory.relative_to(ROOT)} demo/site.yml")
        self.info(f"(full log: {log.relative_to(ROOT)})")
        decision = []
        task = {"name": None}

        def echo(line):
            # Progress: each task that ran (skipped ones are left out), the role's decision, errors.
            if line.startswith("TASK ["):
                task["name"] = line.split(":", 1)[-1].rstrip("* ]").strip()
            elif task["name"] and line.startswith(("ok:", "changed:", "included:", "fatal:")):
                mark = "*" if line.startswith("changed:") else "-"
                print(f"      {mark} {task['name']}", flush=True)
                task["name"] = None
            if decision or '"msg": [' in line:
                decision.append(line)
                if line.strip() == "]":
                    for text in decision[1:-1]:
                        print(f"        | {text.strip().strip(',').strip(chr(34))}", flush=True)
                    decision.clear()
            elif line.startswith(("fatal:", "[ERROR]")):
                print(f"      ! {line[:300]}", flush=True)

        result = run_playbook(PLAYBOOK, inventory, env, echo=echo)
        log.write_text(result.output)
        self.info(f"PLAY RECAP ({result.seconds:.1f}s; * = changed):")
        for host, counts in sorted(result.recap.items()):
            ok, changed, failed = (counts.get(key, 0) for key in ("ok", "changed", "failed"))
            self.info(f"  {host:6} ok={ok:<3} changed={changed:<3} failed={failed}")
        return result

    def handshakes(self, fleet, ca_file, expected_serial):
        for name, nginx in fleet.hosts.items():
            seen = None
            for _attempt in range(50):  # a reload hands over to new workers asynchronously
                seen = nginx.handshake(ca_file)
                if seen.ok and seen.serial == expected_serial:
                    break
                time.sleep(0.1)
            self.info(f"{name}: {seen.line()}")
            wanted = f"{name} serves the downloaded certificate (serial {expected_serial:x})"
            self.check(seen.ok and seen.serial == expected_serial, wanted)

    def stats(self, sim, title):
        stats = sim.stats()
        total, mints, writes = stats["total"], stats["token_mints"], stats["writes"]
        self.info(f"{title}: {total} API calls ({mints} token mint(s), {writes} write(s))")
        for endpoint, count in sorted(stats["calls"].items()):
            self.info(f"  {count:3}  {endpoint}")
        return stats

    def run(self):
        from webnic_sim.testing import Simulator

        server = choose_server()

        shutil.rmtree(OUTPUT, ignore_errors=True)
        OUTPUT.mkdir(parents=True)
        fleet = sim = None
        try:
            label = "nginx servers" if server == "nginx" else "Python web servers (files-only mode)"
            self.step(f"Starting {HOSTS} {label} for {SERVER_NAME} (group `web`)")
            fleet = Fleet(OUTPUT / "hosts", HOSTS, SERVER_NAME, server=server).start()
            for name, nginx in fleet.hosts.items():
                urls = f"http://127.0.0.1:{nginx.http_port}  https://127.0.0.1:{nginx.https_port}"
                self.info(f"{name}: {urls}  dir {nginx.dir.relative_to(ROOT)}")
            self.info("they serve a self-signed placeholder certificate until the role replaces it")

            self.step("Starting the WebNIC simulator")
            dcv_host = fleet["web2"]
            sim = Simulator(OUTPUT / "simulator", resolve={SERVER_NAME: f"127.0.0.1:{dcv_host.http_port}"}).start()
            self.info(f"API {sim.url}; HTTP validation of {SERVER_NAME} reaches web2 (127.0.0.1:{dcv_host.http_port})")

            server_type = "nginx" if server == "nginx" else "none"
            inventory = fleet.inventory(OUTPUT / "inventory.yml", {"demo_server_type": server_type})
            self.info(f"the role deploys with server_type: {server_type}")
            env = playbook_env(sim.url, None, OUTPUT / "token-cache")
            self.info("credentials: WEBNIC_API_USERNAME / WEBNIC_API_PASSWORD / WEBNIC_API_ENDPOINT in the environment")

            self.step("First run: decide, order, validate, download, deploy")
            first = self.playbook("run1", inventory, env)
            self.check(first.returncode == 0, f"first run succeeded (exit {first.returncode})")
            orders = sim.orders()
            self.check(len(orders) == 1, f"exactly one order placed ({len(orders)})")

            self.step("TLS handshake with every server (trust: the simulator CA only; SNI: www.example.test)")
            serial = certificate_serial(fleet["web1"].ssl_dir / f"{SERVER_NAME}.crt")
            self.handshakes(fleet, sim.ca_path, serial)
            self.check(all(n.validation_files() == [] for n in fleet), "validation files removed from every web root")
            before = self.stats(sim, "Simulator API calls so far")

            self.step("Second run (the nightly rerun): nothing is due")
            second = self.playbook("run2", inventory, env)
            after = sim.stats()
            self.check(second.returncode == 0, f"second run succeeded (exit {second.returncode})")
            self.check(after["total"] == before["total"], f"no API call ({after['total'] - before['total']} new)")
            self.check(second.changed() == 0, f"changed=0 on every host ({second.changed()})")
        except KeyboardInterrupt:
            self.failures.append("interrupted")
            print("\ninterrupted: cleaning up", file=sys.stderr)
        except Exception as exc:  # the demo reports, cleans up and exits non-zero
            self.failures.append(f"{exc.__class__.__name__}: {exc}")
            print(f"\nERROR: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        finally:
            self.step("Stopping the web servers and the simulator")
            if fleet is not None:
                fleet.stop()
            if sim is not None:
                sim.stop()

        total = time.monotonic() - self.started
        if self.failures:
            print(f"\nDEMO FAILED after {total:.0f}s: " + "; ".join(self.failures), file=sys.stderr)
            return 1
        mode = "nginx" if server == "nginx" else "files-only mode, Python TLS servers"
        print(
            f"\nDemo complete in {total:.0f}s ({mode}): 3 hosts serve the WebNIC certificate; "
            "the rerun made no API call."
        )
        return 0


def choose_server():
    """nginx when installed (and not overridden), else the files-only mode; says which and why."""
    wanted = os.environ.get("WEBNIC_SSL_DEMO_SERVER", "").strip().lower()
    if wanted == "python":
        print("demo: files-only mode (WEBNIC_SSL_DEMO_SERVER=python): Python TLS servers instead of nginx", flush=True)
        return "python"
    if find_nginx() is not None:
        print("demo: using nginx", flush=True)
        return "nginx"
    print(
        "demo: nginx is not installed (and could not be installed: needs root or passwordless sudo with apt-get): "
        "files-only mode, the role deploys with server_type none and Python TLS servers serve the files. "
        "For the nginx demo: sudo apt-get install nginx, then make demo again.",
        flush=True,
    )
    return "python"


def _interrupt(*_args):
    raise KeyboardInterrupt()


def main():
    # SIGTERM (CI timeouts, `kill`) cleans up like Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    return Demo().run()


if __name__ == "__main__":
    sys.exit(main())
