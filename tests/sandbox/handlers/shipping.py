"""Shipping API v2: getRates, purchaseShipment, getTracking. Tracking events
unfold on the sandbox's simulated clock after the purchase."""

import base64
import hashlib
import uuid
from datetime import timedelta

from ..dataset import iso, parse_time
from ..errors import ApiError, invalid_input
from ..messages import Reply

CURRENCY = {
    "US": "USD",
    "CA": "CAD",
    "GB": "GBP",
    "DE": "EUR",
    "FR": "EUR",
    "JP": "JPY",
}
SERVICES = (
    ("AMZN_US", "Amazon Shipping", "SWA-US-GROUND", "Amazon Shipping Ground", 1.0, 4),
    ("UPS", "UPS", "UPS_GROUND", "UPS Ground", 1.25, 5),
    ("USPS", "USPS", "USPS_PRIORITY", "USPS Priority Mail", 1.6, 2),
)
TRACK_STEPS = (
    (0, "ReadyForReceive", "PreTransit"),
    (2, "PickupDone", "InTransit"),
    (6, "Departed", "InTransit"),
    (20, "ArrivedAtCarrierFacility", "InTransit"),
    (26, "OutForDelivery", "OutForDelivery"),
    (30, "Delivered", "Delivered"),
)
LABEL = base64.b64encode(b"%PDF-1.4\n% SP-API sandbox label\n%%EOF\n").decode()


def _doc_spec():
    return {
        "format": "PDF",
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


def _weight_kg(package):
    weight = package["weight"]
    factor = {"GRAM": 0.001, "KILOGRAM": 1, "OUNCE": 0.0283495, "POUND": 0.453592}
    return weight["value"] * factor[weight["unit"]]


def get_rates(ctx, values):
    body = values["body"]
    channel = body["channelDetails"]
    if channel["channelType"] == "AMAZON":
        order_id = (channel.get("amazonOrderDetails") or {}).get("orderId")
        if order_id not in ctx.stores.orders:
            raise invalid_input(
                "channelDetails.amazonOrderDetails.orderId: unknown order"
            )
    if not body["packages"]:
        raise invalid_input("packages: at least one package is required")
    country = body["shipFrom"]["countryCode"]
    currency = CURRENCY.get(country, "USD")
    kilos = sum(_weight_kg(p) for p in body["packages"])
    now = ctx.now
    token = str(uuid.uuid4())
    rates = []
    for carrier_id, carrier, service_id, service, factor, days in SERVICES:
        amount = round((4.5 + 2.1 * kilos) * factor, 2)
        if currency == "JPY":
            amount = round(amount * 150)
        rates.append(
            {
                "rateId": f"{token[:8]}-{service_id}",
                "carrierId": carrier_id,
                "carrierName": carrier,
                "serviceId": service_id,
                "serviceName": service,
                "billedWeight": {"unit": "KILOGRAM", "value": round(kilos, 3)},
                "totalCharge": {"value": amount, "unit": currency},
                "promise": {
                    "deliveryWindow": {
                        "start": iso(now + timedelta(days=days - 1)),
                        "end": iso(now + timedelta(days=days)),
                    },
                    "pickupWindow": {
                        "start": iso(now + timedelta(hours=2)),
                        "end": iso(now + timedelta(hours=8)),
                    },
                },
                "supportedDocumentSpecifications": [_doc_spec()],
                "requiresAdditionalInputs": False,
                "paymentType": "PAY_THROUGH_AMAZON",
            }
        )
    with ctx.state.lock:
        ctx.stores.rate_requests[token] = {
            "rates": {r["rateId"]: r for r in rates},
            "packages": [p["packageClientReferenceId"] for p in body["packages"]],
            "expires": iso(now + timedelta(minutes=10)),
            "seller": ctx.seller,
        }
    return Reply(
        200, {"payload": {"requestToken": token, "rates": rates, "ineligibleRates": []}}
    )


def purchase_shipment(ctx, values):
    body = values["body"]
    stores = ctx.stores
    key = values.get("x-amzn-IdempotencyKey")
    with ctx.state.lock:
        if key and (ctx.seller, key) in stores.idempotency:
            return Reply(200, stores.idempotency[(ctx.seller, key)])
        request = stores.rate_requests.get(body["requestToken"])
        if request is None or request["seller"] != ctx.seller:
            raise invalid_input("requestToken: unknown or expired")
        if parse_time(request["expires"]) < ctx.now:
            raise invalid_input("requestToken: expired, get rates again")
        rate = request["rates"].get(body["rateId"])
        if rate is None:
            raise invalid_input("rateId: not one of the rates of this requestToken")
        shipment_id = str(uuid.uuid4())
        details = []
        for reference in request["packages"]:
            digest = hashlib.sha1(f"{shipment_id}{reference}".encode()).hexdigest()
            tracking = "SBX1Z" + digest[:14].upper()
            stores.shipments[tracking] = {
                "carrierId": rate["carrierId"],
                "purchased": iso(ctx.now),
                "shipmentId": shipment_id,
            }
            details.append(
                {
                    "packageClientReferenceId": reference,
                    "trackingId": tracking,
                    "packageDocuments": [
                        {
                            "type": "LABEL",
                            "format": body["requestedDocumentSpecification"]["format"],
                            "contents": LABEL,
                        }
                    ],
                }
            )
        reply = {
            "payload": {
                "shipmentId": shipment_id,
                "packageDocumentDetails": details,
                "promise": rate["promise"],
            }
        }
        del stores.rate_requests[body["requestToken"]]  # a token buys once
        if key:
            stores.idempotency[(ctx.seller, key)] = reply
    return Reply(200, reply)


def get_tracking(ctx, values):
    shipment = ctx.stores.shipments.get(values["trackingId"])
    if shipment is None or shipment["carrierId"] != values["carrierId"]:
        raise ApiError(404, "NotFound", "The tracking id was not found.", "")
    start = parse_time(shipment["purchased"])
    now = ctx.now
    events, status = [], "PreTransit"
    for hours, code, summary in TRACK_STEPS:
        moment = start + timedelta(hours=hours)
        if moment > now:
            break
        events.append(
            {"eventCode": code, "eventTime": iso(moment), "shipmentType": "FORWARD"}
        )
        status = summary
    return Reply(
        200,
        {
            "payload": {
                "trackingId": values["trackingId"],
                "alternateLegTrackingId": "",
                "eventHistory": events,
                "promisedDeliveryDate": iso(start + timedelta(hours=30)),
                "summary": {
                    "status": status,
                    "trackingDetailCodes": {
                        "forward": ["Signed"] if status == "Delivered" else [],
                        "returns": [],
                    },
                },
            }
        },
    )
