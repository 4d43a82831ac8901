"""The risk hold tile of the Amazon overview (amazon_connector's
``amazon_account_overview``): orders whose delivery the risk model holds."""

from odoo import fields, models


class AmazonAccount(models.Model):
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    overview_risk_hold_count = fields.Integer(
        "Risk holds",
        compute="_compute_overview_counts",
        help="Orders whose delivery is held for a review because the risk "
        "model scored them high; releasing one (Risk tab) lifts the hold.",
    )

    def _overview_tiles(self):
        return {
            **super()._overview_tiles(),
            "risk_hold": (
                "sale.order",
                "amazon_account_id",
                [("amazon_risk_hold", "=", True)],
                "amazon_connector.action_amazon_orders",
            ),
        }

    def action_overview_risk_holds(self):
        return self._overview_action("risk_hold")
