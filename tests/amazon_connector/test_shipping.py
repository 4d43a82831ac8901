"""shipping: carrier resolution, confirmShipment and Buy Shipping bodies
(validated against Amazon's Swagger models), response parsers."""

import base64
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from amazon_connector.core.shipping import (
    AMAZON_CARRIER_CODES,
    FINAL_TRACKING,
    OTHER,
    TRACKING_STATUSES,
    Parcel,
    ShipmentDataError,
    carrier_code_for,
    confirmation_payload,
    is_carrier_rejection,
    label_request,
    parse_purchase,
    parse_rates,
    parse_tracking,
    rates_request,
    resolve_carrier,
)
from amazon_connector.core.spapi.errors import PermanentError
from tests.sandbox.reference import base_dir, how_to

MODELS = base_dir() / "sp-api-models/models"
ORDERS_V0 = MODELS / "orders-api-model/ordersV0.json"
SHIPPING_V2 = MODELS / "shipping-api-model/shippingV2.json"
ORDER_ID = "902-0000001-0000001"
SHIP_DATE = datetime(2026, 3, 2, 14, 30, tzinfo=timezone.utc)
STREET = "1 Example Lane"


def validate(path, definition, body):
    jsonschema = pytest.importorskip("jsonschema")
    if not path.exists():
        pytest.skip(f"Amazon SP-API models absent ({path}); " + how_to())
    definitions = json.loads(path.read_text())["definitions"]
    schema = {"$ref": f"#/definitions/{definition}", "definitions": definitions}
    # Round-trip through JSON: what is validated is what would be sent.
    jsonschema.validate(json.loads(json.dumps(body)), schema)


# --- carriers --------------------------------------------------------------


def test_codes_include_other():
    assert OTHER in AMAZON_CARRIER_CODES
    assert len(set(AMAZON_CARRIER_CODES)) == len(AMAZON_CARRIER_CODES)


@pytest.mark.parametrize(
    "name, code",
    [
        ("UPS", "UPS"),
        ("ups", "UPS"),
        ("fedex", "FedEx"),
        ("Royal-Mail", "Royal Mail"),
        ("royalmail", "Royal Mail"),
        ("DHL e-Commerce", "DHL eCommerce"),
        ("Fedex Ground", "FedEx"),
        ("DHL Express", "DHL"),
        ("United States Postal Service", "USPS"),
        ("Royal Mail Tracked 24", None),
        ("Bob's Couriers", None),
        ("", None),
        (None, None),
    ],
)
def test_carrier_code_for(name, code):
    assert carrier_code_for(name) == code


def test_mapping_wins_over_a_known_name():
    assert resolve_carrier("DPD", None, "UPS") == ("DPD", None)


def test_mapped_other_uses_mapped_name_then_carrier_name():
    assert resolve_carrier("Other", "Speedy", "UPS") == ("Other", "Speedy")
    assert resolve_carrier("Other", None, "Local Vans") == ("Other", "Local Vans")


def test_known_name_without_mapping():
    assert resolve_carrier(None, None, "Fedex Ground") == ("FedEx", None)
    assert resolve_carrier("", "", "Evri") == ("Evri", None)


def test_unknown_name_falls_back_to_other():
    assert resolve_carrier(None, None, "Local Vans") == ("Other", "Local Vans")


@pytest.mark.parametrize("mapped", [None, "Other"])
def test_other_without_any_name_refused(mapped):
    with pytest.raises(ShipmentDataError, match="carrier name"):
        resolve_carrier(mapped, None, "  ")


# --- confirmShipment -------------------------------------------------------


def confirm(**overrides):
    values = {
        "marketplace_id": "A1F83G8C2ARO7P",
        "package_ref": 1,
        "carrier_code": "Royal Mail",
        "carrier_name": None,
        "tracking_number": "TT000000001GB",
        "ship_date": SHIP_DATE,
        "items": [("10000000000001", 2), ("10000000000002", 1)],
    }
    values.update(overrides)
    return confirmation_payload(**values)


def test_confirmation_full():
    body = confirm(carrier_code="Other", carrier_name="Local Vans")
    assert body == {
        "marketplaceId": "A1F83G8C2ARO7P",
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": "Other",
            "carrierName": "Local Vans",
            "trackingNumber": "TT000000001GB",
            "shipDate": "2026-03-02T14:30:00Z",
            "orderItems": [
                {"orderItemId": "10000000000001", "quantity": 2},
                {"orderItemId": "10000000000002", "quantity": 1},
            ],
        },
    }
    validate(ORDERS_V0, "ConfirmShipmentRequest", body)


