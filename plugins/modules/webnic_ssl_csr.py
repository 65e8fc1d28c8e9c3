#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: webnic_ssl_csr
short_description: Make or reuse a private key and a certificate signing request for a WebNIC order
version_added: 0.1.0
description:
  - Makes a private key on the host the module runs on (or reuses the one already there) and a
    certificate signing request (CSR) for O(common_name) and O(subject_alt_names), ready for
    M(webnic.ssl.webnic_ssl_order).
  - Names are normalised the way CAs read them; lower case, internationalised names in their ASCII
    (punycode) form, no trailing dot, duplicates removed, the common name always among the subject
    alternative names. Invalid names and wildcards in the wrong place are refused before anything
    is written.
  - Idempotent. An existing key is kept according to O(regenerate); an existing CSR is rewritten only
    when its subject, its names or its key no longer match (or with O(force)). A rerun with the same
    input changes nothing, not even the files' modification times.
  - Local generation needs no API access. The connection options are used only by O(decode),
    O(provider=api) and O(product_key).
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
      - Writes nothing. When a new key would be made the result's RV(csr) is V(null), since the CSR
        depends on a key that does not exist yet.
      - O(decode) and O(product_key) still call the API (read-only calls); O(provider=api) does not.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: Shows the CSR's subject, names, key type and public key fingerprint before and after.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
    support: partial
    details:
      - O(regenerate=always) makes a new key on every run.
      - O(force=true) rewrites the CSR on every run; for an EC key the new CSR differs each time
        (ECDSA signatures are randomised), for an RSA key it is the same bytes and nothing changes.
options:
  common_name:
    description:
      - The certificate's common name, for example V(www.example.com) or V(*.example.com).
      - Always included in the subject alternative names.
    type: str
    required: true
  subject_alt_names:
    description:
      - Further DNS names of the certificate. Order does not matter; duplicates and the common name
        itself are removed.
      - Internationalised names are converted to A-labels by IDNA 2008 with UTS 46 mapping (the
        C(idna) Python library), for example C(straße.example) becomes C(xn--strae-oqa.example)
        (not IDNA 2003's C(strasse.example), another domain). A name IDNA 2008 does not allow
        fails naming the option; without the C(idna) library on the host, a non-ASCII name fails
        (give it in its C(xn--) form instead).
      - A wildcard is allowed only as the whole left-most label (V(*.example.com)), never directly
        under a top-level domain.
    type: list
    elements: str
    default: []
    aliases: [sans]
  organization:
    description: Organisation name (C(O)) of the subject. Needed for OV and EV certificates only.
    type: str
  organizational_unit:
    description: Organisational unit (C(OU)) of the subject. Most CAs no longer accept it in certificates.
    type: str
  locality:
    description: Locality or city (C(L)) of the subject.
    type: str
  state_or_province:
    description: State or province (C(ST)) of the subject.
    type: str
  country:
    description: Two-letter ISO 3166 country code (C(C)) of the subject, for example V(MY).
    type: str
  email_address:
    description: E-mail address (C(emailAddress)) of the subject.
    type: str
  key_type:
    description:
      - Type and size of the private key.
      - When not set, a new key is V(RSA-2048) and an existing key of any type is kept.
      - When set and an existing key is of another type, O(regenerate) decides what happens.
    type: str
    choices: [RSA-2048, RSA-3072, RSA-4096, EC-P256, EC-P384]
  privatekey_path:
    description:
      - Where the private key lives on the managed host. Made when missing; written atomically with
        O(privatekey_mode), O(owner) and O(group).
      - One of O(privatekey_path) and O(privatekey_content) is required.
    type: path
  privatekey_content:
    description:
      - An existing private key (PEM) to make the CSR with, instead of a file. Nothing is written
        for the key; O(regenerate) does not apply.
      - Never logged or returned.
    type: str
  privatekey_passphrase:
    description:
      - Passphrase of the private key. A new key is written encrypted with it.
      - Never logged or returned.
    type: str
  privatekey_mode:
    description:
      - Octal mode of the private key file.
    type: str
    default: '0600'
  regenerate:
    description:
      - When to replace an existing private key (same meaning as in M(community.crypto.openssl_privatekey)).
        Replacing a key breaks every certificate in use that was made for it, hence the cautious default.
      - V(never) keeps any readable key, even of another type than O(key_type); fails if it cannot be read.
      - V(fail) keeps a readable key of the right type; fails if the key cannot be read or is of
        another type than O(key_type).
      - V(partial_idempotence) replaces a key of another type than O(key_type); fails if it cannot be read.
      - V(full_idempotence) also replaces a key that cannot be read (wrong passphrase, corrupt file).
      - V(always) makes a new key on every run; the module is then never idempotent.
    type: str
    choices: [never, fail, partial_idempotence, full_idempotence, always]
    default: fail
  csr_path:
    description:
      - Where to write the CSR. Optional; the CSR is always returned in RV(csr), so it can be
        passed on without a file.
      - A file there that is not a CSR, or a CSR made for another key than the one at
        O(privatekey_path), is refused unless O(force=true).
    type: path
  csr_mode:
    description: Octal mode of the CSR file.
    type: str
    default: '0644'
  owner:
    description:
      - Owner (name or uid) of the files written.
      - Default keeps an existing file's owner, else the user running the module.
    type: str
  group:
    description: Group (name or gid) of the files written. Default keeps an existing file's group.
    type: str
  force:
    description: Rewrite the CSR even when the existing one matches. Does not replace the key; see O(regenerate).
    type: bool
    default: false
  backup:
    description: Keep a time-stamped copy of a key or CSR file before replacing it.
    type: bool
    default: false
  digest:
    description: Hash of the CSR signature.
    type: str
    choices: [sha256, sha384, sha512]
    default: sha256
  provider:
    description:
      - Who makes a new key pair and CSR.
      - V(local) (default) makes them on the managed host; the private key never leaves it.
      - V(api) asks WebNIC's Generate CSR endpoint instead. B(The private key is then created by a
        third party and travels over the network), so it exists outside your host; use it only when
        policy allows that. The key it returns is written to O(privatekey_path) like a local one
        (encrypted with O(privatekey_passphrase) if given) and never appears in the output.
      - With V(api), the API is called only when a new key is needed; when a usable key exists,
        a CSR is made locally with it and the key is never sent anywhere.
    type: str
    choices: [local, api]
    default: local
  decode:
    description:
      - Also send the CSR to WebNIC's Decode CSR endpoint and return what WebNIC parsed next to
        the local parse (RV(decoded)); every difference between the two is reported as a warning
        and listed in RV(decoded.mismatches).
    type: bool
    default: false
  product_key:
    description:
      - WebNIC product the CSR is for, for example V(ssl123). When set, the product's rules are
        fetched from the API and the request is checked against them before anything is written;
        key type, wildcard common name, subject alternative names, wildcard SANs and the maximum
        SAN count.
    type: str
