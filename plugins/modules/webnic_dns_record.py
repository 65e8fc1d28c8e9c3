#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: webnic_dns_record
short_description: Manage a record set in a DNS zone hosted on WebNIC
version_added: 0.1.0
description:
  - Makes the record set of one name and type in a WebNIC-hosted DNS zone hold the wanted values,
    or removes values or the whole set.
  - WebNIC's Save Record call replaces the whole set of a name and type. This module always sends
    the complete set, so O(on_existing=add) adds a value while keeping the others (several DCV
    tokens, SPF next to a verification token).
  - WebNIC returns values HTML-escaped, and TXT values with or without their quotes. Values are
    compared after decoding, with TXT quoting and character-string splitting ignored, and host
    names compared case-insensitively without the trailing dot, so a rerun reports no change.
  - M(webnic.ssl.webnic_ssl_dcv) returns the TXT record for DNS domain control validation; this
    module publishes it (the C(webnic.ssl.certificate) role does that for zones hosted on WebNIC).
author:
  - webnic.ssl contributors (@webnic-community)
extends_documentation_fragment:
  - webnic.ssl.webnic
  - webnic.ssl.webnic.attributes
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads the zone and reports what would change; sends no write call.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The diff shows the set (TTL and values) before and after.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation
        indicates no change.
    support: full
