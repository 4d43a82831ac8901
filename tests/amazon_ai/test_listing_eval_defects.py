"""Defects the labelled evaluation (tests/bench/bench_listing_rules_eval.py)
found in the listing rule engine, each fixed with its own test."""

from amazon_ai.core.listing_claims import check_claims
from amazon_ai.core.listing_consistency import check_consistency


def rules(findings):
    return [(f.rule, f.text) for f in findings]


def test_made_in_usa_at_the_end_of_a_sentence_is_a_claim():
    # The claim's usual form ends a sentence; the full stop hid it.
    found = rules(check_claims({"description": "Made in USA. Split cowhide palms."}))
    assert found == [("claim.made_in_usa_unsupported", "Made in USA")]
    found = rules(
        check_claims({"description": "Made in USA."}, {"country_of_origin": "CN"})
    )
    assert found == [("claim.made_in_usa", "Made in USA")]
    # Still not a claim: a domain name, and a supported origin.
    assert check_claims({"description": "Visit made in usa.com"}) == []
    assert (
        check_claims({"description": "Made in USA."}, {"country_of_origin": "US"}) == []
    )


def test_the_brand_name_is_not_a_material_or_colour_of_the_product():
    listing = {
        "title": "Harbor & Pine Faux Leather Jacket, Black",
        "bullets": ["Harbor & Pine quality: soft faux leather"],
        "brand": "Harbor & Pine",
    }
    product = {"material": "faux leather", "color": "Black"}
    # "Pine" of the brand was read as the material pine.
    assert check_consistency(listing, product) == []
    # The same word outside the brand still counts, at its own position.
    listing["bullets"] = ["Harbor & Pine jacket with a pine toggle"]
    found = check_consistency(listing, product)
    assert [(f.rule, f.text, f.start) for f in found] == [
        ("consistency.material", "pine", len("Harbor & Pine jacket with a "))
    ]
