# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DCV instructions in one stable shape, whatever WebNIC call they came from.

WebNIC returns DCV objects as ``{"commonName": {...}, "san": [{...}, ...]}`` (Place/Renew/Reissue
Order, Change Auth Type, Get Auth Info), each ``{name, authType, value, path, fileName, recordType,
host}``. Every module returns them as a list of:
``{domain, method, file_path, file_content, dns_host, dns_type, dns_value, email}``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

METHOD_ALIASES = {"http": "file", "file": "file", "dns": "dns", "email": "email"}
FILE_DIR = "/.well-known/pki-validation/"


def normalize_method(method):
    return METHOD_ALIASES.get(str(method or "").strip().lower())


def _file_path(obj):
    path = obj.get("path") or ""
    name = obj.get("fileName") or ""
    if path and name and not path.rstrip("/").endswith(name):
        path = path.rstrip("/") + "/" + name
    if not path and name:
        path = FILE_DIR + name
    if path and not path.startswith("/"):
        # Some answers carry a full URL: keep the path part only.
        idx = path.find("/", path.find("//") + 2) if "//" in path else -1
        path = path[idx:] if idx >= 0 else "/" + path
    return path or None


def dcv_entry(obj):
    """One WebNIC DCV object -> the collection's stable shape."""
    method = normalize_method(obj.get("authType")) or obj.get("authType")
    entry = {
        "domain": obj.get("name") or obj.get("domain"),
        "method": method,
        "file_path": None,
        "file_content": None,
        "dns_host": None,
        "dns_type": None,
        "dns_value": None,
        "email": None,
    }
    if method == "file":
        entry["file_path"] = _file_path(obj)
        entry["file_content"] = obj.get("value")
    elif method == "dns":
        entry["dns_host"] = obj.get("host")
        entry["dns_type"] = (obj.get("recordType") or "TXT").upper()
        entry["dns_value"] = obj.get("value")
    elif method == "email":
        entry["email"] = obj.get("value") or obj.get("email")
    return entry


def dcv_instructions(data):
    """Extract the DCV objects of a WebNIC answer (any of the shapes it uses) as a list of entries."""
    if not isinstance(data, dict):
        return []
    objects = []
    for key in ("commonName", "cn"):
        if isinstance(data.get(key), dict):
            objects.append(data[key])
    for key in ("san", "sans"):
        if isinstance(data.get(key), list):
            objects.extend(item for item in data[key] if isinstance(item, dict))
    if not objects and isinstance(data.get("dcv"), (dict, list)):
        return dcv_instructions(data["dcv"] if isinstance(data["dcv"], dict) else {"san": data["dcv"]})
    seen = set()
    result = []
    for obj in objects:
        entry = dcv_entry(obj)
        if entry["domain"] in seen:
            continue
        seen.add(entry["domain"])
        result.append(entry)
    return result
