"""Variation families: a parent listing (no offer) and one child per variant.

Amazon groups variants under a parent SKU with three attributes of the
product type's schema: ``parentage_level`` (parent or child),
``child_parent_sku_relationship`` (the child's parent SKU; the parent's
carries the relationship type alone) and ``variation_theme`` (the axes the
family varies on, e.g. ``SIZE/COLOR``). A theme names its axes in Amazon's
legacy upper-case tokens (``COLOR_NAME``, ``SIZE``, ``MATERIAL_TYPE``); the
listing attributes holding the axes' values are the lower-case attribute
names (``color``, ``size``, ``material``), which Listings Items reports back
as ``variationTheme.attributes``. This module maps Odoo's attribute names to
those attributes, chooses the theme the schema allows, and builds the
family's attributes. Pure Python: never imports odoo.
"""

import re

PARENTAGE = "parentage_level"
RELATIONSHIP = "child_parent_sku_relationship"
THEME = "variation_theme"
FAMILY_ATTRIBUTES = (PARENTAGE, RELATIONSHIP, THEME)
VARIATION = "variation"
# A parent cannot be bought: what describes an offer or one physical item is
# left to its children (Amazon refuses an offer on a parent).
CHILD_ONLY_ATTRIBUTES = (
    "purchasable_offer",
    "fulfillment_availability",
    "condition_type",
    "externally_assigned_product_identifier",
    "merchant_shipping_group",
)
# Boolean attributes a parent sets true: no buyable offer, no barcode.
PARENT_FLAGS = ("skip_offer", "supplier_declared_has_product_identifier_exemption")
# Odoo attribute names that are spelt otherwise in Amazon's attributes.
SYNONYMS = {"colour": "color", "colours": "color", "colors": "color", "sizes": "size"}
# Suffixes of theme tokens that Amazon's attribute names drop (COLOR_NAME ->
# color, MATERIAL_TYPE -> material, ITEM_LENGTH_STRING -> item_length).
TOKEN_SUFFIXES = ("", "_name", "_type", "_string")


class NoTheme(ValueError):
    """No variation theme of the schema covers the attributes a template varies on."""


def is_family_schema(schema):
    """True when the product type's schema can express variation families."""
    props = (schema or {}).get("properties") or {}
    return all(name in props for name in FAMILY_ATTRIBUTES)


def allowed_themes(schema):
    """The theme names the schema allows, in the schema's order."""
    theme = ((schema or {}).get("properties") or {}).get(THEME) or {}
    name = ((theme.get("items") or {}).get("properties") or {}).get("name") or {}
    return list(name.get("enum") or ())


def _is_text(prop):
    """An attribute whose value is one text (``color``, ``size``): what an
    Odoo attribute value can fill; a measure (``item_weight``: value and
    unit) cannot."""
    value = (((prop or {}).get("items") or {}).get("properties") or {}).get("value")
    return isinstance(value, dict) and value.get("type") == "string"


def token_attribute(token, properties):
    """The text attribute holding a theme token's values, else ``None``."""
    base = token.strip().lower()
    for suffix in TOKEN_SUFFIXES:
        if suffix and not base.endswith(suffix):
            continue
        name = base[: len(base) - len(suffix)] if suffix else base
        if name in properties and _is_text(properties[name]):
            return name
    return None


def theme_attributes(theme, properties):
    """The attributes of ``theme`` in its order, ``None`` when one of its
    tokens names no attribute of the schema (the theme cannot be filled)."""
    found = [token_attribute(token, properties) for token in theme.split("/")]
    if None in found or len(set(found)) != len(found):
        return None
    return found


def theme_axes(schema):
    """The text attributes the schema's themes vary on, sorted: what an Odoo
    attribute may be named after for a family of this product type."""
    properties = (schema or {}).get("properties") or {}
    found = set()
    for theme in allowed_themes(schema):
        found.update(theme_attributes(theme, properties) or ())
    return sorted(found)


def amazon_attribute(odoo_name, properties):
    """The schema attribute an Odoo attribute (``Size``, ``Colour``) stands
    for, by name: lower case, spaces as underscores, British spellings
    mapped; ``None`` when the schema has no such attribute."""
    name = re.sub(r"[^a-z0-9]+", "_", (odoo_name or "").strip().lower()).strip("_")
    name = SYNONYMS.get(name, name)
    return name if name in properties and _is_text(properties[name]) else None


