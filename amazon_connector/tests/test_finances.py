from decimal import Decimal
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from .common import SandboxCase

DAY = 86400
CENT = Decimal("0.01")


def dec(value, currency):
    places = Decimal(1) if currency.decimal_places == 0 else CENT
    return Decimal(str(value)).quantize(places)


@tagged("post_install", "-at_install")
class TestFinances(SandboxCase):
    """A simulated month of Amazon's money: sales settle their invoices, fees
    and other charges reach their accounts, each payout is a bank statement
    line reconciled with its settlement group to the cent."""

    sandbox_options = {"orders": 60, "seed": 11}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        skus = sorted({i["sku"] for o in cls.data["orders"] for i in o["items"]})
        cls.env["product.product"].create(
            [
                {"name": f"Product {sku}", "default_code": sku, "standard_price": 5.0}
                for sku in skus
            ]
        )
        cls.accounts.write({"auto_invoice": True, "sync_finances": True})
        cls.bank = cls.env["account.journal"].create(
            {"name": "Amazon payouts", "code": "AMZP", "type": "bank"}
        )
        cls.accounts.payout_journal_id = cls.bank
        # VAT where the sandbox charges it, so invoices and credit notes carry it.
        Tax = cls.env["account.tax"]
        # VAT-registered business buyers pay none (the sandbox's reverse
        # charge): the account's fiscal position maps the VAT to 0%.
        business = cls.env["account.fiscal.position"].create(
            {"name": "EU B2B reverse charge"}
        )
        zero = cls.env["account.tax"].create(
            {"name": "0% reverse charge", "amount": 0, "type_tax_use": "sale"}
        )
        settings = []
        for code, rate in (("uk", 20), ("de", 19), ("fr", 20), ("jp", 10)):
            marketplace = cls.env.ref(f"amazon_connector.marketplace_{code}")
            settings.append(
                {
                    "account_id": cls.accounts.filtered(
                        lambda a, m=marketplace: m in a.marketplace_ids
                    ).id,
                    "marketplace_id": marketplace.id,
                    "tax_id": Tax.create(
                        {
                            "name": f"{code} VAT {rate}% incl.",
                            "amount": rate,
                            "type_tax_use": "sale",
                            "price_include_override": "tax_included",
                        }
                    ).id,
                    "business_fiscal_position_id": business.id,
                }
            )
            business.tax_ids = [
                Command.create(
                    {"tax_src_id": settings[-1]["tax_id"], "tax_dest_id": zero.id}
                )
            ]
        cls.env["amazon.account.tax"].create(settings)
        # The month, once for the class (the tests only read it, or read
        # Amazon again to prove nothing changes).
        cls.sync_orders()
        cls.read_finances()
        cls.sandbox.advance_clock(28 * DAY)
        cls.sync_orders()
        cls.read_finances()

    @classmethod
    def sync_orders(cls):
        cls.env.flush_all()
        for account in cls.accounts:
            cls.env["amazon.order.sync"].run(account)
        cls.env.invalidate_all()

    @classmethod
    def read_finances(cls):
        cls.env.flush_all()
        counts = [account._finances_sync() for account in cls.accounts]
        cls.env.invalidate_all()
        return counts

    def truth_groups(self):
        truth = self.sandbox.finances()
        markets = set(self.accounts.marketplace_ids.mapped("amazon_id"))
        return [g for g in truth["groups"] if g["marketplaceId"] in markets]

    def test_a_month_of_payouts_is_reconciled_to_the_cent(self):
        Payout = self.env["amazon.payout"]
        paid = [g for g in self.truth_groups() if g["closed"] and g["payout"]]
        self.assertGreater(len(paid), 8, "the sandbox paid out in the month")
        explained = 0
        for group in paid:
            payout = Payout.search([("settlement_group", "=", group["groupId"])])
            self.assertEqual(len(payout), 1, group["groupId"])
            currency = payout.currency_id
            self.assertEqual(currency.name, group["currencyCode"])
            # What Amazon transferred, by the sandbox's truth (not derived
            # from the transactions Odoo booked).
            amount = -Decimal(str(group["payout"]))
            self.assertEqual(dec(payout.paid_amount, currency), amount)
            self.assertEqual(payout.state, "reconciled", payout.name)
            line = payout.statement_line_id
            self.assertEqual(len(line), 1)
            self.assertEqual(line.journal_id, self.bank)
            shown = line.amount_currency if line.foreign_currency_id else line.amount
            self.assertEqual(dec(shown, currency), amount)
            # The group's clearing items and the payout are one full
            # reconciliation: nothing of the group is left on the clearing.
            clearing = payout.account_id.clearing_account_id
            items = (payout.transaction_ids.move_id | line.move_id).line_ids.filtered(
                lambda l, c=clearing: l.account_id == c
            )
            self.assertTrue(items)
            self.assertEqual(len(items.full_reconcile_id), 1, payout.name)
            self.assertEqual(
                sorted(payout.transaction_ids.mapped("transaction_ref")),
                sorted([*group["transactionIds"], group["payoutTransactionId"]]),
            )
            explained += self.assert_documents_explain(payout, amount)
        self.assertGreater(explained, 3, "payouts explained by their documents")

    def assert_documents_explain(self, payout, amount):
        """Invoices - credit notes + fees and other charges = the payout, for
        a payout whose orders are all settled within it (1), else 0."""
        txs = payout.transaction_ids.filtered(lambda t: t.kind != "payout")
        orders = txs.filtered(lambda t: t.kind == "order").sale_order_id
        others = self.env["amazon.finance.transaction"].search(
            [("sale_order_id", "in", orders.ids), ("payout_id", "!=", payout.id)]
        )
        if others or len(orders) != len(txs.filtered(lambda t: t.kind == "order")):
            return 0
        invoices = orders.invoice_ids.filtered(lambda m: m.state == "posted")
        self.assertEqual(len(invoices), len(orders))
        notes = txs.credit_note_id
        charges = txs.line_ids.filtered(
            lambda p: (
                p.role not in ("proceeds", "refund", "tax", "promotion")
                or p.transaction_id.kind not in ("order", "refund")
            )
        )
        total = (
            sum(Decimal(str(m.amount_total)) for m in invoices)
            - sum(Decimal(str(m.amount_total)) for m in notes)
            + sum(Decimal(str(p.amount)) for p in charges)
        )
        self.assertEqual(dec(total, payout.currency_id), amount, payout.name)
        for invoice in invoices:
            self.assertEqual(invoice.payment_state, "paid", invoice.name)
        return 1

    def test_refunds_make_one_credit_note_of_the_invoice(self):
        truth = [
            r
            for r in self.sandbox.returns()["returns"]
            if r["refund"]["posted"]
            and r["marketplaceId"] in self.accounts.marketplace_ids.mapped("amazon_id")
        ]
        self.assertGreater(len(truth), 3, "the sandbox refunds in the month")
        Tx = self.env["amazon.finance.transaction"]
        vat = partial = 0
        for entry in truth:
            refund = entry["refund"]
            tx = Tx.search([("refund_ref", "=", refund["refundId"])])
            self.assertEqual(len(tx), 1, refund["refundId"])
            self.assertEqual(tx.state, "booked")
            self.assertEqual(tx.match_state, "matched", tx.reason)
            note = tx.credit_note_id
            self.assertEqual(len(note), 1)
            self.assertEqual(note.state, "posted")
            self.assertEqual(note.move_type, "out_refund")
            invoice = tx.sale_order_id.invoice_ids.filtered(
                lambda m: m.move_type == "out_invoice"
            )
            self.assertEqual(note.reversed_entry_id, invoice)
            currency = note.currency_id
            # What the buyer got back, by the sandbox's returns truth
            # (components added there), to the cent; settled in full.
            self.assertEqual(
                dec(note.amount_total, currency), Decimal(refund["total"]), note.name
            )
            # Settled by Amazon's refund, not by the invoice it credits.
            self.assertTrue(currency.is_zero(note.amount_residual), note.name)
            receivable = note.line_ids.filtered(
                lambda l: l.account_id.account_type == "asset_receivable"
            )
            settled_by = (
                receivable.matched_debit_ids.debit_move_id
                | receivable.matched_credit_ids.credit_move_id
            ).move_id
            self.assertEqual(settled_by, tx.move_id, note.name)
            tax = Decimal(refund["amounts"].get("TAX", "0")) + Decimal(
                refund["amounts"].get("SHIPPING_TAX", "0")
            )
            if entry["marketplaceId"] in (
                "A1F83G8C2ARO7P",
                "A1PA6795UKMFR9",
                "A13V1IB3VIYZZH",
            ):
                # The VAT given back is on the credit note (price-included
                # tax of the invoice line), as Amazon refunded it.
                self.assertEqual(dec(note.amount_tax, currency), tax, note.name)
                vat += 1
            if entry["quantity"] < entry["shippedQuantity"]:
                self.assertLess(note.amount_total, invoice.amount_total)
                partial += 1
        self.assertTrue(vat, "EU refunds with VAT")
        self.assertTrue(partial, "partial refunds")

    def test_facilitator_tax_is_never_the_sellers_liability(self):
        # The buyer's US/CA tax on the invoice is credited to the facilitator
        # account; Amazon's withholding in its sale debits it back: per order
        # settled, nothing is left owed (a wrong sign or account leaves it).
        account = self.account
        liability = account.mf_tax_product_id.with_company(
            account.company_id
        ).property_account_income_id
        self.assertEqual(liability.account_type, "liability_current")
        Tx = self.env["amazon.finance.transaction"]
        settled = 0
        for order in self.amazon_orders(account):
            sales = Tx.search(
                [("sale_order_id", "=", order.id), ("kind", "=", "order")]
            )
            invoices = order.invoice_ids.filtered(lambda m: m.state == "posted")
            if not sales or not invoices or set(sales.mapped("state")) != {"booked"}:
                continue
            lines = (invoices | sales.move_id).line_ids.filtered(
                lambda l, a=liability: l.account_id == a
            )
            if not lines:
                continue
            self.assertTrue(
                order.currency_id.is_zero(sum(lines.mapped("amount_currency"))),
                order.amazon_order_id,
            )
            settled += 1
        self.assertGreater(settled, 5, "US/CA orders with facilitator tax")

    def test_reading_again_books_nothing_twice(self):
        Tx = self.env["amazon.finance.transaction"]
        before = (
            Tx.search_count([]),
            self.env["account.move"].search_count([]),
            self.env["account.bank.statement.line"].search_count([]),
        )
        self.assertGreater(before[0], 50)
        # Back over the whole month: every transaction again.
        self.accounts.finances_synced_to = False
        self.read_finances()
        after = (
            Tx.search_count([]),
            self.env["account.move"].search_count([]),
            self.env["account.bank.statement.line"].search_count([]),
        )
        self.assertEqual(after, before)

    def test_deferred_sales_wait_and_are_booked_once(self):
        Tx = self.env["amazon.finance.transaction"]
        deferred = Tx.search([("status", "in", ("deferred", "deferred_released"))])
        self.assertTrue(deferred, "the sandbox defers business orders")
        for tx in deferred.filtered(lambda t: t.status == "deferred"):
            self.assertEqual(tx.state, "waiting")
            self.assertFalse(tx.move_id)
        for tx in deferred.filtered(lambda t: t.status == "deferred_released"):
            release = Tx.search([("deferred_ref", "=", tx.transaction_ref)])
            self.assertEqual(len(release), 1)
            pair = tx | release
            # One entry for the sale, whichever half was booked.
            self.assertEqual(len(pair.move_id), 1)
            self.assertEqual(sorted(pair.mapped("state")), ["booked", "linked"])

    def test_fees_and_margin_per_sku(self):
        Margin = self.env["amazon.sku.margin"]
        rows = Margin.search([])
        self.assertTrue(rows)
        fees = sum(rows.mapped("fees"))
        self.assertLess(fees, 0, "Amazon's fees reduce the margin")
        # Units sold per SKU are Amazon's quantities shipped (the truth),
        # counted once per item whatever its number of breakdown parts.
        shipped = {}
        for tx in self.env["amazon.finance.transaction"].search(
            [("kind", "=", "order"), ("state", "=", "booked")]
        ):
            for part in tx.line_ids.filtered(
                lambda p: p.role == "proceeds" and p.code == "OurPricePrincipal"
            ):
                shipped[part.sku] = shipped.get(part.sku, 0) + part.quantity
        units = {}
        for row in rows:
            units[row.sku] = units.get(row.sku, 0) + row.units
        self.assertEqual(units, {k: v for k, v in shipped.items() if v})
        for row in rows:
            self.assertAlmostEqual(
                row.margin,
                row.sales + row.refunds + row.promotions + row.fees - row.cost,
                places=2,
            )
            self.assertAlmostEqual(row.cost, row.units * 5.0, places=2)


