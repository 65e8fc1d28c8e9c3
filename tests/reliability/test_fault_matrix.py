# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault matrix: every write path and the download against every transport/server fault.

Each case arms one fault on the path's endpoint (or expires the tokens / restarts the simulator
between two module runs), runs the module in-process against the simulator, and asserts

- the outcome class: ``ok`` (no fault visible), ``retried`` (the endpoint was called again and the
  run succeeded), ``adopted`` (a lost answer to a money call, the committed order found and adopted)
  or ``failed`` (a clear failure naming what happened, never a traceback);
- the books: the number of orders and the money spent after the run AND after a rerun without the
  fault are exactly what the user asked for (one order, one charge; none for a reissue or cancel);
- that a money call is never sent twice by one run (only a 429, which the server did not run, is resent);
- files: on failure the download's target files keep their bytes, mtime and mode.
"""

from __future__ import annotations

import functools
import itertools
import time

import pytest
from reliability_helpers import (
    Books,
    assert_no_traceback,
    connection_args,
    create_contact,
    crypto,
    make_csr,
    private_key,
    record,
    run_module,
    snapshot,
    stray_files,
)

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import module as module_utils_module
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.client import WebNICClient
from ansible_collections.webnic.ssl.plugins.modules import (
    webnic_dns_record,
    webnic_ssl_cert_download,
    webnic_ssl_dcv,
    webnic_ssl_order,
)
from webnic_sim.testing import Simulator

pytestmark = [pytest.mark.simulator]

APPROVERS = {"example.com": "admin@example.com"}  # serves every name under example.com
DELAY = 1.5  # seconds the server waits before running a "slow" call
PRICE = 10.0  # ssl123, 1 year, one name


# ------------------------------------------------------------------------------ the write paths


def order_args(sim, contact, cn, **extra):
    args = {
        "product_key": "ssl123",
        "common_name": cn,
        "subject_alt_names": [],
        "csr": make_csr(cn),
        "dcv_method": "email",
        "approver_emails": APPROVERS,
        "administrator_contact_id": contact,
    }
    args.update(extra)
    return connection_args(sim, **args)


def placed_order(sim, contact, cn, issue=True):
    result = run_module(webnic_ssl_order, order_args(sim, contact, cn))
    assert not result.failed, result["msg"]
    if issue:
        sim.approve(result["order_id"])
    return result["order_id"]


class Path_:
    """One write path: scene setup, the module run, and the books it must end with."""

    name = ""
    module = None
    endpoint = ""
    kind = ""  # money | write | idempotent | read

    def setup(self, sim, tmp_path, cn, contact):
        self.cn = cn
        self.contact = contact

    def args(self, sim):
        raise NotImplementedError

    def check_books(self, sim, books):
        raise NotImplementedError

    def targets(self):
        return []


class Place(Path_):
    name, module, endpoint, kind = "place", webnic_ssl_order, "POST /ssl/v2/orders/new", "money"

    def args(self, sim):
        return order_args(sim, self.contact, self.cn)

    def check_books(self, sim, books):
        new = books.new_orders()
        assert len(new) == 1, new
        assert books.spent() == PRICE
        return {"orders": len(new), "charged": books.spent()}


class Renew(Path_):
    name, module, endpoint, kind = "renew", webnic_ssl_order, "POST /ssl/v2/orders/{orderId}/renew", "money"

    def setup(self, sim, tmp_path, cn, contact):
        super().setup(sim, tmp_path, cn, contact)
        self.old = placed_order(sim, self.contact, self.cn)
        sim.age(self.old, 300)  # 65 of 365 days left: inside the last third

    def args(self, sim):
        return order_args(sim, self.contact, self.cn)

    def check_books(self, sim, books):
        new = books.new_orders()
        assert len(new) == 1, new
        assert new[0]["parentOrderId"] == self.old
        assert books.spent() == PRICE
        return {"orders": len(new), "charged": books.spent()}


class Reissue(Path_):
    name, module, endpoint, kind = "reissue", webnic_ssl_order, "POST /ssl/v2/orders/{orderId}/reissue", "money"

    def setup(self, sim, tmp_path, cn, contact):
        super().setup(sim, tmp_path, cn, contact)
        self.old = placed_order(sim, self.contact, self.cn)

    def args(self, sim):
        sans = ["alt-" + self.cn]
        return order_args(sim, self.contact, self.cn, subject_alt_names=sans, csr=make_csr(self.cn, sans), reissue=True)

    def check_books(self, sim, books):
        assert books.new_orders() == []
        assert books.spent() == 0
        (order,) = sim.orders(self.cn)
        assert order["status"] == "PENDING_REISSUE"
        sim.approve(order["orderId"])  # WebNIC shows the new names once the reissued certificate is out
        (order,) = sim.orders(self.cn)
        assert order["status"] == "COMPLETED"
        assert order["sanfield"] == ["alt-" + self.cn]
        return {"orders": 0, "charged": books.spent()}


class Cancel(Path_):
    name, module, endpoint, kind = "cancel", webnic_ssl_order, "POST /ssl/v2/orders/{orderId}/cancel", "write"

    def setup(self, sim, tmp_path, cn, contact):
        super().setup(sim, tmp_path, cn, contact)
        self.old = placed_order(sim, self.contact, self.cn, issue=False)

    def args(self, sim):
        return connection_args(sim, order_id=self.old, state="absent")

    def check_books(self, sim, books):
        assert books.new_orders() == []
        (order,) = sim.orders(self.cn)
        assert order["status"] in ("CANCELLED", "REFUNDED")
        assert books.spent() == -PRICE  # refunded once, not twice
        return {"orders": 0, "charged": books.spent()}


class ChangeAuth(Path_):
    name, module, endpoint, kind = "change auth type", webnic_ssl_dcv, "PUT /ssl/v2/orders/{orderId}/auth", "idempotent"

    def setup(self, sim, tmp_path, cn, contact):
        super().setup(sim, tmp_path, cn, contact)
        self.old = placed_order(sim, self.contact, self.cn, issue=False)

    def args(self, sim):
        return connection_args(sim, order_id=self.old, method="dns")

    def check_books(self, sim, books):
        assert books.new_orders() == []
        assert books.spent() == 0
        (order,) = sim.orders(self.cn)
        assert {d["authType"] for d in order["dcv"]} == {"dns"}, order["dcv"]
        return {"orders": 0, "charged": 0}


class DnsSave(Path_):
    name, module, endpoint, kind = "DNS record save", webnic_dns_record, "POST /dns/v2/zone/{zone}/record", "idempotent"

    def args(self, sim):
        name = "_dnsauth." + self.cn.split(".")[0]
        return connection_args(sim, zone="example.com", name=name, type="TXT", values=["token-1"], ttl=300)

    def check_books(self, sim, books):
        data = run_module(webnic_dns_record, self.args(sim))
        assert not data.failed and data["changed"] is False, data  # exactly the set asked for
        assert data["record_values"] == ["token-1"]
        assert books.new_orders() == [] and books.spent() == 0
        return {"orders": 0, "charged": 0}


class Download(Path_):
    name, module, endpoint, kind = (
        "download",
        webnic_ssl_cert_download,
        "POST /ssl/v2/orders/{orderId}/download/format/{format}",
        "read",
    )

    def setup(self, sim, tmp_path, cn, contact):
        super().setup(sim, tmp_path, cn, contact)
        self.old = placed_order(sim, self.contact, self.cn)
        self.dir = tmp_path / "certs"
        self.dir.mkdir()
        self.key = self.dir / "www.key"
        self.key.write_bytes(crypto.serialize_private_key(private_key()))
        self.key.chmod(0o600)
        # The files of the previous certificate, which a failed run must leave alone.
        for name in ("www.crt", "www.chain.pem", "www.fullchain.pem"):
            (self.dir / name).write_text("previous certificate of %s\n" % name)
            (self.dir / name).chmod(0o644)

    def targets(self):
        return [self.dir / n for n in ("www.crt", "www.chain.pem", "www.fullchain.pem")]

    def args(self, sim):
        return connection_args(
            sim,
            order_id=self.old,
            privatekey_path=str(self.key),
            dest=str(self.dir / "www.crt"),
            chain_dest=str(self.dir / "www.chain.pem"),
            fullchain_dest=str(self.dir / "www.fullchain.pem"),
        )

    def check_books(self, sim, books):
        assert books.new_orders() == [] and books.spent() == 0
        leaf = crypto.load_certificate((self.dir / "www.crt").read_bytes())
        assert crypto.key_matches_certificate(private_key(), leaf)
        full = (self.dir / "www.fullchain.pem").read_text()
        assert full.count("BEGIN CERTIFICATE") == 2
        assert stray_files(self.dir) == []
        return {"orders": 0, "charged": 0}


PATHS = [Place, Renew, Reissue, Cancel, ChangeAuth, DnsSave, Download]

# ------------------------------------------------------------------------------ the faults

# name -> (fault kwargs or a special action, extra module args)
FAULTS = {
    "drop after commit": ({"mode": "drop_after_commit"}, {}),
    "HTTP 500": ({"mode": "status", "status": 500}, {}),
    "HTTP 502": ({"mode": "status", "status": 502}, {}),
    "HTTP 503 once": ({"mode": "status", "status": 503}, {}),
    "HTTP 503 persistent": ({"mode": "status", "status": 503, "count": 20}, {}),
    "429 Retry-After 1": ({"mode": "retry_after", "retry_after": 1}, {}),
    "slow (1.5 s > timeout 0.5 s)": ({"mode": "delay", "delay": DELAY}, {"timeout": 0.5}),
    "malformed JSON": ({"mode": "malformed"}, {}),
    "dropped before running": ({"mode": "drop_before"}, {}),
    "tokens expired": ("expire_tokens", {}),
    "simulator restarted": ("restart", {}),
}


def outcome_of(result, books, path, spec):
    if result.failed:
        return "failed"
    text = " ".join(result.get("changed_reasons") or [])
    if "answer was lost" in text:
        return "adopted"
    if books.calls(path.endpoint) > 1:
        return "retried"
    if isinstance(spec, dict) and spec["mode"] != "delay":
        return "looked up"  # the fault fired, the call was not resent, the run read the result back
    return "ok"


@pytest.fixture(autouse=True)
def quick_lookups(monkeypatch):
    """After a lost answer the order module searches at 0, 1 and 2 s; 0, 0.5 and 1 s here (the simulator
    commits a slow call DELAY seconds after it arrived, so the last look still finds it)."""
    monkeypatch.setattr(webnic_ssl_order, "LOOKUP_DELAYS", (0.0, 0.5, 1.0))


@pytest.fixture(scope="module")
def simulators(tmp_path_factory):
    """One simulator per write path (cases use distinct names, so their books do not mix)."""
    running = {}

    def get(name):
        if name not in running:
            sim = Simulator(tmp_path_factory.mktemp("sim-" + name.replace(" ", "-")))
            sim.start()
            running[name] = (sim, create_contact(sim))
        return running[name]

    yield get
    for sim, _contact in running.values():
        sim.stop()


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    """Retries keep their count (4 attempts) and honour Retry-After; the backoff base is 0.05 s instead
    of 0.5 s so that the persistent-failure cases take a second, not four."""
    monkeypatch.setattr(module_utils_module, "WebNICClient", functools.partial(WebNICClient, backoff=0.05))


_case_numbers = itertools.count(1)


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("path_cls", PATHS, ids=[p.name.replace(" ", "_") for p in PATHS])
def test_fault(simulators, tmp_path, path_cls, fault):
    path = path_cls()
    sim, contact = simulators(path.name)
    sim.clear_faults()
    CN = "c%d.example.com" % next(_case_numbers)
    path.setup(sim, tmp_path, CN, contact)
    # Warm the token cache as an earlier task of the play would have.
    run_module(webnic_dns_record, connection_args(sim, zone="example.com", name="warm", type="TXT", state="absent"))

    spec, extra = FAULTS[fault]
    args = dict(path.args(sim), **extra)
    before_files = snapshot(path.targets())
    books = Books(sim, CN)
    if spec == "expire_tokens":
        sim.expire_tokens()
    elif spec == "restart":
        sim.restart()
    else:
        sim.fault(path.endpoint, **spec)

    started = time.monotonic()
    result = run_module(path.module, args)
    elapsed = time.monotonic() - started
    assert_no_traceback(result)
    outcome = outcome_of(result, books, path, spec)
    sent = books.calls(path.endpoint)
    mints = books.mints()

    # A money call is sent once per run; only a 429 (not run by the server) is sent again.
    if path.kind in ("money", "write"):
        assert sent <= (2 if spec not in ("expire_tokens", "restart") and spec["mode"] == "retry_after" else 1), sent
    if spec == "expire_tokens":
        assert mints == 1, "a 401 re-mints exactly once"
    if spec == "restart":
        assert mints == 0, "the cached token survives a simulator restart"

    if result.failed:
        assert result["msg"], result
        if path.targets():
            assert snapshot(path.targets()) == before_files, "a failed run must not touch the files"
            assert stray_files(path.targets()[0].parent) == []
        if path.kind == "money" and result.get("order_may_exist"):
            assert "NOT resent" in result["msg"]
        sim.clear_faults()
        if isinstance(spec, dict) and spec["mode"] == "delay":
            time.sleep(DELAY)  # the server finishes the slow call the client gave up on
        rerun = run_module(path.module, dict(path.args(sim)))
        assert_no_traceback(rerun)
        assert not rerun.failed, rerun["msg"]
        rerun_outcome = rerun.get("action") or ("changed" if rerun["changed"] else "unchanged")
    else:
        # Nothing pending: a delayed request the client gave up on must not commit a second time later.
        if isinstance(spec, dict) and spec["mode"] == "delay":
            time.sleep(DELAY)
        rerun_outcome = "-"
        if path.kind == "money":
            # The user's next run adopts what this one bought and spends nothing.
            money_calls = books.calls(path.endpoint)
            rerun = run_module(path.module, dict(path.args(sim)))
            assert not rerun.failed, rerun["msg"]
            assert rerun["action"] == "adopted" and rerun["changed"] is False, rerun["action"]
            assert books.calls(path.endpoint) == money_calls
            rerun_outcome = "adopted"

    books_after = path.check_books(sim, books)
    record(
        "faults",
        "%s / %s" % (path.name, fault),
        path=path.name,
        fault=fault,
        outcome=outcome,
        message=(result.get("msg") or "")[:160] if result.failed else "",
        rerun=rerun_outcome,
        endpoint_calls=sent,
        token_mints=mints,
        seconds=round(elapsed, 1),
        **books_after,
    )
