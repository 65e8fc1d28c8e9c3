#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: webnic_ssl_product_info
short_description: List WebNIC SSL products, or show one product with its rules
version_added: 0.1.0
description:
  - Without O(product_key), lists the certificate products of the reseller account (Get Product List).
  - With O(product_key), returns that product (Get Product Info) and its ordering rules (Get SSL Rules),
    that is terms, SAN limits, wildcard support, accepted key types and validation methods.
author:
  - webnic.ssl contributors (@webnic-community)
extends_documentation_fragment:
  - webnic.ssl.webnic
  - webnic.ssl.webnic.attributes
  - webnic.ssl.webnic.info_module
options:
  product_key:
    description:
      - Product to describe. Omit to list all products.
    type: str
  cert_type:
    description:
      - When listing, keep only products of this validation level.
    type: str
    choices: [DV, OV, EV]
seealso:
  - module: webnic.ssl.webnic_ssl_price
  - module: webnic.ssl.webnic_ssl_order
"""

EXAMPLES = r"""
- name: List every product
  webnic.ssl.webnic_ssl_product_info:
  register: catalogue

- name: Show the DV products' keys
  ansible.builtin.debug:
    msg: "{{ catalogue.products | selectattr('certType', 'equalto', 'DV') | map(attribute='productKey') | list }}"

- name: Rules of one product
  webnic.ssl.webnic_ssl_product_info:
    product_key: ssl123
  register: ssl123

- name: Fail early when the product cannot carry our names
  ansible.builtin.assert:
    that: ssl123.rules.maxSan | int >= 3
"""

RETURN = r"""
products:
  description: The products (all of them, or the one asked for).
  returned: success
  type: list
  elements: dict
  sample: [{"productKey": "ssl123", "productName": "Thawte SSL123", "certType": "DV", "allowSan": true, "maxSan": 4}]
product:
  description: The product asked for with O(product_key).
  returned: when O(product_key) is set
  type: dict
rules:
  description: The ordering rules of the product asked for with O(product_key).
  returned: when O(product_key) is set
  type: dict
  sample: {"productKey": "ssl123", "terms": [1, 2], "maxSan": 4, "keyTypes": ["RSA-2048", "EC-P256"]}
api_calls:
  description: HTTP requests sent to WebNIC by this task (token minting included).
  returned: always
  type: int
changed_reasons:
  description: Why the task changed something. Always empty, as this module only reads.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.webnic.ssl.plugins.module_utils._webnic.module import WebNICModule
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.products import ProductCatalogue, read_product_rules


def _product_list(data):
    if isinstance(data, dict):
        for key in ("products", "items", "list"):
            if isinstance(data.get(key), list):
                return data[key]
        return [data]
    return list(data or [])


def run(module):
    client = module.client
    key = module.params["product_key"]
    catalogue = ProductCatalogue(client)
    if key:
        # Get Product Info and Get SSL Rules are assumed paths: when missing, the product list row.
        product = client.call_optional(
            "product_info", "Get Product Info; the product list row is shown instead", query={"productKey": key}
        )
        if product is None:
            product = catalogue.row(key) or {}
        rules = read_product_rules(client, key, catalogue)
        return {"products": [product], "product": product, "rules": rules}
    listed = client.call_optional("product_list", "Get Product List (new); the older product list is shown instead")
    products = _product_list(listed) if listed is not None else catalogue.rows()
    cert_type = module.params["cert_type"]
    if cert_type:
        products = [p for p in products if str(p.get("certType", "")).upper() == cert_type]
    return {"products": products}


def main():
    module = WebNICModule(
        argument_spec=dict(
            product_key=dict(type="str", no_log=False),
            cert_type=dict(type="str", choices=["DV", "OV", "EV"]),
        ),
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
