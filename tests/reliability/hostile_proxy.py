# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A compromised or broken WebNIC, played by a rewriting proxy in front of the simulator.

The simulator answers what the contract says; its fault injection fails, delays or drops calls but
never lies. This proxy forwards every request to the simulator over loopback and lets a test rewrite
the answer of chosen calls: a DCV object pointing outside the web root, an A record instead of a TXT
one, a certificate from another CA, a body of 11 MB. Everything else passes through unchanged, so
the module under test runs its real HTTP path against the real simulator state.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
import urllib.error
import urllib.request

NO_LENGTH = "X-Hostile-Proxy-No-Length"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


class Repeated:
    """A large body made of one repeated byte, produced piece by piece (the proxy never holds it)."""

    def __init__(self, byte, size):
        self.byte = byte
        self.size = size

    def __len__(self):
        return self.size

    def pieces(self, piece=1 << 20):
        sent = 0
        while sent < self.size:
            n = min(piece, self.size - sent)
            yield self.byte * n
            sent += n


class Rewrite:
    """Rewrite the answers of requests whose "METHOD /path" matches ``pattern`` (a regex)."""

    def __init__(self, pattern, rewrite, count=None):
        self.pattern = re.compile(pattern)
        self.rewrite = rewrite  # (status, headers, body bytes) -> (status, headers, body bytes)
        self.count = count  # None: every matching answer
        self.applied = 0

    def matches(self, key):
        return self.pattern.search(key) and (self.count is None or self.applied < self.count)


class HostileProxy:
    def __init__(self, upstream):
        self.upstream = upstream.rstrip("/")
        self.rewrites = []
        self.seen = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                request = urllib.request.Request(proxy.upstream + self.path, data=body, method=self.command)
                for name, value in self.headers.items():
                    if name.lower() not in HOP_BY_HOP and name.lower() != "host":
                        request.add_header(name, value)
                try:
                    with urllib.request.urlopen(request, timeout=60) as answer:
                        status, headers, data = answer.status, list(answer.headers.items()), answer.read()
                except urllib.error.HTTPError as exc:
                    status, headers, data = exc.code, list(exc.headers.items()), exc.read()
                key = "%s %s" % (self.command, self.path.split("?", 1)[0])
                proxy.seen.append(key)
                for rule in proxy.rewrites:
                    if rule.matches(key):
                        rule.applied += 1
                        status, headers, data = rule.rewrite(status, headers, data)
                self.send_response(status)
                # A rewrite may ask for a body without Content-Length (read until the connection closes).
                unannounced = any(name == NO_LENGTH for name, _value in headers)
                for name, value in headers:
                    if name.lower() not in HOP_BY_HOP and name != NO_LENGTH:
                        self.send_header(name, value)
                if unannounced:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                else:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # A huge body is sent in pieces; the client may hang up early (that is the point).
                pieces = data.pieces() if isinstance(data, Repeated) else [data]
                try:
                    for piece in pieces:
                        self.wfile.write(piece)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def rewrite(self, pattern, rewrite, count=None):
        rule = Rewrite(pattern, rewrite, count)
        self.rewrites.append(rule)
        return rule

    def rewrite_data(self, pattern, change, count=None):
        """Rewrite the ``data`` of a JSON envelope with ``change(data) -> data``."""

        def rewrite(status, headers, body):
            envelope = json.loads(body)
            envelope["data"] = change(envelope.get("data"))
            return status, headers, json.dumps(envelope).encode()

        return self.rewrite(pattern, rewrite, count)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
