#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: webnic_ssl_cert_install
short_description: >-
  Install a certificate with its chain, full chain, private key, HAProxy combined PEM and order
  metadata on a host in one step
version_added: 0.1.0
description:
  - Writes the leaf certificate (O(certificate_path)), the intermediates (O(chain_path)), leaf plus
    intermediates (O(fullchain_path)), the private key (O(privatekey_path)), the combined PEM HAProxy
    reads (O(combined_path), full chain followed by the key) and the order metadata
    (O(metadata_path)) in one task, from content given as options.
  - With O(verify=true) (the default) everything is checked before anything is written; the
    certificate must parse and be valid now (5 minutes of clock difference allowed), the chain must
    not hold the certificate itself, the full chain must start with the certificate and the private
    key must belong to it. When a check fails, the module fails and no file or directory is created or replaced.
  - Every path must be absolute, without C(..), different from the others (also through a link) and
    not a symbolic link (files are never written through a link).
  - Each file is compared first and written only when its content differs, atomically (a 0600
    temporary file in the same directory renamed over the old one), so a server reading it never sees
    half a file and a key is never readable by others, not even for a moment. Missing parent
    directories are created with O(directory_mode).
  - When one write fails, the files this task had already replaced are put back (and the ones it
    created removed) before it fails, so a host never keeps a new certificate next to an old key.
  - O(remove) lists files deleted after all writes succeeded, such as the key kept for a pending order.
  - Makes no call to the WebNIC API and needs no credentials; it runs on the managed host.
  - Never returns key material, not in its result, not in its diff.
  - One task instead of a copy task per file; on a fleet, one module execution per host instead of five or six.
author:
  - webnic.ssl contributors (@webnic-community)
extends_documentation_fragment:
  - webnic.ssl.webnic.attributes
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Runs every check and reports which files would be created, replaced or removed; writes nothing.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details:
      - Shows the old and new content of the certificate, chain, full chain and metadata files. The
        private key and combined files are shown only as C((key material, N bytes)).
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
    support: full
    details:
      - The metadata file changes whenever O(metadata) does, for example a new C(deployed_at) time stamp.
