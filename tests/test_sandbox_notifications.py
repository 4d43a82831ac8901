"""Notifications API v1 in the sandbox and what it publishes to a real SQS
server (moto, ``tests/sandbox/sqs.py``): grantless and seller tokens,
destinations and subscriptions with Amazon's refusals, ORDER_CHANGE and
FBA_INVENTORY_AVAILABILITY_CHANGES bodies that pass Amazon's schemas, and the
adversarial options (loss, duplicates, delay).

The sandboxes here run a frozen clock (``clock_rate=0``): only
``advance_clock`` moves it, so each test knows which events it passes."""

import calendar
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid

import httpx
import pytest
from jsonschema import Draft7Validator
from sandbox_fixtures import NOTIFICATIONS_SCOPE, SpClient, require_models

from tests.sandbox import notifications as publisher
from tests.sandbox.cli import options_from
from tests.sandbox.fixture import running_sandbox
from tests.sandbox.models import DEFAULT_MODELS_DIR, ROOT
from tests.sandbox.sqs import running_sqs

DESTINATIONS = "/notifications/v1/destinations"
ORDER_CHANGE_DIRECTIVE = {
    "eventFilter": {
        "eventFilterType": "ORDER_CHANGE",
        "orderChangeTypes": ["OrderStatusChange", "BuyerRequestedChange"],
    }
}
SUBSCRIPTIONS = "/notifications/v1/subscriptions"
SELLER = "A1SANDBOXSELLER"
SCHEMAS = DEFAULT_MODELS_DIR / "schemas" / "notifications"


@pytest.fixture(scope="module")
def sqs():
    with running_sqs() as server:
        yield server


@pytest.fixture(scope="module")
def box(sqs):
    require_models()
    with running_sandbox(
        orders=80,
        seed=7,
        new_orders=0.3,
        sellers=2,
        clock_rate=0,
        rate_scale=1000,
        sqs=sqs,
    ) as instance:
        yield instance


@pytest.fixture(scope="module")
def seller(box):
    client = SpClient(box)
    yield client
    client.close()


@pytest.fixture(scope="module")
def grantless(box):
    client = SpClient(box, scope=NOTIFICATIONS_SCOPE)
    yield client
    client.close()


class Channel:
    """A fresh queue, its destination, and the subscriptions a test makes;
    all deleted afterwards so tests do not hear each other."""

    def __init__(self, sqs, seller, grantless):
        self.sqs, self.seller, self.grantless = sqs, seller, grantless
        self.url, self.arn = sqs.create_queue(f"t-{uuid.uuid4().hex[:12]}")
        reply = grantless.call(
            "POST",
            DESTINATIONS,
            json={"name": "test", "resourceSpecification": {"sqs": {"arn": self.arn}}},
        )
        assert reply.status_code == 200, reply.text
        self.destination = reply.json()["payload"]["destinationId"]
        self.subscriptions = []

    def subscribe(self, kind="ORDER_CHANGE", version="1.0", client=None, **extra):
        body = {"payloadVersion": version, "destinationId": self.destination, **extra}
        if kind == "ORDER_CHANGE":
            body.setdefault("processingDirective", ORDER_CHANGE_DIRECTIVE)
        reply = (client or self.seller).call(
            "POST", f"{SUBSCRIPTIONS}/{kind}", json=body
        )
        if reply.status_code == 200:
            self.subscriptions.append((kind, reply.json()["payload"]["subscriptionId"]))
        return reply

    def messages(self, until, timeout=3.0):
        """Bodies received (and deleted) until ``until(bodies)`` or timeout."""
        bodies, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.sqs.receive(self.url, wait=0):
                bodies.append(json.loads(message["Body"]))
            if until(bodies):
                break
            time.sleep(0.1)
        return bodies

    def close(self):
        for kind, subscription in self.subscriptions:
            self.grantless.call("DELETE", f"{SUBSCRIPTIONS}/{kind}/{subscription}")
        self.grantless.call("DELETE", f"{DESTINATIONS}/{self.destination}")


@pytest.fixture
def channel(sqs, seller, grantless):
    made = Channel(sqs, seller, grantless)
    yield made
    made.close()


def validator(name):
    return Draft7Validator(json.loads((SCHEMAS / name).read_text(encoding="utf-8")))


