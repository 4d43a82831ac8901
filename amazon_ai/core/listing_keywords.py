"""Keywords for listing copy, mined from the seller's own data with YAKE.

YAKE (``yake`` on PyPI, 0.7) extracts key phrases from one text by
statistics of the text itself (word frequency, position, casing, spread over
sentences): no trained model, no corpus from elsewhere, no network. Inputs
are the product's own data and the seller's own listings of the same product
type; nothing of other sellers ever goes in (Amazon's Acceptable Use Policy
forbids using one seller's data for another; ARCHITECTURE.md rule 5).

- ``mine_keywords(product_texts, catalogue_texts)``: phrases of the product's
  own text ranked by YAKE, those that the seller's catalogue also uses first
  (the words the seller's customers already find that product type by), then
  catalogue phrases that share a word with the product's name (a broader
  term of the same kind of product: "insulated bottle" for a "Water Bottle").
- ``search_words(phrases, exclude, limit)``: single words for
  ``generic_keyword``, each once, without the excluded words (brands, title
  words), temporary or subjective words, ASINs, under ``limit`` UTF-8 bytes.

Deterministic: the same texts give the same keywords (YAKE is statistics
only; ties are broken by the phrase).

Licence, to be decided before a release: the ``yake`` 0.7.3 wheel ships a
LICENSE file granting the GNU AGPL-3.0 (or a commercial licence), while its
PyPI metadata says "LGPLv3" and its classifier GPLv3; this suite is LGPL-3.
This module is the only place that imports it, so a permissive extractor can
replace it here alone (``_ranked`` is the whole interface).
"""

import functools
import re

import yake

from .listing_text_rules import ASIN, FUNCTION_WORDS, SUBJECTIVE, TEMPORARY, WORD

# Words that say nothing about the product in a search box.
STOP_WORDS = FUNCTION_WORDS | frozenset(
    [
        "is",
        "are",
        "be",
        "it",
        "its",
        "this",
        "these",
        "those",
        "you",
        "your",
        "our",
        "we",
        "they",
        "their",
        "will",
        "can",
        "may",
        "all",
        "any",
        "each",
        "every",
        "more",
        "very",
        "also",
        "just",
        "only",
        "one",
        "ones",
        "other",
        "item",
        "items",
        "product",
        "products",
        "pcs",
        "pc",
        "x",
        "set",
        "sets",
        "pack",
        "packs",
        "pair",
        "pairs",
        "piece",
        "pieces",
        "count",
    ]
)
MAX_PHRASE_WORDS = 3


def _extractor(top):
    return yake.KeywordExtractor(
        lan="en", n=MAX_PHRASE_WORDS, dedupLim=0.8, top=top, features=None
    )


def _clean(text):
    text = re.sub(r"<[^>]+>", " ", text or "")
    return re.sub(r"\s+", " ", text).strip()


@functools.lru_cache(maxsize=256)
def _ranked(text, top):
    """``[(phrase, score)]`` best (lowest YAKE score) first, ties by phrase.

    Cached: proposing copy for many listings of one product type reads the
    same catalogue text each time (a pure function: same text, same list)."""
    text = _clean(text)
    if not text:
        return ()
    found = _extractor(top).extract_keywords(text)
    return tuple(
        sorted(
            ((phrase.strip(), round(float(score), 9)) for phrase, score in found),
            key=lambda item: (item[1], item[0].casefold()),
        )
    )


def _words(text):
    return [w.casefold() for w in WORD.findall(text or "")]


def _usable(phrase):
    """A phrase worth keeping: not an ASIN, a price-like number alone, or
    made of stop words."""
    words = _words(phrase)
    if not words or all(w in STOP_WORDS or w.isdigit() for w in words):
        return False
    return not ASIN.search(phrase.upper())


def mine_keywords(product_texts, catalogue_texts=(), top=40):
    """Key phrases for one product, best first.

    ``product_texts``: the product's own strings (name, description,
    category, attribute values, variant names). ``catalogue_texts``: the
    seller's other listings of the same product type (titles, bullets,
    descriptions). Returns at most ``top`` distinct phrases (case-folded
    duplicates removed, the first spelling kept).
    """
    own_text = ". ".join(_clean(t) for t in product_texts if _clean(t))
    catalogue_text = ". ".join(_clean(t) for t in catalogue_texts if _clean(t))
    own = [p for p, _ in _ranked(own_text, top * 2) if _usable(p)]
    catalogue = [p for p, _ in _ranked(catalogue_text, top * 3) if _usable(p)]
    catalogue_keys = {p.casefold() for p in catalogue}
    catalogue_words = {w for p in catalogue for w in _words(p)}
    # The seller's vocabulary first: own phrases the catalogue uses too,
    # then those whose words it uses, then the rest in YAKE's order.
    shared = [p for p in own if p.casefold() in catalogue_keys]
    worded = [
        p
        for p in own
        if p not in shared and any(w in catalogue_words for w in _words(p))
    ]
    rest = [p for p in own if p not in shared and p not in worded]
    own_words = {w for t in product_texts[:1] for w in _words(t)} - STOP_WORDS
    own_keys = {p.casefold() for p in own}
    related = [
        p
        for p in catalogue
        if own_words & set(_words(p)) and p.casefold() not in own_keys
    ]
    out, seen = [], set()
    for phrase in shared + worded + rest + related:
        key = phrase.casefold()
        if key not in seen:
            seen.add(key)
            out.append(phrase)
    return out[:top]


def search_words(phrases, exclude=(), limit=250):
    """Space-separated words from ``phrases`` for Amazon's search terms.

    Each word once, lower case; none of ``exclude`` (words, compared case
    insensitively: the brand names, the title's words), no stop words, no
    temporary or subjective words (Amazon's lists, ``listing_text_rules``), no
    ASINs; strictly under ``limit`` bytes in UTF-8, as Amazon counts.
    """
    excluded = {w for text in exclude for w in _words(text)}
    chosen, size = [], 0
    for phrase in phrases:
        for word in _words(phrase):
            if (
                word in excluded
                or word in STOP_WORDS
                or word.isdigit()
                or len(word) < 2
                or TEMPORARY.fullmatch(word)
                or SUBJECTIVE.fullmatch(word)
                or ASIN.fullmatch(word.upper())
            ):
                continue
            cost = len(word.encode("utf-8")) + (1 if chosen else 0)
            if size + cost >= limit:
                continue  # a shorter word may still fit
            chosen.append(word)
            excluded.add(word)
            size += cost
    return " ".join(chosen)
