"""ANY_OFFER_CHANGED from the sandbox's living market to a real SQS server
(moto): which (ASIN, marketplace) pairs are told when the clock passes an
hour, what the bodies say, and how a clock jump is bounded.

The independent truth is ``tests/sandbox/market.py`` itself: the expected
changes are computed here from ``market.snapshot`` and the seller's catalogue
and FBA stock (``/_sandbox/dataset``, ``/_sandbox/fba-inventory``), never from
the publisher's code. The sandbox runs a frozen clock (``clock_rate=0``):
only ``advance_clock`` moves it."""

import calendar
import json
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from jsonschema import Draft7Validator
from sandbox_fixtures import NOTIFICATIONS_SCOPE, SpClient, require_models

from amazon_connector.core import notifications as connector
from tests.sandbox import market
from tests.sandbox import notifications as publisher
from tests.sandbox.cli import options_from
from tests.sandbox.dataset import BY_MARKETPLACE
from tests.sandbox.fixture import running_sandbox
from tests.sandbox.models import DEFAULT_MODELS_DIR
from tests.sandbox.sqs import running_sqs

KIND = "ANY_OFFER_CHANGED"
DESTINATIONS = "/notifications/v1/destinations"
SUBSCRIPTIONS = "/notifications/v1/subscriptions"
SELLER = "A1SANDBOXSELLER"
US = "ATVPDKIKX0DER"
HOUR = market.BUCKET_SECONDS
SCHEMA = DEFAULT_MODELS_DIR / "schemas" / "notifications" / publisher.SCHEMAS[KIND]


@pytest.fixture(scope="module")
def sqs():
    with running_sqs() as server:
        yield server


@pytest.fixture(scope="module")
def box(sqs):
    require_models()
    with running_sandbox(
        orders=40, seed=11, clock_rate=0, rate_scale=1000, sqs=sqs
    ) as instance:
        yield instance


@pytest.fixture(scope="module")
def clients(box):
    seller = SpClient(box)
    grantless = SpClient(box, scope=NOTIFICATIONS_SCOPE)
    yield seller, grantless
    seller.close()
    grantless.close()


class Channel:
    """A fresh queue, its destination and one ANY_OFFER_CHANGED subscription,
    deleted afterwards."""

    def __init__(self, sqs, clients):
        self.sqs, (self.seller, self.grantless) = sqs, clients
        self.url, arn = sqs.create_queue(f"o-{uuid.uuid4().hex[:12]}")
        body = {"name": "offers", "resourceSpecification": {"sqs": {"arn": arn}}}
        reply = self.grantless.call("POST", DESTINATIONS, json=body)
        assert reply.status_code == 200, reply.text
        self.destination = reply.json()["payload"]["destinationId"]
        self.subscription = None

    def subscribe(self):
        body = {"payloadVersion": "1.0", "destinationId": self.destination}
        reply = self.seller.call("POST", f"{SUBSCRIPTIONS}/{KIND}", json=body)
        assert reply.status_code == 200, reply.text
        self.subscription = reply.json()["payload"]["subscriptionId"]

    def drain(self, until=lambda bodies: False, timeout=15.0, quiet=1.0):
        """Bodies received (and deleted) until ``until(bodies)`` and then
        ``quiet`` seconds without a new one, or ``timeout``."""
        bodies, deadline, last = [], time.monotonic() + timeout, time.monotonic()
        while time.monotonic() < deadline:
            got = [json.loads(m["Body"]) for m in self.sqs.receive(self.url, wait=0)]
            if got:
                bodies.extend(got)
                last = time.monotonic()
            elif until(bodies) and time.monotonic() - last >= quiet:
                break
            time.sleep(0.1)
        return bodies

    def close(self):
        if self.subscription:
            path = f"{SUBSCRIPTIONS}/{KIND}/{self.subscription}"
            self.grantless.call("DELETE", path)
        self.grantless.call("DELETE", f"{DESTINATIONS}/{self.destination}")


@pytest.fixture
def channel(sqs, clients):
    made = Channel(sqs, clients)
    yield made
    made.close()


# -- the expected market, from market.py ----------------------------------------


def epoch(stamp):
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))


