# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CI check of the benchmark's slices axis (counts, never times): bench/slices.py on a small fleet.

One run on 4 hosts, then 4 concurrent runs on 1-host slices of 4 fresh hosts (own controller state
each, the shared key host): both place exactly one order with one Place call and no other money call,
every host succeeds, and each slice makes its own token (no shared cache).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import slices  # noqa: E402

pytestmark = [pytest.mark.simulator, pytest.mark.slow]


@pytest.mark.parametrize("count", [1, 4])
def test_one_order_and_one_place_call_whatever_the_number_of_slices(tmp_path, count):
    result = slices.summary(*slices.run_sliced(tmp_path, 4, count))
    assert result["returncodes"] == [0] * count, result
    assert result["hosts_ok"] == 4
    assert result["orders"] == 1
    assert result["place_calls"] == 1 and result["money_calls"] == 1, result["calls"]
    assert result["token_mints"] == count, "one token per controller: the slices share no cache"
    # Every slice downloads the one order once (the others adopt it instead of ordering).
    assert result["calls"].get("POST /ssl/v2/orders/{orderId}/download/format/{format}", 0) == count, result["calls"]
