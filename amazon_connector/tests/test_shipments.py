"""Shipment confirmation, Amazon Shipping labels, tracking and its sharing,
end to end against the local SP-API sandbox."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import HttpCase, tagged
from odoo.tools import config, mute_logger

from odoo.addons.amazon_pii.tests.common import new_test_user, web_session

from ..models.accounts.amazon_account_endpoints import TRACKING_HOSTS_OPTION
from ..models.shipments import amazon_shipment
from .common import PersonSession, SandboxCase

TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class ShipmentCase(SandboxCase):
    """Recent orders (some still to ship), synced once for the class."""

    sandbox_options = {"orders": 120, "seed": 7, "new_orders": 0.6}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox.advance_clock(86400)
        cls.env.flush_all()
        # North America's orders: shipped from the US warehouse below.
        cls.env["amazon.order.sync"].run(cls.account)
        cls.env.invalidate_all()
        cls.used = set()
        service = cls.env["product.product"].create(
            {"name": "Carrier charge", "type": "service"}
        )
        cls.ups = cls.env["delivery.carrier"].create(
            {"name": "UPS", "product_id": service.id, "amazon_carrier_code": "UPS"}
        )
        cls.speedy = cls.env["delivery.carrier"].create(
            {
                "name": "Speedy Parcels",
                "product_id": service.id,
                "amazon_carrier_code": "SPEEDYP",  # not one of Amazon's codes
            }
        )
        cls.clerk = new_test_user(
            cls.env,
            login="amazon_shipper",
            groups="stock.group_stock_user,amazon_pii.group_amazon_shipping",
        )
        cls.clerk.sudo().totp_secret = TOTP
        box = cls.env["stock.package.type"].create(
            {
                "name": "Box 30x20x10",
                "packaging_length": 300,
                "width": 200,
                "height": 100,
            }
        )
        cls.account.package_type_id = box
        cls.env.company.partner_id.write(
            {
                "street": "1 Warehouse Way",
                "city": "Reno",
                "zip": "89501",
                "state_id": cls.env.ref("base.state_us_23").id,
                "country_id": cls.env.ref("base.us").id,
            }
        )
        cls.env["product.product"].search([("weight", "=", 0)]).weight = 0.4

    def order_to_ship(self, items=1, quantity=1):
        """An unshipped merchant order with at least ``items`` lines and a
        line of at least ``quantity`` units, not used by another test."""
        for order in self.amazon_orders().sorted("id"):
            lines = order.order_line.filtered("amazon_item_id")
            if (
                order.amazon_channel == "mfn"
                and order.amazon_status == "UNSHIPPED"
                and order.amazon_order_id not in self.used
                and len(lines) >= items
                and max(lines.mapped("product_uom_qty")) >= quantity
                and order.picking_ids.filtered(lambda p: p.state != "cancel")
            ):
                self.used.add(order.amazon_order_id)
                return order
        self.fail(f"no unshipped order with {items} items / {quantity} units left")

    def validate(
        self, picking, carrier=None, tracking="1ZSBXTEST0001", quantities=None
    ):
        """Validate like a clerk: carrier, tracking, picked quantities
        (``{amazon item id: qty}``, default all); a backorder for the rest."""
        picking.write(
            {"carrier_id": (carrier or self.ups).id, "carrier_tracking_ref": tracking}
        )
        for move in picking.move_ids:
            wanted = move.product_uom_qty
            if quantities is not None:
                wanted = quantities.get(move.sale_line_id.amazon_item_id, 0)
            move.quantity = wanted
            move.picked = wanted > 0
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
        self.assertEqual(picking.state, "done")

    def rates_wizard(self, order):
        """'Get rates' on the order's delivery, as the shipping clerk, from
        a web session that confirmed its 2FA code (the rates reveal the
        recipient's address)."""
        web_session(self, self.clerk)
        action = order.picking_ids.with_user(self.clerk).action_amazon_get_rates()
        return (
            self.env["amazon.label.wizard"]
            .with_user(self.clerk)
            .browse(action["res_id"])
        )

    def send(self):
        self.env.flush_all()
        self.env["amazon.shipment"]._cron_confirm_shipments()
        self.env.invalidate_all()

    def confirmations(self, order):
        return self.sandbox.confirmations(order_id=order.amazon_order_id)

    def amazon_status(self, order):
        # A confirmation is dated a second after the order's last event.
        self.sandbox.advance_clock(2)
        with self.account._client() as client:
            found = client.get_order(order.amazon_order_id, ["FULFILLMENT"])
        return found["order"]["fulfillment"]["fulfillmentStatus"]


@tagged("post_install", "-at_install")
class TestConfirmation(ShipmentCase):
    def test_full_delivery_confirms_every_item_after_commit(self):
        order = self.order_to_ship()
        picking = order.picking_ids
        calls = self.sandbox.stats()
        self.validate(picking)
        # Validation only queues the confirmation and wakes the cron.
        self.assertEqual(picking.amazon_confirm_state, "to_send")
        cron = self.env.ref("amazon_connector.ir_cron_amazon_confirm_shipments")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
        self.assertEqual(
            self.sandbox.stats()["operations"].get("confirmShipment", {}).get("calls"),
            calls["operations"].get("confirmShipment", {}).get("calls"),
        )
        self.send()
        self.assertEqual(picking.amazon_confirm_state, "sent")
        self.assertEqual(picking.amazon_confirm_source, "confirmation")
        [sent] = self.confirmations(order)
        self.assertEqual(sent["packageDetail"]["packageReferenceId"], str(picking.id))
        detail = sent["packageDetail"]
        self.assertEqual(detail["carrierCode"], "UPS")
        self.assertEqual(detail["trackingNumber"], "1ZSBXTEST0001")
        self.assertEqual(
            {i["orderItemId"]: i["quantity"] for i in detail["orderItems"]},
            {
                line.amazon_item_id: int(line.product_uom_qty)
                for line in order.order_line.filtered("amazon_item_id")
            },
        )
        self.assertEqual(self.amazon_status(order), "SHIPPED")

    def test_partial_then_split_send_the_quantities_shipped(self):
        order = self.order_to_ship(quantity=2)
        lines = order.order_line.filtered("amazon_item_id")
        big = lines.filtered(lambda line: line.product_uom_qty >= 2)[0]
        first = {big.amazon_item_id: 1}
        picking = order.picking_ids
        self.validate(picking, quantities=first)
        backorder = order.picking_ids - picking
        self.assertEqual(len(backorder), 1)
        self.send()
        self.assertEqual(picking.amazon_confirm_state, "sent")
        self.assertEqual(self.amazon_status(order), "PARTIALLY_SHIPPED")
        self.validate(backorder, tracking="1ZSBXTEST0002")
        self.send()
        self.assertEqual(backorder.amazon_confirm_state, "sent")
        sent = {
            c["packageDetail"]["packageReferenceId"]: c
            for c in self.confirmations(order)
        }
        ref1, ref2 = str(picking.id), str(backorder.id)
        self.assertEqual(set(sent), {ref1, ref2})
        self.assertEqual(
            sent[ref1]["packageDetail"]["orderItems"],
            [{"orderItemId": big.amazon_item_id, "quantity": 1}],
        )
        rest = {
            line.amazon_item_id: int(line.product_uom_qty)
            - first.get(line.amazon_item_id, 0)
            for line in lines
        }
        self.assertEqual(
            {
                i["orderItemId"]: i["quantity"]
                for i in sent[ref2]["packageDetail"]["orderItems"]
            },
            {k: v for k, v in rest.items() if v},
        )
        self.assertEqual(sent[ref2]["packageDetail"]["trackingNumber"], "1ZSBXTEST0002")
        self.assertEqual(self.amazon_status(order), "SHIPPED")

    def test_rejected_carrier_code_falls_back_to_other(self):
        order = self.order_to_ship()
        picking = order.picking_ids
        self.validate(picking, carrier=self.speedy)
        with self.assertLogs("amazon_connector.spapi", "WARNING") as logs:
            self.send()
        self.assertIn("Invalid carrierCode", logs.output[0])
        self.assertEqual(picking.amazon_confirm_state, "sent")
        self.assertIn("SPEEDYP", picking.amazon_confirm_message)
        [sent] = self.confirmations(order)
        self.assertEqual(sent["packageDetail"]["carrierCode"], "Other")
        self.assertEqual(sent["packageDetail"]["carrierName"], "Speedy Parcels")

    def test_missing_tracking_fails_with_activity_then_manual_retry(self):
        order = self.order_to_ship()
        picking = order.picking_ids
        self.validate(picking, tracking=False)
        self.send()
        self.assertEqual(picking.amazon_confirm_state, "failed")
        self.assertIn(picking.name, picking.amazon_confirm_message)
        self.assertIn("tracking number", picking.amazon_confirm_message)
        self.assertFalse(picking.amazon_confirm_next)  # needs a human, no retry
        activity = picking.amazon_confirm_activity_id
        self.assertTrue(activity)
        self.assertEqual(activity.res_id, picking.id)
        self.assertFalse(self.confirmations(order))
        picking.carrier_tracking_ref = "1ZSBXTEST0003"
        picking.with_user(self.clerk).action_amazon_confirm_shipment()
        self.assertEqual(picking.amazon_confirm_state, "sent")
        self.assertFalse(activity.exists())  # marked done
        self.assertEqual(len(self.confirmations(order)), 1)

    def test_unreachable_amazon_is_retried_with_backoff(self):
        order = self.order_to_ship()
        picking = order.picking_ids
        self.validate(picking)
        endpoint = self.account.endpoint_url
        self.account.endpoint_url = "http://127.0.0.1:9"  # nothing listens
        before = fields.Datetime.now()
        with self.assertLogs("amazon_connector.spapi", "WARNING"):
            self.send()
        self.assertEqual(picking.amazon_confirm_state, "failed")
        self.assertEqual(picking.amazon_confirm_attempts, 1)
        # The one backoff: 2 minutes after the first failure, spread +/- 20%.
        self.assertGreaterEqual(
            picking.amazon_confirm_next, before + timedelta(minutes=2 * 0.8)
        )
        self.assertLessEqual(
            picking.amazon_confirm_next,
            fields.Datetime.now() + timedelta(minutes=2 * 1.2, seconds=1),
        )
        self.assertTrue(picking.amazon_confirm_activity_id)
        self.send()  # not due yet: nothing happens
        self.assertEqual(picking.amazon_confirm_attempts, 1)
        self.account.endpoint_url = endpoint
        picking.amazon_confirm_next = before
        self.send()
        self.assertEqual(picking.amazon_confirm_state, "sent")
        self.assertEqual(len(self.confirmations(order)), 1)

    def test_order_already_shipped_on_amazon_is_not_confirmed_again(self):
        order = self.order_to_ship()
        order.amazon_status = "SHIPPED"  # e.g. confirmed on Seller Central
        picking = order.picking_ids
        self.validate(picking)
        self.send()
        self.assertEqual(picking.amazon_confirm_state, "sent")
        self.assertEqual(picking.amazon_confirm_source, "amazon")
        self.assertFalse(self.confirmations(order))

    def test_neutralized_copy_sends_nothing(self):
        # A provider host the server's configuration allows.
        with patch.dict(
            config.options, {TRACKING_HOSTS_OPTION: "tracking.example.com"}
        ):
            self.account.tracking_share_url = "https://tracking.example.com/hook"
        self.assertTrue(self.account.cron_id.active)
        self.env.flush_all()
        for query in get_neutralization_queries(["amazon_connector"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        for xmlid in (
            "ir_cron_amazon_confirm_shipments",
            "ir_cron_amazon_tracking",
            "ir_cron_amazon_listing_feeds",
            "ir_cron_amazon_listing_offers",
            "ir_cron_amazon_product_types",
        ):
            self.assertFalse(self.env.ref(f"amazon_connector.{xmlid}").active)
        self.assertFalse(self.account.cron_id.active)
        self.assertFalse(self.account.tracking_share_url)

    def test_lost_reply_is_checked_on_amazon_not_sent_twice(self):
        order = self.order_to_ship()
        picking = order.picking_ids
        self.validate(picking)
        self.send()
        self.assertEqual(len(self.confirmations(order)), 1)
        # As if the worker had died after Amazon got the call but before its
        # reply was recorded: the attempt is still claimed ("sending") and
        # its lease has run out.
        item = self.env["amazon.work.item"].search(
            [("kind", "=", "confirmation"), ("res_id", "=", picking.id)]
        )
        self.assertEqual(len(item), 1)
        item.write(
            {
                "state": "sending",
                "next_attempt": fields.Datetime.now() - timedelta(minutes=1),
            }
        )
        picking.amazon_confirm_state = "to_send"
        self.send()
        self.assertEqual(picking.amazon_confirm_state, "sent")
        self.assertEqual(
            picking.amazon_confirm_message, "Amazon already had this package."
        )
        self.assertEqual(len(self.confirmations(order)), 1)

    def test_only_the_delivery_to_the_buyer_is_confirmed(self):
        # Amazon-fulfilled deliveries validated by the sync: never confirmed.
        fba = self.amazon_orders().filtered(lambda o: o.amazon_channel == "afn")
        done = fba.picking_ids.filtered(lambda p: p.state == "done")
        self.assertTrue(done)
        self.assertFalse(done.filtered("amazon_confirm_state"))
        # A return of a shipped merchant order is not a shipment either.
        order = self.order_to_ship()
        picking = order.picking_ids
        self.validate(picking)
        self.send()
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=picking.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = 1
        returned = wizard._create_return()
        for move in returned.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        returned.button_validate()
        self.assertEqual(returned.state, "done")
        self.assertFalse(returned.amazon_confirm_state)
        self.assertFalse(returned.amazon_label_ready)


class LabelCase(PersonSession, HttpCase, ShipmentCase):
    """Labels are printed by a person through Odoo's report routes: the
    tests print them over HTTP, as the browser does."""

    registry_test_mode = False  # SandboxCase already serves requests its cursor

    def truth(self, order):
        """The recipient as the sandbox's dataset has it: the independent
        truth of what the label and the slip print."""
        return next(
            o["recipient"]
            for o in self.data["orders"]
            if o["orderId"] == order.amazon_order_id
        )

    def buy_label(self, order, label_format="PDF"):
        wizard = self.rates_wizard(order)
        wizard.label_format = label_format
        self.assertGreaterEqual(len(wizard.rate_ids), 1)
        cheapest = wizard.rate_ids.sorted("price")[0]
        self.assertTrue(cheapest.carrier_name and cheapest.service_name)
        self.assertTrue(cheapest.delivery_end)
        action = cheapest.action_buy()
        self.env.invalidate_all()  # recorded by the purchase's own transaction
        return order.picking_ids, cheapest, action

    def print_label(self, picking, user=None):
        """The label as the browser downloads it (PDF bytes or ZPL text)."""
        self.login(user or self.clerk)
        zpl = picking.amazon_label_format == "ZPL"
        report = (
            "amazon_connector.report_amazon_label_zpl"
            if zpl
            else "amazon_connector.report_amazon_label"
        )
        converter = "text" if zpl else "pdf"
        # Test mode renders PDF reports as HTML unless told not to.
        url = (
            f"/report/{converter}/{report}/{picking.id}"
            '?context={"force_report_rendering": true}'
        )
        with mute_logger(
            "odoo.http", "odoo.addons.web.controllers.report", "odoo.addons.amazon_pii"
        ):
            response = self.url_open(url)
        return response


@tagged("post_install", "-at_install")
class TestLabels(LabelCase):
    def test_two_wizards_pay_for_one_label(self):
        """Two 'Get rates' windows open on one delivery, both clicked: one
        label is bought and paid, the second click is refused."""
        order = self.order_to_ship()
        first, second = self.rates_wizard(order), self.rates_wizard(order)
        self.assertNotEqual(first.request_token, second.request_token)
        picking = order.picking_ids
        key = self.env["amazon.shipment"]._label_key(picking)
        first.rate_ids.sorted("price")[0].action_buy()
        with self.assertRaisesRegex(UserError, picking.name):
            second.rate_ids.sorted("price")[0].action_buy()
        bought = [c for c in self.confirmations(order) if c["source"] == "label"]
        self.assertEqual(len(bought), 1)
        # The purchase key names the delivery and its parcels, not the rate
        # request: a retry after a lost reply gets the same label back.
        self.assertEqual(self.env["amazon.shipment"]._label_key(picking), key)
        self.assertNotIn(first.request_token, key)

    def test_a_purchase_under_way_refuses_a_second_until_its_lease_ends(self):
        """A purchase recorded as under way (its answer not yet recorded, or
        Odoo stopped meanwhile) refuses a second click; after the lease a
        retry pays nothing more: Amazon returns the first label for the same
        idempotency key."""
        order = self.order_to_ship()
        picking = order.picking_ids
        first, second = self.rates_wizard(order), self.rates_wizard(order)
        picking.sudo().amazon_label_buying_since = fields.Datetime.now()
        with self.assertRaisesRegex(UserError, "being bought right now"):
            first.rate_ids.sorted("price")[0].action_buy()
        self.assertFalse(self.confirmations(order))
        picking.sudo().amazon_label_buying_since = (
            fields.Datetime.now() - amazon_shipment.LABEL_LEASE - timedelta(minutes=1)
        )
        second.rate_ids.sorted("price")[0].action_buy()
        self.env.invalidate_all()
        self.assertTrue(picking.amazon_has_label)
        self.assertFalse(picking.amazon_label_buying_since)
        self.assertEqual(len(self.confirmations(order)), 1)

    def test_label_bought_printed_and_never_confirmed_twice(self):
        order = self.order_to_ship()
        picking, rate, action = self.buy_label(order)
        # The wizard goes straight to printing the label it bought.
        self.assertEqual(action["report_name"], "amazon_connector.report_amazon_label")
        self.assertEqual(picking.amazon_confirm_state, "sent")
        self.assertEqual(picking.amazon_confirm_source, "label")
        self.assertTrue(picking.amazon_has_label)
        self.assertTrue(picking.carrier_tracking_ref)
        self.assertEqual(picking.amazon_label_carrier, rate.carrier_id)
        response = self.print_label(picking)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertIn(picking.carrier_tracking_ref.encode(), response.content)
        [bought] = self.confirmations(order)
        self.assertEqual(bought["source"], "label")
        # The label validated the delivery (stock left once); Amazon already
        # knows, nothing is sent again.
        self.assertEqual(picking.state, "done")
        self.assertEqual(
            picking.move_ids.mapped("quantity"),
            picking.move_ids.mapped("product_uom_qty"),
        )
        self.assertEqual(picking.amazon_sent_tracking, picking.carrier_tracking_ref)
        self.send()
        self.assertEqual(picking.amazon_confirm_source, "label")
        self.assertEqual(len(self.confirmations(order)), 1)
        self.assertEqual(self.amazon_status(order), "SHIPPED")
        # The label is buyer data: fulfilment staff only.
        stock_user = new_test_user(
            self.env, login="amazon_stock_only", groups="stock.group_stock_user"
        )
        refused = self.print_label(picking, stock_user)
        self.assertNotEqual(refused.status_code, 200)
        self.assertNotIn(picking.carrier_tracking_ref.encode(), refused.content)

    def test_zpl_label_prints_as_text(self):
        order = self.order_to_ship()
        picking, _rate, action = self.buy_label(order, "ZPL")
        self.assertEqual(picking.amazon_label_format, "ZPL")
        self.assertEqual(action["report_type"], "qweb-text")
        response = self.print_label(picking)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.strip().startswith(b"^XA"))

    def test_parcels_come_from_packages_or_the_default_box(self):
        order = self.order_to_ship()
        picking = order.picking_ids
        [parcel] = self.env["amazon.shipment"]._parcels(picking)
        # 300 x 200 x 100 mm default box; 0.4 kg per unit.
        self.assertEqual(
            (parcel.length_cm, parcel.width_cm, parcel.height_cm), (30, 20, 10)
        )
        lines = order.order_line.filtered("amazon_item_id")
        units = sum(lines.mapped("product_uom_qty"))
        self.assertAlmostEqual(parcel.weight_kg, 0.4 * units)
        self.assertEqual(
            {item for item, _qty, _value in parcel.items},
            set(lines.mapped("amazon_item_id")),
        )
        # Packed by the clerk: the package's own type and weight.
        crate = self.env["stock.package.type"].create(
            {"name": "Crate", "packaging_length": 500, "width": 400, "height": 300}
        )
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        package = picking.action_put_in_pack()
        package = self.env["stock.quant.package"].search(
            [("id", "in", picking.move_line_ids.result_package_id.ids)]
        )
        package.write({"package_type_id": crate.id, "shipping_weight": 7.5})
        [parcel] = self.env["amazon.shipment"]._parcels(picking)
        self.assertEqual(parcel.reference, package.name)
        self.assertEqual(
            (parcel.length_cm, parcel.width_cm, parcel.height_cm), (50, 40, 30)
        )
        self.assertEqual(parcel.weight_kg, 7.5)

    def test_rates_need_fulfilment_staff(self):
        order = self.order_to_ship()
        stock_user = new_test_user(
            self.env, login="amazon_stock_rates", groups="stock.group_stock_user"
        )
        with self.assertRaises(AccessError):
            order.picking_ids.with_user(stock_user).action_amazon_get_rates()


class _Collector(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.received.append(
            (self.headers["Authorization"], json.loads(self.rfile.read(length)))
        )
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestTracking(ShipmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = HTTPServer(("127.0.0.1", 0), _Collector)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.addClassCleanup(cls.server.server_close)
        cls.addClassCleanup(cls.server.shutdown)

    def test_tracking_polled_and_shared_with_allow_listed_fields_only(self):
        _Collector.received.clear()
        self.account.write(
            {
                "tracking_share_url": f"http://127.0.0.1:{self.server.server_port}/track",
                "tracking_share_key": "test-share-key",
            }
        )
        order = self.order_to_ship()
        picking = order.picking_ids
        self.rates_wizard(order).rate_ids[0].action_buy()
        self.assertEqual(picking.amazon_share_state, "to_share")
        self.env["amazon.shipment"]._share_due()
        self.assertEqual(picking.amazon_share_state, "shared")
        [(auth, body)] = _Collector.received
        self.assertEqual(auth, "Bearer test-share-key")
        self.assertEqual(
            body,
            {
                "order_id": order.amazon_order_id,
                "tracking_number": picking.carrier_tracking_ref,
                "carrier": picking.amazon_label_carrier,
            },
        )
        # Tracking follows the parcel on Amazon's clock.
        self.sandbox.advance_clock(31 * 3600)
        self.env["amazon.shipment"]._cron_update_tracking(min_age_minutes=0)
        self.assertEqual(picking.amazon_tracking_status, "Delivered")
        self.assertEqual(picking.amazon_tracking_event, "Delivered")
        self.assertTrue(picking.amazon_tracking_time)
        # Delivered is final: no more polling.
        self.assertFalse(
            self.env["amazon.shipment"]._cron_update_tracking(min_age_minutes=0)
            & picking
        )

    def test_tracking_cron_reports_what_is_left_for_another_batch(self):
        # Five labels, batches of four (BATCH * 4): Odoo must be told that
        # one is left, so that it runs the cron again at once.
        for _index in range(5):
            self.rates_wizard(self.order_to_ship()).rate_ids[0].action_buy()
        cron = self.env.ref("amazon_connector.ir_cron_amazon_tracking")
        shipment = self.env["amazon.shipment"]
        runs = []
        with patch.object(amazon_shipment, "BATCH", 1):
            for _run in range(2):
                progress = self.env["ir.cron.progress"].create({"cron_id": cron.id})
                shipment.with_context(
                    ir_cron_progress_id=progress.id
                )._cron_update_tracking()
                runs.append((progress.done, progress.remaining))
        self.assertEqual(runs, [(4, 1), (1, 0)])

    def test_share_refuses_what_is_not_allow_listed(self):
        _Collector.received.clear()
        self.account.write(
            {
                "tracking_share_url": f"http://127.0.0.1:{self.server.server_port}/t",
                "tracking_share_key": "test-share-key",
            }
        )
        order = self.order_to_ship()
        picking = order.picking_ids
        self.speedy.name = "jane.doe@example.com"  # a carrier name carrying PII
        self.speedy.amazon_carrier_code = "Other"
        self.validate(picking, carrier=self.speedy)
        self.send()
        self.assertEqual(picking.amazon_confirm_state, "sent")
        self.assertEqual(picking.amazon_share_state, "failed")
        self.assertIn("carrier", picking.amazon_share_message)
        self.assertNotIn("jane.doe", picking.amazon_share_message)
        self.assertFalse(_Collector.received)


@tagged("post_install", "-at_install")
class TestDeliveryFormAfterLabel(LabelCase):
    def test_every_selection_the_form_shows_has_its_value_among_its_options(self):
        """What the web client renders: a selection field whose value is not
        one of the options it was given crashes the form ("Oops")."""
        order = self.order_to_ship()
        picking, _rate, _action = self.buy_label(order)
        for user in (self.clerk, self.env.ref("base.user_admin")):
            # With a language, as the web client asks: options then come from
            # Odoo's reflected selections, not from the code.
            Picking = (
                self.env["stock.picking"].with_user(user).with_context(lang="en_US")
            )
            views = Picking.get_views([(False, "form")])
            fields = views["models"]["stock.picking"]["fields"]
            self.assertIn("amazon_confirm_source", fields)
            spec = {name: {} for name in fields if fields[name]["type"] == "selection"}
            [data] = picking.with_user(user).with_context(lang="en_US").web_read(spec)
            for name in spec:
                self.assertIn(name, data, name)
                if data[name] is False:
                    continue
                options = [
                    value
                    for value, label in fields[name]["selection"]
                    if value is not False and label != ""
                ]
                self.assertIn(data[name], options, f"{user.login}: {name}")

    def test_the_amazon_tab_of_a_labelled_delivery_renders_in_the_browser(self):
        """The delivery form in a real browser, Amazon tab open, after a label
        was bought: no client error (an invalid selection value crashes it)."""
        order = self.order_to_ship()
        picking, _rate, _action = self.buy_label(order)
        self.env.flush_all()
        code = """
            (async () => {
                const wait = (ms) => new Promise((r) => setTimeout(r, ms));
                const form = () => document.querySelector('.o_form_view');
                for (let i = 0; i < 50 && !form(); i++) {
                    await wait(200);
                }
                const tab = [...document.querySelectorAll('.o_notebook a.nav-link')]
                    .find((a) => a.textContent.trim() === 'Amazon');
                if (!tab) { console.error('no Amazon tab'); return; }
                tab.click();
                await wait(1500);
                const error = document.querySelector('.o_error_dialog');
                if (error) {
                    console.error('client error: ' + error.innerText.slice(0, 400));
                    return;
                }
                console.log('test successful');
            })();
        """
        self.browser_js(
            f"/odoo/action-stock.action_picking_tree_all/{picking.id}",
            code,
            login="admin",
            timeout=120,
        )

    def test_every_static_selection_of_the_suite_is_reflected(self):
        """Odoo stores (and translates) only list selections; a tuple gives
        the web client no options for the field and crashes the form."""
        checked = 0
        for model in self.env.registry.values():
            for field in model._fields.values():
                if (
                    field.type != "selection"
                    or field.related
                    or getattr(field, "_module", None)
                    not in ("amazon_pii", "amazon_connector", "amazon_ai")
                    or callable(field.selection)
                    or isinstance(field.selection, str)
                ):
                    continue
                checked += 1
                self.assertIsInstance(
                    field.selection, list, f"{model._name}.{field.name}"
                )
        self.assertGreater(checked, 10)
