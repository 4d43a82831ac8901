"""Listing payloads: attributes from product data, patches, feeds and reports.

Amazon listing attributes are lists of value objects told apart by the
attribute's ``selectors`` (marketplace, language, currency, channel...). This
module builds them from plain product data, computes the JSON patches between
two versions, writes JSON_LISTINGS_FEED documents and reads their processing
reports back. Pure Python: never imports odoo, never touches the network.
"""

import json
import math
from dataclasses import dataclass, field
from decimal import Decimal

FEED_TYPE = "JSON_LISTINGS_FEED"
FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
FEED_MAX_MESSAGES = 10000  # Amazon's documented limit per JSON_LISTINGS_FEED
DEFAULT_CHANNEL = "DEFAULT"
KNOWN_SELECTORS = (
    "marketplace_id",
    "language_tag",
    "currency",
    "fulfillment_channel_code",
)
MAX_OTHER_IMAGES = 8
SEVERITIES = {"ERROR": "error", "WARNING": "warning", "INFO": "info"}
WEIGHT_UNITS = {
    "kg": "kilograms",
    "g": "grams",
    "lb": "pounds",
    "lbs": "pounds",
    "oz": "ounces",
}
LENGTH_UNITS = {
    "mm": "millimeters",
    "cm": "centimeters",
    "m": "meters",
    "in": "inches",
    "ft": "feet",
}
# GTIN length -> Amazon's external product id type.
BARCODE_TYPES = {12: "upc", 13: "ean", 14: "gtin"}


@dataclass
class ProductData:
    """What Odoo knows of a product, in the units Odoo stores it in."""

    title: str
    description: str = ""
    barcode: str = ""
    brand: str = ""
    price: Decimal | float | None = None
    currency: str = ""
    images: list = field(default_factory=list)  # public URLs, main image first
    package: tuple | None = None  # (length, width, height, Odoo length unit)
    weight: tuple | None = None  # (value, Odoo weight unit)
    quantity: int | None = None  # merchant-fulfilled stock; None: not sent
    condition: str = "new_new"
    country: str = ""  # ISO code of the country of origin


# --- attributes ----------------------------------------------------------------


