from odoo import models
from odoo.exceptions import UserError


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _amazon_check_risk_hold(self):
        held = self.filtered(
            lambda p: p.sale_id.amazon_risk_hold and p._amazon_ships_to_buyer()
        )
        if held:
            raise UserError(
                self.env._(
                    "Amazon order %(orders)s is on risk hold: review it and release "
                    "the hold on the order before shipping.",
                    orders=", ".join(held.sale_id.mapped("amazon_order_id")),
                )
            )

    def button_validate(self):
        self.check_access("write")  # rights before the hold's verdict
        self._amazon_check_risk_hold()  # before any backorder question
        return super().button_validate()

    def _action_done(self):
        self._amazon_check_risk_hold()  # whatever path validates
        return super()._action_done()

    def _amazon_check_label_ready(self):
        result = super()._amazon_check_label_ready()
        self._amazon_check_risk_hold()  # no label for a held order either
        return result
