from odoo import fields, models

REGIONS = [("na", "North America"), ("eu", "Europe"), ("fe", "Far East")]


class AmazonMarketplace(models.Model):
    """One of Amazon's marketplaces (a country store) with its SP-API identity.

    Seeded from Amazon's published list; accounts sell on a subset of them.
    """

    _name = "amazon.marketplace"
    _description = "Amazon Marketplace"
    _order = "region, name"

    name = fields.Char(required=True, translate=True)
    amazon_id = fields.Char("Marketplace ID", required=True, index=True)
    code = fields.Char("Country code", required=True)
    country_id = fields.Many2one("res.country", required=True)
    currency_id = fields.Many2one("res.currency", required=True)
    region = fields.Selection(REGIONS, required=True)
    domain = fields.Char("Store domain", help="For example amazon.de")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("amazon_id_uniq", "unique(amazon_id)", "Marketplace IDs are unique."),
    ]
