"""Text rules: title, bullet points, description and search terms.

Sources (checked December 2026):

- Title: Amazon Seller Central, "Product title requirements and guidelines"
  (help page 201100890, the 2025 version): titles must not exceed 200
  characters including spaces (fewer where the category says so), must not
  contain promotional phrases ("free shipping", "100% quality guaranteed"),
  must not use ``! $ ? _ { } ^ ¬ ¦`` (unless part of the brand name), nor
  decorative characters (its non-compliant example: "Beach Coverup << Size
  Kids XXS >>"; here ``< > « » ~ * =``, ``||``, emoji and symbols), and must
  not repeat a word more than twice (prepositions, articles and conjunctions
  excepted; a hyphenated token such as "USB-C" is a word of its own). The
  per-type limit comes from the Product Type Definition's ``item_name``
  ``maxLength`` (``limits_from_schema``).
- Bullets and description: Amazon's product detail page rules, as quoted
  by amzseller.club ("Policies for writing Amazon listings"; Amazon's own
  page was not among the sources searched): none of phone numbers,
  addresses, e-mail addresses or website URLs; details of availability,
  price or condition; reviews, quotes or testimonials, nor requests for
  reviews; promotional material. Emoji and decorative symbols, guarantees and
  refund promises, placeholder text and ASINs come from issue 21's rule list
  (Amazon's bullet point guidance, not re-checked here). The length limits
  come from the schema: ``bullet_point`` ``maxLength`` 700 and at most 10 bullets,
  ``product_description`` ``maxUtf8ByteLength`` 10,000 in PRODUCT.json.
- Search terms: Seller Central help 23501 "Use search terms effectively":
  less than 250 bytes (UTF-8: "ä" is two bytes), and prohibited: brand names
  (your own too), ASINs, temporary words ("available now, brand new, current,
  discounted, just launched, last chance, last minute, latest, limited time,
  new, on sale, this week (month, year), today"; "new" in a place name
  such as "new york" and electric "current" are warnings) and subjective words
  ("amazing, best, cheap, cheapest, effective, fastest, good deal, least,
  most, popular, trending"); "avoid repetitions" is a tip, hence a warning.
  Amazon's search does not count spaces and punctuation, but the
  ``generic_keyword`` field and the schema's ``maxUtf8ByteLength`` do: we count
  every byte, as the field does.
"""

import re
import unicodedata

from .listing_findings import (
    BULLETS,
    DESCRIPTION,
    SEARCH_TERMS,
    TITLE,
    WARNING,
    finding,
    scan,
)

TITLE_MAX_LENGTH = 200
BULLET_MAX_LENGTH = 700
BULLET_MAX_COUNT = 10
DESCRIPTION_MAX_BYTES = 10000
SEARCH_TERMS_MAX_BYTES = 250

TITLE_FORBIDDEN = "!$?_{}^¬¦"

# Articles, prepositions and conjunctions: excepted from "no word more than
# twice". English only: the other marketplaces' languages are not covered.
FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "nor",
        "but",
        "for",
        "so",
        "yet",
        "if",
        "as",
        "than",
        "that",
        "at",
        "by",
        "in",
        "into",
        "of",
        "off",
        "on",
        "onto",
        "out",
        "over",
        "per",
        "to",
        "up",
        "upon",
        "via",
        "with",
        "within",
        "without",
        "from",
        "about",
        "above",
        "across",
        "after",
        "against",
        "along",
        "among",
        "around",
        "before",
        "behind",
        "below",
        "beneath",
        "beside",
        "besides",
        "between",
        "beyond",
        "down",
        "during",
        "except",
        "inside",
        "near",
        "outside",
        "past",
        "since",
        "through",
        "throughout",
        "till",
        "toward",
        "towards",
        "under",
        "underneath",
        "until",
        "unto",
        "versus",
        "vs",
    ]
)

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# In titles a hyphenated token is one word: "USB-C" and "USB-IF" are not the
# word "USB" (a cable title names all three).
TITLE_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")

