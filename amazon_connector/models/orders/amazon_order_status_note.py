"""Chatter notes of the Amazon status an order goes through.

The import disables tracking (noise, and a third of its time), so the
seller would not see when Amazon shipped or cancelled an order: one note
when the order is imported, then one per status change the sync applies.
The notes hold Amazon's status labels only, never buyer data.
"""

from odoo import models


class AmazonOrderImport(models.AbstractModel):
    _inherit = "amazon.order.import"

    def _apply(self, cache, raw, order, force):
        previous = order.amazon_status if order else None
        outcome, order, plan = super()._apply(cache, raw, order, force)
        # Inside the order's savepoint: a failed order leaves no note.
        if outcome == "created":
            order._message_log(
                body=self.env._(
                    "Imported from Amazon (status %(status)s).",
                    status=_status_label(order, order.amazon_status),
                )
            )
        elif outcome == "updated" and previous != order.amazon_status:
            order._message_log(
                body=self.env._(
                    "Amazon status: %(old)s → %(new)s",
                    old=_status_label(order, previous),
                    new=_status_label(order, order.amazon_status),
                )
            )
        return outcome, order, plan


def _status_label(order, status):
    labels = dict(order._fields["amazon_status"]._description_selection(order.env))
    return labels.get(status) or status or order.env._("none")
