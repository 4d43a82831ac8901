"""The create-listings wizard shows each listing's compliance findings
before anything is submitted (issue 21, item 2)."""

from odoo import fields, models


class AmazonListingWizard(models.TransientModel):
    _inherit = "amazon.listing.wizard"

    amazon_compliance_line_ids = fields.One2many(
        "amazon.listing.wizard.compliance", "wizard_id", "Compliance"
    )

    def action_amazon_check_compliance(self):
        """Generate and validate the listings (as *Generate and validate*),
        check their compliance and list the findings here, before submitting."""
        self.ensure_one()
        self.check_access("write")
        listings = self._generate()
        listings._amazon_check_compliance()
        self.amazon_compliance_line_ids = [fields.Command.clear()] + [
            fields.Command.create({"listing_id": listing.id}) for listing in listings
        ]
        return self._reopen()


class AmazonListingWizardCompliance(models.TransientModel):
    _name = "amazon.listing.wizard.compliance"
    _description = "Compliance of a listing in the create-listings wizard"

    wizard_id = fields.Many2one(
        "amazon.listing.wizard", required=True, ondelete="cascade"
    )
    listing_id = fields.Many2one("amazon.listing", required=True, readonly=True)
    sku = fields.Char(related="listing_id.sku")
    product_id = fields.Many2one(related="listing_id.product_id")
    compliance_state = fields.Selection(related="listing_id.amazon_compliance_state")
    errors = fields.Integer(related="listing_id.amazon_compliance_errors")
    warnings = fields.Integer(related="listing_id.amazon_compliance_warnings")
    summary = fields.Text(related="listing_id.amazon_compliance_summary")
