"""MCF mapping after the second reading of #20: an order id per attempt, fees
kept per currency, and what Amazon shipped of a CompletePartialled order
(core/mcf.py). Replies are hand-written in Amazon's 2020-07-01 shapes and
checked against the model first, so a parse test never proves itself on a
reply Amazon could not send."""

import copy
import json

import pytest
from spapi_support import MODELS, how_to

from amazon_connector.core import mcf
from tests.sandbox.validation import SchemaSet

MODEL = MODELS / "fulfillment-outbound-api-model/fulfillmentOutbound_2020-07-01.json"


@pytest.fixture(scope="module")
def schemas():
    if not MODEL.is_file():
        pytest.skip(f"Amazon's models not found at {MODELS}; " + how_to())
    definitions = json.loads(MODEL.read_text(encoding="utf-8"))["definitions"]
    return SchemaSet(definitions)


def _ref(name):
    return {"$ref": f"#/definitions/{name}"}


# -- an order id per attempt ------------------------------------------------------
def test_first_attempt_keeps_the_id_orders_already_sent_have():
    # Bug caught: renaming attempt 1 would make the poll of an order sent
    # before this change ask Amazon for an id it never got.
    assert mcf.fulfillment_order_id("ODOOab12cd34", 42) == "ODOOab12cd34-42"
    assert mcf.fulfillment_order_id("ODOOab12cd34", 42, 1) == "ODOOab12cd34-42"


def test_each_attempt_is_a_new_id_and_the_same_attempt_the_same_id():
    ids = [mcf.fulfillment_order_id("ODOOab12cd34", 42, n) for n in (1, 2, 3)]
    # Bug caught: a send after a cancel reusing the id Amazon refuses.
    assert len(set(ids)) == 3
    assert ids[1] == "ODOOab12cd34-42-2"
    # Bug caught: a retry of one attempt asking for a different order.
    assert mcf.fulfillment_order_id("ODOOab12cd34", 42, 2) == ids[1]


def test_attempt_ids_stay_within_amazons_length_and_unique():
    long = [mcf.fulfillment_order_id("x" * 80, 123456, n) for n in (1, 2, 99)]
    assert all(len(v) <= mcf.MAX_ID_LENGTH for v in long)
    assert long[1].endswith("-123456-2") and long[2].endswith("-123456-99")
    assert len(set(long)) == 3
    for bad in (0, -1, 1.5, "2"):
        with pytest.raises(ValueError):
            mcf.fulfillment_order_id("p", 5, bad)


# -- fees per currency --------------------------------------------------------------
def _preview(fees):
    return {
        "payload": {
            "fulfillmentPreviews": [
                {
                    "shippingSpeedCategory": "Standard",
                    "isFulfillable": True,
                    "isCODCapable": False,
                    "marketplaceId": "A1PA6795UKMFR9",
                    "estimatedFees": [
                        {"name": name, "amount": {"currencyCode": cur, "value": v}}
                        for name, cur, v in fees
                    ],
                }
            ]
        }
    }


MIXED = _preview(
    [
        ("FBAPerOrderFulfillmentFee", "EUR", "3.00"),
        ("FBAPerUnitFulfillmentFee", "EUR", "2.50"),
        ("FBATransportationFee", "GBP", "1.20"),
    ]
)


def test_mixed_currency_fixture_is_amazons_shape(schemas):
    assert schemas.errors(_ref("GetFulfillmentPreviewResponse"), MIXED) == []


def test_fees_of_different_currencies_are_never_summed():
    (row,) = mcf.parse_preview(MIXED)
    # Independent truth: the fixture's own figures, per currency.
    assert row["fees"] == {"EUR": 5.50, "GBP": 1.20}
    # Bug caught: 6.70 "EUR" (3.00 + 2.50 + 1.20 added across currencies).
    assert row["fee"] is None and row["currency"] is None
    assert mcf.fee_text(row["fees"]) == "5.50 EUR + 1.20 GBP"
    assert "6.7" not in mcf.fee_text(row["fees"])


def test_fees_of_one_currency_are_one_total():
    (row,) = mcf.parse_preview(_preview([("A", "EUR", "6.10"), ("B", "EUR", "0.20")]))
    assert row["fees"] == {"EUR": 6.30}
    assert (row["fee"], row["currency"]) == (6.30, "EUR")
    assert mcf.fee_text(row["fees"]) == "6.30 EUR"


