"""Consistency rules: what the copy says against the product's own data.

Amazon's own generative listing tool publishes copy that contradicts the
product (wrong material, wrong size, wrong capacity), and Amazon's listing
rules require copy that is accurate for the product ("Prohibited product
claims": not misleading about the product's qualities or characteristics).
These rules compare the title, bullets and description with the product's
attributes (from Odoo), given as a plain dict; a fact the product does not
give is not checked:

- ``material`` / ``materials``: a known material named in the copy (cotton,
  polyester, stainless steel, ...) must be one of the product's, or part of
  one ("leather" for "faux leather"); "cotton-free", "no plastic", "BPA-free"
  and "without ..." are negations and pass, and so are looks ("feels like
  cotton", "glass-clear", "brass-coloured", "wood effect") and "iron" the
  care instruction ("iron on low", "do not iron", "iron" in a sentence about
  washing).
- ``color`` / ``colors``: a colour, adjacent colour words read as one phrase
  ("navy blue"), must be one of the product's colours, part of one or
  contain one (product "Navy", copy "navy blue"); a warning, since colours
  name other things ("black and white printer", "red wine").
- ``size`` / ``sizes``: apparel sizes (XS, S, M, L, XL, 2XL, X-Large, or the
  word after "size") must be the product's. Not this product's size, so
  not checked: sizes in a sentence about the model ("model wears size M"),
  about the range ("available in sizes S to XL", "S-XL") and a code used as
  an adjective before a non-apparel noun ("XL capacity", "XL dog bed").
- ``measures``: quantities with units ("750 ml", (32, "fl oz"),
  {"value": 1.5, "unit": "kg"}); each quantity in the copy of the same
  dimension (volume, mass, length) must match one of the product's within 3%
  after unit conversion, so "25.4 fl oz" matches 750 ml and "32 oz" does not.
  "oz" is fluid ounces when the product gives a volume and no mass;
  fractions count ("3/4 litre" is 750 ml); "G" in capitals glued to a
  number is a network generation or a Wi-Fi band ("5G", "2.4G"), not grams.
  Volume and mass mismatches are errors; length mismatches are warnings
  ("fits 15.6 inch laptops" is a length that is not the product's).
- ``unit_count``: "pack of 6", "6-pack", "6 count", "set of 6", "box of 6"
  must match. "12 pieces" and "12-piece set" are not compared: pieces are
  usually the parts of one item (a 12-piece cookware set is one unit,
  unit_count 1), while Amazon's unit count is the items sold together.
"""

import re

from .listing_findings import WARNING, finding

MATERIALS = (
    "faux leather|vegan leather|genuine leather|leather|suede|cotton|organic cotton"
    "|polyester|nylon|spandex|elastane|lycra|rayon|viscose|modal|wool|merino"
    "|cashmere|silk|linen|hemp|jute|bamboo|denim|fleece|velvet|canvas|acrylic"
    "|stainless steel|carbon steel|steel|aluminium|aluminum|cast iron|iron"
    "|copper|brass|titanium|zinc alloy|sterling silver|plastic|polypropylene"
    "|polycarbonate|abs|pvc|silicone|rubber|latex|glass|borosilicate glass"
    "|ceramic|porcelain|stoneware|oak|walnut|pine|beech|teak|acacia|mdf"
    "|plywood|wood|cork|marble|granite|concrete|paper|cardboard"
)
MATERIAL = re.compile(r"\b(?:" + MATERIALS + r")\b", re.IGNORECASE)
NEGATION_BEFORE = re.compile(
    r"(?:\bno|\bnon|\bnot|\bwithout|\bzero|\bfree of|\bfree from|\breplaces?"
    r"|\binstead of|\bunlike|\bthan|\bvs\.?|\bversus)[\s-]+(?:\w+[\s-]+)?$",
    re.IGNORECASE,
)
NEGATION_AFTER = re.compile(r"^[\s-]*(?:free|like)\b", re.IGNORECASE)
# "wood effect", "leather look", "glass-clear", "brass-coloured": an
# appearance, not the material.
LOOK_AFTER = re.compile(
    r"^[\s-]*(?:look|effect|finish|print|grain|clear|colou?red|tone[ds]?|tinted"
    r"|style[ds]?|pattern(?:ed)?)\b",
    re.IGNORECASE,
)
# "feels like cotton", "looks like wood", "as soft as silk".
LOOK_BEFORE = re.compile(
    r"(?:\blike|\bsimilar to|\bresembles?|\bimitation|\bmimics?|\bas \w+ as)"
    r"\s+(?:(?:real|genuine|natural|solid)\s+)?$",
    re.IGNORECASE,
)
# "iron" the care verb: followed by how or where to iron, after "do not", or
# in a sentence with other care words.
IRON_VERB_AFTER = re.compile(
    r"^[\s-]+(?:on|at|low|medium|high|inside|only|reverse|while|when|if|before"
    r"|after|with|separately|cool|warm|hot)\b",
    re.IGNORECASE,
)
IRON_VERB_BEFORE = re.compile(
    r"(?:\bnot|\bn't|\bcool|\bwarm|\bhot|\bsteam|\bto|\beasy to)\s+$", re.IGNORECASE
)
CARE_WORDS = re.compile(
    r"\b(?:wash\w*|tumble|dry|dry-clean|bleach|launder\w*|care)\b", re.IGNORECASE
)
SENTENCE_END = re.compile(r"[.!?;\n]")

