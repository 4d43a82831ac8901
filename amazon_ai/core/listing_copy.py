"""Listing copy: title, five bullets, description and search terms proposed
from the seller's own product data, then checked by the rule engine.

``propose(product, limits=None)`` is the local generator: templates filled
with the product's facts, key phrases ranked by TF-IDF (scikit-learn) over
the product's text and the seller's own listings of the same product type
(``listing_keywords``).
It runs locally, never calls out, and is deterministic: the same input
always gives the same proposal.

``repair(listing, product, limits)`` is what every proposal goes through,
whoever wrote it (this module or an OpenAI-compatible endpoint,
``listing_llm``): it runs ``listing_rules.check_listing`` and removes what an
error finding points at (the span in the title and search terms, the
sentence in a bullet or the description), runs the engine again, and
empties an attribute that still fails. A proposal therefore never carries an
error finding; warnings stay, for the person who accepts it.

The ``product`` dict (plain data, built by the Odoo layer):

- ``name``, ``brand``, ``category``, ``description`` (plain text),
  ``product_type``;
- ``attributes``: ``{label: value}`` of the product (its variant's
  attribute values and the like); ``material``, ``color``/``colour``,
  ``size`` among them also feed the engine's consistency rules;
- ``measures`` (e.g. ``["750 ml"]``), ``unit_count``, ``country_of_origin``:
  facts for the consistency and claims rules;
- ``variants``: names of the template's other variants;
- ``listings``: the seller's other listings of the same product type, each
  ``{"title", "bullets", "description", "search_terms", "brand"}``;
- ``brands``: other brand names of the seller (kept out of search terms).

English only, like the rule engine's word lists.
"""

import re

from . import listing_text_rules as text_rules
from .listing_findings import BULLETS, DESCRIPTION, ERROR, SEARCH_TERMS, TITLE
from .listing_keywords import mine_keywords, search_words
from .listing_rules import check_listing

GENERATOR = "local"
BULLET_COUNT = 5
# Amazon's style guides ask for short bullets; the schema allows 700.
BULLET_TARGET = 250
DESCRIPTION_TARGET = 2000
MAX_REPAIR_ROUNDS = 6

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
_FACT_KEYS = {
    "material": "material",
    "materials": "materials",
    "color": "color",
    "colour": "color",
    "colors": "colors",
    "colours": "colors",
    "size": "size",
    "sizes": "sizes",
}


# --- facts --------------------------------------------------------------------


def facts(product):
    """The engine's ``product`` dict (consistency and claims) from ``product``:
    its attributes named material, colour or size, and its measures, unit
    count and country of origin."""
    out = {}
    for label, value in (product.get("attributes") or {}).items():
        key = _FACT_KEYS.get(str(label).strip().casefold())
        if key and value not in (None, False, ""):
            out[key] = value
    for key in ("measures", "unit_count", "country_of_origin", "epa_registration"):
        if product.get(key):
            out[key] = product[key]
    return out


def _plain(text):
    text = re.sub(r"<[^>]+>", " ", str(text or ""))
    return re.sub(r"\s+", " ", text).strip()


def _sentences(text):
    return [s.strip() for s in _SENTENCE.findall(_plain(text)) if s.strip()]


def _value_text(value):
    if isinstance(value, (list, tuple)):
        return ", ".join(_value_text(v) for v in value if v not in (None, ""))
    if isinstance(value, dict):
        return " ".join(str(value.get(k)) for k in ("value", "unit") if value.get(k))
    return _plain(value)


def _contains_words(text, words):
    have = {w.casefold() for w in text_rules.WORD.findall(text)}
    return all(w.casefold() in have for w in text_rules.WORD.findall(words))


def _sound_text(product, limits):
    """``(text, removed)``: the product's description without the sentences
    the engine refuses (a seller's "money back guarantee" is neither copied
    into a bullet nor mined as a keyword), and what was left out."""
    kept, removed = [], []
    for sentence in _sentences(product.get("description")):
        found = _check({"description": sentence}, product, limits)
        errors = [f for f in found if f.severity == ERROR]
        if errors:
            removed.append((DESCRIPTION, errors[0].rule, sentence))
        else:
            kept.append(sentence)
    return " ".join(kept), removed


