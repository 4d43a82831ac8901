"""Where Amazon's money lands in accounting, per seller account.

Every Amazon transaction (core/finance_mapping.py) is booked on the account's
*Amazon* journal against the *Amazon clearing* account: what Amazon owes the
seller accumulates there, sale by sale and fee by fee, and each payout (a
bank statement line on the payout journal) takes it out again, so the
clearing balance of a paid settlement group is zero to the cent. The other
side of each part is the invoice's receivable (sales, refunds), the
facilitator tax account, or the account of its role, configurable per
Amazon fee or transaction type (``amazon.finance.account``).
"""

from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError

from ...core.finance_mapping import ROLES

# Role -> (code, name, type) of the account created when none is set.
DEFAULT_ACCOUNTS = {
    "fee": ("AMZFEE", "Amazon selling fees", "expense"),
    "fee_tax": ("AMZFEETAX", "VAT on Amazon fees", "asset_current"),
    "promotion": ("AMZPROMO", "Amazon promotions", "expense"),
    "reimbursement": ("AMZREIMB", "Amazon reimbursements", "income_other"),
    "reserve": ("AMZRESERVE", "Amazon reserve", "asset_current"),
    "loan": ("AMZLOAN", "Amazon lending", "liability_current"),
    "other": ("AMZOTHER", "Other Amazon charges", "expense"),
}
CLEARING = ("AMZCLEAR", "Amazon clearing", "asset_current")
# Roles that settle the customer's invoice or credit note.
RECEIVABLE_ROLES = frozenset({"proceeds", "refund", "tax", "promotion"})
ROLE_LABELS = {
    "proceeds": "Sales (items, shipping, gift wrap)",
    "refund": "Refunded to buyers",
    "tax": "Tax you collect",
    "facilitator_tax": "Tax Amazon collects (marketplace facilitator)",
    "fee": "Amazon fees",
    "fee_tax": "VAT on Amazon fees",
    "promotion": "Promotions",
    "reimbursement": "Reimbursements",
    "reserve": "Reserve",
    "loan": "Amazon lending",
    "payout": "Payouts",
    "other": "Other",
}
ROLE_SELECTION = [(role, ROLE_LABELS[role]) for role in ROLES]


