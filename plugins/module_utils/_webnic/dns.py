# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record-set logic for zones hosted on WebNIC DNS: pure functions, no I/O.

Two facts of the WebNIC DNS API shape everything here:

- Save Record REPLACES the whole set of a (name, type): adding one value means sending the old
  values plus the new one.
- Values come back HTML-escaped (``&quot;abc&quot;``) and TXT values may or may not carry their
  DNS quoting. Values are therefore compared in a canonical form (decoded, TXT unquoted and
  concatenated, host names lower case without the trailing dot), so that a rerun never sees a
  difference that is only a matter of spelling.
"""

import ipaddress

from .dcv import UnsafeValidationError, check_dns_record, check_dns_value
from .failures import FieldProblem

try:
    from html import unescape as _html_unescape
except ImportError:  # pragma: no cover - Python 2 is not supported on targets of this collection
    _html_unescape = None

RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "NS", "TXT", "SRV", "CAA", "PTR")
ON_EXISTING = ("replace", "keep", "add")
DEFAULT_TTL = 300
# Types whose values end in a host name (compared case-insensitively, trailing dot ignored).
_HOST_VALUED = frozenset(["CNAME", "NS", "PTR", "MX", "SRV"])


# ------------------------------------------------------------------------------------ names


def normalize_zone(zone):
    text = (zone or "").strip().lower()
    if text.endswith("."):
        text = text[:-1]
    if not text or "." not in text or " " in text:
        raise FieldProblem(
            "zone", "%r is not a DNS zone name" % (zone,), "Give the zone as hosted on WebNIC, such as example.com"
        )
    return text


def relative_name(name, zone):
    """The record name relative to ``zone`` (``""`` for the apex), as WebNIC's DNS API wants it.

    Accepts a relative name (``_dnsauth.www``), a name inside the zone (``_dnsauth.www.example.com``),
    an absolute name with a trailing dot, and ``@`` or an empty string for the apex.
    """
    zone = normalize_zone(zone)
    text = (name or "").strip().lower()
    if text in ("", "@"):
        return ""
    absolute = text.endswith(".")
    if absolute:
        text = text[:-1]
    if text == zone:
        return ""
    if text.endswith("." + zone):
        return text[: -len(zone) - 1]
    if absolute:
        raise FieldProblem(
            "name",
            "%r is not inside the zone %s" % (name, zone),
            "Give a name in the zone, or the zone the name belongs to",
        )
    return text


def fqdn(relative, zone):
    zone = normalize_zone(zone)
    return "%s.%s" % (relative, zone) if relative else zone


# ----------------------------------------------------------------------------------- values


def decode_value(value):
    """A value as WebNIC returns it -> the plain text (HTML entities decoded, surrounding space stripped)."""
    text = "" if value is None else str(value)
    if _html_unescape is not None and "&" in text:
        previous = None
        # Decode repeatedly: a value escaped twice (``&amp;quot;``) is still the same value.
        while previous != text and "&" in text:
            previous, text = text, _html_unescape(text)
    return text.strip()


def txt_content(value):
    """The content of a TXT value, whatever its quoting.

    ``"abc"``, ``abc`` and ``"a" "bc"`` (several character-strings) all give ``abc``; backslash
    escapes inside quotes are undone. A value that is not entirely quoted strings is taken as is.
    """
    text = decode_value(value)
    if not text.startswith('"'):
        return text
    parts = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            break
        if text[i] != '"':
            return text  # mixed quoted and bare content: not a character-string list
        i += 1
        chunk = []
        closed = False
        while i < n:
            char = text[i]
            if char == "\\" and i + 1 < n:
                chunk.append(text[i + 1])
                i += 2
                continue
            if char == '"':
                closed = True
                i += 1
                break
            chunk.append(char)
            i += 1
        if not closed:
            return text
        parts.append("".join(chunk))
    return "".join(parts)


def canonical_value(record_type, value):
    """The form two values are compared in: equal canonical values are the same record."""
    record_type = record_type.upper()
    if record_type == "TXT":
        return txt_content(value)
    text = decode_value(value)
    if record_type in ("A", "AAAA"):
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            return text
    if record_type in _HOST_VALUED:
        words = text.split()
        if words:
            words[-1] = words[-1].lower().rstrip(".") or "."
        return " ".join(words)
    if record_type == "CAA":
        return " ".join(text.split())
    return text


def unique_values(record_type, values):
    """``values`` without duplicates (by canonical form), first spelling kept, order kept."""
    seen = set()
    result = []
    for value in values or []:
        key = canonical_value(record_type, value)
        if key in seen:
            continue
        seen.add(key)
        result.append(value)
    return result


def same_values(record_type, first, second):
    return {canonical_value(record_type, v) for v in first or []} == {
        canonical_value(record_type, v) for v in second or []
    }


def validate_values(record_type, values):
    """Refuse values WebNIC would reject or store differently from what was meant."""
    for index, value in enumerate(values or []):
        text = "" if value is None else str(value)
        if not text.strip():
            raise FieldProblem("values", "entry %d is empty" % (index + 1), "Remove it or give the record content")
        if record_type in ("A", "AAAA"):
            try:
                address = ipaddress.ip_address(text.strip())
            except ValueError:
                raise FieldProblem(
                    "values", "%r is not an IP address" % text, "Give an IPv4 address for A, IPv6 for AAAA"
                )
            if (record_type == "A") != (address.version == 4):
                raise FieldProblem(
                    "values",
                    "%r is not an IPv%d address" % (text, 4 if record_type == "A" else 6),
                    "Use type A for IPv4 and AAAA for IPv6",
                )
    if record_type == "CNAME" and len(unique_values(record_type, values)) > 1:
        raise FieldProblem("values", "a CNAME set holds exactly one value", "Give one target")


# ------------------------------------------------------------------------------------ sets


def record_set_from_answer(data, name, record_type, zone):
    """``(ttl, values)`` of the set (name, type) in a Get Records answer, values decoded.

    ``(None, [])`` when the set does not exist. The apex comes back with a null name; names may
    come back relative or absolute, so both are accepted.
    """
    records = []
    if isinstance(data, dict):
        records = data.get("records") or []
    elif isinstance(data, list):
        records = data
    ttl = None
    values = []
    for record in records:
        if not isinstance(record, dict):
            continue
        if str(record.get("type") or "").upper() != record_type:
            continue
        try:
            record_name = relative_name(record.get("name") or "", zone)
        except FieldProblem:
            continue
        if record_name != name:
            continue
        if record.get("ttl") is not None and ttl is None:
            try:
                ttl = int(record["ttl"])
            except (TypeError, ValueError):
                ttl = None
        for rdata in record.get("rdatas") or []:
            value = rdata.get("value") if isinstance(rdata, dict) else rdata
            if value is not None:
                values.append(decode_value(value))
        if record.get("value") is not None and not record.get("rdatas"):
            values.append(decode_value(record["value"]))
    return ttl, unique_values(record_type, values)


def _plan_removal(record_type, current_ttl, current, wanted):
    """``plan_record_set`` for ``state=absent``: drop ``wanted`` (or the whole set without values)."""
    if not current:
        return None, current_ttl, current, []
    if not wanted:
        return (
            "delete",
            current_ttl,
            [],
            ["record set removed (%d value%s)" % (len(current), "" if len(current) == 1 else "s")],
        )
    wanted_keys = {canonical_value(record_type, v) for v in wanted}
    remaining = [v for v in current if canonical_value(record_type, v) not in wanted_keys]
    removed = len(current) - len(remaining)
    if not removed:
        return None, current_ttl, current, []
    reasons = ["%d value%s removed" % (removed, "" if removed == 1 else "s")]
    if not remaining:
        return "delete", current_ttl, [], [*reasons, "record set removed (no value left)"]
    return "save", current_ttl, remaining, reasons


def plan_record_set(record_type, current_ttl, current_values, state, values, ttl, on_existing):
    """What the set must become. Returns ``(action, new_ttl, new_values, reasons)``.

    ``action`` is ``None`` (nothing to do), ``"save"`` (send ``new_values`` with ``new_ttl``:
    the WHOLE set, since Save Record replaces it) or ``"delete"`` (drop the set).

    - ``state=present``, ``on_existing=replace``: the set becomes exactly ``values``.
    - ``state=present``, ``on_existing=add``: ``values`` are added, the other values are kept.
    - ``state=present``, ``on_existing=keep``: an existing set is left alone; a missing one is made.
    - ``state=absent`` with ``values``: those values are removed, the others kept (the set is
      deleted when nothing is left); without ``values``: the whole set is deleted.

    ``ttl`` ``None`` keeps the current TTL (new sets get :data:`DEFAULT_TTL`).
    """
    current = unique_values(record_type, current_values)
    exists = bool(current)
    current_keys = {canonical_value(record_type, v) for v in current}
    wanted = unique_values(record_type, values)
    reasons = []

    if state == "absent":
        return _plan_removal(record_type, current_ttl, current, wanted)

    if not wanted:
        raise FieldProblem("values", "is required with state=present", "Give at least one value")

    if not exists:
        new_ttl = ttl if ttl is not None else DEFAULT_TTL
        return (
            "save",
            new_ttl,
            wanted,
            ["record set created with %d value%s" % (len(wanted), "" if len(wanted) == 1 else "s")],
        )

    if on_existing == "keep":
        return None, current_ttl, current, []

    new_ttl = ttl if ttl is not None else (current_ttl if current_ttl is not None else DEFAULT_TTL)
    if on_existing == "add":
        added = [v for v in wanted if canonical_value(record_type, v) not in current_keys]
        new_values = current + added
        if added:
            reasons.append("%d value%s added, %d kept" % (len(added), "" if len(added) == 1 else "s", len(current)))
    else:
        new_values = wanted
        wanted_keys = {canonical_value(record_type, v) for v in wanted}
        added = [v for v in wanted if canonical_value(record_type, v) not in current_keys]
        removed = [v for v in current if canonical_value(record_type, v) not in wanted_keys]
        if added:
            reasons.append("%d value%s added" % (len(added), "" if len(added) == 1 else "s"))
        if removed:
            reasons.append("%d value%s removed" % (len(removed), "" if len(removed) == 1 else "s"))
        if not added and not removed:
            new_values = current  # same set, keep the spelling already stored
    if current_ttl is not None and new_ttl != current_ttl:
        reasons.append("ttl %s -> %s" % (current_ttl, new_ttl))
    if not reasons:
        return None, current_ttl, current, []
    return "save", new_ttl, new_values, reasons


def save_body(name, record_type, ttl, values):
    """The Save Record body for the whole set."""
    return {"name": name, "type": record_type, "ttl": int(ttl), "rdatas": [{"value": v} for v in values]}


def hosted_zone_names(data):
    """Zone names (lower case, no trailing dot) from a List Zones answer, whatever list shape it uses."""
    if isinstance(data, dict):
        for key in ("zones", "items", "list", "data"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            data = [data]
    names = []
    for item in data or []:
        value = item.get("zone") or item.get("name") or item.get("domain") if isinstance(item, dict) else item
        if isinstance(value, str) and value.strip():
            name = value.strip().lower().rstrip(".")
            if name not in names:
                names.append(name)
    return names


# ------------------------------------------------------------------------ webnic_dns_record's decisions


def check_record_request(params):
    """``(zone, relative name, TYPE)`` of a webnic_dns_record task; FieldProblem naming the option.

    A domain-validation record (``validation_names``) has its name and type from an API answer: it is
    held to the one rule of what a validation may publish before anything is read or written.
    """
    record_type = params["type"].upper()
    try:
        zone = normalize_zone(params["zone"])
        name = relative_name(params["name"], zone)
        validate_values(record_type, params["values"])
    except FieldProblem as exc:
        raise FieldProblem(exc.field, exc.problem, exc.fix)
    if params["ttl"] is not None and not 0 < params["ttl"] <= 2147483647:
        raise FieldProblem("ttl", "must be a positive number of seconds", "Use for example 300")
    if params["validation_names"]:
        try:
            check_dns_record("name", fqdn(name, zone), record_type, params["validation_names"])
            for value in params["values"] or []:
                check_dns_value("values", value)
        except UnsafeValidationError as exc:
            raise FieldProblem(exc.field, exc.problem, exc.fix)
    return zone, name, record_type


def raw_records(data, name, record_type, zone):
    """The records of a List DNS Records answer that belong to the set ``name``/``record_type``."""
    records = data.get("records") if isinstance(data, dict) else data
    result = []
    for record in records or []:
        if not isinstance(record, dict) or str(record.get("type") or "").upper() != record_type:
            continue
        try:
            if relative_name(record.get("name") or "", zone) == name:
                result.append(record)
        except FieldProblem:
            continue
    return result


def record_result(zone, name, record_type, current, planned):
    """The module's result: ``current`` = (ttl, values) read, ``planned`` = (action, ttl, values, reasons)."""
    current_ttl, current_values = current
    action, new_ttl, new_values, reasons = planned
    exists_after = bool(new_values) if action else bool(current_values)
    result = {
        "changed": bool(action),
        "changed_reasons": reasons,
        "zone": zone,
        "name": name,
        "fqdn": fqdn(name, zone),
        "type": record_type,
        "ttl": (new_ttl if exists_after else None) if action else current_ttl,
        "record_values": list(new_values) if action else list(current_values),
        "previous_values": list(current_values),
        "exists": exists_after,
    }
    diff = {
        "before": {"ttl": current_ttl, "values": list(current_values)} if current_values else {},
        "after": {"ttl": result["ttl"], "values": result["record_values"]} if exists_after else {},
        "before_header": "%s %s" % (result["fqdn"], record_type),
        "after_header": "%s %s" % (result["fqdn"], record_type),
    }
    return result, diff
