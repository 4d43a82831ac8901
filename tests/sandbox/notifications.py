"""Notifications API v1 state and the publisher that sends notifications to
Amazon SQS queues (a moto server in tests, see ``sqs.py``).

Destinations belong to the application (one per SQS ARN); subscriptions to
(seller, notificationType, payloadVersion). A publisher thread looks for
changes every ``POLL`` real seconds, and at once when woken (after
``POST /_sandbox/clock`` and after a seller's writing call), so a test sees a
change's notification well within a second:

- ``ORDER_CHANGE`` (1.0, ``OrderLevel``, ``OrderStatusChange``): an order
  becomes visible (placed, ``--new-orders`` ones included), passes one of its
  status events, or the seller ships it (confirmShipment, an Amazon label)
  or voids a label. One notification per event the clock passed, oldest
  first. Multi-channel (``NON_AMAZON``) orders are not notified.
- ``FBA_INVENTORY_AVAILABILITY_CHANGES`` (1.0): a SKU's quantities in a
  region's FBA pool (``fba.py``) change (an order placed moves units from
  fulfillable to reserved, its shipping takes them out of reserved, a
  cancellation puts them back); one notification per SKU and region,
  listing the region's marketplaces.

What already was when the subscription was created is not notified, only
changes after it. Each body is validated against Amazon's JSON schema of its
type (``schemas/notifications``) before it is sent: one that fails is a
sandbox bug, counted in ``/_sandbox/stats`` and logged, never sent.

Like Amazon (SQS is at-least-once; ORDER_CHANGE is not guaranteed for every
new order), ``--notification-loss F`` drops a share F of brand-new orders'
first notification, ``--notification-duplicates F`` sends a share F twice
with the same NotificationId (the copy ``DUPLICATE_GAP`` seconds later), and
``--notification-delay S`` holds every notification S real seconds. Loss and
duplicates are drawn from ``--seed``, the order (or SKU) and the event, so a
run is reproducible. ``GET /_sandbox/notifications`` tells what was published,
lost or duplicated, with wall-clock times for latency measurements.
"""

import hashlib
import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from pathlib import Path

from . import fba
from .dataset import iso
from .orders_view import (
    _quantity_shown,
    _windows,
    dataset_shipped_lines,
    seller_packages,
    shipped_quantities,
)

log = logging.getLogger("sandbox")

POLL = 0.2  # real seconds between two looks for changes
DUPLICATE_GAP = 0.5  # real seconds between a notification and its duplicate
MAX_RECORDS = 20_000

# notificationType -> payload versions Amazon accepts, the latest first.
# LISTINGS_ITEM_ISSUES_CHANGE 1.0 was withdrawn on 2024-09-25 (Amazon's
# changelog "Deprecation of LISTINGS_ITEM_ISSUES_CHANGE notification payload
# version 1.0"); REPORT_PROCESSING_FINISHED's schema example says 2020-09-04,
# and Amazon also takes 1.0 there.
PAYLOAD_VERSIONS = {
    "ORDER_CHANGE": ("1.0",),
    "ANY_OFFER_CHANGED": ("1.0",),
    "FBA_INVENTORY_AVAILABILITY_CHANGES": ("1.0",),
    "LISTINGS_ITEM_STATUS_CHANGE": ("1.0",),
    "LISTINGS_ITEM_ISSUES_CHANGE": ("2023-12-13",),
    "REPORT_PROCESSING_FINISHED": ("2020-09-04", "1.0"),
}
# What the sandbox publishes, and the schema each body must pass.
SCHEMAS = {
    "ORDER_CHANGE": "OrderChangeNotification.json",
    "FBA_INVENTORY_AVAILABILITY_CHANGES": (
        "FBAInventoryAvailabilityChangeNotification.json"
    ),
}
# Types whose subscriptions take an eventFilter (Amazon's EventFilter enum).
EVENT_FILTERS = {"ORDER_CHANGE", "ANY_OFFER_CHANGED"}
ORDER_STATUS = {
    "PENDING": "Pending",
    "UNSHIPPED": "Unshipped",
    "PARTIALLY_SHIPPED": "PartiallyShipped",
    "SHIPPED": "Shipped",
    "CANCELLED": "Canceled",
}
ORDER_PROGRAMS = {"PRIME": "Prime", "AMAZON_BUSINESS": "Business"}
# One marketplace per FBA region: the pool is the same for all of a region.
REGION_MARKETPLACES = {}
for _market, _region in fba.REGIONS.items():
    REGION_MARKETPLACES.setdefault(_region, []).append(_market)


