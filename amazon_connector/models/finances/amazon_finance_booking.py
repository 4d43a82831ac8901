"""Booking Amazon's transactions: journal entries, credit notes, payouts.

- A sale (Shipment...) is one entry on the Amazon journal: the buyer's
  payment settles the order's invoice (credit on the invoice's receivable,
  reconciled with it), the tax Amazon withheld as marketplace facilitator
  clears its liability account, each fee goes to its account, and the net
  is what Amazon owes on the clearing account.
- A refund first makes the credit note of the order's invoice (per SKU, with
  the invoice line's taxes, partial as Amazon refunded it), then the entry
  whose receivable side settles that credit note.
- Other transactions (storage fees, advertising, reimbursements,
  adjustments, reserves) are entries against their accounts.
- A payout is a statement line of the payout journal against the clearing
  account, reconciled with its settlement group's items (amazon_payout.py).
Each transaction is booked in a savepoint: one that fails is parked with its
reason and the others go on.
"""

from collections import defaultdict

from odoo import Command, models
from odoo.exceptions import UserError

from .amazon_finance_setup import RECEIVABLE_ROLES


class AmazonFinanceTransaction(models.Model):
    _inherit = "amazon.finance.transaction"

    def _book(self):
        """Book the transactions of ``self`` that are to book; return how
        many were booked and parked."""
        counts = {"booked": 0, "parked": 0}
        for tx in self.filtered(lambda t: t.state == "to_book"):
            try:
                with self.env.cr.savepoint():
                    tx._book_one()
                counts["booked"] += 1
            except Exception as exc:  # noqa: BLE001 - one failure parks one
                tx.write({"state": "parked", "reason": _reason(exc)})
                counts["parked"] += 1
        return counts

    def _book_one(self):
        self.ensure_one()
        self.account_id._finance_setup()
        if self.kind == "payout":
            self._book_payout()
            return
        if self.kind == "refund":
            self._make_credit_note()
        move = self.env["account.move"].create(self._entry_vals())
        move.action_post()
        self.write({"move_id": move.id, "state": "booked", "reason": False})
        self._store_company_amounts(move)
        if self.kind in ("order", "refund"):
            self._match()

    # -- the entry -----------------------------------------------------------
    def _customer(self):
        """The partner whose receivable the buyer's money settles."""
        invoices = self._invoices()
        if invoices:
            return invoices[0].commercial_partner_id
        if self.sale_order_id:
            return self.sale_order_id.partner_invoice_id.commercial_partner_id
        return self.account_id.finance_partner_id

    def _invoices(self):
        return self.sale_order_id.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )

    def _open_invoices(self):
        """The order's posted invoices Amazon's money can still settle (an
        order invoiced per shipment has several)."""
        return self._invoices().filtered(
            lambda m: not m.currency_id.is_zero(m.amount_residual)
        )

    def _target(self, part):
        """(ledger account, partner) of one part."""
        account = self.account_id
        if part.role in RECEIVABLE_ROLES and self.kind in ("order", "refund"):
            partner = self._customer()
            receivable = partner.with_company(
                account.company_id
            ).property_account_receivable_id
            return receivable, partner
        if part.role == "facilitator_tax":
            account._ensure_facilitator_tax_account()
            product = account.sudo().mf_tax_product_id.with_company(account.company_id)
            return product.property_account_income_id, account.finance_partner_id
        ledger = account._finance_account_for(
            part.role, part.code, self.transaction_type
        )
        return ledger, account.finance_partner_id

    def _entry_vals(self):
        account = self.account_id
        company = account.company_id
        date = self.posted_date.date()
        sums = defaultdict(float)
        for part in self.line_ids:
            sums[self._target(part)] += part.amount
        lines = []
        total_balance = 0.0
        for (ledger, partner), amount in sums.items():
            if self.currency_id.is_zero(amount):
                continue
            balance = company.currency_id.round(
                self.currency_id._convert(-amount, company.currency_id, company, date)
            )
            total_balance += balance
            lines.append(
                Command.create(
                    {
                        "name": self._line_label(),
                        "account_id": ledger.id,
                        "partner_id": partner.id,
                        "currency_id": self.currency_id.id,
                        "amount_currency": -amount,
                        "balance": balance,
                    }
                )
            )
        lines.append(
            Command.create(
                {
                    "name": self._line_label(),
                    "account_id": account.clearing_account_id.id,
                    "partner_id": account.finance_partner_id.id,
                    "currency_id": self.currency_id.id,
                    "amount_currency": self.amount,
                    # The clearing side balances the entry in company currency.
                    "balance": -total_balance,
                }
            )
        )
        return {
            "move_type": "entry",
            "journal_id": account.finance_journal_id.id,
            "date": date,
            "ref": self._line_label(),
            "currency_id": self.currency_id.id,
            "line_ids": lines,
        }

    def _line_label(self):
        label = f"Amazon {self.transaction_type} {self.transaction_ref}"
        if self.amazon_order_id:
            label += f" ({self.amazon_order_id})"
        return label

    def _store_company_amounts(self, move):
        """Each part in company currency at the entry's rate (for the pivot)."""
        company = self.account_id.company_id
        date = move.date
        for part in self.line_ids:
            part.amount_company = self.currency_id._convert(
                part.amount, company.currency_id, company, date
            )

    # -- matching ------------------------------------------------------------
    def _match(self):
        """Reconcile the buyer's side of a booked sale or refund with the
        invoice (or credit note) it settles; say why when it cannot."""
        for tx in self.filtered(lambda t: t.move_id and t.kind in ("order", "refund")):
            ours = tx.move_id.line_ids.filtered(
                lambda line: (
                    line.account_id.account_type == "asset_receivable"
                    and not line.reconciled
                )
            )
            if not ours:
                # Nothing of the buyer's left to settle (fees only, or done).
                tx.write({"match_state": "matched", "reason": False})
                continue
            if not tx.sale_order_id:
                tx.write(
                    {
                        "match_state": "no_order",
                        "reason": tx.env._(
                            "Amazon order %(order)s is not in Odoo: its money is "
                            "on Amazon's partner.",
                            order=tx.amazon_order_id or "-",
                        ),
                    }
                )
                continue
            if tx.kind == "refund" and not tx.credit_note_id:
                tx._make_credit_note()
            documents = (
                tx.credit_note_id if tx.kind == "refund" else tx._open_invoices()
            )
            if not documents:
                tx.write(
                    {
                        "match_state": "no_invoice",
                        "reason": tx.env._(
                            "Order %(order)s has no open posted invoice yet: "
                            "matched when it has one.",
                            order=tx.sale_order_id.name,
                        ),
                    }
                )
                continue
            theirs = documents.line_ids.filtered(
                lambda line, a=ours[0].account_id: (
                    line.account_id == a and not line.reconciled
                )
            )
            if theirs:
                (ours | theirs).reconcile()
            # Matched once Amazon's side is settled in full; an invoice left
            # partly open waits for the order's next shipment.
            leftover = sum(ours.mapped("amount_residual_currency"))
            if tx.currency_id.is_zero(leftover):
                tx.write({"match_state": "matched", "reason": False})
            else:
                tx.write(
                    {
                        "match_state": "differs",
                        "reason": tx.env._(
                            "Amazon's amount and %(document)s differ by %(amount)s "
                            "%(currency)s.",
                            document=", ".join(documents.mapped("name")),
                            amount=round(leftover, 2),
                            currency=tx.currency_id.name,
                        ),
                    }
                )

    # -- credit notes --------------------------------------------------------
    def _make_credit_note(self):
        """The credit note of a refund, once, of the order's invoice that
        billed the refunded item."""
        self.ensure_one()
        if self.credit_note_id or not self.sale_order_id:
            return
        invoices = self._invoices()
        if not invoices:
            return
        lines, invoice = self._credit_note_lines(invoices)
        if not lines:
            return
        date = self.posted_date.date()
        note = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": invoice.partner_id.id,
                "journal_id": invoice.journal_id.id,
                "currency_id": invoice.currency_id.id,
                "fiscal_position_id": invoice.fiscal_position_id.id,
                "invoice_date": date,
                "date": date,
                "invoice_origin": self.sale_order_id.name,
                "ref": self.env._(
                    "Amazon refund of %(order)s (%(refund)s)",
                    order=self.amazon_order_id,
                    refund=self.refund_ref or self.transaction_ref,
                ),
                "invoice_line_ids": lines,
            }
        )
        note.action_post()
        # Linked to the invoice after posting: posting a credit note of an
        # invoice reconciles the two, while Amazon's refund is what settles
        # it (the invoice is Amazon's sale's to settle).
        note.reversed_entry_id = invoice
        self.credit_note_id = note

    def _credit_note_lines(self, invoices):
        """Per SKU the refunded price (its tax inside when the invoice line's
        taxes are included in the price, as Amazon's VAT is), the refunded
        shipping, and refunded tax the invoice had as a line of its own; and
        the invoice credited: the one of the order's ``invoices`` that billed
        the refunded item."""
        account = self.account_id
        has_mf_tax = bool(
            self.sale_order_id.order_line.filtered(
                lambda l: l.amazon_line_key == "mf_tax"
            )
        )
        tax_product = (
            account.mf_tax_product_id if has_mf_tax else account.tax_product_id
        )
        buckets = defaultdict(float)  # (sku, "item"|"shipping"|("tax", ...)) -> amount
        for part in self.line_ids.filtered(lambda p: p.role in RECEIVABLE_ROLES):
            code = (part.code or "").lower()
            what = "shipping" if "shipping" in code else "item"
            if part.role == "tax":
                what = ("tax", what)
            buckets[(part.sku or "", what)] -= part.amount
        products = {
            line.sku: line.product_id for line in self.line_ids if line.product_id
        }
        commands = []
        credited = self.env["account.move"]
        for (sku, what), amount in sorted(buckets.items(), key=str):
            if isinstance(what, tuple):
                continue  # taxes go with their line below
            tax_amount = buckets.get((sku, ("tax", what)), 0.0)
            if what == "shipping":
                product = account.shipping_product_id
            else:
                product = products.get(sku) or account.unknown_product_id
            source = invoices.invoice_line_ids.filtered(
                lambda l, p=product: l.product_id == p
            )[:1]
            if what == "item":
                credited |= source.move_id
            taxes = source.tax_ids
            included = bool(taxes) and all(taxes.mapped("price_include"))
            price = amount + (tax_amount if included else 0.0)
            if not self.currency_id.is_zero(price):
                commands.append(
                    self._credit_line(
                        product,
                        sku or product.display_name,
                        price,
                        taxes if included else None,
                    )
                )
            if tax_amount and not included:
                commands.append(
                    self._credit_line(tax_product, tax_product.display_name, tax_amount)
                )
        # Refunded tax with no price of its own (shipping tax only...).
        for (sku, what), amount in buckets.items():
            if isinstance(what, tuple) and (sku, what[1]) not in buckets and amount:
                commands.append(
                    self._credit_line(tax_product, tax_product.display_name, amount)
                )
        return commands, (credited or invoices)[:1]

    def _credit_line(self, product, label, price, taxes=None):
        return Command.create(
            {
                "product_id": product.id,
                "name": self.env._("Amazon refund: %(what)s", what=label),
                "quantity": 1,
                "price_unit": price,
                "tax_ids": [Command.set(taxes.ids if taxes else [])],
            }
        )

    # -- payouts -------------------------------------------------------------
    def _book_payout(self):
        """The transfer to the bank: a statement line of the payout journal
        whose counterpart is the clearing account."""
        account = self.account_id
        journal = account.payout_journal_id
        if not journal:
            raise UserError(
                self.env._(
                    "Amazon account %(account)s has no journal for payouts: set "
                    "one on its Accounting tab.",
                    account=account.name,
                )
            )
        company = account.company_id
        date = self.posted_date.date()
        amount = -self.amount
        journal_currency = journal.currency_id or company.currency_id
        vals = {
            "journal_id": journal.id,
            "date": date,
            "payment_ref": self.env._(
                "Amazon payout %(ref)s",
                ref=self.disbursement_ref
                or self.settlement_group
                or self.transaction_ref,
            ),
            "partner_id": account.finance_partner_id.id,
            "counterpart_account_id": account.clearing_account_id.id,
            "amount": amount,
        }
        if self.currency_id != journal_currency:
            vals.update(
                foreign_currency_id=self.currency_id.id,
                amount_currency=amount,
                amount=self.currency_id._convert(
                    amount, journal_currency, company, date
                ),
            )
        line = self.env["account.bank.statement.line"].create(vals)
        self.write(
            {
                "statement_line_id": line.id,
                "move_id": line.move_id.id,
                "state": "booked",
                "reason": False,
            }
        )
        if self.payout_id:
            vals = {"statement_line_id": line.id, "date": date}
            if self.disbursement_ref:
                # Named as the bank statement shows the transfer.
                vals.update(
                    disbursement_ref=self.disbursement_ref,
                    name=self.env._("Amazon payout %(ref)s", ref=self.disbursement_ref),
                )
            self.payout_id.write(vals)
            self.payout_id._reconcile()


def _reason(exc):
    """Why a transaction is parked: the error's kind and Odoo's message
    (accounts, amounts and record names; never buyer data, which finance
    transactions do not carry)."""
    text = str(exc) if isinstance(exc, (UserError, ValueError)) else ""
    return f"{type(exc).__name__}: {text}"[:500]