def schema_problems(body):
    name = publisher.SCHEMAS[body["NotificationType"]]
    return [e.message for e in validator(name).iter_errors(body)]


def status_at(order, stamp):
    seen = [e for e in order["events"] if e["time"] <= stamp]
    return seen[-1]["status"] if seen else None


def next_event(box, orders, accept):
    """(order, event) of the earliest event after now that ``accept`` takes."""
    now = box.now()
    found = [
        (event["time"], order["orderId"], order, event)
        for order in orders
        for event in order["events"]
        if event["time"] > now and accept(order, event, now)
    ]
    assert found, "the dataset should hold such an event"
    _, _, order, event = min(found, key=lambda row: row[:2])
    return order, event


def advance_past(box, event_time):
    """Move the frozen clock one second past ``event_time``."""
    now = calendar.timegm(time.strptime(box.now(), "%Y-%m-%dT%H:%M:%SZ"))
    then = calendar.timegm(time.strptime(event_time, "%Y-%m-%dT%H:%M:%SZ"))
    return box.advance_clock(then - now + 1)


def errors(reply):
    return reply.json()["errors"][0]


# -- tokens ---------------------------------------------------------------------


def test_grantless_operations_take_only_a_grantless_token(box, seller, grantless):
    # Catches: the sandbox letting a seller's token manage destinations (the
    # consumer would pass here and get 403 from Amazon), or a grantless token
    # reading a seller's subscriptions and orders.
    sub = f"{SUBSCRIPTIONS}/ORDER_CHANGE/{uuid.uuid4()}"
    for method, path in (
        ("GET", DESTINATIONS),
        ("POST", DESTINATIONS),
        ("GET", f"{DESTINATIONS}/x"),
        ("DELETE", f"{DESTINATIONS}/x"),
        ("GET", sub),
        ("DELETE", sub),
    ):
        reply = seller.call(method, path, json={} if method == "POST" else None)
        assert reply.status_code == 403, (method, path, reply.text)
        assert errors(reply)["code"] == "Unauthorized"
    for method, path in (
        ("GET", f"{SUBSCRIPTIONS}/ORDER_CHANGE"),
        ("POST", f"{SUBSCRIPTIONS}/ORDER_CHANGE"),
        ("GET", SUBSCRIPTIONS + "?notificationTypes=ORDER_CHANGE"),
        ("GET", "/orders/2026-01-01/orders?createdAfter=2026-01-01T00:00:00Z"),
    ):
        reply = grantless.call(method, path, json={} if method == "POST" else None)
        assert reply.status_code == 403, (method, path, reply.text)
    # A grantless token of another scope (secret rotation) is no key here.
    rotation = SpClient(box, scope="sellingpartnerapi::client_credential:rotation")
    assert rotation.call("GET", DESTINATIONS).status_code == 403
    rotation.close()
    with pytest.raises(httpx.HTTPStatusError, match="400"):
        SpClient(box, scope="sellingpartnerapi::everything")  # LWA: invalid_scope


# -- destinations ---------------------------------------------------------------


def test_destinations_are_the_applications_one_per_queue(box, sqs, grantless):
    _url, arn = sqs.create_queue(f"d-{uuid.uuid4().hex[:12]}")
    spec = {"sqs": {"arn": arn}}
    made = grantless.call(
        "POST", DESTINATIONS, json={"name": "orders", "resourceSpecification": spec}
    )
    assert made.status_code == 200, made.text
    destination = made.json()["payload"]
    assert destination["resource"] == spec and destination["name"] == "orders"
    listed = grantless.call("GET", DESTINATIONS).json()["payload"]
    assert destination in listed
    path = f"{DESTINATIONS}/{destination['destinationId']}"
    assert grantless.call("GET", path).json()["payload"] == destination
    # Catches: a second destination for one queue (Amazon: 409 Conflict).
    again = grantless.call(
        "POST", DESTINATIONS, json={"name": "again", "resourceSpecification": spec}
    )
    assert again.status_code == 409
    assert errors(again)["code"] == "Conflict"
    assert arn in errors(again)["details"]
    assert box.credentials["application_id"] in errors(again)["details"]
    # Catches: sqs and eventBridge in one destination (Amazon: 400).
    both = {**spec, "eventBridge": {"region": "us-east-1", "accountId": "1"}}
    mixed = grantless.call(
        "POST", DESTINATIONS, json={"name": "x", "resourceSpecification": both}
    )
    assert mixed.status_code == 400
    assert "multiple resource types" in errors(mixed)["details"]
    # Catches: a consumer creating the destination before its queue exists.
    missing = sqs.queue_arn(f"missing-{uuid.uuid4().hex[:8]}")
    nowhere = grantless.call(
        "POST",
        DESTINATIONS,
        json={"name": "x", "resourceSpecification": {"sqs": {"arn": missing}}},
    )
    assert nowhere.status_code == 400, nowhere.text
    assert grantless.call("DELETE", path).status_code == 200
    assert grantless.call("GET", path).status_code == 404
    assert grantless.call("DELETE", path).status_code == 404