options:
  certificate_path:
    description:
      - Where to write the leaf certificate.
    type: path
    required: true
  certificate:
    description:
      - The leaf certificate (PEM). Written ending in exactly one newline, whether or not it is given with one.
    type: str
    required: true
  chain_path:
    description:
      - Where to write the intermediate certificates.
      - Required together with O(chain).
    type: path
  chain:
    description:
      - The intermediate certificates (PEM), the issuer of the leaf first.
      - Required together with O(chain_path).
    type: str
  fullchain_path:
    description:
      - Where to write the leaf followed by the intermediates, what nginx and most servers want.
      - Required together with O(fullchain).
    type: path
  fullchain:
    description:
      - The leaf certificate followed by the intermediates (PEM). With O(verify=true) it must start
        with O(certificate).
      - Required together with O(fullchain_path).
    type: str
  privatekey_path:
    description:
      - Where to write the private key, with mode O(privatekey_mode) whatever O(mode) says.
      - Required together with O(privatekey).
    type: path
  privatekey:
    description:
      - The private key of the certificate (unencrypted PEM). Never logged or returned.
      - The action plugin of this module sends it to the host as a temporary file (as
        M(ansible.builtin.copy) does with its content) and passes O(privatekey_src) instead, so that the
        key is never a module argument, not even in the debug output of ansible-core (C(ANSIBLE_DEBUG)).
      - O(privatekey_path) needs O(privatekey) or O(privatekey_src).
    type: str
  privatekey_src:
    description:
      - A file on the managed host holding the private key to install, read instead of O(privatekey).
      - The action plugin sets it; give O(privatekey) in playbooks.
    type: path
  combined_path:
    description:
      - Where to write O(fullchain) followed by O(privatekey) in one file, the C(crt) file of HAProxy.
        The file has mode O(privatekey_mode).
      - Requires O(fullchain) and O(privatekey).
    type: path
  metadata_path:
    description:
      - Where to write O(metadata) as JSON (sorted keys, indented by 4, ending in a newline; what
        C(to_nice_json(sort_keys=true)) produces), the file M(webnic.ssl.webnic_ssl_deployed_info) reads.
      - Required together with O(metadata).
    type: path
  metadata:
    description:
      - The order metadata to keep next to the certificate, such as C(order_id), C(api_endpoint),
        C(product_key), C(common_name), C(subject_alt_names) and C(deployed_at).
      - A change of the metadata alone does not set RV(certificate_changed).
      - Required together with O(metadata_path).
    type: dict
  remove:
    description:
      - Files to remove after every write succeeded, for example the C(<key>.pending) file of the
        order just completed. Files that do not exist are fine.
      - Must not name a file this task writes, nor a directory.
    type: list
    elements: path
    default: []
  mode:
    description:
      - The mode of the certificate, chain, full chain and metadata files, in octal such as V('0644').
        Quote it in YAML, an unquoted C(0644) is read as a decimal number.
      - The private key, combined and PKCS#12 files have O(privatekey_mode) instead.
    type: str
    default: "0644"
  privatekey_mode:
    description:
      - The mode of the files that hold the private key (O(privatekey_path), O(combined_path),
        O(pkcs12_path)), in octal such as V('0640') for a web server that reads the key through its
        group (with O(group)).
      - Owner and group bits only; a mode that lets others read, write or execute the key, or makes it
        executable, is refused.
    type: str
    default: "0600"
  pkcs12_path:
    description:
      - Where to write a PKCS#12 file (key, certificate and chain) built on the host, for servers that
        read a keystore (Tomcat, IIS, Java). Mode O(privatekey_mode).
      - PKCS#12 output is salted, so the file is compared by what it holds, not by its bytes, and is
        rewritten only when the key, certificate or chain differ or O(pkcs12_password) no longer opens it.
      - Requires O(privatekey).
    type: path
  pkcs12_password:
    description:
      - The password of O(pkcs12_path). Keep it in a vaulted variable; never logged. Without it the
        file is not encrypted.
    type: str
  owner:
    description:
      - The owner of every written file and created directory (name or uid). Default is the current
        owner, or the user running the module for a new file.
    type: str
  group:
    description:
      - The group of every written file and created directory (name or gid). Default is the current
        group, or the primary group of the user running the module for a new file.
    type: str
  directory_mode:
    description:
      - The mode of the parent directories created because they were missing, in octal such as V('0755').
        Directories that exist are left as they are.
    type: str
    default: "0755"
  backup:
    description:
      - Before a file whose content differs is replaced, keep a copy of it with a time stamp in its
        name (C(<file>.<pid>.<YYYY-MM-DD@HH:MM:SS>~)) and return its path in RV(files[].backup_file).
    type: bool
    default: true
  verify:
    description:
      - Before writing anything, check that O(certificate) (and O(chain), O(fullchain)) parse as
        certificates, that O(fullchain) starts with O(certificate), and that O(privatekey) is the key
        of O(certificate). A failed check fails the task naming the option, and nothing is written.
      - With V(false) the content is written as given, and C(cryptography) is not needed.
    type: bool
    default: true
  api_username:
    description:
      - Ignored (this module calls no API); accepted so that C(module_defaults) of
        C(group/webnic.ssl.webnic) apply to it.
    type: str
  api_password:
    description:
      - Ignored, see O(api_username).
    type: str
  api_endpoint:
    description:
      - Ignored, see O(api_username).
    type: str
  timeout:
    description:
      - Ignored, see O(api_username).
    type: float
  validate_certs:
    description:
      - Ignored, see O(api_username).
    type: bool
  ca_path:
    description:
      - Ignored, see O(api_username).
    type: path
  api_proxy:
    description:
      - Ignored, see O(api_username).
    type: str
  force_ipv4:
    description:
      - Ignored, see O(api_username).
    type: bool
notes:
  - The private key given as O(privatekey) never becomes a module argument. The action plugin of
    this module sends it to the host as a file in the task's private temporary directory (as
    M(ansible.builtin.copy) does with its content) and passes O(privatekey_src), so not even the debug
    output of ansible-core (E(ANSIBLE_DEBUG)), which prints module arguments, contains it.
  - That key file is mode 0600 in a 0700 directory and is removed when the task ends. With
    E(ANSIBLE_KEEP_REMOTE_FILES=1) ansible-core keeps the temporary directory, and the key with it,
    on the host; delete those directories after debugging.