options:
  zone:
    description:
      - The DNS zone hosted on WebNIC, for example V(example.com).
    type: str
    required: true
  name:
    description:
      - The record name, relative to O(zone) (V(_dnsauth.www)) or inside it
        (V(_dnsauth.www.example.com)); a trailing dot marks an absolute name.
      - V(@) or an empty string is the zone apex.
    type: str
    required: true
    aliases: [record]
  type:
    description:
      - The record type.
    type: str
    required: true
    choices: [A, AAAA, CNAME, MX, NS, TXT, SRV, CAA, PTR]
  ttl:
    description:
      - Time to live in seconds.
      - When not set, an existing set keeps its TTL and a new set gets 300.
    type: int
  values:
    description:
      - The record values. TXT values may be given with or without quotes.
      - Required with O(state=present).
      - With O(state=absent), the values to remove; when omitted, the whole set is removed.
    type: list
    elements: str
    aliases: [value]
  state:
    description:
      - V(present) makes the set hold O(values) (see O(on_existing)); V(absent) removes O(values),
        or the whole set when O(values) is not given.
    type: str
    choices: [present, absent]
    default: present
  on_existing:
    description:
      - What O(state=present) does with a set that already exists.
      - V(replace) makes the set exactly O(values) (and O(ttl)).
      - V(add) adds the missing O(values) and keeps the other values.
      - V(keep) leaves an existing set alone (a missing set is still created).
    type: str
    choices: [replace, keep, add]
    default: replace
  validation_names:
    description:
      - The certificate names this record validates (domain control validation). When given, the record
        must be of type V(TXT) or V(CNAME) and named C(_<label>.<name>) for one of these names (the base
        name of a wildcard), with single-line values; anything else fails before any API call.
      - Set it whenever O(name), O(type) or O(values) come from an API answer, as the
        P(webnic.ssl.certificate#role) role does, so that a wrong or hostile answer cannot publish,
        say, an V(A) record for the web site itself.
    type: list
    elements: str
notes:
  - The module makes one read call, and one write call only when the set changes.
seealso:
  - module: webnic.ssl.webnic_ssl_dcv
  - module: webnic.ssl.webnic_ssl_order
"""

EXAMPLES = r"""
- name: Publish the DNS DCV token next to the TXT records already there
  webnic.ssl.webnic_dns_record:
    zone: example.com
    name: _dnsauth.www.example.com
    type: TXT
    ttl: 300
    values:
      - "{{ dcv.dcv[0].dns_value }}"
    on_existing: add

- name: Point www at two web servers (the set becomes exactly these)
  webnic.ssl.webnic_dns_record:
    zone: example.com
    name: www
    type: A
    ttl: 600
    values:
      - 192.0.2.10
      - 192.0.2.11

- name: Remove only our token, keep the other TXT values
  webnic.ssl.webnic_dns_record:
    zone: example.com
    name: _dnsauth.www
    type: TXT
    values:
      - "{{ dcv.dcv[0].dns_value }}"
    state: absent

- name: Remove the whole set, credentials from module_defaults
  module_defaults:
    group/webnic.ssl.webnic:
      api_username: "{{ webnic_user }}"
      api_password: "{{ webnic_password }}"
  webnic.ssl.webnic_dns_record:
    zone: example.com
    name: old
    type: CNAME
    state: absent
"""

RETURN = r"""
zone:
  description: The zone, normalised.
  returned: success
  type: str
  sample: example.com
name:
  description: The record name relative to the zone (empty for the apex).
  returned: success
  type: str
  sample: _dnsauth.www
fqdn:
  description: The fully qualified record name.
  returned: success
  type: str
  sample: _dnsauth.www.example.com
type:
  description: The record type.
  returned: success
  type: str
  sample: TXT
ttl:
  description: The TTL of the set after the task (null when the set does not exist).
  returned: success
  type: int
  sample: 300
record_values:
  description:
    - The values of the set after the task (after check mode, what they would be), decoded.
    - Named so because C(result.values) is a method of the result dictionary in Jinja.
  returned: success
  type: list
  elements: str
  sample: ["existing-token", "4f1c0e7a9b"]
previous_values:
  description: The values before the task, decoded.
  returned: success
  type: list
  elements: str
  sample: ["existing-token"]
exists:
  description: Whether the set exists after the task.
  returned: success
  type: bool
  sample: true
changed_reasons:
  description: Why the task changed (or in check mode would change) the set.
  returned: always
  type: list
  elements: str
  sample: ["1 value added, 1 kept"]
api_calls:
  description: HTTP requests sent to WebNIC by this task (token minting included).
  returned: always
  type: int
  sample: 2
raw:
  description: The records of this name and type as WebNIC's Get Records returned them (before the task).
  returned: success
  type: list
  elements: dict
"""

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import dns
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import FieldProblem
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule


def run(module):
    params = module.params
    zone, name, record_type = dns.check_record_request(params)
    client = module.client
    # Filter by type only: how the API matches `name` (relative, absolute, substring) is not known,
    # and a set missed by a filter would be overwritten. The exact name is matched here.
    data = client.call("dns_records", path={"zone": zone}, query={"type": record_type}) or {}
    current = dns.record_set_from_answer(data, name, record_type, zone)
    try:
        planned = dns.plan_record_set(
            record_type, *current, params["state"], params["values"], params["ttl"], params["on_existing"]
        )
    except FieldProblem as exc:
        raise FieldProblem(exc.field, exc.problem, exc.fix)

    action, new_ttl, new_values, _reasons = planned
    if action == "save" and not module.check_mode:
        body = dns.save_body(name, record_type, new_ttl, new_values)
        client.call("dns_record_save", path={"zone": zone}, body=body)
    elif action and not module.check_mode:
        client.call("dns_record_delete", path={"zone": zone}, query={"type": record_type, "name": name})

    result, diff = dns.record_result(zone, name, record_type, current, planned)
    result["raw"] = dns.raw_records(data, name, record_type, zone)
    if module._diff:
        result["diff"] = diff
    return result


def main():
    module = WebNICModule(
        argument_spec=dict(
            zone=dict(type="str", required=True),
            name=dict(type="str", required=True, aliases=["record"]),
            type=dict(type="str", required=True, choices=list(dns.RECORD_TYPES)),
            ttl=dict(type="int"),
            values=dict(type="list", elements="str", aliases=["value"]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            on_existing=dict(type="str", choices=["replace", "keep", "add"], default="replace"),
            validation_names=dict(type="list", elements="str"),
        ),
        required_if=[("state", "present", ["values"])],
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
