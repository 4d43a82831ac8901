"""Listing copy generator: proposals pass the rule engine, stay within
Amazon's limits, keep brands and ASINs out of search terms, and are the same
for the same input."""

import copy

from amazon_ai.core import listing_copy as lc
from amazon_ai.core import listing_keywords as lk
from amazon_ai.core import listing_rules as lr
from tests.sandbox.dataset import Generator

BOTTLE = {
    "name": "Water Bottle",
    "brand": "Acme",
    "category": "Kitchen / Drinkware",
    "description": (
        "Keeps drinks cold for 24 hours and hot for 12 hours. "
        "The lid is leak-proof and has a carry loop. "
        "Best seller with a 100% money back guarantee! "
        "Questions? Call us at 555-123-4567."
    ),
    "attributes": {
        "Material": "stainless steel",
        "Color": "Blue",
        "Capacity": "750 ml",
        "Lid": "screw cap",
    },
    "measures": ["750 ml"],
    "variants": ["Water Bottle (Red)", "Water Bottle (Green)"],
    "listings": [
        {
            "title": "Acme Insulated Water Bottle 1 l, Vacuum Flask",
            "brand": "Acme",
            "bullets": ["Double-walled insulated bottle for the gym"],
            "search_terms": "thermos flask gym hiking",
        },
        {"title": "Zeta Glass Tumbler", "brand": "Zeta"},
    ],
}


def errors(proposal, product):
    listing = dict(proposal, brand=product.get("brand"))
    return [
        f
        for f in lr.check_listing(
            listing,
            product=lc.facts(product),
            limits={"brand_names": ["Acme", "Zeta"]},
            check_image=False,
        )
        if f.severity == lr.ERROR
    ]


def test_rich_product_gets_five_bullets_without_errors():
    proposal = lc.propose(BOTTLE)
    # Independent truth: the engine itself, run here on the returned texts.
    assert errors(proposal, BOTTLE) == []
    assert len(proposal["bullets"]) == 5
    assert proposal["title"].startswith("Acme Water Bottle")
    # Facts of the product are said, not invented ones.
    assert "stainless steel" in proposal["title"]
    assert any("750 ml" in b for b in proposal["bullets"])


def test_sellers_refused_sentences_are_not_copied_or_mined():
    proposal = lc.propose(BOTTLE)
    text = " ".join(
        [proposal["description"], proposal["search_terms"], *proposal["bullets"]]
    ).casefold()
    # The description's guarantee and phone number (errors) are gone from
    # the copy and from the keywords.
    for word in ("guarantee", "money", "555", "call", "best"):
        assert word not in text, word
    assert "leak-proof" in proposal["description"]


def test_search_terms_keep_brands_asins_and_title_words_out():
    product = dict(
        BOTTLE,
        description="Acme bottle for the gym, office and trail. Zeta fans like it.",
    )
    proposal = lc.propose(product)
    words = proposal["search_terms"].split()
    assert words, "the product's own words give search terms"
    # The brand (Acme) and the seller's other brand (Zeta) are key phrases
    # of the product's text, and still not search terms.
    assert {"Acme", "Zeta"} <= set(proposal["keywords"])
    assert "acme" not in words and "zeta" not in words
    assert "bottle" not in words, "title words are not repeated"
    assert len(words) == len(set(words))
    # An ASIN among the phrases is dropped, the word beside it kept.
    assert lk.search_words(["thermos B0ABCDEFGH", "b0abcdefgh"]) == "thermos"
    # The catalogue's vocabulary of the same product type comes in: the
    # seller calls its bottles "insulated".
    assert "insulated" in words
    assert "trail" in words


def test_keywords_are_phrases_the_seller_wrote_ranked_by_tf_idf():
    phrases = lk.mine_keywords(
        [
            "Camp lantern. Camp lantern, folding hook. Warm light",
            "Keeps drinks cold for 24 hours, 750 ml",
        ]
    )
    # Without a catalogue the count ranks (the lantern is named twice),
    # equal counts by phrase: the same list every time.
    assert phrases[:3] == ["Camp", "Camp lantern", "lantern"]
    assert phrases[3:6] == ["cold", "drinks", "drinks cold"]
    # A phrase never spans punctuation, a stop word or a number, and a
    # quantity is not a keyword.
    for never in ("lantern folding", "cold hours", "ml", "750 ml"):
        assert never not in phrases, never
    assert {"Keeps drinks cold", "hours"} <= set(phrases)


