# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet of real nginx web servers on 127.0.0.1, an inventory for it, and a playbook runner.

Used by the e2e suite (tests/e2e/conftest.py) and by the demo (demo/run.py). Nothing here talks to
anything but 127.0.0.1. Every nginx runs from its own directory (`nginx -c conf -p dir`, pid, logs and
temp paths inside it) and stands for one managed host of a local-connection inventory.
"""

from __future__ import annotations

import datetime
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv"
# WEBNIC_SSL_COLLECTIONS_PATH runs the playbooks against another copy, e.g. an installed tarball.
COLLECTIONS_PATH = Path(os.environ.get("WEBNIC_SSL_COLLECTIONS_PATH") or VENV / "collections")
SIM_PATH = ROOT / "tests" / "simulator"

NGINX_MISSING = (
    "nginx is not installed: the e2e tests and the demo run real nginx servers. "
    "Install it with `apt-get install nginx` (Debian/Ubuntu; nothing has to be started)."
)

NGINX_CONF = """\
# Written by tests/e2e/fleet.py: one nginx standing for one managed host.
{user_line}
worker_processes 1;
daemon on;
pid {dir}/run/nginx.pid;
error_log {dir}/logs/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {dir}/logs/access.log;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    default_type text/plain;

    # Plain HTTP: the web root, where HTTP (file) domain validation looks.
    server {{
        listen 127.0.0.1:{http_port};
        server_name {server_name};
        root {dir}/www;
    }}

    server {{
        listen 127.0.0.1:{https_port} ssl;
        server_name {server_name};
        ssl_certificate {dir}/ssl/{server_name}.fullchain.pem;
        ssl_certificate_key {dir}/ssl/{server_name}.key;
        root {dir}/www;
    }}

    # Site snippets; a test drops a broken one here to make `nginx -t` fail.
    include {dir}/conf.d/*.conf;
}}
"""


_HANDED_OUT = set()


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as ports:
            low, high = (int(part) for part in ports.read().split())
        return low, high
    except (OSError, ValueError):
        return 32768, 60999


def free_port():
    """A free TCP port on 127.0.0.1 for a server started later, taken BELOW the ephemeral range.

    A port the kernel picked for us (bind to 0) is ephemeral: by the time nginx binds it, an outgoing
    connection (the many HTTP calls of a run) may have been given it ("Address already in use").
    """
    low, _high = _ephemeral_range()
    start, stop = 10000, max(10001, low - 1)
    for _attempt in range(500):
        port = random.randint(start, stop)
        if port in _HANDED_OUT:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # no luck below the range: any port
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_alive(pid):
    """True while `pid` runs. A daemonised nginx is not our child: once it exits it may linger as a
    zombie nobody reaps (no init in containers), which `kill(pid, 0)` would still report as alive."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def find_nginx():
    """Path of the nginx binary (Debian puts it in /usr/sbin, often not on a user's PATH), or None."""
    found = shutil.which("nginx")
    if found:
        return found
    for candidate in ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def placeholder_certificate(directory, server_name, stem):
    """A self-signed stand-in so nginx can start before the first rollout (like Debian's snakeoil)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "placeholder.invalid")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("placeholder.invalid")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path = directory / f"{stem}.key"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    (directory / f"{stem}.fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


@dataclass
class Handshake:
    """What a TLS client saw: verified against the simulator CA with SNI = the common name."""

    port: int
    ok: bool
    error: str | None = None
    subject: str | None = None
    issuer: str | None = None
    serial: int | None = None
    not_after: str | None = None
    names: list = field(default_factory=list)

    def line(self):
        if not self.ok:
            return f"127.0.0.1:{self.port}  FAILED  {self.error}"
        return (
            f"127.0.0.1:{self.port}  verified  subject={self.subject}  issuer={self.issuer}  "
            f"serial={self.serial:x}  not_after={self.not_after}"
        )


def tls_handshake(port, server_name, ca_file, timeout=5.0):
    """A real TLS handshake with 127.0.0.1:port, trusting only `ca_file`, SNI and hostname = server_name."""
    context = ssl.create_default_context(cafile=str(ca_file))
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=server_name) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError) as exc:
        return Handshake(port=port, ok=False, error=f"{exc.__class__.__name__}: {exc}")
    cert = x509.load_der_x509_certificate(der)
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName
        )
    except x509.ExtensionNotFound:
        names = []
    return Handshake(
        port=port,
        ok=True,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial=cert.serial_number,
        not_after=cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        names=list(names),
    )


def certificate_serial(pem_path):
    """Serial of the first certificate in a PEM file."""
    return x509.load_pem_x509_certificate(Path(pem_path).read_bytes()).serial_number


class Nginx:
    """One nginx process serving `server_name` on an HTTP and an HTTPS port of 127.0.0.1."""

    def __init__(self, binary, directory, server_name, cert_stem=None):
        self.binary = binary
        self.dir = Path(directory)
        self.server_name = server_name
        self.cert_stem = cert_stem or server_name
        self.http_port = free_port()
        self.https_port = free_port()
        self.conf = self.dir / "nginx.conf"

    # layout ------------------------------------------------------------------------------------
    @property
    def ssl_dir(self):
        return self.dir / "ssl"

    @property
    def webroot(self):
        return self.dir / "www"

    @property
    def pid_file(self):
        return self.dir / "run" / "nginx.pid"

    def prepare(self):
        for sub in ("ssl", "www", "run", "logs", "tmp", "conf.d"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        (self.webroot / "index.html").write_text(f"{self.server_name} on {self.dir.name}\n")
        placeholder_certificate(self.ssl_dir, self.server_name, self.cert_stem)
        user_line = "user root root;" if os.geteuid() == 0 else ""
        self.conf.write_text(
            NGINX_CONF.format(
                user_line=user_line,
                dir=self.dir,
                http_port=self.http_port,
                https_port=self.https_port,
                server_name=self.server_name,
            )
        )
        return self

    # commands (the same ones the role runs through host variables) -----------------------------
    def argv(self, *extra):
        return [self.binary, "-c", str(self.conf), "-p", str(self.dir), *extra]

    def command_line(self, *extra):
        return " ".join(self.argv(*extra))

    def start(self):
        self._run(self.argv())
        self._wait_listening()
        return self

    def reload(self):
        self._run(self.argv("-s", "reload"))
        time.sleep(0.3)  # the old workers hand over

    def test_config(self):
        return subprocess.run(self.argv("-t"), capture_output=True, text=True, check=False)

    def stop(self):
        pid = self.pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)  # fast shutdown: a test fleet has nothing to drain
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if not process_alive(pid):
                return
            time.sleep(0.02)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def pid(self):
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def _run(self, argv):
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.strip()}")

    def _wait_listening(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.https_port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx in {self.dir} does not listen on {self.https_port}")

    # checks ------------------------------------------------------------------------------------
    def handshake(self, ca_file):
        return tls_handshake(self.https_port, self.server_name, ca_file)

    def validation_files(self):
        folder = self.webroot / ".well-known" / "pki-validation"
        return sorted(p.name for p in folder.glob("*")) if folder.is_dir() else []


class _QuietHandler:
    """Mixin: no access log lines on the demo's output."""

    def log_message(self, *_args):
        pass


class PythonWebServer:
    """Stands in for nginx where nginx is not installed (the demo's files-only mode).

    Plain HTTP serves the web root (where HTTP domain validation looks); HTTPS serves the
    certificate files as they are on disk: every handshake loads them again, so a deploy needs no
    reload. Both run in threads of the calling process. The role deploys with `server_type: none`.
    """

    kind = "python"

    def __init__(self, directory, server_name, cert_stem=None):
        self.dir = Path(directory)
        self.server_name = server_name
        self.cert_stem = cert_stem or server_name
        self._servers = []

    @property
    def ssl_dir(self):
        return self.dir / "ssl"

    @property
    def webroot(self):
        return self.dir / "www"

    @property
    def http_port(self):
        return self._servers[0].server_address[1]

    @property
    def https_port(self):
        return self._servers[1].server_address[1]

    def prepare(self):
        for sub in ("ssl", "www"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        (self.webroot / "index.html").write_text(f"{self.server_name} on {self.dir.name}\n")
        placeholder_certificate(self.ssl_dir, self.server_name, self.cert_stem)
        return self

    def _current_context(self):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(
            self.ssl_dir / f"{self.cert_stem}.fullchain.pem", self.ssl_dir / f"{self.cert_stem}.key"
        )
        return context

    def start(self):
        import functools
        import http.server
        import threading

        handler = type("Handler", (_QuietHandler, http.server.SimpleHTTPRequestHandler), {})
        handler = functools.partial(handler, directory=str(self.webroot))
        plain = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        tls = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        outer = self._current_context()

        def load_files_again(sock, _server_name, _context):
            sock.context = self._current_context()

        outer.sni_callback = load_files_again
        tls.socket = outer.wrap_socket(tls.socket, server_side=True, do_handshake_on_connect=False)
        self._servers = [plain, tls]
        for server in self._servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def handshake(self, ca_file):
        return tls_handshake(self.https_port, self.server_name, ca_file)

    def validation_files(self):
        folder = self.webroot / ".well-known" / "pki-validation"
        return sorted(p.name for p in folder.glob("*")) if folder.is_dir() else []


class Fleet:
    """Several hosts, each a directory with its own nginx; renders the inventory the role runs on."""

    def __init__(self, base_dir, count, server_name, group="web", prefix="web", server="nginx"):
        """`server`: "nginx" (real nginx, required by the e2e tests) or "python" (PythonWebServer)."""
        self.base_dir = Path(base_dir)
        self.server_name = server_name
        self.group = group
        self.server = server
        if server == "python":
            self.hosts = {
                f"{prefix}{n}": PythonWebServer(self.base_dir / f"{prefix}{n}", server_name)
                for n in range(1, count + 1)
            }
            return
        binary = find_nginx()
        if binary is None:
            raise FileNotFoundError(NGINX_MISSING)
        self.hosts = {
            f"{prefix}{n}": Nginx(binary, self.base_dir / f"{prefix}{n}", server_name) for n in range(1, count + 1)
        }

    def start(self):
        try:
            for nginx in self.hosts.values():
                nginx.prepare().start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        for nginx in self.hosts.values():
            nginx.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def __iter__(self):
        return iter(self.hosts.values())

    def __getitem__(self, name):
        return self.hosts[name]

    def inventory(self, path, extra_group_vars=None):
        """Write a YAML inventory: local connection, per-host directory, nginx commands for the role."""
        hosts = {}
        for name, nginx in self.hosts.items():
            hosts[name] = {
                "ansible_connection": "local",
                "host_dir": str(nginx.dir),
                "certificate_webroot": str(nginx.webroot),
            }
            if isinstance(nginx, Nginx):
                hosts[name]["certificate_server_test_command"] = {"nginx": nginx.command_line("-t")}
                hosts[name]["certificate_server_reload_command"] = {"nginx": nginx.command_line("-s", "reload")}
        group_vars = {"ansible_python_interpreter": sys.executable}
        group_vars.update(extra_group_vars or {})
        inventory = {"all": {"children": {self.group: {"hosts": hosts, "vars": group_vars}}}}
        import yaml  # ansible's dependency: always present where ansible-playbook runs

        Path(path).write_text(yaml.safe_dump(inventory, sort_keys=False))
        return Path(path)


# ------------------------------------------------------------------------------------------------
# ansible-playbook
# ------------------------------------------------------------------------------------------------
RECAP_LINE = re.compile(r"^(?P<host>\S+)\s*:\s*(?P<counts>(?:\w+=\d+\s*)+)$")


@dataclass
class PlaybookRun:
    returncode: int
    output: str
    seconds: float
    recap: dict

    def changed(self):
        return sum(host.get("changed", 0) for host in self.recap.values())

    def failed_hosts(self):
        return sorted(h for h, c in self.recap.items() if c.get("failed", 0) or c.get("unreachable", 0))

    def tail(self, lines=60):
        return "\n".join(self.output.splitlines()[-lines:])


def parse_recap(output):
    recap = {}
    in_recap = False
    for line in output.splitlines():
        if line.startswith("PLAY RECAP"):
            in_recap, recap = True, {}
            continue
        if in_recap:
            match = RECAP_LINE.match(line.strip())
            if match:
                counts = dict(item.split("=") for item in match.group("counts").split())
                recap[match.group("host")] = {k: int(v) for k, v in counts.items()}
    return recap


def playbook_env(simulator_url, ca_path, token_cache_dir, username="api-demo", password="demo-secret"):
    """Environment for ansible-playbook: credentials through WEBNIC_API_* (never on the command line)."""
    env = dict(os.environ)
    env.update(
        {
            "WEBNIC_API_USERNAME": username,
            "WEBNIC_API_PASSWORD": password,
            "WEBNIC_API_ENDPOINT": simulator_url,
            "WEBNIC_TOKEN_CACHE_DIR": str(token_cache_dir),
            "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_PATH),
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_HOST_KEY_CHECKING": "0",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_DEPRECATION_WARNINGS": "0",
            "ANSIBLE_STDOUT_CALLBACK": "default",
            "ANSIBLE_FORKS": "10",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    if ca_path:
        env["WEBNIC_API_CA_PATH"] = str(ca_path)
    env.pop("ANSIBLE_CONFIG", None)
    return env


def run_playbook(playbook, inventory, env, extra_args=(), echo=None, cwd=None):
    """Run ansible-playbook; `echo` (a callable) receives each output line as it comes."""
    ansible_playbook = Path(sys.executable).parent / "ansible-playbook"
    binary = str(ansible_playbook) if ansible_playbook.exists() else "ansible-playbook"
    argv = [binary, "-i", str(inventory), str(playbook)]
    argv += list(extra_args)
    started = time.monotonic()
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd or str(ROOT)
    )
    lines = []
    for line in process.stdout:
        lines.append(line)
        if echo:
            echo(line.rstrip("\n"))
    process.wait()
    output = "".join(lines)
    return PlaybookRun(process.returncode, output, time.monotonic() - started, parse_recap(output))