def test_a_destination_in_use_cannot_be_deleted(channel, grantless):
    assert channel.subscribe().status_code == 200
    path = f"{DESTINATIONS}/{channel.destination}"
    refused = grantless.call("DELETE", path)
    # Catches: deleting a destination under live subscriptions (Amazon: 403
    # Unauthorized "Destination has subscriptions").
    assert refused.status_code == 403
    assert errors(refused)["details"] == "Destination has subscriptions"
    kind, subscription = channel.subscriptions.pop()
    deleted = grantless.call("DELETE", f"{SUBSCRIPTIONS}/{kind}/{subscription}")
    assert deleted.status_code == 200
    assert grantless.call("DELETE", path).status_code == 200
    channel.destination = "gone"


# -- subscriptions ----------------------------------------------------------------


def test_subscriptions_belong_to_the_seller_and_type(box, channel, seller, grantless):
    made = channel.subscribe()
    assert made.status_code == 200, made.text
    subscription = made.json()["payload"]
    assert subscription["payloadVersion"] == "1.0"
    assert subscription["destinationId"] == channel.destination
    # Catches: a second subscription for one type (Amazon: 409 StateConflict).
    again = channel.subscribe()
    assert again.status_code == 409
    assert errors(again)["code"] == "StateConflict"
    got = seller.call("GET", f"{SUBSCRIPTIONS}/ORDER_CHANGE")
    assert got.json()["payload"] == subscription
    listed = seller.call(
        "GET", SUBSCRIPTIONS, params={"notificationTypes": "ORDER_CHANGE"}
    )
    assert listed.json()["payload"]["subscriptions"] == [subscription]
    # Catches: a type without a subscription answered 200 (Amazon: 404).
    none = seller.call("GET", f"{SUBSCRIPTIONS}/FBA_INVENTORY_AVAILABILITY_CHANGES")
    assert none.status_code == 404
    by_id = f"{SUBSCRIPTIONS}/ORDER_CHANGE/{subscription['subscriptionId']}"
    assert grantless.call("GET", by_id).json()["payload"] == subscription
    wrong_type = by_id.replace("ORDER_CHANGE", "ANY_OFFER_CHANGED")
    assert grantless.call("GET", wrong_type).status_code == 404
    # Catches: another seller seeing (or colliding with) this one's.
    other = SpClient(box, refresh_token=box.credentials["refresh_token"] + "-2")
    assert other.call("GET", f"{SUBSCRIPTIONS}/ORDER_CHANGE").status_code == 404
    theirs = channel.subscribe(client=other)
    assert theirs.status_code == 200, theirs.text
    other.close()
    assert grantless.call("DELETE", by_id).status_code == 200
    channel.subscriptions.remove(("ORDER_CHANGE", subscription["subscriptionId"]))
    assert seller.call("GET", f"{SUBSCRIPTIONS}/ORDER_CHANGE").status_code == 404
    assert grantless.call("DELETE", by_id).status_code == 404


