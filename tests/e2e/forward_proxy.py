# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real forwarding HTTP proxy on 127.0.0.1 for the proxy tests: tinyproxy (Debian `tinyproxy`).

tinyproxy forwards plain HTTP requests and tunnels HTTPS with CONNECT, and logs one `Request` line
per plain HTTP request (method and absolute URL) and per tunnel (CONNECT host:port). Tests count those
lines and grep the whole log for secrets. `.ci/run`, `make test` and `make e2e` install tinyproxy
when they can (hack/system-packages.sh); a missing proxy fails the tests, it never skips them.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

from fleet import free_port

PROXY_MISSING = "tinyproxy is not installed: apt-get install tinyproxy (or run hack/system-packages.sh as root)"
REQUEST_LINE = re.compile(r"Request \(file descriptor \d+\): (?P<method>[A-Z]+) (?P<target>\S+) HTTP/1\.[01]$", re.M)

CONFIG = """\
Listen 127.0.0.1
Port {port}
Timeout 60
LogFile "{log}"
LogLevel Info
MaxClients 20
Allow 127.0.0.1
DisableViaHeader Yes
"""


def proxy_binary():
    found = shutil.which("tinyproxy") or ("/usr/bin/tinyproxy" if Path("/usr/bin/tinyproxy").exists() else None)
    return Path(found) if found else None


class ForwardProxy:
    def __init__(self, directory):
        self.directory = Path(directory)
        self.log_file = self.directory / "proxy.log"
        self.config_file = self.directory / "tinyproxy.conf"
        self.process = None
        self.port = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=20.0):
        binary = proxy_binary()
        if binary is None:
            raise RuntimeError(PROXY_MISSING)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.config_file.write_text(CONFIG.format(port=self.port, log=self.log_file))
        # -d: stay in the foreground, so the test owns the process.
        self.process = subprocess.Popen(
            [str(binary), "-d", "-c", str(self.config_file)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.directory,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tinyproxy exited with {self.process.returncode}: {self.log_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("tinyproxy did not start listening within %.0f s" % timeout)

    def stop(self):
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def log_text(self):
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def requests(self):
        """(method, target) of every request the proxy received, in order: absolute URLs for plain
        HTTP (`http://host:port/path?query`), `host:port` for a CONNECT tunnel."""
        return [m.groups() for m in REQUEST_LINE.finditer(self.log_text())]
