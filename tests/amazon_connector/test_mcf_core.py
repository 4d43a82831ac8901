"""Multi-Channel Fulfilment mapping (core/mcf.py) against Amazon's 2020-07-01 model.

Fulfillment Outbound 2020-07-01 has no ``x-amzn-api-sandbox`` static cases
(only ``dynamic: {}``), so request bodies are checked against the model's
request schemas and replies are hand-written in the model's shapes, checked
against the model first (a parse test never proves itself on a reply Amazon
could not send). After the second reading of #20: an order id per attempt,
fees kept per currency, what Amazon shipped of a CompletePartialled order.
"""

import copy
import json
from datetime import datetime

import pytest
from spapi_support import MODELS, how_to

from amazon_connector.core import mcf
from tests.sandbox.validation import SchemaSet

MODEL = MODELS / "fulfillment-outbound-api-model/fulfillmentOutbound_2020-07-01.json"
ADDRESS = {
    "name": "Test Person",
    "street": "1 Test Street",
    "city": "Seattle",
    "state": "WA",
    "zip": "98101",
    "country": "US",
}
LINES = [(11, "SKU-A", 2), (12, "SKU-B", 1)]


@pytest.fixture(scope="module")
def schemas():
    if not MODEL.is_file():
        pytest.skip(f"Amazon's models not found at {MODELS}; " + how_to())
    definitions = json.loads(MODEL.read_text(encoding="utf-8"))["definitions"]
    return SchemaSet(definitions)


def _ref(name):
    return {"$ref": f"#/definitions/{name}"}


def test_preview_body_is_valid_for_amazon(schemas):
    body = mcf.preview_request("ATVPDKIKX0DER", ADDRESS, LINES)
    # Bug caught: a field name or type Amazon rejects (e.g. quantity as text).
    assert schemas.errors(_ref("GetFulfillmentPreviewRequest"), body, strict=True) == []
    assert body["shippingSpeedCategories"] == ["Standard", "Expedited", "Priority"]
    assert [i["sellerSku"] for i in body["items"]] == ["SKU-A", "SKU-B"]


def test_create_body_is_valid_for_amazon(schemas):
    body = mcf.create_request(
        "ATVPDKIKX0DER",
        "ODOO-7",
        "WH/OUT/00007",
        datetime(2026, 12, 1, 10, 30),
        "Expedited",
        ADDRESS,
        LINES,
        "",
    )
    assert (
        schemas.errors(_ref("CreateFulfillmentOrderRequest"), body, strict=True) == []
    )
    assert body["sellerFulfillmentOrderId"] == "ODOO-7"
    assert body["displayableOrderDate"] == "2026-12-01T10:30:00Z"


def test_create_refuses_unknown_speed():
    with pytest.raises(ValueError, match="shipping speed"):
        mcf.create_request(
            "M", "X-1", "D", datetime(2026, 1, 1), "Rocket", ADDRESS, LINES, ""
        )


def test_address_names_missing_field_not_values():
    partial = dict(ADDRESS, zip="", street=None)
    with pytest.raises(ValueError) as caught:
        mcf.address_body(partial)
    # Bug caught: the error leaks PII (the name) or hides which field is missing.
    assert "zip" in str(caught.value) and "street" in str(caught.value)
    assert "Test Person" not in str(caught.value)


def test_lines_need_sku_and_whole_positive_quantity():
    with pytest.raises(ValueError, match="no seller SKU"):
        mcf.preview_request("M", ADDRESS, [(1, "", 1)])
    with pytest.raises(ValueError, match="whole quantity"):
        mcf.preview_request("M", ADDRESS, [(1, "S", 1.5)])
    with pytest.raises(ValueError, match="nothing to fulfil"):
        mcf.preview_request("M", ADDRESS, [])


def test_order_id_is_stable_short_and_clean():
    first = mcf.fulfillment_order_id("db name/ü", 42)
    # Bug caught: an id that changes between calls makes a retry a second order.
    assert first == mcf.fulfillment_order_id("db name/ü", 42) == "dbname-42"
    long = mcf.fulfillment_order_id("x" * 80, 123456)
    assert len(long) == 40 and long.endswith("-123456")
    assert mcf.fulfillment_order_id("", 5) == "ODOO-5"
    with pytest.raises(ValueError):
        mcf.fulfillment_order_id("p", 0)


PREVIEW_REPLY = {
    "payload": {
        "fulfillmentPreviews": [
            {
                "shippingSpeedCategory": "Standard",
                "isFulfillable": True,
                "isCODCapable": False,
                "marketplaceId": "ATVPDKIKX0DER",
                "estimatedFees": [
                    {
                        "name": "FBAPerUnitFulfillmentFee",
                        "amount": {"currencyCode": "USD", "value": "6.10"},
                    },
                    {
                        "name": "FBATransportationFee",
                        "amount": {"currencyCode": "USD", "value": "0.20"},
                    },
                ],
                "fulfillmentPreviewShipments": [
                    {
                        "earliestArrivalDate": "2026-12-08T08:00:00Z",
                        "latestArrivalDate": "2026-12-10T20:00:00Z",
                        "fulfillmentPreviewItems": [],
                    },
                    {
                        "earliestArrivalDate": "2026-12-07T08:00:00Z",
                        "latestArrivalDate": "2026-12-11T20:00:00Z",
                        "fulfillmentPreviewItems": [],
                    },
                ],
            },
            {
                "shippingSpeedCategory": "Priority",
                "isFulfillable": False,
                "isCODCapable": False,
                "marketplaceId": "ATVPDKIKX0DER",
                "orderUnfulfillableReasons": ["InventoryUnavailable"],
                "unfulfillablePreviewItems": [
                    {
                        "sellerSku": "SKU-B",
                        "quantity": 1,
                        "sellerFulfillmentOrderItemId": "12",
                        "itemUnfulfillableReasons": ["InventoryUnavailable"],
                    }
                ],
            },
        ]
    }
}


