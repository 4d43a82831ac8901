"""Machine-readable registry of PII fields in Orders API 2026-01-01
(docs/data-protection.md #21).

Source paths are dotted, with ``[]`` for arrays, relative to one ``Order``
object (e.g. ``orderItems[].fulfillment.packing.giftOption.giftMessage``).
A registered object path (``...extendedFields``) covers everything below it.
Every path is checked against Amazon's model JSON by
``tests/amazon_pii/test_registry.py``.

Classification: ``pii`` identifies, contacts or locates a person;
``confidential`` is buyer business data kept in the vault anyway;
``secret`` is for seller credentials (``SECRETS``, not from the Orders API):
they never expire by retention and are read only by server code.
"""

import re
from dataclasses import dataclass

RETENTION_PII = (
    "delivered+30d"  # docs/data-protection.md #1; longer only under a legal hold (#2)
)


@dataclass(frozen=True)
class PIIField:
    key: str
    source_path: str
    classification: str  # "pii" | "secret" | "confidential"
    stored_in: str  # "vault"
    purpose: str
    retention: str


def _f(key, path, purpose, classification="pii"):
    return PIIField(key, path, classification, "vault", purpose, RETENTION_PII)


_ADDR = "recipient.deliveryAddress."
_PREF = "recipient.deliveryPreference."
_TAX = "tax.taxRegistrations[]."
_TAX_ADDR = _TAX + "taxRegistrationAddress."

FIELDS = (
    _f("buyer_name", "buyer.buyerName", "invoicing, customer service"),
    _f("buyer_email", "buyer.buyerEmail", "customer service"),
    _f("buyer_company_name", "buyer.buyerCompanyName", "invoicing"),
    _f(
        "buyer_purchase_order_number",
        "buyer.buyerPurchaseOrderNumber",
        "invoicing",
        "confidential",
    ),
    _f("recipient_name", _ADDR + "name", "shipping"),
    _f("recipient_company_name", _ADDR + "companyName", "shipping"),
    _f("address_line1", _ADDR + "addressLine1", "shipping"),
    _f("address_line2", _ADDR + "addressLine2", "shipping"),
    _f("address_line3", _ADDR + "addressLine3", "shipping"),
    _f("postal_code", _ADDR + "postalCode", "shipping, tax"),
    _f("phone", _ADDR + "phone", "shipping (carrier delivery coordination)"),
    _f("address_extended_fields", _ADDR + "extendedFields", "shipping"),
    _f("delivery_instructions", _PREF + "addressInstruction", "shipping"),
    _f("delivery_drop_off", _PREF + "dropOffLocation", "shipping"),
    _f(
        "gift_message",
        "orderItems[].fulfillment.packing.giftOption.giftMessage",
        "packing slip",
    ),
    _f(
        "customized_url",
        "orderItems[].product.customization.customizedUrl",
        "producing customized items",
    ),
    _f("buyer_tax_id", _TAX + "taxRegistrationNumber", "invoicing, tax"),
    _f("tax_legal_name", _TAX + "legalName", "invoicing, tax"),
    _f(
        "tax_registration_attributes",
        _TAX + "taxRegistrationAttributes",
        "invoicing, tax",
        "confidential",
    ),
    _f("tax_address_name", _TAX_ADDR + "name", "invoicing, tax"),
    _f("tax_address_company_name", _TAX_ADDR + "companyName", "invoicing, tax"),
    _f("tax_address_line1", _TAX_ADDR + "addressLine1", "invoicing, tax"),
    _f("tax_address_line2", _TAX_ADDR + "addressLine2", "invoicing, tax"),
    _f("tax_address_line3", _TAX_ADDR + "addressLine3", "invoicing, tax"),
    _f("tax_address_postal_code", _TAX_ADDR + "postalCode", "invoicing, tax"),
    _f("tax_address_phone", _TAX_ADDR + "phone", "invoicing, tax"),
    _f("tax_address_extended_fields", _TAX_ADDR + "extendedFields", "invoicing, tax"),
)

