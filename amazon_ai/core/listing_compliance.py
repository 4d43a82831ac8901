"""A listing's compliance findings from its Amazon attributes, images and
Amazon's restrictions: the glue between Amazon's JSON and the rule engine
(``listing_rules.check_listing``), pure Python.

- ``listing_text`` reads the engine's ``listing`` dict from Amazon's
  attributes (``item_name``, ``bullet_point``, ``product_description``,
  ``generic_keyword``, ``brand``), taking the values of the listing's
  marketplace and language when an attribute holds several.
- ``image_findings`` checks every image the listing shows: the main one with
  all the main-image rules, the others only for what Amazon asks of every
  image (readable, 1,000 to 10,000 px on the longest side): white
  background, fill and text rules are the main image's alone, other images
  may show the product in use.
- ``restriction_findings`` turns a ``getListingsRestrictions`` answer into
  errors for the listing's condition, with Amazon's reason and links.
- ``fingerprint`` names a finding together with the value it was found in
  (the whole title, the bullet, the image's bytes, the ASIN and condition),
  so an override recorded for it covers that exact text only: after any
  change of that value the same rule's finding is a new one.
"""

import hashlib
import json

from .listing_findings import ERROR, WARNING, Finding, finding
from .listing_image import (
    MAX_SIDE,
    MIN_SIDE,
    _open_header,
    check_main_image,
)
from .listing_rules import check_listing

MAIN_IMAGE = "main_product_image_locator"
RESTRICTION = "restriction"  # the attribute restriction findings point to

# Amazon's reasonCode -> rule id.
RESTRICTION_RULES = {
    "APPROVAL_REQUIRED": "restriction.approval_required",
    "NOT_ELIGIBLE": "restriction.not_eligible",
    "ASIN_NOT_FOUND": "restriction.asin_not_found",
}
# rule id -> (severity, message template, fix hint template); like
# ``listing_findings.MESSAGES``, translated by the Odoo layer.
MESSAGES = {
    "restriction.approval_required": (
        ERROR,
        (
            "Amazon requires approval before you list ASIN %(asin)s in "
            "condition %(condition)s: %(reason)s"
        ),
        "Request approval with Amazon's link, then read the restrictions again.",
    ),
    "restriction.not_eligible": (
        ERROR,
        (
            "You are not eligible to list ASIN %(asin)s in condition "
            "%(condition)s: %(reason)s"
        ),
        "Amazon offers no way to lift this: do not list this ASIN in this condition.",
    ),
    "restriction.asin_not_found": (
        ERROR,
        "ASIN %(asin)s does not exist in this marketplace: %(reason)s",
        "Correct the ASIN, or list the product under its own identifiers.",
    ),
    "restriction.unread": (
        WARNING,
        "Amazon's listing restrictions could not be read: %(error)s",
        "Read them again later; Amazon applies them when it receives the listing.",
    ),
}


def _matches(value, marketplace_id, language_tag):
    market = value.get("marketplace_id")
    language = value.get("language_tag")
    return (not market or not marketplace_id or market == marketplace_id) and (
        not language or not language_tag or language == language_tag
    )


def values(attributes, name, marketplace_id=None, language_tag=None):
    """The text values of attribute ``name`` for this marketplace and
    language, in order (values naming another marketplace or language are
    someone else's copy)."""
    out = []
    for value in (attributes or {}).get(name) or ():
        if not isinstance(value, dict) or not _matches(
            value, marketplace_id, language_tag
        ):
            continue
        text = value.get("value")
        if isinstance(text, str) and text.strip():
            out.append(text)
    return out


def listing_text(attributes, marketplace_id=None, language_tag=None):
    """The rule engine's ``listing`` dict (text only) from Amazon's attributes."""

    def first(name):
        found = values(attributes, name, marketplace_id, language_tag)
        return found[0] if found else ""

    return {
        "title": first("item_name"),
        "bullets": values(attributes, "bullet_point", marketplace_id, language_tag),
        "description": first("product_description"),
        # Amazon joins several generic_keyword values with spaces.
        "search_terms": " ".join(
            values(attributes, "generic_keyword", marketplace_id, language_tag)
        ),
        "brand": first("brand"),
    }