def gtin_type(code):
    """Amazon's identifier type of a valid UPC/EAN/GTIN, else ``None``."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) not in BARCODE_TYPES:
        return None
    digits = [int(c) for c in code]
    # GS1 check digit: weights 3,1,3... from the right, the check digit excluded.
    total = sum(
        d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1]))
    )
    if (10 - total % 10) % 10 != digits[-1]:
        return None
    return BARCODE_TYPES[len(code)]


def _number(value):
    """JSON number for a price or measure (no float noise)."""
    number = float(Decimal(str(value)).quantize(Decimal("0.01")))
    return int(number) if number.is_integer() else number


def product_attributes(data, marketplace_id, language_tag, schema=None):
    """Listing attributes generated from ``data`` (a :class:`ProductData`).

    Only attributes the product type's ``schema`` defines are kept, so the
    same product data serves every product type.
    """
    mp = {"marketplace_id": marketplace_id}
    text = dict(mp, language_tag=language_tag)
    attributes = {"item_name": [dict(text, value=data.title.strip())]}
    if data.description.strip():
        attributes["product_description"] = [dict(text, value=data.description.strip())]
    if data.brand.strip():
        attributes["brand"] = [dict(text, value=data.brand.strip())]
    kind = gtin_type(data.barcode)
    if kind:
        attributes["externally_assigned_product_identifier"] = [
            dict(mp, type=kind, value=data.barcode.strip())
        ]
    if data.country:
        attributes["country_of_origin"] = [dict(mp, value=data.country.upper())]
    if data.condition:
        attributes["condition_type"] = [dict(mp, value=data.condition)]
    if data.price is not None and data.currency:
        attributes["purchasable_offer"] = offer_value(
            marketplace_id, data.currency, data.price
        )
    if data.quantity is not None:
        attributes["fulfillment_availability"] = [
            {
                "fulfillment_channel_code": DEFAULT_CHANNEL,
                "quantity": int(data.quantity),
            }
        ]
    if data.images:
        attributes["main_product_image_locator"] = [
            dict(mp, media_location=data.images[0])
        ]
        for index, url in enumerate(data.images[1 : MAX_OTHER_IMAGES + 1], start=1):
            attributes[f"other_product_image_locator_{index}"] = [
                dict(mp, media_location=url)
            ]
    if data.package and all(data.package[:3]) and data.package[3] in LENGTH_UNITS:
        unit = LENGTH_UNITS[data.package[3]]
        length, width, height = (
            {"value": _number(v), "unit": unit} for v in data.package[:3]
        )
        attributes["item_package_dimensions"] = [
            dict(mp, length=length, width=width, height=height)
        ]
    if data.weight and data.weight[0] and data.weight[1] in WEIGHT_UNITS:
        attributes["item_package_weight"] = [
            dict(mp, value=_number(data.weight[0]), unit=WEIGHT_UNITS[data.weight[1]])
        ]
    if schema is not None:
        known = schema.get("properties") or {}
        attributes = {k: v for k, v in attributes.items() if k in known}
    return attributes


def fill_selectors(attributes, schema, marketplace_id, language_tag):
    """Copy of ``attributes`` whose values get the marketplace and language
    the schema expects where they lack them (common values typed once)."""
    props = (schema or {}).get("properties") or {}
    filled = {}
    for name, values in attributes.items():
        items = (props.get(name) or {}).get("items") or {}
        known = set(items.get("properties") or {})
        filled[name] = [
            {
                **(
                    {"marketplace_id": marketplace_id}
                    if "marketplace_id" in known
                    else {}
                ),
                **({"language_tag": language_tag} if "language_tag" in known else {}),
                **value,
            }
            if isinstance(value, dict)
            else value
            for value in (values if isinstance(values, list) else [values])
        ]
    return filled


# Attributes whose values belong to other channels, audiences or prices the
# product data does not describe: regenerated values are merged, never swapped.
MERGED_ATTRIBUTES = ("fulfillment_availability", "purchasable_offer")


def regenerate(existing, generated, schema=None):
    """``existing`` attributes updated with freshly ``generated`` ones.

    Generated attributes replace their old values, except the offer and the
    channels, merged by selectors: an ``AMAZON_NA`` value (FBA) or a sale
    price set on Amazon survive a regeneration. Attributes typed by hand and
    not generated stay.
    """
    result = dict(existing or {})
    result.update({k: v for k, v in generated.items() if k not in MERGED_ATTRIBUTES})
    merges = [
        {"op": "merge", "path": f"/attributes/{name}", "value": generated[name]}
        for name in MERGED_ATTRIBUTES
        if name in generated
    ]
    return apply_patches(result, merges, schema)


def offer_value(marketplace_id, currency, price):
    """``purchasable_offer`` value: one price for the marketplace."""
    schedule = [{"value_with_tax": _number(price)}]
    return [
        {
            "marketplace_id": marketplace_id,
            "currency": currency,
            "our_price": [{"schedule": schedule}],
        }
    ]


def mfn_quantity(free_quantity, buffer):
    """Quantity offered on Amazon: whole units free to sell minus the buffer."""
    return max(0, math.floor(free_quantity or 0) - max(0, int(buffer or 0)))


def listed_price(attributes, marketplace_id):
    """The ``our_price`` of the marketplace in ``attributes``, else ``None``."""
    for offer in attributes.get("purchasable_offer") or ():
        if offer.get("marketplace_id") not in (None, marketplace_id):
            continue
        try:
            return offer["our_price"][0]["schedule"][0]["value_with_tax"]
        except (LookupError, TypeError):
            return None
    return None


def channels(attributes):
    """``{channel code: quantity or None}`` from ``fulfillment_availability``."""
    return {
        value.get("fulfillment_channel_code"): value.get("quantity")
        for value in attributes.get("fulfillment_availability") or ()
        if isinstance(value, dict)
    }


# --- requirements shown on the form -------------------------------------------


def _top_level_names(node):
    """Top-level attribute names a condition (``if``) looks at."""
    names = set(node.get("required") or ()) | set(node.get("properties") or {})
    for key in ("allOf", "anyOf", "oneOf"):
        for child in node.get(key) or ():
            names |= _top_level_names(child)
    if isinstance(node.get("not"), dict):
        names |= _top_level_names(node["not"])
    return names


def title_of(schema, name):
    return ((schema.get("properties") or {}).get(name) or {}).get("title") or name


def requirements(schema):
    """Required and conditionally required top-level attributes.

    Returns ``[(name, title, depends_on)]`` in schema order: ``depends_on`` is
    empty for always-required attributes, else the titles of the attributes
    whose values make this one required (allOf/if/then at the root).
    """
    found = {name: set() for name in schema.get("required") or ()}
    always = set(found)
    for rule in schema.get("allOf") or ():
        then = rule.get("then") or {}
        condition = rule.get("if")
        if not isinstance(condition, dict):
            continue
        for name in then.get("required") or ():
            if name not in always:
                found.setdefault(name, set()).update(_top_level_names(condition))
    order = list(schema.get("properties") or {})
    rank = {name: i for i, name in enumerate(order)}
    return [
        (
            name,
            title_of(schema, name),
            sorted(title_of(schema, d) for d in depends if d != name),
        )
        for name, depends in sorted(found.items(), key=lambda kv: rank.get(kv[0], 1e9))
    ]


def skeleton(schema, name, marketplace_id, language_tag):
    """A value for attribute ``name`` with its selectors filled in and every
    other required text field empty, for the seller to complete."""
    items = ((schema.get("properties") or {}).get(name) or {}).get("items") or {}
    value = {}
    for key in items.get("required") or ():
        if key == "marketplace_id":
            value[key] = marketplace_id
        elif key == "language_tag":
            value[key] = language_tag
        else:
            value[key] = ""
    return [value or {"value": ""}]


# --- patches -------------------------------------------------------------------


def selectors_of(schema, name, values=()):
    """The selectors of attribute ``name``: the schema's, else the usual ones
    present in its values."""
    prop = ((schema or {}).get("properties") or {}).get(name) or {}
    if isinstance(prop.get("selectors"), list):
        return list(prop["selectors"])
    keys = {k for v in values if isinstance(v, dict) for k in v}
    return [k for k in KNOWN_SELECTORS if k in keys]


def _selected(value, selectors):
    if not selectors or not isinstance(value, dict):
        return value
    return {k: value[k] for k in selectors if k in value}


def _key(value, selectors):
    return json.dumps(_selected(value, selectors), sort_keys=True)


def diff_patches(old, new, schema=None):
    """JSON patches turning attributes ``old`` into ``new``.

    Only changed top-level attributes are sent: ``replace`` with the new
    values; values (told apart by selectors) that are gone get a ``delete``
    naming their selectors, and a removed attribute a ``delete`` of all its
    values.
    """
    patches = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        path = f"/attributes/{name}"
        before_list = before if isinstance(before, list) else []
        after_list = after if isinstance(after, list) else []
        selectors = selectors_of(schema, name, before_list + after_list)
        kept = {_key(v, selectors) for v in after_list}
        gone = [
            _selected(v, selectors)
            for v in before_list
            if _key(v, selectors) not in kept
        ]
        if gone:
            patches.append({"op": "delete", "path": path, "value": gone})
        elif name not in new:
            patches.append({"op": "delete", "path": path})  # held no value list
        if name in new:
            patches.append({"op": "replace", "path": path, "value": after})
    return patches


def offer_patches(marketplace_id, currency=None, price=None, quantity=None):
    """Patches for a price and/or merchant-fulfilled quantity.

    ``merge`` changes only the values named by their selectors and only the
    keys given: an ``AMAZON_NA`` (FBA) value of the same SKU, a sale price or
    a handling time stay as they are.
    """
    patches = []
    if price is not None:
        patches.append(
            {
                "op": "merge",
                "path": "/attributes/purchasable_offer",
                "value": offer_value(marketplace_id, currency, price),
            }
        )
    if quantity is not None:
        patches.append(
            {
                "op": "merge",
                "path": "/attributes/fulfillment_availability",
                "value": [
                    {
                        "fulfillment_channel_code": DEFAULT_CHANNEL,
                        "quantity": int(quantity),
                    }
                ],
            }
        )
    return patches


def apply_patches(attributes, patches, schema=None):
    """``attributes`` after ``patches``, with Amazon's semantics (kept in Odoo
    so a listing shows what Amazon holds without a new download)."""
    result = json.loads(json.dumps(attributes))
    for patch in patches:
        name = patch["path"].removeprefix("/attributes/").strip("/")
        values = patch.get("value") or []
        current = result.get(name) if isinstance(result.get(name), list) else []
        selectors = selectors_of(schema, name, current + values)
        if patch["op"] in ("add", "replace"):
            result[name] = json.loads(json.dumps(values))
        elif patch["op"] == "merge":
            merged = [dict(v) for v in current]
            for value in values:
                match = next(
                    (m for m in merged if _key(m, selectors) == _key(value, selectors)),
                    None,
                )
                if match is None:
                    merged.append(dict(value))
                else:
                    match.update(value)
            result[name] = merged
        elif patch["op"] == "delete":
            doomed = {_key(v, selectors) for v in values}
            left = [v for v in current if values and _key(v, selectors) not in doomed]
            if left:
                result[name] = left
            else:
                result.pop(name, None)
    return result


# --- feeds ---------------------------------------------------------------------


def update_message(message_id, sku, product_type, attributes, requirements="LISTING"):
    return {
        "messageId": message_id,
        "sku": sku,
        "operationType": "UPDATE",
        "productType": product_type,
        "requirements": requirements,
        "attributes": attributes,
    }


def patch_message(message_id, sku, product_type, patches):
    return {
        "messageId": message_id,
        "sku": sku,
        "operationType": "PATCH",
        "productType": product_type,
        "patches": patches,
    }


def feed_document(seller_id, messages, issue_locale=None):
    """JSON_LISTINGS_FEED (v2) as the bytes to upload."""
    if not messages:
        raise ValueError("A listings feed needs at least one message")
    if len(messages) > FEED_MAX_MESSAGES:
        raise ValueError(
            f"A listings feed holds at most {FEED_MAX_MESSAGES} messages, "
            f"not {len(messages)}"
        )
    header = {"sellerId": seller_id, "version": "2.0"}
    if issue_locale:
        header["issueLocale"] = issue_locale
    document = {"header": header, "messages": messages}
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class AmazonIssue:
    """An issue Amazon reported, normalized across the API and feed reports."""

    code: str
    severity: str  # error, warning or info
    message: str
    attribute: str | None = None


def amazon_issue(raw):
    """From a Listings Items API issue or a processing report entry."""
    names = raw.get("attributeNames") or (
        [raw["attributeName"]] if raw.get("attributeName") else []
    )
    return AmazonIssue(
        code=str(raw.get("code") or ""),
        severity=SEVERITIES.get(str(raw.get("severity", "")).upper(), "error"),
        message=str(raw.get("message") or ""),
        attribute=names[0] if names else None,
    )


@dataclass
class FeedResult:
    """A processing report read back: issues per message, feed-wide issues."""

    by_message: dict
    general: list
    summary: dict


def read_report(content):
    """Parse a JSON_LISTINGS_FEED processing report (v2)."""
    try:
        report = json.loads(
            content.decode("utf-8") if isinstance(content, bytes) else content
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"The processing report is not JSON: {exc}") from None
    if not isinstance(report, dict):
        raise ValueError("The processing report is not a JSON object")  # noqa: TRY004
    by_message, general = {}, []
    for raw in report.get("issues") or ():
        if not isinstance(raw, dict):
            continue
        issue = amazon_issue(raw)
        message_id = raw.get("messageId")
        if isinstance(message_id, int):
            by_message.setdefault(message_id, []).append(issue)
        else:
            general.append(issue)
    return FeedResult(by_message, general, dict(report.get("summary") or {}))
