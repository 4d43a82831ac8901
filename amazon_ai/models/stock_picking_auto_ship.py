"""Automated shipment (off by default, per account): the recommended label
bought without a person when the recommendation is confident, the order not
on risk hold and the cost under the account's cap; every decision written
on the delivery's chatter with why (no buyer data). Undo: *Void label*.

Runs in the *Amazon: automated shipment* cron, triggered when a
recommendation is recorded. No person is there to reveal the address, so
the rates are asked without it: for an Amazon order Amazon prints its own
order's address (``core.shipping.rates_request``, ``ship_to=None``); the
purchase itself is the delivery's usual one (``amazon.shipment._buy_label``,
one ``amazon.work._send``), so the label lands in the vault as always.
"""

import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.amazon_connector.core import ship_batch, shipping

from ..core import auto_ship

_logger = logging.getLogger(__name__)

BATCH = 20
LABEL_KINDS = ("warehouse",)  # our own parcel from one warehouse


class AmazonAccount(models.Model):
    # The automation's settings beside the automation, on purpose.
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    auto_ship_labels = fields.Boolean(
        "Buy recommended labels automatically",
        help="Off by default. When on, the recommended Amazon Shipping label "
        "of a merchant-fulfilled delivery is bought without a person if the "
        "recommendation is confident enough, the order is not on risk hold "
        "and the label costs at most the cap. Each decision is written on "
        "the delivery; Void label undoes a purchase.",
    )
    auto_ship_min_confidence = fields.Float(
        "Minimum confidence",
        default=0.8,
        digits=(3, 2),
        help="0 to 1: the recommendation's confidence must reach this.",
    )
    auto_ship_currency_id = fields.Many2one(related="company_id.currency_id")
    auto_ship_max_cost = fields.Monetary(
        "Cost cap",
        currency_field="auto_ship_currency_id",
        help="A label costing more is left to a person; without a cap "
        "nothing is bought.",
    )


