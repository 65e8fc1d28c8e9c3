# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real Apache httpd and HAProxy servers on 127.0.0.1 for the e2e suite, and a group of them to run the role on.

The counterparts of `fleet.Nginx` / `fleet.Fleet`: every server runs from its own directory (configuration,
pid file, logs and certificates inside it) as a daemon started by the tests, never as a system service, and
stands for one managed host of a local-connection inventory. Nothing here talks to anything but 127.0.0.1.

The inventory wraps each server's configuration test and reload command so that every invocation by the
role is recorded (`invocations()`): a test can prove the role ran THIS server's configuration test, and that
a host whose test failed was not reloaded.
"""

from __future__ import annotations

import grp
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from fleet import free_port, placeholder_certificate, process_alive, tls_handshake

APACHE_MISSING = (
    "Apache httpd is not installed: the apache e2e tests run real apache2 servers. "
    "Install it with `apt-get install apache2` (Debian/Ubuntu; nothing has to be started)."
)
HAPROXY_MISSING = (
    "HAProxy is not installed: the haproxy e2e tests run real haproxy servers. "
    "Install it with `apt-get install haproxy` (Debian/Ubuntu; nothing has to be started)."
)
# Debian's module directory (apache2 package); APACHE_MODULES_DIR points elsewhere.
APACHE_MODULES_DIR = Path(os.environ.get("APACHE_MODULES_DIR") or "/usr/lib/apache2/modules")
APACHE_MODULES = {
    "mpm_event_module": "mod_mpm_event.so",
    "authz_core_module": "mod_authz_core.so",
    "dir_module": "mod_dir.so",
    "socache_shmcb_module": "mod_socache_shmcb.so",
    "ssl_module": "mod_ssl.so",
}

APACHE_CONF = """\
# Written by tests/e2e/servers.py: one Apache httpd standing for one managed host.
ServerRoot {dir}
ServerName {server_name}
PidFile {dir}/run/httpd.pid
DefaultRuntimeDir {dir}/run
ErrorLog {dir}/logs/error.log
LogLevel warn
LogFormat "%h %v \\"%r\\" %>s" short
CustomLog {dir}/logs/access.log short
{user_lines}
{load_modules}

StartServers 1
ServerLimit 4
ThreadsPerChild 4
ThreadLimit 4
MaxRequestWorkers 16
MinSpareThreads 1
MaxSpareThreads 8

Listen 127.0.0.1:{http_port}
Listen 127.0.0.1:{https_port}
DocumentRoot {dir}/www
DirectoryIndex index.html
<Directory />
    Require all denied
</Directory>
<Directory {dir}/www>
    Require all granted
</Directory>
SSLSessionCache shmcb:{dir}/run/ssl_scache(512000)

# Plain HTTP: the web root, where HTTP (file) domain validation looks.
<VirtualHost 127.0.0.1:{http_port}>
    ServerName {server_name}
</VirtualHost>

# The classic Apache layout: leaf, key and chain in three files (the role writes all three).
<VirtualHost 127.0.0.1:{https_port}>
    ServerName {server_name}
    SSLEngine on
    SSLCertificateFile {dir}/ssl/{stem}.crt
    SSLCertificateKeyFile {dir}/ssl/{stem}.key
    SSLCertificateChainFile {dir}/ssl/{stem}.chain.pem
</VirtualHost>

