"""A manager's override of a listing's compliance errors (issue 21, item 2):
who, when, why, and exactly which findings (by fingerprint, so a changed
text is a new finding the override does not cover).

Created only by ``amazon.listing.compliance.override.wizard`` after it
checked the caller is an Amazon manager; nobody has write or unlink access
(security/ir.model.access.csv), so the record stays as evidence.
"""

from odoo import fields, models


class AmazonListingOverride(models.Model):
    _name = "amazon.listing.compliance.override"
    _description = "Amazon listing compliance override"
    _order = "create_date desc, id desc"

    listing_id = fields.Many2one(
        "amazon.listing", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="listing_id.company_id", store=True)
    user_id = fields.Many2one("res.users", "Overridden by", required=True)
    overridden_on = fields.Datetime(required=True, default=fields.Datetime.now)
    reason = fields.Text(required=True)
    fingerprints = fields.Json(required=True)
    findings_text = fields.Text(
        "Overridden findings", help="The errors as the manager saw them."
    )
