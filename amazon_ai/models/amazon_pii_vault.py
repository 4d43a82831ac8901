import json

from odoo import api, models
from odoo.tools import SQL

# The parts of a risk record derived from buyer data (keyed hashes).
HASHED_KEYS = {"buyer_key": "", "address_key": "", "name_key": ""}


class AmazonPiiVault(models.AbstractModel):
    _inherit = "amazon.pii.vault"

    @api.model
    def _purge_owner_copies(self, owner_model, owner_ids):
        """The risk records' hashes of the buyer's e-mail, name and address
        go with the buyer data; the order's statistics stay for training."""
        result = super()._purge_owner_copies(owner_model, owner_ids)
        if owner_model == "sale.order" and owner_ids:
            self.env["sale.order"].flush_model(["amazon_risk_facts"])
            self.env.cr.execute(
                SQL(
                    "UPDATE sale_order"
                    " SET amazon_risk_facts = amazon_risk_facts || %s::jsonb"
                    " WHERE id IN %s AND amazon_risk_facts IS NOT NULL",
                    json.dumps(HASHED_KEYS),
                    tuple(owner_ids),
                )
            )
            self.env["sale.order"].invalidate_model(["amazon_risk_facts"])
        return result
