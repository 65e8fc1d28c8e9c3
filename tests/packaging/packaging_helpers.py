"""Helpers shared by the packaging tests (a unique module name: tests/conftest.py exists too)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the venv's bin/: ansible-galaxy, ansible-doc, ansible-builder, ...


def tool(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else name


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a command, capture output, and fail the test with that output when it exits non-zero."""
    kwargs.setdefault("cwd", ROOT)
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kwargs)
    if proc.returncode != 0:
        pytest.fail(
            f"command failed ({proc.returncode}): {' '.join(cmd)}\n--- stdout\n{proc.stdout[-4000:]}\n"
            f"--- stderr\n{proc.stderr[-4000:]}",
            pytrace=False,
        )
    return proc


def clean_env(collections_path: Path | None = None) -> dict[str, str]:
    """An environment that sees only `collections_path` (no ~/.ansible, no .venv/collections)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["ANSIBLE_COLLECTIONS_SCAN_SYS_PATH"] = "false"
    env["ANSIBLE_NOCOLOR"] = "1"
    env["ANSIBLE_PYTHON_INTERPRETER"] = sys.executable
    if collections_path is not None:
        env["ANSIBLE_COLLECTIONS_PATH"] = str(collections_path)
    return env
