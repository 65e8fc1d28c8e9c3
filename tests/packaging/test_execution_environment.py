"""Execution environments: the collection's meta/execution-environment.yml declares dependencies only,
and examples/execution-environment/ is a definition whose build context installs webnic.ssl from the
tarball. `ansible-builder create` writes the context (no container engine here, so no build)."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml
from packaging_helpers import ROOT, clean_env, run, tool

EXAMPLE = ROOT / "examples" / "execution-environment"


def test_collection_ee_file_holds_dependencies_only():
    meta = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text())
    assert set(meta) == {"version", "dependencies"}
    assert meta["dependencies"] == {"python": "requirements.txt", "system": "bindep.txt"}


def test_introspection_of_the_installed_collection_finds_its_requirements(installed, tmp_path):
    proc = run([tool("ansible-builder"), "introspect", "--sanitize", str(installed)], env=clean_env(), cwd=tmp_path)
    for wanted in ("requests", "cryptography", "idna", "openssl", "ca-certificates"):
        assert wanted in proc.stdout, (wanted, proc.stdout)


@pytest.fixture(scope="module")
def example_context(tarball, tmp_path_factory):
    work = tmp_path_factory.mktemp("ee")
    for path in EXAMPLE.glob("*.yml"):
        shutil.copy(path, work / path.name)
    # As README.md says: the tarball next to the definition, under a fixed name.
    shutil.copy(tarball, work / "webnic-ssl.tar.gz")
    context = work / "context"
    run(
        [tool("ansible-builder"), "create", "-f", "execution-environment.yml", "-c", str(context)],
        env=clean_env(),
        cwd=work,
    )
    return context


def containerfile(context):
    for name in ("Containerfile", "Dockerfile"):
        if (context / name).is_file():
            return (context / name).read_text()
    raise AssertionError(f"no Containerfile in {sorted(p.name for p in context.iterdir())}")


def build_arg(text, name):
    match = re.search(r'(?m)^ARG %s="([^"]*)"$' % name, text)
    assert match, f"no ARG {name}"
    return match.group(1)


def test_base_image_is_pinned(example_context):
    image = build_arg(containerfile(example_context), "EE_BASE_IMAGE")
    name, _sep, tag = image.rpartition(":")
    assert name and tag and tag != "latest" and re.search(r"\d", tag), image


def test_ansible_core_range_is_the_one_of_requires_ansible(example_context, runtime):
    refs = build_arg(containerfile(example_context), "ANSIBLE_INSTALL_REFS").split()
    core = [ref for ref in refs if ref.startswith("ansible-core")]
    assert len(core) == 1, refs
    minimum = runtime["requires_ansible"].removeprefix(">=")
    assert core[0].startswith(f"ansible-core>={minimum},"), (core, runtime["requires_ansible"])
    assert any(ref.startswith("ansible-runner") for ref in refs), refs


def test_galaxy_requirements_of_the_context_install_webnic_ssl(example_context, tmp_path, galaxy):
    build = example_context / "_build"
    assert (build / "collections" / "webnic-ssl.tar.gz").is_file()
    # The galaxy stage runs in /build (the context's _build/): install the same way, offline.
    target = tmp_path / "collections"
    run(
        [tool("ansible-galaxy"), "collection", "install", "--offline", "-r", "requirements.yml", "-p", str(target)],
        env=clean_env(target),
        cwd=build,
    )
    manifest = target / "ansible_collections" / "webnic" / "ssl" / "MANIFEST.json"
    assert manifest.is_file()
    assert f'"version": "{galaxy["version"]}"' in manifest.read_text()
    # The builder stage then introspects what the galaxy stage installed.
    proc = run([tool("ansible-builder"), "introspect", "--sanitize", str(target)], env=clean_env(), cwd=tmp_path)
    assert "cryptography" in proc.stdout and "openssl" in proc.stdout, proc.stdout