def test_confirmation_partial_with_method_and_local_time():
    cet = timezone(timedelta(hours=1))
    body = confirm(
        package_ref="2",
        items=[("10000000000001", 1.0)],
        shipping_method="Standard",
        ship_date=datetime(2026, 3, 2, 15, 30, tzinfo=cet),
    )
    detail = body["packageDetail"]
    assert "carrierName" not in detail
    assert detail["shippingMethod"] == "Standard"
    assert detail["packageReferenceId"] == "2"
    assert detail["shipDate"] == "2026-03-02T14:30:00Z"
    assert detail["orderItems"] == [{"orderItemId": "10000000000001", "quantity": 1}]
    validate(ORDERS_V0, "ConfirmShipmentRequest", body)


def test_naive_ship_date_is_utc():
    body = confirm(ship_date=datetime(2026, 3, 2, 14, 30))
    assert body["packageDetail"]["shipDate"] == "2026-03-02T14:30:00Z"


def test_duplicate_items_summed():
    body = confirm(items=[("10000000000001", 2), ("10000000000001", Decimal(3))])
    assert body["packageDetail"]["orderItems"] == [
        {"orderItemId": "10000000000001", "quantity": 5}
    ]
    assert isinstance(body["packageDetail"]["orderItems"][0]["quantity"], int)


@pytest.mark.parametrize(
    "quantity, reason", [(1.5, "whole"), (0, "positive"), (-1, "positive")]
)
def test_bad_quantity_refused_naming_item(quantity, reason):
    with pytest.raises(ShipmentDataError, match=reason) as info:
        confirm(items=[("10000000000009", quantity)])
    assert "10000000000009" in str(info.value)


@pytest.mark.parametrize(
    "overrides, match",
    [
        ({"items": []}, "no order items"),
        ({"tracking_number": " "}, "tracking number"),
        ({"package_ref": 0}, "positive"),
        ({"package_ref": "PK-1"}, "positive"),
        ({"package_ref": True}, "positive"),
        ({"ship_date": None}, "ship date"),
    ],
)
def test_confirmation_refusals(overrides, match):
    with pytest.raises(ShipmentDataError, match=match):
        confirm(**overrides)


@pytest.mark.parametrize(
    "status, message, expected",
    [
        (400, "Invalid carrierCode value", True),
        (400, "The carrier code provided is not supported", True),
        (400, "CARRIERCODE missing", True),
        (400, "Invalid trackingNumber", False),
        (403, "carrierCode not allowed", False),
        (500, "carrier code", False),
        (None, None, False),
    ],
)
def test_is_carrier_rejection(status, message, expected):
    error = PermanentError(message or "", status=status, code="InvalidInput")
    assert is_carrier_rejection(error) is expected


# --- getRates --------------------------------------------------------------


def address(**overrides):
    values = {
        "name": "Example Warehouse",
        "addressLine1": STREET,
        "addressLine2": "",
        "companyName": "Example Ltd",
        "stateOrRegion": "Exampleshire",
        "city": "Exampleton",
        "countryCode": "GB",
        "postalCode": "ZZ1 1ZZ",
        "phoneNumber": "00000 000000",
        "email": None,
    }
    values.update(overrides)
    return values


def parcel(**overrides):
    values = {
        "reference": "PACK-1",
        "weight_kg": 1.23456,
        "length_cm": 30.04,
        "width_cm": 20,
        "height_cm": 10.26,
        "value": Decimal("25.50"),
        "currency": "GBP",
        "items": (("10000000000001", 2, Decimal("12.75")),),
    }
    values.update(overrides)
    return Parcel(**values)


def test_rates_request_shape_and_model():
    body = rates_request(
        order_id=ORDER_ID,
        ship_from=address(),
        ship_to=address(name="Example Recipient"),
        parcels=[parcel()],
        ship_date=SHIP_DATE,
    )
    assert body["channelDetails"] == {
        "channelType": "AMAZON",
        "amazonOrderDetails": {"orderId": ORDER_ID},
    }
    assert "addressLine2" not in body["shipFrom"]
    assert "email" not in body["shipFrom"]
    assert body["shipDate"] == "2026-03-02T14:30:00Z"
    assert body["packages"] == [
        {
            "dimensions": {
                "length": 30.0,
                "width": 20.0,
                "height": 10.3,
                "unit": "CENTIMETER",
            },
            "weight": {"unit": "KILOGRAM", "value": 1.235},
            "insuredValue": {"value": 25.5, "unit": "GBP"},
            "packageClientReferenceId": "PACK-1",
            "items": [
                {
                    "itemIdentifier": "10000000000001",
                    "quantity": 2,
                    "itemValue": {"value": 12.75, "unit": "GBP"},
                }
            ],
        }
    ]
    validate(SHIPPING_V2, "GetRatesRequest", body)