def test_preview_reply_fixture_is_amazons_shape(schemas):
    # A reply Amazon could not send would make the next test prove nothing.
    assert (
        schemas.errors(
            _ref("GetFulfillmentPreviewResponse"), PREVIEW_REPLY, strict=True
        )
        == []
    )


def test_parse_preview_sums_fees_and_spans_dates():
    rows = mcf.parse_preview(PREVIEW_REPLY)
    assert len(rows) == 2
    standard, priority = rows
    # Bug caught: taking only the first fee, or float drift (6.1 + 0.2).
    assert standard["fee"] == 6.30 and standard["currency"] == "USD"
    # Earliest of the earliest, latest of the latest over both shipments.
    assert standard["earliest"] == datetime(2026, 12, 7, 8, 0)
    assert standard["latest"] == datetime(2026, 12, 11, 20, 0)
    assert standard["fulfillable"] is True and standard["reasons"] == []
    assert priority["fulfillable"] is False
    assert priority["reasons"] == [
        "InventoryUnavailable",
        "SKU-B x1: InventoryUnavailable",
    ]
    assert priority["earliest"] is None and priority["fee"] == 0.0


ORDER_REPLY = {
    "payload": {
        "fulfillmentOrder": {
            "sellerFulfillmentOrderId": "ODOO-7",
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
            "fulfillmentOrderStatus": "Complete",
            "statusUpdatedDate": "2026-12-03T10:00:00Z",
        },
        "fulfillmentOrderItems": [],
        "fulfillmentShipments": [
            {
                "amazonShipmentId": "S1",
                "fulfillmentCenterId": "SEA8",
                "fulfillmentShipmentStatus": "SHIPPED",
                "shippingDate": "2026-12-02T15:00:00Z",
                "fulfillmentShipmentItem": [],
                "fulfillmentShipmentPackage": [
                    {
                        "packageNumber": 1,
                        "carrierCode": "UPS",
                        "trackingNumber": "1Z999",
                    }
                ],
            },
            {
                "amazonShipmentId": "S2",
                "fulfillmentCenterId": "SEA8",
                "fulfillmentShipmentStatus": "CANCELLED_BY_FULFILLER",
                "fulfillmentShipmentItem": [],
                "fulfillmentShipmentPackage": [
                    {
                        "packageNumber": 2,
                        "carrierCode": "USPS",
                        "trackingNumber": "GONE",
                    }
                ],
            },
        ],
        "returnItems": [],
        "returnAuthorizations": [],
    }
}


def test_order_reply_fixture_is_amazons_shape(schemas):
    assert (
        schemas.errors(_ref("GetFulfillmentOrderResponse"), ORDER_REPLY, strict=True)
        == []
    )


def test_parse_order_keeps_packages_of_shipped_shipments_only():
    status = mcf.parse_order(ORDER_REPLY)
    assert status.status == "Complete" and status.shipped and not status.cancellable
    # Bug caught: a cancelled shipment's tracking number written to the delivery.
    assert len(status.packages) == 1
    assert (status.packages[0].carrier, status.packages[0].tracking) == ("UPS", "1Z999")
    assert status.packages[0].shipped_at == datetime(2026, 12, 2, 15, 0)


@pytest.mark.parametrize(
    "state, cancellable, shipped, failed",
    [
        ("Received", True, False, False),
        ("Planning", True, False, False),
        ("Processing", False, False, False),
        ("Complete", False, True, False),
        ("Cancelled", False, False, True),
        ("Unfulfillable", False, False, True),
    ],
)
def test_status_groups(state, cancellable, shipped, failed):
    status = mcf.OrderStatus(status=state)
    assert (status.cancellable, status.shipped, status.failed) == (
        cancellable,
        shipped,
        failed,
    )


def test_parse_order_without_status_is_an_error():
    with pytest.raises(ValueError, match="fulfillmentOrderStatus"):
        mcf.parse_order({"payload": {}})


def test_error_message_joins_amazons_messages():
    errors = [
        {
            "code": "InvalidInput",
            "message": "Order cannot be cancelled",
            "details": "Processing",
        }
    ]
    assert mcf.error_message(errors) == "Order cannot be cancelled (Processing)"
    assert "without a message" in mcf.error_message([])


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
PARTIAL = copy.deepcopy(ORDER_REPLY)
PARTIAL["payload"]["fulfillmentOrder"].update(
    sellerFulfillmentOrderId="ODOO-7-2", fulfillmentOrderStatus="CompletePartialled"
)
PARTIAL["payload"].update(
    {
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
    }
)


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
