"""Command line: parse options, open the state, serve on 127.0.0.1 until a signal."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from . import api, dcv
from . import ca as calib
from .errors import ApiFailure
from .server import make_server
from .store import Store

DEFAULT_USER = ("api-demo", "demo-secret")
DEFAULT_ZONES = ("example.com", "example.net", "example.org", "example.test")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="webnic_sim", description="WebNIC RESTful v2 SSL API simulator (127.0.0.1 only)"
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--state", required=True, help="state directory (SQLite database, CA, url, ca.pem)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a certificate from the simulator CA")
    parser.add_argument(
        "--resolve",
        action="append",
        default=[],
        metavar="NAME=127.0.0.1:PORT",
        help="where file DCV fetches NAME from (loopback only)",
    )
    parser.add_argument(
        "--issue-delay",
        type=float,
        default=None,
        metavar="SECONDS",
        help="seconds between DCV completion and issuance (default 0)",
    )
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="NAME:PASSWORD",
        help="API account (default api-demo:demo-secret)",
    )
    parser.add_argument(
        "--balance", type=float, default=10000.0, help="opening balance in USD for a new state (default 10000)"
    )
    parser.add_argument(
        "--zone",
        action="append",
        default=[],
        metavar="ZONE",
        help="DNS zone hosted by the account (default example.com/.net/.org/.test)",
    )
    parser.add_argument(
        "--token-ttl", type=int, default=3600, metavar="SECONDS", help="access token lifetime (default 3600)"
    )
    parser.add_argument(
        "--org-validation-delay",
        type=float,
        default=None,
        metavar="SECONDS",
        help="submitted organizations validate themselves after SECONDS",
    )
    parser.add_argument(
        "--profile",
        choices=api.PROFILES,
        default="documented",
        help="documented (default): only the fields and shapes webnic-api.md marks [doc] or [code]; "
        "extended: also the simulator's extras (productKey on order rows, per-domain DCV status, ...)",
    )
    parser.add_argument(
        "--missing",
        action="append",
        default=[],
        metavar="[METHOD ]PATH",
        help="this route answers a Spring-style HTTP 404 (repeatable); PATH is a template from the route table, "
        "or 'assumed' (every assumed route) or 'assumed-reads' (the assumed GET routes)",
    )
    parser.add_argument(
        "--renew-answer",
        choices=("orderId", "renewOrder"),
        default="orderId",
        help="where Renew Order puts the new id: data.orderId (default) or data.renewOrder.orderId",
    )
    parser.add_argument(
        "--download-encoding",
        choices=("any", "multipart"),
        default="any",
        help="any (default): Download Cert accepts JSON and multipart/form-data; multipart: JSON gets HTTP 415",
    )
    parser.add_argument(
        "--clock-offset",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="shift the simulator's clock (Date header, dates it writes, issuance) by SECONDS",
    )
    parser.add_argument("--quiet", action="store_true", help="no request log on stderr")
    return parser.parse_args(argv)


def parse_pairs(values, separator, what):
    result = {}
    for value in values:
        key, sep, rest = value.partition(separator)
        if not sep or not key or not rest:
            raise SystemExit(f"webnic_sim: bad {what} {value!r}")
        result[key] = rest
    return result


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    state = Path(args.state)
    state.mkdir(parents=True, exist_ok=True)
    users = parse_pairs(args.user, ":", "--user (NAME:PASSWORD)") or dict([DEFAULT_USER])
    resolves = parse_pairs(args.resolve, "=", "--resolve (NAME=127.0.0.1:PORT)")
    try:
        for address in resolves.values():
            dcv.parse_address(address)
    except ApiFailure as failure:
        raise SystemExit(f"webnic_sim: --resolve: {failure.message}") from None
    try:
        missing = api.missing_routes(args.missing)
    except ValueError as exc:
        raise SystemExit(f"webnic_sim: --missing: {exc}") from None
    calib.CLOCK["offset"] = args.clock_offset
    store = Store(str(state / "sim.sqlite3"))
    with store.transaction():
        backend = api.Backend(
            store,
            token_ttl=args.token_ttl,
            org_validation_delay=args.org_validation_delay,
            profile=args.profile,
            renew_answer=args.renew_answer,
            download_encoding=args.download_encoding,
        )
        backend.missing = frozenset(missing)
        backend.seed(users, args.balance, args.zone or list(DEFAULT_ZONES), args.issue_delay, resolves)
    server = make_server(backend, args.port, tls=args.tls, quiet=args.quiet)
    scheme = "https" if args.tls else "http"
    url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    _write(state / "ca.pem", backend.ca.root_pem)
    _write(state / "url", url + "\n")

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"WEBNIC_SIM_URL={url}", flush=True)
    try:
        server.serve_forever(poll_interval=0.05)
    finally:
        server.server_close()
        store.close()
    return 0


def _write(path, text):
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(text)
    os.replace(temp, path)
