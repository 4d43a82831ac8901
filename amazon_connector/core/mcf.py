"""Multi-Channel Fulfilment: requests and replies of Fulfillment Outbound 2020-07-01.

Pure mapping between plain values and Amazon's bodies; no HTTP, no Odoo.
Version 2020-07-01 is used because Amazon's generally available MCF API is
still that one: the 2026-07-04 model in Amazon's repository could not be
confirmed as released (no release note or deprecation of 2020-07-01 found).

The destination address passed to :func:`preview_request` and
:func:`create_request` is buyer PII: callers read it from the vault (Amazon
orders) or the partner, pass it straight into the body, and never log or
store the body. Nothing here logs.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from . import amazon_time

SPEEDS = ["Standard", "Expedited", "Priority"]

# FulfillmentOrderStatus (Amazon's enum) grouped by what the seller can do.
OPEN_STATUSES = frozenset({"New", "Received", "Planning", "Processing"})
# Amazon accepts cancelFulfillmentOrder only before the order is processed.
CANCELLABLE_STATUSES = frozenset({"New", "Received", "Planning"})
DONE_STATUSES = frozenset({"Complete", "CompletePartialled"})
FAILED_STATUSES = frozenset({"Cancelled", "Unfulfillable", "Invalid"})

# sellerFulfillmentOrderId: at most 40 characters, letters, digits, "-", "_".
_ID_CHARS = re.compile(r"[^A-Za-z0-9_-]")
MAX_ID_LENGTH = 40


def fulfillment_order_id(prefix, picking_id, attempt=1):
    """The seller fulfillment order id of a delivery's ``attempt``-th sending.

    Derived only from stable values (a per-database prefix, the picking's id
    and the attempt number) so a retry of one attempt after a crash asks
    Amazon for the same order, which Amazon refuses to create twice. Amazon
    also refuses an id used before, so a sending after a cancelled or failed
    one is a new attempt with an id of its own. Attempt 1 keeps the id that
    deliveries had before attempts were counted (``<prefix>-<picking>``).
    """
    if not isinstance(picking_id, int) or picking_id <= 0:
        raise ValueError(f"not a record id: {picking_id!r}")
    if not isinstance(attempt, int) or attempt <= 0:
        raise ValueError(f"not an attempt number: {attempt!r}")
    clean = _ID_CHARS.sub("", prefix or "") or "ODOO"
    # Keep the unique part (picking and attempt) whole; shorten the prefix.
    tail = f"-{picking_id}" + (f"-{attempt}" if attempt > 1 else "")
    return clean[: MAX_ID_LENGTH - len(tail)] + tail


def address_body(address):
    """Amazon's ``Address`` from a plain mapping (PII: never log the result).

    ``address`` keys: name, street, street2, city, state, zip, country, phone.
    Raises ``ValueError`` naming the missing field (not its value).
    """
    body = {
        "name": address.get("name"),
        "addressLine1": address.get("street"),
        "addressLine2": address.get("street2"),
        "city": address.get("city"),
        "stateOrRegion": address.get("state"),
        "postalCode": address.get("zip"),
        "countryCode": address.get("country"),
        "phone": address.get("phone"),
    }
    missing = [
        label
        for key, label in (
            ("name", "name"),
            ("addressLine1", "street"),
            ("postalCode", "zip"),
            ("countryCode", "country"),
        )
        if not body[key]
    ]
    if missing:
        raise ValueError("destination address lacks: " + ", ".join(missing))
    return {key: value for key, value in body.items() if value}


def _items(lines):
    """``lines``: iterable of (item id, SKU, quantity > 0)."""
    items = []
    for item_id, sku, quantity in lines:
        if not sku:
            raise ValueError(f"line {item_id} has no seller SKU")
        if int(quantity) != quantity or quantity <= 0:
            raise ValueError(f"line {item_id} ({sku}) needs a whole quantity above 0")
        items.append(
            {
                "sellerSku": sku,
                "sellerFulfillmentOrderItemId": str(item_id),
                "quantity": int(quantity),
            }
        )
    if not items:
        raise ValueError("nothing to fulfil")
    return items


def preview_request(marketplace_id, address, lines, speeds=None):
    """Body of getFulfillmentPreview for each speed in ``speeds``."""
    return {
        "marketplaceId": marketplace_id,
        "address": address_body(address),
        "items": _items(lines),
        "shippingSpeedCategories": list(speeds or SPEEDS),
    }


def create_request(
    marketplace_id,
    seller_order_id,
    displayable_id,
    order_date,
    speed,
    address,
    lines,
    comment,
):
    """Body of createFulfillmentOrder (Amazon dedupes on ``seller_order_id``)."""
    if speed not in SPEEDS:
        raise ValueError(f"unknown shipping speed {speed!r}: one of {SPEEDS}")
    return {
        "marketplaceId": marketplace_id,
        "sellerFulfillmentOrderId": seller_order_id,
        "displayableOrderId": displayable_id[:40],
        "displayableOrderDate": amazon_time.format(order_date),
        "displayableOrderComment": (comment or displayable_id)[:750],
        "shippingSpeedCategory": speed,
        "destinationAddress": address_body(address),
        "fulfillmentAction": "Ship",
        "fulfillmentPolicy": "FillOrKill",
        "items": _items(lines),
    }


def fee_totals(fees):
    """Amazon's fee list as ``{currency: total}``: amounts of different
    currencies are never added together."""
    totals = {}
    for fee in fees or ():
        amount = fee.get("amount") or {}
        currency = amount.get("currencyCode")
        totals[currency] = totals.get(currency, Decimal(0)) + Decimal(
            str(amount.get("value") or 0)
        )
    return {currency: float(total) for currency, total in totals.items()}


def fee_text(fees):
    """``{currency: total}`` for people: "5.50 EUR + 1.20 GBP" (never one sum)."""
    return " + ".join(
        f"{total:.2f} {currency or '?'}" for currency, total in fees.items()
    )


def parse_preview(reply):
    """Plain dicts, one per speed, in the order Amazon returned them.

    ``{"speed", "fulfillable", "reasons", "fees", "fee", "currency",
    "earliest", "latest"}``: fees is ``{currency: total}`` of Amazon's
    estimated fees; fee and currency are that total and its currency when
    every fee is in one currency (0.0 and None without fees), both None
    when Amazon's fees mix currencies (no sum across them); earliest/latest
    are the earliest and latest arrival over the preview's shipments (naive
    UTC, None when Amazon gives none); reasons are the order's and each
    unfulfillable item's reasons, the item's SKU in front.
    """
    previews = ((reply or {}).get("payload") or {}).get("fulfillmentPreviews") or []
    result = []
    for preview in previews:
        fees = fee_totals(preview.get("estimatedFees"))
        if len(fees) > 1:
            fee, currency = None, None
        else:
            currency, fee = next(iter(fees.items()), (None, 0.0))
        shipments = preview.get("fulfillmentPreviewShipments") or []
        earliest = [
            amazon_time.parse(s.get("earliestArrivalDate"))
            for s in shipments
            if s.get("earliestArrivalDate")
        ]
        latest = [
            amazon_time.parse(s.get("latestArrivalDate"))
            for s in shipments
            if s.get("latestArrivalDate")
        ]
        reasons = list(preview.get("orderUnfulfillableReasons") or [])
        for item in preview.get("unfulfillablePreviewItems") or []:
            why = ", ".join(item.get("itemUnfulfillableReasons") or []) or "unknown"
            reasons.append(f"{item.get('sellerSku')} x{item.get('quantity')}: {why}")
        result.append(
            {
                "speed": preview.get("shippingSpeedCategory"),
                "fulfillable": bool(preview.get("isFulfillable")),
                "reasons": reasons,
                "fees": fees,
                "fee": fee,
                "currency": currency,
                "earliest": min(earliest) if earliest else None,
                "latest": max(latest) if latest else None,
            }
        )
    return result


@dataclass
class Package:
    number: int
    carrier: str
    tracking: str | None
    shipped_at: object = None


@dataclass
class Item:
    """One item of the order as Amazon reports it (quantities in units)."""

    item_id: str
    sku: str
    quantity: int
    unfulfillable: int = 0
    cancelled: int = 0


@dataclass
class OrderStatus:
    """What getFulfillmentOrder says, reduced to what the delivery needs.

    ``shipped_quantities``: units per ``sellerFulfillmentOrderItemId`` in
    SHIPPED shipments (what actually left Amazon's warehouse).
    """

    status: str
    packages: list = field(default_factory=list)
    items: list = field(default_factory=list)
    shipped_quantities: dict = field(default_factory=dict)

    @property
    def shipped(self):
        return self.status in DONE_STATUSES

    @property
    def partial(self):
        """Amazon shipped less than was ordered of some item."""
        return self.status == "CompletePartialled" or any(
            self.shipped_quantities.get(item.item_id, 0) < item.quantity
            for item in self.items
        )

    @property
    def failed(self):
        return self.status in FAILED_STATUSES

    @property
    def cancellable(self):
        return self.status in CANCELLABLE_STATUSES

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES


def parse_order(reply):
    """``OrderStatus`` of a getFulfillmentOrder reply (SHIPPED shipments'
    packages and item quantities)."""
    payload = (reply or {}).get("payload") or {}
    order = payload.get("fulfillmentOrder") or {}
    status = order.get("fulfillmentOrderStatus")
    if not status:
        raise ValueError("reply has no fulfillmentOrderStatus")
    packages = []
    shipped = {}
    for shipment in payload.get("fulfillmentShipments") or []:
        if shipment.get("fulfillmentShipmentStatus") != "SHIPPED":
            continue
        shipped_at = amazon_time.parse(shipment.get("shippingDate"))
        for package in shipment.get("fulfillmentShipmentPackage") or []:
            packages.append(
                Package(
                    number=package.get("packageNumber"),
                    carrier=package.get("carrierCode"),
                    tracking=package.get("trackingNumber"),
                    shipped_at=shipped_at,
                )
            )
        for item in shipment.get("fulfillmentShipmentItem") or []:
            key = item.get("sellerFulfillmentOrderItemId")
            shipped[key] = shipped.get(key, 0) + int(item.get("quantity") or 0)
    items = [
        Item(
            item_id=item.get("sellerFulfillmentOrderItemId"),
            sku=item.get("sellerSku"),
            quantity=int(item.get("quantity") or 0),
            unfulfillable=int(item.get("unfulfillableQuantity") or 0),
            cancelled=int(item.get("cancelledQuantity") or 0),
        )
        for item in payload.get("fulfillmentOrderItems") or []
    ]
    return OrderStatus(
        status=status, packages=packages, items=items, shipped_quantities=shipped
    )


def error_message(errors):
    """Amazon's error list as one line for the user (no request data in it)."""
    parts = []
    for error in errors or ():
        text = error.get("message") or error.get("code") or ""
        if error.get("details"):
            text = f"{text} ({error['details']})"
        if text:
            parts.append(text)
    return "; ".join(parts) or "Amazon refused the request without a message"
