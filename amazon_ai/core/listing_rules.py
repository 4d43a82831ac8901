"""The listing rule engine: Amazon's listing rules as findings, pure Python.

``check_listing(listing, product=None, limits=None)`` returns a list of
``Finding`` (rule id, severity, attribute, offending span, message and fix
hint templates). Inputs are plain data so the Odoo layer, the copy generator
and the tests share one engine:

- ``listing``: ``title``, ``bullets`` (list of str), ``description``,
  ``search_terms``, ``brand``, ``main_image`` (bytes or None),
  ``product_type``;
- ``product``: the product's own attributes, for the consistency rules
  (``listing_consistency``) and the claims that need support
  (``country_of_origin``, ``epa_registration``);
- ``limits``: per product type, from ``limits_from_schema`` (the Product Type
  Definition schema) or given by the caller: ``title_max_length``,
  ``bullet_max_length``, ``bullet_max_count``, ``description_max_bytes``,
  ``search_terms_max_bytes``; and ``brand_names``, other brands the search
  terms must not name. ``check_image=False`` skips the image rules.

The rules and their sources are in ``listing_text_rules`` (title, bullets,
description, search terms), ``listing_claims``, ``listing_image`` and
``listing_consistency``.
"""

from . import listing_text_rules as text_rules
from .listing_claims import check_claims
from .listing_consistency import check_consistency
from .listing_findings import ERROR, MESSAGES, WARNING, Finding
from .listing_image import check_main_image

__all__ = [
    "ERROR",
    "MESSAGES",
    "WARNING",
    "Finding",
    "check_listing",
    "limits_from_schema",
]

_SCHEMA_LIMITS = (
    # (limit name, attribute, keyword)
    ("title_max_length", "item_name", "maxLength"),
    ("bullet_max_length", "bullet_point", "maxLength"),
    ("bullet_max_count", "bullet_point", "maxUniqueItems"),
    ("description_max_bytes", "product_description", "maxUtf8ByteLength"),
    ("search_terms_max_bytes", "generic_keyword", "maxUtf8ByteLength"),
)


def _value_schema(schema, attribute):
    node = (schema.get("properties") or {}).get(attribute) or {}
    value = ((node.get("items") or {}).get("properties") or {}).get("value") or {}
    return node, value


def limits_from_schema(schema):
    """The limits a Product Type Definition schema (the JSON of its
    ``schema`` link, e.g. PRODUCT.json) states for the checked attributes.

    Amazon's title rule (200 characters) applies on top: the engine keeps the
    stricter of the two, so PRODUCT's ``maxLength`` of 66,654 leaves 200.
    """
    limits = {}
    for name, attribute, keyword in _SCHEMA_LIMITS:
        node, value = _value_schema(schema, attribute)
        found = node.get(keyword) if keyword == "maxUniqueItems" else None
        if found is None:
            found = value.get(keyword)
        if isinstance(found, int):
            limits[name] = found
    return limits


def _limit(limits, name, default, stricter=True):
    given = limits.get(name)
    if given is None:
        return default
    return min(given, default) if stricter else given


def _text_findings(listing, limits):
    brand = (listing.get("brand") or "").strip()
    brands = [brand] + list(limits.get("brand_names") or ())
    return (
        text_rules.check_title(
            listing.get("title") or "",
            brand=brand,
            limit=_limit(limits, "title_max_length", text_rules.TITLE_MAX_LENGTH),
        )
        + text_rules.check_bullets(
            list(listing.get("bullets") or ()),
            max_length=_limit(
                limits, "bullet_max_length", text_rules.BULLET_MAX_LENGTH, False
            ),
            max_count=_limit(
                limits, "bullet_max_count", text_rules.BULLET_MAX_COUNT, False
            ),
        )
        + text_rules.check_description(
            listing.get("description") or "",
            max_bytes=_limit(
                limits, "description_max_bytes", text_rules.DESCRIPTION_MAX_BYTES, False
            ),
        )
        + text_rules.check_search_terms(
            listing.get("search_terms") or "",
            brands=brands,
            limit=_limit(
                limits, "search_terms_max_bytes", text_rules.SEARCH_TERMS_MAX_BYTES
            ),
        )
    )


def check_listing(listing, product=None, limits=None, check_image=True):
    """Every rule's findings for ``listing``, errors first, then by attribute
    and position."""
    limits = limits or {}
    findings = (
        _text_findings(listing, limits)
        + check_claims(listing, product)
        + check_consistency(listing, product)
    )
    if check_image:
        findings += check_main_image(listing.get("main_image"))
    order = {ERROR: 0, WARNING: 1}
    findings.sort(
        key=lambda f: (order[f.severity], f.attribute, f.index or 0, f.start or 0)
    )
    return findings
