"""An Amazon account of a second company: its orders land in that company's
warehouse, journal, pricelists and products, never in the first company's."""

from odoo import Command
from odoo.tests import Form, tagged

from .common import SandboxCase


@tagged("post_install", "-at_install")
class TestSecondCompany(SandboxCase):
    # Orders of the last weeks: shipped ones (invoiced), some still to ship.
    sandbox_options = {"orders": 60, "seed": 22}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.first = cls.env.company
        usd = cls.env.ref("base.USD")
        cls.second = cls.env["res.company"].create(
            {
                "name": "Second seller company",
                "country_id": cls.env.ref("base.us").id,
                "currency_id": usd.id,
            }
        )
        # Its own chart of accounts, hence its own sales journal.
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.second, install_demo=False
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.second.id)]
        )
        cls.journal = cls.env["account.journal"].search(
            [("company_id", "=", cls.second.id), ("type", "=", "sale")]
        )
        cls.pricelist = cls.env["product.pricelist"].create(
            {
                "name": "Second company USD",
                "currency_id": usd.id,
                "company_id": cls.second.id,
            }
        )
        cls.other = cls.make_account(
            name="Second company seller",
            company_id=cls.second.id,
            warehouse_id=cls.warehouse.id,
            pricelist_ids=[Command.set(cls.pricelist.ids)],
            auto_invoice=True,
        )
        # The catalogue: the first company has a product for every SKU; the
        # second owns a third of them, a third are shared by both companies
        # (company empty) and a third exist only in the first company.
        markets = cls.other.marketplace_ids.mapped("amazon_id")
        cls.item_skus = {
            item["orderItemId"]: item["sku"]
            for order in cls.data["orders"]
            if order["marketplaceId"] in markets
            for item in order["items"]
        }
        skus = sorted(set(cls.item_skus.values()))
        Product = cls.env["product.product"]
        cls.firsts = Product.create(
            [
                {
                    "name": f"First {sku}",
                    "default_code": sku,
                    "company_id": cls.first.id,
                }
                for sku in skus
            ]
        )
        cls.owned = Product.create(
            [
                {"name": f"Second {s}", "default_code": s, "company_id": cls.second.id}
                for s in skus[0::3]
            ]
        )
        # Shared products also under the SKUs the second company owns: its
        # own product must win over the shared one.
        cls.shared = Product.create(
            [
                {"name": f"Shared {sku}", "default_code": sku, "company_id": False}
                for sku in skus[0::3] + skus[1::3]
            ]
        )
        cls.first_only = set(skus[2::3])

    def test_orders_land_in_the_second_company_only(self):
        self.assertEqual(len(self.warehouse), 1)
        self.assertEqual(len(self.journal), 1)
        self.assertEqual(self.other.fba_warehouse_id.company_id, self.second)
        log = self.sync(self.other)
        self.assertEqual(log.state, "done")
        orders = self.amazon_orders(self.other)
        expected = self.expected_orders(self.data, self.other)
        # Lengths first: an empty import would pass every check below.
        self.assertEqual(len(orders), len(expected))
        self.assertGreater(len(orders), 15)
        self.assertEqual(set(orders.mapped("amazon_order_id")), set(expected))

        second = self.second
        first_warehouses = self.env["stock.warehouse"].search(
            [("company_id", "=", self.first.id)]
        )
        first_journals = self.env["account.journal"].search(
            [("company_id", "=", self.first.id)]
        )
        first_pricelists = self.env["product.pricelist"].search(
            [("company_id", "=", self.first.id)]
        )
        self.assertTrue(first_warehouses and first_journals)

        # Orders: company, warehouse, pricelist, buyer, team.
        self.assertEqual(orders.company_id, second)
        mfn = orders.filtered(lambda o: o.amazon_channel == "mfn")
        fba = orders - mfn
        self.assertTrue(mfn and fba)
        self.assertEqual(mfn.warehouse_id, self.warehouse)
        self.assertEqual(fba.warehouse_id, self.other.fba_warehouse_id)
        usd = orders.filtered(lambda o: o.currency_id.name == "USD")
        self.assertTrue(usd and usd != orders, "USD and CAD orders")
        self.assertEqual(usd.pricelist_id, self.pricelist)
        self.assertEqual(orders.pricelist_id.company_id, second)
        self.assertFalse(orders.pricelist_id & first_pricelists)
        self.assertEqual(orders.partner_id.company_id, second)
        self.assertFalse(orders.team_id.company_id - second)
        self.assertFalse(orders.fiscal_position_id.company_id - second)

        # Deliveries and stock moves: the second company's warehouses; the
        # customer location is shared by every company in Odoo.
        pickings = orders.picking_ids
        self.assertTrue(pickings.filtered(lambda p: p.state == "done"))
        self.assertEqual(pickings.company_id, second)
        self.assertEqual(
            pickings.picking_type_id.warehouse_id,
            self.warehouse | self.other.fba_warehouse_id,
        )
        self.assertFalse(pickings.picking_type_id.warehouse_id & first_warehouses)
        moves = pickings.move_ids
        self.assertEqual(moves.company_id, second)
        locations = moves.location_id | moves.location_dest_id
        self.assertFalse(locations.company_id - second)
        self.assertTrue(locations.filtered(lambda loc: loc.usage == "customer"))

        # Invoices: one per order Amazon reports shipped, in its journal.
        shipped = orders.filtered(lambda o: o.amazon_status == "SHIPPED")
        invoices = orders.invoice_ids
        self.assertEqual(len(invoices), len(shipped))
        self.assertEqual(set(invoices.mapped("state")), {"posted"})
        self.assertEqual(invoices.company_id, second)
        self.assertEqual(invoices.journal_id, self.journal)
        self.assertFalse(invoices.journal_id & first_journals)
        for line in invoices.line_ids:
            self.assertIn(second, line.account_id.company_ids, line.account_id.code)
            self.assertNotIn(self.first, line.account_id.company_ids)

        # Products: the second company's own or shared ones, never the first's.
        lines = orders.order_line.filtered(
            lambda line: line.amazon_line_key.startswith("item:")
        )
        self.assertFalse(lines.product_id & self.firsts)
        self.assertFalse(orders.order_line.product_id.company_id - second)
        for line in lines:
            sku = self.item_skus[line.amazon_item_id]
            if sku in self.first_only:
                self.assertEqual(line.product_id, self.other.unknown_product_id)
            else:
                owned = self.owned.filtered(lambda p, s=sku: p.default_code == s)
                shared = self.shared.filtered(lambda p, s=sku: p.default_code == s)
                self.assertEqual(line.product_id, owned or shared, sku)
        offers = self.env["amazon.offer"].search([("account_id", "=", self.other.id)])
        self.assertEqual(offers.company_id, second)

    def test_the_account_form_follows_the_company(self):
        first_pricelist = self.env["product.pricelist"].create(
            {"name": "First company USD", "company_id": self.first.id}
        )
        with Form(self.env["amazon.account"]) as form:
            form.name = "Second company, from the form"
            form.seller_id = "A2FORMSELLER"
            form.pricelist_ids.add(first_pricelist)
            form.pricelist_ids.add(self.pricelist)
            # The defaults are the current (first) company's.
            self.assertEqual(form.warehouse_id.company_id, self.first)
            form.company_id = self.second
            self.assertEqual(form.warehouse_id, self.warehouse)
            form.marketplace_ids.add(self.env.ref("amazon_connector.marketplace_us"))
        account = form.record
        self.assertEqual(account.warehouse_id, self.warehouse)
        self.assertEqual(account.pricelist_ids, self.pricelist)
        self.assertEqual(account.fba_warehouse_id.company_id, self.second)
