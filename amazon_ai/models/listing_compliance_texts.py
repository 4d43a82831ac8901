"""The rule engine's messages and fix hints in the user's language.

The core keeps them as English templates with named parameters
(``amazon_ai/core/listing_findings.py`` ``MESSAGES``,
``listing_compliance.MESSAGES``); Odoo extracts translatable terms only from
literal ``_()`` calls, so each template is written here once more, as a
literal. ``amazon_ai/tests/test_listing_compliance.py`` checks that this
table and the core's say the same English text for the same rules.
"""


def compliance_texts(env):
    """rule id -> (message template, fix hint template), translated."""
    _ = env._
    return {
        "title.length": (
            _("The title has %(length)s characters; the limit is %(limit)s."),
            _(
                "Shorten the title to %(limit)s characters or fewer, spaces "
                "included: keep brand, product type and the key attribute."
            ),
        ),
        "title.forbidden_character": (
            _(
                "The title uses the character %(text)s, which Amazon does not"
                " allow in titles outside the brand name."
            ),
            _("Remove %(text)s or replace it with words."),
        ),
        "title.repeated_word": (
            _(
                'The word "%(word)s" appears %(count)s times in the title; '
                "Amazon allows a word at most twice (articles, prepositions "
                "and conjunctions excepted)."
            ),
            _('Say "%(word)s" once or twice only.'),
        ),
        "title.promotional": (
            _('The title contains the promotional phrase "%(text)s".'),
            _(
                "Remove promotional and subjective phrases from the title; it"
                " should only describe the product."
            ),
        ),
        "copy.symbol": (
            _("The text contains the emoji or decorative symbol %(text)s."),
            _("Remove emoji and decorative symbols; use plain words."),
        ),
        "copy.contact": (
            _('The text contains contact details or a link ("%(text)s").'),
            _("Remove phone numbers, e-mail addresses, websites and links."),
        ),
        "copy.price": (
            _('The text mentions a price or a discount ("%(text)s").'),
            _("Remove prices, discounts and availability: the offer shows them."),
        ),
        "copy.review": (
            _('The text quotes reviews, ratings or testimonials ("%(text)s").'),
            _("Remove reviews, ratings, testimonials and requests for reviews."),
        ),
        "copy.guarantee": (
            _('The text promises a guarantee or a refund ("%(text)s").'),
            _("Remove guarantee and refund promises; returns follow Amazon's policy."),
        ),
        "copy.placeholder": (
            _('The text contains placeholder text ("%(text)s").'),
            _("Replace the placeholder with the real product information."),
        ),
        "copy.asin": (
            _("The text contains the ASIN %(text)s."),
            _("Remove ASINs and other listings' identifiers from the copy."),
        ),
        "bullets.count": (
            _("The listing has %(count)s bullet points; the limit is %(limit)s."),
            _("Merge or drop bullet points to keep at most %(limit)s."),
        ),
        "bullets.length": (
            _(
                "Bullet point %(number)s has %(length)s characters; the limit"
                " is %(limit)s."
            ),
            _("Shorten the bullet point to %(limit)s characters or fewer."),
        ),
        "description.length": (
            _("The description has %(length)s bytes in UTF-8; the limit is %(limit)s."),
            _("Shorten the description to %(limit)s bytes or fewer."),
        ),
        "search.length": (
            _(
                "The search terms have %(length)s bytes in UTF-8; they must "
                "stay under %(limit)s bytes (letters with accents or umlauts "
                "count two bytes or more)."
            ),
            _(
                "Drop the terms after the highlighted part, or repeated and "
                "superfluous words."
            ),
        ),
        "search.brand": (
            _('The search terms contain the brand name "%(text)s".'),
            _("Remove brand names, yours included, from the search terms."),
        ),
        "search.asin": (
            _("The search terms contain the ASIN %(text)s."),
            _("Remove ASINs from the search terms."),
        ),
        "search.repeated_word": (
            _('The word "%(text)s" is repeated in the search terms.'),
            _(
                "Give each word once: repetition does not improve the match "
                "and uses bytes."
            ),
        ),
        "search.temporary": (
            _('The search terms contain the temporary statement "%(text)s".'),
            _("Remove temporary words such as new, on sale or limited time."),
        ),
        "search.subjective": (
            _('The search terms contain the subjective claim "%(text)s".'),
            _("Remove subjective words such as best, cheapest or amazing."),
        ),
        "claim.pesticide": (
            _('The text makes a pesticide or antimicrobial claim ("%(text)s").'),
            _(
                "Remove the claim, or list the product as a pesticide with "
                "its EPA registration number."
            ),
        ),
        "claim.medical": (
            _('The text claims to cure, treat or prevent a disease ("%(text)s").'),
            _(
                "Remove disease and medical claims unless the product is "
                "approved as a drug or medical device for that use."
            ),
        ),
        "claim.fda": (
            _('The text claims FDA approval ("%(text)s").'),
            _(
                "Remove the claim; say only what the FDA actually cleared or "
                "approved, with its number, if it did."
            ),
        ),
        "claim.environmental": (
            _('The text makes an unqualified environmental claim ("%(text)s").'),
            _(
                "Qualify the claim with specifics in the same sentence (how "
                "much, which part, which certification or standard) or remove"
                " it."
            ),
        ),
        "claim.made_in_usa": (
            _(
                'The text claims U.S. origin ("%(text)s") but the product\'s '
                "country of origin is %(origin)s."
            ),
            _(
                "Remove the claim, or set the product's country of origin if "
                'it is "all or virtually all" made in the United States.'
            ),
        ),
        "claim.made_in_usa_unsupported": (
            _(
                'The text claims U.S. origin ("%(text)s") and the product has'
                " no country of origin to support it."
            ),
            _("Set the product's country of origin, or remove the claim."),
        ),
        "image.unreadable": (
            _("The main image cannot be read as an image."),
            _("Upload a JPEG, PNG, TIFF or GIF file."),
        ),
        "image.size": (
            _(
                "The main image's longest side is %(longest)s px; it must be "
                "between %(minimum)s and %(maximum)s px."
            ),
            _(
                "Export the image with its longest side between %(minimum)s "
                "and %(maximum)s px (1600 px or more enables zoom)."
            ),
        ),
        "image.background": (
            _(
                "The main image's background is not pure white: %(percent)s%%"
                " of its border is white."
            ),
            _("Put the product on a pure white background (RGB 255, 255, 255)."),
        ),
        "image.fill": (
            _(
                "The product fills %(percent)s%% of the main image; it should"
                " fill at least %(minimum)s%%."
            ),
            _(
                "Crop the image so the product fills at least %(minimum)s%% "
                "of the frame."
            ),
        ),
        "image.text_overlay": (
            _("The main image seems to carry text over %(percent)s%% of its height."),
            _("Remove text, logos, badges and watermarks from the main image."),
        ),
        "consistency.material": (
            _('The text says "%(text)s" but the product\'s material is %(expected)s.'),
            _("Correct the material in the text, or the product's material."),
        ),
        "consistency.color": (
            _('The text says "%(text)s" but the product\'s colour is %(expected)s.'),
            _("Correct the colour in the text, or the product's colour."),
        ),
        "consistency.size": (
            _('The text says size "%(text)s" but the product\'s size is %(expected)s.'),
            _("Correct the size in the text, or the product's size."),
        ),
        "consistency.measure": (
            _('The text says "%(text)s" but the product measures %(expected)s.'),
            _(
                "Correct the quantity in the text (or its unit), or the "
                "product's attribute."
            ),
        ),
        "consistency.count": (
            _('The text says "%(text)s" but the product\'s pack holds %(expected)s.'),
            _("Correct the count in the text, or the product's unit count."),
        ),
        "restriction.approval_required": (
            _(
                "Amazon requires approval before you list ASIN %(asin)s in "
                "condition %(condition)s: %(reason)s"
            ),
            _("Request approval with Amazon's link, then read the restrictions again."),
        ),
        "restriction.not_eligible": (
            _(
                "You are not eligible to list ASIN %(asin)s in condition "
                "%(condition)s: %(reason)s"
            ),
            _(
                "Amazon offers no way to lift this: do not list this ASIN in "
                "this condition."
            ),
        ),
        "restriction.asin_not_found": (
            _("ASIN %(asin)s does not exist in this marketplace: %(reason)s"),
            _("Correct the ASIN, or list the product under its own identifiers."),
        ),
        "restriction.unread": (
            _("Amazon's listing restrictions could not be read: %(error)s"),
            _(
                "Read them again later; Amazon applies them when it receives "
                "the listing."
            ),
        ),
    }
