"""What a person calls each registered field (core/registry.py keys).

Screens that list vault entries and audit rows show these labels instead of
the keys (``Recipient name``, not ``recipient_name``). Labels name the kind
of data, never a value. ``tests/amazon_pii/test_field_labels.py`` checks that
every registered key has one.
"""

from .registry import DOCUMENTS, FIELDS, SECRETS

LABELS = {
    "buyer_name": "Buyer name",
    "buyer_email": "Buyer e-mail",
    "buyer_company_name": "Buyer company",
    "buyer_purchase_order_number": "Buyer's purchase order number",
    "recipient_name": "Recipient name",
    "recipient_company_name": "Recipient company",
    "address_line1": "Delivery address (line 1)",
    "address_line2": "Delivery address (line 2)",
    "address_line3": "Delivery address (line 3)",
    "postal_code": "Delivery postal code",
    "phone": "Recipient phone",
    "address_extended_fields": "Delivery address (details)",
    "delivery_instructions": "Delivery instructions",
    "delivery_drop_off": "Drop-off location",
    "gift_message": "Gift message",
    "customized_url": "Customization link",
    "buyer_tax_id": "Buyer tax number",
    "tax_legal_name": "Tax legal name",
    "tax_registration_attributes": "Tax registration details",
    "tax_address_name": "Tax address name",
    "tax_address_company_name": "Tax address company",
    "tax_address_line1": "Tax address (line 1)",
    "tax_address_line2": "Tax address (line 2)",
    "tax_address_line3": "Tax address (line 3)",
    "tax_address_postal_code": "Tax address postal code",
    "tax_address_phone": "Tax address phone",
    "tax_address_extended_fields": "Tax address (details)",
    "lwa_client_id": "Login with Amazon client ID",
    "lwa_client_secret": "Login with Amazon client secret",
    "refresh_token": "Seller authorization (refresh token)",
    "tracking_share_key": "Tracking provider API key",
    "risk_hash_key": "Risk model hash key",
    "copy_llm_key": "Language model API key",
    "sqs_access_key_id": "AWS access key ID (notification queue)",
    "sqs_secret_access_key": "AWS secret access key (notification queue)",
    "shipping_label": "Shipping label",
}

REGISTERED = frozenset(f.key for f in FIELDS + SECRETS + DOCUMENTS)


def label(stored_key):
    """Label of a stored key: ``gift_message#item-1`` -> ``Gift message``.

    The part after ``#`` (an order item or delivery id) is dropped: it tells
    which item, not what kind of data. An unregistered key (a typo, a key an
    older version stored) is shown as it is rather than hidden."""
    base = (stored_key or "").partition("#")[0]
    return LABELS.get(base, base)


def labels(stored_keys):
    """``"a,b#1,b#2"`` (an audit row's list) -> ``"Label a, Label b"``, each
    label once, in the order first seen."""
    seen = []
    for key in (stored_keys or "").split(","):
        key = key.strip()
        if key and label(key) not in seen:
            seen.append(label(key))
    return ", ".join(seen)