# Bare "hot" and "sale" are not flagged (hot water bottle, garage sale sign):
# only their promotional uses are; so is "#1" ("Style #1", "Hook #1"),
# flagged only as a ranking ("#1 best seller", "number one choice").
PROMOTIONAL = re.compile(
    r"\bbest[- ]?sell(?:er|ers|ing)\b|\bfree (?:shipping|delivery|gift)\b"
    r"|\bon sale\b|\b(?:hot|big|flash|clearance|final|mega) sale\b"
    r"|\b(?:summer|winter|spring|autumn|fall|holiday|christmas|xmas|easter"
    r"|halloween|black friday|cyber monday|prime day|boxing day|seasonal"
    r"|end of season|weekend|anniversary|new year'?s?) sale\b"
    r"|\bsale price\b|\bhot (?:item|deal|selling|new|product)\b"
    r"|\b\d{1,3} ?% off\b|\blimited[- ]time\b|\b(?:100 ?% )?quality guarantee(?:d)?\b"
    r"|\bsatisfaction guarantee(?:d)?\b|\bmoney[- ]back\b|\btop[- ]rated\b"
    r"|(?:#\s?1|\bnumber one)\s+(?:best|top|sell\w*|rated|brand|choice|pick"
    r"|in (?:the )?\w+|on amazon)\b|\bcheapest\b|\blowest price\b|\bnew arrival\b"
    r"|\bdeal of the day\b|\bbuy now\b|\bspecial offer\b",
    re.IGNORECASE,
)

# Symbols customers see as decoration. Marks a product's name legally uses,
# and measurement symbols, are allowed.
ALLOWED_SYMBOLS = frozenset("©®™℠°℃℉№′″")


def _is_decorative(char):
    if char in ALLOWED_SYMBOLS:
        return False
    category = unicodedata.category(char)
    if category == "So":
        return True
    return char in "•●◆◇■□▪▫►▶◀★☆✓✔✗✘➤➔→←⇒"


SYMBOL = re.compile(
    "[\u2190-\u21ff\u2300-\u23ff\u25a0-\u27bf\u2900-\u297f\u2b00-\u2bff"
    "\U0001f000-\U0001faff]"
)

CONTACT = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\bhttps?://\S+|\bwww\.\S+"
    r"|(?<![\w-])[\w-]+\.(?:com|net|org|info|biz|shop|store|io|co\.uk|de|fr|es|it)\b"
    r"(?:/\S*)?"
    r"|\+\d{1,3}[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}\b"
    r"|\(\d{3}\) ?\d{3}[ .-]\d{4}\b|\b\d{3}[.-]\d{3}[.-]\d{4}\b"
    r"|\b(?:call|text|whatsapp|e-?mail|contact) us\b",
    re.IGNORECASE,
)

PRICE = re.compile(
    r"[$€£¥₹] ?\d[\d,.]*|\b\d[\d,.]* ?(?:USD|EUR|GBP|dollars?|euros?)\b"
    r"|\b\d{1,3} ?% off\b|\bdiscount(?:ed)?\b|\bon sale\b|\bfree shipping\b"
    r"|\b(?:lowest|best|great|low) price\b|\bin stock\b|\bships? today\b",
    re.IGNORECASE,
)

REVIEW = re.compile(
    r"\b(?:\d(?:\.\d)?|five|four)[- ]?stars?(?: reviews?| ratings?| rated)\b"
    r"|\b(?:customer|buyer|user) reviews?\b|\btestimonials?\b"
    r"|\b(?:leave|write|give) (?:us )?an? (?:\w+ )?(?:review|rating|feedback)\b"
    r"|\bcustomers (?:love|say|rave)\b|\brated \d(?:\.\d)? (?:out of|stars?)\b"
    r"|\b(?:highly|top) rated\b",
    re.IGNORECASE,
)

GUARANTEE = re.compile(
    r"\bguarantee[ds]?\b|\bmoney[- ]back\b|\brefunds?\b|\brisk[- ]free\b"
    r"|\bno questions asked\b|\bsatisfaction\b",
    re.IGNORECASE,
)

PLACEHOLDER = re.compile(
    r"\blorem ipsum\b|\bTBD\b|\bTBA\b|\bTODO\b|\bplaceholder\b|\bsample text\b"
    r"|\b(?:your|insert|add|enter) [\w ]{0,20}\bhere\b"
    r"|\[[A-Za-z][A-Za-z _-]{1,30}\]|\{\{[^}]*\}\}|\bxxx+\b|\bbullet point \d\b"
    r"|\btitle of the product\b|\bproduct description goes\b",
    re.IGNORECASE,
)

ASIN = re.compile(r"\bB0[0-9A-Z]{8}\b")

TEMPORARY = re.compile(
    r"\b(?:available now|brand new|current|discounted|just launched"
    r"|last chance|last minute|latest|limited time|new|on sale"
    r"|this (?:week|month|year)|today)\b",
    re.IGNORECASE,
)

# "new" and "current" are on Amazon's list as temporary words, but they are
# also parts of names: "new york" (a place), "ac current sensor" (electric
# current). Amazon's list has no exception, so these still report, as a
# warning for the seller to judge; the phrases are a short fixed list, not a
# parser.
TEMPORARY_IN_NAME = re.compile(
    r"\b(?P<new>new) (?:york|zealand|jersey|mexico|hampshire|orleans|england"
    r"|delhi|south wales|brunswick|caledonia|guinea)\b"
    r"|\b(?:ac|dc|alternating|direct|electric|electrical|charging|output|input"
    r"|rated|leakage) (?P<after>current)\b"
    r"|\b(?P<before>current) (?:sensor|transformer|clamp|meter|limiter|limiting"
    r"|probe|transducer|regulator|source|shunt)s?\b",
    re.IGNORECASE,
)


