"""Amazon linkage fields are the connector's to write (issue #15, item 5;
docs/data-protection.md #9): a salesman marking an order shipped over RPC
would silently stop its shipment confirmation."""

from odoo import api
from odoo.exceptions import AccessError
from odoo.service.model import get_public_method
from odoo.tests import tagged

from odoo.addons.amazon_pii.tests.common import new_test_user

from .test_shipments import ShipmentCase


def rpc(user, model, method, args, kwargs=None):
    """What /web/dataset/call_kw does once the session is authenticated."""
    env = api.Environment(user.env.cr, user.id, {})
    Model = env[model]
    get_public_method(Model, method)
    return api.call_kw(Model, method, args, kwargs or {})


@tagged("post_install", "-at_install")
class TestLinkageFields(ShipmentCase):
    sandbox_options = {"orders": 40, "seed": 7, "new_orders": 0.6}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Sees and edits every order (no record rule to hide behind).
        cls.salesman = new_test_user(
            cls.env,
            login="amazon_linkage_salesman",
            groups="sales_team.group_sale_salesman_all_leads,stock.group_stock_user",
        )
        cls.amazon_user = new_test_user(
            cls.env,
            login="amazon_linkage_user",
            groups="amazon_pii.group_amazon_manager,stock.group_stock_manager",
        )

    def test_salesman_cannot_mark_an_order_shipped_and_the_confirmation_goes_out(self):
        order = self.order_to_ship()
        picking = order.picking_ids
        for user in (self.salesman, self.amazon_user):
            for method, args, kwargs in (
                ("write", [order.ids, {"amazon_status": "SHIPPED"}], {}),
                # The form's save, with a context an attacker chose.
                (
                    "web_save",
                    [order.ids, {"amazon_status": "SHIPPED"}],
                    {"specification": {}, "context": {"amazon_service": True}},
                ),
                ("write", [order.ids, {"amazon_order_id": "111-0000000-0000000"}], {}),
                ("write", [order.ids, {"amazon_channel": "afn"}], {}),
                ("write", [order.ids, {"amazon_account_id": False}], {}),
            ):
                with self.assertRaisesRegex(AccessError, "Amazon connector only"):
                    rpc(user, "sale.order", method, args, kwargs)
            # Nor on the order's lines or its delivery.
            with self.assertRaises(AccessError):
                rpc(
                    user,
                    "sale.order.line",
                    "write",
                    [order.order_line.ids, {"amazon_item_id": "forged"}],
                )
            for values in (
                {"amazon_confirm_state": "sent"},
                {"amazon_share_state": "shared"},
                {"amazon_has_label": True},
            ):
                with self.assertRaisesRegex(AccessError, "Amazon connector only"):
                    rpc(user, "stock.picking", "write", [picking.ids, values])
        order.invalidate_recordset()
        self.assertEqual(
            (order.amazon_status, order.amazon_channel), ("UNSHIPPED", "mfn")
        )
        self.assertTrue(order.amazon_account_id)
        self.assertFalse(picking.amazon_confirm_state)
        # The warehouse validates as a stock user: the hook still queues the
        # confirmation (as the service) and Amazon receives it.
        self.validate(picking.with_user(self.salesman))
        self.assertEqual(picking.amazon_confirm_state, "to_send")
        self.send()
        self.assertEqual(picking.amazon_confirm_state, "sent")
        self.assertEqual(picking.amazon_confirm_source, "confirmation")
        self.assertEqual(len(self.confirmations(order)), 1)

    def test_no_fake_amazon_order_or_delivery_state_on_create(self):
        partner = self.env["res.partner"].create({"name": "Walk-in"})
        with self.assertRaisesRegex(AccessError, "amazon_account_id, amazon_order_id"):
            rpc(
                self.salesman,
                "sale.order",
                "create",
                [
                    {
                        "partner_id": partner.id,
                        "amazon_account_id": self.account.id,
                        "amazon_order_id": "111-2222222-3333333",
                    }
                ],
            )
        picking_type = self.amazon_orders()[:1].picking_ids[:1].picking_type_id
        with self.assertRaisesRegex(AccessError, "amazon_confirm_state"):
            rpc(
                self.salesman,
                "stock.picking",
                "create",
                [{"picking_type_id": picking_type.id, "amazon_confirm_state": "sent"}],
            )
        # An ordinary order (empty Amazon fields sent by a client) is fine.
        [order_id] = rpc(
            self.salesman,
            "sale.order",
            "create",
            [[{"partner_id": partner.id, "amazon_is_prime": False}]],
        )
        self.assertFalse(self.env["sale.order"].browse(order_id).amazon_account_id)