def _other_image(data, attribute):
    image = _open_header(data)
    if image is None:
        return [finding("image.unreadable", attribute)]
    longest = max(image.size)
    if MIN_SIDE <= longest <= MAX_SIDE:
        return []
    return [
        finding(
            "image.size", attribute, longest=longest, minimum=MIN_SIDE, maximum=MAX_SIDE
        )
    ]


def image_findings(images):
    """Findings for ``[(amazon_attribute, bytes)]``, the main image first."""
    out = []
    for attribute, data in images or ():
        if not data:
            continue
        if attribute == MAIN_IMAGE:
            out += check_main_image(data)
        else:
            out += _other_image(data, attribute)
    return out


def restriction_findings(answer, asin, condition):
    """Errors of a ``getListingsRestrictions`` answer that apply to
    ``condition`` (a restriction without a condition applies to all)."""
    out = []
    for restriction in (answer or {}).get("restrictions") or ():
        qualified = restriction.get("conditionType")
        if qualified and condition and qualified != condition:
            continue
        for reason in restriction.get("reasons") or ():
            rule = RESTRICTION_RULES.get(reason.get("reasonCode"))
            if rule is None:
                # Amazon may add codes: still a restriction, said as approval
                # would be (its message and links are Amazon's own).
                rule = "restriction.approval_required"
            severity, message, hint = MESSAGES[rule]
            links = [
                {"url": link["resource"], "title": link.get("title") or ""}
                for link in reason.get("links") or ()
                if link.get("resource")
            ]
            out.append(
                Finding(
                    rule=rule,
                    severity=severity,
                    attribute=RESTRICTION,
                    message=message,
                    hint=hint,
                    params={
                        "asin": asin,
                        "condition": qualified or condition or "",
                        "reason": reason.get("message") or "",
                        "code": reason.get("reasonCode") or "",
                        "links": links,
                        "marketplace": restriction.get("marketplaceId") or "",
                    },
                )
            )
    return out


def unread_finding(error):
    """The warning of restrictions not read: Amazon refused or failed the
    reading, or the check left it for the next one (``error`` says which)."""
    severity, message, hint = MESSAGES["restriction.unread"]
    return Finding(
        rule="restriction.unread",
        severity=severity,
        attribute=RESTRICTION,
        message=message,
        hint=hint,
        params={"error": str(error)},
    )


def _value_of(finding, listing, images):
    """The value ``finding`` was found in, as text or bytes."""
    if finding.attribute == RESTRICTION:
        params = finding.params
        return json.dumps(
            [params.get(k) for k in ("asin", "condition", "marketplace", "code")]
        )
    if finding.attribute == "item_name":
        return listing.get("title") or ""
    if finding.attribute == "bullet_point":
        bullets = listing.get("bullets") or []
        index = finding.index or 0
        return bullets[index] if index < len(bullets) else ""
    if finding.attribute == "product_description":
        return listing.get("description") or ""
    if finding.attribute == "generic_keyword":
        return listing.get("search_terms") or ""
    return dict(images or ()).get(finding.attribute) or b""


def fingerprint(finding, listing, images=()):
    """A stable name for ``finding`` in the value it was found in."""
    value = _value_of(finding, listing, images)
    if isinstance(value, str):
        value = value.encode("utf-8")
    digest = hashlib.sha256()
    for part in (
        finding.rule,
        finding.attribute,
        str(finding.index),
        str(finding.start),
        str(finding.end),
        finding.text or "",
    ):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(hashlib.sha256(value).digest())
    return digest.hexdigest()[:40]


def evaluate(listing, images=(), product=None, limits=None, restrictions=()):
    """``[(finding, fingerprint)]``: the rule engine on the text of
    ``listing`` (``listing_text``), the images, and the restriction findings
    given; errors first."""
    findings = check_listing(listing, product, limits, check_image=False)
    findings += image_findings(images)
    findings += list(restrictions)
    order = {ERROR: 0, WARNING: 1}
    findings.sort(key=lambda f: order[f.severity])
    return [(f, fingerprint(f, listing, images)) for f in findings]