# --- title ----------------------------------------------------------------------


def _cut(text, limit):
    """``text`` cut at a word boundary to ``limit`` characters, without a
    dangling separator."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[:limit] else ""
    return cut[:limit].rstrip(" ,;:-/&")


def _cut_bytes(text, limit):
    while len(text.encode("utf-8")) > limit and text:
        text = text[: max(len(text) - 1, 0)].rsplit(" ", 1)[0] if " " in text else ""
    return text


def _clean_title(title, brand):
    """Amazon's title characters: forbidden ones and decoration outside the
    brand replaced by spaces; a word only twice."""
    head = ""
    if brand and title.casefold().startswith(brand.casefold()):
        head, title = title[: len(brand)], title[len(brand) :]
    title = "".join(" " if c in text_rules.TITLE_FORBIDDEN else c for c in title)
    title = text_rules.TITLE_DECORATION.sub(" ", title)
    title = "".join(c for c in title if c < "\x80" or not text_rules._is_decorative(c))
    counts, kept = {}, []
    for token in title.split(" "):
        words = [w.casefold() for w in text_rules.TITLE_WORD.findall(token)]
        key = words[0] if len(words) == 1 else None
        if key and key not in text_rules.FUNCTION_WORDS:
            counts[key] = counts.get(key, 0) + 1
            if counts[key] > 2:
                continue
        kept.append(token)
    title = re.sub(r"\s+", " ", head + " ".join(kept)).strip()
    return re.sub(r"\s+,", ",", title).strip(" ,;:-")


def _title(product, limit):
    name = _plain(product.get("name"))
    brand = _plain(product.get("brand"))
    parts = [name]
    if brand and not name.casefold().startswith(brand.casefold()):
        parts[0] = f"{brand} {name}"
    extras = []
    attributes = product.get("attributes") or {}
    for label in ("material", "color", "colour", "size"):
        for key, value in attributes.items():
            if str(key).strip().casefold() == label:
                text = _value_text(value)
                if text and not _contains_words(" ".join(parts + extras), text):
                    extras.append(text)
    for measure in product.get("measures") or ():
        text = _value_text(measure)
        if text and not _contains_words(" ".join(parts + extras), text):
            extras.append(text)
    count = product.get("unit_count")
    if count and int(count) > 1:
        extras.append(f"Pack of {int(count)}")
    title = ", ".join(parts + extras)
    return _cut(_clean_title(title, brand), limit)


# --- bullets and description ------------------------------------------------------


def _bullet(label, text):
    text = _plain(text).rstrip(" ,;:")
    if not text:
        return ""
    end = "" if text[-1] in ".!?" else "."
    return f"{label.upper()}: {text[0].upper()}{text[1:]}{end}"


def _bullets(product):
    name = _plain(product.get("name"))
    attributes = {
        str(k).strip(): _value_text(v)
        for k, v in (product.get("attributes") or {}).items()
        if _value_text(v) and str(k).strip().casefold() != "brand"
    }
    by_key = {k.casefold(): v for k, v in attributes.items()}
    candidates = []
    material = by_key.get("material") or by_key.get("materials")
    if material:
        candidates.append(_bullet("Material", f"{name} made of {material}"))
    size_bits = [by_key[k] for k in ("size",) if by_key.get(k)]
    size_bits += [_value_text(m) for m in product.get("measures") or ()]
    if size_bits:
        candidates.append(_bullet("Size", "; ".join(size_bits)))
    colour = by_key.get("color") or by_key.get("colour")
    if colour:
        candidates.append(_bullet("Colour", colour))
    count = product.get("unit_count")
    if count and int(count) > 1:
        candidates.append(_bullet("What you get", f"{int(count)} x {name}"))
    for sentence in _sentences(product.get("description"))[:6]:
        if len(sentence) <= BULLET_TARGET:
            candidates.append(_bullet("Details", sentence))
    facts_keys = {"material", "materials", "color", "colour", "size"}
    others = [
        f"{label}: {value}"
        for label, value in attributes.items()
        if label.casefold() not in facts_keys
    ]
    if others:
        candidates.append(_bullet("Specifications", "; ".join(others)))
    variants = [_plain(v) for v in product.get("variants") or () if _plain(v)]
    if variants:
        candidates.append(
            _bullet("Options", "this listing is one of: " + "; ".join(variants[:8]))
        )
    category = _plain(product.get("category"))
    if category:
        candidates.append(_bullet("Category", f"{name}, from our {category} range"))
    brand = _plain(product.get("brand"))
    if brand:
        candidates.append(_bullet("Brand", f"{name} by {brand}"))
    out, seen = [], set()
    for bullet in candidates:
        bullet = _cut(bullet, BULLET_TARGET)
        if bullet and bullet.casefold() not in seen:
            seen.add(bullet.casefold())
            out.append(bullet)
    return out


def _description(product, bullets):
    sentences = _sentences(product.get("description"))
    if not sentences:
        name = _plain(product.get("name"))
        brand = _plain(product.get("brand"))
        sentences = [f"{name} by {brand}." if brand else f"{name}."]
        sentences += [b.split(": ", 1)[-1] for b in bullets]
    text = " ".join(sentences)
    return _cut_bytes(text, DESCRIPTION_TARGET)


# --- search terms -----------------------------------------------------------------


def _brands(product):
    names = [_plain(product.get("brand"))] + [
        _plain(b) for b in product.get("brands") or ()
    ]
    names += [_plain(lst.get("brand")) for lst in product.get("listings") or ()]
    return sorted({n for n in names if n}, key=str.casefold)


def _search_limit(limits):
    given = (limits or {}).get("search_terms_max_bytes")
    limit = text_rules.SEARCH_TERMS_MAX_BYTES
    return min(given, limit) if given else limit


def _keywords(product):
    own = [_plain(product.get("name")), _plain(product.get("description"))]
    own += [_plain(product.get("category"))]
    # Values, not their labels ("Blue", not "Color"); not the other
    # variants' values either: a red bottle is not found by "blue".
    own += [_value_text(v) for v in (product.get("attributes") or {}).values()]
    catalogue = []
    for listing in product.get("listings") or ():
        catalogue.append(_plain(listing.get("title")))
        catalogue += [_plain(b) for b in listing.get("bullets") or ()]
        catalogue.append(_plain(listing.get("description")))
        catalogue.append(_plain(listing.get("search_terms")))
    return mine_keywords([t for t in own if t], [t for t in catalogue if t])


# --- repair -------------------------------------------------------------------------


def _drop_spans(text, spans):
    # One span once (two rules may report it); overlapping spans merged.
    merged = []
    for start, end in sorted(set(spans)):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    for start, end in reversed(merged):
        text = text[:start] + " " + text[end:]
    return re.sub(r"\s+", " ", text).strip(" ,;:-")


def _drop_sentences(text, spans):
    """``text`` without the sentences that hold one of ``spans``; a span
    without position (None) drops the whole text."""
    if any(start is None for start, _ in spans):
        return ""
    kept = []
    for match in _SENTENCE.finditer(text):
        if not any(s < match.end() and match.start() < e for s, e in spans):
            kept.append(match.group(0).strip())
    return " ".join(s for s in kept if s)


def _repair_title(listing, found):
    title = listing.get("title") or ""
    spans = [(f.start, f.end) for f in found if f.rule != "title.length"]
    if any(s is None for s, _ in spans):
        return ""
    title = _drop_spans(title, spans) if spans else title
    limit = min(
        (f.params.get("limit") for f in found if f.rule == "title.length"),
        default=len(title),
    )
    return _cut(_clean_title(title, listing.get("brand") or ""), limit)


def _repair_bullets(listing, found):
    bullets = list(listing.get("bullets") or ())
    for f in found:
        if f.rule == "bullets.count":
            bullets = bullets[: f.params["limit"]]
    for index in sorted({f.index for f in found if f.index is not None}):
        if index >= len(bullets):
            continue
        mine = [f for f in found if f.index == index]
        text = bullets[index]
        for f in mine:
            if f.rule == "bullets.length":
                text = _cut(text, f.params["limit"])
        others = [(f.start, f.end) for f in mine if f.rule != "bullets.length"]
        bullets[index] = _drop_sentences(text, others) if others else text
    # A bullet left with its label only says nothing.
    return [b for b in bullets if b and not b.endswith(":")]


def _repair_description(listing, found):
    text = listing.get("description") or ""
    for f in found:
        if f.rule == "description.length":
            text = _cut_bytes(text, f.params["limit"])
    others = [(f.start, f.end) for f in found if f.rule != "description.length"]
    return _drop_sentences(text, others) if others else text


def _repair_search_terms(listing, found):
    terms = listing.get("search_terms") or ""
    for f in found:
        if f.rule == "search.length":
            terms = _cut_bytes(terms, f.params["limit"] - 1)
    others = [(f.start, f.end) for f in found if f.rule != "search.length"]
    if any(s is None for s, _ in others):
        return ""
    return _drop_spans(terms, others) if others else terms


_REPAIRS = {
    TITLE: ("title", _repair_title),
    BULLETS: ("bullets", _repair_bullets),
    DESCRIPTION: ("description", _repair_description),
    SEARCH_TERMS: ("search_terms", _repair_search_terms),
}


def _repair_once(listing, errors):
    by_attribute = {}
    for f in errors:
        by_attribute.setdefault(f.attribute, []).append(f)
    fixed = dict(listing)
    for attribute, found in by_attribute.items():
        key, repair_one = _REPAIRS[attribute]
        fixed[key] = repair_one(listing, found)
    return fixed


def _check(listing, product, limits):
    return check_listing(
        listing, product=facts(product), limits=limits, check_image=False
    )


def repair(listing, product=None, limits=None):
    """``(listing, findings, removed)``: ``listing`` with what the engine's
    errors point at removed; ``findings`` are what the engine still says of
    it (warnings only); ``removed`` lists ``(attribute, rule, text)`` for the
    proposal's record. Never returns an error finding."""
    product = product or {}
    listing = {
        "title": _plain(listing.get("title")),
        "bullets": [_plain(b) for b in listing.get("bullets") or () if _plain(b)],
        "description": _plain(listing.get("description")),
        "search_terms": _plain(listing.get("search_terms")),
        "brand": _plain(listing.get("brand") or product.get("brand")),
    }
    limits = dict(limits or {})
    limits["brand_names"] = sorted(
        set(limits.get("brand_names") or ()) | set(_brands(product))
    )
    removed = []
    for _round in range(MAX_REPAIR_ROUNDS):
        findings = _check(listing, product, limits)
        errors = [f for f in findings if f.severity == ERROR]
        if not errors:
            return listing, findings, removed
        removed += [(f.attribute, f.rule, f.text) for f in errors]
        listing = _repair_once(listing, errors)
    # Still failing: empty what fails rather than propose it.
    findings = _check(listing, product, limits)
    failing = {f.attribute for f in findings if f.severity == ERROR}
    for attribute, key in (
        (TITLE, "title"),
        (DESCRIPTION, "description"),
        (SEARCH_TERMS, "search_terms"),
    ):
        if attribute in failing:
            removed.append((attribute, "dropped", listing[key]))
            listing[key] = ""
    if BULLETS in failing:
        bad = {f.index for f in findings if f.attribute == BULLETS}
        bullets = listing["bullets"]
        removed += [(BULLETS, "dropped", b) for i, b in enumerate(bullets) if i in bad]
        listing["bullets"] = [b for i, b in enumerate(bullets) if i not in bad]
    findings = _check(listing, product, limits)
    if any(f.severity == ERROR for f in findings):  # a count or a whole-value rule
        listing["bullets"] = []
        findings = _check(listing, product, limits)
    return listing, findings, removed


