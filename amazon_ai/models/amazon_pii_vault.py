import json
from collections import defaultdict

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
            purged = self._risk_hashes(tuple(owner_ids))
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
            self._forget_in_models(purged, tuple(owner_ids))
        return result

    def _risk_hashes(self, order_ids):
        """``{account id: [(Amazon order id, buyer hash)]}`` of the orders'
        risk records, read before they are blanked."""
        self.env.cr.execute(
            SQL(
                "SELECT amazon_account_id, amazon_risk_facts->>'order_id',"
                " amazon_risk_facts->>'buyer_key' FROM sale_order"
                " WHERE id IN %s AND amazon_risk_facts IS NOT NULL"
                " AND amazon_account_id IS NOT NULL",
                order_ids,
            )
        )
        found = defaultdict(list)
        for account_id, amazon_id, buyer_key in self.env.cr.fetchall():
            found[account_id].append((amazon_id, buyer_key or ""))
        return found

    def _forget_in_models(self, purged, order_ids):
        """The trained models forget the purged orders: their address and
        name hashes, and their buyer hashes unless a retained order of the
        same buyer still carries one (docs/data-protection.md #1)."""
        for account_id, rows in purged.items():
            self.env.cr.execute(
                SQL(
                    "SELECT DISTINCT amazon_risk_facts->>'buyer_key' FROM sale_order"
                    " WHERE amazon_account_id = %s AND id NOT IN %s"
                    " AND amazon_risk_facts->>'buyer_key' > ''",
                    account_id,
                    order_ids,
                )
            )
            retained = {row[0] for row in self.env.cr.fetchall()}
            self.env["amazon.risk"]._forget(
                self.env["amazon.account"].browse(account_id),
                [amazon_id for amazon_id, _key in rows],
                {key for _id, key in rows if key} - retained,
            )
