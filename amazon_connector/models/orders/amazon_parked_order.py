from odoo import fields, models


class AmazonParkedOrder(models.Model):
    """An Amazon order that failed to import or update, with the reason.

    Parked orders never block a sync: the rest of the page goes through and
    every later sync retries them (getOrder) until they import.
    """

    _name = "amazon.parked.order"
    _description = "Parked Amazon Order"
    _order = "last_failed desc"
    _rec_name = "amazon_order_id"

    account_id = fields.Many2one(
        "amazon.account", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    amazon_order_id = fields.Char("Amazon order", required=True, readonly=True)
    fulfilled_by = fields.Selection(
        [("MERCHANT", "Merchant"), ("AMAZON", "Amazon")], readonly=True
    )
    sale_order_id = fields.Many2one("sale.order", readonly=True)
    reason = fields.Text(readonly=True)
    attempts = fields.Integer(readonly=True, default=1)
    first_failed = fields.Datetime(readonly=True, default=fields.Datetime.now)
    last_failed = fields.Datetime(readonly=True, default=fields.Datetime.now)

    _sql_constraints = [
        (
            "order_uniq",
            "unique(account_id, amazon_order_id)",
            "An Amazon order is parked once per account.",
        ),
    ]

    def action_retry(self):
        """Fetch the orders again now and import them (managers)."""
        self.check_access("write")
        logs = self.env["amazon.sync.log"]
        for account, parked in self.grouped("account_id").items():
            logs |= self.env["amazon.order.sync"].resync_orders(
                account, parked.mapped("amazon_order_id")
            )
        return logs._action_show()
