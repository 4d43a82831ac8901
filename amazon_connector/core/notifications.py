"""Amazon's SP-API notifications as the connector reads them (issue 22).

Amazon publishes a notification as the JSON body of one SQS message. This
module turns a body into a :class:`Notification` (what changed, for which
seller, about which order, SKU or ASIN), or raises :class:`Malformed` with
a reason that never quotes the body: an ORDER_CHANGE carries the buyer's
postal code (``Summary.DestinationPostalCode``), which the connector neither
keeps nor logs.

Shapes (Amazon's "Notification Type Values" page and the schemas in
``../shared/amazon/sp-api-models/schemas/notifications``): ORDER_CHANGE,
ANY_OFFER_CHANGED, FBA_INVENTORY_AVAILABILITY_CHANGES, LISTINGS_ITEM_* use
PascalCase keys and payload version 1.0 (LISTINGS_ITEM_ISSUES_CHANGE:
2023-12-13, 1.0 is retired); REPORT_PROCESSING_FINISHED uses camelCase and
2020-09-04. Where Amazon's schema files are at hand (``AMAZON_NOTIFICATION_
SCHEMAS``, else ``../shared/amazon``), :func:`schema_errors` validates the
whole message against the schema of its type as well.

Pure: no Odoo, no network.
"""

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from . import amazon_time

# notification type -> (payload version to subscribe with, Amazon's schema file)
TYPES = {
    "ORDER_CHANGE": ("1.0", "OrderChangeNotification.json"),
    "ANY_OFFER_CHANGED": ("1.0", "AnyOfferChangedNotification.json"),
    "FBA_INVENTORY_AVAILABILITY_CHANGES": (
        "1.0",
        "FBAInventoryAvailabilityChangeNotification.json",
    ),
    "LISTINGS_ITEM_STATUS_CHANGE": ("1.0", "ListingsItemStatusChangeNotification.json"),
    "LISTINGS_ITEM_ISSUES_CHANGE": (
        "2023-12-13",
        "ListingsItemIssuesChangeNotification_2023-12-13.json",
    ),
    "REPORT_PROCESSING_FINISHED": (
        "2020-09-04",
        "ReportProcessingFinishedNotification.json",
    ),
}
# What a subscription asks of Amazon beyond the type: ORDER_CHANGE needs an
# event filter naming the changes wanted (Amazon's tutorial "Subscribe to
# the ORDER_CHANGE notification"; refused without a processing directive).
DIRECTIVES = {
    "ORDER_CHANGE": {
        "eventFilter": {
            "eventFilterType": "ORDER_CHANGE",
            "orderChangeTypes": ["OrderStatusChange", "BuyerRequestedChange"],
        }
    }
}
SCHEMAS_ENV = "AMAZON_NOTIFICATION_SCHEMAS"
DEFAULT_SCHEMAS_DIR = (
    Path(__file__).resolve().parents[3]
    / "shared/amazon/sp-api-models/schemas/notifications"
)
# Amazon's fulfilment types in ORDER_CHANGE, as the order sync names them.
FULFILLED_BY = {"MFN": "MERCHANT", "AFN": "AMAZON"}
MAX_BODY = 256 * 1024  # SQS's own limit: anything longer is not Amazon's
MAX_WAIT = 20  # seconds: SQS's longest long poll


class Malformed(ValueError):
    """The message is not a notification the connector can act on; the
    reason names the field, never its value."""


@dataclass
class Notification:
    notification_id: str
    type: str
    seller_id: str
    event_time: datetime | None
    publish_time: datetime | None
    subscription_id: str = ""
    # ORDER_CHANGE
    order_id: str = ""
    fulfilled_by: str = ""  # MERCHANT / AMAZON
    order_status: str = ""
    # listings, inventory, offers
    sku: str = ""
    asin: str = ""
    marketplace_ids: tuple = ()
    extra: dict = field(default_factory=dict)

    @property
    def subject(self):
        """What it is about, for a person (no buyer data)."""
        return self.order_id or self.sku or self.asin or self.extra.get("report", "")


