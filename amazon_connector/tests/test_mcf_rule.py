"""MCF by rule against the sandbox: off sends nothing; on sends a manual
sale order's delivery covered by FBA stock (the sandbox holds the order);
not fulfillable, over the cap, short FBA stock and Amazon orders are left to
a person with the reason on the delivery; undo cancels at Amazon."""

from decimal import Decimal

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.amazon_pii.tests.common import new_test_user

from .common import SandboxCase, sandbox_module

MCF = sandbox_module("handlers.fulfillment")


@tagged("post_install", "-at_install")
class TestMcfRule(SandboxCase):
    sandbox_options = {"orders": 5, "seed": 11}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account._ensure_fba_warehouse()
        cls.fba = cls.account.fba_warehouse_id
        stock = cls.fba_stock_at_amazon()
        cls.sku, cls.at_amazon = next(
            (s, q) for s, q in sorted(stock.items()) if q >= 2
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "MCF rule product",
                "is_storable": True,
                "default_code": cls.sku,
                "list_price": 20.0,
            }
        )
        cls.customer = cls.web_customer()

    def undo(self, picking):
        """*Cancel MCF order*, clicked by shipping staff."""
        clerk = new_test_user(
            self.env(context=dict(self.env.context, no_reset_password=True)),
            login="mcf_rule_shipper",
            groups="stock.group_stock_user,amazon_pii.group_amazon_shipping",
        )
        return picking.with_user(clerk).action_amazon_mcf_cancel()

    def set_fba_stock(self, units):
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": self.product.id,
                "location_id": self.fba.lot_stock_id.id,
                "inventory_quantity": units,
            }
        ).action_apply_inventory()

    def rule(self, max_fee=100.0, speed="Expedited"):
        self.account.write(
            {
                "mcf_rule": "fba_stock",
                "mcf_rule_speed": speed,
                "mcf_rule_max_fee": max_fee,
            }
        )

    def delivery(self, quantity=1, amazon_order_id=False):
        """The delivery of a manual sale order (or, with ``amazon_order_id``,
        of an order marked as the account's Amazon order)."""
        values = {
            "partner_id": self.customer.id,
            "order_line": [
                (0, 0, {"product_id": self.product.id, "product_uom_qty": quantity})
            ],
        }
        order = self.env["sale.order"].create(values)
        if amazon_order_id:
            order.sudo().write(
                {
                    "amazon_account_id": self.account.id,
                    "amazon_order_id": amazon_order_id,
                }
            )
        order.action_confirm()
        self.assertEqual(len(order.picking_ids), 1)
        return order.picking_ids

    def run_rule(self):
        self.env.flush_all()
        self.env["stock.picking"]._cron_amazon_mcf_rule()
        self.env.invalidate_all()

    def creates(self):
        ops = self.sandbox.stats()["operations"]
        return ops.get("createFulfillmentOrder", {}).get("calls", 0)

    def at_sandbox(self, picking):
        with self.account.sudo()._client() as client:
            return client.get_fulfillment_order(picking.amazon_mcf_order_id)["payload"][
                "fulfillmentOrder"
            ]

    def notes(self, picking):
        return [
            m.body for m in picking.message_ids if m.body and "MCF by rule" in m.body
        ]

    def test_rule_off_sends_nothing(self):
        self.set_fba_stock(10)
        picking = self.delivery()
        self.assertEqual(self.account.mcf_rule, "off")  # the default
        before = self.creates()
        self.run_rule()
        # Catches the rule acting (or writing) while switched off.
        self.assertEqual(self.creates(), before)
        self.assertFalse(picking.amazon_mcf_state)
        self.assertFalse(picking.amazon_mcf_rule_state)
        self.assertEqual(self.notes(picking), [])

    def test_rule_sends_the_covered_delivery_and_undo_cancels(self):
        self.set_fba_stock(10)
        self.rule(max_fee=100.0, speed="Expedited")
        picking = self.delivery(2)
        before = self.creates()
        self.run_rule()
        self.assertEqual(self.creates(), before + 1)
        self.assertEqual(picking.amazon_mcf_rule_state, "sent")
        self.assertEqual(picking.amazon_mcf_state, "received")
        # The sandbox holds the order at the rule's speed.
        order = self.at_sandbox(picking)
        self.assertEqual(order["shippingSpeedCategory"], "Expedited")
        self.assertEqual(order["fulfillmentOrderStatus"], "Received")
        # The chatter says why, with the sandbox table's fee for 2 units.
        notes = self.notes(picking)
        self.assertEqual(len(notes), 1)
        fee = MCF.fee("Expedited", 2)
        self.assertEqual(fee, Decimal("12.50"))
        self.assertIn("sent to Amazon (Expedited)", notes[0])
        self.assertIn("12.5 USD", notes[0])
        self.assertNotIn(self.customer.street, notes[0])  # no buyer data
        # A second run leaves the decided delivery alone.
        self.run_rule()
        self.assertEqual(self.creates(), before + 1)
        # Undo: Cancel MCF order; the sandbox says cancelled.
        self.undo(picking)
        self.assertEqual(picking.amazon_mcf_state, "cancelled")
        self.assertEqual(
            self.at_sandbox(picking)["fulfillmentOrderStatus"], "Cancelled"
        )

    def test_undo_refused_by_amazon_is_shown(self):
        self.set_fba_stock(10)
        self.rule()
        picking = self.delivery()
        self.run_rule()
        self.assertEqual(picking.amazon_mcf_rule_state, "sent")
        self.sandbox.advance_clock(5 * 3600)  # now Processing at Amazon
        with (
            self.assertLogs("amazon_connector.spapi", "WARNING"),
            self.assertRaises(UserError) as refused,
        ):
            self.undo(picking)
        self.assertIn("can no longer be cancelled", str(refused.exception))
        self.assertEqual(
            self.at_sandbox(picking)["fulfillmentOrderStatus"], "Processing"
        )

    def test_not_fulfillable_at_amazon_is_not_sent(self):
        # Odoo's FBA quants say enough; Amazon holds fewer units.
        wanted = self.at_amazon + 1
        self.set_fba_stock(wanted)
        self.rule()
        picking = self.delivery(wanted)
        before = self.creates()
        self.run_rule()
        self.assertEqual(self.creates(), before)
        self.assertEqual(picking.amazon_mcf_rule_state, "skipped")
        self.assertFalse(picking.amazon_mcf_state)
        self.assertIn("InventoryUnavailable", picking.amazon_mcf_rule_reason)
        self.assertEqual(len(self.notes(picking)), 1)

    def test_over_the_cap_is_not_sent(self):
        self.set_fba_stock(10)
        # The sandbox's Priority fee for one unit is 13.50: a cap just below.
        self.assertEqual(MCF.fee("Priority", 1), Decimal("13.50"))
        self.rule(max_fee=13.49, speed="Priority")
        picking = self.delivery()
        before = self.creates()
        self.run_rule()
        self.assertEqual(self.creates(), before)
        self.assertEqual(picking.amazon_mcf_rule_state, "skipped")
        self.assertIn(
            "13.5 USD, is above the cap of 13.49", picking.amazon_mcf_rule_reason
        )
        # At the fee itself it is sent (the cap is inclusive).
        self.rule(max_fee=13.50, speed="Priority")
        other = self.delivery()
        self.run_rule()
        self.assertEqual(other.amazon_mcf_rule_state, "sent")
        self.assertEqual(self.creates(), before + 1)

    def test_short_fba_stock_in_odoo_is_not_sent(self):
        self.set_fba_stock(1)
        self.rule()
        picking = self.delivery(2)
        before = self.creates()
        self.run_rule()
        self.assertEqual(self.creates(), before)
        self.assertEqual(picking.amazon_mcf_rule_state, "skipped")
        self.assertIn("FBA stock does not cover", picking.amazon_mcf_rule_reason)
        self.assertIn("MCF rule product", picking.amazon_mcf_rule_reason)

    def test_amazon_order_is_never_sent(self):
        self.set_fba_stock(10)
        self.rule()
        picking = self.delivery(amazon_order_id="111-0000000-0000001")
        before = self.creates()
        self.run_rule()
        self.assertEqual(self.creates(), before)
        self.assertEqual(picking.amazon_mcf_rule_state, "skipped")
        self.assertIn("Amazon order", picking.amazon_mcf_rule_reason)
        self.assertFalse(picking.amazon_mcf_state)
