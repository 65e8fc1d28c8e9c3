"""Fixtures for the simulator's own tests.

Most tests share one simulator per test module (`sim` / `api`) and use their own common names;
tests that need exact counters, balances or restarts take the function-scoped `simulator`.
"""

from __future__ import annotations

import pytest
from sim_client import Api, ec_key

from webnic_sim.testing import Simulator


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    # The simulator's own behaviour tests exercise every field it can send (price in the place answer,
    # per-domain DCV status, renewal links): the extended profile. test_sim_profiles covers what the
    # documented profile leaves out.
    with Simulator(tmp_path_factory.mktemp("sim"), profile="extended") as running:
        yield running


@pytest.fixture
def api(sim):
    return Api(sim.url)


@pytest.fixture
def fresh_api(simulator):
    return Api(simulator.url)


@pytest.fixture
def issued(api, sim):
    """An issued ssl123 order for a unique www.<n>.example.com (+ its bare name) with its key."""
    key = ec_key()
    issued.counter = getattr(issued, "counter", 0) + 1
    name = f"www.issued{issued.counter}.example.com"
    placed = api.place(name, sans=[name[4:]], key=key)
    sim.approve(placed["orderId"])
    info = api.info(placed["orderId"])
    assert info["orderStatus"] == "COMPLETED", info
    return placed["orderId"], key, name
