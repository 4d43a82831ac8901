"""What the listing rule engine returns: one ``Finding`` per offending span.

Messages and fix hints are plain English templates with named parameters
(``%(limit)s``), kept as constants here so the Odoo layer can translate the
template and fill the parameters afterwards; ``Finding.render()`` fills them
in English.
"""

import re
from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"

# Amazon's attribute names (Product Type Definition schema), so a finding
# points at the field the seller edits and the one submitted.
TITLE = "item_name"
BULLETS = "bullet_point"
DESCRIPTION = "product_description"
SEARCH_TERMS = "generic_keyword"
MAIN_IMAGE = "main_product_image_locator"


@dataclass
class Finding:
    """One problem in one attribute.

    ``start``/``end`` index the offending text inside the attribute's value
    (inside bullet number ``index`` for bullets); both are None for a finding
    about the whole value (an image, a missing fact). ``message`` and
    ``hint`` are templates filled from ``params``.
    """

    rule: str
    severity: str
    attribute: str
    message: str
    hint: str
    start: int | None = None
    end: int | None = None
    text: str = ""
    index: int | None = None
    params: dict = field(default_factory=dict)

    def render(self):
        return self.message % self.params

    def render_hint(self):
        return self.hint % self.params


def finding(rule, attribute, match=None, index=None, severity=None, **params):
    """A ``Finding`` for ``rule`` from ``MESSAGES``; ``match`` is a regular
    expression match (or a ``(start, end, text)`` triple) for the span."""
    default_severity, message, hint = MESSAGES[rule]
    start = end = None
    text = ""
    if isinstance(match, re.Match):
        start, end, text = match.start(), match.end(), match.group(0)
    elif match is not None:
        start, end, text = match
    params.setdefault("text", text)
    return Finding(
        rule=rule,
        severity=severity or default_severity,
        attribute=attribute,
        message=message,
        hint=hint,
        start=start,
        end=end,
        text=text,
        index=index,
        params=params,
    )


def scan(pattern, text, triggers=None):
    """``pattern.finditer(text)``, skipped when none of ``triggers`` (lower
    case substrings, one of which every match contains) is in the text: a
    substring test is far cheaper than a case-insensitive alternation tried
    at every position, and most copy triggers no rule."""
    if triggers:
        lowered = text.lower()
        if not any(trigger in lowered for trigger in triggers):
            return ()
    return pattern.finditer(text)


