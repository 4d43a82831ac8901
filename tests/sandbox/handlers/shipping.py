"""Shipping API v2: getRates, purchaseShipment, getTracking, cancelShipment.
Tracking events unfold on the sandbox's simulated clock after the purchase;
a label is voided only until the carrier picks the parcel up."""

import base64
import hashlib
import struct
import uuid
import zlib
from datetime import timedelta

from ..dataset import iso, parse_time
from ..errors import ApiError, invalid_input
from ..messages import Reply
from ..orders_view import state_at
from .orders import (
    booked_packages,
    check_shippable,
    record_package,
    refuse,
    unrecord_packages,
)

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
ACTIVE = ("UNSHIPPED", "PARTIALLY_SHIPPED")
# The carrier holds the parcel from its pickup scan on (TRACK_STEPS): Amazon
# no longer voids the label after it.
PICKED_UP_HOURS = next(hours for hours, code, _s in TRACK_STEPS if code == "PickupDone")


def _pdf(lines):
    """A minimal valid one-page 4x6 inch PDF showing ``lines`` (pypdf, and so
    Odoo's label merging, must open it): five objects and a correct xref.
    Text is Latin-1 in the base font (what the font cannot draw prints as
    "?"), in an uncompressed stream, as a text extractor reads it."""

    def literal(text):
        raw = text.encode("latin-1", "replace").decode("latin-1")
        return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    shown = " T* ".join(f"({literal(line)}) Tj" for line in lines)
    stream = f"BT /F1 14 Tf 16 TL 20 400 Td {shown} ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 432]"
            b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        ),
        (
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica"
            b" /Encoding /WinAnsiEncoding >>"
        ),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _png():
    """A valid 1x1 white PNG: the sandbox draws no raster labels."""

    def chunk(kind, data):
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit gray
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff"))
        + chunk(b"IEND", b"")
    )


ADDRESS_LINES = ("addressLine1", "addressLine2", "addressLine3")


def label_lines(ship_to, tracking):
    """What a carrier label prints, as Amazon's do: the recipient's name,
    company, address and phone, then the tracking number."""
    ship_to = ship_to or {}
    place = " ".join(
        part
        for part in (
            ship_to.get("postalCode"),
            ship_to.get("city"),
            ship_to.get("stateOrRegion"),
            ship_to.get("countryCode"),
        )
        if part
    )
    lines = [
        ship_to.get("name"),
        ship_to.get("companyName"),
        *(ship_to.get(key) for key in ADDRESS_LINES),
        place,
        ship_to.get("phoneNumber") or ship_to.get("phone"),
        f"SP-API sandbox label {tracking}",
    ]
    return [line for line in lines if line]


def label(document_format, tracking, ship_to=None):
    """Base64 label contents in the requested format, printing the
    recipient's name, address and phone like Amazon's labels (PNG: a blank
    raster, the sandbox draws no images)."""
    lines = label_lines(ship_to, tracking)
    if document_format == "ZPL":
        fields = "".join(
            f"^FO40,{40 + 45 * n}^A0N,36,36^FD{line}^FS" for n, line in enumerate(lines)
        )
        # ^CI28: the field data is UTF-8, as Amazon's ZPL labels declare.
        data = f"^XA^CI28{fields}^XZ".encode()
    elif document_format == "PNG":
        data = _png()
    else:
        data = _pdf(lines)
    return base64.b64encode(data).decode()


def _doc_spec(document_format):
    return {
        "format": document_format,
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


def _order_items(ctx, order, packages):
    """{packageClientReferenceId: {orderItemId: quantity}} of an AMAZON-channel
    request, whose itemIdentifier is the Amazon orderItemId. Items without
    one are not tracked (and then the order's status is not checked either)."""
    known = {line["orderItemId"] for line in order["items"]}
    items = {}
    for package in packages:
        wanted = {}
        for item in package["items"]:
            item_id = item.get("itemIdentifier")
            if item_id is None:
                continue
            if item_id not in known:
                raise refuse(
                    f"itemIdentifier {item_id} is not an item of order "
                    f"{order['orderId']}"
                )
            wanted[item_id] = wanted.get(item_id, 0) + item["quantity"]
        if wanted:
            items[package["packageClientReferenceId"]] = wanted
    status = state_at(order, ctx.now)["status"]
    if items and status not in ACTIVE:
        raise refuse(
            f"Order {order['orderId']} is {status}: labels can only be bought "
            "for UNSHIPPED or PARTIALLY_SHIPPED orders"
        )
    return items


def get_rates(ctx, values):
    body = values["body"]
    channel = body["channelDetails"]
    if not body["packages"]:
        raise invalid_input("packages: at least one package is required")
    order_id, items = None, {}
    if channel["channelType"] == "AMAZON":
        order_id = (channel.get("amazonOrderDetails") or {}).get("orderId")
        if order_id not in ctx.stores.orders:
            raise invalid_input(
                "channelDetails.amazonOrderDetails.orderId: unknown order"
            )
        items = _order_items(ctx, ctx.stores.orders[order_id], body["packages"])
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
                "supportedDocumentSpecifications": [
                    _doc_spec(f) for f in ("PDF", "PNG", "ZPL")
                ],
                "requiresAdditionalInputs": False,
                "paymentType": "PAY_THROUGH_AMAZON",
            }
        )
    with ctx.state.lock:
        ctx.stores.rate_requests[token] = {
            "rates": {r["rateId"]: r for r in rates},
            "packages": [p["packageClientReferenceId"] for p in body["packages"]],
            "orderId": order_id,
            # Amazon prints its own order's address; else the request's.
            "shipTo": dict(ctx.stores.orders[order_id]["recipient"])
            if order_id
            else body.get("shipTo"),
            "items": items,  # packageClientReferenceId -> {orderItemId: qty}
            "expires": iso(now + timedelta(minutes=10)),
            "seller": ctx.seller,
        }
    return Reply(
        200, {"payload": {"requestToken": token, "rates": rates, "ineligibleRates": []}}
    )