notes:
  - The key is generated with the Python C(cryptography) library on the managed host.
  - The private key and its passphrase never appear in the module's output, its diff or its logs.
  - RSA signatures are deterministic, so for an RSA key the same input gives the same CSR bytes.
requirements:
  - cryptography >= 41
  - requests (only for O(decode), O(provider=api) and O(product_key))
seealso:
  - module: webnic.ssl.webnic_ssl_order
  - module: community.crypto.openssl_csr
  - module: community.crypto.openssl_privatekey
"""

EXAMPLES = r"""
- name: Key and CSR for www.example.com, made on the web server
  webnic.ssl.webnic_ssl_csr:
    common_name: www.example.com
    subject_alt_names:
      - example.com
    privatekey_path: /etc/ssl/private/www.example.com.key
    csr_path: /etc/ssl/csr/www.example.com.csr
  register: csr

- name: EC key, with owner and group for the web server, checked against the product's rules
  webnic.ssl.webnic_ssl_csr:
    common_name: shop.example.com
    key_type: EC-P256
    privatekey_path: /etc/nginx/tls/shop.key
    owner: root
    group: www-data
    privatekey_mode: '0640'
    csr_path: /etc/nginx/tls/shop.csr
    product_key: ssl123
  environment:
    WEBNIC_API_USERNAME: "{{ webnic_user }}"
    WEBNIC_API_PASSWORD: "{{ webnic_password }}"

- name: Wildcard with an internationalised name, key encrypted, compared with WebNIC's parse
  webnic.ssl.webnic_ssl_csr:
    common_name: "*.example.com"
    subject_alt_names:
      - example.com
      - bücher.example.com   # becomes xn--bcher-kva.example.com
    privatekey_path: /etc/ssl/private/wildcard.key
    privatekey_passphrase: "{{ vault_key_passphrase }}"
    csr_path: /etc/ssl/csr/wildcard.csr
    decode: true
  module_defaults:
    group/webnic.ssl.webnic:
      api_username: "{{ webnic_user }}"
      api_password: "{{ webnic_password }}"

