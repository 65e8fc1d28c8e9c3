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
    """A fresh simulator (plain HTTP) with its state in tmp_path, stopped after the test.

    Its profile is the default one: documented (only what WebNIC's pages and live clients show),
    unless the environment sets WEBNIC_SIM_PROFILE / WEBNIC_SIM_MISSING.
    """
    with Simulator(tmp_path / "webnic_sim") as sim:
        yield sim


@pytest.fixture
def simulator_extended(tmp_path):
    """A fresh simulator on the extended profile: for features that need its extras (productKey on order
    rows, per-domain DCV status, renewedBy...)."""
    with Simulator(tmp_path / "webnic_sim_extended", profile="extended") as sim:
        yield sim


@pytest.fixture
def simulator_bare(tmp_path):
    """Documented profile with every assumed read path (GET) answering 404: the worst first contact."""
    with Simulator(tmp_path / "webnic_sim_bare", profile="documented", missing=["assumed-reads"]) as sim:
        yield sim


@pytest.fixture
def simulator_factory(tmp_path):
    """simulator_factory(profile=, missing=, **options) -> a started Simulator, stopped after the test."""
    started = []

    def start(profile=None, missing=None, **options):
        sim = Simulator(tmp_path / f"webnic_sim_{len(started)}", profile=profile, missing=missing, **options)
        started.append(sim)
        return sim.start()

    yield start
    for sim in started:
        sim.stop()


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
