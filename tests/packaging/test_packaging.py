"""The collection as users get it: tarball contents, install, module docs, EE definition, changelog."""

from __future__ import annotations

import json
import re
import tarfile

import pytest
import yaml
from packaging_helpers import ROOT, clean_env, run, tool

# Paths (prefixes) that are development-only and must never ship.
FORBIDDEN_PREFIXES = (
    ".venv/",
    ".git/",
    ".ci/",
    "hack/",
    "bench/",
    "build/",
    ".ansible/",
    "tests/output/",
    "tests/packaging/",
    "tests/e2e/",
    "tests/reliability/",
    "tests/integration/inventory",
    "tests/integration/integration_config.yml",
    "demo/",  # runs from a checkout only (needs tests/e2e/fleet.py)
)
FORBIDDEN_FILES = {"Makefile", "requirements-dev.txt", "ruff.toml", ".ansible-lint", ".gitignore", "pytest.ini"}
FORBIDDEN_PARTS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache", ".git", ".venv"}
REQUIRED_FILES = (
    "MANIFEST.json",
    "FILES.json",
    "README.md",
    "LICENSE",
    "meta/runtime.yml",
    "meta/execution-environment.yml",
    "requirements.txt",
    "bindep.txt",
    "changelogs/changelog.yaml",
    "tests/conftest.py",
    "tests/unit/requirements.txt",
)
REQUIRED_DIRS = (
    "plugins/",
    "plugins/modules/",
    "plugins/module_utils/",
    "docs/",
    "tests/simulator/webnic_sim/",
    "tests/unit/plugins/modules/",
)


def action_group_modules() -> list[str]:
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    return list(runtime["action_groups"]["webnic"])


def shipped_modules() -> list[str]:
    """Every module, in an action group or not (the host-side modules are in none)."""
    return sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if not p.stem.startswith("_"))


@pytest.fixture(scope="module")
def members(tarball) -> list[str]:
    with tarfile.open(tarball) as tf:
        return [m.name.removeprefix("./") + ("/" if m.isdir() else "") for m in tf.getmembers()]


def test_tarball_has_no_dev_files(members):
    bad = [
        n
        for n in members
        if n.startswith(FORBIDDEN_PREFIXES)
        or n.rstrip("/") in FORBIDDEN_FILES
        or FORBIDDEN_PARTS.intersection(n.rstrip("/").split("/"))
        or n.endswith((".pyc", ".tar.gz", ".retry"))
    ]
    assert not bad, f"development-only files in the tarball: {bad[:30]}"


def test_tarball_has_required_content(members, clean_copy):
    names = set(members)
    missing = [f for f in REQUIRED_FILES if f not in names]
    missing += [d for d in REQUIRED_DIRS if not any(n.startswith(d) and n != d for n in names)]
    if any(p.is_file() for p in (clean_copy / "roles").rglob("*")):  # roles ship once there are any
        missing += [] if any(n.startswith("roles/") and n != "roles/" for n in names) else ["roles/"]
    assert not missing, f"missing from the tarball: {missing}"


def test_manifest_matches_galaxy_yml(installed, galaxy):
    manifest = json.loads((installed / "ansible_collections/webnic/ssl/MANIFEST.json").read_text())
    info = manifest["collection_info"]
    expected = (galaxy["namespace"], galaxy["name"], galaxy["version"])
    assert (info["namespace"], info["name"], info["version"]) == expected
    assert info["license"] == ["GPL-3.0-or-later"]


def test_action_group_modules_exist_in_installed_copy(installed):
    modules_dir = installed / "ansible_collections/webnic/ssl/plugins/modules"
    missing = [m for m in action_group_modules() if not (modules_dir / f"{m}.py").is_file()]
    assert not missing, f"meta/runtime.yml action group 'webnic' names modules that are not shipped: {missing}"


@pytest.mark.parametrize("module", shipped_modules())
def test_module_doc_renders(installed, module):
    fqcn = f"webnic.ssl.{module}"
    proc = run([tool("ansible-doc"), "--json", "-t", "module", fqcn], env=clean_env(installed), cwd=installed)
    # ansible-doc exits 0 and prints {} for a plugin it cannot find: check the content.
    data = json.loads(proc.stdout or "{}")
    assert fqcn in data, f"ansible-doc found no docs for {fqcn} (stderr: {proc.stderr.strip()[-500:]})"
    entry = data[fqcn]
    doc = entry.get("doc") or {}
    assert doc.get("short_description"), f"{fqcn}: empty short_description"
    assert doc.get("description"), f"{fqcn}: empty description"
    assert str(doc.get("filename", "")).startswith(str(installed)), f"{fqcn} documented from {doc.get('filename')}"
    examples = entry.get("examples")
    assert examples and examples.strip(), f"{fqcn}: no EXAMPLES"
    parsed = yaml.safe_load(examples)
    assert isinstance(parsed, list) and parsed, f"{fqcn}: EXAMPLES is not a YAML list of tasks"
    ret = entry.get("return")
    assert isinstance(ret, dict) and ret, f"{fqcn}: no RETURN"


def test_changelog_lint():
    proc = run([tool("antsibull-changelog"), "lint"], env=clean_env())
    assert not proc.stdout.strip(), proc.stdout


def test_readme_commands_are_make_targets():
    readme = (ROOT / "README.md").read_text()
    # Commands live in fenced blocks and `inline code`; prose ("make the ...") does not count.
    code = re.findall(r"(?s)```.*?```", readme)
    code += re.findall(r"`([^`\n]+)`", re.sub(r"(?s)```.*?```", "", readme))
    wanted = sorted({t for c in code for t in re.findall(r"(?m)(?:^|[\s;&|$])make\s+([a-z][a-z0-9_-]*)", c)})
    assert wanted, "README.md names no `make <target>` command"
    makefile = (ROOT / "Makefile").read_text()
    defined = set(re.findall(r"(?m)^([a-z][a-z0-9_-]*)\s*:(?!=)", makefile))
    missing = [t for t in wanted if t not in defined]
    assert not missing, f"README.md uses make targets the Makefile does not define: {missing}"
