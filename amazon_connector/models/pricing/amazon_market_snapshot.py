"""A listing's market at one moment, as Amazon reported it: the featured
offer and whether it is ours, the lowest prices of other sellers by condition
and fulfilment channel, the number of offers, the price Amazon expects to
become featured, Amazon's reference prices and the fees at our price.

Snapshots are the price history (graphs, suggestions, the evaluation) and are
kept 18 months; Amazon's data about other sellers' offers is kept as prices
and counts only, never their seller ids.
"""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

KEEP_MONTHS = 18
# What a reading compares to decide whether the market changed.
FIGURES = (
    "our_price",
    "featured_price",
    "featured_is_ours",
    "featured_fulfilment",
    "lowest_new_fba",
    "lowest_new_mfn",
    "lowest_used",
    "lowest_competitor",
    "offer_count",
    "expected_price",
    "expected_status",
    "recent_sales_price",
    "competitive_price",
    "competitive_threshold",
    "fees_total",
    "fees_referral",
    "fees_price",
)


class AmazonMarketSnapshot(models.Model):
    _name = "amazon.market.snapshot"
    _description = "Amazon Market Snapshot"
    _order = "taken_on desc, id desc"
    _rec_name = "taken_on"

    listing_id = fields.Many2one(
        "amazon.listing", required=True, ondelete="cascade", index=True, readonly=True
    )
    account_id = fields.Many2one(related="listing_id.account_id", store=True)
    company_id = fields.Many2one(related="listing_id.company_id", store=True)
    marketplace_id = fields.Many2one(related="listing_id.marketplace_id", store=True)
    currency_id = fields.Many2one(related="marketplace_id.currency_id")
    product_id = fields.Many2one(related="listing_id.product_id")
    taken_on = fields.Datetime(
        required=True, readonly=True, index=True, help="First read so."
    )
    confirmed_on = fields.Datetime(
        "Last read so",
        readonly=True,
        help="The latest reading that found the same market (readings of an "
        "unchanged market add no snapshot).",
    )
    our_price = fields.Monetary(
        readonly=True,
        help="Our offer's listing price as Amazon showed it.",
        aggregator="avg",
    )
    featured_price = fields.Monetary(
        "Featured offer",
        readonly=True,
        help="Landed price (price + shipping).",
        aggregator="avg",
    )
    featured_is_ours = fields.Boolean("Featured offer is ours", readonly=True)
    featured_fulfilment = fields.Selection(
        [("AFN", "Amazon (FBA)"), ("MFN", "Merchant")],
        "Featured offer fulfilled by",
        readonly=True,
    )
    lowest_new_fba = fields.Monetary(
        "Lowest new FBA (others)", readonly=True, help="Landed price.", aggregator="avg"
    )
    lowest_new_mfn = fields.Monetary(
        "Lowest new merchant (others)",
        readonly=True,
        help="Landed price.",
        aggregator="avg",
    )
    lowest_used = fields.Monetary(
        "Lowest used (others)", readonly=True, aggregator="avg"
    )
    lowest_competitor = fields.Monetary(
        "Lowest competitor",
        readonly=True,
        help="Lowest landed price of another seller's new offer.",
        aggregator="avg",
    )
    offer_count = fields.Integer("Offers", readonly=True)
    expected_price = fields.Monetary(
        "Expected featured price",
        readonly=True,
        help="Amazon's featured offer expected price: at or below this listing "
        "price our offer can expect to be featured.",
        aggregator="avg",
    )
    expected_status = fields.Char("Expected price status", readonly=True)
    recent_sales_price = fields.Monetary(
        readonly=True,
        help="Amazon's WasPrice: the median price customers paid over the last "
        "90 days. Amazon's Automate Pricing limit and Fair Pricing are read "
        "against it.",
        aggregator="avg",
    )
    competitive_price = fields.Monetary(readonly=True, aggregator="avg")
    competitive_threshold = fields.Monetary(
        "Competitive price threshold", readonly=True, aggregator="avg"
    )
    fees_total = fields.Monetary(
        "Amazon fees",
        readonly=True,
        help="Per unit, at the fees' price.",
        aggregator="avg",
    )
    fees_referral = fields.Monetary("Referral fee", readonly=True, aggregator="avg")
    fees_read_on = fields.Datetime(
        "Fees read on", readonly=True, help="When Amazon estimated these fees."
    )
    fees_price = fields.Monetary("Fees estimated at", readonly=True, aggregator="avg")

    @api.model
    def _values(self, listing, figures, taken_on, previous=None):
        """Create values from ``core.market.Figures``; fees not read this time
        are carried over from ``previous`` (fees change rarely and have a
        usage plan of their own)."""
        fees = (figures.fees_total, figures.fees_referral, figures.fees_price)
        fees_read_on = taken_on if fees[0] is not None else False
        if fees[0] is None and previous:
            fees = (previous.fees_total, previous.fees_referral, previous.fees_price)
            fees_read_on = previous.fees_read_on
        ref = figures.reference
        return {
            "listing_id": listing.id,
            "taken_on": taken_on,
            "confirmed_on": taken_on,
            "our_price": figures.our_price or 0.0,
            "featured_price": figures.featured_price or 0.0,
            "featured_is_ours": figures.featured_is_ours,
            "featured_fulfilment": figures.featured_fulfilment or False,
            "lowest_new_fba": figures.lowest_new_fba or 0.0,
            "lowest_new_mfn": figures.lowest_new_mfn or 0.0,
            "lowest_used": figures.lowest_used or 0.0,
            "lowest_competitor": figures.lowest_new or 0.0,
            "offer_count": figures.offer_count,
            "expected_price": figures.expected_price or 0.0,
            "expected_status": figures.expected_status or False,
            "recent_sales_price": ref.get("WasPrice") or 0.0,
            "competitive_price": ref.get("CompetitivePrice") or 0.0,
            "competitive_threshold": ref.get("CompetitivePriceThreshold") or 0.0,
            "fees_total": fees[0] or 0.0,
            "fees_referral": fees[1] or 0.0,
            "fees_price": fees[2] or 0.0,
            "fees_read_on": fees_read_on,
        }

    def _same_figures(self, vals):
        """Whether ``vals`` (a new reading) show the market this snapshot
        shows: every figure equal to the cent, the same featured seller."""
        self.ensure_one()
        for name in FIGURES:
            old, new = self[name], vals.get(name)
            if isinstance(old, float) or isinstance(new, float):
                if abs((old or 0.0) - (new or 0.0)) >= 0.005:
                    return False
            elif (old or False) != (new or False):
                return False
        return True

    @api.autovacuum
    def _gc_old_snapshots(self):
        """Snapshots older than 18 months go (Amazon's figures, kept as long
        as a seller compares seasons)."""
        limit = fields.Datetime.now() - relativedelta(months=KEEP_MONTHS)
        # By the last reading that found it: a stable market's current
        # snapshot is as old as the market, and stays.
        self.sudo().search(
            [
                "|",
                ("confirmed_on", "<", limit),
                "&",
                ("confirmed_on", "=", False),
                ("taken_on", "<", limit),
            ]
        ).unlink()
