#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

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
  - When M(webnic.ssl.webnic_ssl_cert_install) wrote the files with O(metadata_path), it recorded in the
    metadata file (key C(stamp)) the SHA-256 of each file and the certificate's facts, after checking the
    files the way this module does. When every file given here still holds those bytes (same options,
    same paths, no passphrase), the recorded facts are used instead of parsing the files, and
    C(cryptography) is not imported; the renewal rule is applied to them as always. Any other byte or
    path means the full check. See RV(unchanged_since_install).
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
      - Required unless O(certificates) is given.
    type: path
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
      - Falls back to E(WEBNIC_API_ENDPOINT).
      - With O(certificates), the endpoint of every entry that names none.
    type: str
  certificates:
    description:
      - Several certificates of the host in one module run (the C(webnic.ssl.certificate) role reads every
        certificate of a host this way, so a nightly run costs one module run per host).
      - Each entry takes the single-certificate options of this module (O(certificate_path) required,
        O(privatekey_path), O(fullchain_path), O(chain_path), O(combined_path), O(metadata_path),
        O(common_name), O(subject_alt_names), O(remaining_days), O(remaining_percentage),
        O(renew_issued_before), O(min_certificate_age), O(api_endpoint), O(privatekey_passphrase))
        with the same defaults, plus C(name), the key of its answer in RV(certificates) (by default its
        O(certificate_path)).
      - An entry whose options are invalid is answered with C(failed=true) and C(msg); the others are
        still read.
      - Mutually exclusive with O(certificate_path).
    type: list
    elements: dict
requirements:
  - cryptography >= 41
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

- name: Every certificate of the host in one module run
  webnic.ssl.webnic_ssl_deployed_info:
    api_endpoint: production
    certificates:
      - name: www
        certificate_path: /etc/ssl/webnic/www.crt
        privatekey_path: /etc/ssl/webnic/www.key
        metadata_path: /etc/ssl/webnic/www.webnic.json
      - name: api
        certificate_path: /etc/ssl/webnic/api.crt
        privatekey_path: /etc/ssl/webnic/api.key
        remaining_days: 30
  register: host_certificates

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
  returned: always, without O(certificates)
  type: bool
  sample: true
due:
  description: Whether the certificate must be renewed or replaced (RV(reasons) is not empty).
  returned: always, without O(certificates)
  type: bool
  sample: false
reasons:
  description:
    - Why it is due; empty when it is not.
    - 'The reasons about O(fullchain_path), O(chain_path) and O(combined_path) start with the file, for example
      C(/etc/nginx/ssl/www.example.com.fullchain.pem missing) or
      C(/etc/haproxy/certs/www.example.com.pem: key does not match).'
  returned: always, without O(certificates)
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
  returned: always, without O(certificates)
  type: bool
  sample: true
unchanged_since_install:
  description:
    - True when the files held the bytes M(webnic.ssl.webnic_ssl_cert_install) recorded, and its recorded
      facts were used instead of parsing them.
  returned: always, without O(certificates)
  type: bool
  sample: true
metadata:
  description:
    - The content of O(metadata_path), without the install record (C(stamp)); null when not given or not readable.
  returned: always, without O(certificates)
  type: dict
  sample: {"order_id": "10023", "api_endpoint": "production", "product_key": "ssl123", "common_name": "www.example.com"}
endpoint_mismatch:
  description: True when O(api_endpoint) and the metadata's C(api_endpoint) name different endpoints.
  returned: always, without O(certificates)
  type: bool
  sample: false
order_id:
  description: The order id from the metadata, when there is one.
  returned: always, without O(certificates)
  type: str
  sample: "10023"
certificates:
  description:
    - With O(certificates), the answer for each entry by its C(name); each answer holds the keys
      documented here for a single certificate (RV(due), RV(reasons), RV(key_matches), ...), or
      C(failed=true) and C(msg) when the entry's options are invalid.
    - The single-certificate keys (RV(due), RV(reasons) ...) are not returned with O(certificates).
  returned: when O(certificates) is given
  type: dict
  sample: {"www": {"due": false, "reasons": [], "exists": true, "key_matches": true}}
changed_reasons:
  description: Why the task changed something. Always empty, as this module only reads.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import FieldProblem, fail_problem
from ansible_collections.webnic.ssl.plugins.module_utils._webnic import deployed


def main():
    certificate_options = dict(deployed.CERTIFICATE_SPEC)
    del certificate_options["name"]
    certificate_options["certificate_path"] = dict(type="path")
    certificate_options["api_endpoint"] = dict(type="str", fallback=(env_fallback, ["WEBNIC_API_ENDPOINT"]))
    module = AnsibleModule(
        argument_spec=dict(certificates=dict(type="list", elements="dict"), **certificate_options),
        required_one_of=[("certificate_path", "certificates")],
        mutually_exclusive=[("certificate_path", "certificates")],
        supports_check_mode=True,
    )
    # cryptography is imported only when files must be parsed: not for files unchanged since install.
    try:
        if module.params["certificates"] is not None:
            answers = deployed.inspect_many(module.params["certificates"], module.params["api_endpoint"])
            module.exit_json(changed=False, changed_reasons=[], certificates=answers)
        module.exit_json(**deployed.inspect(module.params))
    except FieldProblem as exc:
        fail_problem(module, exc)
    except deployed.CryptographyMissing as exc:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=exc.args[0])


if __name__ == "__main__":
    main()
