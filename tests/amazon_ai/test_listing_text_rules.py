"""Listing rule engine: title, bullets, description and search terms."""

import json

import pytest

from amazon_ai.core import listing_rules as lr
from tests.sandbox.reference import base_dir

CLEAN = {
    "title": "Acme Stainless Steel Water Bottle, 750 ml, Vacuum Insulated, Blue",
    "brand": "Acme",
    "bullets": [
        "Keeps drinks cold for 24 hours and hot for 12 hours",
        "Leak-proof lid with a carry loop; fits most cup holders",
        "Dishwasher safe lid; hand wash the bottle",
    ],
    "description": "A double-walled bottle of 18/8 stainless steel for the gym, "
    "the office and the trail.",
    "search_terms": "flask thermos canteen insulated drinking gym hiking",
}


def rules(findings):
    return [f.rule for f in findings]


def check(**changes):
    return lr.check_listing({**CLEAN, **changes})


def test_clean_listing_has_no_findings():
    assert check() == []


# --- title ------------------------------------------------------------------


def test_title_at_200_characters_passes_and_201_fails():
    title = "Acme Water Bottle " + "x" * (200 - 18)
    assert len(title) == 200
    assert "title.length" not in rules(check(title=title))
    found = [f for f in check(title=title + "y") if f.rule == "title.length"]
    assert len(found) == 1
    f = found[0]
    assert (f.severity, f.attribute, f.start, f.end, f.text) == (
        "error",
        "item_name",
        200,
        201,
        "y",
    )
    assert f.render() == "The title has 201 characters; the limit is 200."


def test_title_limit_is_the_stricter_of_schema_and_rule():
    title = "Acme Water Bottle Blue Steel"  # 28 characters
    assert rules(lr.check_listing({"title": title}, limits={"title_max_length": 20}))
    assert not lr.check_listing({"title": title}, limits={"title_max_length": 66654})


def test_limits_from_amazons_product_schema():
    schema = json.loads((base_dir() / "ptd/PRODUCT.json").read_text("utf-8"))
    limits = lr.limits_from_schema(schema)
    assert limits == {
        "title_max_length": 66654,
        "bullet_max_length": 700,
        "bullet_max_count": 10,
        "description_max_bytes": 10000,
        "search_terms_max_bytes": 250,
    }
    # PRODUCT's 66,654 does not loosen Amazon's 200-character title rule.
    found = lr.check_listing({"title": "Acme " + "a" * 200}, limits=limits)
    assert rules(found) == ["title.length"]


@pytest.mark.parametrize("char", list("!$?_{}^¬¦"))
def test_title_forbidden_characters(char):
    found = check(title=f"Acme Water Bottle {char} Blue")
    assert rules(found) == ["title.forbidden_character"]
    assert found[0].text == char
    assert found[0].start == len("Acme Water Bottle ")


def test_title_forbidden_characters_allowed_inside_the_brand():
    title = "Yahoo! Mail Sticker Set, Purple"
    assert check(title=title, brand="Yahoo!") == []
    assert rules(check(title=title, brand="Acme")) == ["title.forbidden_character"]
    # Outside the brand's own occurrence the character is still refused.
    found = check(title="Yahoo! Sticker Set, Purple!", brand="Yahoo!")
    assert [f.start for f in found] == [len("Yahoo! Sticker Set, Purple")]


def test_title_word_three_times_fails_twice_passes():
    assert check(title="Acme Towel Set, Bath Towel and Hand Towel") != []
    found = check(title="Acme Towel Set, Bath Towel and Hand Towel")
    assert rules(found) == ["title.repeated_word"]
    assert found[0].params == {"text": "Towel", "word": "towel", "count": 3}
    assert found[0].start == len("Acme Towel Set, Bath Towel and Hand ")
    assert check(title="Acme Towel Set, Bath Towel and Hand Cloth") == []


def test_title_repeated_word_is_case_insensitive():
    assert rules(check(title="Acme TOWEL towel Towel")) == ["title.repeated_word"]


def test_title_articles_prepositions_conjunctions_excepted():
    title = "Acme Mug for Tea and Coffee, for Home and Office, for Him and Her"
    assert check(title=title) == []
    title = "Acme Set of Pens with a Case, a Clip and a Cap, of Steel, of Oak"
    assert check(title=title) == []


@pytest.mark.parametrize(
    "title",
    [
        "Acme USB-C to USB-C Cable, USB 3.2, USB-IF Certified",
        "Acme Two-Tone Mug, Two Pack, Tone-on-Tone Glaze",
    ],
)
def test_title_hyphenated_compounds_are_words_of_their_own(title):
    """Bug caught: hyphenated tokens were split, so "USB-C ... USB-C ...
    USB ... USB-IF" counted "USB" five times, on the commonest cable title."""
    assert check(title=title) == []
    # The same token three times is still a repetition.
    found = check(title="Acme USB-C Hub, USB-C Cable, USB-C Charger")
    assert [(f.rule, f.params["word"]) for f in found] == [
        ("title.repeated_word", "usb-c")
    ]


