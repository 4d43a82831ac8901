import logging
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import AccessError
from odoo.sql_db import db_connect
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.amazon_pii.tests.common import (
    TEST_PASSWORD,
    new_test_user,
    web_session,
)

from ..core.order_mapping import INCLUDED_MERCHANT
from ..models.orders.amazon_order_sync import ORDER_SYNC_LOCK
from .common import PersonSession, SandboxCase


def rendered_orders(account):
    """Every order as the sandbox renders it now, with proceeds (the truth
    for totals), through the same client the sync uses."""
    orders = {}
    with account._client() as client:
        for page in client.search_orders_pages(
            last_updated_after=account.orders_sync_from,
            included_data=["PROCEEDS", "FULFILLMENT"],
        ):
            orders.update({o["orderId"]: o for o in page["orders"]})
    return orders


def item_lines(order):
    return order.order_line.filtered(lambda l: l.amazon_line_key.startswith("item:"))


@tagged("post_install", "-at_install")
class TestFirstSync(SandboxCase):
    sandbox_options = {"orders": 60, "seed": 11}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Every SKU but one is a product whose internal reference is the SKU.
        skus = sorted({i["sku"] for o in cls.data["orders"] for i in o["items"]})
        cls.unknown_sku = skus[0]
        cls.products = cls.env["product.product"].create(
            [{"name": f"Product {sku}", "default_code": sku} for sku in skus[1:]]
        )

    def test_first_sync_imports_every_order_with_amazons_totals(self):
        logs = self.sync()
        malformed = {o["orderId"] for o in self.data["orders"] if o.get("malformed")}
        self.assertEqual(set(logs.mapped("state")), {"done"})
        checked = 0
        currencies = set()
        for account, log in zip(self.accounts, logs, strict=True):
            # Each region's account brings its own marketplaces' orders, the
            # dataset's, and no other region's.
            expected = self.expected_orders(self.data, account)
            self.assertTrue(expected, account.name)
            orders = self.amazon_orders(account)
            by_id = {o.amazon_order_id: o for o in orders}
            self.assertEqual(set(by_id), set(expected) - malformed, account.name)
            self.assertEqual(
                log.created, len(expected) - len(malformed & set(expected))
            )
            rendered = rendered_orders(account)
            for amazon_id, order in by_id.items():
                truth, event = expected[amazon_id]
                self.assertEqual(order.amazon_status, event["status"], amazon_id)
                self.assertEqual(
                    order.amazon_marketplace_id.amazon_id, truth["marketplaceId"]
                )
                items = item_lines(order)
                self.assertEqual(
                    sorted(items.mapped("amazon_item_id")),
                    sorted(i["orderItemId"] for i in truth["items"]),
                )
                for line in truth["items"]:
                    sale_line = items.filtered(
                        lambda sl, li=line: (
                            sl.amazon_line_key == f"item:{li['orderItemId']}"
                        )
                    )
                    self.assertEqual(sale_line.product_uom_qty, line["quantity"])
                grand = rendered[amazon_id].get("proceeds", {}).get("grandTotal")
                if grand:
                    self.assertEqual(order.currency_id.name, grand["currencyCode"])
                    self.assertEqual(
                        Decimal(str(order.amount_total)).quantize(Decimal("0.01")),
                        Decimal(grand["amount"]).quantize(Decimal("0.01")),
                        amazon_id,
                    )
                    currencies.add(grand["currencyCode"])
                    checked += 1
                channel = {"AMAZON": "afn", "MERCHANT": "mfn"}[truth["fulfilledBy"]]
                if truth["channel"] == "NON_AMAZON":
                    channel = "mcf"
                self.assertEqual(order.amazon_channel, channel)
                self.assertEqual(order.amazon_is_prime, "PRIME" in truth["programs"])
        self.assertGreater(checked, 20)
        self.assertGreaterEqual(len(currencies), 4, "orders of the three regions")

    def test_second_sync_creates_nothing(self):
        self.sync()
        count = len(self.amazon_orders())
        logs = self.sync()
        self.assertEqual(logs.mapped("created"), [0, 0, 0])
        self.assertEqual(len(self.amazon_orders()), count)
        # The overlap window fetches recent orders again; they are unchanged.
        self.assertEqual(logs.mapped("updated"), [0, 0, 0])

    def test_pending_orders_stay_quotations_and_unshipped_are_confirmed(self):
        self.sync()
        orders = self.amazon_orders()
        pending = orders.filtered(lambda o: o.amazon_status == "PENDING")
        unshipped = orders.filtered(lambda o: o.amazon_status == "UNSHIPPED")
        self.assertTrue(pending and unshipped)
        self.assertEqual(set(pending.mapped("state")), {"draft"})
        self.assertEqual(set(unshipped.mapped("state")), {"sale"})
        mfn = unshipped.filtered(lambda o: o.amazon_channel == "mfn")
        for order in mfn:
            picking = order.picking_ids
            self.assertEqual(
                picking.location_id, order.amazon_account_id.warehouse_id.lot_stock_id
            )
            self.assertNotIn(picking.state, ("done", "cancel"))

    def test_fba_orders_are_delivered_from_the_amazon_location(self):
        self.sync()
        shipped = self.amazon_orders().filtered(
            lambda o: (
                o.amazon_channel in ("afn", "mcf") and o.amazon_status == "SHIPPED"
            )
        )
        self.assertTrue(shipped)
        for order in shipped:
            self.assertEqual(order.picking_ids.mapped("state"), ["done"])
            self.assertEqual(
                order.picking_ids.location_id, order.amazon_account_id.fba_location_id
            )
            self.assertEqual(
                item_lines(order).mapped("qty_delivered"),
                item_lines(order).mapped("product_uom_qty"),
            )

    def test_cancelled_orders_are_cancelled(self):
        self.sync()
        cancelled = self.amazon_orders().filtered(
            lambda o: o.amazon_status == "CANCELLED"
        )
        self.assertTrue(cancelled)
        self.assertEqual(set(cancelled.mapped("state")), {"cancel"})
        self.assertFalse(
            cancelled.picking_ids.filtered(lambda p: p.state not in ("cancel",))
        )

    def test_unknown_sku_gets_a_marked_line_and_an_activity(self):
        self.sync()
        offer = self.env["amazon.offer"].search([("sku", "=", self.unknown_sku)])
        self.assertTrue(offer)
        self.assertFalse(offer.product_id)
        known = self.env["amazon.offer"].search([("sku", "!=", self.unknown_sku)])
        self.assertEqual(known.product_id, self.products)
        lines = self.env["sale.order.line"].search(
            [("product_id", "=", self.account.unknown_product_id.id)]
        )
        self.assertTrue(lines)
        for line in lines:
            self.assertIn(self.unknown_sku, line.name)
            self.assertIn("Unknown SKU", line.name)
            self.assertIn(
                "Unknown Amazon SKU", line.order_id.activity_ids.mapped("summary")
            )

    def test_sync_killed_between_pages_loses_and_duplicates_nothing(self):
        real = type(self.env["amazon.order.import"]).import_orders
        calls = []

        def dying(model, account, orders, counters, force=False):
            calls.append(len(orders))
            if len(calls) == 2:
                raise RuntimeError("worker killed")
            return real(model, account, orders, counters, force=force)

        self.env["ir.config_parameter"].set_param("amazon_connector.page_size", 7)
        # Not assertRaises: Odoo's rolls back what the block committed.
        with patch.object(
            type(self.env["amazon.order.import"]), "import_orders", dying
        ):
            died = None
            try:
                self.sync(self.account)
            except RuntimeError as exc:
                died = exc
        self.assertEqual(str(died), "worker killed")
        self.account.invalidate_recordset()
        self.assertTrue(self.account.orders_page_token, "resumes from page 2")
        first_page = len(self.amazon_orders())
        self.assertEqual(first_page, 7)
        self.sync(self.account)
        expected = self.expected_orders(self.data, self.account)
        malformed = {o["orderId"] for o in self.data["orders"] if o.get("malformed")}
        ids = self.amazon_orders().mapped("amazon_order_id")
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(set(ids), set(expected) - malformed)
        self.assertTrue(self.account.orders_cursor)
        self.assertFalse(self.account.orders_phase)

    def test_a_second_worker_skips_while_the_account_is_locked(self):
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute(
                SQL("SELECT pg_advisory_lock(%s, %s)", ORDER_SYNC_LOCK, self.account.id)
            )
            try:
                log = self.sync(self.account)
            finally:
                other.execute(
                    SQL(
                        "SELECT pg_advisory_unlock(%s, %s)",
                        ORDER_SYNC_LOCK,
                        self.account.id,
                    )
                )
        self.assertEqual(log.state, "busy")
        self.assertFalse(self.amazon_orders())
        self.assertFalse(self.account.orders_cursor)
        self.assertEqual(self.sync(self.account).state, "done")
        self.assertTrue(self.amazon_orders())

    def test_the_same_order_cannot_be_imported_twice(self):
        self.sync()
        order = self.amazon_orders()[:1]
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            order.copy(
                {
                    "amazon_account_id": self.account.id,
                    "amazon_order_id": order.amazon_order_id,
                }
            )

    def test_no_buyer_data_outside_the_vault_or_in_the_log(self):
        records = []

        class Collect(logging.Handler):
            def emit(self, record):
                records.append(self.format(record))

        handler = Collect(logging.DEBUG)
        root = logging.getLogger()
        root.addHandler(handler)
        previous = root.level
        root.setLevel(logging.DEBUG)
        try:
            self.sync()
        finally:
            root.removeHandler(handler)
            root.setLevel(previous)
        self.assertTrue(self.env["amazon.pii.entry"].sudo().search_count([]))
        self.assert_no_buyer_data(records)

    def test_users_without_pii_officer_see_only_pseudonyms(self):
        self.sync()
        user = new_test_user(
            self.env, login="amazon_clerk", groups="amazon_pii.group_amazon_user"
        )
        user.sudo().totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        orders = self.amazon_orders().with_user(user)
        names = orders.mapped("partner_id.display_name")
        self.assertTrue(all(name.startswith("Amazon buyer") for name in names))
        buyers = {o["buyer"]["buyerName"] for o in self.data["orders"]}
        self.assertFalse(buyers & set(names))
        with self.assertRaises(AccessError):
            orders[:1].action_amazon_show_buyer()
        officer = new_test_user(
            self.env,
            login="amazon_officer",
            groups="amazon_pii.group_amazon_pii_officer",
        )
        officer.sudo().totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        merchant = self.amazon_orders().filtered(
            lambda o: o.amazon_channel == "mfn" and o.amazon_status == "UNSHIPPED"
        )[:1]
        web_session(self, officer)
        shown = merchant.with_user(officer).action_amazon_show_buyer()
        truth = next(
            o for o in self.data["orders"] if o["orderId"] == merchant.amazon_order_id
        )
        self.assertIn(truth["recipient"]["addressLine1"], shown["params"]["message"])


