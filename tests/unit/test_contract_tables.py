# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client's endpoint table and the simulator's route table are two independent readings of the
WebNIC contract (/work/shared/webnic-api.md); they must agree on every method, path, kind (what
repeating a call does) and confidence mark. This test is the one place that imports both sides."""

from ansible_collections.webnic.ssl.plugins.module_utils._webnic.endpoints import ENDPOINTS
from webnic_sim import api as sim_api


def client_rows():
    return {(e.method, e.path): (e.kind, e.confidence) for e in ENDPOINTS.values()}


def simulator_rows():
    return {(r[0], r[1]): (r[5], r[6]) for r in sim_api.ROUTES}


def test_both_tables_name_the_same_routes():
    client, simulator = set(client_rows()), set(simulator_rows())
    assert sorted(client - simulator) == [], "client endpoints the simulator does not serve"
    assert sorted(simulator - client) == [], "simulator routes the client does not know"


def test_both_tables_agree_on_kind_and_confidence():
    client, simulator = client_rows(), simulator_rows()
    disagreements = {
        f"{method} {path}": {"client": client[(method, path)], "simulator": simulator[(method, path)]}
        for method, path in sorted(set(client) & set(simulator))
        if client[(method, path)] != simulator[(method, path)]
    }
    assert disagreements == {}


def test_the_tables_are_compared_row_by_row():
    # Guard against both sides being empty or collapsing duplicates: 37 routes today.
    assert len(client_rows()) == len(ENDPOINTS) == len(sim_api.ROUTES) == len(simulator_rows()) >= 37
