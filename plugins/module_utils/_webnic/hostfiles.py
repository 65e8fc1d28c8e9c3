# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host-side file work that webnic_ssl_cert_install and webnic_ssl_validation_file share:
checking mode/owner/group options, finding and creating missing parent directories, reading the
previous content, writing one file with the reason it changed, and the diff entry of a file."""

import os

from . import files
from .failures import FieldProblem


def check_modes_and_owner(params, mode_options):
    """Raise :class:`FieldProblem` for a mode option of ``mode_options`` that is not octal, or an
    ``owner``/``group`` this host does not know."""
    for field in mode_options:
        try:
            files.parse_mode(params[field])
        except ValueError as exc:
            raise FieldProblem(field, str(exc), "Give an octal mode in quotes, such as '0644'")
    try:
        files.resolve_uid(params["owner"])
    except KeyError:
        raise FieldProblem(
            "owner", "there is no user %r on this host" % params["owner"], "Create the user first or fix the name"
        )
    try:
        files.resolve_gid(params["group"])
    except KeyError:
        raise FieldProblem(
            "group", "there is no group %r on this host" % params["group"], "Create the group first or fix the name"
        )


def missing_directories(path, field):
    """The missing parent directories of ``path``, top first. Raises :class:`FieldProblem` (naming
    ``field``) when an existing parent is not a directory."""
    missing = []
    directory = os.path.dirname(os.path.abspath(path))
    while not os.path.lexists(directory):
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    if os.path.lexists(directory) and not os.path.isdir(directory):
        raise FieldProblem(
            field,
            "cannot create the directory of %s: %s is not a directory" % (path, directory),
            "Fix the path, or move that file away",
        )
    return list(reversed(missing))


def missing_directories_of(targets):
    """The missing parent directories of every ``(path, field)`` of ``targets``, each once, parents first."""
    directories = []
    for path, field in targets:
        for directory in missing_directories(path, field):
            if directory not in directories:
                directories.append(directory)
    return directories


def create_directories(module, directories, mode, owner, group, reasons, created=None):
    """Create ``directories`` (parents first) with ``mode``/``owner``/``group``; one reason each.

    In check mode only the reasons are added. Each directory made is appended to ``created`` (when
    given) right away, so a later failure can remove it again. Fails the module naming the directory.
    """
    wanted_mode = files.parse_mode(mode)
    uid = files.resolve_uid(owner)
    gid = files.resolve_gid(group)
    for directory in directories:
        reasons.append("directory %s: created (mode %s)" % (directory, files.format_mode(wanted_mode)))
        if module.check_mode:
            continue
        try:
            os.mkdir(directory, wanted_mode)
            if created is not None:
                created.append(directory)
            os.chmod(directory, wanted_mode)  # mkdir's mode is filtered by the umask
            if uid is not None or gid is not None:
                os.chown(directory, -1 if uid is None else uid, -1 if gid is None else gid)
        except OSError as exc:
            module.fail_json(msg="Cannot create the directory %s: %s" % (directory, exc), path=directory)


def read_previous(path, field):
    """The current bytes of ``path`` (``None`` when missing); :class:`FieldProblem` when unreadable."""
    try:
        return files.read_file(path)
    except (IOError, OSError) as exc:
        raise FieldProblem(field, "cannot read %s (%s)" % (path, exc), "Check the path and its permissions")


def write_with_reason(module, path, content, previous, mode, owner, group, backup=False):
    """Write ``content`` to ``path`` (whose bytes were ``previous``) through :func:`files.write_atomic`.

    Returns ``(changed, backup_file, reason)``: ``reason`` is ``"<path>: created"``, ``"<path>: new
    content"``, the attribute changes (``"<path>: mode 0644 -> 0600"``) or ``None`` when nothing changed.
    """
    attribute_changes = []
    if previous == content:
        try:
            attribute_changes = files.attribute_changes(path, mode, owner, group)
        except (OSError, ValueError, KeyError) as exc:
            module.fail_json(msg="Cannot check %s: %s" % (path, exc), path=path)
    try:
        changed, backup_file = files.write_atomic(
            module, path, content, mode=mode, owner=owner, group=group, backup=backup
        )
    except Exception as exc:  # pylint: disable=broad-except  # backup_local raises a bare Exception
        module.fail_json(msg="Cannot write %s: %s" % (path, exc), path=path)
    reason = None
    if previous != content:
        reason = "%s: %s" % (path, "created" if previous is None else "new content")
    elif changed:
        reason = "%s: %s" % (path, ", ".join(attribute_changes))
    return changed, backup_file, reason


def diff_entry(path, before, after):
    """One ``diff`` item of a module result: ``before``/``after`` are text (``""`` for no file)."""
    return {"before_header": path, "after_header": path, "before": before, "after": after}