def test_keywords_weigh_what_the_sellers_catalogue_says_everywhere_less():
    phrases = lk.mine_keywords(
        ["Camp lantern with folding hook"],
        ["Camp lantern", "Camp stove", "Camp chair", "Folding hook"],
    )
    # All shared with the catalogue, so all first; "Camp" is in every
    # listing of the seller's and tells this product apart least.
    assert phrases[:6] == [
        "Camp lantern",
        "folding",
        "folding hook",
        "hook",
        "lantern",
        "Camp",
    ]
    # Then the catalogue's phrases of the same kind of product.
    assert phrases[6:] == ["Camp chair", "Camp stove"]
    assert lk.mine_keywords(["the and of"], ["is it"]) == []


def test_search_terms_under_250_bytes_with_multibyte_words():
    long_text = " ".join(f"wörd{i} grün{i} größe{i}" for i in range(80))
    terms = lk.search_words([long_text])
    assert terms
    assert len(terms.encode("utf-8")) < 250
    # The cut fills the budget: another word would not fit.
    assert len(terms.encode("utf-8")) > 250 - len(" größe79".encode())
    assert (
        lc.propose(dict(BOTTLE, description=long_text))["search_terms"]
        .encode("utf-8")
        .__len__()
        < 250
    )


def test_title_limit_of_the_product_type_is_kept():
    product = dict(BOTTLE, name="Water Bottle " + "Extra Long Name " * 20)
    proposal = lc.propose(product, limits={"title_max_length": 80})
    assert 0 < len(proposal["title"]) <= 80
    assert len(lc.propose(product)["title"]) <= 200
    assert errors(proposal, product) == []


def test_deterministic():
    first = lc.propose(copy.deepcopy(BOTTLE))
    for _ in range(3):
        again = lc.propose(copy.deepcopy(BOTTLE))
        assert {k: again[k] for k in ("title", "bullets", "description")} == {
            k: first[k] for k in ("title", "bullets", "description")
        }
        assert again["search_terms"] == first["search_terms"]
        assert again["keywords"] == first["keywords"]


def test_repair_removes_what_the_engine_refuses_and_keeps_the_rest():
    broken = {
        "title": "Acme Water Bottle!! Best Seller, Free Shipping",
        "bullets": [
            "Keeps drinks cold. Kills 99.9% of germs.",
            "Visit www.acme-shop.com for more",
            "Leak-proof lid",
        ],
        "description": "Made of cotton. A bottle for the gym.",
        "search_terms": "acme thermos new flask B0ABCDEFGH best",
        "brand": "Acme",
    }
    fixed, findings, removed = lc.repair(broken, BOTTLE)
    assert not [f for f in findings if f.severity == lr.ERROR]
    assert fixed["title"] == "Acme Water Bottle"
    assert fixed["bullets"] == ["Keeps drinks cold.", "Leak-proof lid"]
    # "cotton" contradicts the product's stainless steel: its sentence goes.
    assert fixed["description"] == "A bottle for the gym."
    assert fixed["search_terms"] == "thermos flask"
    rules = {rule for _attribute, rule, _text in removed}
    assert {"title.promotional", "copy.contact", "consistency.material"} <= rules


def demo_products():
    """The demo catalogue (setup/demo.py creates these products from the
    sandbox dataset: name, SKU, price, 0.5 kg), the seller's other listings
    of the same product type being the other products' titles."""
    products = Generator(1, 0, "2026-11-01T00:00:00Z").products()
    out = []
    for product in products:
        others = [
            {"title": p["title"]}
            for p in products
            if p is not product and p["productType"] == product["productType"]
        ]
        out.append(
            {
                "name": product["title"],
                "product_type": product["productType"],
                "attributes": {"Weight": "0.5 kg"},
                "listings": others,
            }
        )
    return out


def test_every_demo_product_gets_a_proposal_that_passes_the_engine():
    products = demo_products()
    assert len(products) == 12
    for product in products:
        proposal = lc.propose(product)
        assert proposal["title"], product["name"]
        assert errors(proposal, product) == [], product["name"]
        assert len(proposal["bullets"]) <= 5
        assert len(proposal["search_terms"].encode("utf-8")) < 250


def test_model_card_names_inputs_and_limits():
    card = lc.model_card()
    assert "TF-IDF" in card["method"]
    assert any("orders" in item for item in card["never_used"])
    assert "llama3" in lc.model_card("llama3")["method"]
