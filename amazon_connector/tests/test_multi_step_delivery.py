"""Warehouses that deliver in two or three steps (pick + ship, pick + pack +
ship): an order Amazon reports shipped, or a bought label, takes its goods
through every step once, so no pick or pack transfer keeps reserving goods
long gone and the stock on hand drops once per unit shipped."""

from collections import Counter

from odoo.tests import tagged

from odoo.addons.amazon_pii.tests.common import new_test_user, web_session

from .common import SandboxCase

STOCK = 500  # enough for every order: reservations are never short


class MultiStepCase(SandboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.account.warehouse_id
        cls.products = {}
        for product in cls.data["products"]:
            cls.products[product["sku"]] = cls.env["product.product"].create(
                {
                    "name": f"Sandbox {product['sku']}",
                    "default_code": product["sku"],
                    "is_storable": True,
                    "weight": 0.4,
                }
            )
            cls.env["stock.quant"].with_context(inventory_mode=True).create(
                {
                    "product_id": cls.products[product["sku"]].id,
                    "location_id": cls.warehouse.lot_stock_id.id,
                    "inventory_quantity": STOCK,
                }
            ).action_apply_inventory()

    def use_steps(self, steps):
        self.warehouse.delivery_steps = steps
        types = {
            "pick_ship": ("pick_type_id", "out_type_id"),
            "pick_pack_ship": ("pick_type_id", "pack_type_id", "out_type_id"),
        }[steps]
        return [self.warehouse[name] for name in types]

    def on_hand(self, location):
        """{sku: quantity on hand} in ``location`` and its children."""
        return {
            sku: product.with_context(location=location.id).qty_available
            for sku, product in self.products.items()
        }

    def reserved(self):
        """{sku: quantity reserved} in the warehouse's stock location."""
        reserved = Counter()
        for quant in self.env["stock.quant"].search(
            [
                ("location_id", "child_of", self.warehouse.lot_stock_id.id),
                ("product_id", "in", [p.id for p in self.products.values()]),
            ]
        ):
            reserved[quant.product_id.default_code] += quant.reserved_quantity
        return +reserved

    def done_per_item(self, order, picking_type):
        """{Amazon item id: quantity} moved by ``order``'s done transfers of
        ``picking_type``."""
        done = Counter()
        for move in order.picking_ids.filtered(
            lambda p: p.picking_type_id == picking_type and p.state == "done"
        ).move_ids:
            done[move.sale_line_id.amazon_item_id] += move.quantity
        return dict(+done)


@tagged("post_install", "-at_install")
class TestShippedElsewhereMultiStep(MultiStepCase):
    # The first sync of a new seller: orders of the last weeks, most of them
    # shipped long ago (the same dataset as the one-step tests).
    sandbox_options = {"orders": 60, "seed": 22}

    def merchant(self, status):
        """(Odoo order, dataset order) of the dataset's merchant orders whose
        current status is ``status``."""
        orders = {o.amazon_order_id: o for o in self.amazon_orders()}
        return [
            (orders[amazon_id], truth)
            for amazon_id, (truth, event) in self.expected_orders().items()
            if event["status"] == status and truth["fulfilledBy"] == "MERCHANT"
        ]

    def assert_chain_left_once(self, steps):
        step_types = self.use_steps(steps)
        stock_location = self.warehouse.lot_stock_id
        before = self.on_hand(stock_location)
        self.assertEqual(set(before.values()), {STOCK})
        self.sync()
        shipped = self.merchant("SHIPPED")
        partial = self.merchant("PARTIALLY_SHIPPED")
        waiting = self.merchant("UNSHIPPED")
        self.assertGreater(len(shipped), 5)
        self.assertTrue(partial, "the dataset has partly shipped merchant orders")
        self.assertTrue(waiting, "the dataset has merchant orders still to ship")
        # What left and what is still to ship, per SKU, from the dataset:
        # everything of a shipped order, the first line of a partly shipped
        # one (as the sandbox ships them).
        left, to_ship = Counter(), Counter()
        for _order, truth in shipped:
            left.update({i["sku"]: i["quantity"] for i in truth["items"]})
        for _order, truth in partial:
            first, *rest = truth["items"]
            left[first["sku"]] += first["quantity"]
            to_ship.update({i["sku"]: i["quantity"] for i in rest})
        for _order, truth in waiting:
            to_ship.update({i["sku"]: i["quantity"] for i in truth["items"]})
        self.assertTrue(left)

        for order, truth in shipped:
            # Every step of the warehouse was there, and none stays open.
            self.assertEqual(
                set(order.picking_ids.picking_type_id), set(step_types), order.name
            )
            self.assertEqual(
                set(order.picking_ids.mapped("state")), {"done"}, order.name
            )
            # Each step moved what Amazon shipped, once.
            items = {i["orderItemId"]: i["quantity"] for i in truth["items"]}
            for step in step_types:
                self.assertEqual(
                    self.done_per_item(order, step), items, (order.name, step.name)
                )
            deliveries = order.picking_ids.filtered(
                lambda p: p._amazon_ships_to_buyer()
            )
            self.assertEqual(
                set(deliveries.mapped("amazon_confirm_source")), {"amazon"}
            )
            self.assertFalse(self.sandbox.confirmations(order_id=order.amazon_order_id))
            self.assertFalse(order.amazon_sync_error)
        first_step = step_types[0]
        for order, truth in partial:
            first, *rest = truth["items"]
            for step in step_types:
                # The first line went through every step, once.
                self.assertEqual(
                    self.done_per_item(order, step),
                    {first["orderItemId"]: first["quantity"]},
                    (order.name, step.name),
                )
            # The rest waits, reserved, in a backorder of the first step;
            # Odoo creates the next steps once it is picked.
            still_open = order.picking_ids.filtered(
                lambda p: p.state not in ("done", "cancel")
            )
            self.assertEqual(still_open.picking_type_id, first_step, order.name)
            self.assertEqual(len(still_open), 1, order.name)
            self.assertTrue(still_open.backorder_id, order.name)
            self.assertEqual(
                {
                    m.sale_line_id.amazon_item_id: m.product_uom_qty
                    for m in still_open.move_ids
                },
                {i["orderItemId"]: i["quantity"] for i in rest},
                order.name,
            )
            self.assertEqual(set(still_open.move_ids.mapped("state")), {"assigned"})
        # The stock left once per unit shipped: on hand dropped by exactly
        # what Amazon shipped, and nothing is stranded between the steps.
        after = self.on_hand(stock_location)
        self.assertEqual(
            {
                sku: before[sku] - after[sku]
                for sku in before
                if before[sku] != after[sku]
            },
            dict(left),
        )
        for location in (
            self.warehouse.wh_output_stock_loc_id,
            self.warehouse.wh_pack_stock_loc_id,
        ):
            self.assertEqual(set(self.on_hand(location).values()), {0}, location.name)
        # Nothing is reserved for goods that left: only what is still to ship.
        self.assertEqual(self.reserved(), +to_ship)
        # A second sync changes nothing: every step was validated once.
        done_moves = self.env["stock.move"].search_count([("state", "=", "done")])
        self.sync()
        self.assertEqual(
            self.env["stock.move"].search_count([("state", "=", "done")]), done_moves
        )
        self.assertEqual(self.on_hand(stock_location), after)

    def test_two_step_deliveries_leave_once(self):
        self.assert_chain_left_once("pick_ship")

    def test_three_step_deliveries_leave_once(self):
        self.assert_chain_left_once("pick_pack_ship")

    def test_a_step_that_needs_lots_stops_the_chain_and_says_so(self):
        step_types = self.use_steps("pick_ship")
        shipped = {
            truth["orderId"]: truth
            for truth, event in self.expected_orders().values()
            if event["status"] == "SHIPPED" and truth["fulfilledBy"] == "MERCHANT"
        }
        sku = Counter(
            i["sku"] for truth in shipped.values() for i in truth["items"]
        ).most_common(1)[0][0]
        # Lot-tracked, and its stock has no lot: the pick needs a person.
        self.products[sku].tracking = "lot"
        self.sync()
        stopped = 0
        for order, truth in self.merchant("SHIPPED"):
            if sku not in {i["sku"] for i in truth["items"]}:
                continue
            stopped += 1
            pick = order.picking_ids.filtered(
                lambda p: (
                    p.picking_type_id == step_types[0]
                    and p.state not in ("done", "cancel")
                )
            )
            self.assertTrue(pick, order.name)
            self.assertIn(pick[0].name, order.amazon_sync_error or "")
            # Nothing went on to the delivery for the lot-tracked goods.
            self.assertFalse(
                order.picking_ids.move_ids.filtered(
                    lambda m: m.product_id == self.products[sku] and m.state == "done"
                ),
                order.name,
            )
        self.assertTrue(stopped)

    def test_sellers_who_ship_from_odoo_keep_every_step_open(self):
        """With the "activity" option nothing is validated; the activity is
        on the delivery, and until Odoo creates it (once the goods are
        picked) on the open pick."""
        self.use_steps("pick_ship")
        # Every region's account: the sync runs them all.
        self.accounts.shipped_elsewhere = "activity"
        self.accounts.auto_invoice = True
        self.sync()
        shipped = self.merchant("SHIPPED")
        self.assertTrue(shipped)
        for order, _truth in shipped:
            self.assertFalse(order.picking_ids.filtered(lambda p: p.state == "done"))
            for picking in order.picking_ids:
                self.assertEqual(
                    picking.activity_ids.mapped("summary"),
                    ["Amazon reports this order shipped"],
                    picking.name,
                )
            # Invoiced once the goods leave in Odoo, not while the pick is open.
            self.assertFalse(
                order.invoice_ids.filtered(lambda m: m.state == "posted"), order.name
            )
        self.assertEqual(
            set(self.on_hand(self.warehouse.lot_stock_id).values()), {STOCK}
        )


@tagged("post_install", "-at_install")
class TestLabelMultiStep(MultiStepCase):
    """A label bought for the delivery of a two-step warehouse."""

    sandbox_options = {"orders": 60, "seed": 7, "new_orders": 0.6}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account.package_type_id = cls.env["stock.package.type"].create(
            {"name": "Box", "packaging_length": 300, "width": 200, "height": 100}
        )
        cls.env.company.partner_id.write(
            {
                "street": "1 Warehouse Way",
                "city": "Reno",
                "zip": "89501",
                "state_id": cls.env.ref("base.state_us_23").id,
                "country_id": cls.env.ref("base.us").id,
            }
        )
        cls.clerk = new_test_user(
            cls.env,
            login="steps_shipper",
            groups="stock.group_stock_user,amazon_pii.group_amazon_shipping",
        )
        cls.clerk.sudo().totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

    def test_label_takes_the_goods_through_the_pick_once(self):
        pick_type, out_type = self.use_steps("pick_ship")
        self.sandbox.advance_clock(86400)
        self.sync()
        truth = {o["orderId"]: o for o in self.sandbox.dataset()["orders"]}
        order = next(
            o
            for o in self.amazon_orders().sorted("id")
            if o.amazon_status == "UNSHIPPED"
            and truth[o.amazon_order_id]["fulfilledBy"] == "MERCHANT"
        )
        items = truth[order.amazon_order_id]["items"]
        # Odoo 18 creates the pick; the delivery comes once it is picked.
        pick = order.picking_ids
        self.assertEqual(pick.picking_type_id, pick_type)
        before = self.on_hand(self.warehouse.lot_stock_id)
        reserved = self.reserved()
        for item in items:
            self.assertGreaterEqual(reserved[item["sku"]], item["quantity"])
        for move in pick.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        pick.with_context(skip_backorder=True, skip_sms=True).button_validate()
        delivery = order.picking_ids - pick
        self.assertEqual(delivery.picking_type_id, out_type)
        self.assertTrue(delivery._amazon_ships_to_buyer())
        self.assertEqual(delivery.state, "assigned")

        # Rates reveal the address: the clerk's stepped-up web session.
        web_session(self, self.clerk)
        action = delivery.with_user(self.clerk).action_amazon_get_rates()
        wizard = self.env["amazon.label.wizard"].browse(action["res_id"])
        wizard.with_user(self.clerk).rate_ids.sorted("price")[0].action_buy()
        self.env.invalidate_all()

        self.assertTrue(delivery.amazon_has_label)
        self.assertEqual(set(order.picking_ids.mapped("state")), {"done"})
        shipped = {i["orderItemId"]: i["quantity"] for i in items}
        self.assertEqual(self.done_per_item(order, pick_type), shipped)
        self.assertEqual(self.done_per_item(order, out_type), shipped)
        after = self.on_hand(self.warehouse.lot_stock_id)
        self.assertEqual(
            {
                sku: before[sku] - after[sku]
                for sku in before
                if before[sku] != after[sku]
            },
            {i["sku"]: i["quantity"] for i in items},
        )
        self.assertEqual(
            set(self.on_hand(self.warehouse.wh_output_stock_loc_id).values()), {0}
        )
        # The pick's reservation went with the goods.
        expected = Counter(reserved)
        expected.subtract({i["sku"]: i["quantity"] for i in items})
        self.assertEqual(self.reserved(), +expected)
