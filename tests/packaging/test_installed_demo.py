"""The demo playbook runs with the role and modules of the installed tarball (no checkout on the path),
with nginx and in the files-only mode a machine without nginx gets (Python TLS servers).

The demo itself does not ship in the tarball (galaxy.yml build_ignore): it runs from a checkout."""

from __future__ import annotations

import subprocess
import sys

import pytest
from packaging_helpers import ROOT, clean_env


@pytest.mark.parametrize("server", ["nginx", "python"])
def test_demo_runs_from_the_installed_collection(installed, server):
    env = clean_env(installed)
    env["WEBNIC_SSL_DEMO_SERVER"] = server
    # demo/run.py hands this path to ansible-playbook as its only collections path: the role and the
    # modules come from the installed copy, not from the checkout.
    env["WEBNIC_SSL_COLLECTIONS_PATH"] = str(installed)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "demo" / "run.py")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=900,
        check=False,
    )
    tail = proc.stdout[-3000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, tail
    assert "the rerun made no API call" in proc.stdout, tail
    if server == "python":
        assert "files-only mode" in proc.stdout and "server_type: none" in proc.stdout, tail
    else:
        assert "demo: using nginx" in proc.stdout, tail
