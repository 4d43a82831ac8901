"""Decisions automations take for a delivery without a person: MCF by rule
(here) and automated shipment (amazon_ai). Each keeps its decision in a
state field and a "why" field of its own, which only it writes (as
superuser): a person cannot rewrite what the automation did. Each decision
is said on the delivery's chatter with why (never buyer data). One place
records them all, so the automations cannot drift apart.
"""

from odoo import api, models
from odoo.exceptions import AccessError


class StockPickingAutomation(models.Model):
    # One concern per file (automations' decisions), on purpose.
    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _amazon_automation_fields(self):
        """``{state field: why field}`` of every automation; each extends it."""
        return {}

    def write(self, vals):
        guarded = {
            name for pair in self._amazon_automation_fields().items() for name in pair
        }
        if not self.env.su and guarded & set(vals):
            raise AccessError(
                self.env._("Automatic decisions are recorded, not edited.")
            )
        return super().write(vals)

    def _amazon_automation_record(self, state_field, state, body):
        """Record ``state`` and ``body`` (why, in words) on the delivery's
        ``state_field`` and its why field, and post ``body`` on its chatter,
        committed in a unit of its own: the action decided on (a label
        bought, an MCF order sent) changed the delivery in other
        transactions, so the caller's records are stale afterwards."""
        self.ensure_one()
        picking_id = self.id
        why_field = self._amazon_automation_fields()[state_field]

        def record(env):
            picking = env["stock.picking"].browse(picking_id)
            picking.sudo().write({state_field: state, why_field: body[:250]})
            picking.message_post(body=body)

        self.env["amazon.work"]._run(record)
        self.env.invalidate_all()

    @api.model
    def _amazon_decision_values(self, decision):
        """A decision's values as said in words (money rounded to cents)."""
        return {
            key: round(value, 2) if isinstance(value, float) else value
            for key, value in decision.values.items()
        }

    @api.model
    def _amazon_automation_cron(self, due_domain, decide, batch):
        """One batch of the deliveries ``due_domain`` names, ``decide`` for
        each; Odoo runs the cron again at once while some remain."""
        due = self.search(due_domain, limit=batch, order="id")
        for picking in due:
            decide(picking)
        self.env["ir.cron"]._notify_progress(
            done=len(due), remaining=self.search_count(due_domain)
        )