requirements:
  - cryptography >= 41 (with O(verify=true))
seealso:
  - module: webnic.ssl.webnic_ssl_cert_download
  - module: webnic.ssl.webnic_ssl_deployed_info
  - module: ansible.builtin.copy
"""

EXAMPLES = r"""
- name: Install the certificate for nginx
  webnic.ssl.webnic_ssl_cert_install:
    certificate_path: /etc/nginx/tls/www.example.com.crt
    certificate: "{{ issued.certificate }}"
    chain_path: /etc/nginx/tls/www.example.com.chain.pem
    chain: "{{ issued.chain }}"
    fullchain_path: /etc/nginx/tls/www.example.com.fullchain.pem
    fullchain: "{{ issued.certificate ~ issued.chain }}"
    privatekey_path: /etc/nginx/tls/www.example.com.key
    privatekey: "{{ lookup('ansible.builtin.file', 'keys/www.example.com.key') }}"
    metadata_path: /etc/nginx/tls/www.example.com.webnic.json
    metadata:
      order_id: "{{ order.order_id }}"
      api_endpoint: production
      product_key: ssl123
      common_name: www.example.com
      subject_alt_names: [example.com]
      deployed_at: "{{ now(utc=true, fmt='%Y-%m-%dT%H:%M:%SZ') }}"
    remove:
      - /etc/nginx/tls/www.example.com.key.pending
    owner: root
    group: root
  register: installed
  notify: Reload nginx

- name: Say which files were replaced
  ansible.builtin.debug:
    msg: "{{ installed.files | selectattr('changed') | map(attribute='dest') | list }}"

- name: Install the combined PEM HAProxy reads (full chain and key in one 0600 file)
  webnic.ssl.webnic_ssl_cert_install:
    certificate_path: /etc/haproxy/certs/www.example.com.crt
    certificate: "{{ issued.certificate }}"
    fullchain_path: /etc/haproxy/certs/www.example.com.fullchain.pem
    fullchain: "{{ issued.certificate ~ issued.chain }}"
    privatekey_path: /etc/haproxy/certs/www.example.com.key
    privatekey: "{{ lookup('ansible.builtin.file', 'keys/www.example.com.key') }}"
    combined_path: /etc/haproxy/certs/www.example.com.pem
    group: haproxy
    backup: false
  register: installed

- name: Check the configuration and reload HAProxy only when the served files changed
  ansible.builtin.command: haproxy -c -f /etc/haproxy/haproxy.cfg
  changed_when: false
  when: installed.certificate_changed
  notify: Reload haproxy

- name: A key the web server reads through its group, and a PKCS#12 keystore for Tomcat
  webnic.ssl.webnic_ssl_cert_install:
    certificate_path: /etc/ssl/webnic/www.example.com.crt
    certificate: "{{ issued.certificate }}"
    chain_path: /etc/ssl/webnic/www.example.com.chain.pem
    chain: "{{ issued.chain }}"
    privatekey_path: /etc/ssl/webnic/www.example.com.key
    privatekey: "{{ lookup('ansible.builtin.file', 'keys/www.example.com.key') }}"
    privatekey_mode: "0640"
    group: www-data
    pkcs12_path: /etc/tomcat/www.example.com.p12
    pkcs12_password: "{{ vault_keystore_password }}"
"""

RETURN = r"""
changed:
  description: Whether a file or directory was (in check mode, would be) created, replaced, removed
    or given another mode, owner or group.
  returned: always
  type: bool
  sample: true
certificate_changed:
  description:
    - Whether one of the files a server reads (certificate, chain, full chain, private key,
      combined) changed, in content, mode, owner or group; the metadata file does not count.
    - Use it to decide whether to test the configuration and reload the server.
  returned: success
  type: bool
  sample: true
