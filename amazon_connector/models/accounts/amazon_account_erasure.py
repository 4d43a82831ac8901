"""'Erase seller account' (docs/data-protection.md #4): everything the suite
holds for a seller account that the law does not require it to keep.

Shredded: the account's credentials and secrets and every vault entry of its
orders (buyer data, labels). Deleted: listings, SKU mappings, listing feeds,
parked orders, work items, sync logs (amazon_ai adds its risk models by
extending ``_erase_data``). Kept, pseudonymous: the sale orders, deliveries
and invoices (accounting records the law requires), with their buyer
contacts reduced to the pseudonym and the tax location. The account itself
is archived, not deleted: the kept orders still name it.
"""

from collections import Counter

from odoo import models
from odoo.tools import SQL

# Orders per transaction-sized step: the vault entries of a batch are read
# and deleted together, then the cache is dropped, so an account with
# thousands of orders never has them all in memory.
ERASE_BATCH = 500


class AmazonAccount(models.Model):
    # One model split by concern on purpose: erasure in a file of its own.
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    def _erase_check_holds(self):
        """Refuse (UserError naming the hold and its reason) when a legal
        hold keeps any of the account's data."""
        self.ensure_one()
        vault = self.env["amazon.pii.vault"]
        holds = vault._holds_on(
            "sale.order",
            SQL("SELECT id FROM sale_order WHERE amazon_account_id = %s", self.id),
        ) | vault._holds_on("amazon.account", SQL("%s", self.id))
        vault._refuse_under_hold(
            holds, self.env._("Amazon account %(name)s", name=self.name)
        )

    def _erase(self, reason):
        """Erase the account's data (server code: the caller checked who
        asks); returns the counts of what went, per kind."""
        self.ensure_one()
        self._erase_check_holds()
        counts = Counter()
        self.sudo()._erase_data(counts, reason)
        return dict(counts)

    def _erase_data(self, counts, reason):
        """Extension point: each addon erases what it keeps for the account
        and adds to ``counts`` (keys of amazon_pii's deletion COUNTS)."""
        self.ensure_one()
        env = self.env
        Order = env["sale.order"].sudo().with_context(active_test=False)
        order_ids = Order.search([("amazon_account_id", "=", self.id)], order="id").ids
        for start in range(0, len(order_ids), ERASE_BATCH):
            batch = Order.browse(order_ids[start : start + ERASE_BATCH])
            counts.update(batch._amazon_erase_buyer_data(reason))
            env.flush_all()
            env.invalidate_all()
        shredded = env["amazon.pii.vault"].sudo()._shred(self, reason)
        counts["vault_entries"] += shredded["vault_entries"]
        counts["credentials"] += shredded["credentials"]
        # Amazon's data about the seller's catalogue and the sync's own
        # records: none is an accounting record.
        for key, model, field in (
            ("listings", "amazon.listing", "account_id"),
            ("feeds", "amazon.listing.feed", "account_id"),
            ("offers", "amazon.offer", "account_id"),
            ("parked_orders", "amazon.parked.order", "parked_account_id"),
            ("work_items", "amazon.work.item", "account_id"),
            ("sync_logs", "amazon.sync.log", "account_id"),
        ):
            records = (
                env[model]
                .sudo()
                .with_context(active_test=False)
                .search([(field, "=", self.id)])
            )
            counts[key] += len(records)
            records.unlink()
        self.write(
            {
                "active": False,  # its cron stops with it (_ensure_cron)
                "sync_orders": False,
                "sync_listings": False,
                "orders_phase": False,
                "orders_page_token": False,
                "orders_window_start": False,
                "orders_window_end": False,
            }
        )
        return counts
