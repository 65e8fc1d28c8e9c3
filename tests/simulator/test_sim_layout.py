"""The simulator is an independent reading of the WebNIC contract: it imports nothing from the
collection (tests/unit/test_contract_tables.py is the one place that compares the two), and each
route of its table names a handler that the per-resource handler modules define."""

import ast
from pathlib import Path

from webnic_sim import api as sim_api

PACKAGE = Path(sim_api.__file__).parent


def imported_modules(path):
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_simulator_imports_nothing_from_the_collection():
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] == "ansible_collections" or "plugins" in m.split(".")
        )
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_every_route_names_a_handler_of_the_backend():
    for method, path, handler, *_rest in sim_api.ROUTES:
        assert callable(getattr(sim_api.Backend, handler, None)), (method, path, handler)
    for method, path, handler in sim_api.ADMIN_ROUTES:
        assert handler is None or callable(getattr(sim_api.Backend, handler, None)), (method, path, handler)


def test_each_handler_is_defined_once():
    # A handler defined in two resource modules would silently depend on the mixin order.
    seen = {}
    for cls in sim_api.Backend.__mro__[1:]:
        for name, value in vars(cls).items():
            if callable(value) and not name.startswith("__"):
                seen.setdefault(name, []).append(cls.__name__)
    assert {name: owners for name, owners in seen.items() if len(owners) > 1} == {}
