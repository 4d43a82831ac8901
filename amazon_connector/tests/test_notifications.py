"""Amazon's notifications through a real SQS server (moto) fed by the
sandbox (issue 22): subscriptions set up at the sandbox, an order change
reaching Odoo without a search call, duplicates ignored, a poison message
parked, a message deleted only after its effect is committed, the order
search as the safety net, and the buyer's postal code kept nowhere.

The truth each test compares with is the sandbox's: its dataset (an order's
status as the clock passes its events), its own record of what it published
and its call counters."""

import json
import time
import uuid
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.amazon_pii.tests.common import new_test_user

from ..models.accounts import amazon_work_item
from ..models.notifications import amazon_notification_consumer as consumer_module
from .common import SandboxCase, amazon_time


class Killed(BaseException):
    """Odoo stopped (a worker killed) right after the effect's commit."""


class NotificationCase(SandboxCase):
    """The NA account listening on a local queue (moto), and helpers."""

    # Orders placed after the start: the sandbox's clock places and ships
    # them as it moves (the orders before it have all their events behind).
    sandbox_options = {"orders": 60, "seed": 21, "new_orders": 0.5}
    with_sqs = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.queue_url, cls.queue_arn = cls.sqs.create_queue("amazon-notifications")
        cls.account.write({"notification_queue_url": cls.queue_url})
        cls.env["amazon.pii.vault"].store_secrets(
            cls.account,
            {
                "sqs_access_key_id": cls.sqs.access_key_id,
                "sqs_secret_access_key": cls.sqs.secret_access_key,
            },
        )
        # Odoo has the seller's orders (the first sync), then listens.
        cls.sync_account = cls.account
        cls.env["amazon.order.sync"].run(cls.account)
        cls.account.action_notifications_setup()

    def setUp(self):
        super().setUp()
        # What an earlier test left (its database rolled back, the sandbox
        # and the queue did not) must not reach this one.
        self.sqs.purge(self.queue_url)
        # Messages an earlier test left in flight (a failing notification's
        # message waits for its retry, invisible): not this test's.
        self.in_flight = self.sqs.approximate_count(self.queue_url)

    # -- helpers -------------------------------------------------------------------
    def assert_queue_empty(self):
        """Nothing of this test's left in the queue: each message deleted."""
        left = self.sqs.approximate_count(self.queue_url) - self.in_flight
        if left:
            kinds = [
                json.loads(m["Body"]).get("NotificationType", "?")
                for m in self.sqs.receive(self.queue_url, wait=2, delete=False)
            ]
            self.fail(f"{left} message(s) left in the queue: {kinds}")

    def consume(self, budget=2, wait=1):
        self.env.flush_all()
        counts = self.env["amazon.notification.consumer"]._cron_consume(
            budget=budget, wait=wait
        )
        self.env.invalidate_all()
        return counts

    def calls(self, operation):
        ops = self.sandbox.stats()["operations"]
        return ops.get(operation, {}).get("calls", 0)

    def wait_for_messages(self, count=1, seconds=5):
        """Until the queue holds ``count`` messages (the sandbox publishes
        within a second of a change)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.sqs.approximate_count(self.queue_url) >= count:
                return
            time.sleep(0.1)
        self.fail(f"fewer than {count} message(s) in the queue after {seconds}s")

    def next_change(self):
        """The earliest status event the clock has not reached among the
        account's marketplaces' orders: ``(order, event)`` (a placement, for
        an order the sandbox places later, or a change of a known one)."""
        now = self.sandbox.now()
        markets = set(self.account.marketplace_ids.mapped("amazon_id"))
        later = [
            (event["time"], order["orderId"], order, event)
            for order in self.data["orders"]
            # Multi-channel orders are not the seller's Amazon orders: Amazon
            # sends no ORDER_CHANGE for them.
            if order["marketplaceId"] in markets and order["channel"] == "AMAZON"
            for event in order["events"]
            if event["time"] > now
        ]
        if not later:
            self.fail("no order of the dataset changes later")
        _time, _id, order, event = min(later, key=lambda row: row[:2])
        return order, event

    def advance_past(self, event):
        moment = amazon_time(event["time"]) - amazon_time(self.sandbox.now())
        self.sandbox.advance_clock(int(moment.total_seconds()) + 60)

    def sale_order(self, amazon_id):
        return self.env["sale.order"].search([("amazon_order_id", "=", amazon_id)])

    def published(self, order):
        """The body of the sandbox's last ORDER_CHANGE for ``order`` (the
        sandbox's own record of what it sent to the queue)."""
        sent = self.sandbox.notifications(
            notification_type="ORDER_CHANGE", order_id=order["orderId"]
        )
        self.assertTrue(sent, f"no ORDER_CHANGE published for {order['orderId']}")
        body = sent[-1]["body"]
        return body if isinstance(body, str) else json.dumps(body)