def hour_stamp(bucket):
    moment = datetime.fromtimestamp(bucket * HOUR, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def own_offers(box):
    """``{(asin, marketplace): our offer}`` as the Pricing API builds it: the
    catalogue price (US dollars times the marketplace's rate), FBA units from
    the pool, the cheapest offer in stock when SKUs share an ASIN."""
    products = box.dataset()["products"]
    found = {}
    for marketplace in BY_MARKETPLACE:
        units = {
            r["sellerSku"]: r["fulfillable"] for r in box.fba_inventory(marketplace)
        }
        for product in products:
            listing = {
                "sku": product["sku"],
                "asin": product["asin"],
                "price": Decimal(str(product["priceUsd"])),
                "afn": product["afn"],
            }
            fba_units = units.get(product["sku"], 0) if product["afn"] else None
            offer = market.own_offer(listing, marketplace, SELLER, fba_units)
            key = (product["asin"], marketplace)
            rank = (not market.available(offer), market.landed(offer))
            if key not in found or rank < found[key][0]:
                found[key] = (rank, offer)
    return {key: offer for key, (_, offer) in found.items()}


def snap_at(box, key, offer, bucket):
    at = datetime.fromtimestamp(bucket * HOUR, timezone.utc)
    anchors = market.anchors(box.dataset()["products"])
    return market.snapshot(key[0], key[1], at, offer, anchors.get(key[0]))


def summary(snap):
    """What the test takes as observable: featured seller and price; per
    (condition, channel), the offer count and the lowest landed offer."""
    best = market.featured(snap.offers, snap.threshold)
    groups = {}
    for offer in snap.offers:
        group = (offer["condition"], offer["fulfillmentType"])
        count, low = groups.get(group, (0, None))
        if low is None or market.landed(offer) < market.landed(low):
            low = offer
        groups[group] = (count + 1, low)
    return (
        best and (best["sellerId"], best["listingPrice"], best["shippingPrice"]),
        {
            group: (count, low["listingPrice"], low["shippingPrice"])
            for group, (count, low) in groups.items()
        },
    )


def changed_pairs(box, offers, bucket):
    """(changed, unchanged) pairs between hour ``bucket - 1`` and ``bucket``."""
    changed, unchanged = set(), set()
    for key, offer in offers.items():
        before = summary(snap_at(box, key, offer, bucket - 1))
        after = summary(snap_at(box, key, offer, bucket))
        (changed if before != after else unchanged).add(key)
    return changed, unchanged


def pair(body):
    trigger = body["Payload"]["AnyOfferChangedNotification"]["OfferChangeTrigger"]
    return trigger["ASIN"], trigger["MarketplaceId"]


# -- through SQS ------------------------------------------------------------------


def test_an_hour_of_market_changes_is_told_once_per_changed_pair(box, channel):
    start = market.bucket_of(box.now())
    offers = own_offers(box)
    assert len(offers) == 12 * len(BY_MARKETPLACE)
    # The first coming hour where some pairs change and some do not.
    target = None
    for bucket in range(start + 1, start + 25):
        changed, unchanged = changed_pairs(box, offers, bucket)
        if changed and unchanged:
            target = bucket
            break
    assert target, "market.py should leave some pair unchanged within a day"
    box.advance_clock((target - 1) * HOUR - epoch(box.now()))
    channel.subscribe()
    assert epoch(box.advance_clock(HOUR)) == target * HOUR
    # FBA units may have moved with the clock: the truth is taken now.
    offers = own_offers(box)
    changed, unchanged = changed_pairs(box, offers, target)
    assert changed and unchanged

    bodies = channel.drain(lambda found: len(found) >= len(changed))
    told = Counter(pair(body) for body in bodies)
    # Catches: changed pairs not told, unchanged ones told, or a pair twice.
    assert set(told) == changed
    assert set(told.values()) == {1}
    assert not set(told) & unchanged

    validator = Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    for body in bodies:
        assert [e.message for e in validator.iter_errors(body)] == []
        assert connector.schema_errors(body, KIND) == []
        note = connector.parse(json.dumps(body), "sqs-message-id")
        key = pair(body)
        assert (note.type, note.seller_id) == (KIND, SELLER)
        assert (note.asin, note.marketplace_ids) == (key[0], (key[1],))
        change = body["Payload"]["AnyOfferChangedNotification"]
        trigger = change["OfferChangeTrigger"]
        assert trigger["TimeOfOfferChange"] == hour_stamp(target)
        assert trigger["OfferChangeType"] == "External"
        assert body["EventTime"] == hour_stamp(target)

        snap = snap_at(box, key, offers[key], target)
        best = market.featured(snap.offers, snap.threshold)
        shown = change["Offers"]
        assert shown and all(
            o["SubCondition"] in ("New",) + market.SUB_CONDITIONS for o in shown
        )
        winners = [o for o in shown if o["IsBuyBoxWinner"]]
        money = market.currency(key[1])
        if best is not None and best["condition"] == trigger["ItemCondition"]:
            # Catches: the Buy Box winner not the market's featured offer.
            assert [w["SellerId"] for w in winners] == [best["sellerId"]]
            assert winners[0]["ListingPrice"] == {
                "Amount": market.amount_json(best["listingPrice"], key[1]),
                "CurrencyCode": money,
            }
            (buy_box,) = change["Summary"]["BuyBoxPrices"]
            landed = market.amount_json(market.landed(best), key[1])
            assert buy_box["LandedPrice"]["Amount"] == landed
        else:
            assert winners == []
        ours = offers[key]
        if market.available(ours) and ours["condition"] == trigger["ItemCondition"]:
            # Catches: our own offer missing from the offers told.
            (mine,) = [o for o in shown if o["SellerId"] == SELLER]
            assert mine["IsFulfilledByAmazon"] == (ours["fulfillmentType"] == "AFN")
            assert mine["IsBuyBoxWinner"] == (best is ours)
        counts = {
            (row["Condition"], row["FulfillmentChannel"]): row["OfferCount"]
            for row in change["Summary"]["NumberOfOffers"]
        }
        assert sum(counts.values()) == len(snap.offers)
        threshold = change["Summary"]["CompetitivePriceThreshold"]
        assert threshold["Amount"] == market.amount_json(snap.threshold, key[1])
    records = [
        r
        for r in box.notifications(notification_type=KIND)
        if r["subscriptionId"] == channel.subscription
    ]
    assert len(records) == len(changed)
    assert all(r["delivered"] and not r.get("invalid") for r in records)
    assert box.stats()["notifications"]["invalid"] == 0


def test_no_notification_within_the_hour_then_one_past_it(box, channel):
    now = epoch(box.now())
    box.advance_clock(HOUR - now % HOUR + 10 * 60)  # hh:10
    channel.subscribe()
    box.advance_clock(40 * 60)  # hh:50, the same hour
    # Catches: notifications without an hour boundary, or of what already was.
    assert channel.drain(timeout=1.5, quiet=1.5) == []
    box.advance_clock(20 * 60)  # next hour, hh:10
    bodies = channel.drain(lambda found: len(found) > 0)
    # The same drain sees them once the hour is passed.
    assert bodies
    assert len({pair(b) for b in bodies}) == len(bodies)


def test_a_multi_day_jump_tells_each_pair_at_most_once(box, channel):
    channel.subscribe()
    pairs = len(own_offers(box))
    now = box.advance_clock(3 * 86400 + 30 * 60)
    latest = market.bucket_of(now)
    bodies = channel.drain(lambda found: len(found) > 0, quiet=2.0)
    told = Counter(pair(body) for body in bodies)
    # Catches: one notification per hour passed (72 x 72 here) instead of one.
    assert bodies and max(told.values()) == 1 and len(bodies) <= pairs
    times = {
        b["Payload"]["AnyOfferChangedNotification"]["OfferChangeTrigger"][
            "TimeOfOfferChange"
        ]
        for b in bodies
    }
    assert times == {hour_stamp(latest)}  # the latest hour only


# -- in process: loss, duplicates, the marketplace filter --------------------------


def test_loss_duplicates_and_marketplace_filter_apply_to_offer_changes():
    require_models()
    from tests.sandbox.state import State

    state = State(
        options_from(
            [
                "--orders",
                "20",
                "--seed",
                "4",
                "--clock-rate",
                "0",
                "--notification-loss",
                "0.3",
                "--notification-duplicates",
                "0.3",
            ]
        )
    )
    notes = state.notifications
    notes.destinations["d"] = {"resource": {"sqs": {"arn": "arn:aws:sqs:x:1:q"}}}
    every = notes.subscribe(SELLER, KIND, "1.0", "d", None)
    directive = {"eventFilter": {"eventFilterType": KIND, "marketplaceIds": [US]}}
    only_us = notes.subscribe(SELLER, KIND, "1.0", "d", directive)
    notes.scan()
    assert notes.records == []  # nothing before the next hour
    state.clock.advance(HOUR)
    notes.wake()
    notes.scan()
    bucket = market.bucket_of(state.clock.now())
    records = [
        r for r in notes.records if r["subscriptionId"] == every["subscriptionId"]
    ]
    filtered = [
        r for r in notes.records if r["subscriptionId"] == only_us["subscriptionId"]
    ]
    assert records and not [r for r in records if r.get("invalid")]
    # Catches: the eventFilter's marketplaceIds ignored.
    assert filtered and {m for r in filtered for m in r["marketplaceIds"]} == {US}
    assert len(filtered) == len([r for r in records if r["marketplaceIds"] == [US]])
    for record in records:
        key = (SELLER, record["asin"], record["marketplaceIds"][0], bucket)
        assert record["lost"] == (publisher.fraction(4, "loss", *key) < 0.3)
        assert record["duplicate"] == (publisher.fraction(4, "dup", *key) < 0.3)
    lost = [r for r in records if r["lost"]]
    doubled = [r for r in records if r["duplicate"] and not r["lost"]]
    assert lost and doubled and len(lost) < len(records)
    queued = Counter(entry[2]["notificationId"] for entry in notes._outbox)
    # Catches: a lost one queued, or a duplicate queued once.
    assert not [r for r in lost if r["notificationId"] in queued]
    for record in doubled:
        assert queued[record["notificationId"]] == 2