SUBJECTIVE = re.compile(
    r"\b(?:amazing|best|cheap|cheapest|effective|fastest|good deal|least|most"
    r"|popular|trending)\b",
    re.IGNORECASE,
)


def _spans(pattern, text):
    return list(pattern.finditer(text))


# --- Title -----------------------------------------------------------------


def _brand_spans(title, brand):
    if not brand:
        return []
    return [
        (m.start(), m.end())
        for m in re.finditer(re.escape(brand), title, flags=re.IGNORECASE)
    ]


def _inside(position, spans):
    return any(start <= position < end for start, end in spans)


def title_length(title, limit=TITLE_MAX_LENGTH):
    if len(title) <= limit:
        return []
    return [
        finding(
            "title.length",
            TITLE,
            (limit, len(title), title[limit:]),
            length=len(title),
            limit=limit,
        )
    ]


def title_characters(title, brand=None):
    brand_spans = _brand_spans(title, brand)
    return [
        finding("title.forbidden_character", TITLE, (i, i + 1, char))
        for i, char in enumerate(title)
        if char in TITLE_FORBIDDEN and not _inside(i, brand_spans)
    ]


def title_repeated_words(title):
    """Words (containing a letter; hyphenated tokens whole) compared
    case-insensitively; the span is the third occurrence, one finding per
    word."""
    seen = {}
    out = []
    for match in TITLE_WORD.finditer(title):
        word = match.group(0).casefold()
        if word in FUNCTION_WORDS or not any(c.isalpha() for c in word):
            continue
        seen[word] = seen.get(word, 0) + 1
        if seen[word] == 3:
            out.append((word, match))
    counts = seen
    return [
        finding("title.repeated_word", TITLE, match, word=word, count=counts[word])
        for word, match in out
    ]


def title_promotional(title):
    matches = scan(PROMOTIONAL, title, PROMOTIONAL_TRIGGERS)
    return [finding("title.promotional", TITLE, m) for m in matches]


# Amazon's title requirements show "Paradise Towel Wear Co. Beach Coverup
# << Size Kids XXS >>" as non-compliant: ASCII used as decoration. A run is
# one finding.
TITLE_DECORATION = re.compile(r"<+|>+|«+|»+|~+|\*+|=+|\|{2,}")


def title_decorations(title, brand=None):
    brand_spans = _brand_spans(title, brand)
    out = [
        finding("copy.symbol", TITLE, match)
        for match in TITLE_DECORATION.finditer(title)
        if not _inside(match.start(), brand_spans)
    ]
    out += [
        f
        for f in copy_symbols(title, TITLE)
        # "¦" is a symbol too, already refused by title_characters.
        if f.text not in TITLE_FORBIDDEN and not _inside(f.start, brand_spans)
    ]
    return sorted(out, key=lambda f: f.start)


def check_title(title, brand=None, limit=TITLE_MAX_LENGTH):
    if not title:
        return []
    return (
        title_length(title, limit)
        + title_characters(title, brand)
        + title_decorations(title, brand)
        + title_repeated_words(title)
        + title_promotional(title)
        + [finding("copy.asin", TITLE, m) for m in _spans(ASIN, title)]
    )


# --- Bullets and description -----------------------------------------------

# (rule, pattern, substrings one of which every match contains: see scan)
COPY_PATTERNS = (
    (
        "copy.contact",
        CONTACT,
        ("@", "http", "www", " us", ".com", ".net", ".org", ".info", ".biz")
        + (".shop", ".store", ".io", ".co.uk", ".de", ".fr", ".es", ".it")
        + tuple("0123456789"),  # phone numbers
    ),
    (
        "copy.price",
        PRICE,
        ("$", "€", "£", "¥", "₹", "usd", "eur", "gbp", "dollar", "%", "discount")
        + ("sale", "free", "price", "in stock", "ship"),
    ),
    (
        "copy.review",
        REVIEW,
        ("star", "review", "testimonial", "rating", "feedback", "customers")
        + ("rated",),
    ),
    (
        "copy.guarantee",
        GUARANTEE,
        ("guarantee", "money", "refund", "risk", "question", "satisfaction"),
    ),
    (
        "copy.placeholder",
        PLACEHOLDER,
        ("lorem", "tbd", "tba", "todo", "placeholder", "sample text", "here", "[")
        + ("{{", "xxx", "bullet point", "title of the product", "description goes"),
    ),
    ("copy.asin", ASIN, ("b0",)),
)
PROMOTIONAL_TRIGGERS = (
    ("best", "free", "sale", "hot", "%", "limited", "guarantee", "satisfaction")
    + ("money", "top", "#", "number one", "cheapest", "lowest", "new arrival")
    + ("deal", "buy now", "special offer")
)


