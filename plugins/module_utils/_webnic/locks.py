# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A lock shared by every controller that reaches one host: a directory made with mkdir.

Sliced runs (AWX job slicing, several execution nodes) share no controller disk, so the lock of the
order module (a file in the controller's cache) does not serialise them. They do share the hosts of
the inventory: a lock held on one such host (the role's key host) serialises the runs that decide
whether to place an order. mkdir is atomic on every local file system and on NFS; the directory holds
an owner file naming the run that holds it. A lock whose holder died is taken over once it is older
than ``stale_after`` seconds; it is renamed away first, so that of several runs finding the same stale
lock exactly one takes it over.
"""

import json
import os
import shutil
import socket
import time

OWNER_FILE = "owner.json"


class LockTimeout(Exception):
    """The lock stayed held by another run for the whole wait."""

    def __init__(self, path, holder, waited):
        self.path = path
        self.holder = holder
        self.waited = waited
        super().__init__(
            "the lock %s is held by %s since %s; waited %d s. If that run is gone, the lock is taken over "
            "once it is older than stale_after, or remove the directory by hand."
            % (path, describe_holder(holder), (holder or {}).get("acquired_at", "an unknown time"), waited)
        )


def describe_holder(holder):
    if not holder:
        return "a run that has not written its owner file yet"
    return "run %s (pid %s on %s)" % (holder.get("owner", "?"), holder.get("pid", "?"), holder.get("host", "?"))


def is_stale(age_seconds, stale_after):
    """A lock held this long by another run belongs to a run that died (the critical section is seconds)."""
    return stale_after > 0 and age_seconds > stale_after


def read_holder(path):
    """The owner record of the lock at ``path``; None when missing or unreadable (being written or removed)."""
    try:
        with open(os.path.join(path, OWNER_FILE)) as owner_file:
            holder = json.load(owner_file)
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


def lock_age(path, now=None):
    """Seconds since the lock directory was made; None when it is gone."""
    try:
        made = os.lstat(path).st_mtime
    except OSError:
        return None
    return max(0.0, (now if now is not None else time.time()) - made)


def _remove_renamed(path):
    """Rename ``path`` away, then remove it: True when this call renamed it (a concurrent caller loses)."""
    doomed = "%s.released.%d.%d" % (path, os.getpid(), int(time.time() * 1000000))
    try:
        os.rename(path, doomed)
    except OSError:
        return False
    shutil.rmtree(doomed, ignore_errors=True)
    return True


def acquire(path, owner, timeout, stale_after, interval=0.2, sleep=time.sleep, clock=time.monotonic):
    """Take the lock at ``path`` for ``owner``; returns a dict (acquired, already_held, waited, taken_over).

    Raises LockTimeout after ``timeout`` seconds of another holder, OSError when the parent directory
    cannot hold the lock (missing, not writable).
    """
    started = clock()
    taken_over = None
    while True:
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            holder = read_holder(path)
            if holder and holder.get("owner") == owner:
                return {"acquired": False, "already_held": True, "waited": 0.0, "taken_over": None}
            age = lock_age(path)
            if age is not None and is_stale(age, stale_after) and _remove_renamed(path):
                taken_over = holder or {}
                continue
            waited = clock() - started
            if waited >= timeout:
                raise LockTimeout(path, holder, waited)
            sleep(interval)
            continue
        record = {
            "owner": owner,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "acquired_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        temporary = os.path.join(path, "." + OWNER_FILE + ".tmp")
        with open(temporary, "w") as owner_file:
            json.dump(record, owner_file)
        os.rename(temporary, os.path.join(path, OWNER_FILE))
        return {"acquired": True, "already_held": False, "waited": clock() - started, "taken_over": taken_over}


def release(path: str, owner: str) -> str:
    """Release the lock at ``path`` if ``owner`` holds it; returns 'released', 'absent' or 'not_owner'."""
    if not os.path.isdir(path) or os.path.islink(path):
        return "absent"
    holder = read_holder(path)
    if not holder or holder.get("owner") != owner:
        return "not_owner"
    return "released" if _remove_renamed(path) else "absent"
