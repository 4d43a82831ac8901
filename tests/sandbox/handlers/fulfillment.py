"""Fulfillment Outbound 2020-07-01 (Multi-Channel Fulfilment): preview, create,
get, cancel and package tracking on the sandbox's simulated clock.

Stock comes from the sandbox's FBA inventory (``inventory._summaries``, the
same numbers getInventorySummaries serves), never from copied figures. An
order moves Received -> Planning -> Processing -> Complete as the clock
passes the offsets in ``TIMELINE``; nothing ships at once. Cancelling is
accepted only while Received or Planning, as Amazon does.

The destination address is buyer PII: it is kept only in the order record
(Amazon returns it in getFulfillmentOrder), never logged, never echoed in an
error message.
"""

from datetime import timedelta
from decimal import Decimal

from ..dataset import BY_MARKETPLACE, MARKETPLACES, iso, parse_time
from ..errors import ApiError, invalid_input
from ..messages import Reply
from . import inventory

# The sandbox's fee table: (per order, per unit) in the marketplace's
# currency, and arrival (earliest, latest) in days after the request.
FEES = {
    "Standard": (Decimal("3.00"), Decimal("2.50")),
    "Expedited": (Decimal("5.00"), Decimal("3.75")),
    "Priority": (Decimal("9.00"), Decimal("4.50")),
}
ARRIVAL_DAYS = {"Standard": (3, 5), "Expedited": (2, 3), "Priority": (1, 2)}
# Hours after receipt at which the order reaches each status.
TIMELINE = (
    (0, "Received"),
    (1, "Planning"),
    (4, "Processing"),
    (12, "Complete"),
)
CANCELLABLE = ("Received", "Planning")
CARRIER = "UPS"


def fee(speed, units):
    """The sandbox's fee for ``units`` units at ``speed`` (what previews show)."""
    per_order, per_unit = FEES[speed]
    return per_order + per_unit * units


def fulfillable_stock(ctx, marketplace):
    """Fulfillable FBA units by seller SKU, as getInventorySummaries reports."""
    return {
        row["sellerSku"]: row["_details"]["fulfillableQuantity"]
        for row in inventory._summaries(ctx, marketplace)
    }


def _orders(ctx):
    # Per seller, beside the seller's other stores.
    return ctx.stores.__dict__.setdefault("mcf_orders", {})


def _marketplace(body):
    marketplace = body.get("marketplaceId") or MARKETPLACES[0][0]
    if marketplace not in BY_MARKETPLACE:
        raise invalid_input(f"marketplaceId: unknown marketplace {marketplace}")
    return marketplace


def _shortages(ctx, marketplace, items):
    stock = fulfillable_stock(ctx, marketplace)
    wanted = {}
    for item in items:
        wanted[item["sellerSku"]] = wanted.get(item["sellerSku"], 0) + item["quantity"]
    short = []
    for item in items:
        sku = item["sellerSku"]
        if sku not in stock:
            short.append((item, "InvalidSKU"))
        elif stock[sku] < wanted[sku]:
            short.append((item, "InventoryUnavailable"))
    return short


def _money(amount, currency):
    return {"currencyCode": currency, "value": f"{amount:.2f}"}


