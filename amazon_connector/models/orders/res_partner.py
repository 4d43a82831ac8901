from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    amazon_buyer = fields.Boolean(
        "Amazon buyer",
        readonly=True,
        help="A pseudonymous contact for one Amazon order: it holds only what "
        "taxes need (country, state, city). Names and addresses are in the "
        "vault. Never use it for marketing.",
    )