class AmazonFinanceAccount(models.Model):
    _name = "amazon.finance.account"
    _description = "Amazon Finance Account Rule"
    _order = "account_id, role, code"
    _check_company_auto = True

    account_id = fields.Many2one(
        "amazon.account",
        "Amazon account",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    role = fields.Selection(
        [r for r in ROLE_SELECTION if r[0] not in RECEIVABLE_ROLES | {"payout"}],
        required=True,
    )
    code = fields.Char(
        "Amazon fee or transaction type",
        help="Empty: every part of this role. Else Amazon's fee type (for "
        "example Commission, FBAPerUnitFulfillmentFee, FBAStorageFee) or "
        "transaction type (ProductAdsPayment, ServiceFee...).",
    )
    ledger_account_id = fields.Many2one(
        "account.account", "Account", required=True, check_company=True
    )

    _sql_constraints = [
        (
            "rule_uniq",
            "unique(account_id, role, code)",
            "One account per role and Amazon type.",
        ),
    ]


class AmazonAccount(models.Model):
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    sync_finances = fields.Boolean(
        "Book Amazon's transactions",
        help="Read Amazon's financial transactions every hour and book them: "
        "fees, refunds (credit notes), other charges and payouts.",
    )
    finances_synced_to = fields.Datetime(
        "Transactions read up to",
        copy=False,
        help="Amazon's transactions posted before this moment are in Odoo. "
        "Each read goes back 48 hours more: Amazon may post late.",
    )
    finances_attempted_on = fields.Datetime(readonly=True, copy=False)
    finance_journal_id = fields.Many2one(
        "account.journal",
        "Amazon journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="Where Amazon's transactions are booked (created on first use).",
    )
    clearing_account_id = fields.Many2one(
        "account.account",
        "Clearing account",
        check_company=True,
        help="What Amazon owes you until it pays out (created on first use).",
    )
    payout_journal_id = fields.Many2one(
        "account.journal",
        "Payouts land in",
        check_company=True,
        domain="[('type', '=', 'bank')]",
        help="A bank journal for Amazon's payouts (an 'Amazon payouts' one is "
        "created on first use): each payout becomes one of its statement lines, "
        "reconciled with the clearing account. Match your bank's own line of "
        "the transfer with it (an internal transfer), never book it twice.",
    )
    finance_partner_id = fields.Many2one(
        "res.partner",
        "Amazon as a partner",
        check_company=True,
        help="The partner of fee lines and of sales Odoo cannot match to an "
        "order (created on first use).",
    )
    finance_account_ids = fields.One2many(
        "amazon.finance.account", "account_id", "Accounts per fee or type"
    )

    @api.constrains("payout_journal_id", "finance_journal_id")
    def _check_finance_journals(self):
        for account in self:
            if account.payout_journal_id and account.payout_journal_id.type != "bank":
                raise ValidationError(
                    self.env._(
                        "Payouts of %(account)s must land in a bank journal.",
                        account=account.name,
                    )
                )

    def _finance_setup(self):
        """The journal, clearing account, payout journal and partner of the
        account's finances, created once if the seller set none."""
        self.ensure_one()
        company = self.company_id
        vals = {}
        if not self.clearing_account_id:
            account = self._finance_ledger_account(*CLEARING)
            account.reconcile = True
            vals["clearing_account_id"] = account.id
        if not self.finance_journal_id:
            Journal = self.env["account.journal"].sudo().with_company(company)
            journal = Journal.search(
                [*Journal._check_company_domain(company), ("code", "=", "AMZ")],
                limit=1,
            ) or Journal.create(
                {
                    "name": "Amazon",
                    "code": "AMZ",
                    "type": "general",
                    "company_id": company.id,
                }
            )
            vals["finance_journal_id"] = journal.id
        if not self.payout_journal_id:
            # A journal of its own, never the seller's operating bank
            # account: its bank feed would then show each payout twice.
            Journal = self.env["account.journal"].sudo().with_company(company)
            journal = Journal.search(
                [*Journal._check_company_domain(company), ("code", "=", "AMZP")],
                limit=1,
            ) or Journal.create(
                {
                    "name": "Amazon payouts",
                    "code": "AMZP",
                    "type": "bank",
                    "company_id": company.id,
                }
            )
            vals["payout_journal_id"] = journal.id
        if not self.finance_partner_id:
            vals["finance_partner_id"] = (
                self.env["res.partner"]
                .sudo()
                .create(
                    {"name": "Amazon", "is_company": True, "company_id": company.id}
                )
                .id
            )
        if vals:
            self.sudo().write(vals)
        return self

    def _finance_ledger_account(self, code, name, account_type):
        """The company's account of ``code``, created once."""
        company = self.company_id
        Account = self.env["account.account"].sudo().with_company(company)
        return Account.search(
            [*Account._check_company_domain(company), ("code", "=", code)], limit=1
        ) or Account.create(
            {
                "name": name,
                "code": code,
                "account_type": account_type,
                "company_ids": [Command.link(company.id)],
            }
        )

    def _finance_account_for(self, role, code, transaction_type):
        """The ledger account of a part: the rule of its Amazon fee type, else
        of its transaction type, else of its role, else the role's default."""
        rules = {
            (r.role, r.code or ""): r.ledger_account_id
            for r in self.finance_account_ids
        }
        for key in ((role, code or ""), (role, transaction_type or ""), (role, "")):
            if key[1] or key == (role, ""):
                found = rules.get(key)
                if found:
                    return found
        return self._finance_ledger_account(
            *DEFAULT_ACCOUNTS.get(role, DEFAULT_ACCOUNTS["other"])
        )
