# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The settings of one ``certificate_list`` entry of the ``webnic.ssl.certificate`` role, for one host.

Pure function: an entry key wins; a key left out takes the role variable of the same name with the
``certificate_`` prefix, read through ``role`` only when needed (role variables may hold host
variables that are undefined where an entry overrides them). The role reaches it through the
``certificate_settings`` filter (``__certificate_settings`` in ``vars/main.yml``), so the first task
of every run (``certificate_host_state``), the per-certificate tasks and ``certificate_host_settings``
all resolve the settings by this one rule, at the cost of one filter call per entry and host.
"""

from typing import Any, Dict, List, Mapping, Optional

from ansible.module_utils.parsing.convert_bool import boolean

#: Settings taken from the entry, else the role variable ``certificate_<key>``, as given.
PLAIN_SETTINGS = (
    "product",
    "key_type",
    "dcv_method",
    "approver_email",
    "server_type",
    "inventory_group",
    "key_mode",
    "owner",
    "group",
    "webroot",
    "validation_dir",
    "remaining_days",
    "remaining_percentage",
    "renew_issued_before",
    "min_certificate_age",
    "key_host",
    "administrator_contact_id",
    "technical_contact_id",
)
#: Settings read as booleans (yes/no, true/false, 1/0 and their strings).
BOOLEAN_SETTINGS = ("reuse_key", "allow_reissue", "allow_endpoint_change")
#: Files of a certificate: setting -> the suffix of its default name in the entry's directory.
FILE_SUFFIXES = (
    ("certificate_path", ".crt"),
    ("chain_path", ".chain.pem"),
    ("fullchain_path", ".fullchain.pem"),
    ("privatekey_path", ".key"),
    ("combined_path", ".combined.pem"),
    ("metadata_path", ".webnic.json"),
)


def _integer(value):
    """Jinja's ``int`` filter: an integer, a number in a string ("1", "1.0"), else 0."""
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return 0


def _lower(value):
    return str(value).lower()


def _role_value(role, key):
    try:
        return role[key]
    except KeyError:
        raise ValueError("certificate_list: the role variable certificate_%s is not defined" % key)


def entry_name(entry):
    """The name of an entry: ``name``, else its common name in lower case with ``*`` spelled ``wildcard``."""
    if not isinstance(entry, Mapping) or ("name" not in entry and "common_name" not in entry):
        raise ValueError("certificate_list: each entry needs a common_name, got %r" % (entry,))
    if "name" in entry:
        return entry["name"]
    return _lower(entry["common_name"]).replace("*", "wildcard")


def default_dns_zone(common_name):
    """The last two labels of the common name (``*.`` dropped): the zone that holds its DNS records."""
    name = _lower(common_name)
    if name.startswith("*."):
        name = name[2:]
    return ".".join(name.split(".")[-2:])


def certificate_settings(
    entry: Mapping[str, Any],
    role: Mapping[str, Any],
    groups: Mapping[str, List[str]],
    play_batch: List[str],
    builtin_test_commands: Optional[Mapping[str, str]] = None,
) -> Dict[str, Any]:
    """The resolved settings of ``entry`` (see the module docstring).

    ``role`` maps a key without its ``certificate_`` prefix to the role variable (``product`` ->
    ``certificate_product``); it is only read for keys the entry leaves out. ``groups`` and
    ``play_batch`` are Ansible's, for the hosts of the entry's group in this batch. Raises
    ``ValueError`` naming the field when the entry is not a dict, has no common name, or falls back to
    a role variable that is not defined.
    """
    if not isinstance(entry, Mapping):
        raise ValueError("certificate_list: each entry must be a dict, got %r" % (entry,))
    if "common_name" not in entry:
        raise ValueError("certificate_list: the entry %r has no common_name; give each entry one" % (entry,))

    def setting(key):
        return entry[key] if key in entry else _role_value(role, key)

    common_name = _lower(entry["common_name"])
    name = entry_name(entry)
    directory = str(setting("dir"))
    settings = {"name": name, "common_name": common_name}
    names = sorted({_lower(alt) for alt in (entry.get("subject_alt_names") or [])} - {common_name})
    settings["subject_alt_names"] = names
    for key in PLAIN_SETTINGS:
        settings[key] = setting(key)
    settings["term"] = _integer(setting("term"))
    for key in BOOLEAN_SETTINGS:
        settings[key] = boolean(setting(key), strict=False)
    settings["dns_zone"] = entry.get("dns_zone") or default_dns_zone(common_name)
    settings["hosts"] = [host for host in groups.get(settings["inventory_group"], []) if host in play_batch]
    for key, suffix in FILE_SUFFIXES:
        settings[key] = entry.get(key, "%s/%s%s" % (directory, name, suffix))
    if "pkcs12_path" in entry:
        settings["pkcs12_path"] = entry["pkcs12_path"]
    elif boolean(setting("pkcs12"), strict=False):
        settings["pkcs12_path"] = "%s/%s.p12" % (directory, name)
    else:
        settings["pkcs12_path"] = ""
    server_type = settings["server_type"]
    tests = dict(builtin_test_commands or {})
    tests.update(_role_value(role, "server_test_command") or {})
    settings["test_command"] = tests.get(server_type) or ""
    settings["reload_command"] = (_role_value(role, "server_reload_command") or {}).get(server_type) or ""
    settings["service_name"] = (_role_value(role, "service_name") or {}).get(server_type) or ""
    return settings
