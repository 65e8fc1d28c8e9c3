#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

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

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto, download, orders
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import FieldProblem
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.files import write_atomic
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.task_order import NEWEST_ISSUED, resolve_order


def check_options(params):
    if params["wait_timeout"] < 0:
        raise FieldProblem("wait_timeout", "must not be negative", "Give seconds, for example 600")
    if params["wait_interval"] <= 0:
        raise FieldProblem("wait_interval", "must be positive", "Give seconds, for example 10")
    download.check_paths(params)


def refuse(module, order_id, problems, **extra):
    module.fail_json(
        msg="Refusing to write the certificate of order %s: %s. No file was changed." % (order_id, "; ".join(problems)),
        order_id=order_id,
        problems=problems,
        changed=False,
        api_calls=module.api_calls,
        **extra,
    )


def issued_order(module):
    """The order the task is about, once issued (waiting for it with O(wait)); fails when it is not."""
    params = module.params
    order = resolve_order(module.client, params["order_id"], params["common_name"], NEWEST_ISSUED)
    order_id = orders.order_id_of(order) or params["order_id"]
    if orders.is_issued(order):
        return order, order_id
    outcome = "not issued"
    if params["wait"]:
        outcome, order, _status = orders.wait_for_order(
            module.client,
            order_id,
            params["wait_timeout"],
            max_delay=params["wait_interval"],
            first_delay=min(1.0, params["wait_interval"]),
        )
    if outcome != "issued":
        module.fail_json(
            msg=download.not_issued_message(orders.describe_order(order), outcome, params["wait_timeout"]),
            order_id=order_id,
            order_status=order.get("orderStatus"),
            cert_status=order.get("certStatus"),
            changed=False,
            api_calls=module.api_calls,
        )
    return order, order_id


def fetch_certificate(module, order, order_id, key):
    """WebNIC's certificate and chain, refused unless they are the order's, fit the key and chain to a trusted root."""
    certs = download.certificates_of(module.client.download(order_id, "PEM", {"bundle": True}))
    if not certs:
        refuse(module, order_id, ["WebNIC's download is not a PEM certificate bundle"])
    leaf, chain = crypto.split_leaf_and_chain(certs)
    roots = download.trusted_roots(module.params["trusted_roots"])
    problems = download.download_problems(leaf, chain, order, key, module.params["privatekey_path"], roots)
    if problems:
        refuse(module, order_id, problems, serial=crypto.parse_certificate(leaf)["serial"])
    return leaf, chain


def write_files(module, contents, existing, facts, reasons, rewrite=True):
    """Write each target (content, owner, group, mode); returns ``(files, written, backups)``."""
    params = module.params
    files, written, backups = {}, [], {}
    for target in download.WRITE_ORDER:
        path = params[target]
        if not path:
            continue
        files[target] = path
        content = contents[target] if rewrite else existing[target]
        mode = params["pkcs12_mode"] if target == "pkcs12_dest" else params["mode"]
        changed, backup_file = write_atomic(
            module,
            path,
            content,
            mode=mode,
            owner=params["owner"],
            group=params["group"],
            backup=params["backup"] and rewrite,
        )
        if rewrite and existing.get(target) != content:
            written.append(path)
            reasons.append(download.content_reason(path, existing.get(target) is None, facts))
        elif changed:
            reasons.append("%s: owner, group or mode changed" % path)
        if backup_file:
            backups[target] = backup_file
    return files, written, backups


def record_download(module, order_id, leaf, reasons):
    """Record in O(metadata_path) which order and certificate the files hold (other keys kept)."""
    params = module.params
    path = params["metadata_path"]
    record = download.updated_record(download.read_record(path), order_id, leaf) if path else None
    if record is not None:
        content = download.record_content(record)
        write_atomic(module, path, content, mode=params["mode"], owner=params["owner"], group=params["group"])
        reasons.append("%s: records order %s, serial %s" % (path, order_id, record["serial"]))


def run(module):
    params = module.params
    if not crypto.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=crypto.CRYPTOGRAPHY_IMPORT_ERROR)
    check_options(params)
    key = download.load_key(params["privatekey_path"], params["privatekey_passphrase"])
    if params["metadata_path"] and params["order_id"]:
        leaf, chain, existing = download.current_files(params)
        record = download.read_record(params["metadata_path"])
        if download.current_without_asking(params, key, leaf, chain, record):
            # Asked WebNIC nothing: only owner, group and mode may be applied.
            reasons = []
            files, _written, _backups = write_files(module, None, existing, None, reasons, rewrite=False)
            return download.run_result(reasons, str(params["order_id"]).strip(), leaf, chain, files, [])

    order, order_id = issued_order(module)
    disk_leaf, disk_chain, existing = download.current_files(params)
    check_chain = bool(params["chain_dest"] or params["fullchain_dest"])
    keep = disk_leaf is not None and not params["force"]
    keep = keep and not download.stale_reasons(disk_leaf, disk_chain, order, key, check_chain)
    leaf, chain = (disk_leaf, disk_chain) if keep else fetch_certificate(module, order, order_id, key)
    contents = download.file_contents(params, leaf, chain, key, order, existing)
    if params["chain_dest"] and not contents["chain_dest"]:
        refuse(module, order_id, ["WebNIC's download holds no intermediate certificate for chain_dest"])

    reasons = []
    files, written, backups = write_files(module, contents, existing, crypto.parse_certificate(leaf), reasons)
    record_download(module, order_id, leaf, reasons)
    result = download.run_result(reasons, order_id, leaf, chain, files, written, order=order, downloaded=not keep)
    if backups:
        result["backup_files"] = backups
    if module._diff:
        result["diff"] = {"before": download.summary(disk_leaf), "after": download.summary(leaf)}
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