COLORS = (
    "black|white|grey|gray|silver|gold|red|blue|navy|green|olive|yellow|orange"
    "|pink|purple|violet|brown|beige|tan|khaki|ivory|cream|teal|turquoise"
    "|maroon|burgundy|charcoal|rose gold|multicolou?r"
)
# Adjacent colour words are one colour ("navy blue", "black-grey").
COLOR = re.compile(
    r"\b(?:" + COLORS + r")(?:[\s-]+(?:" + COLORS + r"))*\b", re.IGNORECASE
)

SIZE_NAMES = {
    "xxs": "XXS",
    "xs": "XS",
    "x-small": "XS",
    "extra small": "XS",
    "s": "S",
    "small": "S",
    "m": "M",
    "medium": "M",
    "l": "L",
    "large": "L",
    "xl": "XL",
    "x-large": "XL",
    "extra large": "XL",
    "xxl": "XXL",
    "2xl": "XXL",
    "xx-large": "XXL",
    "xxxl": "XXXL",
    "3xl": "XXXL",
    "xxx-large": "XXXL",
    "4xl": "4XL",
    "5xl": "5XL",
}
# Letters alone only after "size"; the unambiguous codes anywhere.
SIZE = re.compile(
    r"\bsize[:\s]+(?P<after>x{0,3}-?(?:small|large)|extra (?:small|large)"
    r"|medium|\d?x{0,3}[sml]|[2-5]xl)\b"
    r"|\b(?P<code>XXS|XS|XL|XXL|XXXL|[2-5]XL|X-Large|XX-Large|XXX-Large|X-Small)\b",
    re.IGNORECASE,
)
SIZE_TOKEN = r"(?:x{0,3}-?(?:small|large)|medium|\d?x{0,3}[sml]|[2-5]xl)"
# The sentence talks about another person's size or the whole range.
OTHER_SIZES = re.compile(
    r"\bmodel\b|\bwears\b|\bwearing\b|\bsizes\b|\bavailable in\b"
    r"|\bcomes in\b|\bsize range\b|\bsize chart\b",
    re.IGNORECASE,
)
RANGE_BEFORE = re.compile(
    r"\b" + SIZE_TOKEN + r"\s*(?:to|through|-|–|/)\s*$", re.IGNORECASE
)
RANGE_AFTER = re.compile(
    r"^\s*(?:to|through|-|–|/)\s*" + SIZE_TOKEN + r"\b", re.IGNORECASE
)
# A size code as an adjective: "XL capacity", "XXL dog bed".
NOT_APPAREL_AFTER = re.compile(
    r"^[\s-]+(?:capacity|storage|space|volume|battery|screen|display|bowl"
    r"|drawers?|bins?|pots?|pans?|baskets?|box(?:es)?|tanks?|beds?|mats?|pads?"
    r"|mouse ?pads?|trays?|crates?|kennels?|cages?|dog|cat|pet|pizza|portion)\b",
    re.IGNORECASE,
)

