import logging
import sys

import pytest
from conftest import ROOT
from spapi_support import ACCESS, REFRESH, SECRET

from amazon_connector.core.spapi import PermanentError, redact
from amazon_connector.core.spapi.redact import MASK, log
from amazon_pii.core.registry import FIELDS

sys.path.insert(0, str(ROOT / "setup"))
from secret_patterns import find_secrets

RDT = "Atz" + ".sprdt|restricted-data-token-0001"
AWS = "AK" + "IAABCDEFGHIJKLMNOP"
PRESIGNED = (
    "https://tortuga-prod-na.s3-external-1.amazonaws.com/doc.txt"
    "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA/x&X-Amz-Signature=abc"
)


@pytest.mark.parametrize("token", [ACCESS, REFRESH, RDT, SECRET, AWS])
def test_every_token_kind_is_masked(token):
    line = redact.text(f"header x-amz-access-token: {token}, then {token}!")
    assert token not in line and MASK in line
    assert find_secrets(line) == []  # the repository's own secret scanner


def test_form_and_json_secrets_are_masked():
    form = "grant_type=refresh_token&refresh_token=rt-plain&client_secret=cs-plain"
    assert "rt-plain" not in redact.text(form)
    assert "cs-plain" not in redact.text(form)
    assert "at-plain" not in redact.text('{"access_token": "at-plain"}')


def test_presigned_url_loses_its_query_string():
    line = redact.text(f"PUT {PRESIGNED} -> 200")
    assert line == f"PUT {PRESIGNED.split('?')[0]}?{MASK} -> 200"
    plain = "https://sellingpartnerapi-na.amazon.com/orders?createdAfter=2025"
    assert redact.text(plain) == plain


def test_every_registered_pii_key_is_masked_anywhere_in_json():
    for field in FIELDS:
        key = field.source_path.rpartition(".")[2]
        doc = {"orders": [{"deep": {key: "Ünïcode Person"}}], "orderId": "1"}
        assert redact.payload(doc) == {
            "orders": [{"deep": {key: MASK}}],
            "orderId": "1",
        }


def test_payload_masks_every_string_until_pii_fields_are_registered(monkeypatch):
    # Forgetting to register amazon_pii's fields must hide too much, not leak.
    monkeypatch.setattr(redact, "_pii_keys", set())
    doc = {"orderId": "902-1", "buyer": {"nickname": "Jöhn"}, "items": [{"n": 2}]}
    assert redact.payload(doc) == {
        "orderId": MASK,
        "buyer": {"nickname": MASK},
        "items": [{"n": 2}],
    }
    redact.register_pii_fields(FIELDS)
    shown = redact.payload({"orderId": "902-1", "buyerName": "Jöhn", "email": "j@x"})
    assert shown == {"orderId": "902-1", "buyerName": MASK, "email": MASK}


def test_order_body_redaction_keeps_non_pii():
    order = {
        "orderId": "902-1",
        "buyer": {"buyerName": "Jöhn Doe", "buyerEmail": "x@marketplace.amazon.com"},
        "recipient": {
            "deliveryAddress": {
                "name": "Jöhn Doe",
                "addressLine1": "1 Rue de la Paix",
                "postalCode": "75002",
                "city": "Paris",
                "extendedFields": {"streetName": "Rue de la Paix"},
            }
        },
        "orderItems": [
            {"fulfillment": {"packing": {"giftOption": {"giftMessage": "Love"}}}}
        ],
    }
    shown = redact.body(str(order).replace("'", '"').encode())
    for value in ("Jöhn", "x@market", "Rue de la", "75002", "Love"):
        assert value not in shown
    assert "Paris" in shown and "902-1" in shown


def test_logger_filter_redacts_args(caplog):
    caplog.set_level(logging.DEBUG, logger="amazon_connector.spapi")
    log.info("token %s url %s", ACCESS, PRESIGNED)
    assert ACCESS not in caplog.text and "X-Amz-Signature" not in caplog.text


def test_errors_never_carry_secrets():
    error = PermanentError(f"bad token {ACCESS}", code="x", operation="op")
    assert ACCESS not in str(error) and ACCESS not in repr(error)
    assert ACCESS not in error.message