# --- the local generator --------------------------------------------------------


def propose(product, limits=None):
    """The local generator's proposal for ``product`` (see the module's
    docstring): ``{"generator", "title", "bullets", "description",
    "search_terms", "keywords", "findings", "removed"}``, every text passing
    the rule engine without error."""
    limits = dict(limits or {})
    description, left_out = _sound_text(product, limits)
    product = dict(product, description=description)
    title_limit = min(
        limits.get("title_max_length") or text_rules.TITLE_MAX_LENGTH,
        text_rules.TITLE_MAX_LENGTH,
    )
    keywords = _keywords(product)
    title = _title(product, title_limit)
    candidates = _bullets(product)
    # Only bullets with no finding at all are chosen while there are enough;
    # warnings are left for copy the seller wrote, not for copy we make up.
    checked = [
        (bullet, _check({"bullets": [bullet]}, product, limits))
        for bullet in candidates
    ]
    clean = [b for b, found in checked if not found]
    usable = [
        b for b, found in checked if found and all(f.severity != ERROR for f in found)
    ]
    bullets = (clean + usable)[:BULLET_COUNT]
    description = _description(product, bullets)
    terms = search_words(
        keywords,
        exclude=[title, *_brands(product)],
        limit=_search_limit(limits),
    )
    listing, findings, removed = repair(
        {
            "title": title,
            "bullets": bullets,
            "description": description,
            "search_terms": terms,
            "brand": product.get("brand"),
        },
        product,
        limits,
    )
    return {
        "generator": GENERATOR,
        "title": listing["title"],
        "bullets": listing["bullets"],
        "description": listing["description"],
        "search_terms": listing["search_terms"],
        "keywords": keywords,
        "findings": findings,
        "removed": left_out + removed,
    }