files:
  description: One entry per file asked for, in the order certificate, chain, fullchain,
    privatekey, combined, metadata.
  returned: success
  type: list
  elements: dict
  contains:
    dest:
      description: The path, as given.
      type: str
      returned: always
      sample: /etc/nginx/tls/www.example.com.crt
    kind:
      description: Which file it is.
      type: str
      returned: always
      choices: [certificate, chain, fullchain, privatekey, combined, pkcs12, metadata]
      sample: certificate
    changed:
      description: Whether the file was (in check mode, would be) created or replaced, or given
        another mode, owner or group.
      type: bool
      returned: always
      sample: true
    backup_file:
      description: The copy of the previous file, made because O(backup=true) and the content differed.
        A restore copies it back to RV(files[].dest); a file without it did not exist before when
        RV(files[].changed) is true.
      type: str
      returned: when a file was replaced and backed up
      sample: /etc/nginx/tls/www.example.com.crt.4242.2026-05-01@03:00:00~
  sample:
    - {"dest": "/etc/nginx/tls/www.example.com.crt", "kind": "certificate", "changed": true,
       "backup_file": "/etc/nginx/tls/www.example.com.crt.4242.2026-05-01@03:00:00~"}
    - {"dest": "/etc/nginx/tls/www.example.com.key", "kind": "privatekey", "changed": false}
removed:
  description: The files of O(remove) that existed and were (in check mode, would be) removed.
  returned: success
  type: list
  elements: str
  sample: ["/etc/nginx/tls/www.example.com.key.pending"]
changed_reasons:
  description: What changed (or in check mode would change), one line per file or directory.
  returned: success
  type: list
  elements: str
  sample:
    - "directory /etc/nginx/tls: created (mode 0755)"
    - "/etc/nginx/tls/www.example.com.crt: new content"
    - "/etc/nginx/tls/www.example.com.key: mode 0644 -> 0600"
    - "/etc/nginx/tls/www.example.com.key.pending: removed"
"""

import errno
import json
import os
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto, files

# (kind, path option, content option), in the order the files are written and returned.
KINDS = (
    ("certificate", "certificate_path", "certificate"),
    ("chain", "chain_path", "chain"),
    ("fullchain", "fullchain_path", "fullchain"),
    ("privatekey", "privatekey_path", "privatekey"),
    ("combined", "combined_path", None),
    ("pkcs12", "pkcs12_path", None),
    ("metadata", "metadata_path", "metadata"),
)
KEY_KINDS = ("privatekey", "combined", "pkcs12")
SERVED_KINDS = ("certificate", "chain", "fullchain", "privatekey", "combined", "pkcs12")


class InstallModule(AnsibleModule):
    """An AnsibleModule whose failure first puts back what this run already changed on the host.

    ``write_atomic`` fails the module itself on an I/O error; catching that here means a failed
    install never leaves a new certificate next to an old key.
    """

    def __init__(self, *args, **kwargs):
        # Set before AnsibleModule.__init__, which may already fail on bad arguments.
        self.undo_files = []  # [real path, previous bytes or None, previous os.stat or None, backup file]
        self.undo_directories = []  # created by this run, parents first
        super(InstallModule, self).__init__(*args, **kwargs)

    def fail_json(self, msg, **kwargs):
        undo_files, self.undo_files = self.undo_files, []
        undo_directories, self.undo_directories = self.undo_directories, []
        if undo_files or undo_directories:
            msg = "%s %s" % (msg, put_back(undo_files, undo_directories))
        super(InstallModule, self).fail_json(msg=msg, **kwargs)


def put_back(undo_files, undo_directories):
    """Restore the previous files and remove what this run created; a sentence saying how it went."""
    problems = []
    for path, previous, previous_stat, backup_file in reversed(undo_files):
        try:
            if previous is None:
                os.unlink(path)
            elif files.read_file(path) != previous:
                restore_file(path, previous, previous_stat)
                if backup_file:
                    os.unlink(backup_file)  # the previous content is back in place
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                problems.append("%s (%s)" % (path, exc))
    for directory in reversed(undo_directories):
        try:
            os.rmdir(directory)
        except OSError:
            pass  # not empty or already gone: leaving a directory behind is harmless
    if problems:
        return "Could NOT put back the previous content of %s: check these files by hand." % ", ".join(problems)
    return "The files this task had already written were put back as they were."


def restore_file(path, content, previous_stat):
    directory = os.path.dirname(path)
    fd, tmp_path = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        if previous_stat is not None:
            if (previous_stat.st_uid, previous_stat.st_gid) != (os.geteuid(), os.getegid()):
                os.chown(tmp_path, previous_stat.st_uid, previous_stat.st_gid)
            os.chmod(tmp_path, stat.S_IMODE(previous_stat.st_mode))
        os.rename(tmp_path, path)
        tmp_path = None
    finally:
        if tmp_path is not None and os.path.exists(tmp_path):
            os.unlink(tmp_path)


def fail_field(module, field, problem, fix):
    module.fail_json(msg="%s: %s. %s." % (field, problem, fix), field=field)


def pem_bytes(text):
    """PEM text as bytes ending in exactly one newline (nothing at all for an empty value)."""
    text = (text or "").strip()
    return (text + "\n").encode("utf-8") if text else b""


def metadata_bytes(module, metadata):
    """What Ansible's ``to_nice_json(sort_keys=true)`` writes, plus a final newline."""
    try:
        text = json.dumps(metadata, indent=4, sort_keys=True, separators=(",", ": "))
    except (TypeError, ValueError) as exc:
        fail_field(module, "metadata", "cannot be written as JSON (%s)" % exc, "Give a mapping of plain values")
    return (text + "\n").encode("utf-8")


