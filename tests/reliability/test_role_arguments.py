# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's argument validation must not depend on variables of the test suites' inventories.

Regression test for a bug this suite found: argument_specs.yml had `{{ host_dir }}` in a description,
ansible-core 2.19 templates the spec given to validate_argument_spec, so every play without a
`host_dir` variable failed before the role did anything. The e2e inventories define host_dir, which hid it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_helpers import ansible_playbook, local_inventory, playbook_env

pytestmark = [pytest.mark.simulator]

HERE = Path(__file__).resolve().parent


def test_role_runs_without_host_dir(sim, tmp_path):
    inventory = local_inventory(tmp_path / "hosts.ini", ["web1"])
    run = ansible_playbook(HERE / "playbooks" / "role_empty.yml", inventory, playbook_env(sim, tmp_path))
    assert run.returncode == 0, run.stdout[-2000:]