def finding_dicts(findings):
    """Findings as plain values (stored with a proposal, shown to people)."""
    return [
        {
            "rule": f.rule,
            "severity": f.severity,
            "attribute": f.attribute,
            "index": f.index,
            "text": f.text,
            "message": f.render(),
            "hint": f.render_hint(),
        }
        for f in findings
    ]


def model_card(endpoint_model=None):
    """What a person reads before accepting a proposal: what made it, from
    which data, how it is checked, and what it cannot do."""
    card = {
        "purpose": (
            "Propose a title, five bullet points, a description and search "
            "terms for an Amazon listing, for a person to accept field by field."
        ),
        "method": (
            "Local generator: templates filled with the product's own facts; "
            "key phrases of one to three words from the product's data, ranked "
            "by TF-IDF (word counts weighed by how rare a phrase is in the "
            "seller's own listings of the same product type, scikit-learn; no "
            "trained model), the phrases those listings also use first. "
            "Deterministic: the same data gives the same proposal."
        ),
        "inputs": [
            "product name, brand, category and description",
            (
                "the product's attribute values (material, colour, size...) and its "
                "variants' names"
            ),
            (
                "the seller's own listings of the same product type (titles, "
                "bullets, descriptions, search terms)"
            ),
        ],
        "never_used": [
            "orders, buyers and their addresses",
            "other sellers' or competitors' listings",
            "credentials and secrets",
        ],
        "checks": (
            "Every proposal goes through the listing rule engine (title, "
            "bullets, description and search-term rules, claims, and "
            "consistency with the product's attributes); what an error points "
            "at is removed before the proposal is shown, and what still fails "
            "is left empty. Warnings are shown beside the proposal."
        ),
        "known_limits": [
            "English only: the templates and the rule engine's word lists are English.",
            (
                "It knows only what the product record says: missing facts "
                "(material, dimensions, care) give shorter, plainer copy, never "
                "invented facts."
            ),
            (
                "Search terms come from the product's and the seller's own words; "
                "no search volume or buyer behaviour is known to it."
            ),
            (
                "Key phrases are counted, not understood: no synonyms, and no "
                "plural or other form of a word that the seller did not write."
            ),
            (
                "The rule engine's checks are heuristics: a person accepts each "
                "field and remains responsible for the listing."
            ),
        ],
    }
    if endpoint_model:
        card["method"] += (
            " Optional: a language model on an OpenAI-compatible endpoint the "
            "administrator configured (%s) writes the text from the same "
            "product data; its answer goes through the same rule engine."
        ) % endpoint_model
        card["known_limits"].append(
            "A language model may state things the product data does not "
            "support; the consistency rules catch contradicted materials, "
            "colours, sizes, measures and counts only."
        )
    return card
