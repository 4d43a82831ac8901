"""The Amazon overview in a browser (issue #19): a tour from the account's
card to an order's Risk tab, its delivery's Amazon tab and a listing, and the
risk hold tile amazon_ai adds to the card."""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from odoo.addons.amazon_pii.tests.common import new_test_user

# New users get no invitation e-mail (nothing to test there).
NO_MAIL = {"no_reset_password": True}


def zone_at_eight(now):
    """A fixed-offset time zone where ``now`` (naive UTC) is about 08:00, so
    "today" runs many hours on either side of the tour whenever it runs.
    Etc/GMT-3 is UTC+3 (POSIX signs)."""
    offset = (8 - now.hour + 12) % 24 - 12
    return f"Etc/GMT{-offset:+d}"


@tagged("post_install", "-at_install")
class TestAmazonOverviewTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        now = fields.Datetime.now()
        cls.us = env.ref("amazon_connector.marketplace_us")
        cls.account = cls.make_account("Tour seller", "TOUR1")
        # Client secrets expiring in 5 and 20 days, counted from the tour
        # user's own today: red and orange on the cards.
        cls.tz = zone_at_eight(now)
        today = fields.Date.context_today(cls.env["res.users"].with_context(tz=cls.tz))
        second = cls.make_account("Second seller", "TOUR3")
        cls.account.sudo().lwa_secret_expires_on = today + timedelta(days=5)
        second.sudo().lwa_secret_expires_on = today + timedelta(days=20)
        cls.product = env["product.product"].create(
            {"name": "Tour widget", "is_storable": True}
        )
        # Due in two hours (today wherever the tour user is), and a day late.
        cls.due_today = cls.make_order(
            cls.account, "113-0000000-0000001", now + timedelta(hours=2)
        )
        cls.late = cls.make_order(
            cls.account, "113-0000000-0000002", now - timedelta(days=1)
        )
        # Risk is written by the risk service only (as superuser).
        cls.due_today.sudo().write(
            {
                "amazon_risk_level": "high",
                "amazon_risk_score": 72.0,
                "amazon_risk_reasons": "The postal code is not valid for the country.",
                "amazon_risk_scored_at": now,
                "amazon_risk_flagged": True,
                "amazon_risk_hold": True,
            }
        )
        env["amazon.parked.order"].create(
            {"account_id": cls.account.id, "amazon_order_id": "113-0000000-0000009"}
        )
        env["amazon.sync.log"].create(
            {"account_id": cls.account.id, "state": "failed", "started": now}
        )
        Listing = env["amazon.listing"]
        for sku, severity, message in (
            ("TOUR-ERR", "error", "The price is missing."),
            ("TOUR-CLEAN", "warning", "An image would help."),
        ):
            Listing.create(
                {
                    "account_id": cls.account.id,
                    "marketplace_id": cls.us.id,
                    "sku": sku,
                    "issue_ids": [
                        Command.create(
                            {
                                "source": "amazon",
                                "severity": severity,
                                "message": message,
                            }
                        )
                    ],
                }
            )

    @classmethod
    def make_account(cls, name, seller_id):
        return cls.env["amazon.account"].create(
            {
                "name": name,
                "seller_id": seller_id,
                "region": "na",
                "marketplace_ids": [Command.set(cls.us.ids)],
                "sync_orders": True,
            }
        )

    @classmethod
    def make_order(cls, account, amazon_id, ship_by):
        partner = cls.env["res.partner"].create({"name": f"Amazon buyer {amazon_id}"})
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "amazon_account_id": account.id,
                "amazon_order_id": amazon_id,
                "amazon_marketplace_id": cls.us.id,
                "amazon_channel": "mfn",
                "amazon_status": "UNSHIPPED",
                "amazon_latest_ship_date": ship_by,
                "amazon_latest_delivery_date": ship_by + timedelta(days=3),
                "warehouse_id": account.warehouse_id.id,
                "order_line": [
                    Command.create({"product_id": cls.product.id, "product_uom_qty": 1})
                ],
            }
        )
        order.action_confirm()
        return order

    def test_risk_hold_tile(self):
        """Orders held by the risk model, per account; a released order
        leaves the tile, whose list shows exactly the held orders."""
        other = self.make_account("Other seller", "TOUR2")
        held_elsewhere = self.make_order(
            other, "113-0000000-0000003", fields.Datetime.now()
        )
        held_elsewhere.sudo().amazon_risk_hold = True
        accounts = self.account | other
        accounts.invalidate_recordset()
        self.assertEqual(self.account.overview_risk_hold_count, 1)
        self.assertEqual(other.overview_risk_hold_count, 1)
        action = self.account.action_overview_risk_holds()
        self.assertEqual(
            self.env["sale.order"].search(action["domain"]), self.due_today
        )
        # Released through the review: off the tile.
        self.env["amazon.risk"]._release(self.due_today, "Checked with the buyer")
        accounts.invalidate_recordset()
        self.assertFalse(self.due_today.amazon_risk_hold)
        self.assertEqual(self.account.overview_risk_hold_count, 0)
        self.assertEqual(other.overview_risk_hold_count, 1)

    def test_overview_tour(self):
        """An Amazon manager opens the overview and follows its tiles. Not an
        administrator nor Amazon Shipping staff: those must enrol two-factor
        authentication at login (amazon_pii res_users_login.TOTP_GROUPS),
        which a test login cannot do; a manager plus inventory user sees
        every screen of the tour."""
        user = new_test_user(
            self.env,
            context=NO_MAIL,
            login="overview_tour_manager",
            groups="amazon_pii.group_amazon_manager,stock.group_stock_user",
            tz=self.tz,
        )
        self.start_tour("/odoo/amazon", "amazon_overview_tour", login=user.login)