def get_fulfillment_preview(ctx, values):
    body = values["body"]
    marketplace = _marketplace(body)
    currency = BY_MARKETPLACE[marketplace][3]
    items = body["items"]
    if not items:
        raise invalid_input("items: at least one item is required")
    units = sum(item["quantity"] for item in items)
    short = _shortages(ctx, marketplace, items)
    now = ctx.now
    previews = []
    for speed in body.get("shippingSpeedCategories") or list(FEES):
        if speed not in FEES:
            raise invalid_input(f"shippingSpeedCategories: {speed} is not offered")
        preview = {
            "shippingSpeedCategory": speed,
            "isFulfillable": not short,
            "isCODCapable": False,
            "marketplaceId": marketplace,
        }
        if short:
            preview["orderUnfulfillableReasons"] = ["InventoryUnavailable"]
            preview["unfulfillablePreviewItems"] = [
                {
                    "sellerSku": item["sellerSku"],
                    "quantity": item["quantity"],
                    "sellerFulfillmentOrderItemId": item[
                        "sellerFulfillmentOrderItemId"
                    ],
                    "itemUnfulfillableReasons": [reason],
                }
                for item, reason in short
            ]
        else:
            first, last = ARRIVAL_DAYS[speed]
            preview["estimatedFees"] = [
                {
                    "name": "FBAPerOrderFulfillmentFee",
                    "amount": _money(FEES[speed][0], currency),
                },
                {
                    "name": "FBAPerUnitFulfillmentFee",
                    "amount": _money(FEES[speed][1] * units, currency),
                },
            ]
            preview["fulfillmentPreviewShipments"] = [
                {
                    "earliestShipDate": iso(now + timedelta(hours=12)),
                    "latestShipDate": iso(now + timedelta(days=1)),
                    "earliestArrivalDate": iso(now + timedelta(days=first)),
                    "latestArrivalDate": iso(now + timedelta(days=last)),
                    "fulfillmentPreviewItems": [
                        {
                            "sellerSku": item["sellerSku"],
                            "quantity": item["quantity"],
                            "sellerFulfillmentOrderItemId": item[
                                "sellerFulfillmentOrderItemId"
                            ],
                            "shippingWeightCalculationMethod": "Package",
                        }
                        for item in items
                    ],
                }
            ]
        previews.append(preview)
    return Reply(200, {"payload": {"fulfillmentPreviews": previews}})


def create_fulfillment_order(ctx, values):
    body = values["body"]
    orders = _orders(ctx)
    seller_id = body["sellerFulfillmentOrderId"]
    if seller_id in orders:
        # Amazon keys an order on the seller's id: a retry creates nothing.
        return Reply(200, {})
    marketplace = _marketplace(body)
    if body["shippingSpeedCategory"] not in FEES:
        raise invalid_input(
            f"shippingSpeedCategory: {body['shippingSpeedCategory']} is not offered"
        )
    short = _shortages(ctx, marketplace, body["items"])
    if short:
        skus = ", ".join(sorted({item["sellerSku"] for item, _ in short}))
        raise ApiError(
            400,
            "InvalidInput",
            f"Not enough fulfillable inventory for {skus}.",
        )
    orders[seller_id] = {
        "request": body,
        "marketplaceId": marketplace,
        "received": iso(ctx.now),
        "cancelled": None,
    }
    return Reply(200, {})


def _status(record, now):
    if record["cancelled"]:
        return "Cancelled", parse_time(record["cancelled"])
    received = parse_time(record["received"])
    status, since = "Received", received
    for hours, name in TIMELINE:
        moment = received + timedelta(hours=hours)
        if now >= moment:
            status, since = name, moment
    return status, since


def _record(ctx, values):
    record = _orders(ctx).get(values["sellerFulfillmentOrderId"])
    if record is None:
        raise ApiError(
            404, "NotFound", "The requested fulfillment order was not found.", ""
        )
    return record


def _package_number(seller_id):
    # Stable per order, positive 31-bit: getPackageTrackingDetails reads it back.
    return 1 + (
        int.from_bytes(seller_id.encode()[-8:].rjust(8, b"\0"), "big") % 2_000_000_000
    )


def _tracking_number(seller_id):
    return "1ZMCF" + f"{_package_number(seller_id):010d}"


