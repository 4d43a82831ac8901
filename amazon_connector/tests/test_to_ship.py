"""The "To ship" list: late-risk badges, labels bought for a selection (one
purchase per delivery, a failing one parked), their labels printed as one
PDF; end to end against the local SP-API sandbox."""

import io
from ast import literal_eval
from datetime import timedelta

from pypdf import PdfReader

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.amazon_pii.tests.common import new_test_user, web_session

from .common import amazon_time, sandbox_module
from .test_shipments import LabelCase


@tagged("post_install", "-at_install")
class TestToShip(LabelCase):
    def deliveries(self, count):
        orders = self.env["sale.order"]
        for _n in range(count):
            orders |= self.order_to_ship()
        return orders, orders.picking_ids

    def expected_service(self, picking):
        """The cheapest of the sandbox's services whose delivery date (its
        clock now + the service's days) meets the order's promise: the
        independent truth of what the batch must buy."""
        services = sandbox_module("handlers.shipping").SERVICES
        now = amazon_time(self.sandbox.now())
        meeting = [
            (factor, name)
            for _cid, _carrier, _sid, name, factor, days in services
            if now + timedelta(days=days) <= picking.amazon_latest_delivery_date
        ]
        return min(meeting)[1] if meeting else None

    def test_batch_buys_the_cheapest_in_time_and_parks_what_cannot_go(self):
        orders, pickings = self.deliveries(3)
        self.assertEqual(len(pickings), 3)
        late = pickings[2]
        # Amazon promised this buyer a date already past (on the sandbox's
        # clock, which Amazon's rates follow): no service makes it.
        sandbox_now = amazon_time(self.sandbox.now())
        late.sale_id.sudo().amazon_latest_delivery_date = sandbox_now - timedelta(
            days=1
        )
        expected = {p: self.expected_service(p) for p in pickings[:2]}
        self.assertTrue(all(expected.values()))
        web_session(self, self.clerk)
        action = pickings.with_user(self.clerk).action_amazon_buy_labels()
        self.env.invalidate_all()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn(late.name, action["params"]["message"])
        for picking in pickings[:2]:
            self.assertTrue(picking.amazon_has_label, picking.name)
            self.assertIn(expected[picking], picking.amazon_label_service)
            self.assertFalse(picking.amazon_ship_issue)
            # Amazon's side: one label, confirming the order.
            [bought] = self.confirmations(picking.sale_id)
            self.assertEqual(bought["source"], "label")
        # The late one is parked with its reason; nothing bought on Amazon.
        self.assertFalse(late.amazon_has_label)
        self.assertIn("promised", late.amazon_ship_issue)
        self.assertEqual(self.confirmations(late.sale_id), [])
        # The notification opens the bought deliveries, to print them.
        listed = self.env["stock.picking"].search(action["params"]["next"]["domain"])
        self.assertEqual(listed, pickings[:2])

        # One PDF of both labels, each reveal audited as the clerk prints.
        before = self.reveals(orders)
        printed = pickings.with_user(self.clerk).action_amazon_print_labels()
        self.assertEqual(printed["report_name"], "amazon_connector.report_amazon_label")
        self.assertEqual(printed["context"]["active_ids"], pickings[:2].ids)
        self.login(self.clerk)
        ids = ",".join(str(i) for i in pickings[:2].ids)
        with mute_logger("odoo.http", "odoo.addons.amazon_pii"):
            response = self.url_open(
                f"/report/pdf/amazon_connector.report_amazon_label/{ids}"
                '?context={"force_report_rendering": true}'
            )
        self.assertEqual(response.status_code, 200)
        pdf = PdfReader(io.BytesIO(response.content))
        self.assertEqual(len(pdf.pages), 2)
        text = "".join(page.extract_text() for page in pdf.pages)
        for picking in pickings[:2]:
            self.assertIn(picking.carrier_tracking_ref, text)
        self.assertEqual(self.reveals(orders), before + 2)

    def reveals(self, orders):
        return (
            self.env["amazon.pii.audit"]
            .sudo()
            .search_count(
                [
                    ("event", "=", "reveal"),
                    ("res_model", "=", "sale.order"),
                    ("res_id", "in", orders.ids),
                    ("purpose", "=", "shipping_label"),
                    ("user_id", "=", self.clerk.id),
                ]
            )
        )

    def test_batch_needs_shipping_staff_and_stays_within_the_reveal_limit(self):
        _orders, pickings = self.deliveries(2)
        stock_user = new_test_user(
            self.env, login="amazon_stock_batch", groups="stock.group_stock_user"
        )
        with self.assertRaises(AccessError):
            pickings.with_user(stock_user).action_amazon_buy_labels()
        with self.assertRaises(AccessError):
            pickings.with_user(stock_user).action_amazon_print_labels()
        self.env["ir.config_parameter"].sudo().set_param("amazon_pii.reveal_limit", "1")
        with self.assertRaisesRegex(UserError, "at most 1"):
            pickings.with_user(self.clerk).action_amazon_buy_labels()
        with self.assertRaisesRegex(UserError, "has an Amazon label"):
            pickings.with_user(self.clerk).action_amazon_print_labels()
        self.assertEqual(self.confirmations(pickings[0].sale_id), [])

    def test_late_risk_badges_and_the_list(self):
        _orders, pickings = self.deliveries(3)
        now = fields.Datetime.now()
        pickings[0].sale_id.sudo().amazon_latest_ship_date = now - timedelta(hours=1)
        pickings[1].sale_id.sudo().amazon_latest_ship_date = now + timedelta(days=5)
        pickings[2].sale_id.sudo().amazon_latest_ship_date = False
        pickings.invalidate_recordset()
        self.assertEqual(
            pickings.mapped("amazon_late_risk"), ["late", "on_time", False]
        )
        # The list shows merchant-fulfilled deliveries to the buyer only.
        action = self.env["stock.picking"]._amazon_to_ship_action()
        listed = self.env["stock.picking"].search(literal_eval(action["domain"]))
        self.assertGreaterEqual(listed, pickings)
        fba = self.amazon_orders().filtered(lambda o: o.amazon_channel == "afn")
        self.assertTrue(fba.picking_ids)
        self.assertFalse(listed & fba.picking_ids)
        arch = self.env.ref("amazon_connector.view_amazon_to_ship_list")
        fields_shown = (
            self.env["stock.picking"]
            .with_user(self.clerk)
            .get_views([(arch.id, "list")])["models"]["stock.picking"]["fields"]
        )
        self.assertIn("amazon_late_risk", fields_shown)

    def test_the_list_renders_in_the_browser_with_badges_and_batch_buttons(self):
        """The "To ship" list in a real browser: rows with late-risk badges;
        selecting rows offers Buy labels and Print labels to Amazon Shipping
        staff; no client error."""
        _orders, pickings = self.deliveries(1)
        self.assertEqual(pickings.amazon_late_risk, "late")  # sandbox dates
        admin = self.env.ref("base.user_admin")
        admin.groups_id += self.env.ref("amazon_pii.group_amazon_shipping")
        self.env.flush_all()
        code = """
            (async () => {
                const wait = (ms) => new Promise((r) => setTimeout(r, ms));
                const $ = (css) => document.querySelector(css);
                for (let i = 0; i < 50 && !$('.o_list_view .o_data_row'); i++) {
                    await wait(200);
                }
                if (!$('.o_data_row')) { console.error('no rows'); return; }
                const badge = $('.o_data_row td[name="amazon_late_risk"] .badge');
                if (!badge || !badge.textContent.trim()) {
                    console.error('no late-risk badge'); return;
                }
                $('.o_data_row .o_list_record_selector input').click();
                await wait(1000);
                const labels = [...document.querySelectorAll('.o_control_panel button')]
                    .map((b) => b.textContent.trim());
                for (const wanted of ['Buy labels', 'Print labels']) {
                    if (!labels.includes(wanted)) {
                        console.error('no ' + wanted + ' in ' + labels.join('|'));
                        return;
                    }
                }
                const error = $('.o_error_dialog');
                if (error) {
                    console.error('client error: ' + error.innerText.slice(0, 400));
                    return;
                }
                console.log('test successful');
            })();
        """
        self.browser_js(
            "/odoo/action-amazon_connector.action_amazon_to_ship",
            code,
            login="admin",
            timeout=120,
        )
