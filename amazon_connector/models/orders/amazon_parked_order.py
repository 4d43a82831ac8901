from odoo import api, fields, models

from ..accounts.amazon_work_item import MAX_ATTEMPTS


class AmazonParkedOrder(models.Model):
    """An Amazon order that failed to import or update, with the reason.

    Parked orders never block a sync: the rest of the page goes through and
    later syncs fetch them again (getOrder) on the one retry schedule of
    ``amazon.work.item``, whose state, attempts and error they carry by
    delegation, until they import or give up and wait for a person.
    """

    _name = "amazon.parked.order"
    _description = "Parked Amazon Order"
    _inherits = {"amazon.work.item": "work_item_id"}
    _order = "last_attempt desc"
    _rec_name = "amazon_order_id"

    work_item_id = fields.Many2one(
        "amazon.work.item", required=True, ondelete="cascade", readonly=True
    )
    amazon_order_id = fields.Char("Amazon order", required=True, readonly=True)
    fulfilled_by = fields.Selection(
        [("MERCHANT", "Merchant"), ("AMAZON", "Amazon")], readonly=True
    )
    sale_order_id = fields.Many2one("sale.order", readonly=True)
    reason = fields.Text("Reason", related="work_item_id.last_error")
    last_failed = fields.Datetime("Last failed", related="work_item_id.last_attempt")
    # The account again, stored here: an order is parked once per account,
    # which a constraint can only say on this table.
    parked_account_id = fields.Many2one(
        related="work_item_id.account_id", store=True, string="Parked for"
    )

    _sql_constraints = [
        (
            "order_uniq",
            "unique(parked_account_id, amazon_order_id)",
            "An Amazon order is parked once per account.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        parked = self.browse()
        # One at a time: the item's (kind, model, document) is unique and the
        # document's id exists only once it is created.
        for vals in vals_list:
            vals = dict(
                vals,
                kind="order",
                res_model=self._name,
                res_id=0,
                ref=vals.get("amazon_order_id"),
                max_attempts=MAX_ATTEMPTS["order"],
            )
            record = super().create([vals])
            record.work_item_id.res_id = record.id
            parked |= record
        return parked

    def unlink(self):
        items = self.work_item_id
        accounts = self.sudo().parked_account_id
        result = super().unlink()
        items.unlink()
        # Imported at last (or removed): the alert ends with the last one.
        for account in accounts:
            if not self.sudo().search_count([("parked_account_id", "=", account.id)]):
                account._alert_resolved(
                    "parked", self.env._("No order of this account is parked anymore.")
                )
        return result

    def _alert_parked(self):
        """One alert per account while orders are parked (however many, and
        however often they fail again), for its responsible user."""
        for account in self.sudo().parked_account_id:
            count = self.sudo().search_count([("parked_account_id", "=", account.id)])
            account._alert(
                "parked",
                self.env._("Amazon orders parked"),
                self.env._(
                    "%(count)s Amazon order(s) of %(account)s could not be "
                    "imported or updated and are parked; later syncs fetch "
                    "them again, less and less often. Open the account's "
                    "Parked orders to read why (an unknown product, a "
                    "missing tax or warehouse setting...), fix the cause and "
                    "use Retry.",
                    count=count,
                    account=account.name,
                ),
            )

    def action_retry(self):
        """Fetch the orders again now and import them (managers)."""
        self.check_access("write")
        logs = self.env["amazon.sync.log"]
        for account, parked in self.grouped("account_id").items():
            logs |= self.env["amazon.order.sync"].resync_orders(
                account, parked.mapped("amazon_order_id")
            )
        return logs._action_show()