@tagged("post_install", "-at_install")
class TestNotifications(NotificationCase):
    # The market's hourly ANY_OFFER_CHANGED (some 60 an hour) would crowd the
    # queue these tests count: TestOfferNotifications has them.
    sandbox_options = {**NotificationCase.sandbox_options, "quiet_market": True}

    # -- 1. set-up --------------------------------------------------------------------
    def test_setup_subscribes_each_type_to_the_queue_at_amazon(self):
        rows = self.account.notification_subscription_ids
        self.assertEqual(len(rows), 6)
        self.assertEqual(set(rows.mapped("state")), {"active"})
        # Amazon's (the sandbox's) own answer, read without the connector.
        status, reply = self.sandbox.raw_sp_api(
            "GET", "/notifications/v1/subscriptions/ORDER_CHANGE?payloadVersion=1.0"
        )
        self.assertEqual(status, 200)
        self.assertEqual(
            reply["payload"]["destinationId"], self.account.notification_destination_id
        )
        with self.account._client() as client:
            destinations = client.get_destinations()["payload"]
        self.assertEqual(
            [d["resource"]["sqs"]["arn"] for d in destinations], [self.queue_arn]
        )
        # Set up again: nothing doubled (the destination is reused).
        self.account.action_notifications_setup()
        with self.account._client() as client:
            self.assertEqual(len(client.get_destinations()["payload"]), 1)
        self.assertEqual(len(self.account.notification_subscription_ids), 6)
        # A queue these keys cannot read: said before Amazon is told to use
        # it (bug caught: botocore's error as a traceback, or a destination
        # created for a queue nobody reads).
        self.account.notification_queue_url = self.queue_url + "-missing"
        with self.account._client() as client:
            before = client.get_destinations()["payload"]
        with self.assertRaisesRegex(UserError, "cannot be read with its AWS keys"):
            self.account.action_notifications_setup()
        with self.account._client() as client:
            self.assertEqual(client.get_destinations()["payload"], before)

    # -- 2. an order change without a search -----------------------------------------
    def test_an_order_change_reaches_odoo_without_a_search_call(self):
        order, event = self.next_change()
        before = self.sale_order(order["orderId"])
        self.assertNotEqual(before.amazon_status or None, event["status"])
        searches = self.calls("searchOrders")
        self.advance_past(event)
        self.wait_for_messages()
        # The sandbox's ORDER_CHANGE carries the buyer's postal code (as
        # Amazon's does): the check at the end can see it when present.
        body = self.published(order)
        summary = json.loads(body)["Payload"]["OrderChangeNotification"]["Summary"]
        postal = summary["DestinationPostalCode"]
        self.assertIn(postal, body)
        counts = self.consume()
        self.assertGreaterEqual(counts["ORDER_CHANGE"], 1)
        # Bug caught: the change left to the next search (minutes later).
        self.assertEqual(
            self.sale_order(order["orderId"]).amazon_status, event["status"]
        )
        self.assertEqual(self.calls("searchOrders"), searches)
        row = self.env["amazon.notification"].search(
            [("order_id", "=", order["orderId"])]
        )
        self.assertEqual(len(row), 1)
        self.assertEqual((row.state, row.account_id), ("done", self.account))
        self.assert_queue_empty()
        # Nothing Odoo keeps of the notification holds the postal code.
        rows = self.env["amazon.notification"].search([])
        kept = json.dumps(rows.read(list(rows._fields)), default=str)
        self.assertNotIn(postal, kept)
        self.assertEqual(self.account.notifications_state, "healthy")

    # -- 3. duplicates -----------------------------------------------------------------
    def test_a_notification_delivered_twice_acts_once(self):
        order, event = self.next_change()
        self.advance_past(event)
        self.wait_for_messages()
        body = self.published(order)
        self.sqs.send_raw(self.queue_url, body)  # SQS's at-least-once delivery
        self.wait_for_messages(2)
        reads = self.calls("getOrder")
        counts = self.consume()
        self.assertEqual(counts["duplicates"], 1)
        note_id = json.loads(body)["NotificationMetadata"]["NotificationId"]
        row = self.env["amazon.notification"].search(
            [("notification_id", "=", note_id)]
        )
        self.assertEqual(len(row), 1)
        self.assertEqual(row.duplicates, 1)
        # Bug caught: the order fetched (and applied) once per delivery.
        self.assertEqual(self.calls("getOrder") - reads, 1)
        self.assert_queue_empty()

    # -- 4. poison -------------------------------------------------------------------
    def test_a_poison_message_is_parked_and_the_rest_goes_through(self):
        self.sqs.send_raw(self.queue_url, "{not json")
        self.sqs.send_raw(
            self.queue_url,
            json.dumps({"NotificationType": "ORDER_CHANGE", "Payload": {}}),
        )
        order, event = self.next_change()
        self.advance_past(event)
        self.wait_for_messages(3)
        counts = self.consume()
        self.assertEqual(counts["malformed"], 2)
        parked = self.env["amazon.notification"].search([("state", "=", "parked")])
        self.assertEqual(len(parked), 2)
        self.assertEqual(
            sorted(parked.mapped("reason")),
            sorted(
                [
                    "the message body is not JSON",
                    "Payload.OrderChangeNotification is missing",
                ]
            ),
        )
        self.assertEqual(
            self.sale_order(order["orderId"]).amazon_status, event["status"]
        )
        # Nothing retried forever: both poison messages left the queue.
        self.assert_queue_empty()

    # -- 5. deleted only after the commit ---------------------------------------------
    def test_a_crash_between_import_and_delete_imports_once(self):
        order, event = self.next_change()
        self.advance_past(event)
        self.wait_for_messages()
        consumer = type(self.env["amazon.notification.consumer"])
        original = consumer._settle

        def die_before_settle(self_, row_id, outcome, counts):
            if self_.env["amazon.notification"].browse(row_id).order_id:
                raise Killed  # the import committed, nothing else yet
            return original(self_, row_id, outcome, counts)

        # Not assertRaises: its savepoint would undo the units' commits.
        with (
            patch.object(consumer, "_settle", die_before_settle),
            patch.object(consumer_module, "RECEIVE_VISIBILITY", 1),
        ):
            killed = False
            try:
                self.consume()
            except Killed:
                killed = True
            self.assertTrue(killed, "the consumer was not stopped")
        self.env.invalidate_all()
        # The effect is committed, the message still in the queue.
        self.assertEqual(
            self.sale_order(order["orderId"]).amazon_status, event["status"]
        )
        time.sleep(1.2)  # the queue's visibility timeout
        self.assertGreaterEqual(
            self.sqs.approximate_count(self.queue_url) - self.in_flight, 1
        )
        counts = self.consume()
        # Acted on again (nothing said it was done), imported once.
        self.assertEqual(counts["ORDER_CHANGE"], 1)
        self.assertEqual(len(self.sale_order(order["orderId"])), 1)
        row = self.env["amazon.notification"].search(
            [("order_id", "=", order["orderId"])]
        )
        self.assertEqual((len(row), row.state), (1, "done"))
        self.assert_queue_empty()

    # -- 6. failing acts: retried on the one retry state, then parked ----------------
    def test_a_failing_notification_is_retried_then_parked_and_retried_by_hand(self):
        order, event = self.next_change()
        self.advance_past(event)
        self.wait_for_messages()
        Notification = type(self.env["amazon.notification"])
        original = Notification._act

        def fail_orders(row):
            if row.type == "ORDER_CHANGE":
                raise ValueError("mapping bug")
            return original(row)

        with (
            patch.object(Notification, "_act", fail_orders),
            patch.dict(amazon_work_item.MAX_ATTEMPTS, {"notification": 2}),
            # The retry's backoff (minutes) as the message's visibility,
            # shortened to a second to see it come back.
            patch.object(consumer_module, "MAX_VISIBILITY", 1),
        ):
            # Within one run: failed, back after its (shortened) backoff,
            # failed again and parked. Bug caught: a message failing for
            # ever, retried for ever.
            counts = self.consume(budget=3)
        self.assertEqual((counts["retrying"], counts["parked"]), (1, 1))
        row = self.env["amazon.notification"].search(
            [("order_id", "=", order["orderId"])]
        )
        self.assertEqual(len(row), 1)
        self.assertIn("mapping bug", row.reason)
        item = row._work_item(create=False)
        self.assertEqual(row.state, "parked")
        self.assertEqual((item.state, item.attempts), ("gave_up", 2))
        self.assert_queue_empty()  # parked: its message deleted
        alert = self.account.activity_ids.filtered(lambda a: a.amazon_alert == "work")
        self.assertEqual(len(alert), 1)
        # Fixed: "Retry now" acts from the row (its message is gone).
        item.action_retry_now()
        self.consume(budget=0, wait=0)
        self.assertEqual(row.state, "done")
        self.assertEqual(
            self.sale_order(order["orderId"]).amazon_status, event["status"]
        )

    # -- 7. the search as the safety net ----------------------------------------------
    def cron_searches(self):
        """searchOrders calls one run of the account's order cron makes."""
        before = self.calls("searchOrders")
        self.env.flush_all()
        self.account._cron_sync_orders()
        self.env.invalidate_all()
        return self.calls("searchOrders") - before

    def test_the_search_slows_while_notifications_arrive_and_returns_when_they_stop(
        self,
    ):
        # Not set up to arrive yet: every cron run searches.
        self.assertGreater(self.cron_searches(), 0)
        _order, event = self.next_change()
        self.advance_past(event)
        self.wait_for_messages()
        self.consume()
        self.assertEqual(self.account.notifications_state, "healthy")
        # Bug caught: searching every 15 minutes although Amazon pushes. The
        # search of a moment ago is recent: the cron's next run waits.
        self.assertEqual(self.cron_searches(), 0)
        logs = self.env["amazon.sync.log"].search(
            [("account_id", "=", self.account.id)]
        )
        logs.started = fields.Datetime.now() - timedelta(
            minutes=self.account.orders_interval_notified + 1
        )
        self.assertGreater(self.cron_searches(), 0)  # the safety net's hour
        # They stop: the search is due at once and the person is told.
        self.env["amazon.notification"].search([]).handled_on = (
            fields.Datetime.now()
            - timedelta(minutes=self.account.orders_interval_notified + 1)
        )
        self.account.invalidate_recordset()
        triggers = self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", self.account.cron_id.id)]
        )
        self.consume(budget=0, wait=0)
        self.assertEqual(self.account.notifications_state, "silent")
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count(
                [("cron_id", "=", self.account.cron_id.id)]
            ),
            triggers + 1,
        )
        self.assertGreater(self.cron_searches(), 0)
        self.assertGreater(self.cron_searches(), 0)  # every run again
        alert = self.account.activity_ids.filtered(
            lambda a: a.amazon_alert == "notifications"
        )
        self.assertEqual(len(alert), 1)
        self.assertIn("orders are searched every 15 minutes", alert.note)
        # They come back: the search waits again, the activity is done.
        _order, event = self.next_change()
        self.advance_past(event)
        self.wait_for_messages()
        self.consume()
        self.assertEqual(self.account.notifications_state, "healthy")
        self.assertEqual(self.cron_searches(), 0)
        self.assertFalse(
            self.account.activity_ids.filtered(
                lambda a: a.amazon_alert == "notifications"
            )
        )

    # -- 9. listing and FBA events -----------------------------------------------------
    def envelope(self, kind, payload):
        """A notification as Amazon sends ``kind`` (its schema's envelope)."""
        return json.dumps(
            {
                "NotificationVersion": "1.0",
                "NotificationType": kind,
                "PayloadVersion": "1.0",
                "EventTime": "2026-11-01T10:00:00.000Z",
                "Payload": payload,
                "NotificationMetadata": {
                    "ApplicationId": "amzn1.sp.solution.test",
                    "SubscriptionId": str(uuid.uuid4()),
                    "PublishTime": "2026-11-01T10:00:01.000Z",
                    "NotificationId": str(uuid.uuid4()),
                },
            }
        )

    def test_a_listing_event_refreshes_that_sku_and_an_fba_event_asks_a_read(self):
        us = self.env.ref("amazon_connector.marketplace_us")
        sku = self.data["products"][0]["sku"]
        listing = self.env["amazon.listing"].create(
            {"account_id": self.account.id, "marketplace_id": us.id, "sku": sku}
        )
        self.assertFalse(listing.amazon_status)
        seller = self.account.seller_id
        self.sqs.send_raw(
            self.queue_url,
            self.envelope(
                "LISTINGS_ITEM_STATUS_CHANGE",
                {
                    "SellerId": seller,
                    "MarketplaceId": us.amazon_id,
                    "Asin": "B000TEST01",
                    "Sku": sku,
                    "CreatedDate": "2026-11-01T09:00:00.000Z",
                    "Status": ["BUYABLE", "DISCOVERABLE"],
                },
            ),
        )
        fba = self.env.ref("amazon_connector.ir_cron_amazon_fba_stock")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", fba.id)])
        self.sqs.send_raw(
            self.queue_url,
            self.envelope(
                "FBA_INVENTORY_AVAILABILITY_CHANGES",
                {
                    "SellerId": seller,
                    "FNSKU": "X000TEST01",
                    "ASIN": "B000TEST01",
                    "SKU": sku,
                    "FulfillmentInventoryByMarketplace": [
                        {
                            "MarketplaceId": us.amazon_id,
                            "ItemName": "Test",
                            "FulfillmentInventory": {
                                "InboundQuantityBreakdown": {
                                    "Working": 0,
                                    "Shipped": 0,
                                    "Receiving": 0,
                                },
                                "Fulfillable": 7,
                                "Unfulfillable": 0,
                                "Researching": 0,
                                "ReservedQuantityBreakdown": {
                                    "WarehouseProcessing": 0,
                                    "WarehouseTransfer": 0,
                                    "PendingCustomerOrder": 1,
                                },
                                "FutureSupplyBuyable": 0,
                                "PendingCustomerOrderInTransit": 0,
                            },
                            "Stores": [],
                        }
                    ],
                },
            ),
        )
        reads = self.calls("getListingsItem")
        counts = self.consume()
        self.assertEqual(counts["LISTINGS_ITEM_STATUS_CHANGE"], 1)
        self.assertEqual(counts["FBA_INVENTORY_AVAILABILITY_CHANGES"], 1)
        # Bug caught: the event recorded but the listing left as it was.
        self.assertEqual(self.calls("getListingsItem") - reads, 1)
        self.assertTrue(listing.on_amazon)
        self.assertTrue(listing.amazon_status)  # Amazon's (the sandbox's) status
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", fba.id)]),
            triggers + 1,
        )
        self.assert_queue_empty()

    def test_the_overview_does_not_call_an_hourly_search_stale(self):
        logs = self.env["amazon.sync.log"].search(
            [("account_id", "=", self.account.id)]
        )
        self.assertTrue(logs)
        logs.write({"started": fields.Datetime.now() - timedelta(minutes=70)})
        self.account.invalidate_recordset()
        # Searching every 15 minutes, 70 minutes without one needs a look.
        self.assertEqual(self.account.overview_sync_health, "attention")
        _order, event = self.next_change()
        self.advance_past(event)
        self.wait_for_messages()
        self.consume()
        self.assertEqual(self.account.notifications_state, "healthy")
        logs.write({"started": fields.Datetime.now() - timedelta(minutes=70)})
        self.account.invalidate_recordset()
        # Bug caught: the hourly safety net shown as a sync in trouble.
        self.assertEqual(self.account.overview_sync_health, "good")

    # -- 8. who may change where notifications come from -------------------------------
    def test_only_administrators_with_2fa_change_the_queue_and_its_keys(self):
        quiet = self.env(context=dict(self.env.context, no_reset_password=True))
        manager = new_test_user(
            quiet, login="notif_manager", groups="amazon_pii.group_amazon_manager"
        )
        admin = new_test_user(
            quiet,
            login="notif_admin",
            groups="base.group_system,amazon_pii.group_amazon_manager",
        )
        for user in (manager, admin):  # the admin has no two-factor login
            with self.assertRaises(AccessError):
                self.account.with_user(user).write(
                    {"notification_queue_url": self.queue_url + "-other"}
                )
            with self.assertRaises(AccessError):
                self.account.with_user(user).write({"sqs_secret_access_key": "x"})
        self.assertEqual(self.account.sudo().notification_queue_url, self.queue_url)