def test_rates_request_without_ship_to():
    body = rates_request(
        order_id=ORDER_ID, ship_from=address(), ship_to=None, parcels=[parcel()]
    )
    assert "shipTo" not in body and "shipDate" not in body
    validate(SHIPPING_V2, "GetRatesRequest", body)


def test_missing_address_keys_named_without_values():
    with pytest.raises(ShipmentDataError) as info:
        rates_request(
            order_id=ORDER_ID,
            ship_from=address(),
            ship_to=address(city="", postalCode=None),
            parcels=[parcel()],
        )
    message = str(info.value)
    assert "ship-to" in message and "city" in message and "postalCode" in message
    assert STREET not in message and "Example" not in message


def test_over_long_address_value_refused_not_truncated():
    with pytest.raises(ShipmentDataError) as info:
        rates_request(
            order_id=ORDER_ID,
            ship_from=address(addressLine1="X" * 61),
            ship_to=None,
            parcels=[parcel()],
        )
    message = str(info.value)
    assert "ship-from" in message and "addressLine1" in message
    assert "XXX" not in message


@pytest.mark.parametrize(
    "overrides, measure",
    [
        ({"weight_kg": 0}, "weight"),
        ({"weight_kg": None}, "weight"),
        ({"weight_kg": 0.0004}, "weight"),
        ({"length_cm": 0}, "length"),
        ({"width_cm": None}, "width"),
        ({"height_cm": 0.04}, "height"),
    ],
)
def test_bad_parcel_refused_naming_reference_and_measure(overrides, measure):
    with pytest.raises(ShipmentDataError, match=measure) as info:
        rates_request(
            order_id=ORDER_ID,
            ship_from=address(),
            ship_to=None,
            parcels=[parcel(**overrides)],
        )
    assert "PACK-1" in str(info.value)


def test_parcel_item_quantity_must_be_whole():
    with pytest.raises(ShipmentDataError, match="whole"):
        rates_request(
            order_id=ORDER_ID,
            ship_from=address(),
            ship_to=None,
            parcels=[parcel(items=(("10000000000001", 0.5, 1),))],
        )


# --- parse_rates / purchase / tracking --------------------------------------


def rate(rate_id, price, formats=("PDF", "ZPL")):
    spec = {
        "size": {"width": 4, "length": 6, "unit": "INCH"},
        "printOptions": [
            {
                "supportedDPIs": [203, 300],
                "supportedPageLayouts": ["DEFAULT"],
                "supportedFileJoiningOptions": [False],
                "supportedDocumentDetails": [{"name": "LABEL", "isMandatory": True}],
            }
        ],
    }
    return {
        "rateId": rate_id,
        "carrierId": "EXAMPLE_CARRIER",
        "carrierName": "Example Carrier",
        "serviceId": f"SVC_{rate_id}",
        "serviceName": f"Service {rate_id}",
        "billedWeight": {"unit": "KILOGRAM", "value": 1.3},
        "totalCharge": {"value": price, "unit": "GBP"},
        "promise": {
            "deliveryWindow": {
                "start": "2026-03-03T08:00:00Z",
                "end": "2026-03-04T18:00:00.000Z",
            },
            "pickupWindow": {
                "start": "2026-03-02T09:00:00Z",
                "end": "2026-03-02T17:00:00Z",
            },
        },
        "supportedDocumentSpecifications": [{"format": f, **spec} for f in formats],
        "requiresAdditionalInputs": False,
    }


RATES = {
    "payload": {
        "requestToken": "request-token-example",
        "rates": [rate("r-exp", 9.99), rate("r-std", 3.5, ("PDF",))],
        "ineligibleRates": [],
    }
}


def test_sample_rates_response_matches_model():
    validate(SHIPPING_V2, "GetRatesResult", RATES["payload"])


@pytest.mark.parametrize("wrapped", [True, False])
def test_parse_rates(wrapped):
    token, rates = parse_rates(RATES if wrapped else RATES["payload"])
    assert token == "request-token-example"
    assert [r.rate_id for r in rates] == ["r-std", "r-exp"]
    cheap = rates[0]
    assert cheap.price == Decimal("3.5") and cheap.currency == "GBP"
    assert cheap.formats == ("PDF",)
    assert rates[1].formats == ("PDF", "ZPL")
    assert cheap.carrier_id == "EXAMPLE_CARRIER"
    assert cheap.service_name == "Service r-std"
    assert cheap.delivery_start == datetime(2026, 3, 3, 8)  # naive UTC
    assert cheap.delivery_end == datetime(2026, 3, 4, 18)