# unit -> (dimension, factor to the base unit: ml, g, mm)
UNITS = {
    "ml": ("volume", 1.0),
    "l": ("volume", 1000.0),
    "cl": ("volume", 10.0),
    "fl oz": ("volume", 29.5735),
    "gal": ("volume", 3785.41),
    "g": ("mass", 1.0),
    "kg": ("mass", 1000.0),
    "mg": ("mass", 0.001),
    "lb": ("mass", 453.592),
    "oz": ("mass", 28.3495),
    "mm": ("length", 1.0),
    "cm": ("length", 10.0),
    "m": ("length", 1000.0),
    "in": ("length", 25.4),
    "ft": ("length", 304.8),
}
UNIT_WORDS = {
    "millilitre": "ml",
    "milliliter": "ml",
    "litre": "l",
    "liter": "l",
    "fluid ounce": "fl oz",
    "fl. oz": "fl oz",
    "fl.oz": "fl oz",
    "floz": "fl oz",
    "gallon": "gal",
    "gram": "g",
    "kilogram": "kg",
    "kilo": "kg",
    "pound": "lb",
    "lbs": "lb",
    "ounce": "oz",
    "millimetre": "mm",
    "millimeter": "mm",
    "centimetre": "cm",
    "centimeter": "cm",
    "metre": "m",
    "meter": "m",
    "inch": "in",
    "inches": "in",
    '"': "in",
    "″": "in",
    "feet": "ft",
    "foot": "ft",
}
MEASURE = re.compile(
    r"(?<![\w./])(?P<value>(?:\d+\s)?\d+/\d+|\d{1,3}(?:,\d{3})+(?:\.\d+)?"
    r"|\d+(?:[.,]\d+)?)\s?-?\s?"
    r"(?P<unit>fl\.?\s?oz|fluid ounces?|millilit(?:er|re)s?|lit(?:er|re)s?"
    r"|gallons?|gal|ml|cl|kilograms?|kilos?|kg|grams?|mg|g|pounds?|lbs?"
    r"|ounces?|oz|millimet(?:er|re)s?|centimet(?:er|re)s?|met(?:er|re)s?"
    r"|mm|cm|m|inch(?:es)?|in(?!\s*\d)|feet|foot|ft|\"|″|l)(?![\w])",
    re.IGNORECASE,
)
COUNT = re.compile(
    r"\b(?:pack|set|box|case) of (?P<a>\d+)\b"
    r"|\b(?P<b>\d+)[- ]?(?:pack|count|ct)\b",
    re.IGNORECASE,
)
TOLERANCE = 0.03


def _texts(listing):
    yield "item_name", None, listing.get("title") or ""
    for index, bullet in enumerate(listing.get("bullets") or ()):
        yield "bullet_point", index, bullet or ""
    yield "product_description", None, listing.get("description") or ""


def _values(product, *keys):
    out = []
    for key in keys:
        value = product.get(key)
        if value is None or value is False or value == "":
            continue
        out += list(value) if isinstance(value, (list, tuple, set)) else [value]
    return [str(v).strip() for v in out if str(v).strip()]


def _unit(text):
    key = re.sub(r"\s+", " ", text.strip().casefold())
    key = key.rstrip("s") if key not in ("lbs", "inches", "fl oz") else key
    if key in UNITS:
        return key
    if key.replace(".", "").replace(" ", "") == "floz":
        return "fl oz"
    return UNIT_WORDS.get(key) or UNIT_WORDS.get(key + "s") or UNIT_WORDS.get(text)


def _number(text):
    if "/" in text:  # "3/4", "1 1/2"
        whole, _, fraction = text.rpartition(" ")
        numerator, denominator = fraction.split("/")
        if not int(denominator):
            return None
        return (int(whole) if whole else 0) + int(numerator) / int(denominator)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))


def _measure(item):
    """(dimension, base value, label) from "750 ml", (750, "ml") or a dict."""
    if isinstance(item, dict):
        item = (item.get("value"), item.get("unit"))
    if isinstance(item, (tuple, list)) and len(item) == 2:
        value, unit = item
        unit = _unit(str(unit))
        if unit is None or value is None:
            return None
        dimension, factor = UNITS[unit]
        return dimension, float(value) * factor, f"{value} {unit}", unit
    match = MEASURE.search(str(item))
    return _from_match(match) if match else None


def _from_match(match):
    if match.group("unit") == "G" and match.group(0)[-2:-1].isdigit():
        # "5G", "4G LTE", "2.4G Wi-Fi": grams are written "g".
        return None
    unit = _unit(match.group("unit"))
    if unit is None:
        return None
    dimension, factor = UNITS[unit]
    value = _number(match.group("value"))
    if value is None:
        return None
    return dimension, value * factor, match.group(0), unit


def _close(a, b):
    return abs(a - b) <= TOLERANCE * max(abs(a), abs(b))


def _sentence(text, match):
    start = max(
        (m.end() for m in SENTENCE_END.finditer(text, 0, match.start())), default=0
    )
    end = SENTENCE_END.search(text, match.end())
    return text[start : end.start() if end else len(text)]


def _negated(text, match, looks=False):
    before, after = text[: match.start()], text[match.end() :]
    return bool(
        NEGATION_BEFORE.search(before)
        or NEGATION_AFTER.match(after)
        or (looks and (LOOK_AFTER.match(after) or LOOK_BEFORE.search(before)))
    )


def _iron_verb(text, match):
    """ "Iron on low", "do not iron", "machine wash, iron": the care verb."""
    if match.group(0).casefold() != "iron":
        return False
    return bool(
        IRON_VERB_AFTER.match(text[match.end() :])
        or IRON_VERB_BEFORE.search(text[: match.start()])
        or CARE_WORDS.search(_sentence(text, match))
    )