def check_options(module):
    """Refuse bad options before anything is read or written. Returns ``{kind: (path, option)}``."""
    params = module.params
    for field in ("mode", "directory_mode", "privatekey_mode"):
        try:
            files.parse_mode(params[field])
        except ValueError as exc:
            fail_field(module, field, str(exc), "Give an octal mode in quotes, such as '0644'")
    key_mode = files.parse_mode(params["privatekey_mode"])
    if key_mode & 0o007 or key_mode & 0o111 or key_mode & 0o7000:
        fail_field(
            module,
            "privatekey_mode",
            "%s would let others use the private key, or make it executable or special" % params["privatekey_mode"],
            "Give owner and group read/write bits only, such as '0600' or '0640' (with group)",
        )
    if params["pkcs12_path"] and params["privatekey"] is None and not params["privatekey_src"]:
        fail_field(
            module,
            "pkcs12_path",
            "the PKCS#12 file holds the private key, but privatekey is not given",
            "Give privatekey and privatekey_path, or leave pkcs12_path out",
        )
    try:
        files.resolve_uid(params["owner"])
    except KeyError:
        fail_field(
            module,
            "owner",
            "there is no user %r on this host" % params["owner"],
            "Create the user first or fix the name",
        )
    try:
        files.resolve_gid(params["group"])
    except KeyError:
        fail_field(
            module,
            "group",
            "there is no group %r on this host" % params["group"],
            "Create the group first or fix the name",
        )
    if params["combined_path"]:
        missing = [name for name in ("fullchain", "privatekey") if params[name] is None]
        if missing:
            fail_field(
                module,
                "combined_path",
                "the combined file is the full chain followed by the private key, but %s %s not given"
                % (" and ".join(missing), "is" if len(missing) == 1 else "are"),
                "Give fullchain and fullchain_path, and privatekey and privatekey_path, or leave combined_path out",
            )
    if not (params["certificate"] or "").strip():
        fail_field(module, "certificate", "is empty", "Give the PEM text of the leaf certificate")

    targets = {}
    by_path = {}
    try:
        for _kind, path_option, _content_option in KINDS:
            files.check_destination(path_option, params[path_option])
        files.check_distinct_paths([(path_option, params[path_option]) for _kind, path_option, _content in KINDS])
    except files.PathError as exc:
        fail_field(module, exc.field, exc.problem, exc.fix)
    for kind, path_option, _content_option in KINDS:
        path = params[path_option]
        if not path:
            continue
        by_path[path] = path_option
        if os.path.isdir(path):
            fail_field(module, path_option, "%s is a directory" % path, "Give the path of the file to write")
        targets[kind] = (path, path_option)
    for path in params["remove"]:
        if path in by_path:
            fail_field(
                module,
                "remove",
                "%s is written by this task (%s)" % (path, by_path[path]),
                "Remove only files this task does not write",
            )
        if os.path.isdir(path) and not os.path.islink(path):
            fail_field(module, "remove", "%s is a directory" % path, "List files only")
    return targets


