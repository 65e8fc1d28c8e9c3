"""HTTP(S) front of the simulator: routing, the envelope, request counters, faults and the log.

Binds 127.0.0.1 only. The request log (stderr and GET /_sim/log) records method, path and status,
never a header, a query string or a body, so passwords, tokens and private keys cannot leak into it.
"""

from __future__ import annotations

import collections
import datetime
import email.parser
import email.policy
import email.utils
import json
import socket
import ssl
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import api
from . import ca as calib
from .common import Raw, Request
from .errors import ApiFailure, field_error

OK_MESSAGE = "Command completed successfully."
FAULT_MODES = ("status", "drop_after_commit", "drop_before", "delay", "malformed", "retry_after", "null_data")


def empty_stats():
    return {"total": 0, "calls": {}, "token_mints": 0, "writes": 0}


MAX_BODY = 5 * 1024 * 1024


class Faults:
    """Armed faults, matched by "METHOD /path/{template}" or "*", each for `count` calls."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def add(self, spec):
        endpoint = spec.get("endpoint")
        mode = spec.get("mode")
        if not isinstance(endpoint, str) or not endpoint:
            raise field_error("endpoint", 'is required: "METHOD /path/{template}" or "*"')
        if mode not in FAULT_MODES:
            raise field_error("mode", f"must be one of {', '.join(FAULT_MODES)}")
        try:
            fault = {
                "endpoint": endpoint,
                "mode": mode,
                "status": int(spec.get("status", 503)),
                "count": int(spec.get("count", 1)),
                "delay": float(spec.get("delay", 2.0)),
                "retry_after": int(spec.get("retry_after", 1)),
            }
        except (TypeError, ValueError):
            raise field_error("status", "status, count, retry_after must be integers and delay a number") from None
        with self.lock:
            self.items.append(fault)
        return fault

    def take(self, key):
        with self.lock:
            for fault in self.items:
                if fault["count"] > 0 and fault["endpoint"] in ("*", key):
                    fault["count"] -= 1
                    if fault["count"] == 0:
                        self.items.remove(fault)
                    return dict(fault)
        return None

    def clear(self):
        with self.lock:
            count = len(self.items)
            self.items.clear()
        return count

    def list(self):
        with self.lock:
            return [dict(fault) for fault in self.items]


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, backend, quiet=False):
        self.backend = backend
        self.faults = Faults()
        self.log_lines = collections.deque(maxlen=10000)
        self.log_lock = threading.Lock()
        self.quiet = quiet
        self.routes = api.compile_routes(api.ROUTES)
        self.admin_routes = api.compile_routes(api.ADMIN_ROUTES)
        super().__init__(address, Handler)

    def record(self, method, path, status):
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {method} {path} {status}"
        with self.log_lock:
            self.log_lines.append(line)
        if not self.quiet:
            print(line, file=sys.stderr, flush=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "webnic_sim"
    sys_version = ""

    def log_message(self, format, *args):
        pass

    def date_time_string(self, timestamp=None):
        """The Date header from the simulator's clock (shifted by --clock-offset)."""
        return email.utils.formatdate(calib.now_timestamp() if timestamp is None else timestamp, usegmt=True)

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    # --------------------------------------------------------------------------------------------
    def dispatch(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        query = {key: values[-1] for key, values in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        headers = {key.lower(): value for key, value in self.headers.items()}
        try:
            raw_body = self.read_body()
        except ApiFailure as failure:
            self.respond(path, failure.status, failure.envelope())
            return
        if path.startswith("/_sim/") or path == "/_sim":
            self.dispatch_admin(path, query, headers, raw_body)
            return
        store = self.server.backend.store
        route, params = api.match(self.server.routes, self.command, path)
        key = f"{self.command} {route[1] if isinstance(route, tuple) else path}"
        with store.transaction():
            stats = store.get_kv("stats") or empty_stats()
            stats["total"] += 1
            stats["calls"][key] = stats["calls"].get(key, 0) + 1
            if isinstance(route, tuple):
                stats["writes"] += 1 if route[4] else 0
                stats["token_mints"] += 1 if route[2] == "mint_token" else 0
            store.set_kv("stats", stats)
        if isinstance(route, tuple) and (route[0], route[1]) in self.server.backend.missing:
            # --missing: answer like a real Spring server that has no handler for the path.
            self.respond(path, 404, spring_not_found(path))
            return
        fault = self.server.faults.take(key)
        if fault:
            mode = fault["mode"]
            if mode == "drop_before":
                self.server.record(self.command, path, "dropped")
                self.drop()
                return
            if mode == "status":
                failure = ApiFailure(
                    fault["status"],
                    "SSL5000" if fault["status"] >= 500 else "SSL2400",
                    f"Injected fault: HTTP {fault['status']}",
                )
                self.respond(path, failure.status, failure.envelope())
                return
            if mode == "retry_after":
                failure = ApiFailure(429, "SSL4029", "Too many requests")
                self.respond(path, 429, failure.envelope(), {"Retry-After": str(fault["retry_after"])})
                return
            if mode == "delay":
                time.sleep(fault["delay"])
        status, body, extra = self.run(route, params, path, query, headers, raw_body)
        if fault and fault["mode"] == "drop_after_commit":
            self.server.record(self.command, path, f"{status} dropped after commit")
            self.drop()
            return
        if fault and fault["mode"] == "malformed":
            self.send_bytes(path, 200, b'{"code": "1000", "message": "Command completed succ', "application/json")
            return
        if fault and fault["mode"] == "null_data" and status == 200:
            # The call is carried out, but the success answer carries no data (e.g. no order id).
            self.respond(path, 200, {"code": "1000", "message": OK_MESSAGE, "data": None}, extra)
            return
        if isinstance(body, Raw):
            self.send_bytes(
                path,
                status,
                body.content,
                body.content_type,
                {"Content-Disposition": f'attachment; filename="{body.filename}"'},
            )
        else:
            self.respond(path, status, body, extra)

    def run(self, route, params, path, query, headers, raw_body):
        backend = self.server.backend
        try:
            if route is None:
                raise ApiFailure(404, "SSL4004", f"No such endpoint: {self.command} {path}")
            if route == "METHOD":
                raise ApiFailure(405, "SSL4005", f"Method {self.command} is not allowed on {path}")
            body = self.parse_body(raw_body, headers)
            with backend.store.transaction():
                if route[3]:
                    backend.authenticate(headers)
                data = getattr(backend, route[2])(Request(self.command, path, query, body, headers, params))
            if isinstance(data, Raw):
                return 200, data, None
            return 200, {"code": "1000", "message": OK_MESSAGE, "data": data}, None
        except ApiFailure as failure:
            return failure.status, failure.envelope(), None
        except Exception:  # a bug in the simulator: answer like a server error, keep the trace for the log
            traceback.print_exc(file=sys.stderr)
            failure = ApiFailure(500, "SSL5000", "Internal server error")
            return 500, failure.envelope(), None

    def dispatch_admin(self, path, query, headers, raw_body):
        backend = self.server.backend
        route, params = api.match(self.server.admin_routes, self.command, path)
        try:
            if route is None:
                raise ApiFailure(404, "SSL4004", f"No such admin endpoint: {self.command} {path}")
            if route == "METHOD":
                raise ApiFailure(405, "SSL4005", f"Method {self.command} is not allowed on {path}")
            body = self.parse_body(raw_body, headers)
            request = Request(self.command, path, query, body, headers, params)
            if route[2] is None:
                data = self.server_admin(path, request)
            else:
                with backend.store.transaction():
                    data = getattr(backend, route[2])(request)
            if isinstance(data, Raw):
                self.send_bytes(path, 200, data.content, data.content_type)
                return
            self.respond(path, 200, data)
        except ApiFailure as failure:
            self.respond(path, failure.status, failure.envelope())
        except Exception:
            traceback.print_exc(file=sys.stderr)
            self.respond(path, 500, ApiFailure(500, "SSL5000", "Internal server error").envelope())

    def server_admin(self, path, request):
        store = self.server.backend.store
        if path == "/_sim/stats":
            with store.transaction():
                stats = dict(store.get_kv("stats") or empty_stats())
            # `requests` is the documented name of the per-endpoint counters (`calls` kept as an alias).
            stats["requests"] = dict(stats["calls"])
            backend = self.server.backend
            orders = {}
            for order in backend.admin_orders(request):
                orders[order["commonName"]] = orders.get(order["commonName"], 0) + 1
            stats["orders"] = orders
            stats["balance"] = backend.admin_balance_get(request)["balance"]
            return stats
        if path == "/_sim/stats/reset":
            with store.transaction():
                store.set_kv("stats", empty_stats())
            return empty_stats()
        if path == "/_sim/faults":
            if request.method == "POST":
                return self.server.faults.add(request.json())
            if request.method == "DELETE":
                return {"cleared": self.server.faults.clear()}
            return self.server.faults.list()
        if path == "/_sim/log":
            with self.server.log_lock:
                return list(self.server.log_lines)
        raise ApiFailure(404, "SSL4004", f"No such admin endpoint: {path}")

    # I/O ----------------------------------------------------------------------------------------
    def read_body(self):
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            raise ApiFailure(400, "SSL4002", "Invalid Content-Length") from None
        if size > MAX_BODY:
            raise ApiFailure(400, "SSL4000", "Request body too large")
        return self.rfile.read(size)

    @staticmethod
    def parse_body(raw, headers):
        if not raw.strip():
            return None
        content_type = headers.get("content-type", "")
        if "multipart/form-data" in content_type:
            return parse_multipart(raw, content_type)
        looks_like_json = raw.lstrip()[:1] in (b"{", b"[")
        if "application/x-www-form-urlencoded" in content_type and not looks_like_json:
            return {key: values[-1] for key, values in urllib.parse.parse_qs(raw.decode("utf-8", "replace")).items()}
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ApiFailure(400, "SSL4002", "Malformed JSON request body") from None

    def respond(self, path, status, body, extra_headers=None):
        self.send_bytes(path, status, json.dumps(body).encode(), "application/json", extra_headers)

    def send_bytes(self, path, status, content, content_type, extra_headers=None):
        self.server.record(self.command, path, status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(content)
        self.wfile.flush()

    def drop(self):
        """Close the connection without an answer (the client sees a reset / empty reply)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def spring_not_found(path):
    """The body a Spring Boot server sends for a path it has no handler for: not a WebNIC envelope."""
    moment = datetime.datetime.fromtimestamp(calib.now_timestamp(), datetime.UTC)
    return {
        "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+00:00",
        "status": 404,
        "error": "Not Found",
        "path": path,
    }


def parse_multipart(raw, content_type):
    """multipart/form-data -> {field: text}; file parts (the private key) are read as UTF-8 text."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + raw
    )
    if not message.is_multipart():
        raise ApiFailure(400, "SSL4002", "Malformed multipart/form-data request body")
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        fields[name] = payload.decode("utf-8", "replace")
    return fields


def make_server(backend, port, tls=False, quiet=False):
    server = SimServer(("127.0.0.1", port), backend, quiet=quiet)
    if tls:
        import os
        import tempfile

        with backend.store.transaction():
            chain, key = backend.ca.server_credentials(backend.store)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as tmp:
            chain_path, key_path = os.path.join(tmp, "chain.pem"), os.path.join(tmp, "key.pem")
            with open(chain_path, "w") as handle:
                handle.write(chain)
            with open(os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
                handle.write(key)
            context.load_cert_chain(chain_path, key_path)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    return server
