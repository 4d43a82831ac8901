"""core.bulk_edit: the typed form of an attribute read from Amazon's real
PRODUCT schema, values built per listing, refusals (not allowed, required)."""

import pytest
from listing_support import L, M, complete_attributes, product_schema

from amazon_connector.core import bulk_edit
from amazon_connector.core.ptd import PTDValidator

DE, DE_TAG = "A1PA6795UKMFR9", "de_DE"


@pytest.fixture(scope="module")
def schema():
    return product_schema()


def test_text_attribute_gets_a_text_form(schema):
    field = bulk_edit.form_field(schema, "color")
    # Catches: the title or kind not read from the schema.
    assert (field.kind, field.title, field.units) == ("text", "Color", ())


def test_number_with_unit_offers_the_schemas_units(schema):
    field = bulk_edit.form_field(schema, "item_weight")
    assert field.kind == "number"
    # Amazon's PRODUCT schema lists these seven weight units (read by hand).
    assert {value for value, _label in field.units} == {
        "grams",
        "hundredths_pounds",
        "kilograms",
        "milligrams",
        "ounces",
        "pounds",
        "tons",
    }
    assert ("kilograms", "Kilograms") in field.units


def test_enum_and_boolean_and_integer_forms(schema):
    condition = bulk_edit.form_field(schema, "condition_type")
    assert condition.kind == "enum"
    assert ("used_like_new", "Used - Like New") in condition.choices
    assert len(condition.choices) == 13
    assert bulk_edit.form_field(schema, "batteries_required").kind == "boolean"
    assert bulk_edit.form_field(schema, "max_order_quantity").kind == "integer"


def test_composite_attributes_are_typed_as_json(schema):
    # Several inner fields (dimensions, offer, identifiers): no simple form.
    for name in ("item_dimensions", "purchasable_offer", "fulfillment_availability"):
        assert bulk_edit.form_field(schema, name) is None, name
    assert bulk_edit.form_field(schema, "no_such_attribute") is None


def test_form_values_are_typed_and_need_a_unit(schema):
    weight = bulk_edit.form_field(schema, "item_weight")
    assert bulk_edit.form_values(weight, 2.0, "kilograms") == [
        {"value": 2, "unit": "kilograms"}
    ]
    with pytest.raises(ValueError, match="unit"):
        bulk_edit.form_values(weight, 2.0, None)
    quantity = bulk_edit.form_field(schema, "max_order_quantity")
    with pytest.raises(ValueError, match="whole"):
        bulk_edit.form_values(quantity, 2.5)
    condition = bulk_edit.form_field(schema, "condition_type")
    with pytest.raises(ValueError, match="schema"):
        bulk_edit.form_values(condition, "brand_new")
    with pytest.raises(ValueError, match="empty"):
        bulk_edit.form_values(bulk_edit.form_field(schema, "color"), "  ")


def test_selectors_follow_each_listings_marketplace(schema):
    values = [{"value": "Rot"}]
    us = bulk_edit.for_listing(values, schema, "color", M, L)
    de = bulk_edit.for_listing(values, schema, "color", DE, DE_TAG)
    assert us == [{"marketplace_id": M, "language_tag": L, "value": "Rot"}]
    assert de == [{"marketplace_id": DE, "language_tag": DE_TAG, "value": "Rot"}]
    # An attribute without language: no language tag is invented.
    weight = bulk_edit.for_listing(
        [{"value": 1, "unit": "grams"}], schema, "item_weight", M, L
    )
    assert weight == [{"marketplace_id": M, "value": 1, "unit": "grams"}]


def test_edited_value_validates_and_a_wrong_one_does_not(schema):
    validator = PTDValidator(schema)
    base = complete_attributes(schema)
    assert validator.errors(base) == []  # the base listing is valid
    field = bulk_edit.form_field(schema, "item_weight")
    good = bulk_edit.edited(
        base,
        "item_weight",
        bulk_edit.for_listing(
            bulk_edit.form_values(field, 1.5, "pounds"), schema, "item_weight", M, L
        ),
    )
    assert validator.errors(good) == []
    bad = bulk_edit.edited(
        base, "item_weight", [{"marketplace_id": M, "value": -1, "unit": "pounds"}]
    )
    assert [e.attribute for e in validator.errors(bad)] == ["item_weight"]
    # The input is not changed in place.
    assert base.get("item_weight") != bad["item_weight"]


def test_json_values_accept_amazons_shape_only():
    assert bulk_edit.json_values('{"value": "x"}') == [{"value": "x"}]
    assert bulk_edit.json_values('[{"value": 1}, {"value": 2}]') == [
        {"value": 1},
        {"value": 2},
    ]
    for wrong in ("", "[1, 2]", '"text"', "[]", "{nope"):
        with pytest.raises(ValueError):
            bulk_edit.json_values(wrong)


def test_refusals(schema):
    assert bulk_edit.refusal(schema, "color", clearing=False) is None
    # color is always required by PRODUCT: clearing it is refused.
    assert "color" in schema["required"]
    assert bulk_edit.refusal(schema, "color", clearing=True) == bulk_edit.REQUIRED
    assert bulk_edit.refusal(schema, "item_weight", clearing=True) is None
    narrow = {"properties": {"item_name": {}}, "required": ["item_name"]}
    assert bulk_edit.refusal(narrow, "color", clearing=False) == bulk_edit.NOT_ALLOWED
    cleared = bulk_edit.edited({"color": [1], "brand": [2]}, "color", None)
    assert cleared == {"brand": [2]}


def test_attribute_names_union_in_schema_order(schema):
    narrow = {"properties": {"zzz_only_here": {"title": "Only here"}}}
    names = bulk_edit.attribute_names([schema, narrow])
    assert names[0] == ("item_name", "Title")  # Amazon titles it so
    assert names[-1] == ("zzz_only_here", "Only here")
    assert len(names) == len(schema["properties"]) + 1
