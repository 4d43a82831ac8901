from odoo import api, models


class AmazonPiiVault(models.AbstractModel):
    _inherit = "amazon.pii.vault"

    @api.model
    def _purge_owner_copies(self, owner_model, owner_ids):
        """An order's buyer data purged (retention, deletion request): its
        labels went with its vault entries, and it is marked so a later sync
        does not bring the buyer data back."""
        result = super()._purge_owner_copies(owner_model, owner_ids)
        if owner_model == "sale.order":
            orders = self.env["sale.order"].sudo().browse(owner_ids).exists()
            self.env["stock.picking"]._amazon_purge_labels(orders)
            # A re-sync of these orders must not store their buyer data again.
            orders.amazon_buyer_data_purged = True
        return result
