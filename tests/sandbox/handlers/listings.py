"""Listings Items API 2021-08-01: get, put, patch, delete, search.

Submissions of the product types the sandbox serves (PRODUCT: Amazon's real
schema, draft 2019-09, from ../shared/amazon/ptd; SANDBOX_APPAREL: derived
from it, see product_types.py) are checked against their schema so issues
look like Amazon's, and variation children against their family; other
product types are accepted as they are.
"""

import copy
import uuid
from functools import lru_cache

from jsonschema import Draft201909Validator

from .. import pagination, product_types
from ..dataset import iso
from ..errors import ApiError
from ..messages import Reply


@lru_cache(maxsize=4)
def _product_validator(product_type="PRODUCT"):
    schema = product_types.schema(product_type)
    return Draft201909Validator(schema) if schema is not None else None


# Keys that tell an attribute's values apart when its schema names none.
FALLBACK_SELECTORS = (
    "marketplace_id",
    "language_tag",
    "fulfillment_channel_code",
    "currency",
)


@lru_cache(maxsize=1)
def _schema_selectors():
    schema = product_types.schema("SANDBOX_APPAREL")  # PRODUCT's, plus size
    if schema is None:
        return {}
    properties = schema.get("properties", {})
    return {
        name: tuple(spec["selectors"])
        for name, spec in properties.items()
        if isinstance(spec, dict) and isinstance(spec.get("selectors"), list)
    }


def _selectors(name, value):
    """The keys identifying one value of attribute ``name``: the PRODUCT
    schema's selectors, else the usual selector keys present in ``value``."""
    found = _schema_selectors().get(name)
    if found is not None:
        return found
    return tuple(key for key in FALLBACK_SELECTORS if key in value)


def _same(name, old, new):
    if not isinstance(old, dict):
        return False
    return all(old.get(key) == new.get(key) for key in _selectors(name, new))


def _own(ctx, seller_id):
    if seller_id != ctx.seller:
        raise ApiError(
            403, "Unauthorized", "Access to requested resource is denied.", ""
        )


def issues_for(product_type, attributes, requirements, marketplace):
    validator = (
        _product_validator(product_type)
        if product_type in product_types.PRODUCT_TYPES
        else None
    )
    if validator is None or requirements == "LISTING_OFFER_ONLY":
        return []
    issues = []
    errors = validator.iter_errors(attributes)
    # str(error) would dump the whole schema: sort on path and message only.
    for error in sorted(errors, key=lambda e: (list(e.path), e.message))[:20]:
        missing = error.validator == "required"
        name = (
            error.message.split("'")[1]
            if missing
            else (str(error.absolute_path[0]) if error.absolute_path else "")
        )
        issues.append(
            {
                "code": "90220" if missing else "4000001",
                "message": (
                    f"'{name}' is required but not supplied."
                    if missing
                    else f"The value of '{name}' is invalid: {error.message[:200]}"
                ),
                "severity": "ERROR",
                "attributeNames": [name] if name else [],
                "categories": ["MISSING_ATTRIBUTE" if missing else "INVALID_ATTRIBUTE"],
                "marketplaceIds": [marketplace],
            }
        )
    return issues


def _submission(sku, status, issues, included, identifiers):
    reply = {"sku": sku, "status": status, "submissionId": uuid.uuid4().hex}
    if "issues" in (included or ["issues"]):
        reply["issues"] = issues
    if "identifiers" in (included or ()):
        reply["identifiers"] = identifiers
    return reply


def _item_view(listing, included, marketplace, listings=None, seller=None):
    included = included or ["summaries"]
    item = {"sku": listing["sku"]}
    if "summaries" in included:
        status = ["BUYABLE", "DISCOVERABLE"] if listing.get("asin") else []
        summary = {
            "marketplaceId": marketplace,
            "productType": listing["productType"],
            "conditionType": "new_new",
            "status": status,
            "itemName": _item_name(listing),
            "createdDate": listing["createdDate"],
            "lastUpdatedDate": listing["lastUpdatedDate"],
        }
        if listing.get("asin"):
            summary["asin"] = listing["asin"]
        item["summaries"] = [summary]
    if "attributes" in included:
        item["attributes"] = copy.deepcopy(listing["attributes"])
    if "issues" in included:
        item["issues"] = list(listing.get("issues") or [])
    if "offers" in included and listing.get("price") is not None:
        item["offers"] = [
            {
                "marketplaceId": marketplace,
                "offerType": "B2C",
                "price": {"currencyCode": "USD", "amount": str(listing["price"])},
            }
        ]
    values = listing["attributes"].get("fulfillment_availability")
    if "fulfillmentAvailability" in included and isinstance(values, list) and values:
        item["fulfillmentAvailability"] = []
        for value in values:
            if not isinstance(value, dict):
                continue
            entry = {
                "fulfillmentChannelCode": value.get(
                    "fulfillment_channel_code", "DEFAULT"
                )
            }
            if value.get("quantity") is not None:
                entry["quantity"] = value["quantity"]
            item["fulfillmentAvailability"].append(entry)
    elif "fulfillmentAvailability" in included:
        code = "AMAZON_NA" if listing.get("afn") else "DEFAULT"
        availability = {"fulfillmentChannelCode": code}
        if not listing.get("afn"):
            availability["quantity"] = listing.get("quantity", 25)
        item["fulfillmentAvailability"] = [availability]
    if "productTypes" in included:
        item["productTypes"] = [
            {"marketplaceId": marketplace, "productType": listing["productType"]}
        ]
    if "procurement" in included:
        item["procurement"] = []
    if "relationships" in included:
        item["relationships"] = product_types.relationships(
            listings or {}, seller, listing, marketplace
        )
    return item


