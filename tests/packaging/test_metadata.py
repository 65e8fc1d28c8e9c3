"""Metadata that drifts when nobody looks: version_added, seealso, changed_reasons, the cryptography
minimum, and the changelog a release would write (every module and the role listed as new)."""

from __future__ import annotations

import ast
import re
import shutil

import pytest
import yaml
from packaging_helpers import ROOT, clean_env, run, tool

MODULES = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
ROLES = sorted(p.parent.parent.name for p in (ROOT / "roles").glob("*/meta/argument_specs.yml"))


def module_doc(name: str, part: str) -> dict:
    tree = ast.parse((ROOT / "plugins" / "modules" / f"{name}.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == part:
            return yaml.safe_load(node.value.value) or {}
    raise AssertionError(f"{name}: no {part}")


def cryptography_minimum() -> str:
    match = re.search(r"(?m)^cryptography>=([\d.]+)\s*$", (ROOT / "requirements.txt").read_text())
    assert match, "requirements.txt names no cryptography minimum"
    return match.group(1)


def test_there_are_modules_and_a_role():
    assert len(MODULES) >= 14 and ROLES == ["certificate"]


@pytest.mark.parametrize("module", MODULES)
def test_module_version_added_is_this_release(module, galaxy):
    # Everything is new in the first release; later additions carry the release they came in.
    assert module_doc(module, "DOCUMENTATION")["version_added"] == galaxy["version"]


@pytest.mark.parametrize("role", ROLES)
def test_role_version_added_is_this_release(role, galaxy):
    specs = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
    assert specs["argument_specs"]["main"]["version_added"] == galaxy["version"]


@pytest.mark.parametrize("module", MODULES)
def test_module_has_seealso_of_existing_modules(module):
    seealso = module_doc(module, "DOCUMENTATION").get("seealso") or []
    assert seealso, f"{module}: no seealso"
    for entry in seealso:
        if entry.get("module", "").startswith("webnic.ssl."):
            assert entry["module"].removeprefix("webnic.ssl.") in MODULES, entry


@pytest.mark.parametrize("module", MODULES)
def test_changed_reasons_is_documented(module):
    returned = module_doc(module, "RETURN").get("changed_reasons")
    assert returned, f"{module}: RETURN does not document changed_reasons"
    assert returned["returned"] in ("always", "success") and returned["type"] == "list"


@pytest.mark.parametrize("module", MODULES)
def test_cryptography_requirement_has_the_one_minimum(module):
    minimum = cryptography_minimum()
    for requirement in module_doc(module, "DOCUMENTATION").get("requirements") or []:
        if requirement.startswith("cryptography"):
            assert requirement.startswith(f"cryptography >= {minimum}"), (module, requirement)


def test_cryptography_minimum_in_the_docs():
    minimum = cryptography_minimum()
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for found in re.findall(r"cryptography\s*>=\s*([\d.]+)", path.read_text()):
            assert found == minimum, f"{path.name} says cryptography >= {found}, requirements.txt {minimum}"


def test_changelog_release_lists_every_module_and_the_role(clean_copy, tmp_path, galaxy):
    # A release run on a copy: what `antsibull-changelog release` would write into changelog.yaml.
    root = tmp_path / "ansible_collections" / "webnic" / "ssl"
    shutil.copytree(clean_copy, root)
    env = clean_env(tmp_path)
    run([tool("antsibull-changelog"), "release", "--version", galaxy["version"]], env=env, cwd=root)
    release = yaml.safe_load((root / "changelogs" / "changelog.yaml").read_text())["releases"][galaxy["version"]]
    assert sorted(m["name"] for m in release.get("modules", [])) == MODULES
    assert sorted(r["name"] for r in (release.get("objects") or {}).get("role", [])) == ROLES
    assert release.get("fragments"), "the release lists no changelog fragment"