@tagged("post_install", "-at_install")
class TestParking(SandboxCase):
    sandbox_options = {"orders": 30, "seed": 3, "malformed": 2}

    def test_malformed_orders_are_parked_while_the_rest_import(self):
        with self.assertLogs("odoo.addons.amazon_connector", "WARNING") as logs:
            self.sync()
        malformed = {o["orderId"] for o in self.data["orders"] if o.get("malformed")}
        parked = self.env["amazon.parked.order"].search([])
        self.assertEqual(set(parked.mapped("amazon_order_id")), malformed)
        for record in parked:
            self.assertIn(record.amazon_order_id, record.reason)
            self.assertIn("quantity", record.reason)
        self.assertEqual(len(logs.records), len(malformed))
        # A sync right after leaves them alone (backoff: 2 min after the
        # first failure, doubling, at most daily)...
        logs = self.sync()
        self.assertEqual(sum(logs.mapped("failed")), 0)
        self.assertEqual(set(parked.mapped("attempts")), {1})
        self.assertEqual(set(parked.mapped("state")), {"retrying"})
        # ...later syncs retry them (they stay parked: still malformed).
        parked.write({"next_attempt": fields.Datetime.now() - timedelta(minutes=1)})
        with self.assertLogs("odoo.addons.amazon_connector", "WARNING"):
            logs = self.sync()
        self.assertEqual(sum(logs.mapped("failed")), len(malformed))
        self.assertEqual(set(parked.mapped("attempts")), {2})
        # "Retry now" fetches them at once and shows what happened.
        with self.assertLogs("odoo.addons.amazon_connector", "WARNING"):
            action = parked.action_retry()
        self.assertEqual(action["res_model"], "amazon.sync.log")
        retried = self.env["amazon.sync.log"].browse(action["res_id"])
        self.assertEqual((retried.state, retried.failed), ("partial", len(malformed)))
        self.env.invalidate_all()  # written by the retry's own transactions
        self.assertEqual(set(parked.mapped("attempts")), {3})