def get_fulfillment_order(ctx, values):
    record = _record(ctx, values)
    request = record["request"]
    seller_id = request["sellerFulfillmentOrderId"]
    now = ctx.now
    status, since = _status(record, now)
    order = {
        "sellerFulfillmentOrderId": seller_id,
        "marketplaceId": record["marketplaceId"],
        "displayableOrderId": request["displayableOrderId"],
        "displayableOrderDate": request["displayableOrderDate"],
        "displayableOrderComment": request["displayableOrderComment"],
        "shippingSpeedCategory": request["shippingSpeedCategory"],
        "destinationAddress": request["destinationAddress"],
        "fulfillmentAction": request.get("fulfillmentAction") or "Ship",
        "fulfillmentPolicy": request.get("fulfillmentPolicy") or "FillOrKill",
        "receivedDate": record["received"],
        "fulfillmentOrderStatus": status,
        "statusUpdatedDate": iso(since),
    }
    items = [
        {
            "sellerSku": item["sellerSku"],
            "sellerFulfillmentOrderItemId": item["sellerFulfillmentOrderItemId"],
            "quantity": item["quantity"],
            "cancelledQuantity": item["quantity"] if status == "Cancelled" else 0,
            "unfulfillableQuantity": 0,
        }
        for item in request["items"]
    ]
    shipments = []
    if status in ("Processing", "Complete"):
        shipment = {
            "amazonShipmentId": "MCF" + str(_package_number(seller_id)),
            "fulfillmentCenterId": "SEA8",
            "fulfillmentShipmentStatus": "PENDING",
            "fulfillmentShipmentItem": [
                {
                    "sellerSku": item["sellerSku"],
                    "sellerFulfillmentOrderItemId": item[
                        "sellerFulfillmentOrderItemId"
                    ],
                    "quantity": item["quantity"],
                }
                for item in request["items"]
            ],
        }
        if status == "Complete":
            shipment["fulfillmentShipmentStatus"] = "SHIPPED"
            shipment["shippingDate"] = iso(since)
            shipment["fulfillmentShipmentPackage"] = [
                {
                    "packageNumber": _package_number(seller_id),
                    "carrierCode": CARRIER,
                    "trackingNumber": _tracking_number(seller_id),
                }
            ]
        shipments.append(shipment)
    payload = {
        "fulfillmentOrder": order,
        "fulfillmentOrderItems": items,
        "fulfillmentShipments": shipments,
        "returnItems": [],
        "returnAuthorizations": [],
    }
    return Reply(200, {"payload": payload})


def cancel_fulfillment_order(ctx, values):
    record = _record(ctx, values)
    status, _since = _status(record, ctx.now)
    if status == "Cancelled":
        return Reply(200, {})
    if status not in CANCELLABLE:
        # Amazon's message says it all (the client shows only the message).
        raise ApiError(
            400,
            "InvalidInput",
            f"The fulfillment order is {status} and can no longer be cancelled.",
        )
    record["cancelled"] = iso(ctx.now)
    return Reply(200, {})


def get_package_tracking_details(ctx, values):
    number = values["packageNumber"]
    now = ctx.now
    for seller_id, record in _orders(ctx).items():
        if _package_number(seller_id) != number:
            continue
        status, since = _status(record, now)
        if status != "Complete":
            break
        address = record["request"]["destinationAddress"]
        payload = {
            "packageNumber": number,
            "trackingNumber": _tracking_number(seller_id),
            "carrierCode": CARRIER,
            "shipDate": iso(since),
            "estimatedArrivalDate": iso(since + timedelta(days=3)),
            # Amazon reports the destination's city, region and country only.
            "shipToAddress": {
                "city": address.get("city"),
                "state": address.get("stateOrRegion"),
                "country": address.get("countryCode"),
            },
            "currentStatus": "IN_TRANSIT",
            "trackingEvents": [
                {
                    "eventDate": iso(since),
                    # The fulfilment centre (SEA8), not the buyer.
                    "eventAddress": {"city": "Seattle", "state": "WA", "country": "US"},
                    "eventCode": "EVENT_101",
                    "eventDescription": "Carrier notified to pick up package.",
                }
            ],
        }
        return Reply(200, {"payload": payload})
    raise ApiError(404, "NotFound", "The package was not found.", "")