def _item_name(listing):
    names = listing["attributes"].get("item_name") or [{}]
    value = names[0].get("value") if isinstance(names[0], dict) else None
    return value if isinstance(value, str) else listing["sku"]


def get_listings_item(ctx, values):
    _own(ctx, values["sellerId"])
    listing = ctx.stores.listings.get((ctx.seller, values["sku"]))
    if listing is None:
        raise ApiError(404, "NOT_FOUND", f"SKU '{values['sku']}' not found", "")
    marketplace = values["marketplaceIds"][0]
    view = _item_view(
        listing,
        values.get("includedData"),
        marketplace,
        ctx.stores.listings,
        ctx.seller,
    )
    return Reply(200, view)


def put_listings_item(ctx, values):
    _own(ctx, values["sellerId"])
    body, sku = values["body"], values["sku"]
    marketplace = values["marketplaceIds"][0]
    issues = issues_for(
        body["productType"], body["attributes"], body.get("requirements"), marketplace
    ) + product_types.family_issues(
        ctx.stores.listings, ctx.seller, body["attributes"], marketplace
    )
    preview = values.get("mode") == "VALIDATION_PREVIEW"
    included = values.get("includedData")
    errors = [i for i in issues if i["severity"] == "ERROR"]
    stores, key = ctx.stores, (ctx.seller, sku)
    existing = stores.listings.get(key)
    identifiers = (
        [{"marketplaceId": marketplace, "asin": existing["asin"]}]
        if (existing and existing.get("asin"))
        else []
    )
    if preview:
        status = "INVALID" if errors else "VALID"
        return Reply(200, _submission(sku, status, issues, included, identifiers))
    if errors:
        return Reply(200, _submission(sku, "INVALID", issues, included, identifiers))
    now = iso(ctx.now)
    with ctx.state.lock:
        stores.listings[key] = {
            "sku": sku,
            "productType": body["productType"],
            # What a later patch is validated against (offer-only stays so).
            "requirements": body.get("requirements") or "LISTING",
            "asin": existing.get("asin") if existing else None,
            "attributes": copy.deepcopy(body["attributes"]),
            "price": existing.get("price") if existing else None,
            "afn": bool(existing and existing.get("afn")),
            "createdDate": existing["createdDate"] if existing else now,
            "lastUpdatedDate": now,
        }
        derive_afn(stores.listings[key])
        reprice(stores.listings[key])
    return Reply(200, _submission(sku, "ACCEPTED", issues, included, identifiers))


def apply_patch(attributes, patch):
    """Amazon's JSON Patch on listing attributes: add/replace set the values,
    merge updates (or appends) the values with the same selectors key by key,
    delete removes the values named by their selectors (or the attribute).
    Builds new value lists, so ``attributes`` may share them with a stored
    listing (a shallow copy)."""
    name = patch["path"].removeprefix("/attributes/").strip("/")
    given = [v for v in patch.get("value") or [] if isinstance(v, dict)]
    current = attributes.get(name)
    current = copy.deepcopy(current) if isinstance(current, list) else []
    if patch["op"] == "delete":
        kept = [
            old for old in current if not any(_same(name, old, new) for new in given)
        ]
        if given and kept:
            attributes[name] = kept
        else:
            attributes.pop(name, None)
    elif patch["op"] == "merge":
        for new in copy.deepcopy(given):
            match = next((old for old in current if _same(name, old, new)), None)
            if match is None:
                current.append(new)
            else:
                match.update(new)
        attributes[name] = current
    else:
        attributes[name] = copy.deepcopy(patch.get("value", []))


