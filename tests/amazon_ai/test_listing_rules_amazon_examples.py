"""The rule engine on copy it was not written against: the titles, bullet
points, descriptions and search terms in Amazon's own SP-API models and
examples (catalog items, listings items, the JSON listings feed examples,
PRODUCT's schema examples), pinned in tests/sandbox/reference.lock.json.

What it found (December 2026): 11 titles, 10 bullet points and 1 description
(Samsung QLED TV, Fred Perry and Adidas polos, a HP toner, a Japanese watch,
a French work jacket, ...) raise nothing: no false errors on legitimate copy,
including titles with ``|`` separators and non-Latin scripts, and bullets in
capitals with "100%", "4K" and "HDR10+". Of the 7 search terms examples, the
6 for Samsung TVs (English and French) only raise ``search.repeated_word``
warnings, and rightly: they repeat "tv", "inch" and "4k" many times, which
Amazon's own search terms guidance tells sellers not to do; the warnings are
true positives. PRODUCT's own example ("Water sport shoes; Derek Rose;
Electric; Wi-Fi; Banana") raises nothing, though Derek Rose is a brand: the
engine knows only the listing's brand and the ``brand_names`` it is given, a
miss worth knowing.
"""

import json

import pytest

from amazon_ai.core import listing_rules as lr
from tests.sandbox.reference import base_dir

FILES = (
    "sp-api-models/models/catalog-items-api-model/catalogItems_2020-12-01.json",
    "sp-api-models/models/catalog-items-api-model/catalogItems_2022-04-01.json",
    "sp-api-models/models/catalog-items-api-model/catalogItemsV0.json",
    "sp-api-models/models/listings-items-api-model/listingsItems_2021-08-01.json",
    "sp-api-models/schemas/feeds/listings-feed-schema-v2.example.json",
    "sp-api-models/schemas/feeds/listings-feed-processing-report-schema-v2.example.json",
)
ATTRIBUTES = ("item_name", "bullet_point", "product_description", "generic_keyword")
LISTING_KEY = {
    "item_name": "title",
    "bullet_point": "bullets",
    "product_description": "description",
    "generic_keyword": "search_terms",
}


def _walk(node, out):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ATTRIBUTES and isinstance(value, list):
                for item in value:
                    if isinstance(item, dict) and isinstance(item.get("value"), str):
                        out[key].add(item["value"])
            elif key == "itemName" and isinstance(value, str):
                out["item_name"].add(value)
            _walk(value, out)
    elif isinstance(node, list):
        for item in node:
            _walk(item, out)


def amazon_copy():
    out = {attribute: set() for attribute in ATTRIBUTES}
    for name in FILES:
        _walk(json.loads((base_dir() / name).read_text("utf-8")), out)
    product = json.loads((base_dir() / "ptd/PRODUCT.json").read_text("utf-8"))
    for attribute in ATTRIBUTES:
        value = product["properties"][attribute]["items"]["properties"]["value"]
        out[attribute].update(value.get("examples", ()))
    return out


COPY = amazon_copy()


def listing_for(attribute, text):
    value = [text] if attribute == "bullet_point" else text
    return {LISTING_KEY[attribute]: value}


def test_the_examples_are_there():
    assert len(COPY["item_name"]) >= 10
    assert len(COPY["bullet_point"]) >= 8
    assert COPY["product_description"]
    assert len(COPY["generic_keyword"]) >= 5


@pytest.mark.parametrize(
    "attribute, text",
    sorted(
        (attribute, text)
        for attribute in ("item_name", "bullet_point", "product_description")
        for text in COPY[attribute]
    ),
)
def test_no_findings_on_amazons_titles_bullets_descriptions(attribute, text):
    found = lr.check_listing(listing_for(attribute, text))
    assert [(f.rule, f.text) for f in found] == []


@pytest.mark.parametrize("text", sorted(COPY["generic_keyword"]))
def test_amazons_search_terms_only_repeat_words(text):
    found = lr.check_listing({"search_terms": text, "brand": "Samsung"})
    assert {f.rule for f in found} <= {"search.repeated_word"}
    assert {f.severity for f in found} <= {"warning"}
    if " tv " in text.casefold():
        assert found
    # One warning per repeated word, never an error.
    words = [f.params["text"].casefold() for f in found]
    assert len(words) == len(set(words))


def test_amazons_samsung_listing_as_a_whole():
    """Title, bullets and search terms of the listings items example
    together, with its brand: errors none."""
    bullets = sorted(t for t in COPY["bullet_point"] if t.isascii())
    listing = {
        "title": next(t for t in COPY["item_name"] if t.startswith("Samsung")),
        "brand": "SAMSUNG",
        "bullets": bullets[:5],
    }
    assert lr.check_listing(listing) == []
