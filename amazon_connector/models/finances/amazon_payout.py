"""One Amazon payout: a settlement group (FINANCIAL_EVENT_GROUP_ID).

Its transactions were booked against the clearing account; the payout
(Amazon's transfer to the bank) is a statement line on the payout journal
whose counterpart is the same clearing account. When the group's clearing
items and the payout add up to zero they are reconciled together: the
payout is explained to the cent. Anything else is shown with its
difference, never forced.
"""

from odoo import api, fields, models

STATES = [
    ("open", "Not paid yet"),
    ("paid", "Paid, not reconciled"),
    ("reconciled", "Reconciled"),
    ("differs", "Differs"),
]


class AmazonPayout(models.Model):
    _name = "amazon.payout"
    _description = "Amazon Payout"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True)
    account_id = fields.Many2one(
        "amazon.account",
        "Amazon account",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    settlement_group = fields.Char(required=True, readonly=True, index=True)
    disbursement_ref = fields.Char(
        "Disbursement",
        readonly=True,
        index="btree_not_null",
        help="Amazon's id of the transfer, as your bank statement shows it.",
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    date = fields.Date("Paid on", readonly=True)
    transaction_ids = fields.One2many(
        "amazon.finance.transaction", "payout_id", "Transactions"
    )
    expected_amount = fields.Monetary(
        "Transactions total",
        compute="_compute_amounts",
        store=True,
        help="The group's released transactions: what Amazon should pay.",
    )
    paid_amount = fields.Monetary(
        "Paid", compute="_compute_amounts", store=True, help="What Amazon transferred."
    )
    difference = fields.Monetary(compute="_compute_amounts", store=True)
    transaction_count = fields.Integer(compute="_compute_amounts", store=True)
    unmatched_count = fields.Integer(
        "Not matched",
        compute="_compute_amounts",
        store=True,
        help="Transactions parked, not booked, or not matched to an invoice.",
    )
    state = fields.Selection(STATES, default="open", readonly=True, index=True)
    statement_line_id = fields.Many2one(
        "account.bank.statement.line", "Bank statement line", readonly=True
    )

    _sql_constraints = [
        (
            "group_uniq",
            "unique(account_id, settlement_group)",
            "One payout per settlement group.",
        ),
    ]

    @api.depends(
        "transaction_ids.amount",
        "transaction_ids.kind",
        "transaction_ids.state",
        "transaction_ids.match_state",
        "transaction_ids.changed_after_booking",
    )
    def _compute_amounts(self):
        for payout in self:
            txs = payout.transaction_ids
            paid = txs.filtered(lambda t: t.kind == "payout")
            others = txs - paid
            payout.expected_amount = sum(others.mapped("amount"))
            payout.paid_amount = -sum(paid.mapped("amount"))
            payout.difference = payout.expected_amount - payout.paid_amount
            payout.transaction_count = len(others)
            payout.unmatched_count = len(
                others.filtered(
                    lambda t: (
                        t.state in ("parked", "unmapped")
                        or t.changed_after_booking
                        or (t.match_state and t.match_state != "matched")
                    )
                )
            )

    def _clearing_lines(self):
        """The unreconciled clearing items of the payout's transactions and of
        its statement line."""
        self.ensure_one()
        clearing = self.account_id.clearing_account_id
        moves = self.transaction_ids.move_id | self.statement_line_id.move_id
        return moves.line_ids.filtered(
            lambda line: line.account_id == clearing and not line.reconciled
        )

    def _reconcile(self):
        """Reconcile each paid payout with its transactions when they add up
        to zero in the payout's currency; say how far apart they are else."""
        for payout in self:
            if not payout.statement_line_id:
                payout.state = "open"
                continue
            if payout.state == "reconciled":
                continue
            lines = payout._clearing_lines()
            currency = payout.currency_id
            total = sum(lines.mapped("amount_currency"))
            if lines and currency.is_zero(total):
                lines.reconcile()
                payout.state = "reconciled"
            else:
                payout.state = "differs" if lines else "paid"

    def action_view_transactions(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_finance_transaction"
        )
        action["domain"] = [("payout_id", "=", self.id)]
        action["context"] = {}
        return action
