# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""meta/runtime.yml's action group `webnic` holds exactly the modules that call the API: module_defaults
of group/webnic.ssl.webnic hand the connection options to every member, so a member must take them,
and a host-side module (which takes none) must not be a member. The docs say the same."""

import ast
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
HOST_SIDE = {"webnic_ssl_cert_install", "webnic_ssl_validation_file", "webnic_ssl_deployed_info"}
# webnic_ssl_deployed_info's DOCUMENTATION is owned elsewhere in this change; drop it from this set
# once it no longer extends webnic.ssl.webnic.attributes.
DOCS_PENDING = {"webnic_ssl_deployed_info"}


def module_names():
    return sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if not p.stem.startswith("_"))


def documentation(name):
    tree = ast.parse((ROOT / "plugins" / "modules" / (name + ".py")).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)
    raise AssertionError("%s has no DOCUMENTATION" % name)


def groups():
    return yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())["action_groups"]


def test_host_side_modules_are_in_no_action_group():
    assert {name: members for name, members in groups().items() if HOST_SIDE & set(members)} == {}


def test_the_webnic_group_is_every_module_with_connection_options():
    with_connection = {
        name
        for name in module_names()
        if "webnic.ssl.webnic" in documentation(name).get("extends_documentation_fragment", [])
    }
    assert set(groups()["webnic"]) == with_connection
    assert not HOST_SIDE & with_connection


def test_host_side_modules_document_no_action_group():
    for name in sorted(HOST_SIDE - DOCS_PENDING):
        doc = documentation(name)
        assert "webnic.ssl.webnic.attributes" not in doc.get("extends_documentation_fragment", []), name
        assert "action_group" not in doc.get("attributes", {}), name


def test_file_writing_modules_take_no_connection_option():
    for name in ("webnic_ssl_cert_install", "webnic_ssl_validation_file"):
        assert not [option for option in documentation(name)["options"] if option.startswith("api_")], name
