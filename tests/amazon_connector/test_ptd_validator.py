"""PTDValidator against Amazon's real PRODUCT schema: each keyword on its own case."""

import copy
import json

import pytest

from amazon_connector.core.ptd import PTDValidator, clear_cache
from tests.sandbox.reference import base_dir

PTD_DIR = base_dir() / "ptd"
PRODUCT = PTD_DIR / "PRODUCT.json"
M = "ATVPDKIKX0DER"
L = "en_US"


@pytest.fixture(scope="module")
def schema():
    if not PRODUCT.exists():
        pytest.skip(f"Amazon reference schema absent: {PRODUCT}")
    return json.loads(PRODUCT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator(schema):
    return PTDValidator(schema)


def text(value):
    return [{"value": value, "language_tag": L, "marketplace_id": M}]


def per_marketplace(value):
    return [{"value": value, "marketplace_id": M}]


def valid_listing():
    """An MFN offer with everything PRODUCT requires, conditionally or not."""
    return {
        "item_name": text("Acme Stainless Steel Water Bottle, 750 ml"),
        "brand": text("Acme"),
        "externally_assigned_product_identifier": [
            {"type": "ean", "value": "4006381333931", "marketplace_id": M}
        ],
        "item_type_keyword": per_marketplace("water-bottles"),
        "bullet_point": text("Keeps drinks cold for 24 hours")
        + text("Dishwasher safe"),
        "product_description": text("A double-walled bottle for everyday use."),
        "color": text("Blue"),
        "country_of_origin": per_marketplace("DE"),
        "supplier_declared_dg_hz_regulation": per_marketplace("not_applicable"),
        "condition_type": per_marketplace("new_new"),
        "fulfillment_availability": [
            {"fulfillment_channel_code": "DEFAULT", "quantity": 12}
        ],
        "merchant_shipping_group": per_marketplace("legacy-template-id"),
        "purchasable_offer": [
            {
                "currency": "USD",
                "marketplace_id": M,
                "our_price": [{"schedule": [{"value_with_tax": 19.99}]}],
            }
        ],
        "generic_keyword": text("bottle flask"),
    }


def resolve(document, path):
    """Follow an RFC 6901 pointer; raises when it does not exist."""
    assert path == "" or path.startswith("/"), path
    node = document
    for token in path.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def only(issues, keyword):
    return [i for i in issues if i.keyword == keyword]


def value_schema(schema, attribute, field="value"):
    return schema["properties"][attribute]["items"]["properties"][field]


def test_valid_listing_has_no_issue(validator):
    assert validator.validate(valid_listing()) == []


def test_missing_attribute_is_an_error_named_by_title(validator):
    listing = valid_listing()
    del listing["brand"]
    issues = validator.validate(listing)
    assert [(i.keyword, i.severity, i.attribute) for i in issues] == [
        ("required", "error", "brand")
    ]
    assert issues[0].message.startswith("Brand Name:")


def test_utf8_byte_length_counts_bytes_not_characters(validator, schema):
    rule = value_schema(schema, "generic_keyword")
    assert rule["maxUtf8ByteLength"] < 200 * 2 and rule["maxLength"] >= 200
    listing = valid_listing()
    listing["generic_keyword"] = text("a" * 200)
    assert validator.validate(listing) == []
    listing["generic_keyword"] = text("é" * 200)  # 200 characters, 400 bytes
    issues = validator.validate(listing)
    assert [(i.keyword, i.path) for i in issues] == [
        ("maxUtf8ByteLength", "/generic_keyword/0/value")
    ]
    assert issues[0].severity == "error"
    assert issues[0].message.startswith("Generic Keyword:")
    assert "400 bytes" in issues[0].message


def test_min_utf8_byte_length(schema):
    custom = copy.deepcopy(schema)
    value_schema(custom, "item_name")["minUtf8ByteLength"] = 10
    validator = PTDValidator(custom)
    listing = valid_listing()
    listing["item_name"] = text("ÄÖÜäöü")  # 6 characters, 12 bytes
    assert validator.validate(listing) == []
    listing["item_name"] = text("Acme")
    issues = validator.validate(listing)
    assert [(i.keyword, i.path) for i in issues] == [
        ("minUtf8ByteLength", "/item_name/0/value")
    ]
    assert issues[0].message.startswith("Item Name:")


def test_max_unique_items_counts_per_selector_combination(validator):
    listing = valid_listing()
    listing["item_name"] = text("Acme bottle") + [
        {"value": "Acme Flasche", "language_tag": "de_DE", "marketplace_id": M}
    ]
    assert validator.validate(listing) == []
    listing["item_name"] = text("Acme bottle") + text("Acme bottle, blue")
    issues = validator.validate(listing)
    assert [(i.keyword, i.path) for i in issues] == [("maxUniqueItems", "/item_name")]
    assert issues[0].message.startswith("Title:")
    assert "marketplace_id and language_tag" in issues[0].message


def test_min_unique_items(schema):
    custom = copy.deepcopy(schema)
    custom["properties"]["bullet_point"]["minUniqueItems"] = 3
    validator = PTDValidator(custom)
    listing = valid_listing()
    issues = validator.validate(listing)
    assert [(i.keyword, i.path) for i in issues] == [
        ("minUniqueItems", "/bullet_point")
    ]
    listing["bullet_point"] += text("BPA free")
    assert validator.validate(listing) == []


def test_editable_warns_only_when_existing_value_changes(validator, schema):
    assert value_schema(schema, "brand")["editable"] is False
    assert value_schema(schema, "item_name")["editable"] is True
    existing = valid_listing()
    changed = valid_listing()
    changed["brand"] = text("Globex")
    changed["item_name"] = text("A new title is fine")
    assert validator.validate(changed) == []
    assert validator.validate(valid_listing(), existing=existing) == []
    issues = validator.validate(changed, existing=existing)
    assert [(i.keyword, i.severity, i.path) for i in issues] == [
        ("editable", "warning", "/brand/0/value")
    ]
    assert issues[0].message.startswith("Brand Name:")
    assert "'Acme'" in issues[0].message


def test_editable_pairs_items_by_selectors(validator):
    existing = valid_listing()
    new = valid_listing()
    de = {"value": "Acme DE", "language_tag": "de_DE", "marketplace_id": M}
    new["brand"] = [de] + new["brand"]  # same US brand, now second in the list
    assert validator.validate(new, existing=existing) == []


def test_deprecated_enum_value_warns(schema):
    custom = copy.deepcopy(schema)
    value_schema(custom, "condition_type")["$lifecycle"] = {
        "enumDeprecated": ["new_oem"],
        "enumReplacement": [{"value": "new_oem", "replacements": ["new_new"]}],
    }
    validator = PTDValidator(custom)
    listing = valid_listing()
    assert validator.validate(listing) == []
    listing["condition_type"] = per_marketplace("new_oem")
    issues = validator.validate(listing)
    assert [(i.keyword, i.severity, i.path) for i in issues] == [
        ("$lifecycle", "warning", "/condition_type/0/value")
    ]
    assert issues[0].message.startswith("Offering Condition Type:")
    assert "'new_new'" in issues[0].message


def test_conditional_requirement_reported_once(validator):
    listing = valid_listing()
    del listing["merchant_shipping_group"]
    issues = validator.validate(listing)
    assert [(i.keyword, i.path, i.attribute) for i in issues] == [
        ("required", "", "merchant_shipping_group")
    ]
    assert issues[0].schema_path.startswith("/allOf/")
    assert issues[0].message.startswith("Merchant Shipping Group:")
    assert "Fulfillment Availability" in issues[0].message
    listing["skip_offer"] = per_marketplace(True)  # the condition no longer holds
    assert validator.validate(listing) == []


def test_same_requirement_from_several_conditions_reported_once(schema):
    custom = copy.deepcopy(schema)
    rule = next(
        c
        for c in custom["allOf"]
        if c.get("then", {}).get("required") == ["merchant_shipping_group"]
    )
    twin = copy.deepcopy(rule)
    twin["if"] = {"required": ["condition_type"]}
    custom["allOf"].append(twin)
    validator = PTDValidator(custom)
    listing = valid_listing()
    del listing["merchant_shipping_group"]
    raw = list(validator._compiled.validator.iter_errors(listing))
    assert len(raw) == 2  # jsonschema reports the same missing attribute twice
    issues = validator.validate(listing)
    assert [(i.keyword, i.attribute) for i in issues] == [
        ("required", "merchant_shipping_group")
    ]


def test_nested_conditional_requirement_points_to_the_item(validator):
    listing = valid_listing()
    listing["fulfillment_availability"] = [{"fulfillment_channel_code": "DEFAULT"}]
    issues = validator.validate(listing)
    assert [i.path for i in issues] == ["/fulfillment_availability/0"] * 2
    assert {i.message.split(":")[0] for i in issues} == {
        "Quantity",
        "Inventory Available",
    }


def test_forbidden_combination_points_to_the_offending_field(validator):
    listing = valid_listing()
    listing["fulfillment_availability"] = [
        {
            "fulfillment_channel_code": "DEFAULT",
            "quantity": 3,
            "is_inventory_available": True,
        }
    ]
    issues = validator.validate(listing)
    assert {(i.keyword, i.path) for i in issues} == {
        ("not", "/fulfillment_availability/0/quantity"),
        ("not", "/fulfillment_availability/0/is_inventory_available"),
    }
    assert {i.message.split(":")[0] for i in issues} == {
        "Quantity",
        "Inventory Available",
    }


def broken_listings():
    listing = valid_listing()
    listing["country_of_origin"] = per_marketplace("XX")
    listing["unknown/attr~1"] = [{"value": 1}]
    listing["item_name"] = text("é" * 70000)
    listing["bullet_point"] = text(42)
    listing["fulfillment_availability"] = [
        {"fulfillment_channel_code": "DEFAULT", "quantity": -1, "bogus": True}
    ]
    listing["generic_keyword"] += text("dup")
    del listing["brand"]
    yield listing
    yield {}
    yield {"item_name": "not a list"}


def test_issue_paths_are_pointers_into_the_input(validator):
    count = 0
    for listing in broken_listings():
        for issue in validator.validate(listing):
            resolve(listing, issue.path)
            count += 1
    assert count > 10


def test_messages_name_the_schema_title(validator):
    listing = next(broken_listings())
    messages = {i.path: i.message for i in validator.validate(listing)}
    assert messages["/country_of_origin/0/value"].startswith("Country of Origin:")
    assert "'XX'" in messages["/country_of_origin/0/value"]
    assert messages["/item_name/0/value"].startswith("Item Name:")
    assert messages["/bullet_point/0/value"].startswith("Bullet Point: must be text")
    assert messages["/unknown~1attr~01"].startswith("This product type:")
    assert messages["/fulfillment_availability/0/bogus"].startswith(
        "Fulfillment Availability:"
    )
    assert messages["/fulfillment_availability/0/quantity"].startswith("Quantity:")


def test_all_issues_are_errors_or_warnings(validator):
    for listing in broken_listings():
        for issue in validator.validate(listing, existing=valid_listing()):
            assert issue.severity in ("error", "warning")
            assert issue.keyword and issue.message


def test_cached_validator_survives_clear_cache(schema):
    clear_cache()
    assert PTDValidator(schema).validate(valid_listing()) == []
