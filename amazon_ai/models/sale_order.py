from odoo import fields, models
from odoo.exceptions import AccessError, UserError

RISK_LEVELS = [("low", "Low"), ("medium", "Medium"), ("high", "High")]
RISK_FIELDS = {
    "amazon_risk_score",
    "amazon_risk_level",
    "amazon_risk_reasons",
    "amazon_risk_scored_at",
    "amazon_risk_facts",
    "amazon_risk_flagged",
    "amazon_risk_activity_id",
    "amazon_risk_hold",
    "amazon_risk_released_by",
    "amazon_risk_released_at",
    "amazon_risk_release_reason",
}


class SaleOrder(models.Model):
    _inherit = "sale.order"

    amazon_risk_score = fields.Float(
        "Risk score", readonly=True, copy=False, aggregator="max", digits=(5, 1)
    )
    amazon_risk_level = fields.Selection(
        RISK_LEVELS, "Risk", readonly=True, copy=False, index=True
    )
    amazon_risk_reasons = fields.Text("Risk reasons", readonly=True, copy=False)
    amazon_risk_scored_at = fields.Datetime("Risk scored", readonly=True, copy=False)
    # What the model keeps of the order: statistics and keyed hashes, no
    # buyer data (see amazon_ai/core/risk_features.py).
    amazon_risk_facts = fields.Json(copy=False, groups="base.group_system")
    amazon_risk_flagged = fields.Boolean(readonly=True, copy=False)
    amazon_risk_activity_id = fields.Many2one(
        "mail.activity", readonly=True, copy=False, ondelete="set null"
    )
    amazon_risk_hold = fields.Boolean(
        "Risk hold",
        readonly=True,
        copy=False,
        help="The delivery cannot be validated until the order is released.",
    )
    amazon_risk_released_by = fields.Many2one(
        "res.users", "Released by", readonly=True, copy=False
    )
    amazon_risk_released_at = fields.Datetime("Released on", readonly=True, copy=False)
    amazon_risk_release_reason = fields.Text(
        "Release reason", readonly=True, copy=False
    )

    def write(self, vals):
        # Scores, holds and releases are written by the risk service (as
        # superuser) and the release wizard only: a hold is never lifted
        # without a recorded who and why.
        if not self.env.su and RISK_FIELDS & set(vals):
            raise AccessError(
                self.env._("Order risk and risk holds change only through the review.")
            )
        return super().write(vals)

    def action_amazon_risk_card(self):
        """How the score was made: the account's model card."""
        return self._amazon_model_card(
            self.env._("Order risk model card"),
            "amazon_ai.amazon_account_risk_card_form",
        )

    def _amazon_model_card(self, title, view_xmlid):
        """The order's account shown in the model card form ``view_xmlid``
        (one card per AI output: risk, fulfilment), to Amazon users."""
        self.ensure_one()
        self.env["amazon.account"].check_access("read")  # Amazon users
        if not self.amazon_account_id:
            raise UserError(self.env._("This is not an Amazon order."))
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": "amazon.account",
            "res_id": self.amazon_account_id.id,
            "view_mode": "form",
            "views": [[self.env.ref(view_xmlid).id, "form"]],
            "target": "new",
        }

    def action_amazon_risk_release(self):
        self.ensure_one()
        self.env["amazon.risk.release.wizard"].check_access("create")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Release risk hold"),
            "res_model": "amazon.risk.release.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }
