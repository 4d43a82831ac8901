"""core.listings: attributes from product data, requirements, patches, feeds
and processing reports (pure Python, Amazon's real PRODUCT schema)."""

import copy
import json
from decimal import Decimal

import pytest
from listing_support import (
    PRODUCT,
    L,
    M,
    complete_attributes,
    complete_product,
    per_marketplace,
    product_schema,
    text,
)

from amazon_connector.core import listings
from amazon_connector.core.listings import (
    DEFAULT_CHANNEL,
    FEED_MAX_MESSAGES,
    AmazonIssue,
    ProductData,
)
from amazon_connector.core.ptd import PTDValidator

FEED_SCHEMA = (
    PRODUCT.parents[1] / "sp-api-models/schemas/feeds/listings-feed-schema-v2.json"
)
DE = "A1PA6795UKMFR9"


@pytest.fixture(scope="module")
def schema():
    return product_schema()


# --- gtin_type -------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, kind",
    [
        ("036000291452", "upc"),
        ("4006381333931", "ean"),
        ("10012345678902", "gtin"),
        (" 4006381333931 ", "ean"),
    ],
)
def test_gtin_type_of_valid_codes(code, kind):
    assert listings.gtin_type(code) == kind


@pytest.mark.parametrize(
    "code",
    [
        "036000291453",  # UPC, wrong check digit
        "4006381333932",  # EAN, wrong check digit
        "10012345678901",  # GTIN-14, wrong check digit
        "40063813339A1",  # a letter
        "ABCDEFGHIJKL",
        "96385074",  # EAN-8: not an Amazon product id type here
        "",
        None,
        "400638133393100",  # 15 digits
    ],
)
def test_gtin_type_refuses_invalid_codes(code):
    assert listings.gtin_type(code) is None


# --- product_attributes ------------------------------------------------------------


def test_product_attributes_fill_selectors_and_values():
    attributes = listings.product_attributes(complete_product(), M, L)
    assert attributes["item_name"] == [
        text("Acme Stainless Steel Water Bottle, 750 ml")
    ]
    assert attributes["brand"] == [text("Acme")]
    assert attributes["product_description"] == [
        text("A double-walled bottle for everyday use.")
    ]
    assert attributes["externally_assigned_product_identifier"] == [
        {"marketplace_id": M, "type": "ean", "value": "4006381333931"}
    ]
    assert attributes["country_of_origin"] == per_marketplace("DE")
    assert attributes["condition_type"] == per_marketplace("new_new")
    assert attributes["purchasable_offer"] == [
        {
            "marketplace_id": M,
            "currency": "USD",
            "our_price": [{"schedule": [{"value_with_tax": 19.99}]}],
        }
    ]
    # Quantity only ever sets the merchant (DEFAULT) channel, never a marketplace.
    assert attributes["fulfillment_availability"] == [
        {"fulfillment_channel_code": DEFAULT_CHANNEL, "quantity": 12}
    ]


def test_product_attributes_units_mapped_to_amazon_names():
    attributes = listings.product_attributes(
        complete_product(package=(300, 100.004, 85, "mm"), weight=(1.5, "kg")), M, L
    )
    assert attributes["item_package_dimensions"] == [
        {
            "marketplace_id": M,
            "length": {"value": 300, "unit": "millimeters"},
            "width": {"value": 100, "unit": "millimeters"},
            "height": {"value": 85, "unit": "millimeters"},
        }
    ]
    assert attributes["item_package_weight"] == [
        {"marketplace_id": M, "value": 1.5, "unit": "kilograms"}
    ]


def test_product_attributes_skip_unknown_units_and_empty_values():
    data = ProductData(
        title="Bare",
        barcode="4006381333932",  # bad check digit: no identifier
        package=(10, 0, 5, "cm"),  # a zero side: no dimensions
        weight=(2, "stone"),  # unknown unit
        price=9.5,  # no currency: no offer
        condition="",
    )
    attributes = listings.product_attributes(data, M, L)
    assert attributes == {"item_name": [text("Bare")]}


def test_product_attributes_images_main_then_eight_others():
    images = [f"https://img.example.com/{i}.jpg" for i in range(12)]
    attributes = listings.product_attributes(complete_product(images=images), M, L)
    assert attributes["main_product_image_locator"] == [
        {"marketplace_id": M, "media_location": images[0]}
    ]
    others = sorted(k for k in attributes if k.startswith("other_product_image"))
    assert others == [f"other_product_image_locator_{i}" for i in range(1, 9)]
    for index in range(1, 9):
        assert attributes[f"other_product_image_locator_{index}"] == [
            {"marketplace_id": M, "media_location": images[index]}
        ]


def test_product_attributes_few_images_and_no_quantity():
    images = ["https://img.example.com/a.jpg", "https://img.example.com/b.jpg"]
    attributes = listings.product_attributes(
        complete_product(images=images, quantity=None), M, L
    )
    assert "fulfillment_availability" not in attributes
    assert (
        attributes["other_product_image_locator_1"][0]["media_location"] == (images[1])
    )
    assert "other_product_image_locator_2" not in attributes


def test_product_attributes_zero_quantity_is_sent():
    attributes = listings.product_attributes(complete_product(quantity=0), M, L)
    assert attributes["fulfillment_availability"] == [
        {"fulfillment_channel_code": "DEFAULT", "quantity": 0}
    ]


def test_product_attributes_drop_what_the_schema_does_not_define():
    data = complete_product()
    full = listings.product_attributes(data, M, L)
    narrow = {"properties": {"item_name": {}, "brand": {}}}
    assert listings.product_attributes(data, M, L, narrow) == {
        "item_name": full["item_name"],
        "brand": full["brand"],
    }


def test_product_attributes_with_product_schema(schema):
    data = complete_product()
    full = listings.product_attributes(data, M, L)
    # PRODUCT defines every attribute generated from complete product data...
    assert listings.product_attributes(data, M, L, schema) == full
    # ...and what a schema lacks is dropped, the rest kept as it is.
    narrower = copy.deepcopy(schema)
    del narrower["properties"]["item_package_weight"]
    del narrower["properties"]["other_product_image_locator_8"]
    kept = listings.product_attributes(data, M, L, narrower)
    assert set(full) - set(kept) == {
        "item_package_weight",
        "other_product_image_locator_8",
    }
    assert all(kept[name] == full[name] for name in kept)


def test_complete_product_validates_under_product_schema(schema):
    attributes = complete_attributes(schema)
    validator = PTDValidator(schema)
    assert validator.errors(attributes) == []
    # The test can fail: one required attribute removed is reported.
    del attributes["brand"]
    assert [i.attribute for i in validator.errors(attributes)] == ["brand"]


# --- requirements, skeleton, fill_selectors ------------------------------------


def test_requirements_of_product(schema):
    found = {
        name: (title, depends) for name, title, depends in listings.requirements(schema)
    }
    for name in schema["required"]:
        assert name in found, name
        title, depends = found[name]
        assert title == schema["properties"][name]["title"]
        assert depends == []
    assert found["item_name"] == ("Title", [])
    assert found["brand"] == ("Brand Name", [])
    title, depends = found["condition_type"]
    assert title == schema["properties"]["condition_type"]["title"]
    assert depends and all(isinstance(d, str) for d in depends)
    assert "Offering Condition Type" not in depends
    names = [name for name, _title, _depends in listings.requirements(schema)]
    order = list(schema["properties"])
    assert names == sorted(names, key=order.index)


def test_requirements_of_a_small_schema():
    small = {
        "properties": {
            "a": {"title": "A"},
            "b": {"title": "B"},
            "c": {"title": "C"},
        },
        "required": ["c"],
        "allOf": [
            {"if": {"required": ["a"]}, "then": {"required": ["b", "c"]}},
            {"then": {"required": ["a"]}},  # no condition: ignored
        ],
    }
    assert listings.requirements(small) == [("b", "B", ["A"]), ("c", "C", [])]


