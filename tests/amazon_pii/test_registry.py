import json

import pytest

from amazon_pii.core import registry
from amazon_pii.core.registry import (
    DOCUMENTS,
    FIELDS,
    NON_PII_PATHS,
    SHIPPING_REVEALABLE,
    by_key,
    by_source_path,
)
from tests.sandbox.reference import base_dir

MODEL = base_dir() / "sp-api-models/models/orders-api-model/orders_2026-01-01.json"

# The Definitions section of docs/data-protection.md, verbatim as paths.
RULES_PII_PATHS = [
    "buyer.buyerName",
    "buyer.buyerEmail",
    "recipient.deliveryAddress.name",
    "recipient.deliveryAddress.addressLine1",
    "recipient.deliveryAddress.addressLine2",
    "recipient.deliveryAddress.addressLine3",
    "recipient.deliveryAddress.postalCode",
    "recipient.deliveryAddress.phone",
    "recipient.deliveryAddress.extendedFields",
    "orderItems[].fulfillment.packing.giftOption.giftMessage",
    "orderItems[].product.customization.customizedUrl",
]


@pytest.fixture(scope="module")
def definitions():
    if not MODEL.exists():
        pytest.skip(f"Orders API 2026-01-01 model not found at {MODEL}")
    return json.loads(MODEL.read_text(encoding="utf-8"))["definitions"]


def _resolve(definitions, path):
    """Walk a dotted ``a.b[].c`` path from ``Order``; None if it does not exist."""
    schema = definitions["Order"]
    for part in path.split("."):
        is_array = part.endswith("[]")
        name = part[:-2] if is_array else part
        while "$ref" in schema:
            schema = definitions[schema["$ref"].rsplit("/", 1)[-1]]
        schema = schema.get("properties", {}).get(name)
        if schema is None:
            return None
        if is_array:
            if schema.get("type") != "array":
                return None
            schema = schema["items"]
    return schema


def test_resolver_rejects_bogus_paths(definitions):
    assert _resolve(definitions, "buyer.buyerName") is not None
    assert _resolve(definitions, "buyer.nope") is None
    assert _resolve(definitions, "orderItems.orderItemId") is None  # missing []
    assert _resolve(definitions, "buyer[].buyerName") is None


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.key)
def test_registered_path_exists_in_model(definitions, field):
    assert _resolve(definitions, field.source_path) is not None, field.source_path


@pytest.mark.parametrize("path", sorted(NON_PII_PATHS))
def test_non_pii_path_exists_in_model(definitions, path):
    assert _resolve(definitions, path) is not None, path


def test_every_pii_field_named_by_the_rules_is_registered():
    registered = {f.source_path for f in FIELDS}
    assert set(RULES_PII_PATHS) <= registered


def test_buyer_tax_id_is_registered(definitions):
    tax_id = by_key("buyer_tax_id")
    assert tax_id.source_path == "tax.taxRegistrations[].taxRegistrationNumber"
    assert _resolve(definitions, tax_id.source_path) is not None


def test_registry_is_consistent():
    keys = [f.key for f in FIELDS]
    paths = [f.source_path for f in FIELDS]
    assert len(keys) == len(set(keys)) and len(paths) == len(set(paths))
    assert not set(paths) & NON_PII_PATHS
    assert SHIPPING_REVEALABLE <= set(keys) | {f.key for f in DOCUMENTS}
    for field in FIELDS:
        assert field.classification in {"pii", "secret", "confidential"}
        assert field.stored_in == "vault"
        assert field.purpose and field.retention == registry.RETENTION_PII


SHIPPING_MODEL = MODEL.parents[1] / "shipping-api-model/shippingV2.json"


def test_label_document_is_registered_where_amazon_returns_it():
    """The label Amazon sells prints the address: its path is in Amazon's
    Shipping API v2 purchase result, and fulfilment staff may print it."""
    if not SHIPPING_MODEL.exists():
        pytest.skip(f"Shipping API v2 model not found at {SHIPPING_MODEL}")
    shipping = json.loads(SHIPPING_MODEL.read_text(encoding="utf-8"))["definitions"]
    label = by_key("shipping_label")
    assert label in DOCUMENTS and label.classification == "pii"
    node = shipping["PurchaseShipmentResult"]
    for part in label.source_path.split("."):
        node = node["properties"][part.removesuffix("[]")]
        if part.endswith("[]"):
            node = node.get("items", node)
        while "$ref" in node:
            node = shipping[node["$ref"].rsplit("/", 1)[1]]
            if node.get("type") == "array":
                node = node["items"]
    assert node.get("type") == "string"
    assert "shipping_label" in SHIPPING_REVEALABLE


def test_shipping_may_reveal_address_but_not_buyer_identity():
    assert {"recipient_name", "address_line1", "postal_code", "phone"} <= (
        SHIPPING_REVEALABLE
    )
    for key in ("buyer_name", "buyer_email", "buyer_tax_id", "customized_url"):
        assert key not in SHIPPING_REVEALABLE


def test_lookups():
    assert by_key("gift_message").source_path.endswith("giftOption.giftMessage")
    with pytest.raises(KeyError):
        by_key("no_such_key")
    assert by_source_path("recipient.deliveryAddress.phone").key == "phone"
    assert by_source_path("orderItems[3].product.customization.customizedUrl").key == (
        "customized_url"
    )
    extended = "recipient.deliveryAddress.extendedFields.streetNumber"
    assert by_source_path(extended).key == "address_extended_fields"
    assert by_source_path("recipient.deliveryAddress.city") is None
    assert by_source_path("buyer") is None