# What warehouse staff may reveal for an unshipped order's slip or label
# (docs/data-protection.md #9). City, state and country are not PII and need no reveal.
SHIPPING_REVEALABLE = frozenset(
    {
        "recipient_name",
        "recipient_company_name",
        "address_line1",
        "address_line2",
        "address_line3",
        "postal_code",
        "phone",
        "address_extended_fields",
        "shipping_label",
    }
)

# Order paths known to carry no PII (may be stored in ordinary tables).
NON_PII_PATHS = frozenset(
    {
        "orderId",
        "orderAliases",
        "createdTime",
        "lastUpdatedTime",
        "programs",
        "proceeds",
        "fulfillmentOrders",
        "salesChannel.channelName",
        "salesChannel.marketplaceId",
        "salesChannel.marketplaceName",
        _ADDR + "city",
        _ADDR + "districtOrCounty",
        _ADDR + "stateOrRegion",
        _ADDR + "municipality",
        _ADDR + "countryCode",
        _ADDR + "addressType",
        _PREF + "deliveryTime",
        _PREF + "deliveryCapabilities",
        _TAX + "entityType",
        _TAX + "taxRegistrationType",
        _TAX_ADDR + "city",
        _TAX_ADDR + "stateOrRegion",
        _TAX_ADDR + "countryCode",
        "tax.taxInvoicing.buyerInvoicePreference",
        "tax.taxInvoicing.invoiceStatus",
        "fulfillment.fulfillmentStatus",
        "fulfillment.fulfilledBy",
        "fulfillment.fulfillmentServiceLevel",
        "fulfillment.shipByWindow",
        "fulfillment.deliverByWindow",
        "orderItems[].orderItemId",
        "orderItems[].quantityOrdered",
        "orderItems[].product.asin",
        "orderItems[].product.title",
        "orderItems[].product.sellerSku",
        "orderItems[].product.price",
        "orderItems[].fulfillment.packing.giftOption.giftWrapLevel",
        "orderItems[].proceeds",
        "orderItems[].tax",
        "orderItems[].promotion",
        "orderItems[].fulfillment.quantityFulfilled",
        "orderItems[].fulfillment.quantityUnfulfilled",
        "packages[].carrier",
        "packages[].trackingNumber",
        "packages[].shipTime",
        "packages[].shippingService",
        "packages[].shipFromAddress",
        "packages[].packageItems",
        "packages[].packageStatus",
    }
)

# Seller credentials kept in the vault (docs/data-protection.md #6); owner is
# the seller account.
SECRETS = tuple(
    PIIField(key, f"credentials.{key}", "secret", "vault", purpose, "until replaced")
    for key, purpose in (
        ("lwa_client_id", "Login with Amazon application identity"),
        ("lwa_client_secret", "Login with Amazon application secret"),
        ("refresh_token", "seller authorization for the SP-API"),
        ("tracking_share_key", "API key of the seller's tracking provider"),
        ("risk_hash_key", "key of the risk model's buyer and address hashes"),
        ("copy_llm_key", "API key of the seller's language model endpoint"),
        ("sqs_access_key_id", "AWS access key reading the notification queue"),
        ("sqs_secret_access_key", "AWS secret key reading the notification queue"),
    )
)

# Documents Amazon returns that print buyer PII (docs/data-protection.md #22);
# owner is the sale order, key qualified by the delivery (``shipping_label#7``).
DOCUMENTS = (
    PIIField(
        "shipping_label",
        # Relative to Shipping API v2's PurchaseShipmentResult.
        "packageDocumentDetails[].packageDocuments[].contents",
        "pii",
        "vault",
        "printing the parcel's carrier label (name, address, phone)",
        RETENTION_PII,
    ),
)

_BY_KEY = {f.key: f for f in FIELDS + SECRETS + DOCUMENTS}
_BY_PATH = {f.source_path: f for f in FIELDS}
_INDEX = re.compile(r"\[\d*\]")


def by_key(key):
    """The field registered under ``key``; KeyError for a typo in code."""
    return _BY_KEY[key]


def by_source_path(path):
    """The field covering ``path`` (``[3]`` indexes allowed), else None."""
    path = _INDEX.sub("[]", path)
    while path:
        if path in _BY_PATH:
            return _BY_PATH[path]
        path = path.rpartition(".")[0]
    return None
