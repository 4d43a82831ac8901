from odoo import models

from .sale_order import ADDRESS_KEYS


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _amazon_slip_address(self):
        """Address lines of an Amazon order's delivery slip: the real address
        from the vault for users who may reveal it for fulfilment (audited),
        else the buyer's pseudonym with city and country."""
        self.ensure_one()
        order = self.sale_id
        if self.env["amazon.pii.vault"].may_reveal(
            order, ADDRESS_KEYS, "delivery_slip"
        ):
            return order._amazon_delivery_address(order, "delivery_slip")[order.id]
        partner = order.partner_id
        return [
            partner.name,
            " ".join(filter(None, [partner.city, partner.state_id.code])),
            partner.country_id.name or "",
        ]