@tagged("post_install", "-at_install")
class TestOfferNotifications(NotificationCase):
    """Amazon's ANY_OFFER_CHANGED from the sandbox's living market."""

    sandbox_options = {"orders": 20, "seed": 21}

    def test_offer_changes_put_their_listings_first_in_the_market_sweep(self):
        """The sandbox's market moves at the hour: its ANY_OFFER_CHANGED
        notifications (one per changed ASIN of the seller's, Amazon's
        schema) mark those listings changed, and the next sweep reads them
        before 15 never-read listings created earlier. Bugs: the
        notification recorded but not acted on, the sweep ignoring it."""
        us = self.env.ref("amazon_connector.marketplace_us")
        Listing = self.env["amazon.listing"]
        unnotified = Listing.create(
            [
                {
                    "account_id": self.account.id,
                    "marketplace_id": us.id,
                    "sku": f"QUIET-{n:02d}",
                    "asin": f"B0QUIET{n:03d}",
                    "on_amazon": True,
                }
                for n in range(15)
            ]
        )
        catalogue = Listing.create(
            [
                {
                    "account_id": self.account.id,
                    "marketplace_id": us.id,
                    "sku": product["sku"],
                    "asin": product["asin"],
                    "on_amazon": True,
                }
                for product in self.data["products"]
            ]
        )
        self.env.flush_all()
        # Into the next hour: the sandbox publishes the market's changes.
        now = amazon_time(self.sandbox.now())
        to_next_hour = 3600 - (now.minute * 60 + now.second) + 60
        self.sandbox.advance_clock(to_next_hour)
        self.wait_for_messages(count=3, seconds=10)
        time.sleep(1)  # the rest of the hour's messages
        counts = self.consume(budget=5)
        self.assertGreater(counts["ANY_OFFER_CHANGED"], 0)
        changed = catalogue.filtered("market_changed_on")
        rows = self.env["amazon.notification"].search(
            [("type", "=", "ANY_OFFER_CHANGED"), ("state", "=", "done")]
        )
        notified = set(
            rows.filtered(
                lambda r: "ATVPDKIKX0DER" in (r.marketplace_codes or "")
            ).mapped("asin")
        )
        self.assertTrue(notified, "no US offer change notified")
        self.assertEqual(
            set(changed.mapped("asin")), notified & set(catalogue.mapped("asin"))
        )
        self.assertFalse(unnotified.filtered("market_changed_on"))
        due = Listing._market_due(self.account)
        self.assertLessEqual(changed, due)
        self.assertEqual(len(due), 20)
        # Without the notifications the older, never-read listings came first.
        self.assertLess(max(unnotified.ids), min(catalogue.ids))
