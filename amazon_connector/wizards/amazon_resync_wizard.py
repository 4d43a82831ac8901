from odoo import fields, models


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
        account.sudo().write(
            {
                "orders_sync_from": min(self.date_from, account.orders_sync_from),
                "orders_cursor": self.date_from,
                "orders_phase": False,
                "orders_page_token": False,
            }
        )
        return account.action_sync_orders()