def missing_directories(module, path, option):
    """The missing parent directories of ``path``, top first; fails when a parent is not a directory."""
    missing = []
    directory = os.path.dirname(os.path.abspath(path))
    while not os.path.lexists(directory):
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    if os.path.lexists(directory) and not os.path.isdir(directory):
        fail_field(module, option, "%s is not a directory" % directory, "Fix the path, or move that file away")
    return list(reversed(missing))


def verify(module, contents):
    """The checks of ``verify=true``; fails naming the option, before anything is written."""
    if not crypto.HAS_CRYPTOGRAPHY:
        module.fail_json(
            msg=missing_required_lib("cryptography") + " Or set verify: false to write the content unchecked.",
            exception=crypto.CRYPTOGRAPHY_IMPORT_ERROR,
        )

    def certificates(field, required):
        data = contents[field]
        if b"-----BEGIN" not in data and (data.strip() or required):
            fail_field(
                module,
                field,
                "holds no PEM block (it starts with %r)" % data[:30].decode("utf-8", "replace"),
                "Give the PEM text (-----BEGIN CERTIFICATE-----...), not a file name",
            )
        try:
            found = crypto.load_certificates(data)
        except crypto.CryptoInputError as exc:
            fail_field(module, field, exc.problem, "Give PEM certificates (-----BEGIN CERTIFICATE-----)")
        if required and not found:
            fail_field(module, field, "holds no certificate", "Give PEM certificates (-----BEGIN CERTIFICATE-----)")
        return found

    leaf = certificates("certificate", True)[0]
    expired = crypto.validity_problems(
        leaf, label="the certificate (serial %s)" % crypto.parse_certificate(leaf)["serial"]
    )
    if expired:
        fail_field(
            module,
            "certificate",
            expired[0],
            "Install a certificate that is valid now (if it should be, check this host's clock), or set verify: false",
        )
    if "chain" in contents:
        leaf_fingerprint = crypto.certificate_fingerprint(leaf)
        if any(crypto.certificate_fingerprint(c) == leaf_fingerprint for c in certificates("chain", False)):
            fail_field(
                module,
                "chain",
                "holds the certificate itself (serial %s) instead of only the CA certificates that issued it"
                % crypto.parse_certificate(leaf)["serial"],
                "Give the intermediate certificates only; the leaf goes in certificate, leaf and chain in fullchain",
            )
    if "fullchain" in contents:
        first = certificates("fullchain", True)[0]
        if crypto.certificate_fingerprint(first) != crypto.certificate_fingerprint(leaf):
            fail_field(
                module,
                "fullchain",
                "does not start with the certificate (it starts with serial %s, the certificate is serial %s)"
                % (crypto.parse_certificate(first)["serial"], crypto.parse_certificate(leaf)["serial"]),
                "Give the leaf certificate followed by its intermediates",
            )
    if "privatekey" in contents:
        try:
            key = crypto.load_private_key(contents["privatekey"])
        except crypto.CryptoInputError as exc:
            # exc.problem never quotes the key; its fix is about key files, so give our own.
            fail_field(
                module,
                "privatekey",
                exc.problem,
                "Give the unencrypted PEM private key of the certificate (-----BEGIN PRIVATE KEY-----)",
            )
        if not crypto.key_matches_certificate(key, leaf):
            fail_field(
                module,
                "privatekey",
                "is not the key of the certificate (public key %s, the certificate's is %s)"
                % (crypto.public_key_fingerprint(key), crypto.public_key_fingerprint(leaf.public_key())),
                "Give the key the certificate's CSR was made with, or the certificate issued for this key",
            )


def pkcs12_bytes(module, contents, old):
    """The PKCS#12 file to write: ``old`` when it already holds this key, certificate and chain (its
    bytes are salted, so rebuilding would change them on every run)."""
    if not crypto.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=crypto.CRYPTOGRAPHY_IMPORT_ERROR)
    try:
        key = crypto.load_private_key(contents["privatekey"])
        leaf = crypto.load_certificates(contents["certificate"])[0]
        chain = crypto.load_certificates(contents["chain"]) if "chain" in contents else []
        if not chain and "fullchain" in contents:
            chain = crypto.load_certificates(contents["fullchain"])[1:]
    except (crypto.CryptoInputError, IndexError):
        fail_field(module, "pkcs12_path", "the key or certificate cannot be read", "Give PEM key and certificates")
    password = module.params["pkcs12_password"]
    if old and crypto.pkcs12_holds(old, password, key, leaf, chain):
        return old
    return crypto.build_pkcs12(key, leaf, chain, password, crypto.parse_certificate(leaf)["common_name"])


