"""Amazon's PRODUCT schema and a complete listing for it, shared by the
listing tests (the schema is read-only reference data in ../shared)."""

import copy
import json
from decimal import Decimal

import pytest

from amazon_connector.core import listings
from amazon_connector.core.listings import ProductData
from tests.sandbox.reference import base_dir, how_to

PRODUCT = base_dir() / "ptd/PRODUCT.json"
M = "ATVPDKIKX0DER"
L = "en_US"


def product_schema():
    if not PRODUCT.exists():
        pytest.skip(f"Amazon's PRODUCT schema is absent: {PRODUCT}; " + how_to())
    return json.loads(PRODUCT.read_text(encoding="utf-8"))


def text(value, language=L, marketplace=M):
    return {"marketplace_id": marketplace, "language_tag": language, "value": value}


def per_marketplace(value, marketplace=M):
    return [{"marketplace_id": marketplace, "value": value}]


def complete_product(**overrides):
    values = {
        "title": "  Acme Stainless Steel Water Bottle, 750 ml ",
        "description": "A double-walled bottle for everyday use.",
        "barcode": "4006381333931",
        "brand": "Acme",
        "price": Decimal("19.99"),
        "currency": "USD",
        "images": [f"https://img.example.com/{i}.jpg" for i in range(12)],
        "package": (30, 10, 8.5, "cm"),
        "weight": (0.45, "kg"),
        "quantity": 12,
        "country": "de",
    }
    values.update(overrides)
    return ProductData(**values)


# What ProductData cannot say, for a complete MFN PRODUCT listing.
EXTRA = {
    "bullet_point": [text("Keeps drinks cold for 24 hours"), text("Dishwasher safe")],
    "color": [text("Blue")],
    "item_type_keyword": per_marketplace("water-bottles"),
    "supplier_declared_dg_hz_regulation": per_marketplace("not_applicable"),
    # Required by PRODUCT as soon as a DEFAULT (merchant) channel is offered.
    "merchant_shipping_group": per_marketplace("legacy-template-id"),
}


def complete_attributes(schema, **overrides):
    attributes = listings.product_attributes(
        complete_product(**overrides), M, L, schema
    )
    attributes.update(copy.deepcopy(EXTRA))
    return attributes