# rule id -> (default severity, message template, fix hint template)
MESSAGES = {
    # Title
    "title.length": (
        ERROR,
        "The title has %(length)s characters; the limit is %(limit)s.",
        (
            "Shorten the title to %(limit)s characters or fewer, spaces included: "
            "keep brand, product type and the key attribute."
        ),
    ),
    "title.forbidden_character": (
        ERROR,
        (
            "The title uses the character %(text)s, which Amazon does not allow "
            "in titles outside the brand name."
        ),
        "Remove %(text)s or replace it with words.",
    ),
    "title.repeated_word": (
        ERROR,
        (
            'The word "%(word)s" appears %(count)s times in the title; Amazon '
            "allows a word at most twice (articles, prepositions and conjunctions "
            "excepted)."
        ),
        'Say "%(word)s" once or twice only.',
    ),
    "title.promotional": (
        ERROR,
        'The title contains the promotional phrase "%(text)s".',
        (
            "Remove promotional and subjective phrases from the title; it should "
            "only describe the product."
        ),
    ),
    # Bullets and description
    "copy.symbol": (
        ERROR,
        "The text contains the emoji or decorative symbol %(text)s.",
        "Remove emoji and decorative symbols; use plain words.",
    ),
    "copy.contact": (
        ERROR,
        'The text contains contact details or a link ("%(text)s").',
        "Remove phone numbers, e-mail addresses, websites and links.",
    ),
    "copy.price": (
        ERROR,
        'The text mentions a price or a discount ("%(text)s").',
        "Remove prices, discounts and availability: the offer shows them.",
    ),
    "copy.review": (
        ERROR,
        'The text quotes reviews, ratings or testimonials ("%(text)s").',
        "Remove reviews, ratings, testimonials and requests for reviews.",
    ),
    "copy.guarantee": (
        ERROR,
        'The text promises a guarantee or a refund ("%(text)s").',
        "Remove guarantee and refund promises; returns follow Amazon's policy.",
    ),
    "copy.placeholder": (
        ERROR,
        'The text contains placeholder text ("%(text)s").',
        "Replace the placeholder with the real product information.",
    ),
    "copy.asin": (
        ERROR,
        "The text contains the ASIN %(text)s.",
        "Remove ASINs and other listings' identifiers from the copy.",
    ),
    "bullets.count": (
        ERROR,
        "The listing has %(count)s bullet points; the limit is %(limit)s.",
        "Merge or drop bullet points to keep at most %(limit)s.",
    ),
    "bullets.length": (
        ERROR,
        ("Bullet point %(number)s has %(length)s characters; the limit is %(limit)s."),
        "Shorten the bullet point to %(limit)s characters or fewer.",
    ),
    "description.length": (
        ERROR,
        "The description has %(length)s bytes in UTF-8; the limit is %(limit)s.",
        "Shorten the description to %(limit)s bytes or fewer.",
    ),
    # Search terms
    "search.length": (
        ERROR,
        (
            "The search terms have %(length)s bytes in UTF-8; they must stay under "
            "%(limit)s bytes (letters with accents or umlauts count two bytes or "
            "more)."
        ),
        (
            "Drop the terms after the highlighted part, or repeated and "
            "superfluous words."
        ),
    ),
    "search.brand": (
        ERROR,
        'The search terms contain the brand name "%(text)s".',
        "Remove brand names, yours included, from the search terms.",
    ),
    "search.asin": (
        ERROR,
        "The search terms contain the ASIN %(text)s.",
        "Remove ASINs from the search terms.",
    ),
    "search.repeated_word": (
        WARNING,
        'The word "%(text)s" is repeated in the search terms.',
        ("Give each word once: repetition does not improve the match and uses bytes."),
    ),
    "search.temporary": (
        ERROR,
        'The search terms contain the temporary statement "%(text)s".',
        "Remove temporary words such as new, on sale or limited time.",
    ),
    "search.subjective": (
        ERROR,
        'The search terms contain the subjective claim "%(text)s".',
        "Remove subjective words such as best, cheapest or amazing.",
    ),
    # Claims
    "claim.pesticide": (
        ERROR,
        'The text makes a pesticide or antimicrobial claim ("%(text)s").',
        (
            "Remove the claim, or list the product as a pesticide with its EPA "
            "registration number."
        ),
    ),
    "claim.medical": (
        ERROR,
        'The text claims to cure, treat or prevent a disease ("%(text)s").',
        (
            "Remove disease and medical claims unless the product is approved as "
            "a drug or medical device for that use."
        ),
    ),
    "claim.fda": (
        ERROR,
        'The text claims FDA approval ("%(text)s").',
        (
            "Remove the claim; say only what the FDA actually cleared or approved, "
            "with its number, if it did."
        ),
    ),
    "claim.environmental": (
        WARNING,
        'The text makes an unqualified environmental claim ("%(text)s").',
        (
            "Qualify the claim with specifics in the same sentence (how much, "
            "which part, which certification or standard) or remove it."
        ),
    ),
    "claim.made_in_usa": (
        ERROR,
        (
            'The text claims U.S. origin ("%(text)s") but the product\'s country '
            "of origin is %(origin)s."
        ),
        (
            "Remove the claim, or set the product's country of origin if it is "
            '"all or virtually all" made in the United States.'
        ),
    ),
    "claim.made_in_usa_unsupported": (
        WARNING,
        (
            'The text claims U.S. origin ("%(text)s") and the product has no '
            "country of origin to support it."
        ),
        "Set the product's country of origin, or remove the claim.",
    ),
    # Main image
    "image.unreadable": (
        ERROR,
        "The main image cannot be read as an image.",
        "Upload a JPEG, PNG, TIFF or GIF file.",
    ),
    "image.size": (
        ERROR,
        (
            "The main image's longest side is %(longest)s px; it must be between "
            "%(minimum)s and %(maximum)s px."
        ),
        (
            "Export the image with its longest side between %(minimum)s and "
            "%(maximum)s px (1600 px or more enables zoom)."
        ),
    ),
    "image.background": (
        ERROR,
        (
            "The main image's background is not pure white: %(percent)s%% of its "
            "border is white."
        ),
        "Put the product on a pure white background (RGB 255, 255, 255).",
    ),
    "image.fill": (
        WARNING,
        (
            "The product fills %(percent)s%% of the main image; it should fill "
            "at least %(minimum)s%%."
        ),
        ("Crop the image so the product fills at least %(minimum)s%% of the frame."),
    ),
    "image.text_overlay": (
        WARNING,
        "The main image seems to carry text over %(percent)s%% of its height.",
        "Remove text, logos, badges and watermarks from the main image.",
    ),
    # Consistency with the product's own attributes
    "consistency.material": (
        ERROR,
        'The text says "%(text)s" but the product\'s material is %(expected)s.',
        "Correct the material in the text, or the product's material.",
    ),
    "consistency.color": (
        WARNING,
        'The text says "%(text)s" but the product\'s colour is %(expected)s.',
        "Correct the colour in the text, or the product's colour.",
    ),
    "consistency.size": (
        ERROR,
        'The text says size "%(text)s" but the product\'s size is %(expected)s.',
        "Correct the size in the text, or the product's size.",
    ),
    "consistency.measure": (
        ERROR,
        'The text says "%(text)s" but the product measures %(expected)s.',
        ("Correct the quantity in the text (or its unit), or the product's attribute."),
    ),
    "consistency.count": (
        ERROR,
        'The text says "%(text)s" but the product\'s pack holds %(expected)s.',
        "Correct the count in the text, or the product's unit count.",
    ),
}
