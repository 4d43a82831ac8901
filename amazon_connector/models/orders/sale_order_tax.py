"""Odoo's tax of an Amazon order against the tax Amazon charged.

Where the marketplace has a price-included tax (amazon_account_tax.py) the
order's lines contain Amazon's tax and Odoo computes its own out of them. A
rate that is not Amazon's, a product Amazon taxes differently, or tax left on
a line Odoo does not tax shows here instead of being silently absorbed.
"""

from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    amazon_tax_checked = fields.Boolean(
        "Tax compared with Amazon's", readonly=True, copy=False
    )
    amazon_tax = fields.Monetary(
        "Amazon's tax",
        readonly=True,
        copy=False,
        help="The tax you collect that Amazon charged the buyer (not the tax "
        "Amazon collects itself as marketplace facilitator).",
    )
    amazon_tax_difference = fields.Monetary(
        "Tax difference",
        compute="_compute_amazon_tax_mismatch",
        store=True,
        help="Odoo's tax minus Amazon's.",
    )
    amazon_tax_mismatch = fields.Boolean(
        "Tax differs from Amazon's",
        compute="_compute_amazon_tax_mismatch",
        store=True,
        index="btree_not_null",
    )

    @api.depends("amazon_tax_checked", "amazon_tax", "amount_tax", "order_line.tax_id")
    def _compute_amazon_tax_mismatch(self):
        for order in self:
            if not order.amazon_tax_checked:
                order.amazon_tax_difference = 0.0
                order.amazon_tax_mismatch = False
                continue
            difference = order.amount_tax - order.amazon_tax
            # Odoo rounds each line's tax, Amazon each of its amounts: up to a
            # cent per taxed line apart is rounding, more is a real difference.
            taxed = len(order.order_line.filtered("tax_id")) or 1
            tolerance = order.currency_id.rounding * taxed
            order.amazon_tax_difference = difference
            order.amazon_tax_mismatch = (
                order.currency_id.compare_amounts(abs(difference), tolerance) > 0
            )
