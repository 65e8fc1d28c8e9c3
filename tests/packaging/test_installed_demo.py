"""The demo playbook runs with the role and modules of the installed tarball (no checkout on the path)."""

from __future__ import annotations

import subprocess
import sys

from packaging_helpers import ROOT, clean_env


def test_demo_runs_from_the_installed_collection(installed):
    env = clean_env(installed)
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
