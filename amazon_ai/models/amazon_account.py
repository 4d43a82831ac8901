import logging

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.amazon_pii.core.work import BUSY

from .model_card import card_html

_logger = logging.getLogger(__name__)


class AmazonAccount(models.Model):
    _inherit = "amazon.account"

    risk_enabled = fields.Boolean(
        "Score order risk",
        default=True,
        help="Score merchant-fulfilled orders as they are imported.",
    )
    risk_medium = fields.Float(
        "Medium risk from", default=30.0, help="Scores from here are medium."
    )
    risk_high = fields.Float(
        "High risk from", default=60.0, help="Scores from here are high."
    )
    risk_hold = fields.Boolean(
        "Hold high-risk deliveries",
        help="A high-risk order's delivery cannot be validated until someone "
        "reviews the order and releases it (who and why are recorded).",
    )
    risk_history_days = fields.Integer(
        "Learn from the last",
        default=365,
        help="History the model is trained on: this account's own orders only.",
    )
    # The trained model (no buyer data: keyed hashes and statistics) and
    # its card; the hash key lives in the vault.
    risk_model = fields.Binary(attachment=True, copy=False, groups="base.group_system")
    risk_trained_at = fields.Datetime("Model trained", readonly=True, copy=False)
    risk_card = fields.Json(readonly=True, copy=False)
    risk_card_html = fields.Html(
        "Model card", compute="_compute_risk_card_html", sanitize=True
    )

    @api.constrains("risk_medium", "risk_high")
    def _check_risk_thresholds(self):
        for account in self:
            if not 0 < account.risk_medium < account.risk_high <= 100:
                raise ValidationError(
                    self.env._(
                        "Risk thresholds of %(name)s: 0 < medium < high <= 100.",
                        name=account.name,
                    )
                )

    def write(self, vals):
        result = super().write(vals)
        if {"risk_medium", "risk_high", "risk_hold", "risk_enabled"} & set(vals):
            self.env["amazon.risk"].sudo()._relevel(self)
        return result

    @api.model
    def _cron_retrain_risk(self):
        """Each account in a committed transaction of its own: one slow or
        failing account neither blocks nor undoes the others."""
        self.env.flush_all()
        for account_id in self.search([("risk_enabled", "=", True)]).ids:
            try:
                # The account's row first: its sync writes it too, and two
                # writers of one row fail one of them late (serialization).
                done = self.env["amazon.work"]._run(
                    lambda env, account_id=account_id: env["amazon.risk"]._retrain(
                        env["amazon.account"].browse(account_id)
                    ),
                    rows=[("amazon.account", [account_id])],
                )
                if done is BUSY:
                    _logger.info(
                        "Risk model of account %s not retrained now: its sync "
                        "holds the account; the next run retrains it.",
                        account_id,
                    )
            except Exception as exc:  # noqa: BLE001 - the other accounts still train
                _logger.error(
                    "Risk model of account %s not retrained: %s",
                    account_id,
                    type(exc).__name__,
                )
        self.env.invalidate_all()

    def action_retrain_risk(self):
        """Retrain in the background (a cron worker): a long history
        outlives a web request."""
        self.check_access("write")
        self.env.ref("amazon_ai.ir_cron_amazon_risk_retrain").sudo()._trigger()
        return self._notify(
            self.env._("Retraining started"),
            self.env._("The model card shows the new training when it is done."),
            "info",
        )

    @api.depends("risk_card", "risk_trained_at", "risk_medium", "risk_high")
    def _compute_risk_card_html(self):
        for account in self:
            account.risk_card_html = _card_html(
                self.env, self.env["amazon.risk"]._card(account)
            )


def _card_html(env, card):
    """The risk model card as a page a seller can read."""
    _ = env._
    data = card.get("data_used") or {}
    levels = card.get("levels") or {}
    return card_html(
        env,
        card,
        [
            (_("Features"), ", ".join(card.get("features") or ())),
            (_("Orders learned from"), card.get("number_of_orders")),
            (_("Last training"), card.get("last_training") or _("never: rules only")),
            (
                _("Data freshness"),
                _(
                    "%(days)s days since the newest order",
                    days=card["data_freshness_days"],
                )
                if card.get("data_freshness_days") is not None
                else "-",
            ),
            (
                _("Levels"),
                _(
                    "medium from %(medium)s, high from %(high)s",
                    medium=levels.get("medium"),
                    high=levels.get("high"),
                ),
            ),
        ],
        "o_amazon_risk_card",
        after_data=[
            (_("Marketplaces"), ", ".join(data.get("marketplaces") or ())),
        ],
    )