def test_subscription_requests_amazon_refuses(channel):
    # Catches: an unknown destination, payload version or type accepted.
    unknown = channel.seller.call(
        "POST",
        f"{SUBSCRIPTIONS}/ORDER_CHANGE",
        json={
            "payloadVersion": "1.0",
            "destinationId": str(uuid.uuid4()),
            "processingDirective": ORDER_CHANGE_DIRECTIVE,
        },
    )
    assert unknown.status_code == 400
    assert errors(unknown)["details"].startswith("No destination with id")
    # ORDER_CHANGE without a processing directive: refused, as sellers
    # report Amazon does (the connector sends Amazon's tutorial filter).
    bare = channel.seller.call(
        "POST",
        f"{SUBSCRIPTIONS}/ORDER_CHANGE",
        json={"payloadVersion": "1.0", "destinationId": channel.destination},
    )
    assert bare.status_code == 400
    assert "Processing Directive is required" in errors(bare)["details"]
    assert channel.subscribe(version="2.0").status_code == 400
    assert channel.subscribe("NO_SUCH_TYPE").status_code == 400
    # LISTINGS_ITEM_ISSUES_CHANGE 1.0 was withdrawn in 2024: only 2023-12-13.
    assert channel.subscribe("LISTINGS_ITEM_ISSUES_CHANGE").status_code == 400
    assert (
        channel.subscribe("LISTINGS_ITEM_ISSUES_CHANGE", "2023-12-13").status_code
        == 200
    )
    empty = {"eventFilter": {"eventFilterType": "ORDER_CHANGE"}}
    refused = channel.subscribe(processingDirective=empty)
    assert refused.status_code == 400
    assert "must not be empty" in errors(refused)["details"]


# -- what is published ------------------------------------------------------------


def test_a_clock_driven_status_change_arrives_as_a_valid_order_change(box, channel):
    assert channel.subscribe().status_code == 200
    # Catches: orders already in their state at subscription time notified.
    time.sleep(0.6)
    assert channel.sqs.approximate_count(channel.url) == 0
    before = box.now()
    order, event = next_event(
        box,
        box.dataset()["orders"],
        lambda o, e, now: o["channel"] == "AMAZON" and o["createdTime"] <= now,
    )
    after = advance_past(box, event["time"])
    started = time.monotonic()

    def mine(bodies):
        return [
            b
            for b in bodies
            if b["Payload"]["OrderChangeNotification"]["AmazonOrderId"]
            == order["orderId"]
        ]

    bodies = channel.messages(lambda found: mine(found), timeout=3)
    # Catches: no notification, or one much later than the change.
    assert mine(bodies), "no ORDER_CHANGE for the order"
    assert time.monotonic() - started < 2.5
    body = mine(bodies)[-1]
    assert schema_problems(body) == []
    change = body["Payload"]["OrderChangeNotification"]
    summary = change["Summary"]
    assert change["SellerId"] == SELLER
    assert change["NotificationLevel"] == "OrderLevel"
    assert summary["OrderStatus"] == publisher.ORDER_STATUS[event["status"]]
    assert body["EventTime"].startswith(event["time"][:-1])
    assert summary["MarketplaceId"] == order["marketplaceId"]
    assert summary["FulfillmentType"] == (
        "AFN" if order["fulfilledBy"] == "AMAZON" else "MFN"
    )
    # Amazon sends the postal code; the consumer must not keep it.
    assert summary["DestinationPostalCode"] == order["recipient"]["postalCode"]
    assert sorted(i["SellerSKU"] for i in summary["OrderItems"]) == sorted(
        line["sku"] for line in order["items"]
    )
    meta = body["NotificationMetadata"]
    assert meta["ApplicationId"] == box.credentials["application_id"]
    assert meta["SubscriptionId"] == channel.subscriptions[0][1]
    # Only changes after the subscription, up to the clock.
    for other in bodies:
        assert before[:-1] < other["EventTime"][:19] <= after[:-1]
    record = box.notifications(order_id=order["orderId"])[-1]
    assert record["notificationId"] == meta["NotificationId"]
    assert record["delivered"] and not record["lost"] and not record["duplicate"]
    assert 0 <= record["sentAt"][0] - record["detectedAt"] < 1