class StockPicking(models.Model):
    # One concern per file (automated shipment), on purpose.
    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    amazon_auto_ship_state = fields.Selection(
        [("bought", "Label bought"), ("skipped", "Left to a person")],
        "Automated shipment",
        readonly=True,
        copy=False,
        index=True,
    )
    amazon_auto_ship_reason = fields.Char(
        "Automated shipment: why", readonly=True, copy=False
    )

    @api.model
    def _amazon_automation_fields(self):
        return {
            **super()._amazon_automation_fields(),
            "amazon_auto_ship_state": "amazon_auto_ship_reason",
        }

    def _amazon_rec_store(self, outcome):
        """A new recommendation is a new decision to make."""
        result = super()._amazon_rec_store(outcome)
        self.sudo().write(
            {"amazon_auto_ship_state": False, "amazon_auto_ship_reason": False}
        )
        if self.sale_id.amazon_account_id.sudo().auto_ship_labels and outcome.get(
            "choice"
        ):
            cron = self.env.ref(
                "amazon_ai.ir_cron_amazon_auto_ship", raise_if_not_found=False
            )
            if cron:
                cron.sudo()._trigger()
        return result

    def _amazon_preferred_service(self):
        """The "To ship" batch buys the recommended service when the
        delivery leaves from the recommended warehouse."""
        rec = self._amazon_recommendation()
        if (
            rec
            and rec["kind"] in LABEL_KINDS
            and rec.get("warehouse_id") == self.picking_type_id.warehouse_id.id
        ):
            return (rec["carrier_id"], rec["service_id"])
        return super()._amazon_preferred_service()

    @api.model
    def _amazon_auto_ship_due(self):
        return [
            ("amazon_rec_state", "=", "ready"),
            ("amazon_auto_ship_state", "=", False),
            ("amazon_has_label", "=", False),
            ("state", "not in", ("draft", "done", "cancel")),
            ("sale_id.amazon_account_id.auto_ship_labels", "=", True),
        ]

    @api.model
    def _cron_amazon_auto_ship(self):
        self._amazon_automation_cron(
            self._amazon_auto_ship_due(), lambda p: p._amazon_auto_ship(), BATCH
        )

    def _amazon_auto_ship(self):
        """Decide for this delivery, buy when the rules allow, and write the
        decision on the delivery: True when a label was bought."""
        self.ensure_one()
        account = self.sale_id.amazon_account_id.sudo()
        rec = self._amazon_recommendation()
        if rec and rec.get("cost") is not None:
            cost = self._amazon_auto_ship_in_cap(rec["cost"], rec.get("currency"))
            if cost is not None:  # else decide_label refuses: other currency
                rec = {**rec, "cost": cost, "currency": self._amazon_cap_currency()}
        decision = auto_ship.decide_label(
            rec,
            enabled=account.auto_ship_labels,
            on_hold=bool(self.sale_id.amazon_risk_hold),
            min_confidence=account.auto_ship_min_confidence,
            max_cost=account.auto_ship_max_cost,
            cap_currency=account.auto_ship_currency_id.name,
            label_kinds=LABEL_KINDS,
        )
        if decision.reason == auto_ship.OFF:
            return False  # nothing decided, nothing written
        if not decision.buy:
            return self._amazon_auto_ship_record("skipped", decision)
        try:
            bought = self._amazon_auto_buy(rec, account)
        except UserError as exc:
            # Missing data, Amazon's refusal, a hold placed meanwhile: said
            # as the purchase says it (no buyer data in those messages).
            return self._amazon_auto_ship_record(
                "skipped",
                decision,
                self.env._("the purchase failed: %(problem)s", problem=exc),
            )
        if isinstance(bought, auto_ship.Decision):
            return self._amazon_auto_ship_record("skipped", bought)
        return self._amazon_auto_ship_record("bought", decision, bought)

    def _amazon_auto_buy(self, rec, account):
        """Buy the recommended service on fresh rates (Amazon's expire):
        the service bought, or a Decision saying why not."""
        shipment = self.env["amazon.shipment"]
        order = self.sale_id
        label_format = account.label_format
        with shipment._as_user_error(self):
            body = shipping.rates_request(
                order_id=order.amazon_order_id,
                ship_from=shipment._ship_from(self),
                ship_to=None,  # Amazon prints its own order's address
                parcels=shipment._parcels(self),
            )
            with account._client() as client:
                token, rates = shipping.parse_rates(client.get_rates(body))
        if rec.get("warehouse_id") != self.picking_type_id.warehouse_id.id:
            # Rates and label are the delivery's own warehouse's.
            return auto_ship.Decision(False, "other_warehouse")
        wanted = (rec["carrier_id"], rec["service_id"])
        rate = next(
            (
                r
                for r in rates
                if (r.carrier_id, r.service_id) == wanted and label_format in r.formats
            ),
            None,
        )
        if rate is None:
            return auto_ship.Decision(False, "gone", {"service": rec["service"]})
        cap = account.auto_ship_max_cost
        cost = self._amazon_auto_ship_in_cap(float(rate.price), rate.currency)
        if cost is None:
            return auto_ship.Decision(
                False,
                auto_ship.CURRENCY,
                {"currency": rate.currency, "cap": self._amazon_cap_currency()},
            )
        if cost > cap:
            # The price moved since the recommendation (or the rate of
            # exchange did).
            return auto_ship.Decision(
                False,
                auto_ship.OVER_CAP,
                {"cost": cost, "cap": cap, "currency": self._amazon_cap_currency()},
            )
        # The recommendation's service, from the same choice the batch makes.
        rate = ship_batch.pick_rate([rate], None, label_format)
        shipment._buy_label(self, token, rate, label_format)
        return f"{rate.service_name} {rate.price} {rate.currency}"

    def _amazon_cap_currency(self):
        return self.sale_id.amazon_account_id.sudo().auto_ship_currency_id.name

    def _amazon_auto_ship_in_cap(self, amount, currency_name):
        """``amount`` in ``currency_name`` (Amazon's ISO code) converted into
        the cap's currency at Odoo's rate of today, or None when Odoo has
        no rate for that currency: a cap compared with a number in another
        currency would let a label costing several times the cap through
        (or stop a cheap one)."""
        account = self.sale_id.amazon_account_id.sudo()
        cap = account.auto_ship_currency_id
        if currency_name == cap.name:
            return amount
        company = account.company_id
        currency = (
            self.env["res.currency"]
            .sudo()
            .with_context(active_test=False)
            .search([("name", "=", currency_name)], limit=1)
        )
        today = fields.Date.context_today(self)
        rated = (
            self.env["res.currency.rate"]
            .sudo()
            .search_count(
                [
                    ("currency_id", "=", currency.id),
                    ("company_id", "in", [company.id, False]),
                    ("name", "<=", today),
                ],
                limit=1,
            )
        )
        if not currency or not rated:
            # Odoo would convert at 1:1 without a rate: refuse instead.
            return None
        return currency._convert(amount, cap, company, today, round=False)

    def _amazon_auto_ship_record(self, state, decision, detail=None):
        """The decision on the delivery (field and chatter), committed in a
        unit of its own: a purchase changed the delivery in other
        transactions."""
        why = self._amazon_auto_ship_words(decision)
        if detail and state == "bought":
            body = self.env._(
                "Automated shipment: label bought (%(service)s) because %(why)s "
                "Undo: Void label.",
                service=detail,
                why=why,
            )
        elif detail:
            body = self.env._(
                "Automated shipment: no label bought, %(detail)s", detail=detail
            )
        else:
            body = self.env._(
                "Automated shipment: no label bought because %(why)s", why=why
            )

        self._amazon_automation_record("amazon_auto_ship_state", state, body)
        return state == "bought"

    def _amazon_auto_ship_words(self, decision):
        _ = self.env._
        v = self._amazon_decision_values(decision)
        reason = decision.reason
        if reason == auto_ship.BUY:
            return _(
                "the recommendation is confident (%(confidence)s) and costs "
                "%(cost)s %(currency)s, within the cap of %(cap)s.",
                **v,
            )
        if reason == auto_ship.ON_HOLD:
            return _("the order is on risk hold.")
        if reason == auto_ship.NO_RECOMMENDATION:
            return _("there is no recommendation.")
        if reason == auto_ship.NOT_A_LABEL:
            return _("the recommended path is not one parcel of ours (%(kind)s).", **v)
        if reason == auto_ship.PROMISE_MISSED:
            return _("the recommended service does not meet Amazon's promise.")
        if reason == auto_ship.LOW_CONFIDENCE:
            return _(
                "the recommendation's confidence (%(confidence)s) is below "
                "%(threshold)s.",
                **v,
            )
        if reason == auto_ship.NO_COST:
            return _("the recommendation has no cost to check against the cap.")
        if reason == auto_ship.CURRENCY:
            return _(
                "its cost is in %(currency)s, the cap in %(cap)s, and Odoo has "
                "no exchange rate for %(currency)s (Accounting > Currencies).",
                **v,
            )
        if reason == auto_ship.OVER_CAP:
            return _("it costs %(cost)s %(currency)s, over the cap of %(cap)s.", **v)
        if reason == "other_warehouse":
            return _(
                "another warehouse is recommended than the delivery's: move "
                "the delivery there first."
            )
        if reason == "gone":
            return _("Amazon no longer offers %(service)s for it.", **v)
        return reason
