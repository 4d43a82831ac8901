"""One Amazon financial transaction (Finances API 2024-06-19), as read.

Idempotent by (account, Amazon transaction id): a transaction read again
updates its status (a deferred sale released) and is never booked twice. Its
parts (``amazon.finance.line``) are the leaves of Amazon's breakdown, each
with its role; they feed the fees and margin pivot.
"""

from odoo import api, fields, models

from ...core.finance_mapping import KINDS, STATUSES
from .amazon_finance_setup import ROLE_SELECTION

STATES = [
    ("waiting", "Deferred by Amazon"),
    ("to_book", "To book"),
    ("booked", "Booked"),
    ("linked", "Booked with its deferred pair"),
    ("parked", "Parked"),
    ("unmapped", "Not booked (unknown type)"),
]
MATCHES = [
    ("matched", "Matched"),
    ("no_order", "Order not in Odoo"),
    ("no_invoice", "Order not invoiced yet"),
    ("differs", "Amount differs from the invoice"),
]


class AmazonFinanceTransaction(models.Model):
    _name = "amazon.finance.transaction"
    _description = "Amazon Financial Transaction"
    _order = "posted_date desc, id desc"
    _rec_name = "transaction_ref"
    _check_company_auto = True

    account_id = fields.Many2one(
        "amazon.account",
        "Amazon account",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    transaction_ref = fields.Char("Amazon transaction", required=True, readonly=True)
    transaction_type = fields.Char("Type", readonly=True)
    kind = fields.Selection([(k, k.capitalize()) for k in KINDS], readonly=True)
    status = fields.Selection(
        [(s, s.replace("_", " ").capitalize()) for s in STATUSES], readonly=True
    )
    posted_date = fields.Datetime("Posted", readonly=True, index=True)
    marketplace_id = fields.Many2one("amazon.marketplace", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount = fields.Monetary(
        readonly=True, help="What Amazon owes you (negative: you owe)."
    )
    amazon_order_id = fields.Char("Amazon order", readonly=True, index=True)
    sale_order_id = fields.Many2one("sale.order", readonly=True, index="btree_not_null")
    settlement_group = fields.Char(readonly=True, index=True)
    payout_id = fields.Many2one("amazon.payout", readonly=True, index="btree_not_null")
    booking_key = fields.Char(readonly=True, index=True)
    deferred_ref = fields.Char("Deferred transaction", readonly=True)
    release_ref = fields.Char("Release transaction", readonly=True)
    disbursement_ref = fields.Char("Disbursement", readonly=True)
    refund_ref = fields.Char("Amazon refund", readonly=True, index="btree_not_null")
    maturity_date = fields.Datetime("Released on", readonly=True)
    state = fields.Selection(STATES, default="to_book", readonly=True, index=True)
    match_state = fields.Selection(MATCHES, readonly=True, index="btree_not_null")
    changed_after_booking = fields.Boolean(
        readonly=True,
        help="Amazon changed the amount or the settlement group of this "
        "transaction after it was booked: correct its entry by hand.",
    )
    reason = fields.Text(
        readonly=True, help="Why it is parked, not booked or not matched."
    )
    move_id = fields.Many2one("account.move", "Journal entry", readonly=True)
    credit_note_id = fields.Many2one("account.move", "Credit note", readonly=True)
    statement_line_id = fields.Many2one(
        "account.bank.statement.line", "Bank statement line", readonly=True
    )
    line_ids = fields.One2many("amazon.finance.line", "transaction_id", "Parts")

    _sql_constraints = [
        (
            "transaction_uniq",
            "unique(account_id, transaction_ref)",
            "This Amazon transaction is already in Odoo.",
        ),
    ]


class AmazonFinanceLine(models.Model):
    _name = "amazon.finance.line"
    _description = "Amazon Financial Transaction Part"
    _order = "transaction_id, id"

    transaction_id = fields.Many2one(
        "amazon.finance.transaction", required=True, ondelete="cascade", index=True
    )
    account_id = fields.Many2one(related="transaction_id.account_id", store=True)
    company_id = fields.Many2one(related="transaction_id.company_id", store=True)
    marketplace_id = fields.Many2one(
        related="transaction_id.marketplace_id", store=True
    )
    posted_date = fields.Datetime(related="transaction_id.posted_date", store=True)
    kind = fields.Selection(related="transaction_id.kind", store=True)
    currency_id = fields.Many2one(related="transaction_id.currency_id", store=True)
    role = fields.Selection(ROLE_SELECTION, required=True)
    code = fields.Char("Amazon type")
    label = fields.Char("Amazon breakdown")
    amount = fields.Monetary()
    amount_company = fields.Float(
        "Amount in company currency",
        digits="Account",
        help="Converted at the transaction's posting date when booked.",
    )
    sku = fields.Char("SKU", index="btree_not_null")
    product_id = fields.Many2one("product.product", index="btree_not_null")
    quantity = fields.Integer()


class SaleOrder(models.Model):
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    amazon_transaction_ids = fields.One2many(
        "amazon.finance.transaction",
        "sale_order_id",
        "Amazon transactions",
        readonly=True,
        groups="amazon_pii.group_amazon_user",
    )
    amazon_transaction_count = fields.Integer(
        compute="_compute_amazon_transaction_count",
        groups="amazon_pii.group_amazon_user",
    )

    @api.depends("amazon_transaction_ids")
    def _compute_amazon_transaction_count(self):
        for order in self:
            order.amazon_transaction_count = len(order.amazon_transaction_ids)

    def action_view_amazon_transactions(self):
        """The order's money at Amazon: sales, refunds, their payouts."""
        self.check_access("read")
        self.env["amazon.finance.transaction"].check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_finance_transaction"
        )
        action["domain"] = [("sale_order_id", "in", self.ids)]
        return action
