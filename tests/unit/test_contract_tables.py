# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client's endpoint table and the simulator's route table are two independent readings of the
WebNIC contract (/work/shared/webnic-api.md); they must agree on every method, path, kind (what
repeating a call does) and confidence mark. This is the one place that lists the contract's
endpoints against each other, and the one test that imports both sides."""

from ansible_collections.webnic.ssl.plugins.module_utils._webnic.endpoints import ENDPOINTS
from webnic_sim import api as sim_api


def client_rows():
    return {(e.method, e.path): (e.kind, e.confidence) for e in ENDPOINTS.values()}


def simulator_rows():
    return {(r[0], r[1]): (r[5], r[6]) for r in sim_api.ROUTES}


def test_simulator_route_table_equals_client_endpoint_table():
    client, simulator = client_rows(), simulator_rows()
    differences = {
        f"{method} {path}": {"client": client.get((method, path)), "simulator": simulator.get((method, path))}
        for method, path in sorted(set(client) | set(simulator))
        if client.get((method, path)) != simulator.get((method, path))
    }
    # None on one side: a route only the other side knows; otherwise (kind, confidence) disagree.
    assert differences == {}


def test_the_tables_are_compared_row_by_row():
    # Neither side may be empty or hold two rows for one method + path (the dicts would collapse them):
    # 37 routes today.
    assert len(client_rows()) == len(ENDPOINTS) == len(sim_api.ROUTES) == len(simulator_rows()) >= 37
