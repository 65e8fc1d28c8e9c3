# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark helper: wall time per task, written as JSON to $BENCH_TIMINGS_FILE at the end of the play.

Enabled by bench/run.py (ANSIBLE_CALLBACKS_ENABLED=bench_timer) for every playbook it times, so the
overhead is the same for the role and its baselines. Not part of the collection.
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: bench_timer
type: aggregate
short_description: wall time per task (benchmark helper)
description:
  - Writes the wall time of each task, the hosts and loop items it ran and the WebNIC API calls its
    modules report (C(api_calls)) to the file named by E(BENCH_TIMINGS_FILE).
requirements: [enable in configuration]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._tasks = []
        self._current = None
        self._started = time.monotonic()

    def _close(self):
        if self._current is not None:
            self._current["seconds"] = round(time.monotonic() - self._current.pop("_t0"), 3)
            self._tasks.append(self._current)
            self._current = None

    def _open(self, task, kind="task"):
        self._close()
        self._current = {"name": task.get_name(), "kind": kind, "hosts": 0, "items": 0, "api_calls": 0}
        self._current["_t0"] = time.monotonic()

    def _count(self, result):
        if self._current is None:
            return
        data = result._result
        self._current["hosts"] += 1
        calls = data.get("api_calls", 0) or 0
        for item in data.get("results", []) or []:
            if isinstance(item, dict):
                calls += item.get("api_calls", 0) or 0
        self._current["api_calls"] += calls

    def v2_runner_on_ok(self, result):
        self._count(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._count(result)

    def v2_runner_item_on_ok(self, result):
        if self._current is not None:
            self._current["items"] += 1

    def v2_runner_item_on_failed(self, result):
        if self._current is not None:
            self._current["items"] += 1

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._open(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._open(task, "handler")

    def v2_playbook_on_stats(self, stats):
        self._close()
        path = os.environ.get("BENCH_TIMINGS_FILE")
        if path:
            with open(path, "w") as handle:
                json.dump({"total": round(time.monotonic() - self._started, 3), "tasks": self._tasks}, handle, indent=1)
