# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""certificate_lock: the lock sliced runs take on the key host. No API: real directories in tmp_path and
real concurrent processes."""

import multiprocessing
import os
import time

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import locks
from ansible_collections.webnic.ssl.plugins.modules import certificate_lock

from .runner import run_module


def _hold(path, owner, start, queue):
    start.wait(10)
    taken = locks.acquire(path, owner, timeout=30, stale_after=0, interval=0.01)
    # Inside the lock: record entering, stay a moment, record leaving; overlapping holders would interleave.
    queue.put(("in", owner, time.monotonic()))
    time.sleep(0.05)
    queue.put(("out", owner, time.monotonic()))
    assert locks.release(path, owner) == "released"
    queue.put(("taken", owner, taken["acquired"]))


def test_eight_processes_taking_the_lock_at_once_hold_it_one_after_another(tmp_path):
    context = multiprocessing.get_context("fork")
    path = str(tmp_path / "www.example.test.lock")
    start, queue = context.Event(), context.Queue()
    workers = [context.Process(target=_hold, args=(path, "run-%d" % n, start, queue)) for n in range(8)]
    for worker in workers:
        worker.start()
    start.set()
    events = [queue.get(timeout=60) for _event in range(24)]
    for worker in workers:
        worker.join(10)
        assert worker.exitcode == 0
    spans = [e for e in events if e[0] in ("in", "out")]
    spans.sort(key=lambda e: e[2])
    # Strictly alternating in/out of the same owner: never two holders at once.
    assert [e[0] for e in spans] == ["in", "out"] * 8
    assert all(spans[i][1] == spans[i + 1][1] for i in range(0, 16, 2))
    assert sorted(e[1] for e in events if e[0] == "taken" and e[2]) == sorted("run-%d" % n for n in range(8))
    assert not os.path.exists(path)
    assert os.listdir(str(tmp_path)) == []  # nothing left behind (no renamed leftovers)


def test_the_module_takes_waits_times_out_names_the_holder_and_releases_only_its_own(tmp_path):
    path = str(tmp_path / "c.lock")
    first = run_module(certificate_lock, {"path": path, "owner": "run-A"})
    assert not first.failed and first["changed"] and first["acquired"]
    assert first["changed_reasons"] == ["lock %s taken" % path]
    assert oct(os.stat(path).st_mode & 0o777) == "0o700"
    again = run_module(certificate_lock, {"path": path, "owner": "run-A"})
    assert not again.failed and not again["changed"] and again["changed_reasons"] == []

    other = run_module(certificate_lock, {"path": path, "owner": "run-B", "timeout": 1})
    assert other.failed
    assert "is held by run run-A" in other["msg"] and "waited 1 s" in other["msg"]

    not_mine = run_module(certificate_lock, {"path": path, "owner": "run-B", "state": "absent"})
    assert not not_mine.failed and not not_mine["changed"] and os.path.isdir(path)
    assert any("no longer held by run-B" in w for w in not_mine.get("warnings", []))

    checked = run_module(certificate_lock, {"path": path, "owner": "run-A", "state": "absent"}, check_mode=True)
    assert checked["changed"] and os.path.isdir(path)
    released = run_module(certificate_lock, {"path": path, "owner": "run-A", "state": "absent"})
    assert released["changed"] and released["released"] and not os.path.exists(path)
    assert released["changed_reasons"] == ["lock %s released" % path]
    gone = run_module(certificate_lock, {"path": path, "owner": "run-A", "state": "absent"})
    assert not gone.failed and not gone["changed"]


def test_a_stale_lock_of_a_dead_run_is_taken_over_and_a_fresh_one_is_not(tmp_path):
    path = str(tmp_path / "c.lock")
    assert locks.acquire(path, "dead-run", timeout=0, stale_after=0)["acquired"]
    fresh = run_module(certificate_lock, {"path": path, "owner": "run-B", "timeout": 0, "stale_after": 600})
    assert fresh.failed and "dead-run" in fresh["msg"]
    old = time.time() - 3600
    os.utime(path, (old, old))
    taken = run_module(certificate_lock, {"path": path, "owner": "run-B", "timeout": 0, "stale_after": 600})
    assert not taken.failed and taken["acquired"], taken
    assert taken["taken_over"]["owner"] == "dead-run"
    assert any("took over the stale lock" in w for w in taken.get("warnings", []))
    assert locks.read_holder(path)["owner"] == "run-B"
    assert sorted(os.listdir(str(tmp_path))) == ["c.lock"]


def test_bad_input_is_refused_naming_the_field_and_nothing_is_made(tmp_path):
    missing = run_module(certificate_lock, {"path": str(tmp_path / "no" / "c.lock"), "owner": "r"})
    assert missing.failed and "does not exist" in missing["msg"]
    assert not (tmp_path / "no").exists()
    relative = run_module(certificate_lock, {"path": "c.lock", "owner": "r"})
    assert relative.failed and "absolute" in relative["msg"]
    empty = run_module(certificate_lock, {"path": str(tmp_path / "c.lock"), "owner": " "})
    assert empty.failed and "owner" in empty["msg"]
    os.symlink(str(tmp_path / "elsewhere"), str(tmp_path / "link.lock"))
    link = run_module(certificate_lock, {"path": str(tmp_path / "link.lock"), "owner": "r"})
    assert link.failed and "symbolic link" in link["msg"]
    assert not (tmp_path / "elsewhere").exists()


def test_is_stale_never_with_zero_and_only_past_the_limit():
    assert not locks.is_stale(10**6, 0)
    assert not locks.is_stale(600, 600)
    assert locks.is_stale(600.5, 600)
