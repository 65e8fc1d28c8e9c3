# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DCV instructions in one stable shape, whatever WebNIC call they came from.

WebNIC returns DCV objects as ``{"commonName": {...}, "san": [{...}, ...]}`` (Place/Renew/Reissue
Order, Change Auth Type, Get Auth Info), each ``{name, authType, value, path, fileName, recordType,
host}``. Every module returns them as a list of:
``{domain, method, file_path, file_content, dns_host, dns_type, dns_value, email}``.

The answer is untrusted input: the rules for what a validation may write (one file name in the
validation directory, a TXT/CNAME record under an ``_`` label of a validated name) live here, once,
and are used both when an answer is parsed and by the modules that publish the files and records.
"""

import posixpath
import re

from .errors import WebNICError

METHOD_ALIASES = {"http": "file", "file": "file", "dns": "dns", "email": "email"}
FILE_DIR = "/.well-known/pki-validation/"
#: The record types a DNS validation may ask for (webnic-api.md, DCV object).
DNS_RECORD_TYPES = ("TXT", "CNAME")
# One plain file name: no separator, no leading dot (so neither '..' nor a hidden file), no control
# or shell-special characters; CAs use hex or base32 names ending in .txt.
_SAFE_FILE_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$")
_DNS_LABEL = re.compile(r"^_[a-z0-9_-]{1,62}$")
_DNS_VALUE_MAX = 1024


class UnsafeValidationError(WebNICError):
    """DCV instructions (from WebNIC, or given to a module) that would write outside where they
    belong: ``field`` names what is wrong, ``problem`` why, ``fix`` what to do. A WebNICError, so a
    module running through ``WebNICModule.run`` fails with this message and no traceback."""

    def __init__(self, field, problem, fix):
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__("%s: %s." % (field, problem.rstrip(".")), hint=fix.rstrip(".") + ".")


def _bare_name(name):
    return str(name or "").strip().lower().rstrip(".")


def check_file_name(field, name):
    """Raise unless ``name`` is one safe file name (the last part of a validation file's path)."""
    if not isinstance(name, str) or not _SAFE_FILE_NAME.match(name) or name in (".", ".."):
        raise UnsafeValidationError(
            field,
            "%r is not a single plain file name" % (name,),
            "A validation file name is letters, digits, '.', '_' or '-' without a directory part; refusing to write it",
        )


def check_validation_file_path(field, path, directory):
    """Raise unless ``path`` is one safe file name directly inside ``directory`` (both absolute)."""
    parent, name = posixpath.split(path)
    check_file_name(field, name)
    if posixpath.normpath(parent) != posixpath.normpath(directory) or ".." in path.split("/"):
        raise UnsafeValidationError(
            field,
            "%s is not directly inside the validation directory %s" % (path, directory),
            "Give a path in that directory",
        )


def check_dns_record(field, host, record_type, names):
    """Raise unless a DNS validation record is TXT or CNAME named ``_<label>.<name>`` for one of
    ``names`` (the names being validated; a wildcard validates at its base name). Returns
    ``(host, record_type)`` normalised (lower case, no trailing dot; upper case)."""
    kind = str(record_type or "").strip().upper()
    if kind not in DNS_RECORD_TYPES:
        raise UnsafeValidationError(
            field,
            "record type %r is not a validation record type (TXT or CNAME)" % (record_type,),
            "Refusing to publish it: only TXT or CNAME records under an '_' label of a validated name",
        )
    fqdn = _bare_name(host)
    label, _sep, rest = fqdn.partition(".")
    bases = sorted({_bare_name(name)[2:] if _bare_name(name).startswith("*.") else _bare_name(name) for name in names})
    if not _DNS_LABEL.match(label) or rest not in bases:
        raise UnsafeValidationError(
            field,
            "%r is not an '_' label directly under a validated name (%s)" % (host, ", ".join(bases) or "none"),
            "Refusing to publish it: validation records are named like _dnsauth.<name>",
        )
    return fqdn, kind


def check_dns_value(field, value):
    """Raise unless ``value`` is a plausible record value: a non-empty single line of printable text."""
    text = value if isinstance(value, str) else ""
    if not text.strip() or len(text) > _DNS_VALUE_MAX or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise UnsafeValidationError(
            field,
            "the record value is empty, longer than %d characters or holds control characters" % _DNS_VALUE_MAX,
            "Refusing to publish it",
        )


def normalize_method(method):
    return METHOD_ALIASES.get(str(method or "").strip().lower())


def _file_path(obj):
    """``/.well-known/pki-validation/<name>``, and nothing else: the answer is untrusted input and
    the path ends up under a web root, written as root."""
    where = "the file validation of %s" % (obj.get("name") or "?")
    path = obj.get("path") or ""
    name = obj.get("fileName") or ""
    if path and not path.startswith("/"):
        # Some answers carry a full URL: keep the path part only.
        idx = path.find("/", path.find("//") + 2) if "//" in path else -1
        path = path[idx:] if idx >= 0 else "/" + path
    if path and not name:
        name = posixpath.basename(path)
    if not name:
        return None
    check_file_name("%s: fileName" % where, name)
    if path and posixpath.normpath(path) != FILE_DIR + name and posixpath.normpath(path) != FILE_DIR.rstrip("/"):
        raise UnsafeValidationError(
            "%s: path" % where,
            "%r is not %s%s" % (path, FILE_DIR, name),
            "Refusing to write a validation file anywhere but under %s" % FILE_DIR,
        )
    return FILE_DIR + name


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
        where = "the DNS validation of %s" % (entry["domain"] or "?")
        entry["dns_host"], entry["dns_type"] = check_dns_record(
            where, obj.get("host"), obj.get("recordType") or "TXT", [entry["domain"]]
        )
        check_dns_value(where, obj.get("value"))
        entry["dns_value"] = obj.get("value")
    elif method == "email":
        entry["email"] = obj.get("value") or obj.get("email")
    return entry


def dcv_instructions(data):
    """Extract the DCV objects of a WebNIC answer (any of the shapes it uses) as a list of entries.

    Raises :class:`UnsafeValidationError` for an object that would write outside where it belongs:
    a file name that is not one plain name under ``/.well-known/pki-validation/``, a DNS record
    that is not TXT/CNAME under an ``_`` label of its own name.
    """
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
