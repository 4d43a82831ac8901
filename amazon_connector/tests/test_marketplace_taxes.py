from decimal import Decimal

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..core.order_mapping import plan_order
from .common import SandboxCase
from .test_order_sync import rendered_orders

CENT = Decimal("0.01")


def amazon_tax(rendered):
    """The tax Amazon charged on an order, from its proceeds (the truth)."""
    breakdowns = (rendered.get("proceeds") or {}).get("breakdowns") or ()
    return sum(
        (Decimal(b["subtotal"]["amount"]) for b in breakdowns if b["type"] == "TAX"),
        Decimal(0),
    )


def dec(value):
    return Decimal(str(value)).quantize(CENT)


@tagged("post_install", "-at_install")
class TestMarketplaceTaxes(SandboxCase):
    """EU and JP orders carry price-included Odoo taxes matching what Amazon
    charged; a wrong rate is flagged, never absorbed; VAT-registered business
    buyers get the account's fiscal position."""

    sandbox_options = {"orders": 70, "seed": 11}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Tax = cls.env["account.tax"]

        def included(rate, name):
            return Tax.create(
                {
                    "name": name,
                    "amount": rate,
                    "type_tax_use": "sale",
                    "price_include_override": "tax_included",
                }
            )

        cls.vat20 = included(20, "VAT 20% incl.")
        cls.vat19 = included(19, "VAT 19% incl.")
        # Japan's standard consumption tax is 10%: 8% (the reduced rate) is
        # a seller's configuration mistake the flag must catch.
        cls.jct8 = included(8, "JCT 8% incl.")
        cls.zero = Tax.create(
            {"name": "0% reverse charge", "amount": 0, "type_tax_use": "sale"}
        )
        cls.b2b = cls.env["account.fiscal.position"].create(
            {
                "name": "EU B2B reverse charge",
                "tax_ids": [
                    Command.create({"tax_src_id": t.id, "tax_dest_id": cls.zero.id})
                    for t in (cls.vat20, cls.vat19)
                ],
            }
        )
        cls.eu, cls.fe = cls.accounts[1], cls.accounts[2]
        market = cls.env.ref

        def setting(account, code, tax, position=False):
            return {
                "account_id": account.id,
                "marketplace_id": market(f"amazon_connector.marketplace_{code}").id,
                "tax_id": tax.id,
                "business_fiscal_position_id": position and position.id,
            }

        cls.env["amazon.account.tax"].create(
            [
                setting(cls.eu, "uk", cls.vat20, cls.b2b),
                setting(cls.eu, "de", cls.vat19, cls.b2b),
                setting(cls.eu, "fr", cls.vat20, cls.b2b),
                setting(cls.fe, "jp", cls.jct8),
            ]
        )
        cls.accounts.auto_invoice = True
        cls.logs = cls.sync_class()

    @classmethod
    def sync_class(cls):
        cls.env.flush_all()
        logs = cls.env["amazon.sync.log"]
        for account in cls.accounts:
            logs |= cls.env["amazon.order.sync"].run(account)
        cls.env.invalidate_all()
        return logs

    def priced(self, account):
        """(sale order, Amazon's rendering) of the account's priced orders."""
        rendered = rendered_orders(account)
        orders = self.amazon_orders(account)
        self.assertTrue(orders, account.name)
        return [
            (order, rendered[order.amazon_order_id])
            for order in orders
            if (rendered[order.amazon_order_id].get("proceeds") or {}).get("grandTotal")
        ]

    def test_eu_vat_equals_amazons_tax_on_orders_and_invoices(self):
        self.assertEqual(set(self.logs.mapped("state")), {"done"})
        checked = invoiced = business = 0
        for order, rendered in self.priced(self.eu):
            grand = Decimal(rendered["proceeds"]["grandTotal"]["amount"])
            tax = amazon_tax(rendered)
            # Totals stay Amazon's (a price-included tax must not add to them).
            self.assertEqual(dec(order.amount_total), grand, order.amazon_order_id)
            # Odoo's own computation of the VAT from its rate equals Amazon's
            # (folded into the wrong lines or rounded differently, it would
            # not), and the order is not flagged.
            self.assertEqual(dec(order.amount_tax), tax, order.amazon_order_id)
            self.assertFalse(order.amazon_tax_mismatch, order.amazon_order_id)
            self.assertEqual(dec(order.amazon_tax), tax)
            # No "Tax" line left: the tax is in the lines' prices.
            self.assertFalse(
                order.order_line.filtered(lambda l: l.amazon_line_key == "tax")
            )
            if order.amazon_is_business:
                business += 1
                self.assertEqual(order.fiscal_position_id, self.b2b)
                self.assertEqual(tax, 0)
            else:
                self.assertGreater(tax, 0, order.amazon_order_id)
                self.assertFalse(order.fiscal_position_id)
                checked += 1
            invoices = order.invoice_ids.filtered(lambda m: m.state == "posted")
            if invoices:
                self.assertEqual(len(invoices), 1)
                self.assertEqual(dec(invoices.amount_tax), tax)
                self.assertEqual(dec(invoices.amount_total), grand)
                invoiced += 1
        self.assertGreater(checked, 5)
        self.assertGreater(invoiced, 3)
        self.assertGreater(business, 0, "the sandbox has EU business orders")

    def test_a_wrong_rate_is_flagged_and_the_total_stays_amazons(self):
        flagged = 0
        for order, rendered in self.priced(self.fe):
            grand = Decimal(rendered["proceeds"]["grandTotal"]["amount"])
            tax = amazon_tax(rendered)
            self.assertEqual(dec(order.amount_total), grand)
            # Amazon charged 10%, Odoo computes 8% out of the same price.
            self.assertGreater(tax, 0)
            self.assertTrue(order.amazon_tax_mismatch, order.amazon_order_id)
            self.assertLess(order.amazon_tax_difference, 0)
            flagged += 1
        self.assertGreater(flagged, 2)
        found = self.env["sale.order"].search(
            [("amazon_tax_mismatch", "=", True), ("amazon_account_id", "=", self.fe.id)]
        )
        self.assertEqual(len(found), flagged)

    def test_without_a_setting_tax_stays_as_amazon_charged_it(self):
        # North America has no tax setting: Amazon's marketplace-facilitator
        # tax is a line of its own product, Odoo adds no tax, nothing compared.
        facilitator = 0
        for order, rendered in self.priced(self.account):
            self.assertEqual(order.amount_tax, 0.0)
            self.assertFalse(order.amazon_tax_checked)
            self.assertFalse(order.amazon_tax_mismatch)
            line = order.order_line.filtered(lambda l: l.amazon_line_key == "mf_tax")
            tax = amazon_tax(rendered)
            if tax:
                self.assertEqual(len(line), 1, order.amazon_order_id)
                self.assertEqual(dec(line.price_total), tax)
                facilitator += 1
        self.assertGreater(facilitator, 5)

    def test_the_account_says_which_taxes_are_used(self):
        summary = self.eu.tax_summary
        self.assertIn("amazon.de: VAT 19% incl.", summary)
        self.assertIn("EU B2B reverse charge", summary)
        self.assertIn("amazon.com: no tax in Odoo", self.account.tax_summary)

    def test_settings_refuse_excluded_taxes_and_foreign_marketplaces(self):
        excluded = self.env["account.tax"].create(
            {"name": "VAT 21% excl.", "amount": 21, "type_tax_use": "sale"}
        )
        Setting = self.env["amazon.account.tax"]
        with self.assertRaisesRegex(ValidationError, "does not include the price"):
            Setting.create(
                {
                    "account_id": self.account.id,
                    "marketplace_id": self.env.ref(
                        "amazon_connector.marketplace_us"
                    ).id,
                    "tax_id": excluded.id,
                }
            )
        with self.assertRaisesRegex(ValidationError, "does not sell on"):
            Setting.create(
                {
                    "account_id": self.eu.id,
                    "marketplace_id": self.env.ref(
                        "amazon_connector.marketplace_us"
                    ).id,
                    "tax_id": self.vat20.id,
                }
            )

    def test_reverse_charge_only_where_amazon_charged_no_vat(self):
        # A VAT-registered business buyer in the seller's own country pays
        # VAT (Amazon charges it): the reverse-charge position must not turn
        # that VAT into 0% on the invoice.
        def order(tax):
            money = {"amount": "100.00", "currencyCode": "EUR"}
            breakdowns = [{"type": "ITEM", "subtotal": money}]
            if tax:
                breakdowns.append(
                    {"type": "TAX", "subtotal": {"amount": tax, "currencyCode": "EUR"}}
                )
            total = str(100 + float(tax or 0))
            return {
                "orderId": "302-0000000-0000001",
                "createdTime": "2026-10-01T10:00:00Z",
                "lastUpdatedTime": "2026-10-01T10:00:00Z",
                "salesChannel": {"marketplaceId": "A1PA6795UKMFR9"},
                "fulfillment": {"fulfillmentStatus": "UNSHIPPED"},
                "tax": {
                    "taxRegistrations": [
                        {"entityType": "BUYER", "taxRegistrationType": "VAT"}
                    ]
                },
                "orderItems": [
                    {
                        "orderItemId": "I1",
                        "quantityOrdered": 1,
                        "product": {"sellerSku": "SKU-1"},
                        "proceeds": {"breakdowns": breakdowns},
                    }
                ],
                "proceeds": {"grandTotal": {"amount": total, "currencyCode": "EUR"}},
            }

        setting = self.eu.tax_setting_ids.filtered(
            lambda s: s.marketplace_id.code == "DE"
        )
        importer = self.env["amazon.order.import"]
        domestic = plan_order(order("19.00"), fold_tax=True)
        self.assertTrue(domestic.buyer_vat_registered)
        taxes, position = importer._line_taxes(domestic, setting)
        self.assertEqual(
            (taxes, position), (self.vat19, self.env["account.fiscal.position"])
        )
        reverse = plan_order(order(None), fold_tax=True)
        taxes, position = importer._line_taxes(reverse, setting)
        self.assertEqual((taxes, position), (self.zero, self.b2b))
