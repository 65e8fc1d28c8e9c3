"""The WebNIC DNS zone store: zones, records, save, delete (DNS DCV reads it)."""

from __future__ import annotations

import html
import re

from ..common import DNS_TYPES, as_int
from ..errors import ApiFailure, FieldErrors, field_error
from ..state import State


class DnsHandlers(State):
    def _zone(self, zone):
        zone = zone.lower().rstrip(".")
        if zone not in self.zones:
            raise ApiFailure(404, "DNS4004", f"Zone {zone} is not hosted on this account")
        return zone

    @staticmethod
    def _record_name(value):
        name = str(value or "").strip().lower()
        return "" if name == "@" else name

    def dns_zones(self, req):
        wanted = (req.query.get("zone") or "").lower().rstrip(".")
        return [{"zone": zone, "status": "ACTIVE"} for zone in self.zones if not wanted or zone == wanted]

    def dns_records(self, req):
        zone = self._zone(req.params["zone"])
        wanted_type = (req.query.get("type") or "").upper()
        wanted_name = self._record_name(req.query.get("name")) if "name" in req.query else None
        records = []
        for rrset in self.store.all("rrset"):
            if rrset["zone"] != zone or (wanted_type and rrset["type"] != wanted_type):
                continue
            if wanted_name is not None and rrset["name"] != wanted_name:
                continue
            records.append(
                {
                    "type": rrset["type"],
                    "name": rrset["name"] or None,
                    "ttl": rrset["ttl"],
                    "rdatas": [{"value": html.escape(value, quote=True)} for value in rrset["values"]],
                }
            )
        return {"zone": zone, "records": records}

    def dns_save(self, req):
        zone = self._zone(req.params["zone"])
        body = req.json()
        errors = FieldErrors()
        name = self._record_name(body.get("name"))
        if name and not all(re.match(r"^[a-z0-9_*]([a-z0-9_-]{0,61}[a-z0-9])?$", label) for label in name.split(".")):
            errors.add("name", "must be a record name relative to the zone ('' or '@' for the apex)")
        if name.endswith(zone):
            errors.add("name", f"must be relative to the zone {zone}, not a full name")
        rtype = str(body.get("type") or "").upper()
        if rtype not in DNS_TYPES:
            errors.add("type", f"must be one of {', '.join(DNS_TYPES)}")
        ttl = as_int(body.get("ttl"), "ttl", errors, 300)
        if ttl is not None and not 60 <= ttl <= 86400:
            errors.add("ttl", "must be between 60 and 86400")
        rdatas = body.get("rdatas")
        if (
            not isinstance(rdatas, list)
            or not rdatas
            or not all(isinstance(r, dict) and isinstance(r.get("value"), str) and r["value"] for r in rdatas)
        ):
            errors.add("rdatas", "must be a non-empty list of {value}")
        errors.raise_if_any()
        values = list(dict.fromkeys(r["value"] for r in rdatas))
        self.store.put(
            "rrset", f"{zone}|{name}|{rtype}", {"zone": zone, "name": name, "type": rtype, "ttl": ttl, "values": values}
        )
        return {
            "zone": zone,
            "name": name or None,
            "type": rtype,
            "ttl": ttl,
            "rdatas": [{"value": html.escape(v, quote=True)} for v in values],
        }

    def dns_delete(self, req):
        zone = self._zone(req.params["zone"])
        rtype = (req.query.get("type") or "").upper()
        if rtype not in DNS_TYPES:
            raise field_error("type", f"must be one of {', '.join(DNS_TYPES)}")
        name = self._record_name(req.query.get("name"))
        deleted = self.store.delete("rrset", f"{zone}|{name}|{rtype}")
        return {"deleted": deleted}
