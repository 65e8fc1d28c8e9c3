#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: webnic_ssl_deployed_info
short_description: Tell whether the certificate deployed on a host is due for renewal, and why
version_added: 0.1.0
description:
  - Reads the certificate, private key and metadata file deployed on the managed host and answers
    "is it due, and why" with the same renewal rule the order module uses (expired, inside
    O(remaining_days) or O(remaining_percentage) of its lifetime, names differ), plus the facts of
    the host itself (no certificate, key missing, key does not match, metadata missing).
  - With O(fullchain_path), O(chain_path) and O(combined_path), also checks the files the web server
    actually serves. A served file that is missing, unreadable or holds another certificate or key
    makes the certificate due, so that a lost or stale file is repaired before the next reload.
  - Makes no call to the WebNIC API and needs no credentials; it runs on the managed host.
  - Never returns key material.
  - The C(webnic.ssl.certificate) role runs it first to decide what to do.
author:
  - webnic.ssl contributors (@webnic-community)
extends_documentation_fragment:
  - webnic.ssl.webnic.attributes
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: This module only reads; it behaves the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: N/A
    details: This module does not change anything.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
    support: full
options:
  certificate_path:
    description:
      - The deployed certificate, a full chain (leaf first) or the leaf alone (PEM).
    type: path
    required: true
  privatekey_path:
    description:
      - The deployed private key. When given, a missing key or a key that does not match the
        certificate makes the certificate due.
    type: path
  privatekey_passphrase:
    description:
      - The passphrase of O(privatekey_path).
    type: str
  fullchain_path:
    description:
      - A served full chain (PEM, leaf first, as nginx reads it).
      - When given, the certificate is due if this file is missing (reason C(<path> missing)), unreadable,
        or its first certificate is not the certificate in O(certificate_path)
        (reason C(<path> holds another certificate), with its serial).
    type: path
  chain_path:
    description:
      - A served chain of intermediate certificates (PEM, as Apache's C(SSLCertificateChainFile) reads it).
      - When given, the certificate is due if this file is missing (reason C(<path> missing)), unreadable,
        or holds certificates none of which issued the certificate in O(certificate_path). An empty file
        is accepted (a certificate issued by a root directly has no chain).
    type: path
  combined_path:
    description:
      - A served combined PEM (full chain followed by the private key, as HAProxy reads it).
      - 'When given, the certificate is due if this file is missing (reason C(<path> missing)), unreadable,
        if its first certificate is not the certificate in O(certificate_path)
        (reason C(<path> holds another certificate), with its serial), if it holds no private key
        (reason C(<path>: no private key)), or if its key is not the key in O(privatekey_path)
        (without O(privatekey_path), the key of the certificate; reason C(<path>: key does not match)).'
      - An encrypted key block is read with O(privatekey_passphrase).
    type: path
  metadata_path:
    description:
      - The JSON file the role writes next to the certificate (C(order_id), C(api_endpoint),
        C(product_key), C(common_name), C(subject_alt_names), C(deployed_at)).
      - When given and missing or unreadable, the certificate is due (reason C(metadata missing)).
    type: path
  common_name:
    description:
      - The wanted common name. With O(subject_alt_names), the names the certificate must have;
        when neither is given, the names in the metadata file are used, else names are not compared.
    type: str
  subject_alt_names:
    description:
      - The wanted extra names (the common name may be left out).
    type: list
    elements: str
  remaining_days:
    description:
      - Due when at most this many days of validity are left.
    type: int
  remaining_percentage:
    description:
      - Due when at most this percentage of the certificate's lifetime is left (0 to 100).
        V(33.3) renews in the last third, as certbot and lego do; V(0) turns the rule off.
    type: float
    default: 33.3
  renew_issued_before:
    description:
      - Due when the certificate became valid before this moment (ISO 8601, for example
        V(2026-12-07T10:00:00Z)). The safe way to renew everything once, now. The renewed
        certificate is newer, so a rerun with the same value finds nothing due. A moment in the
        future is refused (every run would renew again).
    type: str
  min_certificate_age:
    description:
      - A certificate younger than this many hours is never due by O(remaining_days) or
        O(remaining_percentage), so a window that is too wide cannot renew a certificate again right
        after its renewal. Names, key, expiry and O(renew_issued_before) still count.
    type: float
    default: 24
  api_endpoint:
    description:
      - The WebNIC endpoint the certificate should come from (V(production), V(ote) or a URL).
        When the metadata names another one, RV(endpoint_mismatch) is true.
      - Falls back to E(WEBNIC_API_ENDPOINT), so the group's C(module_defaults) set it too.
    type: str
  api_username:
    description:
      - Ignored (this module calls no API); accepted so that C(module_defaults) of
        C(group/webnic.ssl.webnic) apply to it.
    type: str
  api_password:
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
  force_ipv4:
    description:
      - Ignored, see O(api_username).
    type: bool
requirements:
  - cryptography
seealso:
  - module: webnic.ssl.webnic_ssl_cert_download
"""

EXAMPLES = r"""
- name: Is the deployed certificate due?
  webnic.ssl.webnic_ssl_deployed_info:
    certificate_path: /etc/ssl/certs/www.example.com.fullchain.pem
    privatekey_path: /etc/ssl/private/www.example.com.key
    metadata_path: /etc/ssl/certs/www.example.com.webnic.json
    common_name: www.example.com
    subject_alt_names: [example.com]
    remaining_days: 30
    api_endpoint: production
  register: deployed

- name: Is it due, counting the files HAProxy and Apache serve (a lost or stale copy makes it due)?
  webnic.ssl.webnic_ssl_deployed_info:
    certificate_path: /etc/ssl/certs/www.example.com.crt
    chain_path: /etc/ssl/certs/www.example.com.chain.pem
    fullchain_path: /etc/ssl/certs/www.example.com.fullchain.pem
    combined_path: /etc/haproxy/certs/www.example.com.pem
    privatekey_path: /etc/ssl/private/www.example.com.key
    metadata_path: /etc/ssl/certs/www.example.com.webnic.json
  register: served

- name: Say why
  ansible.builtin.debug:
    msg: "{{ 'renew: ' ~ (deployed.reasons | join('; ')) if deployed.due else 'nothing to do' }}"

- name: Never replace a production certificate with an OTE one
  ansible.builtin.assert:
    that: not deployed.endpoint_mismatch
    fail_msg: "{{ deployed.metadata.api_endpoint }} issued the deployed certificate"
"""

RETURN = r"""
exists:
  description: Whether O(certificate_path) exists.
  returned: always
  type: bool
  sample: true
due:
  description: Whether the certificate must be renewed or replaced (RV(reasons) is not empty).
  returned: always
  type: bool
  sample: false
reasons:
  description:
    - Why it is due; empty when it is not.
    - 'The reasons about O(fullchain_path), O(chain_path) and O(combined_path) start with the file, for example
      C(/etc/nginx/ssl/www.example.com.fullchain.pem missing) or
      C(/etc/haproxy/certs/www.example.com.pem: key does not match).'
  returned: always
  type: list
  elements: str
  sample: ["25.0 days left, inside remaining_days=30 (expires 2027-01-01T00:00:00Z)"]
serial:
  description: Serial number of the certificate, lower-case hex.
  returned: when the certificate could be read
  type: str
  sample: 5f3a0c9e21d4
fingerprint:
  description: SHA-256 fingerprint of the certificate.
  returned: when the certificate could be read
  type: str
issuer:
  description: The issuer of the certificate (RFC 4514 string).
  returned: when the certificate could be read
  type: str
not_before:
  description: Start of validity, ISO 8601 UTC.
  returned: when the certificate could be read
  type: str
not_after:
  description: End of validity, ISO 8601 UTC.
  returned: when the certificate could be read
  type: str
  sample: "2027-01-01T00:00:00Z"
days_remaining:
  description: Whole days of validity left (negative when expired).
  returned: when the certificate could be read
  type: int
  sample: 200
names:
  description: The DNS names of the certificate.
  returned: when the certificate could be read
  type: list
  elements: str
  sample: ["www.example.com", "example.com"]
key_matches:
  description: Whether the key in O(privatekey_path) matches the certificate; null when not checked.
  returned: always
  type: bool
  sample: true
metadata:
  description: The content of O(metadata_path); null when not given or not readable.
  returned: always
  type: dict
  sample: {"order_id": "10023", "api_endpoint": "production", "product_key": "ssl123", "common_name": "www.example.com"}
endpoint_mismatch:
  description: True when O(api_endpoint) and the metadata's C(api_endpoint) name different endpoints.
  returned: always
  type: bool
  sample: false
order_id:
  description: The order id from the metadata, when there is one.
  returned: always
  type: str
  sample: "10023"
"""

import datetime
import json
import re

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import crypto
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.endpoints import API_ENDPOINTS
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.files import read_file
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.orders import check_renewal_options, renewal_decision


def endpoint_url(value):
    text = str(value or "").strip()
    return API_ENDPOINTS.get(text.lower(), text).rstrip("/").lower()


def fail_field(module, field, problem, fix):
    module.fail_json(msg="%s: %s. %s." % (field, problem, fix), field=field)


def read_metadata(path):
    """(metadata dict or None, reason or None)."""
    try:
        data = read_file(path)
    except (IOError, OSError) as exc:
        return None, "metadata missing (%s: %s)" % (path, exc)
    if data is None:
        return None, "metadata missing"
    try:
        metadata = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        return None, "metadata missing (%s is not JSON: %s)" % (path, exc)
    if not isinstance(metadata, dict):
        return None, "metadata missing (%s does not hold a JSON object)" % path
    return metadata, None


_PEM_PRIVATE_KEY = re.compile(
    b"-----BEGIN ((?:RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY)-----.+?-----END \\1-----", re.DOTALL
)


def read_served(path):
    """(bytes or None, reason or None) of a served file: a missing or unreadable one is a reason."""
    try:
        data = read_file(path)
    except (IOError, OSError) as exc:
        return None, "%s unreadable (%s)" % (path, exc.strerror or exc)
    if data is None:
        return None, "%s missing" % path
    return data, None


def served_certificates(path, data):
    """(certificates of ``data`` in file order, reason or None)."""
    try:
        return crypto.load_certificates(data), None
    except crypto.CryptoInputError as exc:
        return None, "%s unreadable (%s)" % (path, exc.problem)


def first_certificate_reason(path, certs, cert):
    """Why the first certificate of ``certs`` is not ``cert`` (None when it is)."""
    if not certs:
        return "%s unreadable (no certificate in it)" % path
    if cert is None:
        return None  # the certificate itself is unreadable or missing: already due
    if crypto.certificate_fingerprint(certs[0]) != crypto.certificate_fingerprint(cert):
        return "%s holds another certificate (serial %s)" % (path, "%x" % certs[0].serial_number)
    return None


def served_file_reasons(params, cert, key):
    """Why the served full chain, chain or combined PEM would not serve ``cert`` (with ``key``)."""
    reasons = []
    if params["fullchain_path"]:
        path = params["fullchain_path"]
        data, problem = read_served(path)
        certs = None
        if data is not None:
            certs, problem = served_certificates(path, data)
        if certs is not None:
            problem = first_certificate_reason(path, certs, cert)
        if problem:
            reasons.append(problem)

    if params["chain_path"]:
        path = params["chain_path"]
        data, problem = read_served(path)
        certs = None
        if data is not None:
            certs, problem = served_certificates(path, data)
        if certs and cert is not None and cert.issuer != cert.subject:
            issued = [c for c in certs if c.subject == cert.issuer and crypto.certificate_signed_by(cert, c)]
            if not issued:
                problem = "%s holds another chain (none of its %d certificates issued the certificate)" % (
                    path,
                    len(certs),
                )
        if problem:
            reasons.append(problem)

    if params["combined_path"]:
        path = params["combined_path"]
        data, problem = read_served(path)
        certs = None
        if data is not None:
            certs, problem = served_certificates(path, data)
        if certs is not None:
            problem = first_certificate_reason(path, certs, cert)
        if problem:
            reasons.append(problem)
        if data is not None:
            match = _PEM_PRIVATE_KEY.search(data)
            served_key = None
            if not match:
                reasons.append("%s: no private key" % path)
            else:
                passphrase = params["privatekey_passphrase"] if b"ENCRYPTED" in match.group(0) else None
                try:
                    served_key = crypto.load_private_key(match.group(0), passphrase)
                except crypto.CryptoInputError as exc:
                    reasons.append("%s: key unreadable (%s)" % (path, exc.problem))
            reference = key if key is not None else cert
            if served_key is not None and reference is not None and not crypto.same_public_key(served_key, reference):
                reasons.append("%s: key does not match" % path)
    return reasons


def wanted_names(params, metadata):
    if params["common_name"] or params["subject_alt_names"]:
        names = [params["common_name"]] if params["common_name"] else []
        names += list(params["subject_alt_names"] or [])
    elif metadata and metadata.get("common_name"):
        names = [metadata["common_name"], *list(metadata.get("subject_alt_names") or [])]
    else:
        return None
    return sorted({crypto.comparable_name(n) for n in names if n and str(n).strip()})


def run(module):
    params = module.params
    problems = check_renewal_options(
        params["remaining_days"],
        params["remaining_percentage"],
        params["renew_issued_before"],
        params["min_certificate_age"],
    )
    if problems:
        fail_field(module, *problems[0])

    result = {
        "changed": False,
        "exists": False,
        "due": False,
        "reasons": [],
        "key_matches": None,
        "metadata": None,
        "endpoint_mismatch": False,
        "order_id": None,
    }
    reasons = result["reasons"]

    metadata = None
    if params["metadata_path"]:
        metadata, problem = read_metadata(params["metadata_path"])
        if problem:
            reasons.append(problem)
        result["metadata"] = metadata
        if metadata and metadata.get("order_id") not in (None, ""):
            result["order_id"] = str(metadata["order_id"])
    if metadata and params["api_endpoint"] and metadata.get("api_endpoint"):
        result["endpoint_mismatch"] = endpoint_url(metadata["api_endpoint"]) != endpoint_url(params["api_endpoint"])

    cert = None
    missing = "no certificate"
    try:
        data = read_file(params["certificate_path"])
    except (IOError, OSError) as exc:
        data = None
        missing = "no certificate (%s)" % exc
    if data is None:
        reasons.append(missing)
    else:
        result["exists"] = True
        try:
            cert = crypto.split_leaf_and_chain(crypto.load_certificates(data))[0]
        except crypto.CryptoInputError as exc:
            reasons.append("certificate unreadable (%s)" % exc.problem)
        else:
            if cert is None:
                reasons.append("certificate unreadable (no certificate in %s)" % params["certificate_path"])

    key = None
    if params["privatekey_path"]:
        key_data = read_file(params["privatekey_path"])
        if key_data is None:
            reasons.append("key missing")
        else:
            try:
                key = crypto.load_private_key(key_data, params["privatekey_passphrase"])
            except crypto.CryptoInputError as exc:
                reasons.append("key unreadable (%s)" % exc.problem)

    if cert is not None:
        facts = crypto.parse_certificate(cert)
        names = list(facts["subject_alt_names"])
        if facts["common_name"] and facts["common_name"] not in names:
            names.insert(0, facts["common_name"])
        now = datetime.datetime.now(crypto.certificate_not_after(cert).tzinfo)
        remaining = crypto.certificate_not_after(cert) - now
        result.update(
            serial=facts["serial"],
            fingerprint=facts["fingerprint_sha256"],
            issuer=facts["issuer_string"],
            not_before=facts["not_before"],
            not_after=facts["not_after"],
            days_remaining=int(remaining.total_seconds() // 86400),
            names=names,
        )
        if key is not None:
            result["key_matches"] = crypto.key_matches_certificate(key, cert)
            if not result["key_matches"]:
                reasons.append("key does not match")
        wanted = wanted_names(params, metadata)
        _due, rule_reasons = renewal_decision(
            crypto.certificate_not_before(cert),
            crypto.certificate_not_after(cert),
            now,
            cert_names=names if wanted is not None else None,
            wanted_names=wanted,
            remaining_days=params["remaining_days"],
            remaining_percentage=params["remaining_percentage"],
            issued_before=params["renew_issued_before"],
            min_age_hours=params["min_certificate_age"],
        )
        reasons[:0] = rule_reasons
    reasons.extend(served_file_reasons(params, cert, key))
    result["due"] = bool(reasons)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            certificate_path=dict(type="path", required=True),
            privatekey_path=dict(type="path"),
            privatekey_passphrase=dict(type="str", no_log=True),
            fullchain_path=dict(type="path"),
            chain_path=dict(type="path"),
            combined_path=dict(type="path"),
            metadata_path=dict(type="path"),
            common_name=dict(type="str"),
            subject_alt_names=dict(type="list", elements="str"),
            remaining_days=dict(type="int"),
            remaining_percentage=dict(type="float", default=33.3),
            renew_issued_before=dict(type="str"),
            min_certificate_age=dict(type="float", default=24.0),
            api_endpoint=dict(type="str", fallback=(env_fallback, ["WEBNIC_API_ENDPOINT"])),
            # Accepted and ignored: module_defaults of group/webnic.ssl.webnic pass them to every member.
            api_username=dict(type="str"),
            api_password=dict(type="str", no_log=True),
            timeout=dict(type="float"),
            validate_certs=dict(type="bool"),
            ca_path=dict(type="path"),
            force_ipv4=dict(type="bool"),
        ),
        supports_check_mode=True,
    )
    if not crypto.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=crypto.CRYPTOGRAPHY_IMPORT_ERROR)
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