def _get(data, *keys):
    """``data[k1][k2]...`` with each key matched case-insensitively (Amazon
    spells the envelope PascalCase in most types, camelCase in others)."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        if key in data:
            data = data[key]
            continue
        lowered = key.lower()
        data = next((v for k, v in data.items() if k.lower() == lowered), None)
    return data


def _text(data, *keys, required=True):
    value = _get(data, *keys)
    if value is None or value == "":
        if required:
            raise Malformed(f"{'.'.join(keys)} is missing")
        return ""
    if not isinstance(value, str):
        raise Malformed(f"{'.'.join(keys)} is not a string")
    return value


def _time(data, *keys):
    value = _get(data, *keys)
    if not value:
        return None
    try:
        return amazon_time.parse(value)
    except (TypeError, ValueError):
        raise Malformed(f"{'.'.join(keys)} is not an ISO 8601 time") from None


def loads(body):
    """The message body as JSON (a dict), or :class:`Malformed`."""
    if not isinstance(body, str) or not body.strip():
        raise Malformed("the message body is empty")
    if len(body) > MAX_BODY:
        raise Malformed("the message body is longer than SQS allows")
    try:
        data = json.loads(body)
    except ValueError:
        raise Malformed("the message body is not JSON") from None
    if not isinstance(data, dict):
        raise Malformed("the message body is not a JSON object")
    return data


def parse(body, message_id=None):
    """The :class:`Notification` of one SQS message body. Its id is Amazon's
    NotificationId; ``message_id`` (SQS's) stands in where a type's message
    has none (Amazon's FBA inventory schema names no metadata)."""
    data = loads(body)
    kind = _text(data, "NotificationType")
    if kind not in TYPES:
        raise Malformed(f"notification type {kind[:60]} is not one the app handles")
    payload = _get(data, "Payload")
    if not isinstance(payload, dict):
        raise Malformed("Payload is missing")
    note = Notification(
        notification_id=_text(
            data, "NotificationMetadata", "NotificationId", required=not message_id
        )
        or message_id,
        type=kind,
        seller_id="",
        event_time=_time(data, "EventTime"),
        publish_time=_time(data, "NotificationMetadata", "PublishTime"),
        subscription_id=_text(
            data, "NotificationMetadata", "SubscriptionId", required=False
        ),
    )
    PARSERS[kind](note, payload)
    return note


def _order_change(note, payload):
    change = _get(payload, "OrderChangeNotification")
    if not isinstance(change, dict):
        raise Malformed("Payload.OrderChangeNotification is missing")
    note.seller_id = _text(change, "SellerId")
    note.order_id = _text(change, "AmazonOrderId")
    summary = _get(change, "Summary") or {}
    channel = _text(summary, "FulfillmentType", required=False)
    note.fulfilled_by = FULFILLED_BY.get(channel, "")
    note.order_status = _text(summary, "OrderStatus", required=False)
    market = _text(summary, "MarketplaceId", required=False)
    note.marketplace_ids = (market,) if market else ()
    # Summary.DestinationPostalCode is buyer data: deliberately not read.


def _any_offer_changed(note, payload):
    change = _get(payload, "AnyOfferChangedNotification")
    if not isinstance(change, dict):
        raise Malformed("Payload.AnyOfferChangedNotification is missing")
    note.seller_id = _text(change, "SellerId")
    note.asin = _text(change, "OfferChangeTrigger", "ASIN")
    note.marketplace_ids = (_text(change, "OfferChangeTrigger", "MarketplaceId"),)


def _fba_inventory(note, payload):
    note.seller_id = _text(payload, "SellerId")
    note.sku = _text(payload, "SKU")
    note.asin = _text(payload, "ASIN", required=False)
    rows = _get(payload, "FulfillmentInventoryByMarketplace") or []
    if not isinstance(rows, list):
        raise Malformed("Payload.FulfillmentInventoryByMarketplace is not a list")
    note.marketplace_ids = tuple(
        row["MarketplaceId"]
        for row in rows
        if isinstance(row, dict) and isinstance(row.get("MarketplaceId"), str)
    )


def _listings_item(note, payload):
    note.seller_id = _text(payload, "SellerId")
    note.sku = _text(payload, "Sku")
    note.asin = _text(payload, "Asin", required=False)
    note.marketplace_ids = (_text(payload, "MarketplaceId"),)


def _report(note, payload):
    report = _get(payload, "reportProcessingFinishedNotification")
    if not isinstance(report, dict):
        raise Malformed("payload.reportProcessingFinishedNotification is missing")
    note.seller_id = _text(report, "sellerId")
    note.extra = {
        "report": _text(report, "reportId"),
        "report_type": _text(report, "reportType", required=False),
        "status": _text(report, "processingStatus", required=False),
    }


PARSERS = {
    "ORDER_CHANGE": _order_change,
    "ANY_OFFER_CHANGED": _any_offer_changed,
    "FBA_INVENTORY_AVAILABILITY_CHANGES": _fba_inventory,
    "LISTINGS_ITEM_STATUS_CHANGE": _listings_item,
    "LISTINGS_ITEM_ISSUES_CHANGE": _listings_item,
    "REPORT_PROCESSING_FINISHED": _report,
}


# -- Amazon's schemas --------------------------------------------------------------
def schemas_dir():
    """Where Amazon's notification schemas are, or None."""
    path = Path(os.environ.get(SCHEMAS_ENV) or DEFAULT_SCHEMAS_DIR)
    return path if path.is_dir() else None


@lru_cache(maxsize=16)
def _validator(path):
    from jsonschema import Draft7Validator  # the connector's dependency

    return Draft7Validator(json.loads(Path(path).read_text(encoding="utf-8")))


def schema_errors(data, kind, directory=None):
    """Where ``data`` breaks Amazon's schema of ``kind`` (``[]``: it fits),
    or None when the schema files are not at hand. Each error names the
    place and the rule broken, never the value (it may be buyer data)."""
    directory = directory or schemas_dir()
    if directory is None or kind not in TYPES:
        return None
    path = Path(directory) / TYPES[kind][1]
    if not path.is_file():
        return None
    errors = []
    for error in _validator(str(path)).iter_errors(data):
        place = "/" + "/".join(str(p) for p in error.absolute_path)
        if place == "/NotificationType" and data.get("NotificationType") == kind:
            # Amazon's LISTINGS_ITEM_STATUS_CHANGE schema enumerates
            # "LISTINGS_ITEM_STATUS_CHANGED", which its own example (and
            # Amazon's type list) does not send: the type was matched already.
            continue
        errors.append(f"{place}: breaks '{error.validator}'")
    return sorted(errors)
