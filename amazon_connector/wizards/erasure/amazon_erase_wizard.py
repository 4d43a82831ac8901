"""The two erasure screens (docs/data-protection.md #4): 'Erase seller
account' and 'Delete buyer data' of one order.

Both are for PII Officers with two-factor authentication whose web session
confirmed a code recently, ask for the erased thing's name typed back, and
write a deletion record that outlives what it describes. The checks run
before anything is read or changed.
"""

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

REASONS = [
    ("seller_request", "The seller asked"),
    ("authorization_revoked", "The seller revoked the app's authorization"),
    ("buyer_request", "The buyer asked (deletion request)"),
    ("other", "Other (see the request reference)"),
]


def _open_record(record):
    return {
        "type": "ir.actions.act_window",
        "res_model": record._name,
        "res_id": record.id,
        "view_mode": "form",
        "views": [[False, "form"]],
        "target": "current",
    }


class AmazonAccountEraseWizard(models.TransientModel):
    _name = "amazon.account.erase.wizard"
    _description = "Erase an Amazon seller account's data"

    account_id = fields.Many2one("amazon.account", required=True, readonly=True)
    confirm_name = fields.Char(
        "Type the account's name",
        help="The account's name, exactly, to confirm that this is the account "
        "to erase. Erasure cannot be undone.",
    )
    reason = fields.Selection(
        [r for r in REASONS if r[0] != "buyer_request"],
        required=True,
        default="seller_request",
    )
    request_ref = fields.Char(
        "Request reference",
        required=True,
        help="The ticket, letter or message that asked for the erasure (no "
        "buyer data).",
    )

    def action_erase(self):
        self.ensure_one()
        vault = self.env["amazon.pii.vault"]
        vault._check_erasure_rights()
        account = self.account_id
        account.check_access("read")  # the officer's companies only
        if (self.confirm_name or "").strip() != account.name:
            raise UserError(
                self.env._(
                    "Type the account's name, %(name)s, exactly to confirm the "
                    "erasure.",
                    name=account.name,
                )
            )
        counts = account._erase(reason=f"account erased: {self.request_ref}")
        reasons = dict(self._fields["reason"]._description_selection(self.env))
        record = self.env["amazon.pii.deletion"]._record(
            "account",
            account,
            account.name,
            account.seller_id,
            counts,
            self.request_ref,
            reasons[self.reason],
        )
        return _open_record(record)


class AmazonOrderEraseWizard(models.TransientModel):
    _name = "amazon.order.erase.wizard"
    _description = "Delete an Amazon order's buyer data"

    order_id = fields.Many2one("sale.order", required=True, readonly=True)
    confirm_ref = fields.Char(
        "Type the Amazon order id",
        help="The order's Amazon id, exactly, to confirm that this is the "
        "order whose buyer data to delete. It cannot be undone.",
    )
    reason = fields.Selection(REASONS, required=True, default="buyer_request")
    request_ref = fields.Char(
        "Request reference",
        required=True,
        help="The ticket, letter or message that asked for the deletion (no "
        "buyer data).",
    )

    def action_erase(self):
        self.ensure_one()
        vault = self.env["amazon.pii.vault"]
        vault._check_erasure_rights()
        order = self.order_id
        order.check_access("read")
        if not order.amazon_order_id:
            raise UserError(self.env._("This is not an Amazon order."))
        if (self.confirm_ref or "").strip() != order.amazon_order_id:
            raise UserError(
                self.env._(
                    "Type the Amazon order id, %(ref)s, exactly to confirm the "
                    "deletion.",
                    ref=order.amazon_order_id,
                )
            )
        vault._refuse_under_hold(
            vault._holds_on("sale.order", SQL("%s", order.id)),
            self.env._("Order %(name)s", name=order.name),
        )
        counts = order._amazon_erase_buyer_data(
            reason=f"buyer data deleted: {self.request_ref}"
        )
        reasons = dict(self._fields["reason"]._description_selection(self.env))
        record = self.env["amazon.pii.deletion"]._record(
            "order",
            order,
            order.name,
            order.amazon_order_id,
            dict(counts),
            self.request_ref,
            reasons[self.reason],
        )
        return _open_record(record)