def test_confirm_shipment_produces_an_order_change(box, channel, seller):
    now = box.now()
    order = next(
        o
        for o in box.dataset()["orders"]
        if o["fulfilledBy"] == "MERCHANT"
        and o["channel"] == "AMAZON"
        and status_at(o, now) == "UNSHIPPED"
    )
    assert channel.subscribe().status_code == 200
    body = {
        "marketplaceId": order["marketplaceId"],
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": "UPS",
            "trackingNumber": "1ZNOTIFY",
            "shipDate": now,
            "orderItems": [
                {"orderItemId": line["orderItemId"], "quantity": line["quantity"]}
                for line in order["items"]
            ],
        },
    }
    path = f"/orders/v0/orders/{order['orderId']}/shipmentConfirmation"
    confirmed = seller.call("POST", path, json=body)
    assert confirmed.status_code == 204, confirmed.text

    def shipped(bodies):
        return [
            b
            for b in bodies
            if b["Payload"]["OrderChangeNotification"]["AmazonOrderId"]
            == order["orderId"]
            and b["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"]
            == "Shipped"
        ]

    # Catches: the seller's own action (no clock move) never notified.
    found = shipped(channel.messages(shipped, timeout=3))
    assert len(found) == 1
    summary = found[0]["Payload"]["OrderChangeNotification"]["Summary"]
    units = sum(line["quantity"] for line in order["items"])
    assert summary["NumberOfItemsShipped"] == units
    assert summary["NumberOfItemsUnshipped"] == 0
    assert all(i["OrderItemStatus"] == "Shipped" for i in summary["OrderItems"])
    assert schema_problems(found[0]) == []


def test_fba_units_shipping_out_are_notified(box, channel):
    assert channel.subscribe("FBA_INVENTORY_AVAILABILITY_CHANGES").status_code == 200
    order, event = next_event(
        box,
        box.dataset()["orders"],
        lambda o, e, now: o["fulfilledBy"] == "AMAZON" and e["status"] == "SHIPPED",
    )
    advance_past(box, event["time"])
    skus = {line["sku"] for line in order["items"]}
    market = order["marketplaceId"]

    def about(bodies):
        return [
            b
            for b in bodies
            if b["Payload"]["SKU"] in skus
            and market
            in [
                m["MarketplaceId"]
                for m in b["Payload"]["FulfillmentInventoryByMarketplace"]
            ]
        ]

    found = about(channel.messages(about, timeout=3))
    # Catches: FBA stock leaving the shelf with no notification.
    assert found, "no FBA_INVENTORY_AVAILABILITY_CHANGES for the order's SKUs"
    body = found[-1]
    assert schema_problems(body) == []
    assert body["Payload"]["SellerId"] == SELLER
    pool = {row["sellerSku"]: row for row in box.fba_inventory(market)}
    sku = body["Payload"]["SKU"]
    inventory = body["Payload"]["FulfillmentInventoryByMarketplace"][0]
    quantities = inventory["FulfillmentInventory"]
    assert quantities["Fulfillable"] == pool[sku]["fulfillable"]
    reserved = quantities["ReservedQuantityBreakdown"]["PendingCustomerOrder"]
    # The shipped order's units left reserved (the pool's open orders).
    assert reserved == pool[sku]["pending"]


def test_nothing_is_sent_without_a_subscription(box, channel, grantless):
    made = channel.subscribe()
    assert made.status_code == 200
    kind, subscription = channel.subscriptions.pop()
    assert (
        grantless.call("DELETE", f"{SUBSCRIPTIONS}/{kind}/{subscription}").status_code
        == 200
    )
    box.advance_clock(6 * 3600)  # orders change status meanwhile
    time.sleep(1.0)
    # Catches: a deleted subscription (or none) still publishing.
    assert channel.sqs.approximate_count(channel.url) == 0
    assert not [r for r in box.notifications() if r["subscriptionId"] == subscription]


# -- adversarial options ------------------------------------------------------------


@pytest.fixture(scope="module")
def adversarial(sqs):
    require_models()
    with running_sandbox(
        orders=80,
        seed=5,
        new_orders=0.6,
        clock_rate=0,
        rate_scale=1000,
        notification_loss=0.5,
        notification_duplicates=0.3,
        notification_delay=0.3,
        sqs=sqs,
    ) as instance:
        yield instance


