"""Listing rule engine: pesticide, medical, FDA, environmental and origin
claims, in every text attribute."""

import pytest

from amazon_ai.core import listing_rules as lr


def found(bullet, product=None, **listing):
    listing = {"bullets": [bullet], **listing}
    return [(f.rule, f.text) for f in lr.check_listing(listing, product)]


@pytest.mark.parametrize(
    "text, claim",
    [
        ("Kills 99.9% of germs on contact", "Kills 99.9% of germs"),
        ("Antibacterial coating on the handle", "Antibacterial"),
        ("Anti-microbial lining", "Anti-microbial"),
        ("Sanitizes baby bottles in 10 minutes", "Sanitizes"),
        ("Kills household germs and odours", "Kills household germs"),
        ("Repels mosquitoes for 8 hours", "Repels mosquitoes"),
        ("Natural insect repellent", "insect repellent"),
        ("Eliminates bacteria from the filter", "Eliminates bacteria"),
    ],
)
def test_pesticide_claims(text, claim):
    assert found(text) == [("claim.pesticide", claim)]


def test_pesticide_claim_with_epa_registration_is_a_warning():
    listing = {"bullets": ["Kills 99.9% of germs"]}
    (f,) = lr.check_listing(listing, {"epa_registration": "1234-56"})
    assert (f.rule, f.severity) == ("claim.pesticide", "warning")
    (f,) = lr.check_listing(listing)
    assert f.severity == "error"


@pytest.mark.parametrize(
    "text, claim",
    [
        ("Helps prevent the flu", "prevent the flu"),
        ("Cures arthritis pain", "Cures arthritis"),
        ("Treats insomnia naturally", "Treats insomnia"),
        ("Clinically shown to reverse diabetes", "reverse diabetes"),
        ("Protects against COVID-19", "Protects against COVID-19"),
        ("A natural cancer cure", "cancer cure"),
        ("Relief from migraines", "Relief from migraines"),
    ],
)
def test_medical_claims(text, claim):
    assert found(text) == [("claim.medical", claim)]


@pytest.mark.parametrize("text", ["FDA approved material", "Approved by the FDA"])
def test_fda_claims(text):
    assert [rule for rule, _ in found(text)] == ["claim.fda"]


@pytest.mark.parametrize(
    "text, claim",
    [
        ("Eco-friendly bamboo handle", "Eco-friendly"),
        ("Biodegradable bags", "Biodegradable"),
        ("Environmentally friendly packaging", "Environmentally friendly"),
        ("A sustainable choice", "sustainable"),
    ],
)
def test_unqualified_environmental_claims(text, claim):
    (f,) = lr.check_listing({"bullets": [text]})
    assert (f.rule, f.text, f.severity) == ("claim.environmental", claim, "warning")


@pytest.mark.parametrize(
    "text",
    [
        "Eco-friendly: the case is 80% recycled plastic",
        "Biodegradable within 180 days in industrial composting facilities",
        "Compostable to EN 13432 in municipal facilities",
        "Sustainable wood, FSC certified",
    ],
)
def test_qualified_environmental_claims_pass(text):
    assert found(text) == []


def test_environmental_qualification_counts_only_in_the_same_sentence():
    text = "Made of 80% recycled plastic. Eco-friendly."
    assert found(text) == [("claim.environmental", "Eco-friendly")]


def test_made_in_usa_against_country_of_origin():
    text = "Proudly made in the USA"
    assert found(text, {"country_of_origin": "US"}) == []
    assert found(text, {"country_of_origin": "United States"}) == []
    (f,) = lr.check_listing({"bullets": [text]}, {"country_of_origin": "CN"})
    assert (f.rule, f.severity, f.text) == (
        "claim.made_in_usa",
        "error",
        "made in the USA",
    )
    assert f.render().endswith("country of origin is CN.")
    (f,) = lr.check_listing({"bullets": [text]})
    assert (f.rule, f.severity) == ("claim.made_in_usa_unsupported", "warning")
    for variant in [
        "USA-made steel",
        "Manufactured in the United States",
        "Made in U.S.A.",
    ]:
        assert [r for r, _ in found(variant, {"country_of_origin": "MX"})] == [
            "claim.made_in_usa"
        ]


@pytest.mark.parametrize(
    "text",
    [
        "Keeps drinks cold for 24 hours",
        "Dishwasher safe; wipe clean with a damp cloth",
        "Designed in the USA, made in Vietnam",
        "Prevents streaky brush strokes",
        "Aids digestion of large meals",  # not a disease claim: a function
        "Add a second lid for travel",
        "Treat yourself to a quiet morning",
        "Helps keep your kitchen tidy",
        "Ships in recyclable packaging made from 70% recycled card",
        "Mould-resistant silicone seal",
        "Compatible with the FDA's food contact rules for silicone",
    ],
)
def test_claims_not_raised_on_ordinary_copy(text):
    assert found(text) == []


def test_claims_are_checked_in_every_text_attribute():
    listing = {
        "title": "Acme Antibacterial Cutting Board",
        "bullets": ["Plain fact", "Cures insomnia"],
        "description": "FDA approved.",
        "search_terms": "eco friendly board",
    }
    got = {(f.rule, f.attribute, f.index) for f in lr.check_listing(listing)}
    assert got == {
        ("claim.pesticide", "item_name", None),
        ("claim.medical", "bullet_point", 1),
        ("claim.fda", "product_description", None),
        ("claim.environmental", "generic_keyword", None),
    }
