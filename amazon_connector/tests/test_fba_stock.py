"""FBA stock sync against the sandbox: the FBA location holds what Amazon
reports as fulfillable, each difference an inventory adjustment; unknown
SKUs reported; FBA deliveries then draw on real stock."""

from odoo.exceptions import UserError
from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.amazon_connector.models.fulfilment.amazon_fba_stock_sync import (
    FBA_STOCK_LOCK,
)
from odoo.addons.amazon_pii.tests.common import new_test_user

from .common import SandboxCase

US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"


def shelf(row):
    """Units of a sandbox pool row for sale on Amazon's shelves: fulfillable
    and those reserved for open orders (what the FBA location must hold)."""
    return row["fulfillable"] + row["pending"]


ALERT_TYPE = "amazon_connector.mail_activity_type_amazon_alert"


@tagged("post_install", "-at_install")
class TestFbaStockSync(SandboxCase):
    # new_orders: FBA orders placed after the clock starts ship as it moves.
    sandbox_options = {"orders": 60, "seed": 11, "new_orders": 0.3}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.products = cls.env["product.product"].create(
            [
                {"name": p["title"], "default_code": p["sku"], "is_storable": True}
                for p in cls.data["products"]
            ]
        )
        cls.location = cls.account.fba_location_id
        cls.admin = new_test_user(
            cls.env,
            login="fba_admin",
            groups="base.group_system,amazon_pii.group_amazon_manager",
        )
        cls.admin.sudo().totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

    def product(self, sku):
        product = self.products.filtered(lambda p: p.default_code == sku)
        self.assertEqual(len(product), 1)
        return product

    def on_hand(self, location=None):
        """{sku: units} of the FBA location, from its quants."""
        quants = self.env["stock.quant"].search(
            [("location_id", "=", (location or self.location).id)]
        )
        result = {}
        for quant in quants:
            sku = quant.product_id.default_code
            result[sku] = result.get(sku, 0) + quant.quantity
        return result

    def adjustments(self):
        return self.env["stock.move"].search(
            [
                ("is_inventory", "=", True),
                ("state", "=", "done"),
                "|",
                ("location_id", "=", self.location.id),
                ("location_dest_id", "=", self.location.id),
            ]
        )

    def truth(self):
        """The sandbox's own FBA pool of the US marketplace's region."""
        rows = self.sandbox.fba_inventory(US)
        known = {r["sellerSku"]: r for r in rows if r["known"]}
        unknown = {r["sellerSku"]: r for r in rows if not r["known"]}
        # The checks below see both kinds (an empty side would pass blindly).
        self.assertGreater(len(known), 3)
        self.assertTrue(unknown)
        return known, unknown

    def advance_until_fba_orders_ship(self):
        """Move the sandbox's clock a day at a time until its FBA pool changed
        (FBA orders shipped); the class's tests share one clock. Returns the
        pool before and after."""
        before, _unknown = self.truth()
        for _day in range(4):
            self.sandbox.advance_clock(86400)
            after, _unknown = self.truth()
            if any(shelf(after[s]) != shelf(before[s]) for s in after):
                return before, after
        self.fail("no FBA order shipped in the sandbox in four days")

    def sync_stock(self):
        self.env.flush_all()
        result = self.account.action_sync_fba_stock()
        self.env.invalidate_all()
        return result

    def test_sync_sets_fulfillable_and_reports_unknown_skus(self):
        known, unknown = self.truth()
        self.assertFalse(self.on_hand())
        self.sync_stock()
        # Catches quantities not written, written to another location, units
        # of open orders left out (Odoo's open deliveries reserve them too) or
        # units in transfer/inbound counted as on hand.
        self.assertEqual(
            self.on_hand(),
            {sku: shelf(r) for sku, r in known.items() if shelf(r)},
        )
        moves = self.adjustments()
        self.assertEqual(len(moves), len([r for r in known.values() if shelf(r)]))
        for move in moves:
            self.assertIn("Amazon FBA", move.reference)
            self.assertEqual(move.location_dest_id, self.location)
        lines = self.account.fba_stock_ids
        self.assertEqual(set(lines.mapped("seller_sku")), set(known) | set(unknown))
        for line in lines:
            row = known.get(line.seller_sku) or unknown[line.seller_sku]
            # The other quantities are kept per SKU, as Amazon reported them.
            self.assertEqual(
                (
                    line.fulfillable,
                    line.reserved,
                    line.pending_orders,
                    line.inbound_working,
                    line.inbound_shipped,
                    line.inbound_receiving,
                    line.unfulfillable,
                    line.researching,
                ),
                (
                    row["fulfillable"],
                    row["reserved"],
                    row["pending"],
                    row["inboundWorking"],
                    row["inboundShipped"],
                    row["inboundReceiving"],
                    row["unfulfillable"],
                    row["researching"],
                ),
            )
            if line.seller_sku in known:
                self.assertEqual(line.state, "synced")
                self.assertEqual(line.product_id, self.product(line.seller_sku))
                self.assertEqual(line.location_id, self.location)
            else:
                # Unknown SKUs are reported with why, never dropped.
                self.assertEqual(line.state, "unknown")
                self.assertFalse(line.product_id)
                self.assertIn("No product is mapped", line.reason)
        self.assertTrue(self.account.fba_stock_synced_on)
        alert = self.account._alert_activities("fba_unknown")
        self.assertEqual(len(alert), 1)
        for sku in unknown:
            self.assertIn(sku, alert.note)
        for sku in known:
            self.assertNotIn(sku + ":", alert.note)

    def test_second_sync_after_the_clock_moves_logs_the_differences(self):
        # Without the order sync (off on the account), Odoo never learns of
        # the FBA orders: what Amazon shipped meanwhile is a difference only
        # the read can book. (With it on, the read first validates their
        # deliveries: test_fba_stock_between_syncs.)
        self.account.sync_orders = False
        before, _unknown = self.truth()
        self.sync_stock()
        first = self.adjustments()
        self.sandbox.advance_clock(3 * 86400)
        after, _unknown = self.truth()
        changed = {s for s in after if shelf(after[s]) != shelf(before[s])}
        self.assertTrue(changed, "FBA orders shipped in the sandbox meanwhile")
        self.sync_stock()
        self.assertEqual(
            self.on_hand(),
            {sku: shelf(r) for sku, r in after.items() if shelf(r)},
        )
        new = self.adjustments() - first
        # One adjustment per changed SKU, by Amazon's difference, out of the
        # FBA location (FBA orders shipped): nothing for unchanged SKUs.
        self.assertEqual(len(new), len(changed))
        for move in new:
            sku = move.product_id.default_code
            self.assertIn(sku, changed)
            self.assertEqual(move.location_id, self.location)
            self.assertEqual(move.quantity, shelf(before[sku]) - shelf(after[sku]))

    def test_busy_while_another_sync_holds_the_account(self):
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute(
                SQL("SELECT pg_advisory_lock(%s, %s)", FBA_STOCK_LOCK, self.account.id)
            )
            try:
                with self.assertRaisesRegex(UserError, "being synced right now"):
                    self.sync_stock()
            finally:
                other.execute(
                    SQL(
                        "SELECT pg_advisory_unlock(%s, %s)",
                        FBA_STOCK_LOCK,
                        self.account.id,
                    )
                )
        self.assertFalse(self.on_hand())
        self.assertFalse(self.account.fba_stock_ids)
        self.sync_stock()
        self.assertTrue(self.on_hand())

    def test_fba_deliveries_draw_on_synced_stock(self):
        # Today's order of things: orders imported (FBA deliveries from the
        # FBA location), then the stock read fixes the location to Amazon's.
        self.sync(self.account)
        self.sync_stock()
        _before, known = self.advance_until_fba_orders_ship()
        fba_moves = self.env["stock.move"].search(
            [("location_id", "=", self.location.id), ("is_inventory", "=", False)]
        )
        self.sync(self.account)
        delivered = (
            self.env["stock.move"].search(
                [
                    ("location_id", "=", self.location.id),
                    ("is_inventory", "=", False),
                    ("state", "=", "done"),
                ]
            )
            - fba_moves
        )
        self.assertTrue(delivered, "FBA orders shipped and were delivered in Odoo")
        on_hand = self.on_hand()
        # Amazon's units minus what shipped meanwhile: never below zero, and
        # Odoo's count is Amazon's again without any adjustment.
        self.assertTrue(all(units >= 0 for units in on_hand.values()), on_hand)
        before = self.adjustments()
        self.sync_stock()
        self.assertEqual(
            self.on_hand(),
            {sku: shelf(r) for sku, r in known.items() if shelf(r)},
        )
        self.assertFalse(self.adjustments() - before)

    def alerts(self, kind, done=False):
        self.env.invalidate_all()
        return (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search(
                [
                    ("res_model", "=", "amazon.account"),
                    ("res_id", "=", self.account.id),
                    ("activity_type_id", "=", self.env.ref(ALERT_TYPE).id),
                    ("amazon_alert", "=", kind),
                    ("active", "=", not done),
                ]
            )
        )

    def set_credential(self, key, value):
        self.account.with_user(self.admin).write({key: value})
        self.sandbox.expire_tokens()

    def test_cron_reads_each_regions_pool_into_its_own_location(self):
        eu = self.accounts.filtered(lambda a: a.region == "eu")
        self.assertEqual(len(eu), 1)
        # One FBA location per region's account: Europe's is one pool.
        self.assertNotEqual(eu.fba_location_id, self.location)
        self.env.flush_all()
        self.env["amazon.account"]._cron_sync_fba_stock()
        self.env.invalidate_all()
        # The EU pool as Amazon reports it from Germany, whichever European
        # marketplace the sync read it through.
        for account, market in ((self.account, US), (eu, DE)):
            truth = {
                r["sellerSku"]: shelf(r)
                for r in self.sandbox.fba_inventory(market)
                if r["known"] and shelf(r)
            }
            self.assertTrue(truth)
            self.assertEqual(self.on_hand(account.fba_location_id), truth)
        self.assertTrue(all(self.accounts.mapped("fba_stock_synced_on")))

    def test_a_failed_read_alerts_and_leaves_the_stock_alone(self):
        self.sync_stock()
        held = self.on_hand()
        self.assertTrue(held)
        self.assertFalse(self.alerts("fba_stock"))
        self.set_credential("refresh_token", "revoked-refresh-token")
        # Not assertRaises: its savepoint would roll the alert's unit back.
        refused = None
        with self.assertLogs(level="WARNING") as logs:
            try:
                self.sync_stock()
            except UserError as exc:
                refused = exc
        self.assertTrue(
            [line for line in logs.output if "FBA stock sync of account" in line]
        )
        self.assertIn("invalid_grant", str(refused))
        alert = self.alerts("fba_stock")
        self.assertEqual(len(alert), 1)
        self.assertIn("invalid_grant", str(alert.note))
        self.assertEqual(self.on_hand(), held)
        self.set_credential("refresh_token", self.sandbox.credentials["refresh_token"])
        self.sync_stock()
        # Recovered: the alert is done, not left open.
        self.assertFalse(self.alerts("fba_stock"))
        self.assertEqual(self.alerts("fba_stock", done=True), alert)

    def test_fba_locations_say_their_region_and_account(self):
        # Catches FBA, FBA1, FBA2...: locations a clerk cannot tell apart.
        names = {
            account.region: account.fba_location_id.complete_name
            for account in self.accounts
        }
        self.assertEqual(
            names,
            {
                "na": "FBANA/Sandbox seller",
                "eu": "FBAEU/Sandbox seller EU",
                "fe": "FBAFE/Sandbox seller FE",
            },
        )
        # A second account of a region (another seller) is numbered after.
        other = self.make_account(
            name="Second EU seller", region="eu", seller_id="A2OTHERSELLER"
        )
        self.assertEqual(other.fba_location_id.complete_name, "FBEU2/Second EU seller")