def test_loss_duplicates_and_delay_are_what_the_options_say(adversarial, sqs):
    seller = SpClient(adversarial)
    grantless = SpClient(adversarial, scope=NOTIFICATIONS_SCOPE)
    channel = Channel(sqs, seller, grantless)
    try:
        assert channel.subscribe().status_code == 200
        adversarial.advance_clock(2 * 86400)  # most of the new orders appear
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            records = adversarial.notifications()
            pending = [
                r
                for r in records
                if not r["lost"] and len(r["sentAt"]) < 1 + r["duplicate"]
            ]
            if records and not pending:
                break
            time.sleep(0.2)
        expected = sum(1 + r["duplicate"] for r in records if not r["lost"])
        bodies = channel.messages(lambda found: len(found) >= expected, timeout=5)
    finally:
        channel.close()
        seller.close()
        grantless.close()
    received = {}
    for body in bodies:
        key = body["NotificationMetadata"]["NotificationId"]
        received[key] = received.get(key, 0) + 1
    new = [r for r in records if r["newOrder"]]
    lost = [r for r in new if r["lost"]]
    # Catches: --notification-loss ignored, or dropping everything.
    assert 0 < len(lost) < len(new), (len(lost), len(new))
    # Only brand-new orders' first notifications are lost, as the seed says.
    assert all(r["newOrder"] for r in records if r["lost"])
    for record in new:
        drawn = publisher.fraction(5, "loss", record["seller"], record["amazonOrderId"])
        assert record["lost"] == (drawn < 0.5)
    # Catches: a lost notification sent anyway.
    assert not [r for r in lost if r["notificationId"] in received]
    duplicated = [r for r in records if r["duplicate"] and not r["lost"]]
    # Catches: --notification-duplicates sending one copy, or new ids.
    assert duplicated
    for record in records:
        if record["lost"]:
            continue
        assert received.get(record["notificationId"]) == 1 + record["duplicate"]
    # Catches: --notification-delay not holding notifications back.
    for record in records:
        if record["sentAt"]:
            assert record["sentAt"][0] - record["detectedAt"] >= 0.29
    for record in duplicated:  # the copy comes DUPLICATE_GAP later
        assert record["sentAt"][1] - record["detectedAt"] >= 0.3 + 0.5 - 0.01
    stats = adversarial.stats()["notifications"]
    assert stats["lost"] == len(lost) and stats["invalid"] == 0


# -- pieces ------------------------------------------------------------------------


def test_a_body_that_breaks_its_schema_is_counted_and_not_sent():
    require_models()
    from tests.sandbox.state import State

    state = State(
        options_from(["--orders", "20", "--seed", "3", "--new-orders", "0.5"])
    )
    notes = state.notifications
    # Catches: schemas not loaded, so nothing would ever be checked.
    assert set(notes.validators) == set(publisher.SCHEMAS)
    notes.destinations["d"] = {"resource": {"sqs": {"arn": "arn:aws:sqs:x:1:q"}}}
    subscription = notes.subscribe(SELLER, "ORDER_CHANGE", "1.0", "d", None)
    order = state.stores.order_list[0]
    record, body = notes._order_change(
        subscription, order, order["events"][0], new_order=False
    )
    assert notes.problems(body) == []
    del body["Payload"]["OrderChangeNotification"]["Summary"]["OrderItems"]
    notes._publish(record, body)
    # Catches: a malformed notification sent to the consumer.
    assert record["invalid"] and not notes._outbox
    snapshot = state.stats.snapshot()
    assert snapshot["notifications"]["invalid"] == 1
    assert snapshot["invalidNotifications"][0]["notificationType"] == "ORDER_CHANGE"


def test_running_sqs_helpers(sqs):
    url, arn = sqs.create_queue(f"h-{uuid.uuid4().hex[:8]}", visibility_timeout=7)
    assert arn == sqs.queue_arn(url.rsplit("/", 1)[1])
    attrs = sqs.client().get_queue_attributes(
        QueueUrl=url, AttributeNames=["VisibilityTimeout"]
    )["Attributes"]
    assert attrs["VisibilityTimeout"] == "7"
    sqs.send_raw(url, "not json {")
    sqs.send_raw(url, "[]")
    assert sqs.approximate_count(url) == 2
    taken = sqs.receive(url, wait=0, max_messages=1, delete=False)
    assert [m["Body"] for m in taken] in (["not json {"], ["[]"])
    # Catches: in-flight (received, not deleted) messages left out of the count.
    assert sqs.approximate_count(url) == 2


def test_sqs_command_line_prints_ready_and_stops_on_sigterm():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.sandbox.sqs"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("READY http://127.0.0.1:"), line
        endpoint = line.split()[1]
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(endpoint + "/moto-api/", timeout=5) as reply:
            assert reply.status == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        # Catches: the moto child left running after the parent stopped.
        with pytest.raises(OSError):
            opener.open(endpoint + "/moto-api/", timeout=2)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
