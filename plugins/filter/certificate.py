# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the webnic.ssl.certificate role: its decisions in Python, with unit tests per case."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import posixpath

from ansible.errors import AnsibleFilterError


def certificate_validation_files(dcv_entries, settings):
    """``[{path, content}]`` of the file DCV entries for a host with ``settings`` (webroot, validation_dir)."""
    settings = settings or {}
    validation_dir = str(settings.get("validation_dir") or "").strip()
    webroot = str(settings.get("webroot") or "").strip()
    if not validation_dir and not webroot:
        raise AnsibleFilterError(
            "certificate %s: neither webroot nor validation_dir is set for this host; HTTP validation needs one"
            % settings.get("name", "")
        )
    files = []
    for entry in dcv_entries or []:
        if (entry or {}).get("method") != "file":
            continue
        file_path = str(entry.get("file_path") or "")
        name = posixpath.basename(file_path)
        if not file_path.startswith("/") or not name:
            raise AnsibleFilterError("WebNIC sent a validation file path that is not a path: %r" % file_path)
        if validation_dir:
            path = posixpath.join(validation_dir, name)
        else:
            path = webroot.rstrip("/") + file_path
        files.append({"path": path, "content": entry.get("file_content") or ""})
    return files


class FilterModule(object):
    def filters(self):
        return {"certificate_validation_files": certificate_validation_files}