- name: Replace a key of the wrong type, keeping a copy of the old files
  webnic.ssl.webnic_ssl_csr:
    common_name: www.example.com
    key_type: RSA-4096
    regenerate: partial_idempotence
    backup: true
    privatekey_path: /etc/ssl/private/www.example.com.key
    csr_path: /etc/ssl/csr/www.example.com.csr

- name: Pass the CSR straight to the order, no CSR file
  webnic.ssl.webnic_ssl_csr:
    common_name: api.example.com
    privatekey_path: /etc/ssl/private/api.example.com.key
  register: api_csr

- name: Order with it
  webnic.ssl.webnic_ssl_order:
    product_key: ssl123
    common_name: api.example.com
    csr: "{{ api_csr.csr }}"
    administrator_contact_id: "{{ contact_id }}"

- name: Let WebNIC generate the key pair (the key then exists outside this host)
  webnic.ssl.webnic_ssl_csr:
    common_name: legacy.example.com
    provider: api
    privatekey_path: /etc/ssl/private/legacy.key
    csr_path: /etc/ssl/csr/legacy.csr
"""

RETURN = r"""
changed_reasons:
  description: Why something changed (or would change in check mode). Empty when nothing changed.
  returned: always
  type: list
  elements: str
  sample: ["private key /etc/ssl/private/www.key does not exist", "CSR /etc/ssl/csr/www.csr does not exist"]
csr:
  description:
    - The CSR in PEM form, the one at O(csr_path) when that was kept.
    - V(null) in check mode when a new key would be made.
  returned: always
  type: str
  sample: "-----BEGIN CERTIFICATE REQUEST-----\nMIIC...\n-----END CERTIFICATE REQUEST-----\n"
csr_path:
  description: O(csr_path) as given.
  returned: always
  type: str
  sample: /etc/ssl/csr/www.example.com.csr
privatekey_path:
  description: O(privatekey_path) as given.
  returned: always
  type: str
  sample: /etc/ssl/private/www.example.com.key
common_name:
  description: The normalised common name.
  returned: always
  type: str
  sample: www.example.com
subject_alt_names:
  description: The normalised DNS names of the CSR, the common name first.
  returned: always
  type: list
  elements: str
  sample: [www.example.com, example.com, xn--bcher-kva.example.com]
subject:
  description: Subject fields of the CSR, keyed by the option names.
  returned: always
  type: dict
  sample: {common_name: www.example.com, organization: Example Sdn Bhd, country: MY}
key_type:
  description:
    - Type of the key the CSR is for, in the spelling of WebNIC's product rules.
    - V(null) in check mode when a new key would be made.
  returned: always
  type: str
  sample: RSA-2048
public_key_fingerprint:
  description:
    - SHA-256 of the key's DER SubjectPublicKeyInfo, colon-separated hex.
    - V(null) when no key exists yet (check mode).
  returned: always
  type: str
  sample: "3a:9f:...:11"
provider:
  description: Who made the key this run; V(local), V(api), or V(existing) when an existing key was used.
  returned: always
  type: str
  sample: existing
privatekey_backup_file:
  description: Copy of the previous key file, when O(backup=true) and the key was replaced.
  returned: when a backup was made
  type: str
  sample: /etc/ssl/private/www.key.1234.2026-12-01@00:00:00~
backup_file:
  description: Copy of the previous CSR file, when O(backup=true) and the CSR was replaced.
  returned: when a backup was made
  type: str
  sample: /etc/ssl/csr/www.csr.1234.2026-12-01@00:00:00~
decoded:
  description: Results of O(decode=true).
  returned: when O(decode=true) and a CSR exists
  type: dict
  contains:
    api:
      description:
        - WebNIC's Decode CSR answer as returned (C(commonName), C(sans), C(keyType), C(keySize),
          C(signatureAlgorithm), subject fields).
      type: dict
      sample: {commonName: www.example.com, sans: [www.example.com], keyType: RSA, keySize: 2048,
               signatureAlgorithm: sha256WithRSAEncryption}
    local:
      description: The same facts parsed on the managed host with C(cryptography).
      type: dict
      sample: {common_name: www.example.com, subject_alt_names: [www.example.com], key_type: RSA-2048, key_size: 2048,
               signature_algorithm: sha256WithRSAEncryption}
    mismatches:
      description: Every fact on which WebNIC and the local parse disagree; empty when they agree.
      type: list
      elements: str
      sample: []
