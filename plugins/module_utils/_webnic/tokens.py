# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""On-disk bearer token cache, one file per (API URL, username).

Why on disk: every Ansible task is a new process; without a shared cache a play of 20 WebNIC tasks
over 50 hosts would mint a token per task and per host. The file is 0600 in a 0700 directory under
the user's cache dir (never the project directory), written through a temp file and an atomic rename,
and guarded by flock so that concurrent forks mint one token between them.

The cache never lets a caller use a token it could not have minted itself: the entry stores a salted
PBKDF2 digest of the password, and a caller whose password differs gets no token from the cache.
"""

import hashlib
import hmac
import json
import os
import tempfile
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None

# Reuse a token until this many seconds before it expires.
EXPIRY_MARGIN = 300
PBKDF2_ROUNDS = 20000


def default_cache_dir():
    explicit = os.environ.get("WEBNIC_TOKEN_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "webnic.ssl", "tokens")


def _password_digest(password, salt):
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, PBKDF2_ROUNDS).hex()


class TokenCache:
    def __init__(self, api_url, username, password, cache_dir=None, clock=time.time):
        self.cache_dir = cache_dir or default_cache_dir()
        self.username = username
        self.password = password
        self.clock = clock
        key = hashlib.sha256(("%s\0%s" % (api_url.rstrip("/"), username)).encode("utf-8")).hexdigest()[:32]
        self.path = os.path.join(self.cache_dir, "%s.json" % key)
        self.lock_path = os.path.join(self.cache_dir, "%s.lock" % key)
        self._lock_fd = None

    def _ensure_dir(self):
        if not os.path.isdir(self.cache_dir):
            os.makedirs(self.cache_dir, mode=0o700, exist_ok=True)
        try:
            os.chmod(self.cache_dir, 0o700)
        except OSError:
            pass

    def __enter__(self):
        """Hold the cache lock while a caller reads, mints and stores (so forks mint once)."""
        try:
            self._ensure_dir()
            if fcntl is not None:
                self._lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        except OSError:
            self._lock_fd = None  # a cache we cannot lock is only a lost optimisation
        return self

    def __exit__(self, *exc):
        if self._lock_fd is not None:
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            finally:
                os.close(self._lock_fd)
                self._lock_fd = None
        return False

    def load(self):
        """Return a cached token still valid for EXPIRY_MARGIN seconds, or None."""
        try:
            with open(self.path, "r") as handle:
                entry = json.load(handle)
            salt = bytes.fromhex(entry["salt"])
            if not hmac.compare_digest(entry["password_digest"], _password_digest(self.password, salt)):
                return None
            if entry.get("username") != self.username:
                return None
            if float(entry["expires_at"]) - EXPIRY_MARGIN <= self.clock():
                return None
            return entry["token"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, token, expires_in):
        salt = os.urandom(16)
        entry = {
            "username": self.username,
            "token": token,
            "expires_at": self.clock() + float(expires_in),
            "salt": salt.hex(),
            "password_digest": _password_digest(self.password, salt),
        }
        try:
            self._write_private_json(self.path, entry, ".token-")
        except OSError:
            pass  # read-only home (some EEs): run without a cache

    def _write_private_json(self, path, data, prefix):
        """Write ``data`` to ``path`` atomically: a 0600 temporary file in the cache directory, synced,
        then renamed over ``path``; the temporary file is removed when anything fails."""
        self._ensure_dir()
        fd, tmp = tempfile.mkstemp(dir=self.cache_dir, prefix=prefix, suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump(data, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.rename(tmp, path)
        except Exception:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def forget(self, token):
        """Drop the cached entry if it still holds ``token`` (a 401 proved it dead)."""
        try:
            with open(self.path, "r") as handle:
                entry = json.load(handle)
            if entry.get("token") == token:
                os.unlink(self.path)
        except (OSError, ValueError):
            pass

    # ------------------------------------------------------------------ notes

    # What a run learned about this API account and should not have to learn again (e.g. which
    # body encoding Download Cert accepts). Kept beside the token, not in it: a new token must not
    # forget them. Nothing secret goes here.

    @property
    def notes_path(self):
        return self.path[: -len(".json")] + ".notes.json"

    def _read_notes(self):
        try:
            with open(self.notes_path, "r") as handle:
                notes = json.load(handle)
            return notes if isinstance(notes, dict) else {}
        except (OSError, ValueError):
            return {}

    def load_note(self, key):
        return self._read_notes().get(key)

    def store_note(self, key, value):
        notes = self._read_notes()
        if notes.get(key) == value:
            return
        notes[key] = value
        try:
            self._write_private_json(self.notes_path, notes, ".notes-")
        except OSError:
            pass  # nothing learned is lost but a retry next run
