"""Fixtures for the packaging tests: build the collection tarball once, install it once.

The tarball is built from a clean copy of the checkout (git-tracked + untracked-not-ignored files,
as hack/sync-collection.sh makes it), i.e. what a release from a clean clone would contain.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from packaging_helpers import ROOT, clean_env, run, tool


@pytest.fixture(scope="session")
def galaxy() -> dict:
    return yaml.safe_load((ROOT / "galaxy.yml").read_text())


@pytest.fixture(scope="session")
def runtime() -> dict:
    return yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())


@pytest.fixture(scope="session")
def clean_copy(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("src") / "ansible_collections" / "webnic" / "ssl"
    env = dict(os.environ, SYNC_DEST=str(dest))
    run(["bash", str(ROOT / "hack" / "sync-collection.sh")], env=env)
    return dest


@pytest.fixture(scope="session")
def tarball(clean_copy, tmp_path_factory, galaxy) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run(
        [tool("ansible-galaxy"), "collection", "build", "--output-path", str(out), str(clean_copy)],
        env=clean_env(),
        cwd=clean_copy,
    )
    path = out / f"{galaxy['namespace']}-{galaxy['name']}-{galaxy['version']}.tar.gz"
    assert path.is_file(), f"expected {path.name}, got {[p.name for p in out.iterdir()]}"
    return path


@pytest.fixture(scope="session")
def installed(tarball, tmp_path_factory) -> Path:
    """A clean collections path holding only the installed tarball; returns that path."""
    cpath = tmp_path_factory.mktemp("installed")
    run(
        [tool("ansible-galaxy"), "collection", "install", "--offline", "-p", str(cpath), str(tarball)],
        env=clean_env(cpath),
        cwd=cpath,
    )
    assert (cpath / "ansible_collections" / "webnic" / "ssl" / "MANIFEST.json").is_file()
    return cpath
