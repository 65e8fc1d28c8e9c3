# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Concurrency: 50 forks, same credentials, same certificate, at once (real ansible-playbook).

Bound: the token cache is read, minted and written under one flock per (endpoint, user), so the
first fork mints and the other 49 read its token: exactly ONE mint is expected and asserted
(MINT_BOUND). One order is placed (the order lock serialises the forks: one buys, 49 adopt).
"""

from __future__ import annotations

import json
import re
import stat
import time

import pytest
from reliability_helpers import (
    ansible_playbook,
    create_contact,
    live,
    local_inventory,
    make_csr,
    playbook_env,
    record,
)

pytestmark = [pytest.mark.simulator, pytest.mark.slow]

FORKS = 50
MINT_BOUND = 1
HERE = __import__("pathlib").Path(__file__).resolve().parent


def test_fifty_forks_mint_once_and_order_once(sim, tmp_path):
    contact = create_contact(sim)
    sim.reset_stats()
    hosts = ["h%02d" % i for i in range(FORKS)]
    inventory = local_inventory(tmp_path / "hosts.ini", hosts)
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps({"csr_pem": make_csr("www.example.com", ["example.com"]), "contact_id": contact}))
    env = playbook_env(sim, tmp_path, ANSIBLE_FORKS=FORKS)

    started = time.monotonic()
    run = ansible_playbook(
        HERE / "playbooks" / "hostile_fleet.yml", inventory, env, "-e", "@%s" % extra, "--forks", str(FORKS)
    )
    elapsed = time.monotonic() - started
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert re.search(r"ok=3\s", run.stdout)
    recap = re.findall(r"^(h\d\d)\s+: ok=(\d+) .*failed=(\d+)", run.stdout, re.M)
    assert len(recap) == FORKS and all(f == "0" for _h, _ok, f in recap), run.stdout[-3000:]

    stats = sim.stats()
    mints = stats["token_mints"]
    assert 1 <= mints <= MINT_BOUND, "token mints: %d" % mints
    orders = live(sim.orders("www.example.com"))
    assert len(orders) == 1, orders
    placed = len(re.findall(r'"msg": "placed ', run.stdout))
    adopted = len(re.findall(r'"msg": "adopted ', run.stdout))
    assert (placed, adopted) == (1, FORKS - 1)
    assert stats["calls"].get("POST /ssl/v2/orders/new") == 1

    cache_dir = tmp_path / "cache" / "tokens"
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    entries = list(cache_dir.glob("*.json"))
    assert len(entries) == 1
    entry = json.loads(entries[0].read_text())  # valid JSON, not a torn write
    assert set(entry) >= {"token", "expires_at", "username"}
    assert stat.S_IMODE(entries[0].stat().st_mode) == 0o600
    assert not [p.name for p in cache_dir.iterdir() if p.name.endswith(".tmp")]
    record(
        "concurrency",
        "%d forks, same credentials and certificate" % FORKS,
        token_mints=mints,
        orders=len(orders),
        placed=placed,
        adopted=adopted,
        order_calls=stats["calls"].get("POST /ssl/v2/orders/new"),
        api_calls=stats["total"],
        seconds=round(elapsed, 1),
    )
