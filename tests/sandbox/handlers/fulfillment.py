"""Fulfillment Outbound 2020-07-01 (Multi-Channel Fulfilment): preview, create,
get, cancel and package tracking on the sandbox's simulated clock.

Stock comes from the sandbox's FBA inventory (``inventory._summaries``, the
same numbers getInventorySummaries serves), never from copied figures. An
order moves Received -> Planning -> Processing -> Complete as the clock
passes the offsets in ``TIMELINE``; nothing ships at once. Cancelling is
accepted only while Received or Planning, as Amazon does.

The destination address is buyer PII: it is kept only in the order record
(Amazon returns it in getFulfillmentOrder) and never logged. One input makes
the sandbox echo it in an error, as Amazon's address validation may: a
destination whose postal code is ``ECHO_POSTAL_CODE`` is refused with the
whole address in the message, so tests can prove that the connector never
passes Amazon's text of such a call on to people, chatter or logs.

A ``sellerFulfillmentOrderId`` names one order for ever, as at Amazon ("must
be unique for each fulfillment order that a seller creates"): the same
request again is the same order (a retry creates nothing), any other request
with that id, or any request after the order was cancelled, is refused.

``damage(stores, seller_fulfillment_order_id, sku, units)`` (route
``POST /_sandbox/mcf/damage``) makes Amazon's fulfilment centre find ``units``
of the order's ``sku`` unsellable: they are not shipped
(``unfulfillableQuantity``), and the order ends ``CompletePartialled`` (or
``Unfulfillable`` when nothing is left to ship).
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
# A destination with this postal code is refused with the address in the
# message (see the module's docstring).
ECHO_POSTAL_CODE = "00000"


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


def _check_destination(address):
    if (address or {}).get("postalCode") != ECHO_POSTAL_CODE:
        return
    shown = ", ".join(
        str(address.get(key))
        for key in ("name", "addressLine1", "city", "postalCode", "countryCode")
        if address.get(key)
    )
    # What an address validator may answer: the address it could not use.
    raise ApiError(
        400, "InvalidInput", f"The destination address {shown} is not deliverable."
    )


def _money(amount, currency):
    return {"currencyCode": currency, "value": f"{amount:.2f}"}


def get_fulfillment_preview(ctx, values):
    body = values["body"]
    marketplace = _marketplace(body)
    _check_destination(body.get("address"))
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
        record = orders[seller_id]
        if record["request"] == body and not record["cancelled"]:
            # The same request again: the same order, nothing created.
            return Reply(200, {})
        raise ApiError(
            400,
            "InvalidInput",
            f"sellerFulfillmentOrderId {seller_id} is already used by another "
            "fulfillment order.",
        )
    marketplace = _marketplace(body)
    _check_destination(body.get("destinationAddress"))
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
        "damaged": {},
    }
    return Reply(200, {})


def damage(stores, seller_id, sku, units):
    """Amazon's fulfilment centre finds ``units`` of ``sku`` of the order
    unsellable (before it ships): they will not ship. Returns the units of
    that SKU now unfulfillable; KeyError for an unknown order or SKU."""
    record = stores.__dict__.setdefault("mcf_orders", {})[seller_id]
    ordered = sum(
        item["quantity"]
        for item in record["request"]["items"]
        if item["sellerSku"] == sku
    )
    if not ordered:
        raise KeyError(sku)
    damaged = record.setdefault("damaged", {})
    damaged[sku] = min(ordered, damaged.get(sku, 0) + int(units))
    return damaged[sku]


def _unfulfillable(record):
    """Unfulfillable units per seller item id (the damaged units of a SKU
    taken from its items in order)."""
    left = dict(record.get("damaged") or {})
    result = {}
    for item in record["request"]["items"]:
        take = min(item["quantity"], left.get(item["sellerSku"], 0))
        left[item["sellerSku"]] = left.get(item["sellerSku"], 0) - take
        result[item["sellerFulfillmentOrderItemId"]] = take
    return result


def _status(record, now):
    if record["cancelled"]:
        return "Cancelled", parse_time(record["cancelled"])
    received = parse_time(record["received"])
    status, since = "Received", received
    for hours, name in TIMELINE:
        moment = received + timedelta(hours=hours)
        if now >= moment:
            status, since = name, moment
    if status == "Complete" and any(_unfulfillable(record).values()):
        shipping = sum(
            item["quantity"]
            - _unfulfillable(record)[item["sellerFulfillmentOrderItemId"]]
            for item in record["request"]["items"]
        )
        status = "CompletePartialled" if shipping else "Unfulfillable"
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
    unfulfillable = _unfulfillable(record)
    items = [
        {
            "sellerSku": item["sellerSku"],
            "sellerFulfillmentOrderItemId": item["sellerFulfillmentOrderItemId"],
            "quantity": item["quantity"],
            "cancelledQuantity": item["quantity"] if status == "Cancelled" else 0,
            "unfulfillableQuantity": unfulfillable[
                item["sellerFulfillmentOrderItemId"]
            ],
        }
        for item in request["items"]
    ]
    # What leaves the warehouse: each item less its unsellable units.
    shipping = [
        dict(
            item,
            quantity=item["quantity"]
            - unfulfillable[item["sellerFulfillmentOrderItemId"]],
        )
        for item in request["items"]
        if item["quantity"] > unfulfillable[item["sellerFulfillmentOrderItemId"]]
    ]
    shipments = []
    if status in ("Processing", "Complete", "CompletePartialled"):
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
                for item in shipping
            ],
        }
        if status in ("Complete", "CompletePartialled"):
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
        if status not in ("Complete", "CompletePartialled"):
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