def stamp_ms(moment):
    """ISO 8601 with milliseconds, as Amazon writes notification times."""
    text = moment if isinstance(moment, str) else iso(moment)
    return text[:-1] + ".000Z" if text.endswith("Z") and "." not in text else text


def fraction(*parts):
    """A number in [0, 1) fixed by ``parts`` (seed, order, event...)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def parse_sqs_arn(arn):
    """``arn:aws:sqs:<region>:<account>:<name>`` -> (region, account, name)."""
    parts = arn.split(":")
    if len(parts) != 6 or parts[:3] != ["arn", "aws", "sqs"] or not all(parts[3:]):
        return None
    return parts[3], parts[4], parts[5]


class OrderWatch:
    """The ORDER_CHANGE side of one subscription: the events of each order
    already told (or already there when the subscription was made)."""

    def __init__(self, stores, stamp):
        self.seen = {
            order["orderId"]: self.visible(order, stamp) for order in stores.order_list
        }

    @staticmethod
    def visible(order, stamp):
        return tuple(
            (event["time"], event["status"])
            for event in order["events"]
            if event["time"] <= stamp
        )

    def changes(self, stores, stamp):
        """``[(order, event, is_new_order)]`` of the events passed since the
        last look, oldest first."""
        found = []
        for order in stores.order_list:
            now = self.visible(order, stamp)
            before = self.seen.get(order["orderId"], ())
            if now == before:
                continue
            self.seen[order["orderId"]] = now
            if order["channel"] != "AMAZON":
                continue
            common = 0
            while common < min(len(now), len(before)) and now[common] == before[common]:
                common += 1
            events = {(e["time"], e["status"]): e for e in order["events"]}
            for index in range(common, len(now)):
                found.append((order, events[now[index]], not before and index == 0))
        found.sort(key=lambda row: (row[1]["time"], row[0]["orderId"]))
        return found


class FbaWatch:
    """The FBA_INVENTORY_AVAILABILITY_CHANGES side of one subscription: the
    quantities of each (region, SKU) last told. Amazon notifies a change of
    any of them; in the sandbox's pool an order's units move from fulfillable
    to reserved when it is placed, and leave reserved when it ships."""

    QUANTITIES = (
        "fulfillable",
        "pending",
        "processing",
        "unfulfillable",
        "researching",
        "inboundWorking",
        "inboundShipped",
        "inboundReceiving",
    )

    def __init__(self, stores, now):
        self.seen = {key: self.quantities(row) for key, row in self.rows(stores, now)}

    @classmethod
    def quantities(cls, row):
        return tuple(row[name] for name in cls.QUANTITIES)

    @staticmethod
    def rows(stores, now):
        from .handlers import inventory

        mcf = inventory.mcf_orders(stores, now)
        for region, markets in REGION_MARKETPLACES.items():
            for row in fba.pool(stores.data, markets[0], now, mcf):
                yield (region, row["sellerSku"]), row

    def changes(self, stores, now):
        found = []
        for key, row in self.rows(stores, now):
            quantities = self.quantities(row)
            if self.seen.get(key) != quantities:
                self.seen[key] = quantities
                found.append((key[0], row))
        return found


class Notifications:
    """Destinations, subscriptions, the publisher thread and its record."""

    def __init__(self, state):
        self.state = state
        opts = state.options
        self.endpoint = (getattr(opts, "sqs_endpoint", None) or "").rstrip("/")
        self.region = getattr(opts, "sqs_region", None) or "us-east-1"
        self.access_key = getattr(opts, "sqs_access_key", None) or "testing"
        self.secret_key = getattr(opts, "sqs_secret_key", None) or "testing"
        self.loss = float(getattr(opts, "notification_loss", 0) or 0)
        self.duplicates = float(getattr(opts, "notification_duplicates", 0) or 0)
        self.delay = float(getattr(opts, "notification_delay", 0) or 0)
        self.seed = opts.seed
        self.destinations = {}  # destinationId -> Destination (model shape)
        self.subscriptions = {}  # subscriptionId -> record (see subscribe)
        self.records = []  # what was published, oldest first
        self.validators = self._validators(Path(opts.models_dir))
        self._lock = threading.Lock()  # outbox, records and clients
        self._outbox = []  # heap of (due, seq, record, body text)
        self._seq = itertools.count()
        self._clients = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = None
        self._last_stamp = None
        self._dirty = True  # look even if the clock's second did not change

    # -- registry (handlers call these under state.lock) --------------------

    def subscribe(self, seller, notification_type, version, destination_id, directive):
        subscription = {
            "subscriptionId": str(uuid.uuid4()),
            "payloadVersion": version,
            "destinationId": destination_id,
            "seller": seller,
            "notificationType": notification_type,
            "created": time.monotonic(),
        }
        if directive is not None:
            subscription["processingDirective"] = directive
        stores = self.state.stores_for(seller)
        now = self.state.clock.now()
        if notification_type == "ORDER_CHANGE":
            subscription["watch"] = OrderWatch(stores, iso(now))
        elif notification_type == "FBA_INVENTORY_AVAILABILITY_CHANGES":
            subscription["watch"] = FbaWatch(stores, now)
        self.subscriptions[subscription["subscriptionId"]] = subscription
        return subscription

    @staticmethod
    def view(subscription):
        """A subscription as the Notifications API shows it."""
        keys = ("subscriptionId", "payloadVersion", "destinationId")
        shown = {key: subscription[key] for key in keys}
        if "processingDirective" in subscription:
            shown["processingDirective"] = subscription["processingDirective"]
        return shown

    # -- the publisher ------------------------------------------------------

    def start(self):
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="notifications", daemon=True
            )
            self._thread.start()

    def stop(self, timeout=5):
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self):
        """Look for changes now (after a clock jump or a seller's action)."""
        self._dirty = True
        self._wake.set()

    def _run(self):
        while not self._stop.is_set():
            timeout = POLL
            with self._lock:
                if self._outbox:
                    timeout = min(timeout, self._outbox[0][0] - time.monotonic())
            self._wake.wait(max(0.0, timeout))
            self._wake.clear()
            try:
                self.scan()
                self.flush()
            except Exception:  # the publisher must outlive a sandbox bug
                log.exception("notification publisher failed")

    def scan(self):
        """Turn the changes since the last look into queued notifications."""
        state = self.state
        with state.lock:
            now = state.clock.now()
            stamp = iso(now)
            if stamp == self._last_stamp and not self._dirty:
                return
            self._last_stamp, self._dirty = stamp, False
            found = []
            for subscription in list(self.subscriptions.values()):
                watch = subscription.get("watch")
                if watch is None:
                    continue
                stores = state.stores_for(subscription["seller"])
                if isinstance(watch, OrderWatch):
                    for order, event, new in watch.changes(stores, stamp):
                        if self._wanted(subscription, order["marketplaceId"]):
                            found.append(
                                self._order_change(subscription, order, event, new)
                            )
                else:
                    for region, row in watch.changes(stores, now):
                        found.append(self._fba_change(subscription, region, row, now))
        for record, body in found:
            self._publish(record, body)

    @staticmethod
    def _wanted(subscription, marketplace):
        directive = subscription.get("processingDirective") or {}
        event_filter = directive.get("eventFilter") or {}
        markets = event_filter.get("marketplaceIds")
        if markets and marketplace not in markets:
            return False
        change_types = event_filter.get("orderChangeTypes")
        return not change_types or "OrderStatusChange" in change_types

    def _envelope(self, subscription, event_time, payload):
        notification_id = str(uuid.uuid4())
        body = {
            "NotificationVersion": "1.0",
            "NotificationType": subscription["notificationType"],
            "PayloadVersion": subscription["payloadVersion"],
            "EventTime": stamp_ms(event_time),
            "Payload": payload,
            "NotificationMetadata": {
                "ApplicationId": self.state.application_id,
                "SubscriptionId": subscription["subscriptionId"],
                "PublishTime": stamp_ms(self.state.clock.now()),
                "NotificationId": notification_id,
            },
        }
        record = {
            "notificationId": notification_id,
            "notificationType": subscription["notificationType"],
            "seller": subscription["seller"],
            "subscriptionId": subscription["subscriptionId"],
            "destinationId": subscription["destinationId"],
            "eventTime": body["EventTime"],
            "publishTime": body["NotificationMetadata"]["PublishTime"],
            "detectedAt": time.time(),
            "sentAt": [],
            "lost": False,
            "duplicate": False,
            "delivered": False,
            "error": None,
        }
        return record, body

    def _order_change(self, subscription, order, event, new_order):
        status = event["status"]
        packages = seller_packages(order, event["time"])
        if packages:
            shipped = shipped_quantities(packages)
        else:
            shipped = dataset_shipped_lines(order, status)
        items, done_total, left_total = [], 0, 0
        for line in order["items"]:
            quantity = _quantity_shown(order, line)
            done = min(shipped.get(line["orderItemId"], 0), line["quantity"])
            done_total += done
            if status != "CANCELLED":
                left_total += max(0, line["quantity"] - done)
            items.append(
                {
                    "OrderItemId": line["orderItemId"],
                    "SellerSKU": line["sku"],
                    "SupplySourceId": None,
                    "OrderItemStatus": (
                        "Shipped" if done >= line["quantity"] else "Unshipped"
                    ),
                    "Quantity": quantity,
                    "QuantityShipped": done,
                }
            )
        windows = _windows(order)
        programs = [ORDER_PROGRAMS[p] for p in order["programs"] if p in ORDER_PROGRAMS]
        summary = {
            "MarketplaceId": order["marketplaceId"],
            "OrderStatus": ORDER_STATUS[status],
            "PurchaseDate": stamp_ms(order["createdTime"]),
            # Amazon sends it (the consumer must not keep it: buyer data).
            "DestinationPostalCode": order["recipient"].get("postalCode"),
            "FulfillmentType": "AFN" if order["fulfilledBy"] == "AMAZON" else "MFN",
            "OrderType": "StandardOrder",
            "NumberOfItemsShipped": done_total,
            "NumberOfItemsUnshipped": left_total,
            "EarliestShipDate": stamp_ms(windows["shipByWindow"]["earliestDateTime"]),
            "LatestShipDate": stamp_ms(windows["shipByWindow"]["latestDateTime"]),
            "EarliestDeliveryDate": stamp_ms(
                windows["deliverByWindow"]["earliestDateTime"]
            ),
            "LatestDeliveryDate": stamp_ms(
                windows["deliverByWindow"]["latestDateTime"]
            ),
            "OrderPrograms": programs,
            "OrderItems": items,
        }
        payload = {
            "OrderChangeNotification": {
                "NotificationLevel": "OrderLevel",
                "SellerId": subscription["seller"],
                "AmazonOrderId": order["orderId"],
                "OrderChangeType": "OrderStatusChange",
                "OrderChangeTrigger": {
                    "TimeOfOrderChange": stamp_ms(event["time"]),
                    "ChangeReason": "Order status changed",
                },
                "Summary": summary,
            }
        }
        record, body = self._envelope(subscription, event["time"], payload)
        record.update(
            amazonOrderId=order["orderId"],
            orderStatus=summary["OrderStatus"],
            newOrder=new_order,
        )
        key = (subscription["seller"], order["orderId"], event["time"], status)
        record["lost"] = new_order and fraction(self.seed, "loss", *key[:2]) < (
            self.loss
        )
        record["duplicate"] = fraction(self.seed, "dup", *key) < self.duplicates
        return record, body

    def _fba_change(self, subscription, region, row, now):
        inventory = {
            "InboundQuantityBreakdown": {
                "Working": row["inboundWorking"],
                "Shipped": row["inboundShipped"],
                "Receiving": row["inboundReceiving"],
            },
            "Fulfillable": row["fulfillable"],
            "Unfulfillable": row["unfulfillable"],
            "Researching": row["researching"],
            "ReservedQuantityBreakdown": {
                "WarehouseProcessing": row["processing"],
                "WarehouseTransfer": 0,
                "PendingCustomerOrder": row["pending"],
            },
            "FutureSupplyBuyable": 0,
            "PendingCustomerOrderInTransit": 0,
        }
        payload = {
            "SellerId": subscription["seller"],
            "FNSKU": row["fnSku"],
            "ASIN": row["asin"],
            "SKU": row["sellerSku"],
            "FulfillmentInventoryByMarketplace": [
                {
                    "MarketplaceId": market,
                    "ItemName": row["productName"],
                    "FulfillmentInventory": inventory,
                }
                for market in REGION_MARKETPLACES[region]
            ],
        }
        record, body = self._envelope(subscription, now, payload)
        record.update(sku=row["sellerSku"], fulfillable=row["fulfillable"])
        record["marketplaceIds"] = list(REGION_MARKETPLACES[region])
        key = (subscription["seller"], region, row["sellerSku"], iso(now))
        record["duplicate"] = fraction(self.seed, "dup", *key) < self.duplicates
        return record, body

    # -- validation, queueing and sending -----------------------------------

    @staticmethod
    def _validators(models_dir):
        from jsonschema import Draft7Validator

        from .validation import FORMATS

        folder = models_dir / "schemas" / "notifications"
        found = {}
        for kind, name in SCHEMAS.items():
            path = folder / name
            if path.is_file():
                schema = json.loads(path.read_text(encoding="utf-8"))
                found[kind] = Draft7Validator(schema, format_checker=FORMATS)
        return found

    def problems(self, body):
        """What is wrong with a body by its type's schema (empty: valid)."""
        validator = self.validators.get(body["NotificationType"])
        if validator is None:
            return []
        return [
            f"{'.'.join(map(str, error.absolute_path)) or 'body'}: {error.message}"
            for error in list(validator.iter_errors(body))[:5]
        ]

    def _publish(self, record, body):
        stats = self.state.stats
        stats.notification("published")
        problems = self.problems(body)
        if problems:
            record["invalid"] = problems
            stats.notification("invalid")
            stats.invalid_notification(record["notificationType"], problems)
            log.error(
                "notification %s fails its schema: %s",
                record["notificationType"],
                problems,
            )
        elif record["lost"]:
            stats.notification("lost")
        text = json.dumps(body, ensure_ascii=False)
        with self._lock:
            record["body"] = body
            self.records.append(record)
            if len(self.records) > MAX_RECORDS:
                del self.records[: len(self.records) - MAX_RECORDS]
            if problems or record["lost"]:
                return
            due = time.monotonic() + self.delay
            heapq.heappush(self._outbox, (due, next(self._seq), record, text))
            if record["duplicate"]:
                stats.notification("duplicates")
                copy_due = due + DUPLICATE_GAP
                heapq.heappush(self._outbox, (copy_due, next(self._seq), record, text))

    def flush(self):
        """Send what is due."""
        while True:
            with self._lock:
                if not self._outbox or self._outbox[0][0] > time.monotonic():
                    return
                _due, _seq, record, text = heapq.heappop(self._outbox)
            self._send(record, text)

    def _target(self, record):
        destination = self.destinations.get(record["destinationId"])
        sqs = ((destination or {}).get("resource") or {}).get("sqs")
        if not sqs:
            return None, "the destination is not an SQS queue"
        if not self.endpoint:
            return None, "the sandbox has no --sqs-endpoint"
        region, account, name = parse_sqs_arn(sqs["arn"])
        if region != self.region:
            return None, f"the queue's region {region} is not {self.region}"
        return (region, f"{self.endpoint}/{account}/{name}"), None

    def client(self, region):
        from .sqs import client

        with self._lock:
            if region not in self._clients:
                self._clients[region] = client(
                    self.endpoint, region, self.access_key, self.secret_key
                )
            return self._clients[region]

    def _send(self, record, text):
        target, error = self._target(record)
        quiet = error is not None  # nowhere to send: expected, not a warning
        if target is not None:
            from botocore.exceptions import BotoCoreError, ClientError

            region, queue_url = target
            try:
                self.client(region).send_message(QueueUrl=queue_url, MessageBody=text)
            except (BotoCoreError, ClientError) as exc:  # refused, no queue...
                error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            if error is None:
                record["sentAt"].append(time.time())
                record["delivered"] = True
            else:
                record["error"] = error
        if error is None:
            self.state.stats.notification("sent")
            return
        self.state.stats.notification("undelivered")
        (log.debug if quiet else log.warning)(
            "notification %s not delivered: %s", record["notificationId"], error
        )

    def check_queue(self, arn):
        """Refusal text when ``arn`` names no queue on the endpoint (None: fine,
        or no endpoint to check)."""
        parsed = parse_sqs_arn(arn)
        if parsed is None:
            return f"{arn} is not an SQS queue ARN"
        if not self.endpoint:
            return None
        from botocore.exceptions import BotoCoreError, ClientError

        region, account, name = parsed
        if region != self.region:
            return f"No SQS queue {arn}: the sandbox's SQS serves {self.region}"
        try:
            self.client(region).get_queue_url(
                QueueName=name, QueueOwnerAWSAccountId=account
            )
        except (BotoCoreError, ClientError):
            return f"No SQS queue {arn} is reachable"
        return None

    def published(self, seller=None, notification_type=None, order_id=None):
        with self._lock:
            return [
                dict(record, sentAt=list(record["sentAt"]))
                for record in self.records
                if (seller is None or record["seller"] == seller)
                and (
                    notification_type is None
                    or record["notificationType"] == notification_type
                )
                and (order_id is None or record.get("amazonOrderId") == order_id)
            ]