def choose_theme(schema, attributes):
    """``(theme, attributes in theme order)`` for a family varying on
    ``attributes`` (Amazon attribute names, in the template's order): a theme
    of exactly those axes, the one listing them in the template's order
    first, then the schema's order. Raises :class:`NoTheme`."""
    properties = (schema or {}).get("properties") or {}
    wanted = list(attributes)
    candidates = []
    for rank, theme in enumerate(allowed_themes(schema)):
        axes = theme_attributes(theme, properties)
        if axes is None or sorted(axes) != sorted(wanted):
            continue
        candidates.append((axes != wanted, rank, theme, axes))
    if not candidates:
        raise NoTheme(wanted)
    _, _, theme, axes = min(candidates)
    return theme, axes


def text_value(schema, name, value, marketplace_id, language_tag):
    """One value of attribute ``name`` with the selectors its schema wants."""
    items = (((schema or {}).get("properties") or {}).get(name) or {}).get(
        "items"
    ) or {}
    known = items.get("properties") or {}
    entry = {"value": value}
    if "marketplace_id" in known:
        entry["marketplace_id"] = marketplace_id
    if "language_tag" in known:
        entry["language_tag"] = language_tag
    return [entry]


def parent_attributes(base, theme, marketplace_id, schema=None):
    """The parent's attributes: ``base`` (generated from the template and the
    common attributes) without its offer, plus parentage and theme. A
    parent has no barcode and no offer: where the schema knows them, it
    says so (``skip_offer``, identifier exemption), as Amazon's conditional
    requirements otherwise ask for an offer and an identifier."""
    mp = {"marketplace_id": marketplace_id}
    attributes = {k: v for k, v in base.items() if k not in CHILD_ONLY_ATTRIBUTES}
    properties = (schema or {}).get("properties") or {}
    for flag in PARENT_FLAGS:
        if schema is None or flag in properties:
            attributes[flag] = [dict(mp, value=True)]
    attributes.update(
        {
            PARENTAGE: [dict(mp, value="parent")],
            RELATIONSHIP: [dict(mp, child_relationship_type=VARIATION)],
            THEME: [{"name": theme}],
        }
    )
    return attributes


def child_attributes(
    base, theme, parent_sku, values, schema, marketplace_id, language_tag
):
    """A child's attributes: ``base`` (generated from its variant) plus its
    parent, theme and the theme's values (``{attribute: text}``)."""
    mp = {"marketplace_id": marketplace_id}
    attributes = dict(base)
    for name, value in values.items():
        attributes[name] = text_value(schema, name, value, marketplace_id, language_tag)
    attributes.update(
        {
            PARENTAGE: [dict(mp, value="child")],
            RELATIONSHIP: [
                dict(mp, child_relationship_type=VARIATION, parent_sku=parent_sku)
            ],
            THEME: [{"name": theme}],
        }
    )
    return attributes


def _first(attributes, name, key):
    for value in attributes.get(name) or ():
        if isinstance(value, dict) and value.get(key) not in (None, ""):
            return value[key]
    return None


def family_of(attributes):
    """``(level, parent_sku, theme)`` a listing's attributes declare:
    level ``parent``, ``child`` or ``None`` (a single listing)."""
    attributes = attributes or {}
    level = _first(attributes, PARENTAGE, "value")
    if level not in ("parent", "child"):
        return None, None, None
    parent = (
        _first(attributes, RELATIONSHIP, "parent_sku") if level == "child" else None
    )
    return level, parent, _first(attributes, THEME, "name")


def missing_axes(attributes, schema):
    """Theme attributes a child lacks (Amazon refuses such a child)."""
    level, _parent, theme = family_of(attributes)
    if level != "child" or not theme:
        return []
    axes = theme_attributes(theme, (schema or {}).get("properties") or {}) or []
    return [
        name
        for name in axes
        if not any(
            isinstance(v, dict) and str(v.get("value", "")).strip()
            for v in attributes.get(name) or ()
        )
    ]