def test_title_decorative_characters():
    """Miss caught: Amazon's own non-compliant example "Paradise Towel Wear
    Co. Beach Coverup << Size Kids XXS >>" passed."""
    found = check(
        title="Paradise Towel Wear Co. Beach Coverup << Size Kids XXS >>",
        brand="Paradise Towel Wear Co.",
    )
    assert [(f.rule, f.text) for f in found] == [
        ("copy.symbol", "<<"),
        ("copy.symbol", ">>"),
    ]
    assert [(f.rule, f.text) for f in check(title="Acme Mug ~ Blue ★")] == [
        ("copy.symbol", "~"),
        ("copy.symbol", "★"),
    ]
    # Trademark signs and measures are not decoration.
    assert check(title="Acme™ Thermometer, -40 °C to 120 °C") == []


def test_title_numbers_are_not_words():
    assert check(title="Acme Shelf 2 x 2 x 2 ft, Oak") == []


@pytest.mark.parametrize(
    "phrase",
    [
        "Best Seller",
        "Free Shipping",
        "Hot Sale",
        "On Sale",
        "Hot Item",
        "100% Quality Guaranteed",
        "20% Off",
        "Limited Time",
        "Top Rated",
        "#1 Choice",
        "Number One Best Seller",
        "Summer Sale",
        "Black Friday Sale",
    ],
)
def test_title_promotional_phrases(phrase):
    """ "Summer Sale" caught a miss: seasonal sales were not promotional."""
    found = check(title=f"Acme Water Bottle {phrase} Blue")
    assert "title.promotional" in rules(found)


@pytest.mark.parametrize(
    "title",
    [
        "Acme Hot Water Bottle with Knitted Cover",
        "Acme Garage Sale Sign, Red",
        "Acme Best Friend Necklace, Silver",
        "Acme Font Sampler, Style #1",
        "Acme Fishing Hook #1 Size, Steel",
    ],
)
def test_title_product_words_that_look_promotional(title):
    """ "Style #1" caught a bug: "#1" alone was read as a ranking."""
    assert check(title=title) == []


# --- bullets and description -------------------------------------------------


@pytest.mark.parametrize(
    "bullet, rule, text",
    [
        ("Keeps drinks cold 🧊 all day", "copy.symbol", "🧊"),
        ("★ Keeps drinks cold all day", "copy.symbol", "★"),
        ("✔ Leak-proof lid", "copy.symbol", "✔"),
        (
            "Questions? Mail help@acme-bottles.com",
            "copy.contact",
            "help@acme-bottles.com",
        ),
        (
            "See https://acme.example/care for care",
            "copy.contact",
            "https://acme.example/care",
        ),
        ("Visit www.acme.example today", "copy.contact", "www.acme.example"),
        ("Order at acmebottles.com", "copy.contact", "acmebottles.com"),
        ("Call +1 206 555 0100 for help", "copy.contact", "+1 206 555 0100"),
        ("Call (206) 555-0100 for help", "copy.contact", "(206) 555-0100"),
        ("Only $19.99 this week", "copy.price", "$19.99"),
        ("Now 20% off", "copy.price", "20% off"),
        ("Rated 4.8 out of 5 by our buyers", "copy.review", "Rated 4.8 out of"),
        ("Over 500 five-star reviews", "copy.review", "five-star reviews"),
        ("Please leave us a review", "copy.review", "leave us a review"),
        ("Customers love how quiet it is", "copy.review", "Customers love"),
        ("Lifetime guarantee on the lid", "copy.guarantee", "guarantee"),
        ("Full refund if you do not like it", "copy.guarantee", "refund"),
        ("Money-back promise", "copy.guarantee", "Money-back"),
        ("Lorem ipsum dolor sit amet", "copy.placeholder", "Lorem ipsum"),
        ("Made of [MATERIAL] for daily use", "copy.placeholder", "[MATERIAL]"),
        ("Insert feature here", "copy.placeholder", "Insert feature here"),
        ("Material: TBD", "copy.placeholder", "TBD"),
        ("Fits the lid of B07XJ8C8F5 too", "copy.asin", "B07XJ8C8F5"),
    ],
)
def test_bullet_rules(bullet, rule, text):
    found = check(bullets=["Keeps drinks cold for 24 hours", bullet])
    assert [(f.rule, f.text, f.index, f.attribute) for f in found] == [
        (rule, text, 1, "bullet_point")
    ]
    f = found[0]
    assert bullet[f.start : f.end] == text
    assert f.severity == "error"