def copy_symbols(text, attribute, index=None):
    if text.isascii():  # no ASCII character is an emoji or a symbol "So"
        return []
    out = []
    for i, char in enumerate(text):
        if char < "\x80":
            continue
        if _is_decorative(char) or SYMBOL.match(char):
            out.append(finding("copy.symbol", attribute, (i, i + 1, char), index=index))
    return out


def check_copy(text, attribute, index=None):
    """The rules every free-text attribute shares (bullets, description)."""
    if not text:
        return []
    out = copy_symbols(text, attribute, index)
    taken = []
    for rule, pattern, triggers in COPY_PATTERNS:
        for match in scan(pattern, text, triggers):
            span = (match.start(), match.end())
            # A span one rule already reported is not reported again (an
            # e-mail address is not also a price).
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            taken.append(span)
            out.append(finding(rule, attribute, match, index=index))
    return out


def check_bullets(bullets, max_length=BULLET_MAX_LENGTH, max_count=BULLET_MAX_COUNT):
    out = []
    if len(bullets) > max_count:
        out.append(
            finding("bullets.count", BULLETS, None, count=len(bullets), limit=max_count)
        )
    for index, bullet in enumerate(bullets):
        bullet = bullet or ""
        if len(bullet) > max_length:
            out.append(
                finding(
                    "bullets.length",
                    BULLETS,
                    (max_length, len(bullet), bullet[max_length:]),
                    index=index,
                    number=index + 1,
                    length=len(bullet),
                    limit=max_length,
                )
            )
        out += check_copy(bullet, BULLETS, index)
    return out


def check_description(description, max_bytes=DESCRIPTION_MAX_BYTES):
    if not description:
        return []
    out = []
    size = len(description.encode("utf-8"))
    if size > max_bytes:
        cut = _char_index_at_bytes(description, max_bytes)
        out.append(
            finding(
                "description.length",
                DESCRIPTION,
                (cut, len(description), description[cut:]),
                length=size,
                limit=max_bytes,
            )
        )
    return out + check_copy(description, DESCRIPTION)


# --- Search terms ----------------------------------------------------------


def _char_index_at_bytes(text, limit):
    """Index of the first character that does not fit in ``limit`` bytes."""
    total = 0
    for i, char in enumerate(text):
        total += len(char.encode("utf-8"))
        if total > limit:
            return i
    return len(text)


def search_length(terms, limit=SEARCH_TERMS_MAX_BYTES):
    """Amazon: "less than 250 bytes", so 250 bytes is already too long."""
    size = len(terms.encode("utf-8"))
    if size < limit:
        return []
    cut = _char_index_at_bytes(terms, limit - 1)
    return [
        finding(
            "search.length",
            SEARCH_TERMS,
            (cut, len(terms), terms[cut:]),
            length=size,
            limit=limit,
        )
    ]


def search_brands(terms, brands):
    out = []
    for brand in brands:
        if not brand or not brand.strip():
            continue
        pattern = r"(?<!\w)" + re.escape(brand.strip()) + r"(?!\w)"
        for match in re.finditer(pattern, terms, flags=re.IGNORECASE):
            out.append(finding("search.brand", SEARCH_TERMS, match))
    return out


def search_repeats(terms):
    """One finding per repeated word, at its second occurrence."""
    seen = {}
    out = []
    for match in WORD.finditer(terms):
        word = match.group(0).casefold()
        seen[word] = seen.get(word, 0) + 1
        if seen[word] == 2:
            out.append(finding("search.repeated_word", SEARCH_TERMS, match))
    return out


def search_temporary(terms):
    in_names = {m.start(m.lastgroup) for m in TEMPORARY_IN_NAME.finditer(terms)}
    return [
        finding(
            "search.temporary",
            SEARCH_TERMS,
            m,
            severity=WARNING if m.start() in in_names else None,
        )
        for m in _spans(TEMPORARY, terms)
    ]


def check_search_terms(terms, brands=(), limit=SEARCH_TERMS_MAX_BYTES):
    if not terms:
        return []
    return (
        search_length(terms, limit)
        + search_brands(terms, brands)
        + [finding("search.asin", SEARCH_TERMS, m) for m in _spans(ASIN, terms)]
        + search_repeats(terms)
        + search_temporary(terms)
        + [
            finding("search.subjective", SEARCH_TERMS, m)
            for m in _spans(SUBJECTIVE, terms)
        ]
    )
