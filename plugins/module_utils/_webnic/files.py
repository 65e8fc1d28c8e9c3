# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare-then-write for keys, CSRs, certificates and chains.

A file is rewritten only when its bytes differ; the new bytes go to a 0600 temporary file in the
same directory, are fsync'ed, get their final mode and owner, and then replace the old file with one
``rename``. Readers see the old file or the new one, never a half-written one, and a private key is
never readable by others, not even for a moment.

Why not ``AnsibleModule.atomic_move``: when it creates a file it resets the mode to
``0666 & ~umask`` after the rename, so a new key would be world-readable until a later chmod.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import grp
import os
import pwd
import stat
import tempfile


def read_file(path):
    """The bytes of ``path``, or ``None`` when it does not exist. Other errors are raised."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise


def parse_mode(mode):
    """An octal mode (``"0600"``, ``"600"``, ``"0o600"``, ``0o600``) as int; ``None`` stays ``None``.

    Symbolic modes (``u=rw``) are refused with ValueError: a key's mode must be exact.
    """
    if mode is None or mode == "":
        return None
    if isinstance(mode, int):
        value = mode
    else:
        text = str(mode).strip().lower()
        if text.startswith("0o"):
            text = text[2:]
        if not text or any(c not in "01234567" for c in text):
            raise ValueError("%r is not an octal mode such as '0600'" % (mode,))
        value = int(text, 8)
    if value < 0 or value > 0o7777:
        raise ValueError("%r is not a file mode" % (mode,))
    return value


def format_mode(value):
    return "%04o" % value


def resolve_uid(owner):
    if owner is None or owner == "":
        return None
    try:
        return int(owner)
    except ValueError:
        return pwd.getpwnam(owner).pw_uid


def resolve_gid(group):
    if group is None or group == "":
        return None
    try:
        return int(group)
    except ValueError:
        return grp.getgrnam(group).gr_gid


def _user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group_name(gid):
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def attribute_changes(path, mode=None, owner=None, group=None):
    """What ``set_fs_attributes_if_different`` would change on an existing file, as readable
    reasons (``"mode 0644 -> 0600"``). Empty when nothing would change or the file is missing.
    Raises ValueError / KeyError for a bad mode or an unknown owner/group."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return []
        raise
    changes = []
    wanted_mode = parse_mode(mode)
    if wanted_mode is not None and stat.S_IMODE(st.st_mode) != wanted_mode:
        changes.append("mode %s -> %s" % (format_mode(stat.S_IMODE(st.st_mode)), format_mode(wanted_mode)))
    uid = resolve_uid(owner)
    if uid is not None and st.st_uid != uid:
        changes.append("owner %s -> %s" % (_user_name(st.st_uid), _user_name(uid)))
    gid = resolve_gid(group)
    if gid is not None and st.st_gid != gid:
        changes.append("group %s -> %s" % (_group_name(st.st_gid), _group_name(gid)))
    return changes


def _apply_attributes(path, mode, uid, gid):
    if uid is not None or gid is not None:
        os.chown(path, -1 if uid is None else uid, -1 if gid is None else gid)
    if mode is not None:
        os.chmod(path, mode)


def _fsync_directory(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(module, path, content, mode=None, owner=None, group=None, backup=False):
    """Make ``path`` hold ``content`` (bytes) with ``mode``/``owner``/``group``.

    Returns ``(changed, backup_file)``; ``backup_file`` is the copy of the previous file when
    ``backup`` and the content changed, else ``None``. Honours check mode (reports, writes
    nothing). ``mode`` ``None`` keeps an existing file's mode (a new file gets ``0666 & ~umask``);
    ``owner``/``group`` ``None`` keep the existing ones. Fails the module with the path named.
    """
    try:
        wanted_mode = parse_mode(mode)
        uid = resolve_uid(owner)
        gid = resolve_gid(group)
        existing = read_file(path)
        if existing == content:
            changes = attribute_changes(path, mode, owner, group)
            if changes and not module.check_mode:
                _apply_attributes(path, wanted_mode, uid, gid)
            return bool(changes), None
    except (OSError, IOError, ValueError, KeyError) as exc:
        module.fail_json(msg="Cannot check %s: %s" % (path, exc), path=path)
    if module.check_mode:
        return True, None

    # A symlinked file (say a key under a "live" directory) is replaced at its target, not turned
    # into a regular file.
    path = os.path.realpath(path)
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        module.fail_json(
            msg="Cannot write %s: the directory %s does not exist. "
            "Create it first (ansible.builtin.file state=directory)." % (path, directory),
            path=path,
        )

    context = None
    if module.selinux_enabled():
        context = module.selinux_context(path) if existing is not None else module.selinux_default_context(path)

    if wanted_mode is None:
        if existing is not None:
            wanted_mode = stat.S_IMODE(os.stat(path).st_mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            wanted_mode = 0o666 & ~umask
    if existing is not None and (uid is None or gid is None):
        st = os.stat(path)
        uid = st.st_uid if uid is None else uid
        gid = st.st_gid if gid is None else gid
        if uid == os.geteuid() and gid == os.getegid():
            uid = gid = None  # nothing to chown; avoids EPERM for non-root users

    backup_file = None
    fd, tmp_path = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=directory)
    try:
        try:
            # mkstemp creates the file 0600: the content is never readable by others.
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            _apply_attributes(tmp_path, wanted_mode, uid, gid)
            if backup and existing is not None:
                backup_file = module.backup_local(path)
            os.rename(tmp_path, path)
            tmp_path = None
            _fsync_directory(directory)
        except (OSError, IOError) as exc:
            module.fail_json(msg="Cannot write %s: %s" % (path, exc), path=path)
    finally:
        if tmp_path is not None and os.path.exists(tmp_path):
            os.unlink(tmp_path)
    if context is not None:
        module.set_context_if_different(path, context, False)
    return True, backup_file


def fs_attributes_differ(module, path, mode=None, owner=None, group=None):
    """True when ``module.set_fs_attributes_if_different`` would change ``path`` (check mode safe)."""
    try:
        return bool(attribute_changes(path, mode, owner, group))
    except (OSError, ValueError, KeyError) as exc:
        module.fail_json(msg="Cannot check %s: %s" % (path, exc), path=path)