@pytest.mark.parametrize(
    "bullet",
    [
        "Bluetooth® 5.3 and Wi-Fi™ ready",
        "Works from -20 °C to 40 °C",
        "Fits 13 to 15.6 inch laptops; 2-year manufacturer warranty",
        "100% cotton, pre-shrunk",
        "Holds 1.5 l (50 fl oz); 18/8 steel",
        "Safe for 2 in 1 use: kettle – and teapot",
        "Size M fits chest 38–40″",
    ],
)
def test_bullet_legitimate_copy(bullet):
    assert check(bullets=[bullet]) == []


def test_description_rules_and_limit():
    assert rules(check(description="Email sales@acme.example for a deal")) == [
        "copy.contact"
    ]
    long = "ä" * 5001  # 10,002 bytes, 5,001 characters
    found = check(description=long)
    assert rules(found) == ["description.length"]
    assert found[0].start == 5000
    assert found[0].params["length"] == 10002
    assert check(description="ä" * 5000) == []


def test_bullet_count_and_length():
    found = check(bullets=["Plain fact"] * 11)
    assert rules(found) == ["bullets.count"]
    found = check(bullets=["Plain fact", ("plain fact " * 64)[:701]])
    assert [(f.rule, f.index, f.start) for f in found] == [("bullets.length", 1, 700)]
    assert found[0].render().startswith("Bullet point 2 has 701 characters")
    assert check(bullets=[("plain fact " * 64)[:700]]) == []


# --- search terms ------------------------------------------------------------


def test_search_terms_ascii_under_250_bytes():
    terms = " ".join(f"w{i:03d}" for i in range(50))[:249]
    assert len(terms.encode()) == 249
    assert check(search_terms=terms) == []
    terms = (terms + "x")[:250]
    found = check(search_terms=terms)
    assert rules(found) == ["search.length"]
    assert found[0].start == 249


def test_search_terms_count_utf8_bytes_not_characters():
    # 125 characters but 250 bytes: "ü" is two bytes in UTF-8.
    terms = "ü" * 125
    found = check(search_terms=terms)
    assert rules(found) == ["search.length"]
    assert found[0].params["length"] == 250
    assert found[0].start == 124  # 124 "ü" are 248 bytes; the 125th crosses
    # 3-byte and 4-byte characters count too.
    assert rules(check(search_terms="€" * 84)) == ["search.length"]
    assert check(search_terms="€" * 83) == []  # 249 bytes


def test_search_terms_brand_own_and_others():
    found = check(search_terms="flask acme thermos")
    assert [(f.rule, f.text) for f in found] == [("search.brand", "acme")]
    listing = {**CLEAN, "search_terms": "flask nike thermos"}
    found = lr.check_listing(listing, limits={"brand_names": ["Nike", "Apple"]})
    assert [(f.rule, f.text) for f in found] == [("search.brand", "nike")]
    # A brand is matched as a whole word: "acmesque" is not "acme".
    assert check(search_terms="flask acmesque") == []


def test_search_terms_asin_repeats_temporary_subjective():
    found = check(search_terms="flask B07XJ8C8F5 thermos")
    assert rules(found) == ["search.asin"]
    found = check(search_terms="flask thermos flask")
    assert [(f.rule, f.severity, f.start) for f in found] == [
        ("search.repeated_word", "warning", 14)
    ]
    for word in ["new", "latest", "on sale", "today", "limited time"]:
        assert rules(check(search_terms=f"flask {word}")) == ["search.temporary"]
    for word in ["best", "cheapest", "amazing", "trending"]:
        assert rules(check(search_terms=f"flask {word}")) == ["search.subjective"]
    # Words that merely contain them are fine.
    assert check(search_terms="newborn bestow cheapskate") == []


def test_search_terms_temporary_words_inside_names_are_warnings():
    """Bug caught: "new" in "new york" and electric "current" were errors
    like "new" and "current" alone. Both are on Amazon's temporary-word list
    with no exception, so they still report, as warnings."""
    found = check(search_terms="new york cheesecake pan ac current sensor")
    assert [(f.rule, f.severity, f.text) for f in found] == [
        ("search.temporary", "warning", "new"),
        ("search.temporary", "warning", "current"),
    ]
    assert [f.severity for f in check(search_terms="current transformer")] == [
        "warning"
    ]
    # Alone, or before another noun, they are the temporary words.
    found = check(search_terms="flask new current model")
    assert [(f.severity, f.text) for f in found] == [
        ("error", "new"),
        ("error", "current"),
    ]


def test_messages_are_templates_with_named_parameters():
    for rule, (severity, message, hint) in lr.MESSAGES.items():
        assert severity in ("error", "warning"), rule
        assert "{" not in message and "{" not in hint, rule
    found = check(title="Acme Bottle!")[0]
    assert found.message == lr.MESSAGES["title.forbidden_character"][1]
    assert "%(text)s" in found.message
    assert found.render() == (
        "The title uses the character !, which Amazon does not allow in titles "
        "outside the brand name."
    )
    assert found.render_hint() == "Remove ! or replace it with words."
