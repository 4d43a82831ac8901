"""Merchant orders Amazon reports shipped while their Odoo delivery is open
(shipped on Seller Central, by another tool, or before the first sync)."""

from odoo.tests import tagged

from .common import SandboxCase, amazon_time


@tagged("post_install", "-at_install")
class TestShippedElsewhere(SandboxCase):
    # Orders of the last weeks, most of them shipped long ago: a new seller's
    # first sync.
    sandbox_options = {"orders": 60, "seed": 22}

    def mfn(self, status):
        """(Odoo order, dataset order) of merchant orders now in ``status``."""
        orders = {o.amazon_order_id: o for o in self.amazon_orders()}
        return [
            (orders[amazon_id], truth)
            for amazon_id, (truth, event) in self.expected_orders().items()
            if event["status"] == status and orders[amazon_id].amazon_channel == "mfn"
        ]

    def deliveries(self, order):
        return order.picking_ids.filtered(lambda p: p._amazon_ships_to_buyer())

    def shipped_qty(self, order):
        """Quantity per Amazon item that left through validated deliveries."""
        done = {}
        for move in (
            self.deliveries(order).filtered(lambda p: p.state == "done").move_ids
        ):
            item = move.sale_line_id.amazon_item_id
            done[item] = done.get(item, 0) + move.quantity
        return done

    def test_first_sync_leaves_no_open_delivery_for_shipped_orders(self):
        self.sync()
        shipped = self.mfn("SHIPPED")
        partial = self.mfn("PARTIALLY_SHIPPED")
        self.assertGreater(len(shipped), 5)
        self.assertTrue(partial, "the dataset has partly shipped merchant orders")
        for order, truth in shipped:
            deliveries = self.deliveries(order)
            self.assertTrue(deliveries, order.amazon_order_id)
            self.assertEqual(set(deliveries.mapped("state")), {"done"}, order.name)
            # Every unit Amazon shipped left the stock once (the dataset's
            # quantities, not the order lines').
            self.assertEqual(
                self.shipped_qty(order),
                {i["orderItemId"]: i["quantity"] for i in truth["items"]},
            )
            self.assertEqual(set(deliveries.mapped("amazon_confirm_state")), {"sent"})
            self.assertEqual(
                set(deliveries.mapped("amazon_confirm_source")), {"amazon"}
            )
            # Nothing went back to Amazon for them.
            self.assertFalse(self.sandbox.confirmations(order_id=order.amazon_order_id))
        # Dated when Amazon shipped, with Amazon's tracking (Amazon's own
        # view of the packages, asked through its account).
        for order, _truth in shipped[:5]:
            with order.amazon_account_id._client() as client:
                packages = (
                    client.get_order(order.amazon_order_id, ["PACKAGES"])["order"].get(
                        "packages"
                    )
                    or []
                )
            self.assertTrue(packages, order.amazon_order_id)
            last = max(amazon_time(p["shipTime"]) for p in packages)
            for delivery in self.deliveries(order):
                self.assertEqual(delivery.date_done, last, delivery.name)
                self.assertEqual(
                    set(delivery.move_ids.mapped("date")), {last}, delivery.name
                )
                for package in packages:
                    self.assertIn(
                        package["trackingNumber"], delivery.carrier_tracking_ref
                    )
        for order, truth in partial:
            first = truth["items"][0]
            self.assertEqual(
                self.shipped_qty(order), {first["orderItemId"]: first["quantity"]}
            )
            # The rest waits in a backorder, still to ship from Odoo.
            still_open = self.deliveries(order).filtered(
                lambda p: p.state not in ("done", "cancel")
            )
            self.assertEqual(len(still_open), 1, order.name)
            self.assertEqual(
                sorted(still_open.move_ids.mapped("sale_line_id.amazon_item_id")),
                sorted(i["orderItemId"] for i in truth["items"][1:]),
            )
        # Orders still to ship keep their open delivery and nothing is sent.
        for order, _truth in self.mfn("UNSHIPPED"):
            self.assertTrue(
                self.deliveries(order).filtered(lambda p: p.state != "done"),
                order.name,
            )
        # A second sync changes nothing: the deliveries are validated once.
        moves_before = self.env["stock.move"].search_count([("state", "=", "done")])
        self.sync()
        self.assertEqual(
            self.env["stock.move"].search_count([("state", "=", "done")]), moves_before
        )

    def test_sellers_who_ship_from_odoo_get_an_activity_instead(self):
        self.accounts.shipped_elsewhere = "activity"
        self.sync()
        shipped = self.mfn("SHIPPED")
        self.assertTrue(shipped)
        for order, _truth in shipped:
            deliveries = self.deliveries(order)
            self.assertTrue(deliveries.filtered(lambda p: p.state != "done"))
            summaries = deliveries.activity_ids.mapped("summary")
            self.assertEqual(
                summaries.count("Amazon reports this order shipped"), len(deliveries)
            )
            self.assertFalse(any(deliveries.mapped("amazon_confirm_state")))
        # One activity per delivery, not one per sync.
        self.sandbox.advance_clock(3600)
        self.sync()
        order = shipped[0][0]
        self.assertEqual(
            self.deliveries(order)
            .activity_ids.mapped("summary")
            .count("Amazon reports this order shipped"),
            len(self.deliveries(order)),
        )


@tagged("post_install", "-at_install")
class TestInvoicedWhenShipped(SandboxCase):
    sandbox_options = {"orders": 60, "seed": 22}

    def test_invoices_dated_the_ship_day_with_facilitator_tax_out_of_revenue(self):
        self.accounts.auto_invoice = True
        self.sync()
        orders = {o.amazon_order_id: o for o in self.amazon_orders()}
        mf_tax = self.accounts.mf_tax_product_id
        invoiced = mf_lines = 0
        for amazon_id, (_truth, event) in self.expected_orders().items():
            order = orders[amazon_id]
            posted = order.invoice_ids.filtered(lambda m: m.state == "posted")
            if event["status"] != "SHIPPED":
                self.assertFalse(posted, f"{amazon_id} is {event['status']}")
                continue
            self.assertEqual(len(posted), 1, amazon_id)
            invoiced += 1
            # The day Amazon shipped it (the dataset's event), not today.
            self.assertEqual(
                posted.invoice_date, amazon_time(event["time"]).date(), amazon_id
            )
            self.assertFalse(
                order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
            )
            for line in posted.invoice_line_ids:
                if line.product_id == mf_tax:
                    mf_lines += 1
                    self.assertEqual(line.account_id.account_type, "liability_current")
                else:
                    self.assertNotEqual(
                        line.account_id.account_type, "liability_current"
                    )
        self.assertGreater(invoiced, 5)
        self.assertGreater(mf_lines, 0, "the dataset has facilitator-taxed orders")
        # Imported today, shipped days ago: no invoice of the import day.
        today = amazon_time(self.sandbox.now()).date()
        dates = self.amazon_orders().invoice_ids.mapped("invoice_date")
        self.assertLess(dates.count(today), len(dates) / 2)