@tagged("post_install", "-at_install")
class TestMalformedPage(SandboxCase):
    """Amazon's JSON in shapes its model does not allow (docs/data-protection.md
    #24): the order is parked with its reason, the rest of the page imports."""

    sandbox_options = {"orders": 40, "seed": 13}

    def fetched(self, count):
        """``count`` merchant orders as Amazon returns them (with buyer data)."""
        merchant = [
            amazon_id
            for amazon_id, (order, event) in self.expected_orders(
                account=self.account
            ).items()
            if order["fulfilledBy"] == "MERCHANT"
            and order["channel"] == "AMAZON"
            and event["status"] not in ("PENDING", "CANCELLED")
        ][:count]
        self.assertEqual(len(merchant), count)
        with self.account._client() as client:
            return [
                client.get_order(amazon_id, included_data=INCLUDED_MERCHANT)["order"]
                for amazon_id in merchant
            ]

    def test_one_malformed_order_parks_alone_and_the_page_goes_on(self):
        good, no_product, odd_fulfilment, _spare = self.fetched(4)
        no_product["orderItems"][0]["product"] = None
        odd_fulfilment["fulfillment"] = "SHIPPED"
        odd_fulfilment["programs"] = 5
        counters = Counter()
        page = [no_product, good, odd_fulfilment, "not an order"]
        with self.assertLogs("odoo.addons.amazon_connector", "WARNING") as logs:
            self.env["amazon.order.import"].import_orders(self.account, page, counters)
        self.assertEqual(counters["created"], 1)
        self.assertEqual(counters["failed"], 3)
        self.assertEqual(len(logs.records), 3)
        imported = self.amazon_orders(self.account)
        self.assertEqual(imported.mapped("amazon_order_id"), [good["orderId"]])
        self.assertEqual(
            len(imported.order_line.filtered("amazon_item_id")),
            len(good["orderItems"]),
        )
        parked = self.env["amazon.parked.order"].search([])
        by_id = {p.amazon_order_id: p for p in parked}
        self.assertEqual(
            set(by_id),
            {no_product["orderId"], odd_fulfilment["orderId"], "(unknown)"},
        )
        self.assertIn("no sellerSku", by_id[no_product["orderId"]].reason)
        self.assertIn("unexpected type", by_id[odd_fulfilment["orderId"]].reason)
        # The reasons name the order and the problem, never the buyer.
        for record in parked:
            leaked = [v for v in self.buyer_data() if v in (record.reason or "")]
            self.assertFalse(leaked)

    def test_an_order_resynced_after_its_purge_stores_no_buyer_data(self):
        order_json = self.fetched(1)[0]
        counters = Counter()
        self.env["amazon.order.import"].import_orders(
            self.account, [order_json], counters
        )
        order = self.amazon_orders(self.account)
        self.assertEqual(len(order), 1)
        vault = self.env["amazon.pii.vault"].sudo()
        self.assertTrue(vault.stored_keys(order))  # the check sees buyer data
        vault.purge(order)
        self.assertFalse(vault.stored_keys(order))
        self.assertTrue(order.amazon_buyer_data_purged)
        self.env["amazon.order.import"].import_orders(
            self.account, [order_json], counters, force=True
        )
        self.assertEqual(counters["updated"], 1)
        self.assertFalse(vault.stored_keys(order))


