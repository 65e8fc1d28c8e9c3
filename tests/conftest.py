"""Root pytest configuration shared by every suite: the WebNIC simulator fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SIMULATOR_PATH = str(Path(__file__).resolve().parent / "simulator")
if SIMULATOR_PATH not in sys.path:
    sys.path.insert(0, SIMULATOR_PATH)

from webnic_sim.testing import Simulator  # noqa: E402


@pytest.fixture
def simulator(tmp_path):
    """A fresh simulator (plain HTTP) with its state in tmp_path, stopped after the test."""
    with Simulator(tmp_path / "webnic_sim") as sim:
        yield sim


@pytest.fixture
def simulator_tls(tmp_path):
    """A fresh simulator serving HTTPS; trust `simulator_tls.ca_path`."""
    with Simulator(tmp_path / "webnic_sim_tls", tls=True) as sim:
        yield sim


@pytest.fixture(scope="session")
def simulator_session(tmp_path_factory):
    """One simulator for the whole session, for suites that only read."""
    with Simulator(tmp_path_factory.mktemp("webnic_sim_session")) as sim:
        yield sim
