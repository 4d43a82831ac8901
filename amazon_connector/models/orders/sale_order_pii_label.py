from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    def _amazon_pii_record_label(self):
        """How vault, audit and hold screens name an order (amazon_pii's
        record_display hook): its number and Amazon's order id, the one the
        seller finds in Seller Central."""
        self.ensure_one()
        if self.amazon_order_id:
            return f"{self.name} (Amazon {self.amazon_order_id})"
        return self.display_name