@tagged("post_install", "-at_install")
class TestDeliverySlip(PersonSession, HttpCase, SandboxCase):
    """The slip is printed by a person through Odoo's report route."""

    registry_test_mode = False  # SandboxCase already serves requests its cursor
    sandbox_options = {"orders": 40, "seed": 5, "new_orders": 0.5}

    def test_slip_prints_the_vaults_address_for_shipping_staff_only(self):
        self.sandbox.advance_clock(86400)  # recent orders: some still to ship
        self.sync()
        order = self.amazon_orders().filtered(
            lambda o: o.amazon_channel == "mfn" and o.amazon_status == "UNSHIPPED"
        )[:1]
        self.assertTrue(order)
        truth = next(
            o for o in self.data["orders"] if o["orderId"] == order.amazon_order_id
        )
        picking = order.picking_ids
        clerk = new_test_user(
            self.env,
            login="amazon_packer",
            groups="stock.group_stock_user,amazon_pii.group_amazon_shipping",
        )
        clerk.sudo().totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        url = f"/report/html/stock.report_deliveryslip/{picking.id}"
        self.login(clerk)
        html = self.url_open(url).text
        self.assertIn(truth["recipient"]["addressLine1"], html)
        audit = (
            self.env["amazon.pii.audit"]
            .sudo()
            .search([("event", "=", "reveal"), ("purpose", "=", "delivery_slip")])
        )
        self.assertTrue(audit.filtered(lambda a: a.res_id == order.id))
        # Anyone else prints the pseudonym: no reveal, no address.
        plain = new_test_user(
            self.env, login="amazon_stock", groups="stock.group_stock_user"
        )
        self.authenticate(plain.login, TEST_PASSWORD)
        html = self.url_open(url).text
        self.assertNotIn(truth["recipient"]["addressLine1"], html)
        self.assertIn(order.partner_id.name, html)
