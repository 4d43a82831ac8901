import logging

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.amazon_pii.core.work import BUSY

from .model_card import card_html

_logger = logging.getLogger(__name__)


class AmazonAccount(models.Model):
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    fulfil_recommend = fields.Boolean(
        "Recommend a fulfilment path",
        default=True,
        help="For each merchant-fulfilled order imported: the warehouse, "
        "carrier and service (or Amazon MCF, or a split) with the lowest "
        "expected cost.",
    )
    fulfil_late_penalty = fields.Float(
        "Late delivery penalty (% of the order)",
        default=100.0,
        help="What missing Amazon's delivery promise costs, as a share of the "
        "order's total: ranked by cost + late risk x this penalty. 100% means "
        "a late order is as bad as losing the sale (Amazon lets a buyer claim "
        "a refund for a late delivery, and late deliveries count against the "
        "account's health).",
    )
    # Plain numbers (coefficients, counts), never pickle; no buyer data.
    fulfil_risk_state = fields.Json(copy=False, groups="base.group_system")
    fulfil_risk_trained_at = fields.Datetime(
        "Late-risk model trained", readonly=True, copy=False
    )
    fulfil_card_html = fields.Html(
        "Fulfilment model card", compute="_compute_fulfil_card_html", sanitize=True
    )

    @api.constrains("fulfil_late_penalty")
    def _check_fulfil_late_penalty(self):
        for account in self:
            if not 0 <= account.fulfil_late_penalty <= 1000:
                raise ValidationError(
                    self.env._(
                        "Late delivery penalty of %(name)s: 0 to 1000%% of the order.",
                        name=account.name,
                    )
                )

    @api.depends("fulfil_risk_trained_at", "fulfil_late_penalty")
    def _compute_fulfil_card_html(self):
        for account in self:
            account.fulfil_card_html = _fulfil_card_html(
                self.env, account._fulfil_card()
            )

    def _fulfil_card(self):
        """The recommendation's model card (core ``model_card`` plus the
        account's penalty and training date)."""
        self.ensure_one()
        model = self.env["amazon.fulfilment"].sudo()._risk_model(self)
        card = model.model_card()
        card["ranking"] = self.env._(
            "Ranked by expected cost = cost + late risk x penalty (%(pct)s%% of "
            "the order's total); ties go to the cheaper, then the earlier "
            "delivery, then the fewer sources.",
            pct=self.fulfil_late_penalty,
        )
        card["last_training"] = (
            fields.Datetime.to_string(self.fulfil_risk_trained_at)
            if self.fulfil_risk_trained_at
            else None
        )
        return card

    @api.model
    def _cron_retrain_fulfil_risk(self):
        """Each account in a committed transaction of its own."""
        for account_id in self.search([("fulfil_recommend", "=", True)]).ids:
            try:
                done = self.env["amazon.work"]._run(
                    lambda env, account_id=account_id: bool(
                        env["amazon.fulfilment"]._retrain(
                            env["amazon.account"].browse(account_id)
                        )
                    ),
                    rows=[("amazon.account", [account_id])],
                )
                if done is BUSY:
                    _logger.info(
                        "Late-risk model of account %s not retrained now: the "
                        "account is busy; the next run retrains it.",
                        account_id,
                    )
            except Exception as exc:  # noqa: BLE001 - the other accounts still train
                _logger.error(
                    "Late-risk model of account %s not retrained: %s",
                    account_id,
                    type(exc).__name__,
                )
        self.env.invalidate_all()


def _fulfil_card_html(env, card):
    """The fulfilment model card as a page a seller can read."""
    _ = env._
    return card_html(
        env,
        card,
        [
            (_("Ranking"), card.get("ranking")),
            (_("Shipments learned from"), card.get("number_of_shipments")),
            (_("Of which late"), card.get("late_shipments")),
            (_("Last training"), card.get("last_training") or _("never: rules only")),
        ],
        "o_amazon_fulfil_card",
    )