def _word_check(text, pattern, allowed, rule, attribute, index, severity=None):
    allowed_keys = [a.casefold() for a in allowed]
    out = []
    for match in pattern.finditer(text):
        word = match.group(0).casefold()
        if any(word in a or a in word for a in allowed_keys):
            continue
        if _negated(text, match, looks=pattern is MATERIAL):
            continue
        if pattern is MATERIAL and _iron_verb(text, match):
            continue
        out.append(
            finding(
                rule,
                attribute,
                match,
                index=index,
                severity=severity,
                expected=", ".join(allowed),
            )
        )
    return out


def _size_key(value):
    key = re.sub(r"\s+", " ", value.strip().casefold())
    return SIZE_NAMES.get(key, key.upper())


def _sizes(text, sizes, attribute, index):
    allowed = {_size_key(s) for s in sizes}
    out = []
    for match in SIZE.finditer(text):
        said = match.group("after") or match.group("code")
        if _size_key(said) in allowed:
            continue
        if _other_size(text, match):
            continue
        span = (match.start(), match.end(), match.group(0))
        out.append(
            finding(
                "consistency.size",
                attribute,
                span,
                index=index,
                expected=", ".join(sizes),
                text=said,
            )
        )
    return out


def _other_size(text, match):
    """A size that is not this product's: the model's, the range's, or a
    code used as an adjective (see the module docstring)."""
    if OTHER_SIZES.search(_sentence(text, match)):
        return True
    before, after = text[: match.start()], text[match.end() :]
    if RANGE_BEFORE.search(before) or RANGE_AFTER.match(after):
        return True
    return bool(match.group("code") and NOT_APPAREL_AFTER.match(after))


def _measures(text, measures, attribute, index):
    by_dimension = {}
    for dimension, base, label, unit in measures:
        by_dimension.setdefault(dimension, []).append((base, label, unit))
    out = []
    for match in MEASURE.finditer(text):
        said = _from_match(match)
        if said is None:
            continue
        dimension, base, label, unit = said
        candidates = [(dimension, base)]
        if unit == "oz" and "volume" in by_dimension:
            candidates.append(("volume", base / UNITS["oz"][1] * UNITS["fl oz"][1]))
        known = [c for c in candidates if c[0] in by_dimension]
        if not known:
            continue
        if any(
            _close(value, theirs)
            for dim, value in known
            for theirs, _, _ in by_dimension[dim]
        ):
            continue
        dims = {dim for dim, _ in known}
        expected = ", ".join(lbl for d in dims for _, lbl, _ in by_dimension[d])
        severity = WARNING if dims == {"length"} else None
        out.append(
            finding(
                "consistency.measure",
                attribute,
                match,
                index=index,
                severity=severity,
                expected=expected,
            )
        )
    return out


def _counts(text, unit_count, attribute, index):
    out = []
    for match in COUNT.finditer(text):
        said = int(match.group("a") or match.group("b"))
        if said != unit_count:
            out.append(
                finding(
                    "consistency.count",
                    attribute,
                    match,
                    index=index,
                    expected=unit_count,
                )
            )
    return out


def _facts(product):
    measures = [_measure(m) for m in product.get("measures") or ()]
    unit_count = product.get("unit_count")
    return {
        "materials": _values(product, "material", "materials"),
        "colors": _values(product, "color", "colors", "colour", "colours"),
        "sizes": _values(product, "size", "sizes"),
        "measures": [m for m in measures if m],
        "unit_count": int(unit_count) if unit_count else None,
    }


def _check_text(text, facts, attribute, index):
    out = []
    if facts["materials"]:
        out += _word_check(
            text, MATERIAL, facts["materials"], "consistency.material", attribute, index
        )
    if facts["colors"]:
        out += _word_check(
            text, COLOR, facts["colors"], "consistency.color", attribute, index
        )
    if facts["sizes"]:
        out += _sizes(text, facts["sizes"], attribute, index)
    if facts["measures"]:
        out += _measures(text, facts["measures"], attribute, index)
    if facts["unit_count"]:
        out += _counts(text, facts["unit_count"], attribute, index)
    return out


def _without_brand(text, brand):
    """``text`` with the brand's own name blanked (same length, so spans
    stay right): a brand names no fact of the product ("Harbor & Pine" is
    not pine wood, "Red Wing" not a red shoe)."""
    if not brand:
        return text
    return re.sub(
        re.escape(brand), lambda m: " " * len(m.group(0)), text, flags=re.IGNORECASE
    )


def check_consistency(listing, product):
    if not product:
        return []
    facts = _facts(product)
    brand = (listing.get("brand") or "").strip()
    out = []
    for attribute, index, text in _texts(listing):
        if text:
            out += _check_text(_without_brand(text, brand), facts, attribute, index)
    return out
