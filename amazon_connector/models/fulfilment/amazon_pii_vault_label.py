from odoo import api, models


class AmazonPiiVault(models.AbstractModel):
    # One concern per file (the fulfilment domain), on purpose.
    _inherit = "amazon.pii.vault"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    @api.private
    def _purge_label(self, picking):
        """Delete one delivery's stored label (a voided label prints an
        address for a parcel that will never travel): only that entry, not
        the order's other buyer data, so ``purge`` (which wipes every copy of
        the owner) is not the tool. An entry under a legal hold stays: the
        hold decides, not the void. Returns the number deleted."""
        picking.ensure_one()
        entries = self._entries(
            picking.sale_id, [picking._amazon_label_key()]
        ).filtered(lambda e: not e.hold_id)
        count = len(entries)
        if count:
            # Deleting the row deletes its wrapped data key with it.
            entries.unlink()
            self._audit()._log("purge", count=count, detail="label voided: 1 owner(s)")
        return count
