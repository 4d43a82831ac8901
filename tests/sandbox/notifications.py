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
- ``ANY_OFFER_CHANGED`` (1.0, ``OfferChangeType`` ``External``): the living
  market (``market.py``) moves per simulated hour. For each (ASIN,
  marketplace) where the seller has an offer (each ASIN of its listings, in
  each marketplace ``market.own_offer`` gives an offer), when the clock
  enters a later hour and the market's observable summary
  (``offer_summary``: the featured offer's seller and price, and per
  condition and fulfilment channel the number of offers and the lowest
  one) differs from the hour last looked at, one notification at the new
  hour (``TimeOfOfferChange`` and ``EventTime`` the hour's start) with
  Amazon's Summary (counts, lowest prices, Buy Box price,
  CompetitivePriceThreshold...) and the top 20 offers of the condition that
  changed, ours among them when in stock (``IsBuyBoxWinner`` the featured
  offer). Both hours are summarised with the seller's offer as it is now:
  only competitors' changes are told, never the seller's own edits. A clock
  jump of many hours makes at most one notification per pair, describing
  the latest hour (a change that reverted within the jump is not told):
  the cost of a move is two market snapshots per pair, whatever its length.
  The ``marketplaceIds`` eventFilter applies.

What already was when the subscription was created is not notified, only
changes after it. Each body is validated against Amazon's JSON schema of its
type (``schemas/notifications``) before it is sent: one that fails is a
sandbox bug, counted in ``/_sandbox/stats`` and logged, never sent.

Amazon's ANY_OFFER_CHANGED schema requires keys the sandbox's market has
no value for; they carry neutral values: MinimumAdvertisedPrice 0 (no
floor), SalesRankings ``[]``, each offer's Points 0, ShipsFrom the
marketplace's country; ListPrice is the catalogue price the market is built
around, SuggestedLowerPricePlusShipping our featured offer expected price
plus shipping (the CompetitivePriceThreshold when there is none);
SellerFeedbackRating and ShipsFrom's state are drawn from the seller id.

Like Amazon (SQS is at-least-once; ORDER_CHANGE is not guaranteed for every
new order), ``--notification-loss F`` drops a share F of brand-new orders'
first notification and of ANY_OFFER_CHANGED notifications (the connector's
market sweep must not depend on each one), ``--notification-duplicates F``
sends a share F twice with the same NotificationId (the copy
``DUPLICATE_GAP`` seconds later), and ``--notification-delay S`` holds every
notification S real seconds. Loss and duplicates are drawn from ``--seed``,
the order (SKU; ASIN, marketplace and hour) and the event, so a run is
reproducible. ``GET /_sandbox/notifications`` tells what was published,
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
from datetime import datetime, timezone
from pathlib import Path

from . import fba, market
from .dataset import BY_MARKETPLACE, iso
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
    "ANY_OFFER_CHANGED": "AnyOfferChangedNotification.json",
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
# ANY_OFFER_CHANGED: what the sandbox's market changes are (competitors'
# prices and stock, never the seller's own edits, which are not notified).
OFFER_CHANGE_TYPE = "External"
MAX_OFFERS = 20  # Amazon's top 20 offers of the condition
CHANNELS = {"AFN": "Amazon", "MFN": "Merchant"}
SHIPS_FROM = {"US": ("WA", "NJ", "KY", "TX", "CA"), "CA": ("ON", "BC", "QC")}


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


def hour_start(bucket):
    """The simulated moment an hour of the market (``market.bucket_of``) starts."""
    return datetime.fromtimestamp(bucket * market.BUCKET_SECONDS, timezone.utc)


def offer_summary(snap):
    """What a subscriber can observe of one (ASIN, marketplace) market: the
    featured offer's seller and price, and per (condition, fulfilment
    channel) the number of offers and the lowest one (landed, listing and
    shipping price). Two hours with the same summary are not a change."""
    featured = snap.featured
    if featured is not None:
        keys = ("sellerId", "listingPrice", "shippingPrice")
        featured = tuple(featured[key] for key in keys)
    groups = {}
    for offer in snap.offers:  # by landed price: a group's first is its lowest
        key = (offer["condition"], offer["fulfillmentType"])
        count, lowest = groups.get(key, (0, offer))
        groups[key] = (count + 1, lowest)
    return (
        featured,
        tuple(
            (key, count, market.landed(low), low["listingPrice"], low["shippingPrice"])
            for key, (count, low) in sorted(groups.items())
        ),
    )


