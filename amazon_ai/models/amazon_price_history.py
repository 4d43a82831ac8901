"""A listing's price history as one series per line of the graph: our price,
the featured offer and the lowest competitor from each market reading, and
the prices pricing applied (a database view over the snapshots and the
applied suggestions)."""

from odoo import fields, models, tools
from odoo.tools import SQL

KINDS = [
    ("ours", "Our price"),
    ("featured", "Featured offer"),
    ("lowest", "Lowest competitor"),
    ("applied", "Price applied"),
]


class AmazonPriceHistory(models.Model):
    _name = "amazon.price.history"
    _description = "Amazon Price History"
    _auto = False
    _order = "at desc"
    _rec_name = "kind"

    listing_id = fields.Many2one("amazon.listing", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    at = fields.Datetime(readonly=True)
    kind = fields.Selection(KINDS, readonly=True)
    price = fields.Float(readonly=True, aggregator="avg")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %(table)s AS (
                    SELECT s.id * 4 AS id, s.listing_id, s.company_id,
                           s.taken_on AS at, 'ours' AS kind, s.our_price AS price
                      FROM amazon_market_snapshot s WHERE s.our_price > 0
                    UNION ALL
                    SELECT s.id * 4 + 1, s.listing_id, s.company_id,
                           s.taken_on, 'featured', s.featured_price
                      FROM amazon_market_snapshot s WHERE s.featured_price > 0
                    UNION ALL
                    SELECT s.id * 4 + 2, s.listing_id, s.company_id,
                           s.taken_on, 'lowest', s.lowest_competitor
                      FROM amazon_market_snapshot s WHERE s.lowest_competitor > 0
                    UNION ALL
                    SELECT g.id * 4 + 3, g.listing_id, g.company_id,
                           g.decided_on, 'applied', g.suggested_price
                      FROM amazon_price_suggestion g WHERE g.state = 'applied'
                )
                """,
                table=SQL.identifier(self._table),
            )
        )
