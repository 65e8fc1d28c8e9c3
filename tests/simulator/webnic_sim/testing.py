"""Start, drive and stop the simulator from tests: `Simulator` runs `python -m webnic_sim` as a subprocess."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

START_TIMEOUT = 20.0
SIM_ROOT = str(Path(__file__).resolve().parent.parent)
DEFAULT_USERNAME = "api-demo"
DEFAULT_PASSWORD = "demo-secret"
# The roots webnic.ssl checks a downloaded certificate chain against (comma-separated PEM paths).
TRUSTED_ROOTS_ENV = "WEBNIC_TRUSTED_ROOTS"
DEFAULT_PROFILE = "documented"


class SimulatorError(RuntimeError):
    pass


class Simulator:
    """A simulator subprocess on a free 127.0.0.1 port with its state in `state_dir`.

    `resolve` maps names to '127.0.0.1:PORT' for file DCV; `extra_args` are more CLI options,
    e.g. ("--issue-delay", "2"). `profile` is "documented" or "extended" (default: env
    WEBNIC_SIM_PROFILE, else "documented"); `missing` lists routes answering 404 (`--missing` values;
    default: env WEBNIC_SIM_MISSING, comma-separated, else none).
    """

    def __init__(self, state_dir, tls=False, resolve=None, extra_args=(), profile=None, missing=None):
        self.state_dir = Path(state_dir)
        self.tls = tls
        self.profile = profile or os.environ.get("WEBNIC_SIM_PROFILE") or DEFAULT_PROFILE
        if missing is None:
            missing = [item.strip() for item in os.environ.get("WEBNIC_SIM_MISSING", "").split(",") if item.strip()]
        elif isinstance(missing, str):
            missing = [missing]
        self.missing = list(missing)
        self.resolve_map = dict(resolve or {})
        self.extra_args = list(extra_args)
        self.process = None
        self.returncode = None
        self.url = None
        self.username = DEFAULT_USERNAME
        self.password = DEFAULT_PASSWORD
        self._stderr_lines = []
        self._port = 0

    # lifecycle ---------------------------------------------------------------------------------
    def command(self):
        cmd = [sys.executable, "-m", "webnic_sim", "--port", str(self._port), "--state", str(self.state_dir)]
        if self.tls:
            cmd.append("--tls")
        cmd += ["--profile", self.profile]
        for route in self.missing:
            cmd += ["--missing", route]
        for name, address in self.resolve_map.items():
            cmd += ["--resolve", f"{name}={address}"]
        return cmd + self.extra_args

    def start(self):
        if self.process is not None:
            raise SimulatorError("simulator already running")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env["PYTHONPATH"] = SIM_ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.process = subprocess.Popen(
            self.command(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, bufsize=1
        )
        self._stderr_lines = []
        threading.Thread(target=self._drain, args=(self.process.stderr, self._stderr_lines), daemon=True).start()
        line_box = []
        reader = threading.Thread(target=lambda: line_box.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT)
        line = line_box[0].strip() if line_box else ""
        if not line.startswith("WEBNIC_SIM_URL="):
            self.stop()
            raise SimulatorError(f"simulator did not start: {line!r}; stderr: {''.join(self._stderr_lines)[-2000:]}")
        self.url = line.split("=", 1)[1]
        self._port = int(self.url.rsplit(":", 1)[1])
        threading.Thread(target=self._drain, args=(self.process.stdout, []), daemon=True).start()
        self._trust_ca(True)
        return self

    def _trust_ca(self, trusted):
        """Add (remove) this simulator's CA to WEBNIC_TRUSTED_ROOTS, the roots the collection checks a
        downloaded chain against: without it every certificate the simulator issues is refused, as
        it should be. Processes started by the test inherit the variable."""
        paths = [p for p in os.environ.get(TRUSTED_ROOTS_ENV, "").split(",") if p and p != self.ca_path]
        if trusted:
            paths.append(self.ca_path)
        if paths:
            os.environ[TRUSTED_ROOTS_ENV] = ",".join(paths)
        else:
            os.environ.pop(TRUSTED_ROOTS_ENV, None)

    @staticmethod
    def _drain(stream, sink):
        for line in stream:
            sink.append(line)

    def stop(self):
        process, self.process = self.process, None
        if process is None:
            return
        self._trust_ca(False)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self.returncode = process.returncode

    def restart(self):
        """Stop and start again on the same port with the same state directory."""
        self.stop()
        deadline = time.monotonic() + 10
        while True:
            try:
                return self.start()
            except SimulatorError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    @property
    def stderr(self):
        return "".join(self._stderr_lines)

    @property
    def ca_path(self):
        return str(self.state_dir / "ca.pem")

    @property
    def ca_pem(self):
        return (self.state_dir / "ca.pem").read_text()

    # admin API ---------------------------------------------------------------------------------
    def _context(self):
        return ssl.create_default_context(cafile=self.ca_path) if self.url.startswith("https") else None

    def admin(self, method, path, json=None):
        data = None if json is None else _json.dumps(json).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30, context=self._context()) as response:
                body = response.read()
                kind = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            raise SimulatorError(f"{method} {path}: HTTP {exc.code}: {exc.read().decode(errors='replace')}") from None
        return _json.loads(body) if "json" in kind else body.decode()

    def stats(self):
        return self.admin("GET", "/_sim/stats")

    def reset_stats(self):
        return self.admin("POST", "/_sim/stats/reset")

    def orders(self, common_name=None):
        query = "?" + urllib.parse.urlencode({"commonName": common_name}) if common_name else ""
        return self.admin("GET", "/_sim/orders" + query)

    def fault(self, endpoint, mode, **kwargs):
        return self.admin("POST", "/_sim/faults", dict(kwargs, endpoint=endpoint, mode=mode))

    def clear_faults(self):
        return self.admin("DELETE", "/_sim/faults")

    def approve(self, order_id):
        return self.admin("POST", f"/_sim/orders/{order_id}/approve")

    def issue_now(self, order_id):
        return self.admin("POST", f"/_sim/orders/{order_id}/issue")

    def check(self, order_id):
        return self.admin("POST", f"/_sim/orders/{order_id}/check")

    def age(self, order_id, days):
        return self.admin("POST", f"/_sim/orders/{order_id}/age", {"days": days})

    def revoke(self, order_id):
        return self.admin("POST", f"/_sim/orders/{order_id}/revoke")

    def resolve(self, name, address):
        return self.admin("POST", "/_sim/resolve", {"name": name, "address": address})

    def expire_tokens(self):
        return self.admin("POST", "/_sim/tokens/expire")

    def balance(self):
        return self.admin("GET", "/_sim/balance")["balance"]

    def set_balance(self, amount):
        return self.admin("POST", "/_sim/balance", {"amount": amount})

    def validate_org(self, organization_id, status="VALIDATED", reason=None):
        return self.admin(
            "POST", f"/_sim/organizations/{organization_id}/validate", {"status": status, "reason": reason}
        )

    def config(self, **settings):
        return self.admin("POST", "/_sim/config", settings) if settings else self.admin("GET", "/_sim/config")

    def log(self):
        return self.admin("GET", "/_sim/log")

    def api_calls(self):
        """The API requests answered so far, in order, as "METHOD /path" (the /_sim endpoints left out)."""
        # Each log line: "<time> <METHOD> <path> <status>".
        parts = [line.split() for line in self.log()]
        return [" ".join(p[1:3]) for p in parts if len(p) >= 3 and not p[2].startswith("/_sim")]


_json = json