product_rules:
  description: The product's rules as the API returned them (Get SSL Rules), when O(product_key) was given.
  returned: when O(product_key) is set
  type: dict
  sample: {productKey: ssl123, wildcard: false, allowSan: true, maxSan: 5, keyTypes: [RSA-2048, EC-P256]}
api_calls:
  description: HTTP requests sent to WebNIC in this run (token requests included); 0 for purely local runs.
  returned: always
  type: int
  sample: 0
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto, files, keys
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.products import ProductCatalogue, read_product_rules


def check_mode_result(module, state, result, before_facts):
    """A new key is due: check mode reports it without making it (nothing may leave the host)."""
    result["changed"] = True
    result["changed_reasons"] = keys.key_file_reasons(state) + (
        ["CSR is made for the new key"] if state.csr_path else []
    )
    result["common_name"], result["subject_alt_names"] = state.common_name, state.names
    result["subject"] = dict(state.subject, common_name=state.common_name)
    result["provider"] = module.params["provider"]
    if module._diff:
        result["diff"] = {"before": keys.csr_view(before_facts), "after": keys.new_key_view(state)}
    return result


def generate_with_api(module, key_type, state):
    """Ask WebNIC's Generate CSR for a key pair; returns ``(key, csr_pem)``. The key stays in memory."""
    body = keys.generate_request_body(key_type, state.common_name, state.names, state.subject)
    data = module.client.call("csr_generate", body=body) or {}
    key_pem = data.get("privateKey") or data.get("private_key")
    csr_pem = data.get("csr")
    if not key_pem or not csr_pem:
        module.fail_json(
            msg="WebNIC's Generate CSR answered without a private key and CSR (fields: %s)" % ", ".join(sorted(data))
        )
    try:
        key = crypto.load_private_key(key_pem)
    except crypto.KeyLoadError as exc:
        module.fail_json(msg="WebNIC's Generate CSR returned a private key this host cannot read: %s" % exc.problem)
    if key_type and crypto.key_type_of(key) != key_type:
        module.fail_json(
            msg="WebNIC's Generate CSR returned a %s key, but %s was asked for" % (crypto.key_type_of(key), key_type)
        )
    return key, csr_pem.encode("ascii") if not isinstance(csr_pem, bytes) else csr_pem


def keep_key(module, state, reasons):
    """The kept key file gets the asked owner, group and mode."""
    params = module.params
    changes = files.attribute_changes(state.key_path, params["privatekey_mode"], params["owner"], params["group"])
    if changes:
        files.write_atomic(
            module,
            state.key_path,
            state.existing_key,
            mode=params["privatekey_mode"],
            owner=params["owner"],
            group=params["group"],
        )
        reasons.append("%s: %s" % (state.key_path, ", ".join(changes)))


def make_key(module, state, result):
    """Make and write the new key (locally or by WebNIC); returns the CSR WebNIC made with it, if any."""
    params = module.params
    api_csr = None
    if params["provider"] == "api":
        state.key, api_csr = generate_with_api(module, params["key_type"] or keys.DEFAULT_KEY_TYPE, state)
    else:
        state.key = crypto.generate_private_key(state.key_type)
    result["provider"] = params["provider"]
    _changed, backup = files.write_atomic(
        module,
        state.key_path,
        crypto.serialize_private_key(state.key, params["privatekey_passphrase"]),
        mode=params["privatekey_mode"],
        owner=params["owner"],
        group=params["group"],
        backup=params["backup"],
    )
    if backup:
        result["privatekey_backup_file"] = backup
    return api_csr


def choose_csr(module, state, api_csr, why):
    """The CSR to keep: the existing one when nothing is due, WebNIC's when it fits, else a new local one."""
    if state.existing_csr_obj is not None and not why:
        return state.existing_csr
    if api_csr is not None:
        problems = keys.api_csr_problems(api_csr, state.key, state.common_name, state.names, state.subject)
        if not problems:
            return api_csr
        module.warn(
            "WebNIC's Generate CSR returned a CSR that does not fit the request (%s); "
            "a CSR was made locally with the returned key instead." % "; ".join(problems)
        )
    return crypto.build_csr(state.key, state.common_name, state.names, state.subject, digest=module.params["digest"])


