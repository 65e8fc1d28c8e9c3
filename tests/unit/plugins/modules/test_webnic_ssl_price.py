# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""webnic_ssl_price and webnic_ssl_product_info against the simulator."""

from ansible_collections.webnic.ssl.plugins.modules import webnic_ssl_price, webnic_ssl_product_info

from .runner import connection_args, run_module


def write_calls(stats):
    return {k: v for k, v in stats["calls"].items() if not k.startswith("GET ") and "token" not in k}


def test_price_matches_the_documented_example(simulator):
    result = run_module(
        webnic_ssl_price,
        connection_args(simulator, product_key="ssl123", term=1, san_count=2, wildcard_san_count=1),
    )
    assert not result.failed, result
    assert result["price"] == 50.0
    assert result["currency"] == "USD"
    assert result["price_breakdown"] == {"base_cert_price": 10.0, "common_san_price": 20.0, "wildcard_san_price": 20.0}
    assert result["changed"] is False
    if any(item in ("assumed", "assumed-reads") for item in simulator.missing):
        # Get SSL Rules (assumed) answers 404: the product list row gives the rules, reported as skipped.
        assert result["api_calls"] == 4  # token, rules (404), product list, price
        assert [entry["path"] for entry in result["skipped_checks"]] == ["GET /ssl/v2/products/rules"]
    else:
        assert result["api_calls"] == 3  # token, rules, price


def test_names_are_counted_into_plain_and_wildcard_sans(simulator):
    result = run_module(
        webnic_ssl_price,
        connection_args(
            simulator, product_key="ssl123", subject_alt_names=["a.example.com", "*.example.com", "B.example.com"]
        ),
    )
    assert (result["san_count"], result["wildcard_san_count"]) == (2, 1)
    assert result["price"] == 50.0


def test_too_many_sans_fail_before_the_price_call(simulator):
    names = ["n%d.example.com" % i for i in range(10)]
    result = run_module(webnic_ssl_price, connection_args(simulator, product_key="ssl123", subject_alt_names=names))
    assert result.failed
    assert result["msg"].startswith("subject_alt_names:")
    assert "maximum" in result["msg"]
    assert "GET /ssl/v2/products/pricing" not in simulator.stats()["calls"]


def test_term_not_offered_names_the_field(simulator):
    result = run_module(webnic_ssl_price, connection_args(simulator, product_key="ssl123", term=7))
    assert result.failed
    assert result["msg"].startswith("term:")


def test_unknown_product_is_a_clear_api_error(simulator):
    result = run_module(webnic_ssl_price, connection_args(simulator, product_key="no-such-product"))
    assert result.failed
    assert "WebNIC" in result["msg"]
    assert "Traceback" not in result["_stdout"]


def test_check_mode_prices_the_same_and_writes_nothing(simulator):
    result = run_module(webnic_ssl_price, connection_args(simulator, product_key="ssl123"), check_mode=True)
    assert result["price"] == 10.0
    assert write_calls(simulator.stats()) == {}


def test_missing_credentials_name_the_option_and_env_var(simulator):
    result = run_module(webnic_ssl_price, {"api_endpoint": simulator.url, "product_key": "ssl123"})
    assert result.failed
    assert result["msg"].startswith("api_username:")
    assert "WEBNIC_API_USERNAME" in result["msg"]
    assert simulator.stats()["total"] == 0


def test_credentials_from_environment(simulator):
    env = {
        "WEBNIC_API_USERNAME": "api-demo",
        "WEBNIC_API_PASSWORD": "demo-secret",
        "WEBNIC_API_ENDPOINT": simulator.url,
    }
    result = run_module(webnic_ssl_price, {"product_key": "ssl123"}, env=env)
    assert not result.failed, result
    assert "demo-secret" not in result["_stdout"]


def test_bad_endpoint_value_names_the_field():
    result = run_module(
        webnic_ssl_price,
        {
            "api_endpoint": "staging",
            "api_username": "someone",
            "api_password": "long-secret-x",
            "product_key": "ssl123",
        },
    )
    assert result.failed
    assert result["msg"].startswith("api_endpoint:")


def test_validate_certs_false_warns(simulator_tls):
    args = connection_args(simulator_tls, product_key="ssl123", validate_certs=False)
    args.pop("ca_path", None)
    result = run_module(webnic_ssl_price, args)
    assert not result.failed, result
    assert any("validate_certs=false" in w for w in result.get("warnings", []))


def test_password_never_in_output(simulator):
    result = run_module(webnic_ssl_price, connection_args(simulator, product_key="ssl123"))
    assert "demo-secret" not in result["_stdout"]


def test_product_info_lists_and_describes(simulator):
    listing = run_module(webnic_ssl_product_info, connection_args(simulator))
    keys = {p["productKey"] for p in listing["products"]}
    assert "ssl123" in keys and len(keys) >= 5
    ov = run_module(webnic_ssl_product_info, connection_args(simulator, cert_type="OV"))
    assert ov["products"] and all(p["certType"] == "OV" for p in ov["products"])
    one = run_module(webnic_ssl_product_info, connection_args(simulator, product_key="ssl123"))
    assert one["product"]["productKey"] == "ssl123"
    assert 1 in one["rules"]["terms"]
    assert one["changed"] is False


def test_names_are_counted_as_the_order_counts_them(simulator):
    result = run_module(
        webnic_ssl_price,
        connection_args(
            simulator,
            product_key="ssl123",
            common_name="www.example.com",
            subject_alt_names=["WWW.example.com", "mail.example.com", "*.example.com"],
            dcv_method="dns",
        ),
    )
    assert not result.failed, result
    # The common name is in the base price, whatever its spelling in the list.
    assert (result["san_count"], result["wildcard_san_count"]) == (1, 1)


def test_a_product_rule_error_names_the_field_as_the_order_does(simulator):
    result = run_module(
        webnic_ssl_price,
        connection_args(
            simulator, product_key="rapidssl", common_name="www.example.com", subject_alt_names=["a.example.com"]
        ),
    )
    assert result.failed
    assert result["msg"].startswith("subject_alt_names: rapidssl does not accept extra names (SANs).")
    price_calls = simulator.stats()["calls"].get("GET /ssl/v2/products/pricing", 0)
    assert price_calls == 0, "no price asked for a refused request"


def test_a_wildcard_common_name_needs_a_wildcard_product(simulator):
    result = run_module(webnic_ssl_price, connection_args(simulator, product_key="ssl123", common_name="*.example.com"))
    assert result.failed
    assert result["msg"].startswith("common_name: ssl123 does not issue wildcard certificates.")


def test_a_validation_method_the_product_does_not_offer_is_refused(simulator):
    result = run_module(
        webnic_ssl_price,
        connection_args(simulator, product_key="rapidssl-wildcard", common_name="*.example.com", dcv_method="file"),
    )
    assert result.failed
    assert result["field"] == "dcv_method"


def test_a_plain_common_name_on_a_wildcard_product_is_refused_before_any_price_call(simulator):
    # The same rule as webnic_ssl_csr and webnic_ssl_order (products.check_against_rules).
    result = run_module(
        webnic_ssl_price, connection_args(simulator, product_key="rapidssl-wildcard", common_name="www.example.com")
    )
    assert result.failed
    assert result["msg"] == (
        "common_name: rapidssl-wildcard is a wildcard product: the common name must be *.<domain>, "
        "got www.example.com. Use common_name: *.www.example.com or a non-wildcard product."
    )
    assert simulator.stats()["calls"].get("GET /ssl/v2/products/pricing", 0) == 0
