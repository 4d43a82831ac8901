"""Override a listing's compliance errors: an Amazon manager, with a reason,
for the errors found now (issue 21, item 2)."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

MANAGER = "amazon_pii.group_amazon_manager"


class AmazonListingOverrideWizard(models.TransientModel):
    _name = "amazon.listing.compliance.override.wizard"
    _description = "Override an Amazon listing's compliance errors"

    listing_id = fields.Many2one("amazon.listing", required=True, readonly=True)
    reason = fields.Text(
        required=True,
        help="Why these errors may go to Amazon (what you checked, which "
        "document supports the claim). Kept with the override.",
    )
    errors_text = fields.Text(
        "Errors overridden", compute="_compute_errors_text", readonly=True
    )

    @api.model
    def _check_manager(self):
        if not self.env.user.has_group(MANAGER):
            raise AccessError(
                self.env._("Only an Amazon manager may override compliance errors.")
            )

    @api.depends("listing_id")
    def _compute_errors_text(self):
        for wizard in self:
            listing = wizard.listing_id
            blocking = listing.amazon_finding_ids.filtered(
                lambda f: f.severity == "error" and not f.overridden
            )
            wizard.errors_text = "\n".join(
                f"{f.attribute}: {f.message}" for f in blocking
            )

    def action_confirm(self):
        """Record the override of the listing's current errors (checked
        again now: what the manager overrides is what would block)."""
        self.ensure_one()
        self._check_manager()
        listing = self.listing_id
        listing.check_access("write")
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why these errors may be overridden."))
        # Restrictions as last read: overriding must not depend on Amazon
        # answering now; the gate reads them again when they are stale.
        payload = listing._amazon_compute_compliance(read=False)
        listing._amazon_store_compliance(payload)
        errors = listing._amazon_blocking(payload[listing.id]["findings"])
        if not errors:
            raise UserError(
                self.env._(
                    "Listing %(sku)s has no compliance error to override.",
                    sku=listing.sku,
                )
            )
        Finding = self.env["amazon.listing.finding"]
        lines = []
        for error in errors:
            message, _hint = Finding._render(
                error["rule"], error["params"], error["source"]
            )
            lines.append(f"{error['attribute']}: {message}")
        # sudo: nobody may create overrides directly; the manager was checked.
        self.env["amazon.listing.compliance.override"].sudo().create(
            {
                "listing_id": listing.id,
                "user_id": self.env.uid,
                "reason": reason,
                "fingerprints": [error["fingerprint"] for error in errors],
                "findings_text": "\n".join(lines),
            }
        )
        listing.message_post(
            body=self.env._(
                "%(count)s compliance error(s) overridden by %(user)s (the reason "
                "is on the Compliance page).",
                count=len(errors),
                user=self.env.user.name,
            )
        )
        return {"type": "ir.actions.act_window_close"}
