from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.amazon_pii.core.work import BUSY


class AmazonResyncWizard(models.TransientModel):
    """'Re-sync from date': move the account's cursor back, then sync."""

    _name = "amazon.resync.wizard"
    _description = "Re-sync Amazon orders from a date"

    account_id = fields.Many2one("amazon.account", required=True)
    date_from = fields.Datetime(
        "Orders updated since",
        required=True,
        help="Every order Amazon updated since then is fetched and applied "
        "again; orders already in Odoo are updated, never duplicated.",
    )

    def action_resync(self):
        self.ensure_one()
        account = self.account_id
        account.check_access("write")
        if not (account.active and account.sync_orders):
            raise UserError(
                self.env._(
                    "Turn on order synchronization of %(name)s first.",
                    name=account.name,
                )
            )
        # Under the sync's own locks, committed: a running sync must not
        # overwrite the new window, and the background sync must see it.
        outcome = self.env["amazon.order.sync"]._step(
            account, self._reset, self.date_from
        )
        if outcome is BUSY:
            raise UserError(
                self.env._(
                    "A sync of %(name)s is running: try again when it has finished.",
                    name=account.name,
                )
            )
        action = account.action_sync_orders()
        action["params"]["next"] = {"type": "ir.actions.act_window_close"}
        return action

    def _reset(self, account, date_from):
        account.write(
            {
                "orders_sync_from": min(date_from, account.orders_sync_from),
                "orders_cursor": date_from,
                "orders_phase": False,
                "orders_page_token": False,
            }
        )
