"""Voiding an Amazon Shipping label (Shipping v2 cancelShipment), end to end
against the local SP-API sandbox."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.amazon_pii.tests.common import new_test_user, web_session

from .test_shipments import LabelCase

PICKUP_SECONDS = 2 * 3600  # the sandbox's carrier scans the parcel 2 h after


@tagged("post_install", "-at_install")
class TestLabelVoid(LabelCase):
    def units(self, picking):
        """{product: quantity moved} of a transfer."""
        done = {}
        for move in picking.move_ids.filtered(lambda m: m.state == "done"):
            done[move.product_id] = done.get(move.product_id, 0) + move.quantity
        return done

    def stored(self, order):
        return set(self.env["amazon.pii.vault"].sudo().stored_keys(order))

    def test_void_deletes_the_label_unships_the_order_and_ships_again(self):
        order = self.order_to_ship()
        picking, _rate, _action = self.buy_label(order)
        key = picking._amazon_label_key()
        tracking = picking.carrier_tracking_ref
        # The checks below see a label when there is one.
        self.assertIn(key, self.stored(order))
        self.assertEqual(picking.state, "done")
        self.assertEqual(self.amazon_status(order), "SHIPPED")

        action = picking.with_user(self.clerk).action_amazon_void_label()
        self.env.invalidate_all()
        self.assertEqual(action["params"]["type"], "success")
        # Amazon's truth: the label's confirmation is withdrawn (a void that
        # never reached Amazon would leave the order SHIPPED).
        self.assertEqual(self.amazon_status(order), "UNSHIPPED")
        [record] = self.confirmations(order)
        self.assertTrue(record.get("voided"))
        # The label (it prints the address) is gone from the vault, the
        # order's other buyer data is not (a whole-order purge would take it).
        self.assertNotIn(key, self.stored(order))
        self.assertIn("address_line1", self.stored(order))
        self.assertFalse(picking.amazon_has_label)
        self.assertFalse(picking.amazon_shipment_id)
        self.assertFalse(picking.carrier_tracking_ref)
        self.assertFalse(picking.amazon_confirm_state)
        self.assertFalse(picking.amazon_label_voiding_since)
        refused = self.print_label(picking)
        self.assertNotEqual(refused.status_code, 200)
        self.assertNotIn(tracking.encode(), refused.content)
        # The chatter says what was voided (tracking, not the address).
        note = picking.message_ids.filtered(lambda m: "voided" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn(tracking, note.body)
        recipient = self.truth(order)
        self.assertNotIn(recipient["addressLine1"], note.body)
        self.assertNotIn(recipient["name"], note.body)
        # The goods never left: back in stock, a new delivery waits for a label.
        returned = order.picking_ids.filtered(lambda p: p.return_id == picking)
        self.assertTrue(self.units(picking))
        self.assertEqual(len(returned), 1)
        self.assertEqual(returned.state, "done")
        self.assertEqual(returned.location_dest_id.usage, "internal")
        self.assertEqual(self.units(returned), self.units(picking))
        waiting = order.picking_ids.filtered(
            lambda p: p._amazon_ships_to_buyer() and p.state not in ("done", "cancel")
        )
        self.assertEqual(len(waiting), 1)
        self.assertTrue(waiting.amazon_label_ready)
        # ... and Amazon sells it one, as for any unshipped order.
        web_session(self, self.clerk)
        opened = waiting.with_user(self.clerk).action_amazon_get_rates()
        wizard = self.env["amazon.label.wizard"].browse(opened["res_id"])
        wizard.rate_ids.sorted("price")[0].with_user(self.clerk).action_buy()
        self.env.invalidate_all()
        self.assertTrue(waiting.amazon_has_label)
        self.assertEqual(self.amazon_status(order), "SHIPPED")

    def test_amazon_refuses_once_the_carrier_has_the_parcel(self):
        order = self.order_to_ship()
        picking, _rate, _action = self.buy_label(order)
        key = picking._amazon_label_key()
        shipment = picking.amazon_shipment_id
        self.sandbox.advance_clock(PICKUP_SECONDS + 60)
        # Not assertRaises: its savepoint would undo the units' commits.
        try:
            with mute_logger("amazon_connector.spapi"):
                picking.with_user(self.clerk).action_amazon_void_label()
        except UserError as exc:
            message = str(exc)
        else:
            self.fail("a label the carrier has was voided")
        self.env.invalidate_all()
        # Amazon's own reason, naming the delivery.
        self.assertIn("picked up", message)
        self.assertIn(picking.name, message)
        self.assertNotIn("request id", message)  # plain words, no plumbing
        # Nothing changed: the label, its vault entry and the shipment stay.
        self.assertTrue(picking.amazon_has_label)
        self.assertEqual(picking.amazon_shipment_id, shipment)
        self.assertIn(key, self.stored(order))
        self.assertFalse(picking.amazon_label_voiding_since)
        self.assertEqual(self.amazon_status(order), "SHIPPED")
        logged = picking.message_ids.filtered(lambda m: "picked up" in (m.body or ""))
        self.assertEqual(len(logged), 1)

    def test_voiding_needs_shipping_staff_and_a_label(self):
        order = self.order_to_ship()
        picking = order.picking_ids
        stock_user = new_test_user(
            self.env, login="amazon_stock_void", groups="stock.group_stock_user"
        )
        with self.assertRaises(AccessError):
            picking.with_user(stock_user).action_amazon_void_label()
        with self.assertRaisesRegex(UserError, "has no Amazon label"):
            picking.with_user(self.clerk).action_amazon_void_label()
