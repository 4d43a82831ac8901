"""Variation families (core/variations.py) against Amazon's real PRODUCT
schema and the sandbox's SANDBOX_APPAREL (PRODUCT plus size)."""

import pytest
from listing_support import L, M, complete_attributes, product_schema

from amazon_connector.core import variations
from amazon_connector.core.ptd import PTDValidator
from amazon_connector.core.ptd_messages import ERROR
from tests.sandbox import product_types


@pytest.fixture(scope="module")
def schema():
    return product_schema()


@pytest.fixture(scope="module")
def apparel(schema):
    return product_types.schema("SANDBOX_APPAREL")


def errors(schema, attributes):
    return [
        (i.attribute, i.message)
        for i in PTDValidator(schema).validate(attributes)
        if i.severity == ERROR
    ]


def test_product_schema_can_express_families(schema):
    # Amazon's PRODUCT has parentage, relationship and theme attributes.
    assert variations.is_family_schema(schema)
    assert not variations.is_family_schema({"properties": {"color": {}}})
    assert "SIZE_NAME/COLOR_NAME" in variations.allowed_themes(schema)


@pytest.mark.parametrize(
    "odoo_name, amazon",
    [("Colour", "color"), ("color", "color"), (" COLOR ", "color"), ("Size", "size")],
)
def test_odoo_attribute_names_map_to_amazon_attributes(apparel, odoo_name, amazon):
    assert variations.amazon_attribute(odoo_name, apparel["properties"]) == amazon


def test_an_attribute_the_schema_lacks_maps_to_nothing(schema):
    # PRODUCT has color but no size (nor an engraving attribute).
    assert variations.amazon_attribute("Size", schema["properties"]) is None
    assert variations.amazon_attribute("Engraving", schema["properties"]) is None
    assert variations.amazon_attribute("Colour", schema["properties"]) == "color"


def test_theme_tokens_name_the_attributes(apparel):
    props = apparel["properties"]
    assert variations.theme_attributes("SIZE_NAME/COLOR_NAME", props) == [
        "size",
        "color",
    ]
    assert variations.theme_attributes("SIZE/COLOR", props) == ["size", "color"]
    # A token whose attribute the schema lacks: the theme cannot be filled.
    assert variations.theme_attributes("SIZE_NAME/STYLE_NAME", props) is None


def test_theme_axes_are_what_a_family_can_vary_on(schema, apparel):
    # PRODUCT's only text axis: it lacks size, style, pattern..., and its
    # item_weight (ITEM_WEIGHT themes) is a measure no Odoo value fills.
    assert variations.theme_axes(schema) == ["color"]
    assert variations.amazon_attribute("Item weight", schema["properties"]) is None
    assert variations.theme_axes(apparel) == ["color", "size"]


def test_theme_follows_the_template_order_then_the_schema(apparel):
    assert variations.choose_theme(apparel, ["size", "color"]) == (
        "SIZE/COLOR",
        ["size", "color"],
    )
    theme, axes = variations.choose_theme(apparel, ["color", "size"])
    assert axes == ["color", "size"]
    assert theme == "COLOR_NAME/SIZE_NAME"
    assert variations.choose_theme(apparel, ["color"])[0] == "COLOR"


def test_no_theme_for_axes_the_schema_cannot_carry(schema, apparel):
    with pytest.raises(variations.NoTheme):
        variations.choose_theme(schema, ["size", "color"])  # PRODUCT: no size
    with pytest.raises(variations.NoTheme):
        variations.choose_theme(apparel, ["size", "color", "material"])


def test_parent_and_children_validate_under_amazons_rules(apparel):
    base = complete_attributes(apparel)
    assert "purchasable_offer" in base  # what the parent must drop
    parent = variations.parent_attributes(base, "SIZE/COLOR", M, apparel)
    for name in variations.CHILD_ONLY_ATTRIBUTES:
        assert name not in parent
    assert parent["parentage_level"] == [{"marketplace_id": M, "value": "parent"}]
    assert "parent_sku" not in parent["child_parent_sku_relationship"][0]
    # Amazon's rules on skip_offer ask for the package when no channel is
    # given: the template's package data stays on the parent.
    assert (
        errors(
            apparel,
            {**parent, "batteries_required": [{"marketplace_id": M, "value": False}]},
        )
        == []
    )

    child = variations.child_attributes(
        base, "SIZE/COLOR", "SHIRT-PARENT", {"size": "M", "color": "Red"}, apparel, M, L
    )
    assert child["size"] == [{"value": "M", "marketplace_id": M, "language_tag": L}]
    assert child["color"] == [{"value": "Red", "marketplace_id": M, "language_tag": L}]
    assert errors(apparel, child) == []
    assert variations.family_of(child) == ("child", "SHIRT-PARENT", "SIZE/COLOR")
    assert variations.family_of(parent) == ("parent", None, "SIZE/COLOR")
    assert variations.family_of(base) == (None, None, None)
    assert variations.missing_axes(child, apparel) == []
    no_size = {k: v for k, v in child.items() if k != "size"}
    assert variations.missing_axes(no_size, apparel) == ["size"]


def test_a_child_without_parent_sku_breaks_amazons_rule(schema):
    # Independent truth: Amazon's own schema requires parent_sku on a child.
    base = complete_attributes(schema)
    child = variations.child_attributes(
        base, "COLOR", "P-1", {"color": "Red"}, schema, M, L
    )
    assert errors(schema, child) == []
    del child["child_parent_sku_relationship"][0]["parent_sku"]
    assert any(
        name == "child_parent_sku_relationship" for name, _m in errors(schema, child)
    )
