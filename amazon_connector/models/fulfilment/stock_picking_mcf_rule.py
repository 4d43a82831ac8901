"""MCF by rule (off by default, per account): a web shop or manual sale
order's delivery goes to Multi-Channel Fulfilment without a person when every
line has FBA stock, Amazon's preview says the rule's speed is fulfillable and
the fee is within the account's cap. Amazon orders are never sent by the
rule (their offer should be FBA). Each decision is written on the
delivery's chatter with why (no buyer data); undo: *Cancel MCF order*.

Runs in the *Amazon: Multi-Channel Fulfilment by rule* cron.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ...core import mcf, mcf_rule

BATCH = 20


class AmazonAccountMcfRule(models.Model):
    # The rule's settings beside the rule, on purpose.
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    mcf_rule = fields.Selection(
        [
            (mcf_rule.OFF, "Off"),
            (mcf_rule.FBA_STOCK, "When every line has FBA stock"),
        ],
        "MCF for other sales channels",
        default=mcf_rule.OFF,
        required=True,
        help="Off by default. When on, deliveries of web shop and manual "
        "sale orders of the account's company (never Amazon orders) are "
        "sent to Amazon Multi-Channel Fulfilment when every line has FBA "
        "stock, Amazon can fulfil them at the chosen speed and the fee is "
        "within the cap. Each decision is written on the delivery; Cancel "
        "MCF order undoes a sending while Amazon allows.",
    )
    mcf_rule_speed = fields.Selection(
        [(speed, speed) for speed in mcf.SPEEDS],
        "MCF shipping speed",
        default="Standard",
        required=True,
    )
    mcf_rule_currency_id = fields.Many2one(
        related="company_id.currency_id", string="MCF fee cap currency"
    )
    mcf_rule_max_fee = fields.Monetary(
        "MCF fee cap",
        currency_field="mcf_rule_currency_id",
        help="A delivery whose MCF fee is higher is left to a person; "
        "without a cap nothing is sent.",
    )


class StockPickingMcfRule(models.Model):
    # One concern per file (MCF by rule), on purpose.
    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    amazon_mcf_rule_state = fields.Selection(
        [("sent", "Sent to MCF"), ("skipped", "Left to a person")],
        "MCF by rule",
        readonly=True,
        copy=False,
        index=True,
    )
    amazon_mcf_rule_reason = fields.Char("MCF by rule: why", readonly=True, copy=False)

    @api.model
    def _amazon_automation_fields(self):
        return {
            **super()._amazon_automation_fields(),
            "amazon_mcf_rule_state": "amazon_mcf_rule_reason",
        }

    @api.model
    def _amazon_mcf_rule_due(self):
        companies = (
            self.env["amazon.account"]
            .sudo()
            .search([("mcf_rule", "!=", mcf_rule.OFF)])
            .company_id
        )
        return [
            ("company_id", "in", companies.ids),
            ("picking_type_code", "=", "outgoing"),
            ("state", "in", ("confirmed", "waiting", "assigned")),
            ("sale_id", "!=", False),
            ("amazon_mcf_state", "=", False),
            ("amazon_mcf_rule_state", "=", False),
        ]

    @api.model
    def _cron_amazon_mcf_rule(self):
        self._amazon_automation_cron(
            self._amazon_mcf_rule_due(), lambda p: p._amazon_mcf_rule(), BATCH
        )

    def _amazon_mcf_rule_facts(self, account):
        fba = account.fba_warehouse_id
        lines = []
        for move in self.move_ids.filtered(lambda m: m.state != "cancel"):
            units = (
                move.product_id.with_context(warehouse_id=fba.id).qty_available
                if fba
                else 0.0
            )
            lines.append((move.product_id.display_name, move.product_qty, units))
        return lines

    def _amazon_mcf_rule(self):
        """Decide for this delivery, send when the rule allows, and write the
        decision on the delivery: True when sent."""
        self.ensure_one()
        try:
            account = self._amazon_mcf_account()
        except UserError:
            return False
        if account.company_id != self.company_id or account.mcf_rule == mcf_rule.OFF:
            return False
        facts = {
            "amazon_order": bool(self.sale_id.amazon_order_id),
            "lines": self._amazon_mcf_rule_facts(account),
            "max_fee": account.mcf_rule_max_fee,
            "cap_currency": account.mcf_rule_currency_id.name,
        }
        decision = mcf_rule.decide(account.mcf_rule, row=None, **facts)
        if decision is None:
            return False
        if not decision.send:
            return self._amazon_mcf_rule_record("skipped", decision)
        speed = account.mcf_rule_speed
        try:
            rows = self._amazon_mcf_preview()
        except UserError as exc:
            return self._amazon_mcf_rule_record(
                "skipped",
                decision,
                self.env._("Amazon's preview failed: %(problem)s", problem=exc),
            )
        row = next((r for r in rows if r["speed"] == speed), None)
        decision = mcf_rule.decide(
            account.mcf_rule, row=row or {"reasons": ["NoPreview"]}, **facts
        )
        if not decision.send:
            return self._amazon_mcf_rule_record("skipped", decision)
        try:
            sent = self._amazon_mcf_send(speed, row["fee"], row["currency"])
        except UserError as exc:
            sent, problem = False, str(exc)
        else:
            problem = self.amazon_mcf_message or ""
        if not sent:
            return self._amazon_mcf_rule_record(
                "skipped",
                decision,
                self.env._("Amazon refused the order: %(problem)s", problem=problem),
            )
        return self._amazon_mcf_rule_record("sent", decision, speed)

    def _amazon_mcf_rule_record(self, state, decision, detail=None):
        """The decision on the delivery (field and chatter), committed in a
        unit of its own: a sending changed the delivery in other
        transactions."""
        why = self._amazon_mcf_rule_words(decision)
        if state == "sent":
            body = self.env._(
                "MCF by rule: sent to Amazon (%(speed)s) because %(why)s "
                "Undo: Cancel MCF order.",
                speed=detail,
                why=why,
            )
        elif detail:
            body = self.env._("MCF by rule: not sent, %(detail)s", detail=detail)
        else:
            body = self.env._("MCF by rule: not sent because %(why)s", why=why)
        self._amazon_automation_record("amazon_mcf_rule_state", state, body)
        return state == "sent"

    def _amazon_mcf_rule_words(self, decision):
        _ = self.env._
        v = self._amazon_decision_values(decision)
        reason = decision.reason
        if reason == mcf_rule.SEND:
            return _(
                "every line has FBA stock and Amazon's fee, %(fee)s %(currency)s, "
                "is within the cap of %(cap)s.",
                **v,
            )
        if reason == mcf_rule.AMAZON_ORDER:
            return _("it is an Amazon order (its offer should be FBA).")
        if reason == mcf_rule.NO_FBA_STOCK:
            return _("FBA stock does not cover: %(products)s.", **v)
        if reason == mcf_rule.NO_CAP:
            return _("the account has no MCF fee cap.")
        if reason == mcf_rule.NOT_FULFILLABLE:
            return _("Amazon cannot fulfil it at this speed (%(reasons)s).", **v)
        if reason == mcf_rule.NO_FEE:
            return _("Amazon's preview gave no fee.")
        if reason == mcf_rule.OTHER_CURRENCY:
            return _("the fee is in %(currency)s, the cap in %(cap_currency)s.", **v)
        if reason == mcf_rule.OVER_CAP:
            return _(
                "Amazon's fee, %(fee)s %(currency)s, is above the cap of %(cap)s.",
                **v,
            )
        return reason
