"""Product Type Definitions API 2020-09-01. PRODUCT is served from Amazon's
real schema in ../shared/amazon/ptd, SANDBOX_APPAREL from a copy of it with a
size attribute (see product_types.py), behind a presigned-URL lookalike."""

import hashlib

from .. import product_types
from ..documents import PTD_DIR
from ..errors import ApiError
from ..messages import Reply

PRODUCT_TYPES = product_types.PRODUCT_TYPES


def _checksum(name):
    data = (PTD_DIR / name).read_bytes()
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _version(state, product_type="PRODUCT"):
    """The schema's version; each /_sandbox/product-types/release makes a new
    one (same content), as Amazon's weekly releases do."""
    path = PTD_DIR / "PRODUCT.json"
    base = "U" + (product_types.checksum(product_type)[:11] if path.is_file() else "0")
    releases = getattr(state, "product_type_releases", 0)
    return base + f".{releases}" if releases > 0 else base


def search_definitions(ctx, values):
    words = [w.lower() for w in values.get("keywords") or ()]
    name = (values.get("itemName") or "").lower()
    found = [
        {"name": key, "displayName": label, "marketplaceIds": values["marketplaceIds"]}
        for key, label in PRODUCT_TYPES.items()
        if all(w in key.lower() or w in label.lower() for w in words)
        and (not name or name in label.lower() or "product" in name)
    ]
    return Reply(
        200, {"productTypes": found, "productTypeVersion": _version(ctx.state)}
    )


def get_definition(ctx, values):
    product_type = values["productType"]
    if product_types.schema_bytes(product_type) is None:
        raise ApiError(
            404, "NOT_FOUND", f"Product type '{product_type}' was not found.", ""
        )
    locale = values.get("locale", "DEFAULT")
    body = {
        "metaSchema": {
            "link": {
                "resource": ctx.state.sign("/_sandbox/schemas/meta-schema.json"),
                "verb": "GET",
            },
            "checksum": _checksum("meta-schema.json"),
        },
        "schema": {
            "link": {
                "resource": ctx.state.sign(f"/_sandbox/schemas/{product_type}.json"),
                "verb": "GET",
            },
            "checksum": product_types.checksum(product_type),
        },
        "requirements": values.get("requirements", "LISTING"),
        "requirementsEnforced": values.get("requirementsEnforced", "ENFORCED"),
        "propertyGroups": {
            "offer": {
                "title": "Offer",
                "propertyNames": ["purchasable_offer", "fulfillment_availability"],
            },
            "product_identity": {
                "title": "Product Identity",
                "propertyNames": [
                    "item_name",
                    "brand",
                    "externally_assigned_product_identifier",
                ],
            },
        },
        "locale": "en_US" if locale == "DEFAULT" else locale,
        "marketplaceIds": values["marketplaceIds"],
        "productType": product_type,
        "displayName": PRODUCT_TYPES[product_type],
        "productTypeVersion": {
            "version": _version(ctx.state, product_type),
            "latest": True,
            "releaseCandidate": False,
        },
    }
    return Reply(200, body)
