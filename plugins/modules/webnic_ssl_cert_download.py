#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: webnic_ssl_cert_download
short_description: Download the issued certificate of a WebNIC SSL order into files
version_added: 0.1.0
description:
  - Downloads the certificate of an issued order and writes the leaf certificate (O(dest)), the
    intermediate chain (O(chain_dest)), leaf plus chain (O(fullchain_dest)) and, optionally, a
    PKCS#12 file built on this host from O(privatekey_path) (O(pkcs12_dest)).
  - Before anything is written, the certificate is checked against O(privatekey_path) (when given),
    the chain is checked to link to the leaf (names and signatures) and to end at a trusted root
    (O(trusted_roots), or the system store), every certificate must be valid now, and the certificate's
    names are checked to cover the order's names. When a check fails, the module fails and no file is replaced.
  - Destination paths must be absolute, without C(..), different from each other and from
    O(privatekey_path), and never a symbolic link (the module does not write through links).
  - Each file is written only when its content differs, atomically (a 0600 temporary file renamed
    over the old one), with O(owner), O(group) and O(mode), and with O(backup) a copy of the old file.
  - When the files on disk already hold the certificate the order reports (same expiry and names,
    matching key), the download call is skipped entirely; a nightly rerun makes no download call.
  - An order not issued yet fails with its status, or is waited for with O(wait=true).
author:
  - webnic.ssl contributors (@webnic-community)
extends_documentation_fragment:
  - webnic.ssl.webnic
  - webnic.ssl.webnic.attributes
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Reads the order (and downloads the certificate when the files are not current) and reports
        what would be written; writes nothing.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details:
      - The diff shows the serial, expiry and names of the certificate on disk before and after.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
    support: full
