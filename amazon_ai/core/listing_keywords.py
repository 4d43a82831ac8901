"""Keywords for listing copy, mined from the seller's own data by TF-IDF.

Method: TF-IDF (term frequency times inverse document frequency, scikit-learn's
``TfidfVectorizer``) over word phrases of one to three words. The documents
are the product's own text (one document: name, description, category,
attribute values) and each text of the seller's other listings of the same
product type (every title, bullet, description and search terms string is
one document). A phrase weighs more the more often the product's text uses
it and the fewer of the seller's texts use it too: tf-idf finds what sets
this product apart within the seller's range, while the catalogue says which
words the seller's customers already find that product type by. No trained
model, nothing downloaded, no network; nothing of other sellers ever goes in
(Amazon's Acceptable Use Policy forbids using one seller's data for another;
ARCHITECTURE.md rule 5).

Candidate phrases are runs of one to three adjacent words inside one clause
(punctuation and stop words end a run, as in RAKE), so every phrase is words
the seller wrote side by side: "cold for 24 hours" gives "cold" and "hours",
never "cold hours". Stop words are scikit-learn's English list less the
words that describe products ("top", "side", "thick", "full"...), plus ours.

- ``mine_keywords(product_texts, catalogue_texts)``: phrases of the product's
  own text ranked by tf-idf weight, those that the seller's catalogue also
  uses first (the words the seller's customers already find that product
  type by), then catalogue phrases that share a word with the product's name
  (a broader term of the same kind of product: "insulated bottle" for a
  "Water Bottle"), catalogue phrases ranked by their tf-idf weight summed
  over the catalogue's texts.
- ``search_words(phrases, exclude, limit)``: single words for
  ``generic_keyword``, each once, without the excluded words (brands, title
  words), temporary or subjective words, ASINs, under ``limit`` UTF-8 bytes.

Deterministic: the same texts give the same keywords (counting only; ties
are broken by the phrase).

Limits: tf-idf counts words, it does not understand them: no synonyms
("flask" does not bring "thermos" unless the seller wrote both), no
stemming ("bottle" and "bottles" are two phrases), English only. In a short
product text most phrases occur once, so their rank is their rarity in the
catalogue alone; with no catalogue they tie and come in alphabetical order,
which says nothing of their importance. Phrases the seller never wrote
cannot come out.

Not YAKE: its 0.7.3 wheel's LICENSE is the AGPL-3.0, unfit for this LGPL-3 suite.
"""

import functools
import re

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from .listing_consistency import MEASURE
from .listing_text_rules import (
    ASIN,
    FUNCTION_WORDS,
    SUBJECTIVE,
    TEMPORARY,
    TITLE_WORD,
    WORD,
)

# scikit-learn's English stop words that name a part, a shape or a property
# of a product ("top handle", "side pocket", "thick mat", "full size"): kept
# as keywords.
PRODUCT_WORDS = frozenset(
    [
        "back",
        "bottom",
        "detail",
        "empty",
        "fill",
        "fire",
        "front",
        "full",
        "mill",
        "part",
        "side",
        "system",
        "thick",
        "thin",
        "top",
        "whole",
    ]
)
# Words that say nothing about the product in a search box.
STOP_WORDS = (
    FUNCTION_WORDS
    | (ENGLISH_STOP_WORDS - PRODUCT_WORDS)
    | frozenset(
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
)
MAX_PHRASE_WORDS = 3
# Where a phrase ends whatever the words: sentence and clause punctuation,
# brackets, slashes ("Kitchen / Drinkware") and dashes between spaces.
CLAUSE_END = re.compile(r"[.,;:!?()\[\]{}/\\|•·\"“”]|\s[-–—]\s|\n")


def _clean(text):
    text = re.sub(r"<[^>]+>", " ", text or "")
    return re.sub(r"\s+", " ", text).strip()


@functools.lru_cache(maxsize=4096)
def _candidates(text):
    """``((key, spelling), ...)``: every candidate phrase of ``text`` in
    order, ``key`` case-folded (what is counted), ``spelling`` as written.

    Cached: proposing copy for many listings of one product type reads the
    same catalogue texts each time (a pure function: same text, same list).
    """
    out = []
    # A quantity ("750 ml", "0.5 kg") is a fact for the title and bullets,
    # not a phrase to search by: it ends a phrase, and so does a number.
    text = MEASURE.sub(" . ", _clean(text))
    for clause in CLAUSE_END.split(text):
        run = []
        for word in TITLE_WORD.findall(clause) + [""]:
            key = word.casefold()
            if key and key not in STOP_WORDS and not key.isdigit():
                run.append(word)
                continue
            for size in range(1, MAX_PHRASE_WORDS + 1):
                for start in range(len(run) - size + 1):
                    words = run[start : start + size]
                    spelling = " ".join(words)
                    out.append((spelling.casefold(), spelling))
            run = []
    return tuple(out)


def _phrase_keys(text):
    # The vectorizer's analyzer: the documents given to it are the texts.
    return [key for key, _spelling in _candidates(text)]


def _spellings(texts):
    first = {}
    for text in texts:
        for key, spelling in _candidates(text):
            first.setdefault(key, spelling)
    return first


def _ordered(weights, names, spellings, top):
    """The ``top`` phrases of positive weight, heaviest first, ties by
    phrase; rounded so that float noise cannot reorder equal weights."""
    found = [(round(float(w), 9), names[i]) for i, w in enumerate(weights) if w > 0]
    found.sort(key=lambda item: (-item[0], item[1]))
    return tuple(spellings[key] for _w, key in found[:top])


@functools.lru_cache(maxsize=256)
def _ranked(own_text, catalogue_texts, top):
    """``(own, catalogue)``: the product's phrases (at most ``2 * top``) and
    the catalogue's (at most ``3 * top``), best first.

    Fitted on the product's text and the catalogue's texts together, so an
    own phrase that many of the seller's texts use weighs less than one that
    sets the product apart. Cached like ``_candidates``."""
    documents = [own_text, *catalogue_texts]
    if not any(_candidates(text) for text in documents):
        return (), ()  # nothing but stop words: the vectorizer would refuse
    vectorizer = TfidfVectorizer(analyzer=_phrase_keys, lowercase=False)
    matrix = vectorizer.fit_transform(documents)
    names = vectorizer.get_feature_names_out()
    own = _ordered(matrix[0].toarray()[0], names, _spellings([own_text]), top * 2)
    catalogue = ()
    if catalogue_texts:
        # Summed over the texts (each of unit length): a phrase counts for
        # how many of the seller's texts use it and how much in each.
        catalogue = _ordered(
            matrix[1:].sum(axis=0).A1,
            names,
            _spellings(catalogue_texts),
            top * 3,
        )
    return own, catalogue


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
    catalogue_texts = tuple(_clean(t) for t in catalogue_texts if _clean(t))
    own, catalogue = _ranked(own_text, catalogue_texts, top)
    own = [p for p in own if _usable(p)]
    catalogue = [p for p in catalogue if _usable(p)]
    catalogue_keys = {p.casefold() for p in catalogue}
    catalogue_words = {w for p in catalogue for w in _words(p)}
    # The seller's vocabulary first: own phrases the catalogue uses too,
    # then those whose words it uses, then the rest by tf-idf weight.
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
