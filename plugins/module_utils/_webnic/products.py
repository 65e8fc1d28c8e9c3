# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of a certificate request against a product's rules, made before any money is spent."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _flag(rules, *names):
    for name in names:
        if name in rules and rules[name] is not None:
            value = rules[name]
            if isinstance(value, str):
                return value.strip().lower() in ("true", "1", "yes", "y")
            return bool(value)
    return None


def rule_terms(rules):
    terms = rules.get("terms") or []
    result = []
    for term in terms:
        try:
            result.append(int(term))
        except (TypeError, ValueError):
            continue
    return result


def check_against_rules(
    rules,
    term=None,
    san_count=0,
    wildcard_san_count=0,
    common_name=None,
    key_type=None,
    auth_type=None,
    san_field="subject_alt_names",
):
    """Return a list of (field, problem, fix) for everything the product does not allow."""
    problems = []
    product = rules.get("productKey") or "this product"
    terms = rule_terms(rules)
    if term is not None and terms and int(term) not in terms:
        problems.append(("term", "%s is not offered for %s" % (term, product), "Use one of %s" % terms))
    allow_san = _flag(rules, "allowSan", "allowSAN")
    allow_wsan = _flag(rules, "allowWSan", "allowWsan", "allowWSAN")
    max_san = rules.get("maxSan")
    total = (san_count or 0) + (wildcard_san_count or 0)
    if total and allow_san is False:
        problems.append(
            (
                san_field,
                "%s does not accept extra names (SANs)" % product,
                "Order a multi-domain product or drop the SANs",
            )
        )
    elif wildcard_san_count and allow_wsan is False:
        problems.append(
            (san_field, "%s does not accept wildcard SANs" % product, "Use a product with wildcard SAN support")
        )
    if max_san not in (None, "") and total > int(max_san):
        problems.append(
            (
                san_field,
                "%d extra names exceed the maximum of %s for %s" % (total, max_san, product),
                "Split the names over several certificates or pick a product with a higher maxSan",
            )
        )
    if common_name and common_name.startswith("*.") and _flag(rules, "wildcard") is False:
        problems.append(
            (
                "common_name",
                "%s does not issue wildcard certificates" % product,
                "Use a wildcard product for %s" % common_name,
            )
        )
    key_types = rules.get("keyTypes") or []
    if key_type and key_types and key_type not in key_types:
        problems.append(
            ("csr", "key type %s is not accepted by %s" % (key_type, product), "Use one of %s" % ", ".join(key_types))
        )
    auth_types = [a.lower() for a in rules.get("authTypes") or []]
    if auth_type and auth_types and auth_type.lower() not in auth_types:
        problems.append(
            (
                "dcv_method",
                "%s validation is not offered for %s" % (auth_type, product),
                "Use one of %s" % ", ".join(auth_types),
            )
        )
    return problems


def chargeable_san_counts(rules, common_name, subject_alt_names):
    """``(plain, wildcard)`` extra names an order is charged for.

    The common name is in the base price; a product with ``freeCompanionSan`` also gives its companion
    for free (``www.`` + name, the name without ``www.``, or the apex of a wildcard).
    """
    common_name = (common_name or "").strip().lower()
    free = {common_name}
    if common_name and _flag(rules or {}, "freeCompanionSan"):
        if common_name.startswith("*."):
            free.add(common_name[2:])
        elif common_name.startswith("www."):
            free.add(common_name[4:])
        else:
            free.add("www." + common_name)
    extra = []
    for name in subject_alt_names or []:
        name = (name or "").strip().lower()
        if name and name not in free and name not in extra:
            extra.append(name)
    wildcard = sum(1 for name in extra if name.startswith("*."))
    return len(extra) - wildcard, wildcard


def first_problem(problems):
    """``(field, problem, fix)`` of the first problem, the others appended to the fix (one failure message)."""
    field, problem, fix = problems[0]
    others = ["%s: %s" % (f, p) for f, p, _fix in problems[1:]]
    if others:
        fix = "%s. Also: %s" % (fix.rstrip("."), "; ".join(others))
    return field, problem, fix