def diff_text(kind, data, new=False):
    if data is None:
        return ""
    if kind in KEY_KINDS:
        return "(%skey material, %d bytes)\n" % ("new " if new else "", len(data))
    return data.decode("utf-8", "replace")


def create_directories(module, directories, reasons):
    params = module.params
    mode = files.parse_mode(params["directory_mode"])
    uid = files.resolve_uid(params["owner"])
    gid = files.resolve_gid(params["group"])
    for directory in directories:
        reasons.append("directory %s: created (mode %s)" % (directory, files.format_mode(mode)))
        if module.check_mode:
            continue
        try:
            os.mkdir(directory, mode)
            module.undo_directories.append(directory)
            os.chmod(directory, mode)  # mkdir's mode is filtered by the umask
            if uid is not None or gid is not None:
                os.chown(directory, -1 if uid is None else uid, -1 if gid is None else gid)
        except OSError as exc:
            module.fail_json(msg="Cannot create the directory %s: %s" % (directory, exc), path=directory)


def read_privatekey_src(module):
    """O(privatekey_src): the key the action plugin sent as a file takes the place of O(privatekey)."""
    params = module.params
    if params["privatekey_src"]:
        try:
            with open(params["privatekey_src"], "rb") as handle:
                key = handle.read().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail_field(
                module,
                "privatekey_src",
                "cannot read %s: %s" % (params["privatekey_src"], exc),
                "Give the key as privatekey (the action plugin sends it to the host)",
            )
        module.no_log_values.add(key)
        for line in key.splitlines():
            if len(line.strip()) >= 16 and not line.startswith("-----"):
                module.no_log_values.add(line.strip())
        params["privatekey"] = key
    if params["privatekey_path"] and params["privatekey"] is None:
        fail_field(
            module,
            "privatekey_path",
            "is given without the key to write there",
            "Give privatekey (the PEM text of the key) with privatekey_path",
        )


