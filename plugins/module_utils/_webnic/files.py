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

import errno
import grp
import os
import pwd
import stat
import tempfile

from .failures import FieldProblem


class PathError(FieldProblem):
    """A destination path this collection will not write: ``field`` names the option, ``fix`` what to do."""


def check_destination(field, path, allow_link=False):
    """Raise :class:`PathError` unless ``path`` is a destination we write: absolute, without ``..``,
    and (unless ``allow_link``, for removal) not a symbolic link.

    A relative path lands wherever the module happens to run (the remote user's home, a temporary
    directory); a ``..`` component hides where the file really goes and fails late and obscurely;
    a link may have been planted by whoever can write its directory (see :func:`write_atomic`).
    """
    if not path:
        return
    if not os.path.isabs(path):
        raise PathError(
            field,
            "%r is a relative path" % (path,),
            "Give the absolute path, such as /etc/ssl/%s" % os.path.basename(path),
        )
    if ".." in path.split(os.sep):
        raise PathError(
            field,
            "%s has a '..' component" % path,
            "Give the path without '..', such as %s" % os.path.normpath(path),
        )
    link = None if allow_link else symlink_target(path)
    if link is not None:
        raise PathError(
            field,
            "%s is a symbolic link (to %s); files are never written through a link" % (path, link),
            "Point %s at the real file, or replace the link by a regular file" % field,
        )


def _same_file_key(path):
    # Two spellings of one file: normalised, with symlinked directories (and a symlink at the end)
    # resolved, so /etc/ssl/./a.pem and a link to a.pem are the same destination.
    return os.path.realpath(os.path.abspath(path))


def overlapping_paths(fields):
    """The first two options of ``fields`` (``[(option, path)]``, ``None`` paths skipped) that name
    the same file, as ``(first_option, second_option, path)``; ``None`` when every path is its own."""
    seen = {}
    for field, path in fields:
        if not path:
            continue
        key = _same_file_key(path)
        if key in seen:
            return seen[key], field, path
        seen[key] = field
    return None


def check_distinct_paths(fields):
    """Raise :class:`PathError` naming both options when two of ``fields`` (``[(option, path)]``) are
    the same file: writing both would leave only the last one (say a CSR where the key was)."""
    overlap = overlapping_paths(fields)
    if overlap:
        first, second, path = overlap
        raise PathError(
            second,
            "%s is the same file as %s (%s)" % (path, first, dict(fields)[first]),
            "Give %s and %s different paths; nothing was written" % (first, second),
        )


def symlink_target(path):
    """Where ``path`` points when it is a symbolic link, else ``None``."""
    try:
        if os.path.islink(path):
            return os.readlink(path)
    except OSError:
        return None
    return None


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


def _final_mode_and_owner(path, existing, wanted_mode, uid, gid):
    """The mode and owner the new file gets: as asked, else those of the file it replaces (a new file
    gets ``0666 & ~umask``). ``uid``/``gid`` ``None`` means no chown is needed."""
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
    return wanted_mode, uid, gid


def _replace(module, path, directory, content, attributes, backup):
    """Write ``content`` to a 0600 temporary file in ``directory``, give it ``attributes`` (mode,
    uid, gid), keep a backup of ``path`` when asked, and rename it over ``path``. The backup file or
    ``None``; fails the module on an I/O error, leaving no temporary file behind."""
    backup_file = None
    fd, tmp_path = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=directory)
    try:
        try:
            # mkstemp creates the file 0600: the content is never readable by others.
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            _apply_attributes(tmp_path, *attributes)
            if backup:
                backup_file = module.backup_local(path)
            os.rename(tmp_path, path)
            tmp_path = None
            _fsync_directory(directory)
        except (OSError, IOError) as exc:
            module.fail_json(msg="Cannot write %s: %s" % (path, exc), path=path)
    finally:
        if tmp_path is not None and os.path.exists(tmp_path):
            os.unlink(tmp_path)
    return backup_file


def write_atomic(module, path, content, mode=None, owner=None, group=None, backup=False):
    """Make ``path`` hold ``content`` (bytes) with ``mode``/``owner``/``group``.

    Returns ``(changed, backup_file)``; ``backup_file`` is the copy of the previous file when
    ``backup`` and the content changed, else ``None``. Honours check mode (reports, writes
    nothing). ``mode`` ``None`` keeps an existing file's mode (a new file gets ``0666 & ~umask``);
    ``owner``/``group`` ``None`` keep the existing ones. Fails the module with the path named.
    """
    link = symlink_target(path)
    if link is not None:
        # A web root or a certificate directory is often writable by a less trusted user: following
        # a link placed there would let that user aim a root-owned write anywhere.
        module.fail_json(
            msg="Refusing to write %s: it is a symbolic link (to %s) and this module never writes through "
            "a link. Point the option at the real file, or replace the link by a regular file." % (path, link),
            path=path,
        )
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

    # The temporary file is renamed over ``path`` in its own directory: rename replaces a directory
    # entry and never follows a link, so a link appearing between the check above and here is
    # replaced, not written through.
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        module.fail_json(
            msg="Cannot write %s: the directory %s does not exist. "
            "Create it first (ansible.builtin.file state=directory)." % (path, directory),
            path=path,
        )

    context = None
    if module.selinux_enabled():
        context = module.selinux_context(path) if existing is not None else module.selinux_default_context(path)
    attributes = _final_mode_and_owner(path, existing, wanted_mode, uid, gid)
    backup_file = _replace(module, path, directory, content, attributes, backup and existing is not None)
    if context is not None:
        module.set_context_if_different(path, context, False)
    return True, backup_file


def fs_attributes_differ(module, path, mode=None, owner=None, group=None):
    """True when ``module.set_fs_attributes_if_different`` would change ``path`` (check mode safe)."""
    try:
        return bool(attribute_changes(path, mode, owner, group))
    except (OSError, ValueError, KeyError) as exc:
        module.fail_json(msg="Cannot check %s: %s" % (path, exc), path=path)


def system_trust_paths():
    """The CA bundle file and directory this host's OpenSSL trusts by default (either may be missing)."""
    import ssl

    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and os.path.isfile(candidate):
            return [candidate]  # the bundle holds what the directory holds: read it once
    for candidate in (paths.capath, paths.openssl_capath):
        if candidate and os.path.isdir(candidate):
            return [candidate]
    return []


def read_trust_store(paths):
    """The bytes of every file of ``paths`` (PEM bundles, or directories of them, as OpenSSL's
    ``-CApath``). Raises ``PathError`` (field ``trusted_roots``) for a path that does not exist."""
    blobs = []
    for path in paths:
        if os.path.isdir(path):
            for name in sorted(os.listdir(path)):
                entry = os.path.join(path, name)
                if os.path.isfile(entry):
                    try:
                        with open(entry, "rb") as handle:
                            blobs.append(handle.read())
                    except (IOError, OSError):
                        continue
            continue
        data = read_file(path)
        if data is None:
            raise PathError(
                "trusted_roots",
                "%s does not exist" % path,
                "Give the PEM file (or directory) of the root certificates to trust",
            )
        blobs.append(data)
    return blobs
