#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

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
      - The file also gets the install record, key C(stamp), when C(cryptography) is present and the files
        written would serve (the checks of M(webnic.ssl.webnic_ssl_deployed_info)) the SHA-256 of the
        certificate, chain, full chain, key and combined files and the certificate's facts. With it,
        M(webnic.ssl.webnic_ssl_deployed_info) checks files that did not change without parsing them.
        A C(stamp) key given in O(metadata) is replaced, never written as given.
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

from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import fail_field
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.install import InstallModule, install

ARGUMENT_SPEC = dict(
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
)


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


def main():
    module = InstallModule(
        argument_spec=ARGUMENT_SPEC,
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
