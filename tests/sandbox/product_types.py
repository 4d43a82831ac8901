"""The product types the sandbox serves, and the variation families it checks.

PRODUCT is Amazon's real schema (../shared/amazon/ptd). Amazon's reference
data holds no other product type, and PRODUCT has ``color`` but no ``size``:
a size x colour family cannot be expressed in it. SANDBOX_APPAREL is derived
from PRODUCT, said so in its display name and ``$comment``: a ``size``
attribute shaped exactly as PRODUCT's own ``color`` (same selectors, same
value object), and a ``variation_theme`` enum cut to PRODUCT's themes whose
axes are colour and size, as Amazon's apparel schemas list only the themes
their attributes can fill. Everything else (parentage, relationship, the
conditional rules) is Amazon's PRODUCT schema unchanged.

Families are checked as Amazon does on submission: a child must name a
parent SKU the seller has listed as a parent, carry its parent's theme, and
fill every axis of the theme.
"""

import copy
import hashlib
import json
from functools import lru_cache

from .documents import PTD_DIR

PRODUCT_TYPES = {
    "PRODUCT": "Product",
    # Not "product" in the label: a keyword search for PRODUCT finds PRODUCT.
    "SANDBOX_APPAREL": "Apparel (sandbox schema with a size attribute)",
}
# Theme tokens and the attribute holding their values (Amazon's naming: the
# token in lower case, without its _NAME suffix).
THEME_AXES = {
    "COLOR": "color",
    "COLOR_NAME": "color",
    "SIZE": "size",
    "SIZE_NAME": "size",
}
SCHEMA_BASE = (
    "https://schemas.amazon.com/selling-partners/definitions/product-types/schema/v1/"
)


def _product():
    path = PTD_DIR / "PRODUCT.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _apparel(product):
    schema = copy.deepcopy(product)
    schema["$id"] = SCHEMA_BASE + "SANDBOX_APPAREL"
    schema["$comment"] = (
        "Sandbox product type: Amazon's PRODUCT schema plus a size attribute "
        "shaped as its color attribute, variation themes cut to size and colour."
    )
    props = schema["properties"]
    size = copy.deepcopy(props["color"])
    size.update(
        {
            "$comment": "This attribute indicates the size of the product",
            "title": "Size",
            "description": "Provide the size of the product",
            "examples": ["Large"],
        }
    )
    size["items"]["properties"]["value"].update(
        title="Size", description="Provide the size of the product", examples=["Large"]
    )
    props["size"] = size
    name = props["variation_theme"]["items"]["properties"]["name"]
    name["enum"] = [
        theme
        for theme in name["enum"]
        if all(token in THEME_AXES for token in theme.split("/"))
    ]
    name.pop("enumNames", None)
    return schema


@lru_cache(maxsize=4)
def schema_bytes(product_type):
    """The schema document served for ``product_type``, else ``None``."""
    product = _product()
    if product is None or product_type not in PRODUCT_TYPES:
        return None
    if product_type == "PRODUCT":
        return (PTD_DIR / "PRODUCT.json").read_bytes()
    return json.dumps(_apparel(product), ensure_ascii=False).encode("utf-8")


def schema(product_type):
    data = schema_bytes(product_type)
    return json.loads(data) if data is not None else None


def checksum(product_type):
    data = schema_bytes(product_type) or b""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


# --- families -------------------------------------------------------------------


def _first(attributes, name, key):
    for value in attributes.get(name) or ():
        if isinstance(value, dict) and value.get(key) not in (None, ""):
            return value[key]
    return None


def family(attributes):
    """``(level, parent_sku, theme)`` of listing attributes."""
    level = _first(attributes, "parentage_level", "value")
    parent = _first(attributes, "child_parent_sku_relationship", "parent_sku")
    return level, parent, _first(attributes, "variation_theme", "name")


def axes(theme):
    """The attributes of a theme: the known tokens' attribute, else Amazon's
    naming rule (lower case, without _NAME)."""
    return [
        THEME_AXES.get(token, token.lower().removesuffix("_name"))
        for token in (theme or "").split("/")
        if token
    ]


# The sandbox's own codes (Amazon's for these refusals are not public).
NO_PARENT, OTHER_THEME = "4000004", "4000005"


def _issue(code, message, attribute, marketplace):
    return {
        "code": code,
        "message": message,
        "severity": "ERROR",
        "attributeNames": [attribute],
        "categories": ["INVALID_ATTRIBUTE"],
        "marketplaceIds": [marketplace],
    }


def family_issues(listings, seller, attributes, marketplace):
    """Amazon's checks of a variation child against the seller's listings
    (``{(seller, sku): listing}``): its parent exists and is a parent, the
    theme is the parent's, and the theme's attributes are filled."""
    level, parent_sku, theme = family(attributes)
    if level != "child":
        return []
    issues = []
    parent = listings.get((seller, parent_sku)) if parent_sku else None
    if parent is None:
        issues.append(
            _issue(
                NO_PARENT,
                f"The parent SKU '{parent_sku}' does not exist: submit the "
                "parent before its children.",
                "child_parent_sku_relationship",
                marketplace,
            )
        )
    else:
        parent_level, _, parent_theme = family(parent["attributes"])
        if parent_level != "parent":
            issues.append(
                _issue(
                    NO_PARENT,
                    f"The SKU '{parent_sku}' is not a variation parent.",
                    "child_parent_sku_relationship",
                    marketplace,
                )
            )
        elif parent_theme != theme:
            issues.append(
                _issue(
                    OTHER_THEME,
                    f"The variation theme '{theme}' differs from its parent's "
                    f"'{parent_theme}'.",
                    "variation_theme",
                    marketplace,
                )
            )
    for name in axes(theme):
        filled = any(
            isinstance(v, dict) and str(v.get("value", "")).strip()
            for v in attributes.get(name) or ()
        )
        if not filled:
            issues.append(
                _issue(
                    "90220",
                    f"'{name}' is required by variation theme '{theme}' but "
                    "not supplied.",
                    name,
                    marketplace,
                )
            )
    return issues


def relationships(listings, seller, listing, marketplace):
    """Listings Items ``relationships`` of ``listing``, from the store."""
    level, parent_sku, theme = family(listing["attributes"])
    if level not in ("parent", "child") or not theme:
        return []
    relation = {
        "type": "VARIATION",
        "variationTheme": {"attributes": axes(theme), "theme": theme},
    }
    if level == "child":
        relation["parentSkus"] = [parent_sku] if parent_sku else []
    else:
        relation["childSkus"] = sorted(
            other["sku"]
            for (owner, _sku), other in listings.items()
            if owner == seller
            and family(other["attributes"])[:2] == ("child", listing["sku"])
        )
    return [{"marketplaceId": marketplace, "relationships": [relation]}]
