"""The user documentation stays connected to the code: guides are reachable, links resolve, every
assumed endpoint is listed for users with real API access, every module is named in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
ASSUMPTIONS = DOCS / "api-assumptions.md"
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
# A row of the endpoint table in api-assumptions.md: | ... | `METHOD /path` | `endpoint_name` | ...
TABLE_ROW = re.compile(r"^\|[^|]*\|\s*`(GET|POST|PUT|DELETE|PATCH) (/[^`]+)`\s*\|\s*`(\w+)`\s*\|", re.M)


def endpoints():
    from ansible_collections.webnic.ssl.plugins.module_utils._webnic.endpoints import ENDPOINTS

    return ENDPOINTS


def assumed_endpoints():
    return {name: ep for name, ep in endpoints().items() if ep.confidence == "assumed"}


def local_links(path):
    """Relative link targets of a markdown file (no URLs, no pure #anchors), anchors stripped."""
    targets = []
    for target in LINK.findall(path.read_text()):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        targets.append(target.split("#", 1)[0])
    return targets


def markdown_files():
    files = sorted(DOCS.glob("*.md"))
    files += [p for p in (ROOT / "extensions" / "awx", ROOT / "examples" / "awx-nightly") for p in p.glob("*.md")]
    if README.is_file():
        files.append(README)
    return files


def test_readme_exists():
    assert README.is_file(), "README.md is the collection's front page (galaxy.yml readme:)"


def test_every_guide_is_linked_from_readme_or_index():
    linked = set()
    for page in (README, DOCS / "index.md"):
        if page.is_file():
            linked |= {(page.parent / target).resolve() for target in local_links(page)}
    unlinked = [p.name for p in sorted(DOCS.glob("*.md")) if p.name != "index.md" and p.resolve() not in linked]
    assert not unlinked, "docs not linked from README.md or docs/index.md: %s" % unlinked


@pytest.mark.parametrize("page", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    broken = [t for t in local_links(page) if t and not (page.parent / t).exists()]
    assert not broken, "%s links to missing files: %s" % (page.relative_to(ROOT), broken)


def test_every_assumed_endpoint_is_listed_in_api_assumptions():
    listed = set(TABLE_ROW.findall(ASSUMPTIONS.read_text()))
    expected = {(ep.method, ep.path, name) for name, ep in assumed_endpoints().items()}
    missing = sorted(expected - listed)
    assert not missing, "assumed in endpoints.py but not listed in docs/api-assumptions.md: %s" % missing


def test_api_assumptions_lists_nothing_that_is_no_longer_assumed():
    listed = set(TABLE_ROW.findall(ASSUMPTIONS.read_text()))
    expected = {(ep.method, ep.path, name) for name, ep in assumed_endpoints().items()}
    stale = sorted(listed - expected)
    assert not stale, "docs/api-assumptions.md lists endpoints endpoints.py no longer marks assumed: %s" % stale


def test_every_module_is_named_in_readme():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    modules = set(runtime["action_groups"]["webnic"])
    modules |= {p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if not p.stem.startswith("_")}
    text = README.read_text() if README.is_file() else ""
    missing = sorted(m for m in modules if m not in text)
    assert not missing, "modules not mentioned in README.md: %s" % missing


def test_error_codes_in_troubleshooting():
    text = (DOCS / "troubleshooting.md").read_text()
    for code in (
        "SSL2400",
        "SSL4000",
        "SSL4002",
        "SSL5000",
        "SSL0004",
        "RES5001",
        "401",
        "403",
        "429",
        "AmbiguousWriteError",
        "TLS",
    ):
        assert code in text, "docs/troubleshooting.md does not cover %s" % code


def test_example_inventory_uses_only_role_options():
    """examples/awx-nightly/inventory.yml names only variables the role declares."""
    spec = yaml.safe_load((ROOT / "roles" / "certificate" / "meta" / "argument_specs.yml").read_text())
    options = spec["argument_specs"]["main"]["options"]
    entry_options = set(options["certificate_list"]["options"])
    inventory = yaml.safe_load((ROOT / "examples" / "awx-nightly" / "inventory.yml").read_text())

    def group_vars(group):
        yield group.get("vars") or {}
        for child in (group.get("children") or {}).values():
            yield from group_vars(child or {})

    seen = {}
    for variables in group_vars(inventory["all"]):
        seen.update(variables)
    unknown = sorted(name for name in seen if name.startswith("certificate_") and name not in options)
    assert not unknown, "inventory.yml sets role variables the role does not declare: %s" % unknown
    for entry in seen["certificate_list"]:
        assert set(entry) <= entry_options, "unknown certificate_list keys: %s" % sorted(set(entry) - entry_options)
