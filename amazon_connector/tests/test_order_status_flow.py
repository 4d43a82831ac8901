from datetime import timedelta

from odoo.tests import tagged

from .common import SandboxCase, amazon_time


@tagged("post_install", "-at_install")
class TestStatusFlow(SandboxCase):
    # New orders keep arriving and changing status as the clock moves.
    sandbox_options = {"orders": 40, "seed": 5, "new_orders": 0.5}

    def test_status_changes_flow_into_odoo(self):
        self.accounts.auto_invoice = True
        # Half the orders are placed over the next two days: after one day
        # the newest are still pending or unshipped.
        self.sandbox.advance_clock(86400)
        self.sync()
        before = {o.amazon_order_id: o.amazon_status for o in self.amazon_orders()}
        self.sandbox.advance_clock(3 * 86400)
        logs = self.sync()
        self.assertGreater(sum(logs.mapped("created")), 0, "orders placed meanwhile")
        self.assertGreater(sum(logs.mapped("updated")), 0, "known orders changed")
        expected = self.expected_orders()
        orders = {o.amazon_order_id: o for o in self.amazon_orders()}
        self.assertEqual(set(orders), set(expected))
        moved = 0
        for amazon_id, (_truth, event) in expected.items():
            order = orders[amazon_id]
            self.assertEqual(order.amazon_status, event["status"], amazon_id)
            if before.get(amazon_id) and before[amazon_id] != event["status"]:
                moved += 1
            if event["status"] == "CANCELLED":
                self.assertEqual(order.state, "cancel")
            elif event["status"] in ("UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED"):
                self.assertEqual(order.state, "sale")
            if event["status"] == "SHIPPED" and order.amazon_channel != "mfn":
                self.assertEqual(order.picking_ids.mapped("state"), ["done"])
                # Invoices follow: shipped Amazon-fulfilled orders are invoiced.
                self.assertEqual(order.invoice_ids.mapped("state"), ["posted"])
                self.assertAlmostEqual(
                    order.invoice_ids.amount_total, order.amount_total, places=2
                )
        self.assertGreater(moved, 2)

    def test_shipped_and_cancelled_orders_mark_the_vault_and_date_the_purge(self):
        self.sync()
        orders = self.amazon_orders()
        entries = self.env["amazon.pii.entry"].sudo()
        done = orders.filtered(lambda o: o.amazon_status in ("SHIPPED", "CANCELLED"))
        open_ = orders.filtered(lambda o: o.amazon_status == "UNSHIPPED")
        shipped_mfn = done.filtered(lambda o: o.amazon_channel == "mfn")
        self.assertTrue(shipped_mfn)
        for order in done:
            stored = entries.search(
                [("owner_model", "=", "sale.order"), ("owner_id", "=", order.id)]
            )
            if order in shipped_mfn:
                self.assertTrue(stored, "merchant orders keep their address")
            self.assertTrue(all(stored.mapped("fulfilled_at")))
            self.assertTrue(all(stored.mapped("purge_after")))
        # A later update of a shipped order does not restart warehouse access.
        first = entries.search(
            [("owner_model", "=", "sale.order"), ("owner_id", "in", shipped_mfn.ids)]
        )
        marked = {e.id: e.fulfilled_at for e in first}
        self.env["amazon.pii.vault"].mark_fulfilled(shipped_mfn)
        self.assertEqual({e.id: e.fulfilled_at for e in first}, marked)
        for order in open_.filtered(lambda o: o.amazon_channel == "mfn"):
            stored = entries.search(
                [("owner_model", "=", "sale.order"), ("owner_id", "=", order.id)]
            )
            self.assertTrue(stored, "merchant orders keep the address to ship")
            self.assertFalse(any(stored.mapped("fulfilled_at")))
            latest = order.amazon_latest_delivery_date.date()
            self.assertGreater(stored[0].purge_after, latest)

    def test_resync_from_date_and_resync_one_order(self):
        self.sync()
        order = self.amazon_orders().filtered(lambda o: o.amazon_status != "PENDING")[
            :1
        ]
        truth = self.expected_orders()[order.amazon_order_id][1]
        # As if an update had been missed: the order is behind Amazon.
        order.write({"amazon_last_update": False, "amazon_status": "PENDING"})
        self.env.flush_all()
        order.action_amazon_resync()
        self.env.invalidate_all()
        self.assertEqual(order.amazon_status, truth["status"])

        count = len(self.amazon_orders(self.account))
        wizard = self.env["amazon.resync.wizard"].create(
            {
                "account_id": self.account.id,
                "date_from": amazon_time(self.sandbox.now()) - timedelta(days=60),
            }
        )
        result = wizard.action_resync()
        self.assertEqual(result["params"]["title"], "Order sync started")
        self.account.invalidate_recordset()
        self.assertEqual(self.account.orders_cursor, wizard.date_from)
        triggers = self.env["ir.cron.trigger"].search(
            [("cron_id", "=", self.account.cron_id.id)]
        )
        self.assertTrue(triggers, "the account's cron is due now")
        self.sync(self.account)  # what the triggered cron runs
        self.assertEqual(len(self.amazon_orders(self.account)), count)
        log = self.env["amazon.sync.log"].search([], limit=1)
        self.assertEqual((log.created, log.updated), (0, 0))
        self.assertEqual(log.unchanged, count)