# Site snippets; a test drops a broken one here to make `apache2 -t` fail.
IncludeOptional {dir}/conf.d/*.conf
"""

HAPROXY_CONF = """\
# Written by tests/e2e/servers.py: one HAProxy standing for one managed host.
# Started as `haproxy -D -f <this file> -f <dir>/conf.d -p <dir>/run/haproxy.pid`.
global
    maxconn 64

defaults
    mode http
    timeout connect 5s
    timeout client 10s
    timeout server 10s

# Plain HTTP. HAProxy serves no files: HAProxy hosts validate by DNS in the tests.
frontend http
    bind 127.0.0.1:{http_port}
    http-request return status 200 content-type text/plain string "{server_name} on {name}"

# The combined PEM: full chain followed by the private key (what the role writes for haproxy).
frontend https
    bind 127.0.0.1:{https_port} ssl crt {dir}/ssl/{stem}.combined.pem
    http-request return status 200 content-type text/plain string "{server_name} on {name}"
"""


def find_binary(name, *candidates):
    """Path of a server binary (Debian puts them in /usr/sbin, often not on a user's PATH), or None."""
    found = shutil.which(name)
    if found:
        return found
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def find_apache():
    return find_binary("apache2", "/usr/sbin/apache2", "/usr/local/apache2/bin/httpd")


def find_haproxy():
    return find_binary("haproxy", "/usr/sbin/haproxy", "/usr/local/sbin/haproxy")


def recorded(shell, label, log):
    """A command line running the shell text `shell` that appends `<label> <exit status>` to `log`."""
    script = f"{shell}; rc=$?; echo {shlex.quote(label)} $rc >> {shlex.quote(str(log))}; exit $rc"
    return shlex.join(["sh", "-c", script])


def traversable_by_others(path):
    """True when a user other than the owner may walk down to `path` (x for others on every ancestor)."""
    for directory in [Path(path), *Path(path).parents]:
        if directory.exists() and not directory.stat().st_mode & 0o001:
            return False
    return True


class Server:
    """What Apache and HAProxy share: the directory layout, the daemon's lifecycle, the checks."""

    kind = ""
    missing = ""
    # (file name in conf.d, content, the word the configuration test complains about)
    broken_snippet = ("broken.conf", "", "")

    def __init__(self, binary, directory, server_name, cert_stem=None):
        self.binary = binary
        self.dir = Path(directory)
        self.name = self.dir.name
        self.server_name = server_name
        self.cert_stem = cert_stem or server_name
        self.http_port = free_port()
        self.https_port = free_port()

    # layout ------------------------------------------------------------------------------------
    @property
    def ssl_dir(self):
        return self.dir / "ssl"

    @property
    def webroot(self):
        return self.dir / "www"

    @property
    def conf_dir(self):
        return self.dir / "conf.d"

    @property
    def invocation_log(self):
        return self.dir / "logs" / "invocations.log"

    def _layout(self):
        for sub in ("ssl", "www", "run", "logs", "conf.d"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
            (self.dir / sub).chmod(0o755)
        self.dir.chmod(0o755)
        (self.webroot / "index.html").write_text(f"{self.server_name} on {self.name}\n")
        placeholder_certificate(self.ssl_dir, self.server_name, self.cert_stem)

    def ssl_file(self, suffix):
        return self.ssl_dir / f"{self.cert_stem}{suffix}"

    # commands (the same ones the role runs through host variables) -----------------------------
    def argv(self, *extra):
        raise NotImplementedError

    def start_argv(self):
        raise NotImplementedError

    def test_argv(self):
        raise NotImplementedError

    def reload_argv(self):
        raise NotImplementedError

    def command_line(self, *extra):
        return shlex.join(self.argv(*extra))

    def test_command(self):
        """The configuration test the role runs (recorded in `invocation_log`)."""
        return recorded(shlex.join(self.test_argv()), "test", self.invocation_log)

    def reload_command(self):
        """The reload the role runs (recorded in `invocation_log`)."""
        return recorded(self.reload_shell(), "reload", self.invocation_log)

    def test_config(self):
        return subprocess.run(self.test_argv(), capture_output=True, text=True, check=False)

    def reload_shell(self):
        return shlex.join(self.reload_argv())

    def reload(self):
        self._run(self.reload_argv())
        time.sleep(0.3)  # the old processes hand over

    def invocations(self):
        """[(label, exit status)] of the recorded commands the role ran, oldest first."""
        if not self.invocation_log.exists():
            return []
        lines = self.invocation_log.read_text().splitlines()
        return [(label, int(rc)) for label, rc in (line.split() for line in lines)]

    def break_config(self):
        """Drop a snippet the configuration test rejects; returns its path (unlink it to repair)."""
        name, content = self.broken_snippet[:2]
        path = self.conf_dir / name
        path.write_text(content)
        return path

    def start(self):
        self._run(self.start_argv())
        self._wait_listening()
        return self

    def stop(self):
        pid = self.pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)  # fast shutdown: a test server has nothing to drain
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
            raise RuntimeError(f"{shlex.join(argv)} failed ({result.returncode}): {result.stderr.strip()}")
        return result

    def _wait_listening(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        for port in (self.http_port, self.https_port):
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{self.kind} in {self.dir} does not listen on {port}") from None
                    time.sleep(0.05)

    # checks ------------------------------------------------------------------------------------
    def handshake(self, ca_file):
        return tls_handshake(self.https_port, self.server_name, ca_file)

    def validation_files(self):
        folder = self.webroot / ".well-known" / "pki-validation"
        return sorted(p.name for p in folder.glob("*")) if folder.is_dir() else []


class Apache(Server):
    """One Apache httpd (event MPM, mod_ssl) serving `server_name`: `apache2 -f <dir>/httpd.conf -d <dir>`.

    Run as root, httpd refuses to serve as root: its children run as www-data (or nobody), which must be
    able to walk down to the web root for HTTP validation (pytest's own temporary directory is 0700).
    """

    kind = "apache"
    missing = APACHE_MISSING
    broken_snippet = ("broken.conf", "ThisIsNotAnApacheDirective on\n", "ThisIsNotAnApacheDirective")

    def __init__(self, binary, directory, server_name, cert_stem=None):
        super().__init__(binary, directory, server_name, cert_stem)
        self.conf = self.dir / "httpd.conf"
        self.pid_file = self.dir / "run" / "httpd.pid"

    def prepare(self):
        self._layout()
        # The classic layout needs a leaf and a chain file from the start: the self-signed stand-in is both.
        placeholder = self.ssl_file(".fullchain.pem").read_bytes()
        self.ssl_file(".crt").write_bytes(placeholder)
        self.ssl_file(".chain.pem").write_bytes(placeholder)
        user_lines = ""
        if os.geteuid() == 0:
            if not traversable_by_others(self.webroot):
                raise RuntimeError(
                    f"{self.webroot}: Apache's children (not root) cannot reach it; start the server in a directory "
                    "whose ancestors all allow others to traverse them (o+x)"
                )
            user = "www-data" if _user_exists("www-data") else "nobody"
            group = grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
            user_lines = f"User {user}\nGroup {group}"
        modules = []
        for module, filename in APACHE_MODULES.items():
            path = APACHE_MODULES_DIR / filename
            if not path.exists():
                raise FileNotFoundError(f"{path} is missing ({APACHE_MISSING})")
            modules.append(f"LoadModule {module} {path}")
        self.conf.write_text(
            APACHE_CONF.format(
                dir=self.dir,
                server_name=self.server_name,
                stem=self.cert_stem,
                http_port=self.http_port,
                https_port=self.https_port,
                user_lines=user_lines,
                load_modules="\n".join(modules),
            )
        )
        return self

    def argv(self, *extra):
        return [self.binary, "-f", str(self.conf), "-d", str(self.dir), *extra]

    def start_argv(self):
        return self.argv("-k", "start")

    def test_argv(self):
        return self.argv("-t")

    def reload_argv(self):
        # A graceful restart re-reads the configuration and the certificates; children finish their requests.
        return self.argv("-k", "graceful")

    def access_log(self):
        path = self.dir / "logs" / "access.log"
        return path.read_text() if path.exists() else ""


class HAProxy(Server):
    """One HAProxy daemon serving `server_name` from the combined PEM: `haproxy -D -f <cfg> -f <dir>/conf.d`.

    A reload starts a new process that takes over the sockets and tells the old one to finish (`-sf <pid>`).
    """

    kind = "haproxy"
    missing = HAPROXY_MISSING
    broken_snippet = (
        "broken.cfg",
        "frontend broken\n    this_is_not_a_haproxy_keyword on\n",
        "this_is_not_a_haproxy_keyword",
    )

    def __init__(self, binary, directory, server_name, cert_stem=None):
        super().__init__(binary, directory, server_name, cert_stem)
        self.conf = self.dir / "haproxy.cfg"
        self.pid_file = self.dir / "run" / "haproxy.pid"

    def prepare(self):
        self._layout()
        combined = self.ssl_file(".combined.pem")
        combined.write_bytes(self.ssl_file(".fullchain.pem").read_bytes() + self.ssl_file(".key").read_bytes())
        combined.chmod(0o600)
        self.conf.write_text(
            HAPROXY_CONF.format(
                dir=self.dir,
                name=self.name,
                server_name=self.server_name,
                stem=self.cert_stem,
                http_port=self.http_port,
                https_port=self.https_port,
            )
        )
        return self

    def argv(self, *extra):
        return [self.binary, "-f", str(self.conf), "-f", str(self.conf_dir), *extra]

    def start_argv(self):
        return self.argv("-D", "-p", str(self.pid_file))

    def test_argv(self):
        return self.argv("-c")

    def reload_shell(self):
        """A new daemon replacing the one whose pid the pid file holds when the reload runs."""
        return f'{shlex.join(self.start_argv())} -sf "$(cat {shlex.quote(str(self.pid_file))})"'

    def reload_argv(self):
        return [*self.start_argv(), "-sf", str(self.pid())]

    def reload(self):
        old = self.pid()
        self._run(self.reload_argv())
        deadline = time.monotonic() + 5
        while old is not None and process_alive(old) and time.monotonic() < deadline:
            time.sleep(0.05)


def _user_exists(name):
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


SERVER_TYPES = {"apache": (Apache, find_apache), "haproxy": (HAProxy, find_haproxy)}


class ServerGroup:
    """Several hosts, each a directory with its own server of one kind; renders the inventory the role runs on."""

    def __init__(self, kind, base_dir, count, server_name, group="web", prefix="web"):
        server_class, find = SERVER_TYPES[kind]
        binary = find()
        if binary is None:
            raise FileNotFoundError(server_class.missing)
        self.kind = kind
        self.base_dir = Path(base_dir)
        self.server_name = server_name
        self.group = group
        self.hosts = {
            f"{prefix}{n}": server_class(binary, self.base_dir / f"{prefix}{n}", server_name)
            for n in range(1, count + 1)
        }

    def start(self):
        try:
            for server in self.hosts.values():
                server.prepare().start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        for server in self.hosts.values():
            server.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def __iter__(self):
        return iter(self.hosts.values())

    def __getitem__(self, name):
        return self.hosts[name]

    def inventory(self, path, extra_group_vars=None):
        """Write a YAML inventory: local connection, per-host directory, this server's commands for the role."""
        hosts = {}
        for name, server in self.hosts.items():
            hosts[name] = {
                "ansible_connection": "local",
                "host_dir": str(server.dir),
                "certificate_webroot": str(server.webroot),
                "certificate_server_test_command": {self.kind: server.test_command()},
                "certificate_server_reload_command": {self.kind: server.reload_command()},
            }
        group_vars = {"ansible_python_interpreter": sys.executable}
        group_vars.update(extra_group_vars or {})
        inventory = {"all": {"children": {self.group: {"hosts": hosts, "vars": group_vars}}}}
        import yaml  # ansible's dependency: always present where ansible-playbook runs

        Path(path).write_text(yaml.safe_dump(inventory, sort_keys=False))
        return Path(path)
