from odoo import api, models


class AmazonPiiVault(models.AbstractModel):
    _inherit = "amazon.pii.vault"

    @api.model
    def _purge_owner_copies(self, owner_model, owner_ids):
        """Shipping labels print the recipient's address: purged with the
        order's vault entries (retention, deletion request)."""
        result = super()._purge_owner_copies(owner_model, owner_ids)
        if owner_model == "sale.order":
            orders = self.env["sale.order"].browse(owner_ids)
            self.env["stock.picking"]._amazon_purge_labels(orders)
        return result
