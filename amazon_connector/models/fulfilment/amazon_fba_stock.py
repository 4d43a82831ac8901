"""What Amazon reported of one seller SKU in the account's FBA pool.

The fulfillable units become the on-hand quantity of the account's FBA
location (through Odoo's inventory adjustments); the other quantities
(inbound, reserved, unfulfillable, researching) have no Odoo location that
means the same thing, so they are kept here, per SKU, product and location,
beside the SKUs that map to no product (with the reason).
"""

from odoo import fields, models

STATES = [("synced", "In Odoo stock"), ("unknown", "Not in Odoo stock")]


class AmazonFbaStock(models.Model):
    _name = "amazon.fba.stock"
    _description = "Amazon FBA Stock"
    _check_company_auto = True
    _order = "account_id, state desc, seller_sku"
    _rec_name = "seller_sku"

    account_id = fields.Many2one(
        "amazon.account", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    location_id = fields.Many2one(
        "stock.location", "FBA location", readonly=True, check_company=True
    )
    seller_sku = fields.Char("SKU", required=True, readonly=True)
    asin = fields.Char("ASIN", readonly=True)
    fnsku = fields.Char("FNSKU", readonly=True)
    amazon_name = fields.Char("Name on Amazon", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True, check_company=True)
    state = fields.Selection(STATES, required=True, readonly=True, default="synced")
    reason = fields.Char(readonly=True, help="Why these units are not in Odoo's stock.")
    fulfillable = fields.Integer(readonly=True)
    inbound_working = fields.Integer("Inbound (working)", readonly=True)
    inbound_shipped = fields.Integer("Inbound (shipped)", readonly=True)
    inbound_receiving = fields.Integer("Inbound (receiving)", readonly=True)
    reserved = fields.Integer(readonly=True)
    pending_orders = fields.Integer(
        "Reserved for orders",
        readonly=True,
        help="Units Amazon holds for customer orders not yet shipped; they "
        "count as on hand in Odoo, where those orders' FBA deliveries "
        "reserve them.",
    )
    unfulfillable = fields.Integer(readonly=True)
    researching = fields.Integer(readonly=True)
    synced_on = fields.Datetime("Read from Amazon on", readonly=True)

    _sql_constraints = [
        (
            "sku_uniq",
            "unique(account_id, seller_sku)",
            "A SKU has one FBA stock line per account.",
        ),
    ]