def write_csr(module, path, csr_pem, why, result, reasons):
    params = module.params
    attribute_changes = files.attribute_changes(path, params["csr_mode"], params["owner"], params["group"])
    changed, backup = files.write_atomic(
        module,
        path,
        csr_pem,
        mode=params["csr_mode"],
        owner=params["owner"],
        group=params["group"],
        backup=params["backup"] and bool(why),
    )
    if why and changed:
        reasons.extend("%s: %s" % (path, reason) for reason in why)
    elif changed:
        reasons.append("%s: %s" % (path, ", ".join(attribute_changes or ["attributes changed"])))
    if backup:
        result["backup_file"] = backup


def decode_with_api(module, csr_pem, facts):
    """WebNIC's Decode CSR next to the local parse; each disagreement is a warning."""
    api = module.client.call("csr_decode", body={"csr": crypto.pem_to_text(csr_pem)}) or {}
    local = {k: facts[k] for k in keys.DECODED_FACTS}
    mismatches = keys.compare_decoded(api, local)
    for mismatch in mismatches:
        module.warn("WebNIC's Decode CSR disagrees with the local parse on the %s" % mismatch)
    return {"api": api, "local": local, "mismatches": mismatches}


def run(module):
    params = module.params
    if not crypto.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=crypto.CRYPTOGRAPHY_IMPORT_ERROR)
    result = dict(
        changed=False, changed_reasons=[], csr_path=params["csr_path"], privatekey_path=params["privatekey_path"]
    )
    result.update(csr=None, key_type=None, public_key_fingerprint=None, provider="existing")
    state = keys.read_state(params, lambda key: read_product_rules(module.client, key, ProductCatalogue(module.client)))
    if state.rules is not None:
        result["product_rules"] = state.rules
    before_facts = crypto.parse_csr(state.existing_csr_obj) if state.existing_csr_obj is not None else None
    if state.key is None and module.check_mode:
        return check_mode_result(module, state, result, before_facts)

    reasons = keys.key_file_reasons(state)
    api_csr = None
    if state.key is None:
        api_csr = make_key(module, state, result)
    elif state.key_path:
        keep_key(module, state, reasons)
    why = keys.csr_reasons(state, params["force"])
    csr_pem = choose_csr(module, state, api_csr, why)
    if state.csr_path:
        write_csr(module, state.csr_path, csr_pem, why, result, reasons)

    after_facts = crypto.parse_csr(csr_pem)
    result.update(
        changed=bool(reasons),
        changed_reasons=reasons,
        csr=crypto.pem_to_text(csr_pem),
        common_name=state.common_name,
        subject_alt_names=state.names,
        subject=after_facts["subject"],
        key_type=crypto.key_type_of(state.key),
        public_key_fingerprint=crypto.public_key_fingerprint(state.key),
    )
    if module._diff:
        result["diff"] = {"before": keys.csr_view(before_facts), "after": keys.csr_view(after_facts)}
    if params["decode"]:
        result["decoded"] = decode_with_api(module, csr_pem, after_facts)
    return result


def main():
    module = WebNICModule(
        argument_spec=dict(
            common_name=dict(type="str", required=True),
            subject_alt_names=dict(type="list", elements="str", default=[], aliases=["sans"]),
            organization=dict(type="str"),
            organizational_unit=dict(type="str"),
            locality=dict(type="str"),
            state_or_province=dict(type="str"),
            country=dict(type="str"),
            email_address=dict(type="str"),
            key_type=dict(type="str", choices=list(crypto.KEY_TYPES)),
            privatekey_path=dict(type="path"),
            privatekey_content=dict(type="str", no_log=True),
            privatekey_passphrase=dict(type="str", no_log=True),
            privatekey_mode=dict(type="str", default="0600", no_log=False),
            regenerate=dict(
                type="str",
                default="fail",
                choices=["never", "fail", "partial_idempotence", "full_idempotence", "always"],
            ),
            csr_path=dict(type="path"),
            csr_mode=dict(type="str", default="0644"),
            owner=dict(type="str"),
            group=dict(type="str"),
            force=dict(type="bool", default=False),
            backup=dict(type="bool", default=False),
            digest=dict(type="str", default="sha256", choices=["sha256", "sha384", "sha512"]),
            provider=dict(type="str", default="local", choices=["local", "api"]),
            decode=dict(type="bool", default=False),
            product_key=dict(type="str", no_log=False),
        ),
        required_one_of=[("privatekey_path", "privatekey_content")],
        mutually_exclusive=[("privatekey_path", "privatekey_content")],
        required_if=[("provider", "api", ("privatekey_path",))],
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