def derive_afn(listing):
    """Set ``afn`` from the fulfillment_availability values when given: any
    channel other than DEFAULT (merchant-fulfilled) means Amazon fulfils it."""
    values = listing["attributes"].get("fulfillment_availability")
    if isinstance(values, list) and values:
        listing["afn"] = any(
            isinstance(v, dict)
            and v.get("fulfillment_channel_code", "DEFAULT") != "DEFAULT"
            for v in values
        )


def patch_listings_item(ctx, values):
    _own(ctx, values["sellerId"])
    body, sku = values["body"], values["sku"]
    marketplace = values["marketplaceIds"][0]
    stores, key = ctx.stores, (ctx.seller, sku)
    included = values.get("includedData")
    with ctx.state.lock:
        existing = stores.listings.get(key)
        if existing is None:
            issue = {
                "code": "4000003",
                "message": f"The SKU '{sku}' does not exist for this seller.",
                "severity": "ERROR",
                "categories": ["INVALID_ATTRIBUTE"],
            }
            return Reply(200, _submission(sku, "INVALID", [issue], included, []))
        attributes = copy.deepcopy(existing["attributes"])
        for patch in body["patches"]:
            if not patch["path"].startswith("/attributes/"):
                raise ApiError(400, "InvalidInput", "Invalid Input", "patch path")
            apply_patch(attributes, patch)
        # Amazon validates the merged listing against the schema, with the
        # requirements it was put with, and refuses the patch (INVALID,
        # nothing applied) when an attribute it touches breaks it; one the
        # patch leaves alone is not judged here (the catalogue's listings
        # predate the sandbox's schema).
        touched = {patch["path"].split("/")[2] for patch in body["patches"]}
        requirements = existing.get("requirements") or "LISTING"
        issues = [
            issue
            for issue in issues_for(
                body["productType"], attributes, requirements, marketplace
            )
            if touched & set(issue["attributeNames"])
        ] + product_types.family_issues(
            stores.listings, ctx.seller, attributes, marketplace
        )
        errors = [i for i in issues if i["severity"] == "ERROR"]
        identifiers = (
            [{"marketplaceId": marketplace, "asin": existing["asin"]}]
            if (existing.get("asin"))
            else []
        )
        if values.get("mode") == "VALIDATION_PREVIEW":
            status = "INVALID" if errors else "VALID"
            return Reply(200, _submission(sku, status, issues, included, identifiers))
        if errors:
            return Reply(
                200, _submission(sku, "INVALID", issues, included, identifiers)
            )
        existing["attributes"] = attributes
        existing["lastUpdatedDate"] = iso(ctx.now)
        derive_afn(existing)
        reprice(existing)
    return Reply(200, _submission(sku, "ACCEPTED", issues, included, identifiers))


def reprice(listing):
    offers = listing["attributes"].get("purchasable_offer") or []
    try:
        price = offers[0]["our_price"][0]["schedule"][0]["value_with_tax"]
        listing["price"] = price
    except (IndexError, KeyError, TypeError):
        return


def delete_listings_item(ctx, values):
    _own(ctx, values["sellerId"])
    with ctx.state.lock:
        ctx.stores.listings.pop((ctx.seller, values["sku"]), None)
    return Reply(200, _submission(values["sku"], "ACCEPTED", [], None, []))


def search_listings_items(ctx, values):
    _own(ctx, values["sellerId"])
    marketplace = values["marketplaceIds"][0]
    page = (
        pagination.decode(values["pageToken"], "pageToken")
        if values.get("pageToken")
        else {"o": 0}
    )
    wanted = set(values.get("identifiers") or ())
    kind = values.get("identifiersType", "SKU")
    with ctx.state.lock:
        rows = [
            listing
            for (seller, _), listing in ctx.stores.listings.items()
            if seller == ctx.seller
        ]
    if wanted:
        field = "sku" if kind == "SKU" else "asin"
        rows = [row for row in rows if row.get(field) in wanted]
    sort_by = values.get("sortBy", "lastUpdatedDate")
    rows.sort(key=lambda row: (row[sort_by], row["sku"]))
    if values.get("sortOrder", "DESC") == "DESC":
        rows.reverse()
    size = values.get("pageSize", 10)
    start = page["o"]
    chunk = rows[start : start + size]
    body = {
        "numberOfResults": len(rows),
        "items": [
            _item_view(
                r,
                values.get("includedData"),
                marketplace,
                ctx.stores.listings,
                ctx.seller,
            )
            for r in chunk
        ],
    }
    pages = {}
    if start + size < len(rows):
        pages["nextToken"] = pagination.encode({"o": start + size})
    if start > 0:
        pages["previousToken"] = pagination.encode({"o": max(0, start - size)})
    if pages:
        body["pagination"] = pages
    return Reply(200, body)