def install(module):
    params = module.params
    targets = check_options(module)

    contents = {}
    for kind, _path_option, content_option in KINDS:
        if kind not in targets and kind != "combined":
            continue
        if kind == "metadata":
            contents[kind] = metadata_bytes(module, params["metadata"])
        elif kind == "combined":
            if "combined" in targets:
                contents[kind] = pem_bytes(params["fullchain"]) + pem_bytes(params["privatekey"])
        elif kind == "pkcs12":
            pass  # built below, once the files it replaces are read
        else:
            contents[kind] = pem_bytes(params[content_option])
    if params["verify"]:
        verify(module, contents)

    reasons = []
    directories = []
    for path, option in targets.values():
        for directory in missing_directories(module, path, option):
            if directory not in directories:
                directories.append(directory)

    # Read everything first: the diff, the reasons and the undo list need the previous content.
    previous = {}
    for kind, (path, option) in targets.items():
        try:
            previous[kind] = files.read_file(path)
        except (IOError, OSError) as exc:
            fail_field(module, option, "cannot read %s (%s)" % (path, exc), "Check the path and its permissions")

    if "pkcs12" in targets:
        contents["pkcs12"] = pkcs12_bytes(module, contents, previous["pkcs12"])

    create_directories(module, directories, reasons)

    results = []
    diffs = []
    for kind, _path_option, _content_option in KINDS:
        if kind not in targets:
            continue
        path = targets[kind][0]
        content = contents[kind]
        old = previous[kind]
        mode = params["privatekey_mode"] if kind in KEY_KINDS else params["mode"]
        attribute_changes = []
        if old == content:
            try:
                attribute_changes = files.attribute_changes(path, mode, params["owner"], params["group"])
            except (OSError, ValueError, KeyError) as exc:
                module.fail_json(msg="Cannot check %s: %s" % (path, exc), path=path)
        elif not module.check_mode:
            real_path = os.path.realpath(path)
            old_stat = os.stat(real_path) if old is not None else None
            # Registered before the write: if write_atomic fails half-way, fail_json puts it back.
            module.undo_files.append([real_path, old, old_stat, None])
        try:
            changed, backup_file = files.write_atomic(
                module, path, content, mode=mode, owner=params["owner"], group=params["group"], backup=params["backup"]
            )
        except Exception as exc:  # pylint: disable=broad-except  # backup_local raises a bare Exception
            module.fail_json(msg="Cannot write %s: %s" % (path, exc), path=path)
        if backup_file and module.undo_files:
            module.undo_files[-1][3] = backup_file
        entry = {"dest": path, "kind": kind, "changed": changed}
        if backup_file:
            entry["backup_file"] = backup_file
        results.append(entry)
        if old != content:
            reasons.append("%s: %s" % (path, "created" if old is None else "new content"))
            if module._diff:
                diffs.append(
                    {
                        "before_header": path,
                        "after_header": path,
                        "before": diff_text(kind, old),
                        "after": diff_text(kind, content, new=True),
                    }
                )
        elif changed:
            reasons.append("%s: %s" % (path, ", ".join(attribute_changes)))

    # Every file is in place: from here on a failure must not undo the install.
    module.undo_files = []
    module.undo_directories = []

    removed = []
    for path in params["remove"]:
        if not os.path.lexists(path):
            continue
        if not module.check_mode:
            try:
                os.unlink(path)
            except OSError as exc:
                if exc.errno == errno.ENOENT:
                    continue
                module.fail_json(
                    msg="remove: cannot remove %s (%s); the certificate files were installed. "
                    "Remove it by hand or fix its directory's permissions." % (path, exc),
                    field="remove",
                    changed=True,
                    files=results,
                    removed=removed,
                )
        removed.append(path)
        reasons.append("%s: removed" % path)

    result = {
        "changed": bool(reasons),
        "certificate_changed": any(e["changed"] for e in results if e["kind"] in SERVED_KINDS),
        "files": results,
        "removed": removed,
        "changed_reasons": reasons,
    }
    if module._diff:
        result["diff"] = diffs
    return result


def main():
    module = InstallModule(
        argument_spec=dict(
            certificate_path=dict(type="path", required=True),
            certificate=dict(type="str", required=True),
            chain_path=dict(type="path"),
            chain=dict(type="str"),
            fullchain_path=dict(type="path"),
            fullchain=dict(type="str"),
            privatekey_path=dict(type="path"),
            privatekey=dict(type="str", no_log=True),
            privatekey_src=dict(type="path"),
            combined_path=dict(type="path"),
            pkcs12_path=dict(type="path"),
            pkcs12_password=dict(type="str", no_log=True),
            privatekey_mode=dict(type="str", default="0600", no_log=False),
            metadata_path=dict(type="path"),
            metadata=dict(type="dict"),
            remove=dict(type="list", elements="path", default=[]),
            mode=dict(type="str", default="0644"),
            owner=dict(type="str"),
            group=dict(type="str"),
            directory_mode=dict(type="str", default="0755"),
            backup=dict(type="bool", default=True),
            verify=dict(type="bool", default=True),
            # Accepted and ignored: module_defaults of group/webnic.ssl.webnic pass them to every member.
            api_username=dict(type="str"),
            api_password=dict(type="str", no_log=True),
            api_endpoint=dict(type="str"),
            timeout=dict(type="float"),
            validate_certs=dict(type="bool"),
            ca_path=dict(type="path"),
            api_proxy=dict(type="str", no_log=True),
            force_ipv4=dict(type="bool"),
        ),
        required_together=[
            ("chain_path", "chain"),
            ("fullchain_path", "fullchain"),
            ("metadata_path", "metadata"),
        ],
        mutually_exclusive=[("privatekey", "privatekey_src")],
        required_by={"privatekey": "privatekey_path", "privatekey_src": "privatekey_path"},
        supports_check_mode=True,
    )
    read_privatekey_src(module)
    module.exit_json(**install(module))


if __name__ == "__main__":
    main()
