# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's main() in-process, as Ansible would, and return its JSON result.

The module really talks HTTP to the simulator; only the process boundary is skipped so that a
test runs in milliseconds instead of a second.
"""

import contextlib
import io
import json
import os

import pytest
from ansible.module_utils.common import warnings as warnings_module
from ansible.module_utils.testing import patch_module_args


class ModuleResult(dict):
    @property
    def failed(self):
        return bool(self.get("failed"))


def _summary_text(item):
    if isinstance(item, dict):
        event = item.get("event") or item
        return event.get("msg") or str(item)
    return item


def run_module(module, args, check_mode=False, diff=False, env=None):
    """Run ``module.main()`` with ``args``; returns the result dict (``failed`` set on failure).

    Also returns what the module printed under ``result["_stdout"]`` so tests can grep it for secrets.
    """
    full_args = dict(args)
    if check_mode:
        full_args["_ansible_check_mode"] = True
    if diff:
        full_args["_ansible_diff"] = True
    # Warnings and deprecations are process-global in ansible-core; each real module run starts a
    # fresh process, so an in-process run must start with none left over from an earlier one.
    warnings_module._global_warnings.clear()
    warnings_module._global_deprecations.clear()
    stdout = io.StringIO()
    saved_env = {}
    try:
        for key, value in (env or {}).items():
            saved_env[key] = os.environ.get(key)
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        with patch_module_args(full_args), contextlib.redirect_stdout(stdout), pytest.raises(SystemExit):
            module.main()
    finally:
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    text = stdout.getvalue()
    result = ModuleResult(json.loads(text))
    # ansible-core 2.19 returns warnings and deprecations as structured summaries: keep their text.
    for key in ("warnings", "deprecations"):
        if key in result:
            result[key] = [_summary_text(item) for item in result[key]]
    result["_stdout"] = text
    return result


def connection_args(sim, **extra):
    args = {
        "api_endpoint": sim.url,
        "api_username": "api-demo",
        "api_password": "demo-secret",
    }
    if sim.url.startswith("https"):
        args["ca_path"] = sim.ca_path
    args.update(extra)
    return args
