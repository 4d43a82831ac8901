"""'Erase seller account' also removes what amazon_ai keeps for the account
(docs/data-protection.md #4): the trained risk model and its card, and each
order's risk record (statistics and keyed hashes). The hash key is a vault
secret of the account, shredded with its credentials by amazon_connector."""

from odoo import models
from odoo.tools import SQL

from . import amazon_risk


class AmazonAccount(models.Model):
    # One model split by concern on purpose: erasure in a file of its own.
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    def _erase_data(self, counts, reason):
        self.ensure_one()
        account = self.sudo()
        if account.risk_model or account.risk_trained_at:
            counts["risk_models"] += 1
        # Before the orders' buyer data goes: with the model and the records
        # gone, the purge hook has no hashes left to prune one batch at a time.
        account.write(
            {"risk_model": False, "risk_trained_at": False, "risk_card": False}
        )
        for cached in [
            k for k in amazon_risk._MODELS if k[:2] == (self.env.cr.dbname, account.id)
        ]:
            del amazon_risk._MODELS[cached]
        self.env["sale.order"].flush_model(["amazon_risk_facts"])
        self.env.cr.execute(
            SQL(
                "UPDATE sale_order SET amazon_risk_facts = NULL"
                " WHERE amazon_account_id = %s AND amazon_risk_facts IS NOT NULL",
                account.id,
            )
        )
        counts["risk_records"] += self.env.cr.rowcount
        self.env["sale.order"].invalidate_model(["amazon_risk_facts"])
        return super()._erase_data(counts, reason)
