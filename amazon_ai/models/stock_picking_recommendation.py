"""The recommended fulfilment path on a merchant-fulfilled delivery.

API for other modules (the "To ship" list, automated shipment):

- ``picking._amazon_recommendation()`` -> dict or None (see its docstring);
- stored fields ``amazon_rec_summary`` (e.g. "UPS Ground 6.20 EUR"),
  ``amazon_rec_late_risk`` and ``amazon_rec_confidence`` (0..1).
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

REC_STATES = [
    ("pending", "Being computed"),
    ("ready", "Recommended"),
    ("unavailable", "Not available"),
]
REC_KINDS = [("warehouse", "Own warehouse"), ("mcf", "Amazon MCF"), ("split", "Split")]
REC_FIELDS = {
    "amazon_rec_state",
    "amazon_rec_kind",
    "amazon_rec_summary",
    "amazon_rec_late_risk",
    "amazon_rec_confidence",
    "amazon_rec_date",
    "amazon_rec_reasons",
    "amazon_rec_runner_summary",
    "amazon_rec_runner_date",
    "amazon_rec_runner_reasons",
    "amazon_rec_message",
    "amazon_rec_at",
    "amazon_rec_data",
}


class StockPicking(models.Model):
    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    amazon_rec_state = fields.Selection(
        REC_STATES, "Recommendation", readonly=True, copy=False, index=True
    )
    amazon_rec_kind = fields.Selection(
        REC_KINDS, "Fulfil by", readonly=True, copy=False
    )
    amazon_rec_summary = fields.Char("Recommended", readonly=True, copy=False)
    amazon_rec_late_risk = fields.Float(
        "Late delivery risk", readonly=True, copy=False, digits=(3, 2)
    )
    amazon_rec_confidence = fields.Float(
        "Confidence", readonly=True, copy=False, digits=(3, 2)
    )
    amazon_rec_date = fields.Datetime("Expected delivery", readonly=True, copy=False)
    amazon_rec_reasons = fields.Text("Why", readonly=True, copy=False)
    amazon_rec_runner_summary = fields.Char("Runner-up", readonly=True, copy=False)
    amazon_rec_runner_date = fields.Datetime(
        "Runner-up delivery", readonly=True, copy=False
    )
    amazon_rec_runner_reasons = fields.Text("Runner-up: why", readonly=True, copy=False)
    amazon_rec_message = fields.Text("Not available because", readonly=True, copy=False)
    amazon_rec_at = fields.Datetime("Recommended on", readonly=True, copy=False)
    # The choice and the runner-up as computed (plain values), for the API.
    amazon_rec_data = fields.Json(readonly=True, copy=False)

    def write(self, vals):
        # Written by the recommendation service (as superuser) only: a person
        # refreshes it, never edits what it says.
        if not self.env.su and REC_FIELDS & set(vals):
            raise AccessError(
                self.env._("The fulfilment recommendation is refreshed, not edited.")
            )
        return super().write(vals)

    def _amazon_rec_wanted(self):
        self.ensure_one()
        return (
            self.state not in ("done", "cancel")
            and self._amazon_ships_to_buyer()
            and self.sale_id.amazon_status in ("UNSHIPPED", "PARTIALLY_SHIPPED")
        )

    def _amazon_recommendation(self):
        """The recommended path of this delivery, or None when there is none
        (not computed yet, or not available):

        ``{"kind": "warehouse"|"mcf"|"split", "warehouse_id": int|None,
        "carrier_id": str, "carrier": str, "service_id": str, "service": str,
        "rate_id": str|None, "cost": float, "currency": str,
        "delivery_date": datetime|None, "promise_met": bool,
        "confidence": float 0..1, "late_risk": float 0..1, "reasons": [str]}``

        For a split, carrier and service are those of the first part (all
        parts are in ``amazon_rec_data``). ``rate_id`` belongs to the
        getRates answer it came from: Amazon's rates expire, so a label is
        bought on fresh rates for the same (carrier_id, service_id).
        """
        self.ensure_one()
        choice = (self.sudo().amazon_rec_data or {}).get("choice")
        if self.amazon_rec_state != "ready" or not choice:
            return None
        keys = (
            "kind",
            "warehouse_id",
            "carrier_id",
            "carrier",
            "service_id",
            "service",
            "rate_id",
            "cost",
            "currency",
            "promise_met",
            "confidence",
            "late_risk",
        )
        result = {key: choice.get(key) for key in keys}
        date = choice.get("delivery_date")
        result["delivery_date"] = fields.Datetime.to_datetime(date) if date else None
        result["reasons"] = list(choice.get("reasons") or ())
        return result

    def _amazon_rec_store(self, outcome):
        """Record ``amazon.fulfilment._compute``'s outcome on the delivery."""
        self.ensure_one()
        choice, runner = outcome.get("choice"), outcome.get("runner_up")
        if choice:
            vals = {
                "amazon_rec_state": "ready",
                "amazon_rec_kind": choice["kind"],
                "amazon_rec_summary": choice["summary"],
                "amazon_rec_late_risk": choice["late_risk"],
                "amazon_rec_confidence": choice["confidence"],
                "amazon_rec_date": choice["delivery_date"] or False,
                "amazon_rec_reasons": "\n".join(choice["reasons"]) or False,
                "amazon_rec_message": "\n".join(outcome.get("problems") or ()) or False,
            }
        else:
            vals = {
                "amazon_rec_state": "unavailable",
                "amazon_rec_kind": False,
                "amazon_rec_summary": False,
                "amazon_rec_late_risk": 0.0,
                "amazon_rec_confidence": 0.0,
                "amazon_rec_date": False,
                "amazon_rec_reasons": False,
                "amazon_rec_message": "\n".join(outcome.get("problems") or ())
                or self.env._("no option could be priced"),
            }
        vals.update(
            {
                "amazon_rec_runner_summary": runner["summary"] if runner else False,
                "amazon_rec_runner_date": (runner and runner["delivery_date"]) or False,
                "amazon_rec_runner_reasons": "\n".join(runner["reasons"])
                if runner
                else False,
                "amazon_rec_at": outcome.get("at") or fields.Datetime.now(),
                "amazon_rec_data": {"choice": choice, "runner_up": runner},
            }
        )
        self.sudo().write(vals)

    @api.model
    def _amazon_rec_words(self, code, params):
        """A reason of ``core/fulfilment_rank.py`` in the user's language."""
        _ = self.env._
        p = dict(params)
        if code == "meets_promise":
            return _("Delivers by the date Amazon promised the buyer.")
        if code == "late_stated":
            return _(
                "%(service)s states a delivery %(days)s day(s) after the promise.",
                **p,
            )
        if code == "risk_learned":
            return _(
                "%(service)s: late risk %(risk)s%% learned from this seller's "
                "shipments (%(similar)s like it).",
                **p,
            )
        if code == "risk_rules":
            return _(
                "%(service)s: late risk %(risk)s%% by rules (stated delivery date "
                "against the promise).",
                **p,
            )
        if code == "split":
            return _(
                "No single source holds every unit: shipped from %(sources)s sources.",
                **p,
            )
        if code == "mcf":
            return _(
                "Amazon ships it from FBA stock (MCF). For an Amazon order, Amazon "
                "does not reimburse lost MCF units."
            )
        if code == "rates_unavailable":
            return _("No rates for %(place)s: %(why)s", **p)
        if code == "mcf_unavailable":
            return _("No MCF option: %(why)s", **p)
        if code == "no_stock":
            return _("No warehouse or FBA stock holds every unit of the order.")
        if code == "lost_promise":
            return _("Lost: it arrives after the date Amazon promised the buyer.")
        if code == "lost_risk":
            return _(
                "Lost: higher late risk (%(risk)s%% against %(choice_risk)s%%).", **p
            )
        if code == "lost_cost":
            return _("Lost: dearer by %(more)s %(currency)s.", **p)
        if code == "lost_later":
            return _("Lost: arrives %(days)s day(s) later.", **p)
        if code == "lost_tie":
            return _(
                "Lost: same cost, date and risk; the choice comes first by "
                "source and carrier."
            )
        return code

    # -- actions -------------------------------------------------------------------
    def action_amazon_recommend(self):
        """Refresh the recommendation now (warehouse and sales staff)."""
        self.env["amazon.account"].check_access("read")  # Amazon users, first
        self.check_access("read")
        pickings = self.filtered(lambda p: p._amazon_rec_wanted())
        if not pickings:
            raise UserError(
                self.env._(
                    "A fulfilment path is recommended for the open delivery to "
                    "the buyer of a merchant-fulfilled Amazon order still to ship."
                )
            )
        done = self.env["amazon.fulfilment"].sudo()._recommend_now(pickings)
        if not done:
            raise UserError(
                self.env._("The recommendation is being computed right now.")
            )
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def action_amazon_recommendation_card(self):
        """How the recommendation is made: the account's model card."""
        self.ensure_one()
        return self.sale_id.action_amazon_recommendation_card()