def test_skeleton_fills_selectors_and_empties_the_rest(schema):
    assert listings.skeleton(schema, "bullet_point", M, L) == [
        {"marketplace_id": M, "language_tag": L, "value": ""}
    ]
    assert listings.skeleton(schema, "item_type_keyword", M, L) == [
        {"marketplace_id": M, "value": ""}
    ]
    assert listings.skeleton(schema, "no_such_attribute", M, L) == [{"value": ""}]


def test_fill_selectors_adds_what_the_schema_expects(schema):
    typed = {
        "bullet_point": [
            {"value": "Light"},
            {"value": "Leicht", "language_tag": "de_DE"},
        ],
        "item_type_keyword": {"value": "water-bottles"},
        "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT"}],
        "unknown_thing": [{"value": 1}, "raw"],
    }
    original = copy.deepcopy(typed)
    filled = listings.fill_selectors(typed, schema, M, L)
    assert typed == original  # a copy
    assert filled == {
        "bullet_point": [
            {"marketplace_id": M, "language_tag": L, "value": "Light"},
            {"marketplace_id": M, "language_tag": "de_DE", "value": "Leicht"},
        ],
        "item_type_keyword": [{"marketplace_id": M, "value": "water-bottles"}],
        "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT"}],
        "unknown_thing": [{"value": 1}, "raw"],
    }


# --- diff_patches / apply_patches -------------------------------------------------


OLD = {
    "item_name": [text("Bottle"), text("Flasche", "de_DE")],
    "brand": [text("Acme")],
    "color": [text("Blue")],
    "fulfillment_availability": [
        {"fulfillment_channel_code": "AMAZON_NA"},
        {"fulfillment_channel_code": "DEFAULT", "quantity": 5},
    ],
}


def test_diff_unchanged_is_empty(schema):
    assert listings.diff_patches(OLD, copy.deepcopy(OLD), schema) == []
    assert listings.diff_patches(OLD, copy.deepcopy(OLD)) == []


def test_diff_changed_attribute_is_a_single_replace(schema):
    new = copy.deepcopy(OLD)
    new["brand"] = [text("Acme Corp")]
    assert listings.diff_patches(OLD, new, schema) == [
        {"op": "replace", "path": "/attributes/brand", "value": [text("Acme Corp")]}
    ]


def test_diff_removed_language_deletes_its_selectors_then_replaces(schema):
    new = copy.deepcopy(OLD)
    new["item_name"] = [text("Bottle 2")]
    assert listings.diff_patches(OLD, new, schema) == [
        {
            "op": "delete",
            "path": "/attributes/item_name",
            "value": [{"marketplace_id": M, "language_tag": "de_DE"}],
        },
        {"op": "replace", "path": "/attributes/item_name", "value": [text("Bottle 2")]},
    ]


def test_diff_removed_attribute_deletes_all_values(schema):
    new = copy.deepcopy(OLD)
    del new["item_name"]
    assert listings.diff_patches(OLD, new, schema) == [
        {
            "op": "delete",
            "path": "/attributes/item_name",
            "value": [
                {"marketplace_id": M, "language_tag": L},
                {"marketplace_id": M, "language_tag": "de_DE"},
            ],
        }
    ]


def test_diff_patches_sorted_by_attribute_name(schema):
    new = copy.deepcopy(OLD)
    new["color"] = [text("Red")]
    new["brand"] = [text("Other")]
    paths = [p["path"] for p in listings.diff_patches(OLD, new, schema)]
    assert paths == ["/attributes/brand", "/attributes/color"]