def _confirm_label(ctx, order, rate, reference, tracking, items):
    """Amazon confirms a label bought for its own order: the items count as
    shipped, exactly like a seller's confirmShipment (source "label")."""
    used = [p["packageReferenceId"] for p in booked_packages(order, ctx.now)]
    numbers = [int(u) for u in used if u.isdigit()]
    lines = [{"orderItemId": i, "quantity": q} for i, q in items.items()]
    package = {
        "packageReferenceId": str(max(numbers, default=0) + 1),
        "carrier": rate["carrierName"],
        "shippingService": rate["serviceName"],
        "trackingNumber": tracking,
        "packageItems": lines,
    }
    record = {
        "packageClientReferenceId": reference,
        "carrierName": rate["carrierName"],
        "trackingId": tracking,
        "orderItems": lines,
    }
    record_package(ctx, order, package, "label", {"packageDetail": record})


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
        order = stores.orders.get(request["orderId"]) if request["items"] else None
        if order is not None:
            # Amazon confirms the shipment itself: refuse shipping twice.
            every = {}
            for wanted in request["items"].values():
                for item_id, quantity in wanted.items():
                    every[item_id] = every.get(item_id, 0) + quantity
            check_shippable(order, every, ctx.now)
        shipment_id = str(uuid.uuid4())
        document_format = body["requestedDocumentSpecification"]["format"]
        details = []
        for reference in request["packages"]:
            digest = hashlib.sha1(f"{shipment_id}{reference}".encode()).hexdigest()
            tracking = "SBX1Z" + digest[:14].upper()
            stores.shipments[tracking] = {
                "carrierId": rate["carrierId"],
                "purchased": iso(ctx.now),
                "shipmentId": shipment_id,
                # What a void must undo: Amazon's confirmation of the order.
                "orderId": order["orderId"] if order is not None else None,
            }
            if order is not None and reference in request["items"]:
                items = request["items"][reference]
                _confirm_label(ctx, order, rate, reference, tracking, items)
            details.append(
                {
                    "packageClientReferenceId": reference,
                    "trackingId": tracking,
                    "packageDocuments": [
                        {
                            "type": "LABEL",
                            "format": body["requestedDocumentSpecification"]["format"],
                            "contents": label(
                                document_format, tracking, request["shipTo"]
                            ),
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
    if (
        shipment is None
        or shipment["carrierId"] != values["carrierId"]
        or shipment.get("cancelled")
    ):
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


def cancel_shipment(ctx, values):
    """Void a purchased label: refused once the carrier picked the parcel up
    (its first scan) or when already voided; for an Amazon order, Amazon's
    own confirmation of the label's packages is withdrawn, so the order is
    unshipped again (as Seller Central does when a Buy Shipping label is
    voided)."""
    shipment_id = values["shipmentId"]
    stores = ctx.stores
    with ctx.state.lock:
        trackings = {
            tracking: record
            for tracking, record in stores.shipments.items()
            if record["shipmentId"] == shipment_id
        }
        if not trackings:
            raise ApiError(
                404, "NotFound", "The requested resource is invalid or doesn't exist"
            )
        first = next(iter(trackings.values()))
        if first.get("cancelled"):
            raise ApiError(
                400,
                "InvalidRequest",
                "The shipment is already cancelled.",
                f"ShipmentId {shipment_id}",
            )
        picked_up = parse_time(first["purchased"]) + timedelta(hours=PICKED_UP_HOURS)
        if ctx.now >= picked_up:
            raise ApiError(
                400,
                "InvalidRequest",
                "The shipment cannot be cancelled: the carrier has already "
                "picked up the package.",
                f"ShipmentId {shipment_id}",
            )
        for record in trackings.values():
            record["cancelled"] = iso(ctx.now)
        order = stores.orders.get(first.get("orderId") or "")
        if order is not None:
            unrecord_packages(ctx, order, set(trackings))
    return Reply(200, {})
