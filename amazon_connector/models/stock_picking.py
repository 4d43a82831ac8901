from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _amazon_slip_address(self):
        """The real delivery address of an Amazon order's delivery, for its
        slip: revealed through the vault (Amazon Shipping staff for unshipped
        orders, PII Officers), audited; refused with the vault's reason."""
        self.ensure_one()
        order = self.sale_id
        return order._amazon_delivery_address(order, "delivery_slip")[order.id]