def test_selectors_from_schema_else_fallback(schema):
    old = {
        "externally_assigned_product_identifier": [
            {"marketplace_id": M, "type": "ean", "value": "4006381333931"}
        ]
    }
    new = {
        "externally_assigned_product_identifier": [
            {"marketplace_id": M, "type": "upc", "value": "036000291452"}
        ]
    }
    # The schema's selectors include ``type``: the EAN value is gone.
    assert listings.selectors_of(schema, "externally_assigned_product_identifier") == [
        "marketplace_id",
        "type",
    ]
    assert listings.diff_patches(old, new, schema)[0] == {
        "op": "delete",
        "path": "/attributes/externally_assigned_product_identifier",
        "value": [{"marketplace_id": M, "type": "ean"}],
    }
    # Without a schema only the usual selectors count: same marketplace, so
    # the value is replaced, nothing deleted.
    assert listings.selectors_of(
        None,
        "externally_assigned_product_identifier",
        old["externally_assigned_product_identifier"],
    ) == ["marketplace_id"]
    assert [p["op"] for p in listings.diff_patches(old, new)] == ["replace"]


def test_apply_merge_of_default_quantity_keeps_other_values(schema):
    attributes = {
        "fulfillment_availability": [
            {"fulfillment_channel_code": "AMAZON_NA"},
            {
                "fulfillment_channel_code": "DEFAULT",
                "quantity": 5,
                "lead_time_to_ship_max_days": 3,
            },
        ]
    }
    patches = listings.offer_patches(M, quantity=9)
    for used in (schema, None):
        result = listings.apply_patches(attributes, patches, used)
        assert result["fulfillment_availability"] == [
            {"fulfillment_channel_code": "AMAZON_NA"},
            {
                "fulfillment_channel_code": "DEFAULT",
                "quantity": 9,
                "lead_time_to_ship_max_days": 3,
            },
        ]
    assert attributes["fulfillment_availability"][1]["quantity"] == 5  # a copy


def test_apply_merge_appends_a_missing_value(schema):
    attributes = {
        "fulfillment_availability": [{"fulfillment_channel_code": "AMAZON_NA"}]
    }
    result = listings.apply_patches(
        attributes, listings.offer_patches(M, quantity=4), schema
    )
    assert result["fulfillment_availability"] == [
        {"fulfillment_channel_code": "AMAZON_NA"},
        {"fulfillment_channel_code": "DEFAULT", "quantity": 4},
    ]


def test_apply_merge_of_price_keeps_other_offer_keys(schema):
    attributes = {
        "purchasable_offer": [
            {
                "marketplace_id": M,
                "currency": "USD",
                "our_price": [{"schedule": [{"value_with_tax": 10}]}],
                "start_at": {"value": "2024-01-01"},
            }
        ]
    }
    result = listings.apply_patches(
        attributes, listings.offer_patches(M, "USD", Decimal("12.50")), schema
    )
    assert result["purchasable_offer"] == [
        {
            "marketplace_id": M,
            "currency": "USD",
            "our_price": [{"schedule": [{"value_with_tax": 12.5}]}],
            "start_at": {"value": "2024-01-01"},
        }
    ]


def test_apply_delete_by_selectors(schema):
    patch = {
        "op": "delete",
        "path": "/attributes/item_name",
        "value": [{"marketplace_id": M, "language_tag": "de_DE"}],
    }
    result = listings.apply_patches(OLD, [patch], schema)
    assert result["item_name"] == [text("Bottle")]
    assert result["brand"] == OLD["brand"]
    # Deleting the last value, or with no value, removes the attribute.
    patch["value"] = [{"marketplace_id": M, "language_tag": L}]
    assert "item_name" not in listings.apply_patches(result, [patch], schema)
    whole = {"op": "delete", "path": "/attributes/color"}
    assert "color" not in listings.apply_patches(OLD, [whole], schema)


def test_apply_replace_and_add(schema):
    patches = [
        {"op": "replace", "path": "/attributes/brand", "value": [text("New")]},
        {"op": "add", "path": "/attributes/bullet_point", "value": [text("One")]},
    ]
    result = listings.apply_patches(OLD, patches, schema)
    assert result["brand"] == [text("New")]
    assert result["bullet_point"] == [text("One")]
    assert result["item_name"] == OLD["item_name"]