@tagged("post_install", "-at_install")
class TestFinanceParking(SandboxCase):
    """What cannot be booked or matched is listed with its reason; the rest
    goes through."""

    sandbox_options = {"orders": 30, "seed": 11}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account.write({"auto_invoice": True, "sync_finances": True})

    def test_unknown_orders_and_bad_transactions_are_listed_with_their_reason(self):
        self.sync(self.account)
        # An order Odoo does not know (renamed here) and a malformed
        # transaction among good ones.
        order = self.amazon_orders(self.account).filtered(
            lambda o: o.amazon_status == "SHIPPED"
        )[:1]
        self.assertTrue(order)
        known_id = order.amazon_order_id
        order.amazon_order_id = "000-0000000-0000000"
        real = type(self.account)._finances_read

        def read(account, start):
            found = real(account, start)
            if account == self.account:
                found.append(
                    {"transactionId": "BROKEN-1", "transactionType": "Shipment"}
                )
            return found

        with patch.object(type(self.account), "_finances_read", read):
            self.env.flush_all()
            self.account._finances_sync()
            self.env.invalidate_all()
        Tx = self.env["amazon.finance.transaction"]
        broken = Tx.search([("transaction_ref", "=", "BROKEN-1")])
        self.assertEqual(len(broken), 1)
        self.assertEqual(broken.state, "parked")
        self.assertIn("BROKEN-1", broken.reason)
        lost = Tx.search([("amazon_order_id", "=", known_id), ("kind", "=", "order")])
        self.assertTrue(lost)
        booked = lost.filtered(lambda t: t.state == "booked")
        self.assertTrue(booked)
        self.assertLessEqual(set(lost.mapped("state")), {"booked", "linked"})
        self.assertEqual(set(booked.mapped("match_state")), {"no_order"})
        self.assertIn(known_id, booked[0].reason)
        # Both are on the accountant's "Not matched" list; booked ones are not.
        action = self.env.ref("amazon_connector.action_amazon_finance_unmatched")
        search = self.env.ref("amazon_connector.amazon_finance_transaction_view_search")
        self.assertIn("to_look_at", search.arch)
        self.assertIn("search_default_to_look_at", action.context)
        unmatched = Tx.search(
            [
                "|",
                ("state", "in", ("parked", "unmapped")),
                ("match_state", "in", ("no_order", "no_invoice", "differs")),
            ]
        )
        self.assertIn(broken, unmatched)
        self.assertTrue(booked <= unmatched)
        self.assertGreater(Tx.search_count([("match_state", "=", "matched")]), 5)
        self.assert_no_buyer_data()

    def test_a_late_transaction_is_found_by_reading_its_settlement_group(self):
        # Amazon posts up to days late: the posting-date read misses a sale of
        # a group already paid out; reading that group by its id finds it.
        self.sync(self.account)
        truth = self.sandbox.finances()
        markets = set(self.account.marketplace_ids.mapped("amazon_id"))
        group = next(
            g
            for g in truth["groups"]
            if g["closed"] and g["payout"] and g["marketplaceId"] in markets
        )
        missed = group["transactionIds"][0]
        real = type(self.account)._finances_read

        def read(account, start):
            return [t for t in real(account, start) if t["transactionId"] != missed]

        with patch.object(type(self.account), "_finances_read", read):
            self.env.flush_all()
            self.account._finances_sync()
            self.env.invalidate_all()
        payout = self.env["amazon.payout"].search(
            [("settlement_group", "=", group["groupId"])]
        )
        self.assertEqual(len(payout), 1)
        self.assertIn(missed, payout.transaction_ids.mapped("transaction_ref"))
        self.assertEqual(payout.state, "reconciled")
