# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reliability and security suite fixtures (helpers live in reliability_helpers.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reliability_helpers import create_contact


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    """A token cache per test, outside the project directory; no ambient credentials."""
    for name in list(os.environ):
        # WEBNIC_TRUSTED_ROOTS is the simulators' CA (webnic_sim.testing sets it), not a credential.
        if name.startswith("WEBNIC_") and name != "WEBNIC_TRUSTED_ROOTS":
            monkeypatch.delenv(name)
    cache = tmp_path / "cache" / "tokens"
    monkeypatch.setenv("WEBNIC_TOKEN_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def sim(simulator):
    return simulator


@pytest.fixture
def contact(sim):
    return create_contact(sim)