def _changed_cases():
    renamed = copy.deepcopy(OLD)
    renamed["brand"] = [text("Other")]
    language_gone = copy.deepcopy(OLD)
    language_gone["item_name"] = [text("Bottle")]
    removed = copy.deepcopy(OLD)
    del removed["color"]
    del removed["fulfillment_availability"]
    added = copy.deepcopy(OLD)
    added["bullet_point"] = [text("One"), text("Two")]
    channel_gone = copy.deepcopy(OLD)
    channel_gone["fulfillment_availability"] = [
        {"fulfillment_channel_code": "DEFAULT", "quantity": 7}
    ]
    everything = {"item_name": [text("Fresh", "fr_FR", DE)]}
    return [renamed, language_gone, removed, added, channel_gone, everything, {}]


@pytest.mark.parametrize("index", range(len(_changed_cases())))
@pytest.mark.parametrize("with_schema", [True, False])
def test_apply_of_diff_gives_the_new_attributes(schema, index, with_schema):
    used = schema if with_schema else None
    new = _changed_cases()[index]
    patches = listings.diff_patches(OLD, new, used)
    assert patches
    assert listings.apply_patches(OLD, patches, used) == new
    assert (
        listings.apply_patches(new, listings.diff_patches(new, OLD, used), used) == OLD
    )


def test_apply_of_diff_on_generated_attributes(schema):
    old = complete_attributes(schema)
    new = complete_attributes(
        schema, price=Decimal(17), quantity=3, images=["https://img.example.com/x.jpg"]
    )
    patches = listings.diff_patches(old, new, schema)
    assert {p["path"] for p in patches} >= {
        "/attributes/purchasable_offer",
        "/attributes/fulfillment_availability",
        "/attributes/main_product_image_locator",
        "/attributes/other_product_image_locator_1",
    }
    assert listings.apply_patches(old, patches, schema) == new


@pytest.mark.parametrize("before", [[], {"value": 1}])
def test_removed_attribute_without_list_values_is_deleted(before):
    old = {"brand": [text("Acme")], "gift_options": before}
    new = {"brand": [text("Acme")]}
    patches = listings.diff_patches(old, new)
    assert [p["path"] for p in patches] == ["/attributes/gift_options"]
    assert listings.apply_patches(old, patches) == new


# --- offer_patches, quantities, prices --------------------------------------------


def test_offer_patches_price_and_quantity():
    patches = listings.offer_patches(M, "USD", Decimal("24.50"), 7)
    assert patches == [
        {
            "op": "merge",
            "path": "/attributes/purchasable_offer",
            "value": [
                {
                    "marketplace_id": M,
                    "currency": "USD",
                    "our_price": [{"schedule": [{"value_with_tax": 24.5}]}],
                }
            ],
        },
        {
            "op": "merge",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 7}],
        },
    ]


def test_offer_patches_price_only_quantity_only_nothing():
    assert [p["path"] for p in listings.offer_patches(M, "USD", 10)] == [
        "/attributes/purchasable_offer"
    ]
    only_quantity = listings.offer_patches(M, quantity=0)
    assert only_quantity == [
        {
            "op": "merge",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}],
        }
    ]
    assert listings.offer_patches(M) == []


def test_offer_value_has_no_float_noise():
    value = listings.offer_value(M, "EUR", 0.1 + 0.2)
    assert value[0]["our_price"][0]["schedule"][0]["value_with_tax"] == 0.3
    value = listings.offer_value(M, "EUR", Decimal("20.00"))
    assert value[0]["our_price"][0]["schedule"][0]["value_with_tax"] == 20
    assert isinstance(value[0]["our_price"][0]["schedule"][0]["value_with_tax"], int)


@pytest.mark.parametrize(
    "free, buffer, expected",
    [
        (10, 2, 8),
        (10, 0, 10),
        (2, 5, 0),  # never negative
        (-4, 0, 0),
        (10, -3, 10),  # a negative buffer counts as none
        (7.9, 0, 7),  # fractional free quantity floors
        (7.9, 2, 5),
        (0.5, 0, 0),
        (None, None, 0),
        (5, None, 5),
    ],
)
def test_mfn_quantity(free, buffer, expected):
    assert listings.mfn_quantity(free, buffer) == expected


