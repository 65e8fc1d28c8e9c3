# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Publishing and removing the HTTP (file) domain-validation files on a web server host
(webnic_ssl_validation_file): the checks before anything is touched, then the writes or removals
with one reason per change."""

import errno
import os

from . import dcv, files, hostfiles
from .failures import FieldProblem


def check_file_path(path, field, present, directory):
    """An entry's path is absolute, not a link (with state=present), and inside O(directory) when given."""
    if not os.path.isabs(path):
        raise FieldProblem(
            field + ".path",
            "%r is not an absolute path" % path,
            "Give the full path, such as /var/www/html/.well-known/pki-validation/<name>.txt",
        )
    try:
        files.check_destination(field + ".path", path, allow_link=not present)
        if directory:
            dcv.check_validation_file_path(field + ".path", path, directory)
    except (files.PathError, dcv.UnsafeValidationError) as exc:
        raise FieldProblem(exc.field, exc.problem.rstrip("."), exc.fix.rstrip("."))


def file_content(entry, field, present):
    """The entry's content as bytes (``None`` with state=absent); its path must not be a directory."""
    path = entry["path"]
    if os.path.isdir(path) and not (not present and os.path.islink(path)):
        raise FieldProblem(field + ".path", "%s is a directory" % path, "Give the path of the file itself")
    if not present:
        return None
    if entry["content"] is None:
        raise FieldProblem(
            field + ".content",
            "is required with state=present",
            "Give the content the CA expects in %s, or use state=absent" % path,
        )
    return entry["content"].encode("utf-8")


def check_options(params):
    """Refuse bad options before anything is read or written. Returns ``[(path, field, bytes or None)]``."""
    hostfiles.check_modes_and_owner(params, ("mode", "directory_mode"))
    present = params["state"] == "present"
    directory = params["directory"]
    if directory and not os.path.isabs(directory):
        raise FieldProblem("directory", "%r is not an absolute path" % directory, "Give the full path of the directory")
    targets = []
    seen = {}
    for index, entry in enumerate(params["files"]):
        field = "files[%d]" % index
        path = entry["path"]
        check_file_path(path, field, present, directory)
        if path in seen:
            raise FieldProblem(
                field + ".path", "%s is also %s.path" % (path, seen[path]), "Give every file its own path"
            )
        seen[path] = field
        targets.append((path, field, file_content(entry, field, present)))
    return targets


def text(data):
    return "" if data is None else data.decode("utf-8", "replace")


def publish(module, targets):
    """Create the missing directories, then write every file; ``(results, reasons, diffs)``."""
    params = module.params
    directories = hostfiles.missing_directories_of((path, field + ".path") for path, field, _content in targets)
    previous = [hostfiles.read_previous(path, field + ".path") for path, field, _content in targets]
    reasons = []
    results = []
    diffs = []
    hostfiles.create_directories(
        module, directories, params["directory_mode"], params["owner"], params["group"], reasons
    )
    for index, (path, _field, content) in enumerate(targets):
        old = previous[index]
        changed, _backup, reason = hostfiles.write_with_reason(
            module, path, content, old, params["mode"], params["owner"], params["group"]
        )
        results.append({"path": path, "changed": changed})
        if reason:
            reasons.append(reason)
        if old != content:
            diffs.append(hostfiles.diff_entry(path, text(old), text(content)))
    return results, reasons, diffs


def remove(module, targets):
    """Remove every file that exists (a link itself, never its target); ``(results, reasons, diffs)``."""
    reasons = []
    results = []
    diffs = []
    for path, field, _content in targets:
        if not os.path.lexists(path):
            results.append({"path": path, "changed": False})
            continue
        old = None if os.path.islink(path) else hostfiles.read_previous(path, field + ".path")
        if not module.check_mode:
            try:
                os.unlink(path)
            except OSError as exc:
                if exc.errno != errno.ENOENT:
                    module.fail_json(
                        msg="%s.path: cannot remove %s (%s). Fix the permissions of its directory or remove it by hand."
                        % (field, path, exc),
                        field=field + ".path",
                        path=path,
                        changed=bool(reasons),
                        files=results,
                        changed_reasons=reasons,
                    )
        results.append({"path": path, "changed": True})
        reasons.append("%s: removed" % path)
        diffs.append(hostfiles.diff_entry(path, text(old), ""))
    return results, reasons, diffs