options:
  order_id:
    description:
      - The WebNIC order id.
      - One of O(order_id) and O(common_name) is required.
    type: str
  common_name:
    description:
      - The common name of the order; the newest issued live order with exactly this common name is
        used (or the order still pending, to report or wait for it).
      - When given with O(order_id), the order must be for this name.
    type: str
  dest:
    description:
      - Where to write the leaf certificate (PEM).
      - At least one of O(dest), O(chain_dest), O(fullchain_dest) and O(pkcs12_dest) is required.
    type: path
  chain_dest:
    description:
      - Where to write the intermediate certificates (PEM, the issuer of the leaf first; the root is left out).
    type: path
  fullchain_dest:
    description:
      - Where to write the leaf followed by the intermediates (PEM), what most web servers want.
    type: path
  pkcs12_dest:
    description:
      - Where to write a PKCS#12 (PFX) file of the private key, the certificate and the chain.
      - Built on this host from O(privatekey_path); the key never goes to WebNIC.
      - Requires O(privatekey_path).
    type: path
  pkcs12_password:
    description:
      - The password of the PKCS#12 file. Without it the file is not encrypted.
    type: str
  privatekey_path:
    description:
      - The private key the certificate was requested for. When given, a certificate that does not
        match it is refused.
    type: path
  privatekey_passphrase:
    description:
      - The passphrase of O(privatekey_path).
    type: str
  mode:
    description:
      - The mode of the certificate files (O(dest), O(chain_dest), O(fullchain_dest)), in octal such as V('0644').
    type: str
    default: "0644"
  pkcs12_mode:
    description:
      - The mode of O(pkcs12_dest), which holds the private key.
    type: str
    default: "0600"
  owner:
    description:
      - The owner of the written files. Default is the current owner (or the user running the module for a new file).
    type: str
  group:
    description:
      - The group of the written files. Default is the current group.
    type: str
  backup:
    description:
      - Keep a copy of each file that is replaced, with a timestamp in its name.
    type: bool
    default: false
  metadata_path:
    description:
      - A JSON file recording which order and certificate the files were downloaded for (keys
        C(order_id), C(fingerprint), C(serial), C(not_after); other keys in it are kept, so it may be
        the metadata file of the P(webnic.ssl.certificate#role) role). Written after each download.
      - With O(order_id), a run whose files on disk hold the certificate recorded for that order, valid
        now, matching O(privatekey_path) and, with O(chain_dest) or O(fullchain_dest), its chain, makes
        B(no API call). Any doubt (another order id, another certificate, expired, unreadable) asks
        WebNIC as without this option.
      - A reissue keeps the order id; when the reissued certificate is for the same key and names, pass
        O(force=true) once, for example set to the C(changed) result of M(webnic.ssl.webnic_ssl_order).
    type: path
  force:
    description:
      - Download even when the files on disk already hold the order's certificate.
      - The files are still rewritten only when the content differs.
    type: bool
    default: false
  wait:
    description:
      - Wait for an order that is not issued yet instead of failing.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true).
    type: int
    default: 600
  wait_interval:
    description:
      - The longest pause, in seconds, between two status checks while waiting.
    type: float
    default: 10
  trusted_roots:
    description:
      - PEM files (or directories of them) holding the root certificates a downloaded chain must end at.
      - Without it, the system's CA store of the host running the module is used.
      - A downloaded certificate is refused, and nothing is written, unless it is valid now (allowing
        5 minutes of clock difference), every certificate of its chain is valid now and signed by the
        next one, and the chain ends at one of these roots.
      - If not set, the value of the E(WEBNIC_TRUSTED_ROOTS) environment variable is used
        (several paths separated by commas).
    type: list
    elements: path
requirements:
  - cryptography >= 41
seealso:
  - module: webnic.ssl.webnic_ssl_dcv
  - module: webnic.ssl.webnic_ssl_deployed_info
"""

EXAMPLES = r"""
- name: Write the certificate files for nginx
  webnic.ssl.webnic_ssl_cert_download:
    common_name: www.example.com
    privatekey_path: /etc/ssl/private/www.example.com.key
    dest: /etc/ssl/certs/www.example.com.crt
    chain_dest: /etc/ssl/certs/www.example.com.chain.pem
    fullchain_dest: /etc/ssl/certs/www.example.com.fullchain.pem
    backup: true
  register: cert
  notify: Reload nginx

- name: Show why something changed
  ansible.builtin.debug:
    var: cert.changed_reasons

- name: Wait for issuance, then write a PKCS#12 file for a Java server
  webnic.ssl.webnic_ssl_cert_download:
    order_id: "{{ order.order_id }}"
    wait: true
    wait_timeout: 1800
    privatekey_path: /etc/tomcat/www.example.com.key
    pkcs12_dest: /etc/tomcat/www.example.com.p12
    pkcs12_password: "{{ vault_keystore_password }}"
    owner: tomcat
    group: tomcat

- name: Nightly, without any API call while the files hold the order's certificate
  webnic.ssl.webnic_ssl_cert_download:
    order_id: "{{ order.order_id }}"
    force: "{{ order.changed }}"
    privatekey_path: /etc/ssl/private/www.example.com.key
    fullchain_dest: /etc/ssl/certs/www.example.com.fullchain.pem
    metadata_path: /etc/ssl/certs/www.example.com.download.json
"""

RETURN = r"""
order_id:
  description: The order id.
  returned: success
  type: str
  sample: "10023"
common_name:
  description: The common name of the order.
  returned: success
  type: str
  sample: www.example.com
order_status:
  description: WebNIC's C(orderStatus) of the order; null when WebNIC was not asked (RV(asked_webnic=false)).
  returned: always
  type: str
  sample: COMPLETED
cert_status:
  description: WebNIC's C(certStatus) of the order; null when WebNIC was not asked.
  returned: always
  type: str
  sample: ACTIVE
serial:
  description: The serial number of the certificate, lower-case hex.
  returned: success
  type: str
  sample: 5f3a0c9e21d4
fingerprint:
  description: SHA-256 fingerprint of the certificate, colon-separated hex.
  returned: success
  type: str
  sample: "4b:1d:...:9e"
issuer:
  description: The issuer of the certificate (RFC 4514 string).
  returned: success
  type: str
  sample: CN=Example Intermediate CA,O=Example
not_before:
  description: Start of validity, ISO 8601 UTC.
  returned: success
  type: str
  sample: "2026-01-01T00:00:00Z"
not_after:
  description: End of validity, ISO 8601 UTC.
  returned: success
  type: str
  sample: "2027-01-01T00:00:00Z"
days_remaining:
  description: Whole days until RV(not_after).
  returned: success
  type: int
  sample: 364
names:
  description: The DNS names of the certificate (subject alternative names).
  returned: success
  type: list
  elements: str
  sample: ["www.example.com", "example.com"]
chain_length:
  description: The number of intermediate certificates.
  returned: success
  type: int
  sample: 1
downloaded:
  description: Whether the certificate was downloaded (false when the files on disk were current).
  returned: success
  type: bool
  sample: false
asked_webnic:
  description: Whether WebNIC was asked at all; false when O(metadata_path) showed the files on disk
    hold the order's current certificate (no API call).
  returned: success
  type: bool
  sample: false
files:
  description: The destination of each file asked for.
  returned: success
  type: dict
  sample: {"dest": "/etc/ssl/certs/www.example.com.crt", "fullchain_dest": "/etc/ssl/certs/fullchain.pem"}
written:
  description: The files whose content was (in check mode, would be) replaced.
  returned: success
  type: list
  elements: str
  sample: ["/etc/ssl/certs/www.example.com.crt"]
backup_files:
  description: The backup copy of each replaced file, by destination.
  returned: when O(backup=true) and a file was replaced
  type: dict
changed_reasons:
  description: Why the task changed (or in check mode would change) something.
  returned: always
  type: list
  elements: str
  sample: ["/etc/ssl/certs/www.example.com.crt: new certificate (serial 5f3a0c9e21d4, expires 2027-01-01T00:00:00Z)"]
api_calls:
  description: HTTP requests sent to WebNIC by this task (token minting included).
  returned: always
  type: int
  sample: 2
"""

import datetime
import json

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.files import (
    PathError,
    check_destination,
    check_distinct_paths,
    read_file,
    read_trust_store,
    system_trust_paths,
    write_atomic,
)
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.orders import (
    cert_status,
    describe_order,
    find_orders,
    get_order,
    is_issued,
    order_id_of,
    order_names,
    order_status,
    parse_api_time,
    wait_for_order,
)

PEM_TARGETS = ("dest", "chain_dest", "fullchain_dest")
#: How far apart the order's reported expiry and the certificate's notAfter may be and still be
#: the same certificate (the API rounds and may use another time zone notation).
EXPIRY_TOLERANCE_SECONDS = 120


def _lower(name):
    return crypto.comparable_name(name)


def check_paths(module):
    """Refuse relative, ``..`` and overlapping paths before anything is read from WebNIC or written."""
    params = module.params
    fields = [(option, params[option]) for option in ("privatekey_path", *PEM_TARGETS, "pkcs12_dest")]
    try:
        for option in (*PEM_TARGETS, "pkcs12_dest"):
            check_destination(option, params[option])
        check_distinct_paths(fields)
    except PathError as exc:
        module.fail_field(exc.field, exc.problem, exc.fix)


def trusted_roots(module):
    """The roots a downloaded chain must end at: O(trusted_roots), else this host's system store."""
    paths = module.params["trusted_roots"] or system_trust_paths()
    try:
        roots = crypto.parse_trust_store(read_trust_store(paths))
    except PathError as exc:
        module.fail_field(exc.field, exc.problem, exc.fix)
    if not roots:
        module.fail_field(
            "trusted_roots",
            "no root certificate found in %s" % (", ".join(paths) or "the system store"),
            "Give the PEM file of the CA roots to trust, or install the system CA bundle (ca-certificates)",
        )
    return roots


def resolve_order(module):
    client = module.client
    order_id = module.params["order_id"]
    common_name = None
    if module.params["common_name"]:
        try:
            common_name = crypto.normalize_name(module.params["common_name"])
        except crypto.InvalidNameError as exc:
            module.fail_field("common_name", exc.problem, exc.fix)
    if order_id:
        info = get_order(client, order_id)
        if info is None:
            module.fail_field("order_id", "WebNIC knows no order %s" % order_id, "Check the id")
        if common_name and _lower(info.get("commonName")) != common_name:
            module.fail_field(
                "common_name",
                "order %s is for %s, not %s" % (order_id, info.get("commonName"), common_name),
                "Give the order's own common name, or only order_id",
            )
        return info
    live = find_orders(client, common_name, live_only=True)
    if not live:
        module.fail_field(
            "common_name",
            "no live order has the common name %s" % common_name,
            "Place the order first (webnic.ssl.webnic_ssl_order) or give order_id",
        )
    issued = [order for order in live if is_issued(order)]
    # The newest issued order holds the newest certificate (a renewal is a new order).
    return (issued or live)[-1]


def load_key(module):
    path = module.params["privatekey_path"]
    if not path:
        return None
    data = read_file(path)
    if data is None:
        module.fail_field(
            "privatekey_path", "%s does not exist" % path, "Point it at the key the certificate was requested for"
        )
    try:
        return crypto.load_private_key(data, module.params["privatekey_passphrase"])
    except crypto.CryptoInputError as exc:
        module.fail_field(
            "privatekey_path" if getattr(exc, "reason", "") == "invalid" else "privatekey_passphrase",
            exc.problem,
            exc.fix,
        )


def _certs_of(data):
    try:
        return crypto.load_certificates(data)
    except crypto.CryptoInputError:
        return None


def current_files(module):
    """What the files on disk hold: ``(leaf, chain, existing_bytes)``; ``leaf`` None when unusable."""
    params = module.params
    existing = {}
    for target in (*PEM_TARGETS, "pkcs12_dest"):
        if params[target]:
            existing[target] = read_file(params[target])
    leaves = []
    chain = None
    for target in ("dest", "fullchain_dest"):
        data = existing.get(target)
        if target in existing:
            certs = _certs_of(data) if data else None
            if not certs:
                return None, None, existing
            leaves.append(certs[0])
            if target == "fullchain_dest":
                chain = certs[1:]
    if "chain_dest" in existing:
        certs = _certs_of(existing["chain_dest"]) if existing["chain_dest"] else None
        if not certs:
            return None, None, existing
        if chain is not None and [crypto.certificate_fingerprint(c) for c in certs] != [
            crypto.certificate_fingerprint(c) for c in chain
        ]:
            return None, None, existing
        chain = certs
    if "pkcs12_dest" in existing:
        loaded = (
            crypto.load_pkcs12(existing["pkcs12_dest"], params["pkcs12_password"]) if existing["pkcs12_dest"] else None
        )
        if not loaded or loaded[1] is None:
            return None, None, existing
        leaves.append(loaded[1])
        if chain is None:
            chain = loaded[2]
    if not leaves or len({crypto.certificate_fingerprint(c) for c in leaves}) != 1:
        return None, None, existing
    return leaves[0], chain or [], existing


def mismatch_with_order(leaf, order):
    """Why a certificate is not the one the order reports: [] when expiry and names agree."""
    reasons = []
    facts = crypto.parse_certificate(leaf)
    expires = parse_api_time(order.get("dtcertexpire"))
    not_after = crypto.certificate_not_after(leaf)
    if expires is None or abs((expires - not_after).total_seconds()) > EXPIRY_TOLERANCE_SECONDS:
        reasons.append("expires %s, the order reports %s" % (facts["not_after"], order.get("dtcertexpire")))
    missing = missing_names(leaf, order)
    if missing:
        reasons.append("lacks the order's names %s" % ", ".join(missing))
    return reasons


def missing_names(leaf, order):
    facts = crypto.parse_certificate(leaf)
    have = set(facts["subject_alt_names"])
    if facts["common_name"]:
        have.add(facts["common_name"])
    return [name for name in order_names(order) if name and name not in have]


def certificate_result(leaf, chain):
    facts = crypto.parse_certificate(leaf)
    now = datetime.datetime.now(crypto.certificate_not_after(leaf).tzinfo)
    remaining = crypto.certificate_not_after(leaf) - now
    names = list(facts["subject_alt_names"])
    if facts["common_name"] and facts["common_name"] not in names:
        names.insert(0, facts["common_name"])
    return {
        "serial": facts["serial"],
        "fingerprint": facts["fingerprint_sha256"],
        "issuer": facts["issuer_string"],
        "not_before": facts["not_before"],
        "not_after": facts["not_after"],
        "days_remaining": int(remaining.total_seconds() // 86400),
        "names": names,
        "chain_length": len(chain),
    }


def _summary(leaf):
    if leaf is None:
        return {}
    facts = crypto.parse_certificate(leaf)
    return {"serial": facts["serial"], "not_after": facts["not_after"], "names": facts["subject_alt_names"]}


def refuse(module, order_id, problems, **extra):
    module.fail_json(
        msg="Refusing to write the certificate of order %s: %s. No file was changed." % (order_id, "; ".join(problems)),
        order_id=order_id,
        problems=problems,
        changed=False,
        api_calls=module.api_calls,
        **extra,
    )


def read_record(path):
    """The download record in ``path`` (a dict), ``{}`` when missing or unreadable."""
    if not path:
        return {}
    data = read_file(path)
    try:
        record = json.loads(data.decode("utf-8")) if data else {}
    except (ValueError, UnicodeDecodeError):
        return {}
    return record if isinstance(record, dict) else {}


def current_without_asking(params, key, leaf, chain, record):
    """True when the files on disk are, by the record, the order's certificate and still usable.

    Only for an explicit ``order_id`` (a common name may have a newer order the record cannot know).
    """
    if params["force"] or not params["order_id"] or leaf is None or not record:
        return False
    if str(record.get("order_id") or "") != str(params["order_id"]).strip():
        return False
    facts = crypto.parse_certificate(leaf)
    if record.get("fingerprint") != facts["fingerprint_sha256"]:
        return False
    now = datetime.datetime.now(crypto.certificate_not_after(leaf).tzinfo)
    if not crypto.certificate_not_before(leaf) <= now < crypto.certificate_not_after(leaf):
        return False
    if key is not None and not crypto.key_matches_certificate(key, leaf):
        return False
    if (params["chain_dest"] or params["fullchain_dest"]) and crypto.chain_problems(leaf, chain):
        return False
    if params["common_name"]:
        names = set(facts["subject_alt_names"]) | {facts["common_name"]}
        if _lower(params["common_name"]) not in {_lower(n) for n in names if n}:
            return False
    return True


def record_download(module, order_id, leaf, reasons):
    """Record in O(metadata_path) which order and certificate the files hold (other keys kept)."""
    path = module.params["metadata_path"]
    if not path:
        return
    record = read_record(path)
    facts = crypto.parse_certificate(leaf)
    wanted = dict(record)
    wanted.update(
        order_id=str(order_id),
        fingerprint=facts["fingerprint_sha256"],
        serial=facts["serial"],
        not_after=facts["not_after"],
    )
    if wanted == record:
        return
    content = (json.dumps(wanted, indent=2, sort_keys=True) + "\n").encode("utf-8")
    write_atomic(
        module, path, content, mode=module.params["mode"], owner=module.params["owner"], group=module.params["group"]
    )
    reasons.append("%s: records order %s, serial %s" % (path, order_id, facts["serial"]))


def unchanged_result(module, leaf, chain, existing):
    """The result of a run that asked WebNIC nothing: only owner, group and mode may be applied."""
    params = module.params
    reasons = []
    files = {}
    for target in ("chain_dest", "fullchain_dest", "dest", "pkcs12_dest"):
        path = params[target]
        if not path:
            continue
        files[target] = path
        mode = params["pkcs12_mode"] if target == "pkcs12_dest" else params["mode"]
        changed, _backup = write_atomic(
            module, path, existing[target], mode=mode, owner=params["owner"], group=params["group"]
        )
        if changed:
            reasons.append("%s: owner, group or mode changed" % path)
    result = {
        "changed": bool(reasons),
        "changed_reasons": reasons,
        "order_id": str(params["order_id"]).strip(),
        "common_name": crypto.parse_certificate(leaf)["common_name"],
        "order_status": None,
        "cert_status": None,
        "downloaded": False,
        "asked_webnic": False,
        "files": files,
        "written": [],
    }
    result.update(certificate_result(leaf, chain))
    return result


def run(module):
    params = module.params
    if not crypto.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=crypto.CRYPTOGRAPHY_IMPORT_ERROR)
    for field in ("wait_timeout",):
        if params[field] < 0:
            module.fail_field(field, "must not be negative", "Give seconds, for example 600")
    if params["wait_interval"] <= 0:
        module.fail_field("wait_interval", "must be positive", "Give seconds, for example 10")
    check_paths(module)
    key = load_key(module)
    if params["metadata_path"] and params["order_id"]:
        disk_leaf, disk_chain, existing = current_files(module)
        if current_without_asking(params, key, disk_leaf, disk_chain, read_record(params["metadata_path"])):
            return unchanged_result(module, disk_leaf, disk_chain, existing)
    client = module.client

    order = resolve_order(module)
    order_id = order_id_of(order) or params["order_id"]
    if not is_issued(order):
        if params["wait"]:
            outcome, order, _status = wait_for_order(
                client,
                order_id,
                params["wait_timeout"],
                max_delay=params["wait_interval"],
                first_delay=min(1.0, params["wait_interval"]),
            )
        else:
            outcome = "not issued"
        if outcome != "issued":
            hint = (
                "Complete domain validation (webnic.ssl.webnic_ssl_dcv shows what is pending), "
                "or set wait: true to wait for issuance."
                if outcome == "not issued"
                else "Check domain validation with webnic.ssl.webnic_ssl_dcv, or wait longer (wait_timeout)."
            )
            what = {
                "not issued": "is not issued yet",
                "timeout": "was not issued within %ss" % params["wait_timeout"],
                "failed": "will not be issued",
            }[outcome]
            module.fail_json(
                msg="Order %s %s. %s"
                % (describe_order(order), what, hint if outcome != "failed" else "Place a new order."),
                order_id=order_id,
                order_status=order.get("orderStatus"),
                cert_status=order.get("certStatus"),
                changed=False,
                api_calls=module.api_calls,
            )

    disk_leaf, disk_chain, existing = current_files(module)
    reasons = []
    skip = False
    if disk_leaf is not None and not params["force"]:
        stale = mismatch_with_order(disk_leaf, order)
        if key is not None and not crypto.key_matches_certificate(key, disk_leaf):
            stale.append("does not match privatekey_path")
        if params["chain_dest"] or params["fullchain_dest"]:
            stale.extend(crypto.chain_problems(disk_leaf, disk_chain))
        skip = not stale

    if skip:
        leaf, chain = disk_leaf, disk_chain
        downloaded = False
    else:
        data = client.download(order_id, "PEM", {"bundle": True})
        certs = _certs_of(data)
        if not certs:
            refuse(module, order_id, ["WebNIC's download is not a PEM certificate bundle"])
        leaf, chain = crypto.split_leaf_and_chain(certs)
        downloaded = True
        problems = []
        missing = missing_names(leaf, order)
        if missing:
            problems.append("the certificate lacks the order's names %s" % ", ".join(missing))
        if key is not None and not crypto.key_matches_certificate(key, leaf):
            problems.append("the certificate does not match the private key %s" % params["privatekey_path"])
        # The answer is untrusted input: valid now, every link signed, and a trusted root on top.
        problems.extend(crypto.issued_certificate_problems(leaf, chain, trusted_roots(module)))
        if problems:
            refuse(module, order_id, problems, serial=crypto.parse_certificate(leaf)["serial"])

    leaf_pem = crypto.certificate_pem(leaf)
    chain_pem = b"".join(crypto.certificate_pem(c) for c in chain)
    contents = {"dest": leaf_pem, "chain_dest": chain_pem, "fullchain_dest": leaf_pem + chain_pem}
    if params["pkcs12_dest"]:
        old = existing.get("pkcs12_dest")
        if old and crypto.pkcs12_holds(old, params["pkcs12_password"], key, leaf, chain):
            contents["pkcs12_dest"] = old  # PKCS#12 output is salted: rebuild only when it differs
        else:
            contents["pkcs12_dest"] = crypto.build_pkcs12(
                key, leaf, chain, params["pkcs12_password"], order.get("commonName")
            )
    if params["chain_dest"] and not chain_pem:
        refuse(module, order_id, ["WebNIC's download holds no intermediate certificate for chain_dest"])

    new_facts = crypto.parse_certificate(leaf)
    written = []
    backups = {}
    files = {}
    for target in ("chain_dest", "fullchain_dest", "dest", "pkcs12_dest"):
        path = params[target]
        if not path:
            continue
        files[target] = path
        content = contents[target]
        content_differs = existing.get(target) != content
        mode = params["pkcs12_mode"] if target == "pkcs12_dest" else params["mode"]
        changed, backup_file = write_atomic(
            module, path, content, mode=mode, owner=params["owner"], group=params["group"], backup=params["backup"]
        )
        if content_differs:
            written.append(path)
            if existing.get(target) is None:
                reasons.append(
                    "%s: created (serial %s, expires %s)" % (path, new_facts["serial"], new_facts["not_after"])
                )
            else:
                reasons.append(
                    "%s: new content (serial %s, expires %s)" % (path, new_facts["serial"], new_facts["not_after"])
                )
        elif changed:
            reasons.append("%s: owner, group or mode changed" % path)
        if backup_file:
            backups[target] = backup_file

    record_download(module, order_id, leaf, reasons)
    result = {
        "changed": bool(reasons),
        "changed_reasons": reasons,
        "order_id": order_id,
        "common_name": order.get("commonName"),
        "order_status": order_status(order),
        "cert_status": cert_status(order),
        "downloaded": downloaded,
        "asked_webnic": True,
        "files": files,
        "written": written,
    }
    result.update(certificate_result(leaf, chain))
    if backups:
        result["backup_files"] = backups
    if module._diff:
        result["diff"] = {"before": _summary(disk_leaf), "after": _summary(leaf)}
    return result


def main():
    module = WebNICModule(
        argument_spec=dict(
            order_id=dict(type="str"),
            common_name=dict(type="str"),
            dest=dict(type="path"),
            chain_dest=dict(type="path"),
            fullchain_dest=dict(type="path"),
            pkcs12_dest=dict(type="path"),
            metadata_path=dict(type="path"),
            pkcs12_password=dict(type="str", no_log=True),
            privatekey_path=dict(type="path"),
            privatekey_passphrase=dict(type="str", no_log=True),
            mode=dict(type="str", default="0644"),
            pkcs12_mode=dict(type="str", default="0600"),
            owner=dict(type="str"),
            group=dict(type="str"),
            backup=dict(type="bool", default=False),
            force=dict(type="bool", default=False),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=600),
            wait_interval=dict(type="float", default=10.0),
            trusted_roots=dict(type="list", elements="path", fallback=(env_fallback, ["WEBNIC_TRUSTED_ROOTS"])),
        ),
        required_one_of=[("order_id", "common_name"), ("dest", "chain_dest", "fullchain_dest", "pkcs12_dest")],
        required_by={"pkcs12_dest": ("privatekey_path",)},
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