def changed_condition(before, after):
    """``"New"`` when the New side of two summaries differs (the featured
    offer is always New), else ``"Used"``."""

    def new_side(summary):
        featured, groups = summary
        return featured, tuple(row for row in groups if row[0][0] == "New")

    return "New" if new_side(before) != new_side(after) else "Used"


class OfferWatch:
    """The ANY_OFFER_CHANGED side of one subscription: the hour of the market
    last looked at, and per (ASIN, marketplace) the seller's offer and the
    market's summary (``offer_summary``) then.

    The seller's pairs: each ASIN of its listings, in each marketplace where
    it has an offer (``market.own_offer``: Amazon notifies only items the
    seller offers). When the clock has moved into a later hour, a pair is
    told once when its summary at the new hour differs from its summary at
    the hour last looked at, both with the seller's offer as it is now (so
    only competitors' changes count: the seller's own edits are not
    notified). A jump of many hours therefore makes at most one notification
    per pair, describing the latest hour; a change that reverted within the
    jump is not told."""

    def __init__(self, now):
        self.bucket = market.bucket_of(now)  # changes before it are not told
        self.seen = {}  # (asin, marketplace) -> (own offer key, summary)

    @staticmethod
    def own_key(offer):
        keys = ("sku", "condition", "fulfillmentType", "listingPrice", "shippingPrice")
        return (*(offer[key] for key in keys), market.available(offer))

    def offers(self, state, stores, seller, now):
        """``(hour, [(asin, marketplace, own offer, anchor)])`` when the clock
        is in a later hour than the last look, else None. Reads the seller's
        listings and FBA pool: call it under ``state.lock``."""
        from .handlers.pricing import OwnOffers, market_anchors

        bucket = market.bucket_of(now)
        if bucket <= self.bucket:
            return None
        own, anchors = OwnOffers(state, stores, seller, now), market_anchors(state)
        asins = sorted({r["asin"] for r in own.listings.values() if r.get("asin")})
        rows = []
        for asin in asins:
            for marketplace in BY_MARKETPLACE:
                offer = own.best_offer(asin, marketplace)
                if offer is not None:
                    rows.append((asin, marketplace, offer, anchors.get(asin)))
        return bucket, rows

    def changes(self, bucket, rows):
        """``[(snapshot at hour bucket, ItemCondition, anchor)]`` of the pairs
        whose summary changed since the hour last looked at. Pure market
        computation (about a millisecond a pair once the market's reference
        prices of the half-day are cached): no lock needed."""
        previous, self.bucket = self.bucket, bucket
        found, seen = [], {}
        for asin, marketplace, offer, anchor in rows:
            key = self.own_key(offer)
            known = self.seen.get((asin, marketplace))
            if known is not None and known[0] == key:
                before = known[1]
            else:  # a new pair, or the seller's offer changed meanwhile
                then = hour_start(previous)
                before = offer_summary(
                    market.snapshot(asin, marketplace, then, offer, anchor)
                )
            snap = market.snapshot(asin, marketplace, hour_start(bucket), offer, anchor)
            after = offer_summary(snap)
            seen[(asin, marketplace)] = (key, after)
            if after != before:
                found.append((snap, changed_condition(before, after), anchor))
        self.seen = seen
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
        self.market_changes = not getattr(opts, "quiet_market", False)
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
        elif notification_type == "ANY_OFFER_CHANGED":
            subscription["watch"] = OfferWatch(now)
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
            found, markets = [], []
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
                elif isinstance(watch, OfferWatch):
                    if not self.market_changes:
                        continue
                    seller = subscription["seller"]
                    looked = watch.offers(state, stores, seller, now)
                    if looked is not None:
                        markets.append((subscription, watch, looked))
                else:
                    for region, row in watch.changes(stores, now):
                        found.append(self._fba_change(subscription, region, row, now))
        # The market is computed outside the lock (the publisher thread alone
        # uses the watches): SP-API calls are not held up meanwhile.
        for subscription, watch, (bucket, rows) in markets:
            for snap, condition, anchor in watch.changes(bucket, rows):
                if self._wanted(subscription, snap.marketplace):
                    found.append(
                        self._offer_change(subscription, snap, condition, anchor)
                    )
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

    def _offer_change(self, subscription, snap, condition, anchor=None):
        """An ANY_OFFER_CHANGED 1.0 body of ``snap`` (the market at the new
        hour), ``condition`` the side that changed (New or Used), ``anchor``
        the catalogue price the market is built around (the ListPrice)."""
        asin, marketplace = snap.asin, snap.marketplace
        at = hour_start(snap.bucket)
        stamp = stamp_ms(at)
        threshold = snap.threshold
        featured = snap.featured

        def money(amount):
            return {
                "Amount": market.amount_json(amount, marketplace),
                "CurrencyCode": market.currency(marketplace),
            }

        def prices(offer):
            return {
                "LandedPrice": money(market.landed(offer)),
                "ListingPrice": money(offer["listingPrice"]),
                "Shipping": money(offer["shippingPrice"]),
            }

        counts, eligible, lowest = {}, {}, {}
        for offer in snap.offers:  # by landed price
            key = (offer["condition"].lower(), CHANNELS[offer["fulfillmentType"]])
            counts[key] = counts.get(key, 0) + 1
            lowest.setdefault(key, offer)
            if market.eligible(offer, threshold):
                eligible[key] = eligible.get(key, 0) + 1
        found = market.foep(snap)
        if found.price is not None:  # the highest price that would be featured
            suggested = found.price + snap.own["shippingPrice"]
        else:
            suggested = threshold
        summary = {
            "NumberOfOffers": [
                {"Condition": c, "FulfillmentChannel": f, "OfferCount": n}
                for (c, f), n in sorted(counts.items())
            ],
            "LowestPrices": [
                {"Condition": c, "FulfillmentChannel": f, **prices(offer)}
                for (c, f), offer in sorted(lowest.items())
            ],
            "BuyBoxPrices": (
                [{"Condition": "new", **prices(featured)}] if featured else []
            ),
            # The catalogue price the market is built around.
            "ListPrice": money(market.base_price(asin, marketplace, anchor)),
            # Required by Amazon's schema; the sandbox has no MAP: 0, no floor.
            "MinimumAdvertisedPrice": money(0),
            "SuggestedLowerPricePlusShipping": money(suggested),
            "TotalBuyBoxEligibleOffers": sum(eligible.values()),
            "SalesRankings": [],
            "NumberOfBuyBoxEligibleOffers": [
                {"Condition": c, "FulfillmentChannel": f, "OfferCount": n}
                for (c, f), n in sorted(eligible.items())
            ],
            "CompetitivePriceThreshold": money(threshold),
        }
        country = BY_MARKETPLACE[marketplace][2]
        offers = []
        shown = [o for o in snap.offers if o["condition"] == condition][:MAX_OFFERS]
        for offer in shown:
            seller_id, afn = offer["sellerId"], offer["fulfillmentType"] == "AFN"
            states = SHIPS_FROM.get(country, ("",))
            offers.append(
                {
                    "SellerId": seller_id,
                    "SubCondition": offer["subCondition"],
                    "SellerFeedbackRating": {
                        "FeedbackCount": 20 + int(fraction("fb", seller_id) * 5000),
                        "SellerPositiveFeedbackRating": 85
                        + int(fraction("fb%", seller_id) * 15),
                    },
                    "ShippingTime": {
                        "MinimumHours": 24 if afn else 48,
                        "MaximumHours": 48 if afn else 96,
                        "AvailabilityType": "NOW",
                        "AvailableDate": stamp,
                    },
                    "ListingPrice": money(offer["listingPrice"]),
                    "Points": {"PointsNumber": 0},  # no Amazon Points here
                    "Shipping": money(offer["shippingPrice"]),
                    "ShipsFrom": {
                        "Country": country,
                        "State": states[int(fraction("from", seller_id) * len(states))],
                    },
                    "IsFulfilledByAmazon": afn,
                    "PrimeInformation": {
                        "IsOfferPrime": afn,
                        "IsOfferNationalPrime": afn,
                    },
                    "IsExpeditedShippingAvailable": afn,
                    "IsFeaturedMerchant": market.eligible(offer, threshold),
                    "IsBuyBoxWinner": offer is featured,
                    "ShipsDomestically": True,
                    "ShipsInternationally": False,
                }
            )
        payload = {
            "AnyOfferChangedNotification": {
                "SellerId": subscription["seller"],
                "OfferChangeTrigger": {
                    "MarketplaceId": marketplace,
                    "ASIN": asin,
                    "ItemCondition": condition,
                    "TimeOfOfferChange": stamp,
                    "OfferChangeType": OFFER_CHANGE_TYPE,
                },
                "Summary": summary,
                "Offers": offers,
            }
        }
        record, body = self._envelope(subscription, at, payload)
        record.update(
            asin=asin,
            marketplaceIds=[marketplace],
            itemCondition=condition,
            featuredSeller=featured["sellerId"] if featured else None,
        )
        key = (subscription["seller"], asin, marketplace, snap.bucket)
        record["lost"] = fraction(self.seed, "loss", *key) < self.loss
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
