#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: webnic_ssl_price
short_description: Price a WebNIC SSL certificate before ordering it
version_added: 0.1.0
description:
  - Asks WebNIC what a certificate product costs for a term and a number of extra names
    (Get Product Price), and checks the request against the product's rules first (terms,
    whether SANs and wildcard SANs are allowed, the maximum SAN count), because the price call
    itself does not check the maximum SAN count.
  - Names can be given instead of counts; the module then counts plain and wildcard SANs itself, the
    way M(webnic.ssl.webnic_ssl_order) does when O(common_name) is given, so a check made here fails
    with the message the order would fail with.
  - This module never changes anything.
author:
  - webnic.ssl contributors (@webnic-community)
extends_documentation_fragment:
  - webnic.ssl.webnic
  - webnic.ssl.webnic.attributes
  - webnic.ssl.webnic.info_module
options:
  product_key:
    description:
      - WebNIC product key, for example V(ssl123). M(webnic.ssl.webnic_ssl_product_info) lists them.
    type: str
    required: true
  term:
    description:
      - Term in years.
    type: int
    default: 1
  san_count:
    description:
      - Number of extra (non-wildcard) names besides the common name. Default 0.
      - Mutually exclusive with O(subject_alt_names).
    type: int
  wildcard_san_count:
    description:
      - Number of extra wildcard names (C(*.example.com)) besides the common name. Default 0.
      - Mutually exclusive with O(subject_alt_names).
    type: int
  subject_alt_names:
    description:
      - The extra names of the certificate; the module counts plain and wildcard names.
      - With O(common_name), they are counted as M(webnic.ssl.webnic_ssl_order) counts them. The
        common name, and for products with a free companion name (C(www.) + name, or the apex of a
        wildcard) that companion, are not charged.
      - Names are converted as for the order (IDNA 2008 A-labels, lower case, duplicates removed), so
        C(straße.example) and C(xn--strae-oqa.example) count once.
    type: list
    elements: str
  common_name:
    description:
      - The certificate's common name. Checked against the product's rules (a wildcard name needs a
        wildcard product) and left out of the extra names, as the order does.
    type: str
  dcv_method:
    description:
      - How the names will be validated; checked against the validation methods the product offers.
    type: str
    choices: [file, dns, email]
  check_rules:
    description:
      - Check the request against the product's rules (Get SSL Rules) before asking the price.
      - One more API call; turn off only when the rules were checked already.
    type: bool
    default: true
seealso:
  - module: webnic.ssl.webnic_ssl_product_info
  - module: webnic.ssl.webnic_ssl_order
"""

EXAMPLES = r"""
- name: What does a one-year ssl123 with two extra names cost?
  webnic.ssl.webnic_ssl_price:
    product_key: ssl123
    term: 1
    subject_alt_names:
      - www.example.com
      - mail.example.com
  register: quote

- name: Stop when the price is above budget
  ansible.builtin.assert:
    that: quote.price | float <= 60
    fail_msg: "{{ quote.price }} {{ quote.currency }} is over budget"

- name: Price with counts, credentials from module_defaults
  module_defaults:
    group/webnic.ssl.webnic:
      api_endpoint: ote
      api_username: "{{ webnic_user }}"
      api_password: "{{ webnic_password }}"
  webnic.ssl.webnic_ssl_price:
    product_key: ssl123
    term: 2
    san_count: 2
    wildcard_san_count: 1
"""

RETURN = r"""
price:
  description: Total price for the term, as WebNIC returns it.
  returned: success
  type: float
  sample: 50.0
currency:
  description: Currency of the price.
  returned: success
  type: str
  sample: USD
term:
  description: Term in years that was priced.
  returned: success
  type: int
  sample: 1
price_breakdown:
  description: Base certificate price and the totals for the extra names.
  returned: success
  type: dict
  contains:
    base_cert_price:
      description: Price of the certificate for the common name.
      type: float
      returned: success
      sample: 10.0
    common_san_price:
      description: Total for the plain extra names.
      type: float
      returned: success
      sample: 20.0
    wildcard_san_price:
      description: Total for the wildcard extra names.
      type: float
      returned: success
      sample: 20.0
san_count:
  description: Plain extra names priced.
  returned: success
  type: int
  sample: 2
wildcard_san_count:
  description: Wildcard extra names priced.
  returned: success
  type: int
  sample: 1
rules:
  description: The product's rules used for the check (empty when O(check_rules=false)).
  returned: success
  type: dict
  sample: {"productKey": "ssl123", "terms": [1, 2], "maxSan": 4, "allowSan": true, "allowWSan": true}
api_calls:
  description: HTTP requests sent to WebNIC by this task (token minting included).
  returned: always
  type: int
  sample: 2
raw:
  description: The C(data) object of WebNIC's price answer.
  returned: success
  type: dict
changed_reasons:
  description: Why the task changed something. Always empty, as this module only reads.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import products
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import FieldProblem
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule


def check_counts(params):
    for field in ("san_count", "wildcard_san_count"):
        if (params[field] or 0) < 0:
            raise FieldProblem(field, "must not be negative", "Give the number of extra names, 0 or more")


def run(module):
    params = module.params
    if params["term"] < 1:
        raise FieldProblem("term", "must be at least 1 year", "Use a term the product offers (see its rules)")
    common_name, names = products.price_names(params)
    check_counts(params)
    client = module.client
    rules = {}
    if params["check_rules"] or (params["common_name"] and params["subject_alt_names"]):
        # The free companion name is a product rule: counting names like the order needs the rules.
        # Get SSL Rules is assumed: when its path is missing, the product list row's rules (skipped_checks).
        rules = products.read_product_rules(client, params["product_key"], products.ProductCatalogue(client))
    if names is not None:
        san_count, wildcard_count = products.chargeable_san_counts(rules, common_name, names)
    else:
        san_count, wildcard_count = params["san_count"] or 0, params["wildcard_san_count"] or 0
    if params["check_rules"]:
        problems = products.check_against_rules(
            rules,
            term=params["term"],
            san_count=san_count,
            wildcard_san_count=wildcard_count,
            common_name=common_name,
            auth_type=params["dcv_method"],
        )
        if problems:
            field, problem, fix = products.first_problem(problems)
            module.fail_field(field, problem, fix, rules=rules, api_calls=module.api_calls)

    query = products.price_query(params["product_key"], params["term"], san_count, wildcard_count)
    data = client.call("product_price", query=query) or {}
    result = {
        "changed": False,
        "san_count": san_count,
        "wildcard_san_count": wildcard_count,
        "rules": rules,
        "raw": data,
    }
    result.update(products.price_result(data, params["term"]))
    return result


def main():
    module = WebNICModule(
        argument_spec=dict(
            product_key=dict(type="str", required=True, no_log=False),
            term=dict(type="int", default=1),
            san_count=dict(type="int"),
            wildcard_san_count=dict(type="int"),
            subject_alt_names=dict(type="list", elements="str"),
            common_name=dict(type="str"),
            dcv_method=dict(type="str", choices=["file", "dns", "email"]),
            check_rules=dict(type="bool", default=True),
        ),
        mutually_exclusive=[
            ("subject_alt_names", "san_count"),
            ("subject_alt_names", "wildcard_san_count"),
            ("common_name", "san_count"),
            ("common_name", "wildcard_san_count"),
        ],
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
