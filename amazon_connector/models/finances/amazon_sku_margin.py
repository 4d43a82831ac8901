"""Fees and margin per SKU, marketplace and month (a pivot for accountants).

Read from the booked transactions' parts in company currency: what buyers
paid for the SKU, what was refunded, promotions, Amazon's fees on its sales
and refunds, the units sold, their cost at the product's current cost, and
the margin that leaves.
"""

from odoo import fields, models, tools
from odoo.tools import SQL


class AmazonSkuMargin(models.Model):
    _name = "amazon.sku.margin"
    _description = "Amazon Fees and Margin per SKU"
    _auto = False
    _order = "month desc, sku"

    company_id = fields.Many2one("res.company", readonly=True)
    account_id = fields.Many2one("amazon.account", readonly=True)
    marketplace_id = fields.Many2one("amazon.marketplace", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    sku = fields.Char("SKU", readonly=True)
    month = fields.Date(readonly=True)
    units = fields.Integer("Units sold", readonly=True)
    sales = fields.Float(readonly=True, digits="Account")
    refunds = fields.Float(readonly=True, digits="Account")
    promotions = fields.Float(readonly=True, digits="Account")
    fees = fields.Float("Amazon fees", readonly=True, digits="Account")
    cost = fields.Float(readonly=True, digits="Account")
    margin = fields.Float(readonly=True, digits="Account")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE VIEW %(table)s AS (
                WITH parts AS (
                    SELECT l.company_id, l.account_id, l.marketplace_id,
                           l.product_id, l.sku,
                           date_trunc('month', l.posted_date)::date AS month,
                           SUM(CASE WHEN l.role = 'proceeds' THEN l.amount_company
                                    ELSE 0 END) AS sales,
                           SUM(CASE WHEN l.role = 'refund' THEN l.amount_company
                                    ELSE 0 END) AS refunds,
                           SUM(CASE WHEN l.role = 'promotion' THEN l.amount_company
                                    ELSE 0 END) AS promotions,
                           SUM(CASE WHEN l.role IN ('fee', 'fee_tax')
                                    THEN l.amount_company ELSE 0 END) AS fees,
                           SUM(CASE WHEN l.role = 'proceeds'
                                     AND l.code ILIKE %(principal)s
                                     AND l.code NOT ILIKE %(shipping)s
                                     AND l.code NOT ILIKE %(giftwrap)s
                                    THEN l.quantity ELSE 0 END) AS units
                      FROM amazon_finance_line l
                      JOIN amazon_finance_transaction t ON t.id = l.transaction_id
                     WHERE l.sku IS NOT NULL
                       AND t.state = 'booked'
                       AND t.kind IN ('order', 'refund')
                  GROUP BY l.company_id, l.account_id, l.marketplace_id,
                           l.product_id, l.sku,
                           date_trunc('month', l.posted_date)
                )
                SELECT row_number() OVER () AS id, p.*,
                       p.units * COALESCE(
                           (pp.standard_price ->> p.company_id::text)::numeric, 0
                       ) AS cost,
                       p.sales + p.refunds + p.promotions + p.fees
                       - p.units * COALESCE(
                           (pp.standard_price ->> p.company_id::text)::numeric, 0
                       ) AS margin
                  FROM parts p
             LEFT JOIN product_product pp ON pp.id = p.product_id
            )
            """,
                table=SQL.identifier(self._table),
                # The units of an item are on each of its parts: counted on
                # its price only.
                principal="%principal%",
                shipping="%shipping%",
                giftwrap="%giftwrap%",
            )
        )