@pytest.mark.parametrize("fmt", ["PDF", "ZPL"])
def test_label_request(fmt):
    body = label_request("request-token-example", "r-std", fmt)
    spec = body["requestedDocumentSpecification"]
    assert spec["format"] == fmt and spec["dpi"] == 203
    assert spec["size"] == {"width": 4, "length": 6, "unit": "INCH"}
    assert spec["requestedDocumentTypes"] == ["LABEL"]
    assert spec["needFileJoining"] is False
    validate(SHIPPING_V2, "PurchaseShipmentRequest", body)


@pytest.mark.parametrize("fmt", ["PNG", "pdf", None])
def test_label_request_refuses_other_formats(fmt):
    with pytest.raises(ShipmentDataError, match="PDF or ZPL"):
        label_request("request-token-example", "r-std", fmt)


LABEL_BYTES = b"%PDF-1.4 example label"
PURCHASE = {
    "payload": {
        "shipmentId": "shipment-example-1",
        "packageDocumentDetails": [
            {
                "packageClientReferenceId": "PACK-1",
                "trackingId": "TT000000001GB",
                "packageDocuments": [
                    {
                        "type": "LABEL",
                        "format": "PDF",
                        "contents": base64.b64encode(LABEL_BYTES).decode(),
                    },
                    {
                        "type": "RECEIPT",
                        "format": "PDF",
                        "contents": base64.b64encode(b"receipt").decode(),
                    },
                ],
            }
        ],
        "promise": {},
    }
}


def test_sample_purchase_matches_model():
    validate(SHIPPING_V2, "PurchaseShipmentResult", PURCHASE["payload"])


@pytest.mark.parametrize("wrapped", [True, False])
def test_parse_purchase_decodes_labels(wrapped):
    shipment_id, labels = parse_purchase(PURCHASE if wrapped else PURCHASE["payload"])
    assert shipment_id == "shipment-example-1"
    assert len(labels) == 1
    label = labels[0]
    assert label.package_ref == "PACK-1"
    assert label.tracking_id == "TT000000001GB"
    assert label.format == "PDF"
    assert label.content == LABEL_BYTES


def test_parse_purchase_refuses_bad_base64():
    broken = json.loads(json.dumps(PURCHASE))
    broken["payload"]["packageDocumentDetails"][0]["packageDocuments"][0][
        "contents"
    ] = "not base64!"
    with pytest.raises(ShipmentDataError, match="base64"):
        parse_purchase(broken)


TRACKING = {
    "payload": {
        "trackingId": "TT000000001GB",
        "alternateLegTrackingId": "",
        "eventHistory": [
            {"eventCode": "PickupDone", "eventTime": "2026-03-02T16:00:00Z"},
            {"eventCode": "OutForDelivery", "eventTime": "2026-03-03T07:10:00Z"},
            {"eventCode": "Departed", "eventTime": "2026-03-02T22:00:00Z"},
        ],
        "promisedDeliveryDate": "2026-03-04T18:00:00Z",
        "summary": {"status": "OutForDelivery"},
    }
}


def test_sample_tracking_matches_model():
    validate(SHIPPING_V2, "GetTrackingResult", TRACKING["payload"])


def test_parse_tracking_picks_latest_event():
    state = parse_tracking(TRACKING)
    assert state.status == "OutForDelivery"
    assert state.last_event_code == "OutForDelivery"
    assert state.last_event_time == datetime(2026, 3, 3, 7, 10)
    assert state.promised == datetime(2026, 3, 4, 18)
    assert state.status not in FINAL_TRACKING


def test_parse_tracking_without_events():
    state = parse_tracking({"summary": {"status": "PreTransit"}, "eventHistory": []})
    assert state.status == "PreTransit"
    assert state.last_event_code is None and state.last_event_time is None
    assert state.promised is None


def test_tracking_statuses_cover_the_model_enum():
    values = {value for value, _label in TRACKING_STATUSES}
    assert FINAL_TRACKING <= values
    if not SHIPPING_V2.exists():
        pytest.skip(f"Amazon SP-API models absent ({SHIPPING_V2})")
    model = json.loads(SHIPPING_V2.read_text())["definitions"]["Status"]["enum"]
    assert values == set(model)
