# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks of webnic_ssl_order's options made before any API call: numbers, names, the CSR, approvers.

Each problem fails through ``fail_field(field, problem, fix)`` (WebNICModule.fail_field with the
run's extras), naming the option and what to do.
"""

import os
from typing import Any, Callable, Dict, List, Optional

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.text.converters import to_native

from . import orders as ord_
from . import renewal
from .crypto import (
    CRYPTOGRAPHY_IMPORT_ERROR,
    HAS_CRYPTOGRAPHY,
    CryptoInputError,
    InvalidNameError,
    certificate_names,
    parse_csr,
)


class OrderInputs:
    """The options checked: the identity (None with order_id alone), the parsed CSR and its PEM."""

    def __init__(self, identity=None, csr=None, csr_pem=None):
        self.identity = identity
        self.csr = csr
        self.csr_pem = csr_pem


def read_inputs(params: Dict[str, Any], dcv_method: Optional[str], fail_field: Callable, fail_json: Callable):
    """Check every option that needs no API call, in the order the module always checked them."""
    check_numbers(params, fail_field)
    inputs = OrderInputs(identity=read_identity(params, fail_field))
    if params["csr"]:
        inputs.csr, inputs.csr_pem = read_csr(params["csr"], fail_field, fail_json)
        if inputs.identity is not None:
            check_csr_names(inputs.csr, inputs.identity, fail_field)
    if dcv_method == "email" and inputs.identity is not None:
        check_approvers(params["approver_emails"], inputs.identity.names, fail_field)
    return inputs


def check_numbers(params, fail_field):
    if params["term"] < 1:
        fail_field("term", "must be at least 1 year", "Use a term the product offers (see its rules)")
    problems = renewal.check_renewal_options(
        params["remaining_days"],
        params["remaining_percentage"],
        params["renew_issued_before"],
        params["min_certificate_age"],
    )
    if problems:
        fail_field(*problems[0])
    if params["max_clock_skew"] < 0:
        fail_field("max_clock_skew", "must not be negative", "Give seconds, e.g. 300")
    if params["wait_timeout"] < 0:
        fail_field("wait_timeout", "must not be negative", "Give the seconds to wait")


def read_identity(params, fail_field):
    """The order's identity from common_name, subject_alt_names and product_key (None: order_id alone)."""
    identity = None
    if params["common_name"]:
        try:
            cn, names = certificate_names(params["common_name"], params["subject_alt_names"])
        except InvalidNameError as exc:
            field = "common_name" if getattr(exc, "index", None) is None else "subject_alt_names"
            fail_field(field, to_native(exc), None)
        identity = ord_.OrderIdentity(params["product_key"], cn, names[1:])
    elif params["subject_alt_names"]:
        fail_field("common_name", "is required with subject_alt_names", "Set the common name of the certificate")
    elif not params["order_id"]:
        fail_field("common_name", "is required unless order_id is given", "Set common_name (and product_key)")
    if params["state"] == "present" and not params["order_id"] and not params["product_key"]:
        fail_field("product_key", "is required to find or place an order", "Set product_key, for example ssl123")
    return identity


def read_csr(value, fail_field, fail_json):
    """``(facts, pem)`` of the CSR given as PEM content or as the path of a PEM file."""
    value = value.strip()
    if "-----BEGIN" not in value:
        path = value
        if not os.path.isfile(path):
            fail_field("csr", "is neither PEM content nor the path of an existing file", "Give the CSR or its path")
        try:
            with open(path, "rb") as handle:
                value = handle.read().decode("utf-8", "replace").strip()
        except (IOError, OSError) as exc:
            fail_field("csr", "cannot read %s: %s" % (path, to_native(exc)), "Check the path and its permissions")
    if not HAS_CRYPTOGRAPHY:
        fail_json(msg=missing_required_lib("cryptography"), exception=CRYPTOGRAPHY_IMPORT_ERROR)
    try:
        csr = parse_csr(value.encode("utf-8"))
    except CryptoInputError as exc:
        fail_field("csr", to_native(exc), "Give a PEM CSR (-----BEGIN CERTIFICATE REQUEST-----)")
    if not csr["signature_valid"]:
        fail_field("csr", "its signature does not verify", "Make the CSR again with its private key")
    return csr, value + "\n"


def check_csr_names(csr, identity, fail_field):
    """The CSR's names must be exactly the requested ones (common name first)."""
    wanted = set(identity.names)
    have = set(csr["subject_alt_names"])
    if csr["common_name"]:
        have.add(csr["common_name"])
    if csr["common_name"] and csr["common_name"] != identity.common_name:
        fail_field(
            "csr",
            "its common name is %s but common_name is %s" % (csr["common_name"], identity.common_name),
            "Make the CSR for the requested names, or request the names of the CSR",
        )
    if have != wanted:
        detail = []
        if wanted - have:
            detail.append("missing %s" % ", ".join(sorted(wanted - have)))
        if have - wanted:
            detail.append("not requested %s" % ", ".join(sorted(have - wanted)))
        fail_field(
            "csr",
            "its names differ from common_name + subject_alt_names (%s)" % "; ".join(detail),
            "Make the CSR for exactly the requested names (subject_alt_names must list every extra name)",
        )


def check_approvers(approver_emails, names: List[str], fail_field):
    """dcv_method=email: every name needs an approver (given for it or a parent domain)."""
    missing = [name for name in names if not ord_.approver_for(approver_emails, name)]
    if missing:
        fail_field(
            "approver_emails",
            "dcv_method=email needs an approver address for %s" % ", ".join(missing),
            "Add for example %s: admin@%s" % (missing[0], missing[0].lstrip("*.")),
        )
