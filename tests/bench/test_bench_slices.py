# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CI check of the benchmark's slices axis (counts, never times): bench/slices.py on a small fleet.

4 concurrent runs on 1-host slices of 4 hosts (own controller state each, the shared key host): exactly
one order with one Place call and no other money call, every host succeeds, each slice mints its own
token (no shared cache) and downloads the one order. (The single run is covered by test_bench_counts.py;
bench/slices.py compares 1 and 4 slices of 40 hosts.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import slices  # noqa: E402

pytestmark = [pytest.mark.simulator, pytest.mark.slow]


def test_four_concurrent_slices_place_one_order_with_one_place_call(tmp_path):
    count = 4
    result = slices.summary(*slices.run_sliced(tmp_path, 4, count))
    assert result["returncodes"] == [0] * count, result
    assert result["hosts_ok"] == 4
    assert result["orders"] == 1
    assert result["place_calls"] == 1 and result["money_calls"] == 1, result["calls"]
    assert result["token_mints"] == count, "one token per controller: the slices share no cache"
    # Every slice downloads the one order (the others adopt it instead of ordering). A slice that adopts it
    # once issued also lets webnic_ssl_order download it to compare the key: one more, depending on timing.
    downloads = result["calls"].get("POST /ssl/v2/orders/{orderId}/download/format/{format}", 0)
    assert count <= downloads <= 2 * count - 1, result["calls"]
