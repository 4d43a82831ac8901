"""MCF after the second reading of #20, against the sandbox: a cancel goes
through amazon.work._send and is not repeated blindly after a crash; a
delivery cancelled or failed at Amazon is sent again as a new MCF order;
it returns to its own warehouse and is reserved there; a CompletePartialled
order validates only what Amazon shipped and backorders the rest at home;
a mixed-currency preview is never summed; Amazon's text echoing the
buyer's address reaches no person, chatter or log."""

import logging
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.amazon_pii.tests.common import new_test_user

from ..core import mcf
from .common import SandboxCase, sandbox_module
from .test_shipments import LabelCase

MCF = sandbox_module("handlers.fulfillment")
CREATE = "/fba/outbound/2020-07-01/fulfillmentOrders"


@tagged("post_install", "-at_install")
class TestMcfAttempts(SandboxCase):
    sandbox_options = {"orders": 5, "seed": 11}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account._ensure_fba_warehouse()
        cls.warehouse = cls.account.warehouse_id
        stock = cls.fba_stock_at_amazon()
        cls.sku = next(s for s, q in sorted(stock.items()) if q >= 3)
        cls.at_amazon = stock[cls.sku]
        cls.product = cls.env["product.product"].create(
            {
                "name": "MCF attempts product",
                "is_storable": True,
                "default_code": cls.sku,
            }
        )
        # The seller's own warehouse has the goods too: a delivery brought
        # home can be reserved there.
        cls.env["stock.quant"]._update_available_quantity(
            cls.product, cls.warehouse.lot_stock_id, 50
        )
        cls.customer = cls.web_customer("Zoë Webshopper", "77 Privacy Lane")
        cls.clerk = new_test_user(
            cls.env(context=dict(cls.env.context, no_reset_password=True)),
            login="mcf_attempts_shipper",
            groups="stock.group_stock_user,amazon_pii.group_amazon_shipping",
        )

    def delivery(self, quantity=1, partner=None, uom=None):
        home = self.warehouse.lot_stock_id
        customers = self.env.ref("stock.stock_location_customers")
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "partner_id": (partner or self.customer).id,
                "location_id": home.id,
                "location_dest_id": customers.id,
                "move_ids": [
                    fields.Command.create(
                        {
                            "name": self.product.name,
                            "product_id": self.product.id,
                            "product_uom_qty": quantity,
                            "product_uom": (uom or self.product.uom_id).id,
                            "location_id": home.id,
                            "location_dest_id": customers.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        return picking

    def calls(self, operation):
        ops = self.sandbox.stats()["operations"]
        return ops.get(operation, {}).get("calls", 0)

    def at_sandbox(self, order_id):
        with self.account.sudo()._client() as client:
            return client.get_fulfillment_order(order_id)["payload"]

    def cancel(self, picking):
        """*Cancel MCF order* by shipping staff; Amazon's refusal as text.
        Not assertRaises: its savepoint would undo the units' commits."""
        try:
            picking.with_user(self.clerk).action_amazon_mcf_cancel()
        except UserError as exc:
            return str(exc)
        finally:
            self.env.invalidate_all()
        return None

    def poll(self):
        self.env.flush_all()
        self.env["stock.picking"]._cron_amazon_mcf_poll()
        self.env.invalidate_all()

    # -- 1. the cancel goes through amazon.work._send ------------------------------
    def test_cancel_is_claimed_called_and_settled(self):
        picking = self.delivery()
        self.assertTrue(picking._amazon_mcf_send("Standard"))
        work = type(self.env["amazon.work"])
        seen = []
        original = work._send

        def spy(self_, claim, call, settle, **options):
            seen.append(options.get("rows"))
            return original(self_, claim, call, settle, **options)

        before = self.calls("cancelFulfillmentOrder")
        with patch.object(work, "_send", spy):
            self.assertIsNone(self.cancel(picking))
        # Bug caught: Amazon called inside the person's transaction (a
        # rollback of the request then forgets a cancel Amazon made).
        self.assertEqual(seen, [[("stock.picking", [picking.id])]])
        self.assertEqual(self.calls("cancelFulfillmentOrder"), before + 1)
        self.assertEqual(picking.amazon_mcf_state, "cancelled")
        self.assertFalse(picking.amazon_mcf_cancel_since)
        # Bug caught: the settle runs as superuser, so the chatter's author
        # is OdooBot and nothing says which person cancelled.
        said = picking.message_ids.filtered(lambda m: "cancelled at Amazon" in m.body)
        self.assertEqual(len(said), 1)
        self.assertIn(self.clerk.name, said.body)
        order = self.at_sandbox(picking.amazon_mcf_order_id)["fulfillmentOrder"]
        self.assertEqual(order["fulfillmentOrderStatus"], "Cancelled")

    def test_a_cancel_left_by_a_crash_asks_amazon_before_cancelling_again(self):
        picking = self.delivery()
        picking._amazon_mcf_send("Standard")
        # A cancel claimed, sent and accepted, then the worker died before
        # the settle: Amazon has it cancelled, the delivery says "cancelling".
        with self.account.sudo()._client() as client:
            client.cancel_fulfillment_order(picking.amazon_mcf_order_id)
        picking.sudo().amazon_mcf_cancel_since = fields.Datetime.now() - timedelta(
            hours=1
        )
        cancels = self.calls("cancelFulfillmentOrder")
        gets = self.calls("getFulfillmentOrder")
        self.assertIsNone(self.cancel(picking))
        # Bug caught: the retry calls cancelFulfillmentOrder blindly again.
        self.assertEqual(self.calls("cancelFulfillmentOrder"), cancels)
        self.assertEqual(self.calls("getFulfillmentOrder"), gets + 1)
        self.assertEqual(picking.amazon_mcf_state, "cancelled")

    def test_a_cancel_under_way_is_not_sent_twice(self):
        picking = self.delivery()
        picking._amazon_mcf_send("Standard")
        picking.sudo().amazon_mcf_cancel_since = fields.Datetime.now()
        cancels = self.calls("cancelFulfillmentOrder")
        problem = self.cancel(picking)
        self.assertIn("being cancelled", problem or "")
        self.assertEqual(self.calls("cancelFulfillmentOrder"), cancels)
        self.assertEqual(picking.amazon_mcf_state, "received")

    # -- 2. a new sending is a new MCF order ---------------------------------------
    def test_a_delivery_cancelled_at_amazon_is_sent_again_as_a_new_order(self):
        picking = self.delivery()
        self.assertTrue(picking._amazon_mcf_send("Standard"))
        first = picking.amazon_mcf_order_id
        self.assertEqual(picking.amazon_mcf_attempt, 1)
        self.assertIsNone(self.cancel(picking))
        creates = self.calls("createFulfillmentOrder")
        self.assertTrue(picking._amazon_mcf_send("Expedited"))
        second = picking.amazon_mcf_order_id
        # Bug caught: the cancelled order's id sent again (Amazon refuses
        # it, or the delivery follows the cancelled order as if new).
        self.assertNotEqual(second, first)
        self.assertEqual(picking.amazon_mcf_attempt, 2)
        self.assertEqual(self.calls("createFulfillmentOrder"), creates + 1)
        self.assertEqual(picking.amazon_mcf_state, "received")
        new = self.at_sandbox(second)["fulfillmentOrder"]
        self.assertEqual(new["fulfillmentOrderStatus"], "Received")
        self.assertEqual(new["shippingSpeedCategory"], "Expedited")
        old = self.at_sandbox(first)["fulfillmentOrder"]
        self.assertEqual(old["fulfillmentOrderStatus"], "Cancelled")

    def test_a_retry_of_the_same_attempt_keeps_its_id(self):
        picking = self.delivery()
        picking._amazon_mcf_send("Standard")
        order_id = picking.amazon_mcf_order_id
        # As if the settle never ran (worker died after Amazon accepted).
        picking.sudo().amazon_mcf_state = "sending"
        creates = self.calls("createFulfillmentOrder")
        self.poll()
        self.assertEqual(picking.amazon_mcf_state, "received")
        self.assertEqual(picking.amazon_mcf_order_id, order_id)
        self.assertEqual(picking.amazon_mcf_attempt, 1)
        self.assertEqual(self.calls("createFulfillmentOrder"), creates)

    # -- 3. home again after a cancel or a failure ---------------------------------
    def test_a_cancelled_delivery_returns_to_its_warehouse_reserved(self):
        picking = self.delivery(2)
        home = picking.location_id
        self.assertEqual(home, self.warehouse.lot_stock_id)
        picking._amazon_mcf_send("Standard")
        self.assertEqual(picking.location_id, self.account.fba_location_id)
        self.assertIsNone(self.cancel(picking))
        # Bug caught: the delivery kept the FBA location as its source, so
        # the warehouse could not ship it (nor reserve its goods).
        self.assertEqual(picking.location_id, home)
        self.assertEqual(picking.move_ids.location_id, home)
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(picking.move_line_ids.location_id, home)
        self.assertFalse(picking.amazon_mcf_source_location_id)

    def test_a_delivery_amazon_refuses_returns_to_its_warehouse(self):
        picking = self.delivery(self.at_amazon + 1)  # more than Amazon holds
        home = picking.location_id
        with self.assertLogs("amazon_connector.spapi", "WARNING"):
            self.assertFalse(picking._amazon_mcf_send("Standard"))
        self.env.invalidate_all()
        self.assertEqual(picking.amazon_mcf_state, "failed")
        self.assertEqual(picking.location_id, home)
        self.assertEqual(picking.move_ids.location_id, home)
        self.assertEqual(picking.state, "assigned")

    def test_an_unfulfillable_order_returns_to_its_warehouse(self):
        picking = self.delivery()
        home = picking.location_id
        picking._amazon_mcf_send("Standard")
        self.sandbox.mcf_damage(picking.amazon_mcf_order_id, self.sku, 1)
        self.sandbox.advance_clock(13 * 3600)
        self.poll()
        self.assertEqual(picking.amazon_mcf_state, "failed")
        self.assertEqual(picking.location_id, home)
        self.assertEqual(picking.state, "assigned")

    # -- 4. CompletePartialled -----------------------------------------------------
    def test_complete_partialled_validates_what_shipped_and_backorders_the_rest(self):
        picking = self.delivery(3)
        home = picking.location_id
        fba = self.account.fba_location_id
        picking._amazon_mcf_send("Standard")
        self.assertEqual(
            self.sandbox.mcf_damage(picking.amazon_mcf_order_id, self.sku, 2), 2
        )
        self.sandbox.advance_clock(13 * 3600)
        self.poll()
        # Amazon's own figures, read independently of the poll.
        payload = self.at_sandbox(picking.amazon_mcf_order_id)
        self.assertEqual(
            payload["fulfillmentOrder"]["fulfillmentOrderStatus"], "CompletePartialled"
        )
        shipped = sum(
            i["quantity"]
            for s in payload["fulfillmentShipments"]
            for i in s["fulfillmentShipmentItem"]
        )
        self.assertEqual(shipped, 1)
        self.assertEqual(picking.state, "done")
        # Bug caught: 3 units validated out of FBA stock when 1 left.
        self.assertEqual(sum(picking.move_ids.mapped("quantity")), shipped)
        self.assertEqual(picking.move_ids.location_id, fba)
        backorder = self.env["stock.picking"].search(
            [("backorder_id", "=", picking.id)]
        )
        self.assertEqual(len(backorder), 1)
        self.assertEqual(backorder.move_ids.product_uom_qty, 2)
        self.assertEqual(backorder.location_id, home)
        self.assertEqual(backorder.move_ids.location_id, home)
        self.assertEqual(backorder.state, "assigned")
        self.assertFalse(backorder.amazon_mcf_state)
        activity = backorder.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn(f"2 units of {self.sku}", activity.note)
        note = picking.message_ids.filtered(
            lambda m: f"2 units of {self.sku}" in (m.body or "")
        )
        self.assertEqual(len(note), 1)

    def test_a_delivery_in_packs_sends_and_validates_amazons_units(self):
        # Bug caught: the move's quantity in its own unit (1 pack) sent to
        # Amazon, which counts the SKU's units (2), and validated as such.
        pack = self.env["uom.uom"].create(
            {
                "name": "Pack of 2",
                "category_id": self.product.uom_id.category_id.id,
                "uom_type": "bigger",
                "factor_inv": 2,
            }
        )
        picking = self.delivery(1, uom=pack)
        picking._amazon_mcf_send("Standard")
        items = self.at_sandbox(picking.amazon_mcf_order_id)["fulfillmentOrderItems"]
        self.assertEqual([i["quantity"] for i in items], [2])
        self.assertEqual(
            self.sandbox.mcf_damage(picking.amazon_mcf_order_id, self.sku, 1), 1
        )
        self.sandbox.advance_clock(13 * 3600)
        self.poll()
        self.assertEqual(picking.state, "done")
        # One unit shipped is half a pack; the other unit is the backorder.
        self.assertEqual(picking.move_ids.quantity, 0.5)
        self.assertEqual(picking.move_ids.product_uom, pack)
        backorder = self.env["stock.picking"].search(
            [("backorder_id", "=", picking.id)]
        )
        self.assertEqual(len(backorder), 1)
        self.assertEqual(backorder.move_ids.product_qty, 1)
        self.assertIn(f"1 units of {self.sku}", backorder.activity_ids.note)

    # -- 5. fees of different currencies ----------------------------------------------
    def test_the_wizard_never_shows_a_sum_across_currencies(self):
        picking = self.delivery()
        reply = {
            "payload": {
                "fulfillmentPreviews": [
                    {
                        "shippingSpeedCategory": "Standard",
                        "isFulfillable": True,
                        "isCODCapable": False,
                        "marketplaceId": "ATVPDKIKX0DER",
                        "estimatedFees": [
                            {
                                "name": "FBAPerOrderFulfillmentFee",
                                "amount": {"currencyCode": "USD", "value": "3.00"},
                            },
                            {
                                "name": "FBATransportationFee",
                                "amount": {"currencyCode": "CAD", "value": "1.20"},
                            },
                        ],
                    }
                ]
            }
        }
        rows = mcf.parse_preview(reply)
        with patch.object(type(picking), "_amazon_mcf_preview", lambda self_: rows):
            action = picking.with_user(self.clerk).action_amazon_mcf_open()
        wizard = self.env["amazon.mcf.wizard"].browse(action["res_id"])
        self.assertEqual(len(wizard.line_ids), 1)
        line = wizard.line_ids
        self.assertEqual(line.fee_text, "3.00 USD + 1.20 CAD")
        # Bug caught: 4.20 "USD" shown (3.00 + 1.20 added across currencies).
        self.assertFalse(line.fee)
        self.assertFalse(line.currency)

    # -- 6. Amazon's text echoing the address ---------------------------------------
    def test_an_error_echoing_the_address_reaches_no_person_chatter_or_log(self):
        echo = self.customer.copy({"zip": MCF.ECHO_POSTAL_CODE})
        picking = self.delivery(partner=echo)
        body = mcf.create_request(
            "ATVPDKIKX0DER",
            "RAW-ECHO-1",
            picking.name,
            fields.Datetime.now(),
            "Standard",
            picking._amazon_mcf_address(),
            [(1, self.sku, 1)],
            "",
        )
        status, raw = self.sandbox.raw_sp_api("POST", CREATE, body)
        # The raw sandbox error does carry the buyer's name and street.
        self.assertEqual(status, 400)
        self.assertIn(echo.name, raw["errors"][0]["message"])
        self.assertIn(echo.street, raw["errors"][0]["message"])
        with self.assertLogs(level=logging.INFO) as logs:
            try:
                picking._amazon_mcf_preview()
            except UserError as exc:
                preview_error = str(exc)
            else:
                preview_error = None
            sent = picking._amazon_mcf_send("Standard")
        self.env.invalidate_all()
        self.assertTrue(preview_error)
        self.assertFalse(sent)
        self.assertEqual(picking.amazon_mcf_state, "failed")
        item = self.env["amazon.work.item"]._for("mcf", picking, self.account)
        chatter = " ".join(picking.message_ids.mapped("body"))
        seen = {
            "preview error": preview_error,
            "delivery message": picking.amazon_mcf_message or "",
            "work item": item.last_error or "",
            "chatter": chatter,
            "log": "\n".join(logs.output),
        }
        self.assertTrue(seen["delivery message"] and seen["work item"])
        for where, text in seen.items():
            for pii in (echo.name, echo.street):
                self.assertNotIn(pii, text, where)


@tagged("post_install", "-at_install")
class TestLabelVoidWhy(LabelCase):
    def test_the_chatter_says_who_voided_the_label(self):
        order = self.order_to_ship()
        picking, _rate, _action = self.buy_label(order)
        picking.with_user(self.clerk).action_amazon_void_label()
        self.env.invalidate_all()
        note = picking.message_ids.filtered(lambda m: "voided" in (m.body or ""))
        self.assertEqual(len(note), 1)
        # Bug caught: a void whose chatter does not say who asked for it.
        self.assertIn(f"Voided by {self.clerk.name}", note.body)

    def test_an_undo_of_automation_says_so(self):
        order = self.order_to_ship()
        picking, _rate, _action = self.buy_label(order)
        picking._amazon_void_label(why="Undo of the automated label purchase.")
        self.env.invalidate_all()
        note = picking.message_ids.filtered(lambda m: "voided" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn("Undo of the automated label purchase.", note.body)
        self.assertNotIn("Voided by", note.body)
