from odoo import api, fields, models


class AmazonOffer(models.Model):
    """A seller SKU of one account and the Odoo product it sells: the one
    SKU-to-product binding, read by the order import and shared by the SKU's
    listings (their product is this record's, in every marketplace).

    Created when an order or a listing first brings the SKU, matched to the
    product whose internal reference equals the SKU; editable when they differ.
    """

    _name = "amazon.offer"
    _description = "Amazon Offer (SKU mapping)"
    _check_company_auto = True
    _order = "sku"
    _rec_name = "sku"

    account_id = fields.Many2one(
        "amazon.account", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    sku = fields.Char("SKU", required=True)
    asin = fields.Char("ASIN")
    product_id = fields.Many2one(
        "product.product",
        check_company=True,
        help="Empty: order lines of this SKU use the account's product for "
        "unknown SKUs and get an activity.",
    )

    _sql_constraints = [
        ("sku_uniq", "unique(account_id, sku)", "A SKU is mapped once per account."),
    ]

    @api.model
    def _products_by_code(self, account, skus):
        """``{sku: product}`` of the account's products whose internal
        reference is one of ``skus``: the company's own product before one
        shared by every company, never another company's."""
        found = self.env["product.product"].search(
            [
                ("default_code", "in", list(skus)),
                ("company_id", "in", [account.company_id.id, False]),
            ]
        )
        # Shared ones first, so the company's own overwrite them.
        return {p.default_code: p for p in found.sorted(lambda p: bool(p.company_id))}

    @api.model
    def _for_skus(self, account, skus):
        """``{sku: offer}`` for ``skus``, creating (and matching) missing ones."""
        offers = {
            o.sku: o
            for o in self.search([("account_id", "=", account.id), ("sku", "in", skus)])
        }
        missing = [sku for sku in dict.fromkeys(skus) if sku not in offers]
        if missing:
            products = self._products_by_code(account, missing)
            created = self.create(
                [
                    {
                        "account_id": account.id,
                        "sku": sku,
                        "product_id": products[sku].id if sku in products else False,
                    }
                    for sku in missing
                ]
            )
            offers.update({o.sku: o for o in created})
        return offers
