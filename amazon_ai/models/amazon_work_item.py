from odoo import fields, models

KIND = "fulfil_recommend"


class AmazonWorkItem(models.Model):
    _inherit = "amazon.work.item"

    kind = fields.Selection(
        selection_add=[(KIND, "Fulfilment recommendation")],
        ondelete={KIND: "cascade"},
    )

    def action_retry_now(self):
        result = super().action_retry_now()
        # The connector knows its own kinds' crons; this one is amazon_ai's.
        if KIND in self.mapped("kind"):
            self.env.ref("amazon_ai.ir_cron_amazon_fulfil_recommend").sudo()._trigger()
        return result