def test_no_fee_is_zero_without_currency():
    (row,) = mcf.parse_preview(_preview([]))
    assert row["fees"] == {} and row["fee"] == 0.0 and row["currency"] is None
    assert mcf.fee_text(row["fees"]) == ""


# -- what Amazon shipped --------------------------------------------------------------
PARTIAL = {
    "payload": {
        "fulfillmentOrder": {
            "sellerFulfillmentOrderId": "ODOO-7-2",
            "marketplaceId": "ATVPDKIKX0DER",
            "displayableOrderId": "WH/OUT/00007",
            "displayableOrderDate": "2026-12-01T10:30:00Z",
            "displayableOrderComment": "WH/OUT/00007",
            "shippingSpeedCategory": "Standard",
            "destinationAddress": {
                "name": "N",
                "addressLine1": "A",
                "postalCode": "1",
                "countryCode": "US",
            },
            "receivedDate": "2026-12-01T10:31:00Z",
            "fulfillmentOrderStatus": "CompletePartialled",
            "statusUpdatedDate": "2026-12-03T10:00:00Z",
        },
        "fulfillmentOrderItems": [
            {
                "sellerSku": "SKU-A",
                "sellerFulfillmentOrderItemId": "11",
                "quantity": 3,
                "cancelledQuantity": 0,
                "unfulfillableQuantity": 2,
            },
            {
                "sellerSku": "SKU-B",
                "sellerFulfillmentOrderItemId": "12",
                "quantity": 1,
                "cancelledQuantity": 0,
                "unfulfillableQuantity": 0,
            },
        ],
        "fulfillmentShipments": [
            {
                "amazonShipmentId": "S1",
                "fulfillmentCenterId": "SEA8",
                "fulfillmentShipmentStatus": "SHIPPED",
                "shippingDate": "2026-12-02T15:00:00Z",
                "fulfillmentShipmentItem": [
                    {
                        "sellerSku": "SKU-A",
                        "sellerFulfillmentOrderItemId": "11",
                        "quantity": 1,
                    },
                    {
                        "sellerSku": "SKU-B",
                        "sellerFulfillmentOrderItemId": "12",
                        "quantity": 1,
                    },
                ],
                "fulfillmentShipmentPackage": [
                    {"packageNumber": 1, "carrierCode": "UPS", "trackingNumber": "1Z1"}
                ],
            },
            {
                # Cancelled by the fulfiller: its items never left.
                "amazonShipmentId": "S2",
                "fulfillmentCenterId": "SEA8",
                "fulfillmentShipmentStatus": "CANCELLED_BY_FULFILLER",
                "fulfillmentShipmentItem": [
                    {
                        "sellerSku": "SKU-A",
                        "sellerFulfillmentOrderItemId": "11",
                        "quantity": 2,
                    }
                ],
            },
        ],
        "returnItems": [],
        "returnAuthorizations": [],
    }
}


def test_partial_fixture_is_amazons_shape(schemas):
    assert schemas.errors(_ref("GetFulfillmentOrderResponse"), PARTIAL) == []


def test_shipped_quantities_come_from_shipped_shipments_only():
    status = mcf.parse_order(PARTIAL)
    assert status.status == "CompletePartialled" and status.shipped
    # Bug caught: the cancelled shipment's 2 units counted as shipped, or the
    # ordered 3 validated.
    assert status.shipped_quantities == {"11": 1, "12": 1}
    assert status.partial
    items = {i.item_id: i for i in status.items}
    assert (items["11"].sku, items["11"].quantity, items["11"].unfulfillable) == (
        "SKU-A",
        3,
        2,
    )


def test_a_complete_order_is_not_partial():
    complete = copy.deepcopy(PARTIAL)
    complete["payload"]["fulfillmentOrder"]["fulfillmentOrderStatus"] = "Complete"
    complete["payload"]["fulfillmentOrderItems"][0]["unfulfillableQuantity"] = 0
    complete["payload"]["fulfillmentShipments"][0]["fulfillmentShipmentItem"][0][
        "quantity"
    ] = 3
    status = mcf.parse_order(complete)
    assert status.shipped_quantities == {"11": 3, "12": 1}
    assert not status.partial