def test_listed_price_and_channels():
    attributes = {
        "purchasable_offer": [
            listings.offer_value(DE, "EUR", 18)[0],
            listings.offer_value(M, "USD", "21.5")[0],
        ],
        "fulfillment_availability": [
            {"fulfillment_channel_code": "AMAZON_NA"},
            {"fulfillment_channel_code": "DEFAULT", "quantity": 4},
            "junk",
        ],
    }
    assert listings.listed_price(attributes, M) == 21.5
    assert listings.listed_price(attributes, DE) == 18
    assert listings.listed_price(attributes, "OTHER") is None
    assert listings.listed_price({}, M) is None
    broken = {"purchasable_offer": [{"marketplace_id": M, "our_price": []}]}
    assert listings.listed_price(broken, M) is None
    anywhere = {
        "purchasable_offer": [{"our_price": [{"schedule": [{"value_with_tax": 3}]}]}]
    }
    assert listings.listed_price(anywhere, M) == 3
    assert listings.channels(attributes) == {"AMAZON_NA": None, "DEFAULT": 4}
    assert listings.channels({}) == {}


# --- feeds ------------------------------------------------------------------------


def _feed_messages(schema=None):
    attributes = (
        complete_attributes(schema)
        if schema
        else listings.product_attributes(complete_product(), M, L)
    )
    return [
        listings.update_message(1, "SKU-1", "PRODUCT", attributes),
        listings.patch_message(
            2, "SKU-2", "PRODUCT", listings.offer_patches(M, "USD", 5, 3)
        ),
    ]


def test_feed_document_header_and_messages():
    messages = _feed_messages()
    document = json.loads(listings.feed_document("A1SELLER", messages).decode("utf-8"))
    assert document == {
        "header": {"sellerId": "A1SELLER", "version": "2.0"},
        "messages": messages,
    }
    assert messages[0]["operationType"] == "UPDATE"
    assert messages[0]["requirements"] == "LISTING"
    assert messages[1]["operationType"] == "PATCH"
    with_locale = json.loads(listings.feed_document("A1SELLER", messages, "de_DE"))
    assert with_locale["header"]["issueLocale"] == "de_DE"


def test_feed_document_keeps_unicode():
    message = listings.update_message(
        1, "S", "PRODUCT", {"item_name": [text("Tasse ☕ groß")]}
    )
    content = listings.feed_document("A1", [message])
    assert "Tasse ☕ groß".encode() in content


def test_feed_document_limits():
    with pytest.raises(ValueError, match="at least one message"):
        listings.feed_document("A1", [])
    message = listings.patch_message(
        1, "S", "PRODUCT", listings.offer_patches(M, quantity=1)
    )
    assert listings.feed_document("A1", [message] * FEED_MAX_MESSAGES)
    with pytest.raises(ValueError, match=str(FEED_MAX_MESSAGES + 1)):
        listings.feed_document("A1", [message] * (FEED_MAX_MESSAGES + 1))


def test_feed_document_matches_amazon_feed_schema(schema):
    if not FEED_SCHEMA.exists():
        pytest.skip(f"Amazon's listings feed schema is absent: {FEED_SCHEMA}")
    from jsonschema import Draft7Validator

    validator = Draft7Validator(json.loads(FEED_SCHEMA.read_text(encoding="utf-8")))
    document = json.loads(
        listings.feed_document("A1SELLER", _feed_messages(schema), "en_US")
    )
    assert [e.message for e in validator.iter_errors(document)] == []
    # The validator does catch a broken document.
    document["header"]["version"] = "1.0"
    assert list(validator.iter_errors(document))


# --- read_report --------------------------------------------------------------------


