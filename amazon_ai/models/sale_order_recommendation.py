from odoo import api, fields, models
from odoo.exceptions import UserError

from .stock_picking_recommendation import REC_KINDS, REC_STATES


class SaleOrder(models.Model):
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    amazon_rec_picking_id = fields.Many2one(
        "stock.picking",
        "Recommended for",
        compute="_compute_amazon_rec",
        help="The open delivery to the buyer the recommendation is for.",
    )
    amazon_rec_state = fields.Selection(
        REC_STATES, "Recommendation", compute="_compute_amazon_rec"
    )
    amazon_rec_kind = fields.Selection(
        REC_KINDS, "Fulfil by", compute="_compute_amazon_rec"
    )
    amazon_rec_summary = fields.Char("Recommended", compute="_compute_amazon_rec")
    amazon_rec_date = fields.Datetime(
        "Expected delivery", compute="_compute_amazon_rec"
    )
    amazon_rec_late_risk = fields.Float(
        "Late delivery risk", compute="_compute_amazon_rec", digits=(3, 2)
    )
    amazon_rec_confidence = fields.Float(
        "Confidence", compute="_compute_amazon_rec", digits=(3, 2)
    )
    amazon_rec_reasons = fields.Text("Why", compute="_compute_amazon_rec")
    amazon_rec_runner_summary = fields.Char("Runner-up", compute="_compute_amazon_rec")
    amazon_rec_runner_date = fields.Datetime(
        "Runner-up delivery", compute="_compute_amazon_rec"
    )
    amazon_rec_runner_reasons = fields.Text(
        "Runner-up: why", compute="_compute_amazon_rec"
    )
    amazon_rec_message = fields.Text(
        "Not available because", compute="_compute_amazon_rec"
    )

    @api.depends("picking_ids.amazon_rec_state", "picking_ids.amazon_rec_at")
    def _compute_amazon_rec(self):
        names = (
            "state",
            "kind",
            "summary",
            "date",
            "late_risk",
            "confidence",
            "reasons",
            "runner_summary",
            "runner_date",
            "runner_reasons",
            "message",
        )
        for order in self:
            picking = order.picking_ids.filtered("amazon_rec_state").sorted(
                lambda p: (p.state in ("done", "cancel"), -p.id)
            )[:1]
            order.amazon_rec_picking_id = picking
            for name in names:
                order[f"amazon_rec_{name}"] = picking[f"amazon_rec_{name}"]

    def action_amazon_recommend(self):
        """Refresh the recommendation of the order's open delivery now."""
        self.ensure_one()
        self.env["amazon.account"].check_access("read")  # Amazon users, first
        pickings = self.picking_ids.filtered(lambda p: p._amazon_rec_wanted())
        if not pickings:
            raise UserError(
                self.env._(
                    "A fulfilment path is recommended for the open delivery to "
                    "the buyer of a merchant-fulfilled Amazon order still to ship."
                )
            )
        return pickings.action_amazon_recommend()

    def action_amazon_recommendation_card(self):
        """How the recommendation is made: the account's model card."""
        return self._amazon_model_card(
            self.env._("Fulfilment recommendation model card"),
            "amazon_ai.amazon_account_fulfil_card_form",
        )
