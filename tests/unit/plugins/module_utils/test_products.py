# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""products.check_against_rules, the one product-rules checker of csr, price and order: one test per rule."""

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic import products
from ansible_collections.webnic.ssl.plugins.module_utils._webnic.failures import FieldProblem


def check(rules, **request):
    return products.check_against_rules(dict(rules, productKey="p"), **request)


def test_no_rules_allow_everything():
    assert products.check_against_rules({}, term=3, san_count=9, common_name="*.example.com", key_type="RSA-2048") == []


def test_a_term_the_product_does_not_offer():
    assert check({"terms": ["1", 2]}, term=3) == [("term", "3 is not offered for p", "Use one of [1, 2]")]
    assert check({"terms": [1, 2]}, term=2) == []


def test_extra_names_on_a_single_name_product_counted():
    assert check({"allowSan": "false"}, san_count=1) == [
        ("subject_alt_names", "p does not accept extra names (SANs)", "Order a multi-domain product or drop the SANs")
    ]


def test_extra_names_on_a_single_name_product_listed_when_known():
    problems = check({"allowSan": False}, extra_names=["b.example.com", "*.c.example.com"], san_field="sans")
    assert problems == [
        (
            "sans",
            "product p takes no names besides the common name (got b.example.com, *.c.example.com)",
            "Order a multi-domain product or drop the SANs",
        )
    ]


def test_wildcard_extra_names_on_a_product_without_wildcard_sans():
    assert check({"allowSan": True, "allowWsan": False}, wildcard_san_count=1) == [
        ("subject_alt_names", "p does not accept wildcard SANs", "Use a product with wildcard SAN support")
    ]
    assert check({"allowSan": True, "allowWSan": False}, extra_names=["*.b.example.com"])[0][1] == (
        "p does not accept wildcard SANs"
    )


def test_more_extra_names_than_the_maximum():
    assert check({"maxSan": 2}, san_count=2, wildcard_san_count=1) == [
        (
            "subject_alt_names",
            "3 extra names exceed the maximum of 2 for p",
            "Split the names over several certificates or pick a product with a higher maxSan",
        )
    ]
    assert check({"maxSan": 3}, san_count=2, wildcard_san_count=1) == []


def test_a_wildcard_common_name_on_a_product_without_wildcards():
    assert check({"wildcard": False}, common_name="*.example.com") == [
        ("common_name", "p does not issue wildcard certificates", "Use a wildcard product for *.example.com")
    ]


def test_a_plain_common_name_on_a_wildcard_product():
    assert check({"wildcard": "true"}, common_name="www.example.com") == [
        (
            "common_name",
            "p is a wildcard product: the common name must be *.<domain>, got www.example.com",
            "Use common_name: *.www.example.com or a non-wildcard product",
        )
    ]
    assert check({"wildcard": True}, common_name="*.example.com") == []


@pytest.mark.parametrize("spelling", ["RSA-2048", "rsa2048", "RSA_2048"])
def test_key_types_match_in_any_spelling(spelling):
    assert check({"keyTypes": [spelling, "EC-P256"]}, key_type="RSA-2048") == []
    assert check({"keyTypes": ["RSA-2048"]}, key_type=spelling.lower()) == []


def test_a_key_type_that_is_too_small():
    assert check({"keyTypes": ["RSA-4096", "EC-P384"]}, key_type="RSA-2048", key_field="key_type") == [
        (
            "key_type",
            "key type RSA-2048 is too small for p: its rules need at least RSA-4096",
            "Use one of EC-P384, RSA-4096",
        )
    ]
    assert check({"keyTypes": ["EC-P384"]}, key_type="EC-P256")[0][1] == (
        "key type EC-P256 is too small for p: its rules need at least EC-P384"
    )


def test_a_key_type_of_another_family_is_not_accepted():
    assert check({"keyTypes": ["RSA-2048", "Ed25519"]}, key_type="EC-P256") == [
        ("csr", "key type EC-P256 is not accepted by p", "Use one of Ed25519, RSA-2048")
    ]


def test_a_dcv_method_the_product_does_not_offer():
    assert check({"authTypes": ["DNS", "EMAIL"]}, auth_type="file") == [
        ("dcv_method", "file validation is not offered for p", "Use one of dns, email")
    ]
    assert check({"authTypes": ["FILE"]}, auth_type="file") == []


def test_every_problem_is_reported_in_rule_order():
    problems = check(
        {"terms": [1], "allowSan": False, "wildcard": False, "keyTypes": ["RSA-4096"], "authTypes": ["dns"]},
        term=2,
        san_count=1,
        common_name="*.example.com",
        key_type="RSA-2048",
        auth_type="file",
    )
    assert [field for field, _problem, _fix in problems] == [
        "term",
        "subject_alt_names",
        "common_name",
        "csr",
        "dcv_method",
    ]


def test_chargeable_names_leave_out_the_common_name_and_the_free_companion():
    names = ["www.example.com", "Example.com", "shop.example.com", "shop.example.com"]
    assert products.chargeable_names({"freeCompanionSan": True}, "www.example.com", names) == ["shop.example.com"]
    assert products.chargeable_names({}, "www.example.com", names) == ["example.com", "shop.example.com"]
    assert products.chargeable_san_counts({"freeCompanionSan": "true"}, "*.example.com", ["example.com", "*.a.b"]) == (
        0,
        1,
    )


# ------------------------------------------------------------------------------------ pricing


def test_price_names_are_normalised_and_a_bad_one_is_named_by_its_given_index():
    params = {"subject_alt_names": ["", "Shop.Example.com.", "shop.example.com"], "common_name": " WWW.example.com "}
    assert products.price_names(params) == ("www.example.com", ["shop.example.com"])
    assert products.price_names({"subject_alt_names": None, "common_name": None}) == (None, None)
    with pytest.raises(FieldProblem) as info:
        products.price_names({"subject_alt_names": ["", "ok.example.com", "xn--zz.example.com"], "common_name": None})
    assert info.value.field == "subject_alt_names[2]"


def test_the_price_query_names_extra_names_only_when_there_are_any():
    assert products.price_query("ssl123", 1, 0, 0) == {"productKey": "ssl123", "term": 1}
    assert products.price_query("ssl123", 2, 3, 1) == {
        "productKey": "ssl123",
        "term": 2,
        "commonSAN": 3,
        "wildcardSAN": 1,
    }


def test_the_price_result_reads_amounts_and_keeps_the_asked_term_when_none_is_answered():
    data = {"price": "12.50", "currency": "USD", "priceBreakdown": {"baseCertPrice": "10", "commonSANPrice": "x"}}
    assert products.price_result(data, 2) == {
        "price": 12.5,
        "currency": "USD",
        "term": 2,
        "price_breakdown": {"base_cert_price": 10.0, "common_san_price": None, "wildcard_san_price": None},
    }
