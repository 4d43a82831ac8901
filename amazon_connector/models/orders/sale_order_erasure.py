"""Erasing one order's buyer data on request (docs/data-protection.md #4).

What Odoo keeps of an Amazon order after its buyer data is erased is what
accounting law needs: the order, its lines, deliveries and invoices, and a
pseudonymous contact ("Amazon buyer 113-...-4421") with the country, state
and city taxes are computed from. Everything else about the buyer was only
ever in the vault, which is shredded.
"""

from collections import Counter

from odoo import models

from odoo.addons.amazon_pii.core import masking

# Contact fields that could identify or reach a person: a pseudonymous buyer
# contact never has them, and erasure makes sure (a person may have typed
# something into one since the sync).
PERSONAL_PARTNER_FIELDS = (
    "street",
    "street2",
    "zip",
    "email",
    "phone",
    "mobile",
    "website",
    "comment",
    "function",
)


class SaleOrder(models.Model):
    # One model split by concern on purpose: erasure in a file of its own.
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    def _amazon_erase_buyer_data(self, reason):
        """Shred these orders' vault entries (buyer data, labels) through the
        vault's purge path, whose hooks mark the orders purged and wipe the
        copies other addons keep, and pseudonymise their buyer contacts.
        Server code, any batch size the caller chooses; ``Counter`` of what
        was done."""
        orders = self.sudo().filtered("amazon_order_id")
        counts = Counter(self.env["amazon.pii.vault"].sudo()._shred(orders, reason))
        # Also orders that had nothing in the vault (Amazon-fulfilled, or
        # purged before): the purge hook marks only those it saw, and a
        # later sync must not bring an erased order's buyer data back.
        orders.filtered(lambda o: not o.amazon_buyer_data_purged).write(
            {"amazon_buyer_data_purged": True}
        )
        counts["orders"] += len(orders)
        counts["partners"] += orders._amazon_pseudonymise_buyers()
        return counts

    def _amazon_pseudonymise_buyers(self):
        """Reset the orders' Amazon buyer contacts to the pseudonym and the
        tax location; never touches a contact that is not an Amazon buyer's
        (one chosen by hand stays as it is). Returns how many were reset."""
        Partner = self.env["res.partner"].sudo()
        blank = {f: False for f in PERSONAL_PARTNER_FIELDS if f in Partner._fields}
        seen = Partner
        for order in self.sorted("id"):
            buyers = (
                order.partner_id | order.partner_invoice_id | order.partner_shipping_id
            ).filtered(lambda p: p.amazon_buyer) - seen
            for partner in buyers:
                vals = dict(blank, name=masking.pseudonym(order.amazon_order_id))
                changed = {k: v for k, v in vals.items() if (partner[k] or False) != v}
                if changed:
                    partner.write(changed)
            seen |= buyers
        return len(seen)
