"""Domain control validation: the instructions an order hands out and the checks that satisfy them.

Nothing here ever looks a name up in DNS or connects anywhere but 127.0.0.1: HTTP (file) DCV goes
only through the --resolve / POST /_sim/resolve map, DNS DCV reads the simulator's own zone store,
and e-mail DCV completes only through POST /_sim/orders/{orderId}/approve.
"""

from __future__ import annotations

import html
import http.client
import secrets

from .errors import field_error

AUTH_TYPES = ("email", "dns", "file")
APPROVER_LOCAL_PARTS = ("admin", "administrator", "hostmaster", "postmaster", "webmaster")
FILE_DIR = "/.well-known/pki-validation/"
DNS_LABEL = "_dnsauth"
FETCH_TIMEOUT = 3.0
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def base_name(name):
    """The name without a leading wildcard label: DNS and e-mail DCV for `*.d` happen on `d`."""
    return name[2:] if name.startswith("*.") else name


def registered_domain(name, zones):
    """The domain approver addresses live on: the hosted zone holding the name, else its last two labels."""
    name = base_name(name)
    zone = zone_for(name, zones)
    if zone:
        return zone
    return ".".join(name.split(".")[-2:])


def zone_for(name, zones):
    """The longest hosted zone the name is in, or None."""
    best = None
    for zone in zones:
        if (name == zone or name.endswith("." + zone)) and (best is None or len(zone) > len(best)):
            best = zone
    return best


def approver_list(name, zones):
    domain = registered_domain(name, zones)
    return [f"{local}@{domain}" for local in APPROVER_LOCAL_PARTS]


def new_instruction(name, auth_type, approver, zones):
    """A fresh DCV object for one name (the shape of Place Order's `commonName` / `san` items)."""
    if auth_type not in AUTH_TYPES:
        raise field_error("authType", f"must be one of {', '.join(AUTH_TYPES)}")
    item = {
        "name": name,
        "authType": auth_type,
        "value": None,
        "path": None,
        "fileName": None,
        "recordType": None,
        "host": None,
        "status": "PENDING",
        "message": None,
    }
    if auth_type == "file":
        if name.startswith("*."):
            raise field_error(
                "authType", f"file validation is not allowed for the wildcard name {name}; use dns or email"
            )
        item["fileName"] = secrets.token_hex(16).upper() + ".txt"
        item["path"] = FILE_DIR + item["fileName"]
        item["value"] = secrets.token_hex(32)
    elif auth_type == "dns":
        item["host"] = f"{DNS_LABEL}.{base_name(name)}"
        item["recordType"] = "TXT"
        item["value"] = secrets.token_hex(24)
    else:
        allowed = approver_list(name, zones)
        email = approver or allowed[0]
        if email not in allowed:
            raise field_error(
                "approverEmail", f"{email} is not an approver address for {name}; use one of {', '.join(allowed)}"
            )
        item["value"] = email
    return item


PUBLIC_FIELDS = ("name", "authType", "value", "path", "fileName", "recordType", "host")


def public(item, extended=True):
    """The DCV object without the simulator's bookkeeping; `status` only in the extended profile."""
    return {key: item[key] for key in (*PUBLIC_FIELDS, "status") if extended or key != "status"}


def parse_address(address):
    """'127.0.0.1:8080' -> ('127.0.0.1', 8080); loopback only, never a name to resolve."""
    host, sep, port = str(address).rpartition(":")
    if not sep or host not in LOOPBACK_HOSTS:
        raise field_error("address", "must be 127.0.0.1:PORT or localhost:PORT (the simulator only contacts loopback)")
    try:
        port_number = int(port)
    except ValueError:
        raise field_error("address", "the port must be a number") from None
    if not 0 < port_number < 65536:
        raise field_error("address", "the port must be 1-65535")
    return "127.0.0.1", port_number


def check_file(item, resolve_map):
    """(ok, message) after fetching http://<name>/.well-known/pki-validation/<fileName> via the resolve map."""
    name = item["name"]
    address = resolve_map.get(name)
    if address is None:
        return False, f"{name} does not resolve (no --resolve mapping for it)"
    host, port = parse_address(address)
    url = f"http://{name}{item['path']}"
    connection = http.client.HTTPConnection(host, port, timeout=FETCH_TIMEOUT)
    try:
        connection.request("GET", item["path"], headers={"Host": name, "User-Agent": "webnic_sim-dcv/1"})
        response = connection.getresponse()
        body = response.read(65536)
    except OSError as exc:
        return False, f"GET {url} via {host}:{port} failed: {exc}"
    finally:
        connection.close()
    if response.status != 200:
        return False, f"GET {url} answered HTTP {response.status}"
    content = body.decode("utf-8", "replace").replace("\r\n", "\n").strip()
    if content != item["value"].strip():
        return False, f"GET {url} did not return the expected token"
    return True, f"GET {url} returned the token"


def check_dns(item, zones, txt_lookup):
    """(ok, message) after looking for the token in the TXT set of the simulator's own zone store."""
    host = item["host"]
    zone = zone_for(host, zones)
    if zone is None:
        return False, f"{host} is not in a zone hosted by this account"
    relative = host[: -len(zone) - 1] if host != zone else ""
    for value in txt_lookup(zone, relative):
        candidate = html.unescape(value).strip()
        if len(candidate) >= 2 and candidate[0] == candidate[-1] == '"':
            candidate = candidate[1:-1]
        if candidate == item["value"]:
            return True, f"TXT {host} holds the token"
    return False, f"TXT {host} (record '{relative}' in zone {zone}) does not hold the token"
