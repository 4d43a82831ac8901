"""Automated shipment against the local sandbox: off buys nothing; on, a
confident recommendation under the cap is bought, logged and undone by
voiding; over the cap, on risk hold or not confident enough it is not bought
and the delivery says why."""

from odoo.tests import tagged

from odoo.addons.amazon_connector.tests.common import SandboxCase
from odoo.addons.amazon_pii.tests.common import new_test_user

WEIGHT = 0.4


@tagged("post_install", "-at_install")
class TestAutoShip(SandboxCase):
    sandbox_options = {"orders": 120, "seed": 7, "new_orders": 0.6}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox.advance_clock(86400)
        env = cls.env
        cls.account.package_type_id = env["stock.package.type"].create(
            {"name": "Box", "packaging_length": 300, "width": 200, "height": 100}
        )
        env.company.partner_id.write(
            {
                "street": "1 Warehouse Way",
                "city": "Reno",
                "zip": "89501",
                "state_id": env.ref("base.state_us_23").id,
                "country_id": env.ref("base.us").id,
            }
        )
        warehouse = cls.account.warehouse_id
        for product in cls.data["products"]:
            record = env["product.product"].create(
                {
                    "name": f"Sandbox {product['sku']}",
                    "default_code": product["sku"],
                    "is_storable": True,
                    "weight": WEIGHT,
                }
            )
            env["stock.quant"].with_context(inventory_mode=True).create(
                {
                    "product_id": record.id,
                    "location_id": warehouse.lot_stock_id.id,
                    "inventory_quantity": 50,
                }
            ).action_apply_inventory()
        env.flush_all()
        env["amazon.order.sync"].run(cls.account)
        env["amazon.fulfilment"]._cron_recommend()
        env.invalidate_all()
        cls.clerk = new_test_user(
            env,
            login="amazon_auto_clerk",
            groups="stock.group_stock_user,amazon_pii.group_amazon_shipping",
        )
        cls.used = set()

    def to_ship(self):
        """A delivery whose recommendation is a label of ours from its own
        warehouse that meets the promise, not used by another test."""
        for picking in self.env["stock.picking"].search(
            [
                ("sale_id.amazon_account_id", "=", self.account.id),
                ("amazon_rec_state", "=", "ready"),
            ],
            order="id",
        ):
            rec = picking._amazon_recommendation()
            if (
                picking.id not in self.used
                and rec["kind"] == "warehouse"
                and rec["promise_met"]
                and rec["warehouse_id"] == picking.picking_type_id.warehouse_id.id
            ):
                self.used.add(picking.id)
                return picking, rec
        self.fail("no delivery with a usable recommendation left")

    def automate(self, rec, **settings):
        """Automation on, with a cap and threshold set around ``rec``."""
        self.account.write(
            {
                "auto_ship_labels": True,
                "auto_ship_min_confidence": rec["confidence"],
                "auto_ship_max_cost": rec["cost"] + 1,
                **settings,
            }
        )

    def labels(self, picking):
        found = self.sandbox.confirmations(order_id=picking.sale_id.amazon_order_id)
        return [c for c in found if c["source"] == "label" and not c.get("voided")]

    def notes(self, picking):
        return picking.message_ids.filtered(
            lambda m: "Automated shipment" in (m.body or "")
        )

    def amazon_status(self, picking):
        self.sandbox.advance_clock(2)
        with self.account._client() as client:
            found = client.get_order(picking.sale_id.amazon_order_id, ["FULFILLMENT"])
        return found["order"]["fulfillment"]["fulfillmentStatus"]

    def test_off_by_default_buys_nothing(self):
        picking, rec = self.to_ship()
        self.assertFalse(self.account.auto_ship_labels)  # the default
        # Everything else would allow it.
        self.account.write(
            {"auto_ship_min_confidence": 0.0, "auto_ship_max_cost": rec["cost"] + 1}
        )
        self.env["stock.picking"]._cron_amazon_auto_ship()
        self.assertFalse(picking._amazon_auto_ship())
        self.env.invalidate_all()
        self.assertFalse(picking.amazon_has_label)
        self.assertFalse(picking.amazon_auto_ship_state)
        self.assertEqual(self.labels(picking), [])
        self.assertFalse(self.notes(picking))

    def test_confident_and_under_the_cap_is_bought_logged_and_undone(self):
        picking, rec = self.to_ship()
        self.automate(rec)
        self.assertTrue(picking._amazon_auto_ship())
        self.env.invalidate_all()
        self.assertTrue(picking.amazon_has_label)
        self.assertEqual(picking.amazon_auto_ship_state, "bought")
        # Amazon sold the recommended service (the sandbox's record).
        [label] = self.labels(picking)
        self.assertEqual(label["packageDetail"]["carrierName"], rec["carrier"])
        self.assertIn(rec["service"], picking.amazon_label_service)
        [note] = self.notes(picking)
        self.assertIn("label bought", note.body)
        self.assertIn("Void label", note.body)  # how to undo it
        recipient = next(
            o["recipient"]
            for o in self.data["orders"]
            if o["orderId"] == picking.sale_id.amazon_order_id
        )
        self.assertNotIn(recipient["addressLine1"], note.body)
        self.assertEqual(self.amazon_status(picking), "SHIPPED")
        # Undo: the label is voided, Amazon unships the order.
        picking.with_user(self.clerk).action_amazon_void_label()
        self.env.invalidate_all()
        self.assertFalse(picking.amazon_has_label)
        self.assertEqual(self.labels(picking), [])
        self.assertEqual(self.amazon_status(picking), "UNSHIPPED")

    def assert_not_bought(self, picking, words):
        self.assertFalse(picking._amazon_auto_ship())
        self.env.invalidate_all()
        self.assertFalse(picking.amazon_has_label)
        self.assertEqual(self.labels(picking), [])
        self.assertEqual(picking.amazon_auto_ship_state, "skipped")
        [note] = self.notes(picking)
        self.assertIn(words, note.body)
        self.assertIn(words, picking.amazon_auto_ship_reason)

    def test_over_the_cap_is_left_to_a_person(self):
        picking, rec = self.to_ship()
        self.automate(rec, auto_ship_max_cost=rec["cost"] - 0.01)
        self.assert_not_bought(picking, "over the cap")

    def test_risk_hold_is_left_to_a_person(self):
        picking, rec = self.to_ship()
        self.automate(rec)
        picking.sale_id.sudo().amazon_risk_hold = True
        self.assert_not_bought(picking, "risk hold")

    def test_low_confidence_is_left_to_a_person(self):
        picking, rec = self.to_ship()
        self.automate(rec, auto_ship_min_confidence=min(1.0, rec["confidence"] + 0.01))
        self.assert_not_bought(picking, "confidence")

    def test_a_new_recommendation_is_decided_again_and_the_cron_buys(self):
        picking, rec = self.to_ship()
        self.automate(rec, auto_ship_max_cost=rec["cost"] - 0.01)
        self.assert_not_bought(picking, "over the cap")
        # The cap raised and the recommendation refreshed: decided anew.
        self.account.auto_ship_max_cost = rec["cost"] + 1
        self.env["amazon.fulfilment"].sudo()._recommend_now(picking)
        self.env.invalidate_all()
        self.assertFalse(picking.amazon_auto_ship_state)
        due = self.env["stock.picking"].search(
            self.env["stock.picking"]._amazon_auto_ship_due()
        )
        self.assertIn(picking, due)
        # The cron would buy for every delivery due: only this one is.
        (due - picking).sale_id.sudo().amazon_risk_hold = True
        for _batch in range(10):  # a batch per run, as the cron reruns
            self.env["stock.picking"]._cron_amazon_auto_ship()
            self.env.invalidate_all()
            if not self.env["stock.picking"].search_count(
                self.env["stock.picking"]._amazon_auto_ship_due()
            ):
                break
        self.assertEqual(picking.amazon_auto_ship_state, "bought")
        self.assertEqual(len(self.labels(picking)), 1)

    def ship_from_canada(self):
        """The warehouse ships from Canada from now on: Amazon's fresh rates
        come in Canadian dollars, the cap stays in the company's dollars."""
        self.assertEqual(self.account.auto_ship_currency_id.name, "USD")
        self.env.company.partner_id.write(
            {
                "street": "1 Depot Road",
                "city": "Toronto",
                "zip": "M5V 2T6",
                "state_id": self.env.ref("base.state_ca_on").id,
                "country_id": self.env.ref("base.ca").id,
            }
        )
        cad = self.env.ref("base.CAD")
        cad.active = True
        self.env["res.currency.rate"].search([("currency_id", "=", cad.id)]).unlink()
        return cad

    def test_a_fresh_rate_in_another_currency_is_converted_before_the_cap(self):
        picking, rec = self.to_ship()
        self.assertEqual(rec["currency"], "USD")
        cad = self.ship_from_canada()
        # 1 USD = 0.5 CAD: a label of rec["cost"] CAD costs twice as many USD.
        self.env["res.currency.rate"].create(
            {"currency_id": cad.id, "rate": 0.5, "company_id": self.env.company.id}
        )
        self.automate(rec)  # cap: rec["cost"] + 1 (USD)
        # Catches the fresh rate's amount compared with the cap as if it
        # were in the cap's currency (the same figure in CAD is under it).
        self.assert_not_bought(picking, "over the cap")
        cost = round(rec["cost"] * 2, 2)
        self.assertIn(f"{cost} USD", picking.amazon_auto_ship_reason)

    def test_a_fresh_rate_in_a_currency_without_a_rate_is_refused(self):
        picking, rec = self.to_ship()
        self.ship_from_canada()
        self.automate(rec)
        # Catches Odoo's silent 1:1 conversion of a currency without a rate.
        self.assert_not_bought(picking, "no exchange rate for CAD")