REPORT = {
    "header": {"sellerId": "A1SELLER", "version": "2.0", "feedId": "50001"},
    "issues": [
        {
            "messageId": 2,
            "sku": "SKU-2",
            "code": "90220",
            "severity": "ERROR",
            "message": "'brand' is required but not supplied.",
            "attributeName": "brand",
        },
        {
            "messageId": 2,
            "sku": "SKU-2",
            "code": 18027,
            "severity": "WARNING",
            "message": "Check the color.",
        },
        {
            "messageId": 3,
            "sku": "SKU-3",
            "code": "1",
            "severity": "info",
            "message": "ok",
        },
        {"code": "100001", "severity": "ERROR", "message": "Feed-wide problem."},
        {"code": "5", "severity": "FUNNY", "message": "Unknown severity."},
        "not an issue",
    ],
    "summary": {
        "errors": 3,
        "warnings": 1,
        "messagesProcessed": 3,
        "messagesAccepted": 2,
        "messagesInvalid": 1,
    },
}


@pytest.mark.parametrize("encode", [True, False])
def test_read_report_groups_issues(encode):
    content = json.dumps(REPORT)
    result = listings.read_report(content.encode() if encode else content)
    assert set(result.by_message) == {2, 3}
    assert result.by_message[2] == [
        AmazonIssue("90220", "error", "'brand' is required but not supplied.", "brand"),
        AmazonIssue("18027", "warning", "Check the color.", None),
    ]
    assert result.by_message[3] == [AmazonIssue("1", "info", "ok", None)]
    assert result.general == [
        AmazonIssue("100001", "error", "Feed-wide problem.", None),
        AmazonIssue("5", "error", "Unknown severity.", None),
    ]
    assert result.summary == REPORT["summary"]
    assert 1 not in result.by_message


def test_amazon_issue_from_the_listings_api():
    raw = {
        "code": "90220",
        "message": "'brand' is required",
        "severity": "ERROR",
        "attributeNames": ["brand", "item_name"],
    }
    assert listings.amazon_issue(raw) == AmazonIssue(
        "90220", "error", "'brand' is required", "brand"
    )


@pytest.mark.parametrize("content", [b"not json{", "[1, 2]", b"\xff\xfe", ""])
def test_read_report_refuses_what_is_not_a_report(content):
    with pytest.raises(ValueError, match="processing report"):
        listings.read_report(content)


def test_read_report_of_an_empty_report():
    result = listings.read_report(b"{}")
    assert (result.by_message, result.general, result.summary) == ({}, [], {})


# --- regenerate ---------------------------------------------------------------


def test_regenerate_keeps_fba_channel_sale_price_and_hand_typed_attributes():
    existing = {
        "item_name": [text("Old title")],
        "color": [text("Red")],
        "fulfillment_availability": [
            {"fulfillment_channel_code": "AMAZON_NA"},
            {"fulfillment_channel_code": "DEFAULT", "quantity": 1},
        ],
        "purchasable_offer": [
            {
                "marketplace_id": M,
                "currency": "USD",
                "our_price": [{"schedule": [{"value_with_tax": 10}]}],
                "discounted_price": [{"schedule": [{"value_with_tax": 8}]}],
            }
        ],
    }
    generated = {
        "item_name": [text("New title")],
        "fulfillment_availability": [
            {"fulfillment_channel_code": "DEFAULT", "quantity": 9}
        ],
        "purchasable_offer": listings.offer_value(M, "USD", 12),
    }
    result = listings.regenerate(existing, generated)
    assert result["item_name"] == [text("New title")]
    assert result["color"] == [text("Red")]
    assert result["fulfillment_availability"] == [
        {"fulfillment_channel_code": "AMAZON_NA"},
        {"fulfillment_channel_code": "DEFAULT", "quantity": 9},
    ]
    offer = result["purchasable_offer"][0]
    assert offer["our_price"][0]["schedule"][0]["value_with_tax"] == 12
    assert offer["discounted_price"][0]["schedule"][0]["value_with_tax"] == 8
    assert existing["fulfillment_availability"][1]["quantity"] == 1  # not mutated
