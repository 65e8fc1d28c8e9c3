# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Money at scale and under concurrency: two controllers racing, and a search with 101 matches.

Real HTTP to the simulator in its documented profile; the orders and charges are the simulator's books.
These run once, here, rather than in every ansible-core version of the unit suite (each takes a minute).
"""

from __future__ import annotations

import multiprocessing
import re

import pytest
from reliability_helpers import connection_args, create_contact, make_csr, record, run_module

from ansible_collections.webnic.ssl.plugins.modules import webnic_ssl_order

PLACE = "POST /ssl/v2/orders/new"


@pytest.fixture(autouse=True)
def fast_lookups(monkeypatch):
    monkeypatch.setattr(webnic_ssl_order, "LOOKUP_DELAYS", (0.0, 0.05))


def order_args(sim, contact, name, sans=()):
    names = [name, *sans]
    return connection_args(
        sim,
        product_key="ssl123",
        common_name=name,
        subject_alt_names=list(sans),
        csr=make_csr(name, sans),
        dcv_method="email",
        approver_emails=dict.fromkeys(names, "admin@example.com"),
        administrator_contact_id=contact,
    )


def single_name_args(sim, contact, name):
    return order_args(sim, contact, name)


def calls_from(lines):
    return [
        "%s %s" % (line.split()[1], re.sub(r"/orders/\d+", "/orders/{id}", line.split()[2]))
        for line in lines
        if not line.split()[2].startswith("/_sim")
    ]


def _controller(args, cache_dir, barrier, queue):
    import os

    os.environ["WEBNIC_TOKEN_CACHE_DIR"] = cache_dir  # another controller: its own cache and lock (../locks)
    barrier.wait(30)
    try:
        result = run_module(webnic_ssl_order, args)
        queue.put((result.get("failed", False), result.get("action"), result.get("order_id"), result.get("msg")))
    except BaseException as exc:  # report anything, never hang the parent
        queue.put((True, None, None, repr(exc)))


@pytest.mark.parametrize("overlap", [False, True], ids=["natural", "overlapping-places"])
def test_two_controllers_racing_twenty_times_keep_one_order_each_time(simulator, tmp_path, overlap):
    """Two controllers with separate caches (no shared lock) place the same certificate at once, 20 times.

    The account is the arbiter: right before placing each run asks Get Order Info by name; after placing
    it searches again, the lower order id wins, and the loser cancels its own order (refunded while
    pending) and adopts the winner. ``overlapping-places`` holds both place calls in flight together
    (a 1 s delay on the first two), so every trial really produces a twin and the convergence runs.
    """
    context = multiprocessing.get_context("fork")
    contact = create_contact(simulator)
    twins = 0
    for trial in range(20):
        name = "race%d.example.com" % trial
        args = single_name_args(simulator, contact, name)
        if overlap:
            simulator.fault("POST /ssl/v2/orders/new", "delay", delay=1.0, count=2)
        barrier, queue = context.Barrier(2), context.Queue()
        workers = [
            context.Process(
                target=_controller,
                args=(args, str(tmp_path / ("controller%d-%d" % (trial, n)) / "tokens"), barrier, queue),
            )
            for n in range(2)
        ]
        for worker in workers:
            worker.start()
        results = [queue.get(timeout=120) for _worker in workers]
        for worker in workers:
            worker.join(30)
        simulator.clear_faults()
        assert [r for r in results if r[0]] == [], results
        assert len({r[2] for r in results}) == 1, results  # both report the same order
        orders = simulator.orders(common_name=name)
        assert len([o for o in orders if o["status"] not in ("CANCELLED", "REFUNDED")]) == 1, orders
        twins += len(orders) == 2
    placed = simulator.stats()["calls"]["POST /ssl/v2/orders/new"]
    record("money", "two controllers x20 (%s)" % ("overlapping" if overlap else "natural"), placed=placed, twins=twins)
    assert placed == 20 + twins
    if overlap:
        assert twins == 20
    # Every twin was cancelled while pending and refunded: the account paid for 20 certificates, no more.
    assert float(simulator.balance()) == pytest.approx(10000.0 - 10.0 * 20)


def test_one_hundred_and_one_orders_under_the_parent_name_still_find_the_live_one(simulator_factory):
    sim = simulator_factory(profile="documented")
    contact = create_contact(sim)
    first = run_module(webnic_ssl_order, order_args(sim, contact, "www.example.com", ["example.com"]))
    assert not first.failed, first
    for number in range(101):  # newer orders whose names contain www.example.com: the live one is on page 2
        other = run_module(webnic_ssl_order, single_name_args(sim, contact, "a%d.www.example.com" % number))
        assert other["action"] == "placed", other
    mark = len(sim.log())
    rerun = run_module(webnic_ssl_order, order_args(sim, contact, "www.example.com", ["example.com"]))
    assert not rerun.failed, rerun
    assert (rerun["changed"], rerun["order_id"]) == (False, first["order_id"])
    assert calls_from(sim.log()[mark:]).count("POST /ssl/v2/orders/search") == 2  # a full page, then a short one
    assert sim.stats()["calls"][PLACE] == 102
    record("money", "search with 101 matches", searches=2, new_orders=0)
