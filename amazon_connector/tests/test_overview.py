"""The Amazon overview (issue #19, item 5): each card's counts against the
sandbox's dataset and records the test builds, and each tile's list showing
exactly what it counted."""

from datetime import timedelta

import pytz
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.amazon_pii.tests.common import new_test_user

# New users get no invitation e-mail (nothing to test there).
NO_MAIL = {"no_reset_password": True}

from .common import SandboxCase, amazon_time, sandbox_module

TO_SHIP = ("UNSHIPPED", "PARTIALLY_SHIPPED")


@tagged("post_install", "-at_install")
class TestAmazonOverview(SandboxCase):
    # 200 orders over 30 days: the North America account gets a few merchant
    # orders still to ship at the sandbox's now, some already past their
    # ship-by date and some due later that day (asserted below).
    sandbox_options = {"orders": 200, "seed": 11}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.flush_all()
        cls.sync_log = cls.env["amazon.order.sync"].run(cls.account)
        cls.env.invalidate_all()
        # Six hours after the sandbox's now: the moment the counts are read.
        cls.moment = amazon_time(cls.sandbox.now()) + timedelta(hours=6)

    def ship_by_truth(self, tz):
        """``(today, late)``: Amazon order ids of the account's merchant
        orders Amazon still wants shipped, by their ship-by date in the
        dataset (the sandbox's own rule), against ``self.moment`` and the
        next midnight in ``tz``."""
        windows = sandbox_module("orders_view")._windows
        zone = pytz.timezone(tz)
        local = pytz.utc.localize(self.moment).astimezone(zone)
        midnight = zone.localize(
            local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
            + timedelta(days=1)
        )
        midnight = midnight.astimezone(pytz.utc).replace(tzinfo=None)
        today, late = set(), set()
        for order_id, (order, event) in self.expected_orders(
            account=self.account
        ).items():
            if order["fulfilledBy"] != "MERCHANT" or event["status"] not in TO_SHIP:
                continue
            ship_by = amazon_time(windows(order)["shipByWindow"]["latestDateTime"])
            if ship_by < self.moment:
                late.add(order_id)
            elif ship_by < midnight:
                today.add(order_id)
        return today, late

    def read_tile(self, account, tile, tz="UTC"):
        """The count on the card and the Amazon order ids of the list the
        tile opens, read at ``self.moment`` in ``tz``."""
        with freeze_time(self.moment):
            account = account.with_context(tz=tz)
            account.invalidate_recordset()
            count = account[f"overview_{tile}_count"]
            method = {
                "ship_today": "action_overview_ship_today",
                "late": "action_overview_late",
                "listing_error": "action_overview_listing_errors",
            }[tile]
            action = getattr(account, method)()
        records = self.env[action["res_model"]].search(action["domain"])
        return count, records

    def test_orders_to_ship_today_and_late_match_the_dataset(self):
        """The two order tiles count the account's merchant orders still to
        ship by Amazon's ship-by date, in the person's time zone, and open a
        list of exactly those orders."""
        today, late = self.ship_by_truth("UTC")
        # The dataset has both kinds, or these comparisons prove nothing.
        self.assertTrue(today and late, (today, late))
        count, orders = self.read_tile(self.account, "ship_today")
        self.assertEqual(set(orders.mapped("amazon_order_id")), today)
        self.assertEqual(count, len(today))
        count, orders = self.read_tile(self.account, "late")
        self.assertEqual(set(orders.mapped("amazon_order_id")), late)
        self.assertEqual(count, len(late))
        # "Today" ends at the person's midnight: in Tokyo (UTC+9) the day
        # ends nine hours earlier and orders due later fall out of it.
        tokyo, tokyo_late = self.ship_by_truth("Asia/Tokyo")
        self.assertLess(len(tokyo), len(today))
        self.assertEqual(tokyo_late, late)
        count, orders = self.read_tile(self.account, "ship_today", "Asia/Tokyo")
        self.assertEqual(set(orders.mapped("amazon_order_id")), tokyo)
        self.assertEqual(count, len(tokyo))

    def test_an_order_shipped_in_odoo_leaves_the_tiles(self):
        """An order whose delivery was validated in Odoo is no longer to
        ship, even before Amazon hears of it."""
        today, _late = self.ship_by_truth("UTC")
        order = self.amazon_orders(self.account).filtered(
            lambda o: o.amazon_order_id in today
        )[:1]
        self.assertEqual(len(order), 1)
        count, orders = self.read_tile(self.account, "ship_today")
        self.assertIn(order, orders)
        self.assertEqual(count, len(today))
        picking = order.picking_ids.filtered(
            lambda p: (
                p.picking_type_code == "outgoing" and p.state not in ("done", "cancel")
            )
        )
        self.assertEqual(len(picking), 1)
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        picking.with_context(skip_backorder=True, skip_sms=True)._action_done()
        self.assertEqual(picking.state, "done")
        self.assertEqual(order.amazon_status, "UNSHIPPED")  # Amazon not told yet
        count, orders = self.read_tile(self.account, "ship_today")
        self.assertEqual(count, len(today) - 1)
        self.assertNotIn(order, orders)

    def test_listings_with_errors(self):
        """Listings with an error issue count once each, warnings do not, and
        each account counts its own."""
        us = self.env.ref("amazon_connector.marketplace_us")
        uk = self.env.ref("amazon_connector.marketplace_uk")
        europe = self.accounts.filtered(lambda a: a.region == "eu")
        Listing = self.env["amazon.listing"]

        def listing(account, market, sku, *severities):
            return Listing.create(
                {
                    "account_id": account.id,
                    "marketplace_id": market.id,
                    "sku": sku,
                    "issue_ids": [
                        (0, 0, {"source": "amazon", "severity": s, "message": s})
                        for s in severities
                    ],
                }
            )

        errors = listing(self.account, us, "OV-ERR-1", "error", "error")
        errors |= listing(self.account, us, "OV-ERR-2", "warning", "error")
        listing(self.account, us, "OV-WARN", "warning", "info")
        listing(self.account, us, "OV-CLEAN")
        listing(europe, uk, "OV-EU-ERR", "error")
        count, records = self.read_tile(self.account, "listing_error")
        self.assertEqual(records, errors)
        self.assertEqual(count, 2)
        self.assertEqual(self.read_tile(europe, "listing_error")[0], 1)

    def test_last_sync_and_its_health(self):
        """The card shows the account's newest sync run; a failed or paused
        run is red, parked orders, a silent cron or no run at all orange."""
        account, europe = (
            self.account,
            self.accounts.filtered(lambda a: a.region == "eu"),
        )
        self.assertEqual(len(self.sync_log), 1)
        self.assertEqual(account.overview_last_sync_id, self.sync_log)
        self.assertEqual(account.overview_last_sync_on, self.sync_log.started)
        self.assertIn(self.sync_log.state, ("done", "partial"))
        # Never synced.
        self.assertFalse(europe.overview_last_sync_id)
        self.assertEqual(europe.overview_sync_health, "attention")
        log = self.sync_log
        cases = [
            ("done", 10, "good"),
            ("running", 10, "good"),
            ("busy", 10, "good"),
            ("partial", 10, "attention"),
            ("failed", 10, "failing"),
            ("paused", 10, "failing"),
            # Every 15 minutes: three intervals are under the hour minimum.
            ("done", 50, "good"),
            ("done", 70, "attention"),
        ]
        for state, minutes_ago, health in cases:
            log.write(
                {
                    "state": state,
                    "started": fields.Datetime.now() - timedelta(minutes=minutes_ago),
                }
            )
            account.invalidate_recordset()
            self.assertEqual(
                (account.overview_last_sync_state, account.overview_sync_health),
                (state, health),
                f"{state}, {minutes_ago} minutes ago",
            )
        # Every two hours: six hours of silence is overdue, five are not.
        account.orders_interval = 120
        log.write(
            {"state": "done", "started": fields.Datetime.now() - timedelta(hours=5)}
        )
        account.invalidate_recordset()
        self.assertEqual(account.overview_sync_health, "good")
        log.started = fields.Datetime.now() - timedelta(hours=6, minutes=1)
        account.invalidate_recordset()
        self.assertEqual(account.overview_sync_health, "attention")
        # A newer run is the one shown.
        newer = self.env["amazon.sync.log"].create(
            {"account_id": account.id, "state": "failed"}
        )
        account.invalidate_recordset()
        self.assertEqual(account.overview_last_sync_id, newer)
        self.assertEqual(account.overview_sync_health, "failing")
        action = account.action_overview_sync_logs()
        shown = self.env["amazon.sync.log"].search(action["domain"])
        self.assertEqual(shown, log | newer)
        # Sync turned off: grey, whatever the last run did.
        account.sync_orders = False
        self.assertEqual(account.overview_sync_health, "off")

    def test_parked_tile_and_rights(self):
        """The parked tile opens the account's parked orders; a user without
        an Amazon group cannot open any tile."""
        before = self.account.parked_count
        parked = self.env["amazon.parked.order"].create(
            {"account_id": self.account.id, "amazon_order_id": "111-0000000-9999999"}
        )
        self.account.invalidate_recordset()
        self.assertEqual(self.account.parked_count, before + 1)
        action = self.account.action_view_parked()
        self.assertIn(parked, self.env["amazon.parked.order"].search(action["domain"]))
        outsider = new_test_user(
            self.env,
            context=NO_MAIL,
            login="overview_outsider",
            groups="sales_team.group_sale_manager",
        )
        for method in (
            "action_overview_ship_today",
            "action_overview_late",
            "action_overview_listing_errors",
            "action_overview_sync_logs",
        ):
            with self.assertRaises(AccessError, msg=method):
                getattr(self.account.with_user(outsider), method)()

    def test_the_overview_opens_the_amazon_app(self):
        """Amazon users land on the overview when they open the Amazon app;
        Amazon Shipping staff, who cannot read accounts, are not offered it."""
        root = self.env.ref("amazon_pii.menu_amazon_root")
        overview = self.env.ref("amazon_connector.action_amazon_overview")
        user = new_test_user(
            self.env,
            context=NO_MAIL,
            login="overview_user",
            groups="amazon_pii.group_amazon_user",
        )
        menus = self.env["ir.ui.menu"].with_user(user).load_web_menus(False)
        self.assertEqual(menus[root.id]["actionID"], overview.id)
        shipper = new_test_user(
            self.env,
            context=NO_MAIL,
            login="overview_shipper",
            groups="amazon_pii.group_amazon_shipping",
        )
        menus = self.env["ir.ui.menu"].with_user(shipper).load_web_menus(False)
        self.assertNotIn(overview.id, [m["actionID"] for m in menus.values()])
        # The card loads for an Amazon user (no field beyond their rights).
        kanban = self.env.ref("amazon_connector.amazon_account_view_kanban_overview")
        views = (
            self.env["amazon.account"]
            .with_user(user)
            .get_views([(kanban.id, "kanban")])
        )
        # ...and its counts compute with their rights (orders, deliveries,
        # listings, sync logs), as they do for the superuser.
        names = [name for name in self.account._fields if name.startswith("overview_")]
        self.assertGreaterEqual(len(names), 7)
        self.account.invalidate_recordset()
        self.assertEqual(
            self.account.with_user(user).read(names), self.account.read(names)
        )
        fields_ = views["models"]["amazon.account"]["fields"]
        self.assertIn("overview_ship_today_count", fields_)
        self.assertIn("overview_sync_health", fields_)
