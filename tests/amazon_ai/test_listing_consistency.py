"""Listing rule engine: the copy against the product's own attributes (the
errors Amazon's own generator makes)."""

import pytest

from amazon_ai.core import listing_rules as lr


def found(product, *bullets, title=""):
    listing = {"title": title, "bullets": list(bullets)}
    return [(f.rule, f.severity, f.text) for f in lr.check_listing(listing, product)]


def test_material_in_copy_must_be_the_products():
    product = {"material": "Polyester"}
    assert found(product, "Soft 100% cotton tee") == [
        ("consistency.material", "error", "cotton")
    ]
    assert found(product, "Soft 100% polyester tee") == []
    # Several materials, and a material named inside a longer one.
    product = {"materials": ["faux leather", "stainless steel"]}
    assert found(product, "Leather strap with a steel buckle") == []
    assert found(product, "Genuine suede strap")[0][2] == "suede"


@pytest.mark.parametrize(
    "bullet",
    [
        "No plastic parts",
        "BPA-free, without latex",
        "Cotton-like softness",
        "Lighter than aluminium",
    ],
)
def test_material_negations_pass(bullet):
    assert found({"material": "stainless steel"}, bullet) == []


def test_materials_not_checked_without_product_data():
    assert found({}, "Soft 100% cotton tee") == []
    assert lr.check_listing({"bullets": ["Soft 100% cotton tee"]}) == []


def test_color_mismatch_is_a_warning():
    product = {"color": "Navy Blue"}
    assert found(product, "Classic navy colour") == []
    assert found(product, "Bright red finish") == [
        ("consistency.color", "warning", "red")
    ]
    assert found({"colors": ["Black", "White"]}, "Black and white stripes") == []


def test_size_against_product():
    product = {"size": "M"}
    assert found(product, "Size M: chest 38-40 in") == []
    assert found(product, "Size: Medium") == []
    assert found(product, "Size L fits chest 42 in") == [
        ("consistency.size", "error", "Size L")
    ]
    assert found(product, "Also great as an XL gift") == [
        ("consistency.size", "error", "XL")
    ]
    # "large" as an adjective, without "size", is not a size.
    assert found(product, "Large front pocket") == []
    assert found({"size": "X-Large"}, "Size XL") == []


def test_fluid_ounces_against_millilitres():
    product = {"measures": ["750 ml"]}
    # 32 fl oz is 946 ml: Amazon's generator's kind of error.
    assert found(product, title="Acme Bottle 32 oz") == [
        ("consistency.measure", "error", "32 oz")
    ]
    # 25.4 fl oz is 751 ml; 0.75 l and 75 cl are the same bottle.
    for text in ["Holds 25.4 fl oz", "0.75 l capacity", "75 cl", "750ml", "25 oz"]:
        assert found(product, text) == [], text


def test_mass_and_units_conversion():
    product = {"measures": [(1.5, "kg")]}
    assert found(product, "Weighs 3.3 lbs") == []
    assert found(product, "Weighs 1,500 g") == []
    assert found(product, "Weighs 2 kg") == [("consistency.measure", "error", "2 kg")]
    # Ounces of mass when the product gives a mass.
    assert found({"measures": [{"value": 453.6, "unit": "g"}]}, "16 oz bag") == []


def test_length_mismatch_is_a_warning_and_other_dimensions_unchecked():
    product = {"measures": ["30 cm"]}
    assert found(product, "30 cm long") == []
    assert found(product, "Fits 15.6 inch laptops") == [
        ("consistency.measure", "warning", "15.6 inch")
    ]
    # The product gives no mass: a mass in the copy is not checked.
    assert found(product, "Weighs 2 kg") == []


def test_number_words_that_are_not_measures():
    product = {"measures": ["30 cm"]}
    assert found(product, "2 in 1 design", "4K screen, 1080p video") == []


def test_unit_count():
    product = {"unit_count": 6}
    assert found(product, "Pack of 6 glasses", "6-pack") == []
    assert found(product, "Set of 4 glasses") == [
        ("consistency.count", "error", "Set of 4")
    ]
    assert found(product, "12 pieces") == [("consistency.count", "error", "12 pieces")]
