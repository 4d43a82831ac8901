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


def test_pieces_are_parts_of_one_item_not_the_unit_count():
    """Bug caught: "12 pieces" was compared with unit_count, so a 12-piece
    cookware set sold as one unit (unit_count 1) was an error. Pieces are
    not compared; pack counts still are."""
    product = {"unit_count": 1}
    assert found(product, "12-piece cookware set", "12 pieces", "30 pcs") == []
    assert found(product, "Pack of 6") == [("consistency.count", "error", "Pack of 6")]
    assert found({"unit_count": 6}, "12 count") == [
        ("consistency.count", "error", "12 count")
    ]


def test_network_generations_and_wifi_bands_are_not_grams():
    """Bug caught: "5G" and "2.4G" were read as 5 g and 2.4 g against a
    phone's weight."""
    product = {"measures": ["180 g"]}
    assert found(product, "5G smartphone with 2.4G and 5G Wi-Fi, 4G LTE") == []
    # Grams are still checked, written in lower case or apart.
    assert found(product, "Weighs only 150g") == [
        ("consistency.measure", "error", "150g")
    ]
    assert found(product, "Weighs 180 G") == []


def test_iron_the_care_instruction_is_not_the_material():
    """Bug caught: "iron on low" in a care bullet was read as the material
    iron against a cotton shirt."""
    product = {"material": "cotton"}
    for care in [
        "Machine wash at 30 degrees; iron on low",
        "Do not iron the print",
        "Machine wash cold, tumble dry, iron",
        "Easy to iron",
    ]:
        assert found(product, care) == [], care
    # The metal is still a material.
    assert found({"material": "aluminium"}, "Solid iron frame") == [
        ("consistency.material", "error", "iron")
    ]
    assert found({"material": "steel"}, "Cast iron skillet") == [
        ("consistency.material", "error", "Cast iron")
    ]


@pytest.mark.parametrize(
    "bullet, material",
    [
        ("Feels like cotton", "polyester"),
        ("Looks like real wood", "plastic"),
        ("As soft as silk", "polyester"),
        ("Glass-clear acrylic", "acrylic"),
        ("Brass-coloured zip", "cotton"),
        ("Gold-toned steel buttons", "steel"),
    ],
)
def test_appearances_are_not_materials(bullet, material):
    """Bug caught: "feels like cotton", "glass-clear" and "brass-coloured"
    were read as the materials cotton, glass and brass."""
    assert found({"material": material}, bullet) == []


def test_glass_as_the_material_still_checked():
    assert found({"material": "acrylic"}, "Clear glass panel") == [
        ("consistency.material", "error", "glass")
    ]


@pytest.mark.parametrize(
    "bullet, size",
    [
        ("Model is 180 cm and wears size M", "L"),
        ("Our model is wearing a size S", "L"),
        ("Available in sizes S to XL", "M"),
        ("Comes in S-XL", "M"),
        ("XL capacity drawer", "Large"),
        ("Fits an XXL dog bed", "M"),
    ],
)
def test_sizes_that_are_not_this_products(bullet, size):
    """Bug caught: the model's size, the family's range and "XL" as an
    adjective outside apparel were compared with this child's size."""
    assert found({"size": size}, bullet) == []


def test_this_products_size_still_checked_beside_the_models():
    product = {"size": "L"}
    assert found(product, "Size M. Relaxed fit") == [
        ("consistency.size", "error", "Size M")
    ]
    assert found(product, "Men's XL T-shirt") == [("consistency.size", "error", "XL")]


def test_fractions_are_whole_quantities():
    """Bug caught: "3/4 litre" was read as "4 litre" against 750 ml."""
    product = {"measures": ["750 ml"]}
    assert found(product, "Holds 3/4 litre") == []
    assert found({"measures": ["1.5 l"]}, "Holds 1 1/2 litres") == []
    assert found(product, "Holds 1/2 litre") == [
        ("consistency.measure", "error", "1/2 litre")
    ]


def test_adjacent_colour_words_are_one_colour():
    """Bug caught: "Navy Blue" in the copy against the product's "Navy"
    warned about "blue"."""
    assert found({"color": "Navy"}, "Navy Blue hoodie") == []
    assert found({"color": "Navy Blue"}, "Navy hoodie") == []
    assert found({"color": "Navy"}, "Sky blue hoodie") == [
        ("consistency.color", "warning", "blue")
    ]
    assert found({"color": "Navy"}, "Red and navy stripes") == [
        ("consistency.color", "warning", "Red")
    ]
