"""Per account: the kill switch of automatic repricing, and the model card of
the pricing suggestions (linked from every suggestion)."""

from odoo import api, fields, models

from ..core.pricing import AMAZON_LIMIT_USD, AUTO_MIN_INTERVAL, WIN_HEADROOM_PERCENT
from .model_card import table_card_html


class AmazonAccount(models.Model):
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    repricing_enabled = fields.Boolean(
        "Automatic repricing",
        default=True,
        help="Off: no listing of this account is repriced automatically, "
        "whatever its rule says (suggestions are still made). The kill switch.",
    )
    pricing_card_html = fields.Html(
        "Pricing model card", compute="_compute_pricing_card_html", sanitize=False
    )

    def action_stop_repricing(self):
        """The kill switch: automatic repricing stops at once for the account,
        and an automatic price not yet pushed goes back to the price Amazon
        has. Any Amazon user may pull it (a runaway repricer is everyone's
        emergency); resuming is a manager's decision."""
        self.check_access("read")
        accounts = self.sudo()
        accounts.write({"repricing_enabled": False})
        for account in accounts:
            listings = (
                self.env["amazon.listing"]
                .sudo()
                .search([("account_id", "=", account.id), ("repriced_price", ">", 0)])
            )
            for listing in listings:
                applied = listing.price_suggestion_ids.filtered(
                    lambda s: s.state == "applied"
                ).sorted(lambda s: (s.decided_on, s.id))
                last = applied[-1:]
                currency = listing.market_currency_id
                unpushed = currency.compare_amounts(
                    listing.repriced_price, listing.pushed_price
                )
                if last.origin == "automatic" and unpushed:
                    # Back to the price before that change: the one an
                    # earlier decision set, else the pricelist's.
                    listing.repriced_price = (
                        last.current_price if len(applied) > 1 else 0.0
                    )
            account.message_post(
                body=self.env._(
                    "Automatic repricing stopped by %(user)s.", user=self.env.user.name
                )
            )
        return True

    def action_resume_repricing(self):
        self.write({"repricing_enabled": True})
        for account in self:
            account.message_post(
                body=self.env._(
                    "Automatic repricing resumed by %(user)s.", user=self.env.user.name
                )
            )
        return True

    @api.depends("repricing_enabled")
    def _compute_pricing_card_html(self):
        for account in self:
            account.pricing_card_html = _pricing_card_html(self.env)


def _pricing_card_html(env):
    _ = env._
    hours = int(AUTO_MIN_INTERVAL.total_seconds() // 3600)
    rows = [
        (
            _("Purpose"),
            _(
                "Suggest a price per Amazon listing that serves the seller's "
                "strategy inside the seller's guardrails and Amazon's limits."
            ),
        ),
        (
            _("Inputs"),
            _(
                "Amazon's market reading of the listing (featured offer and "
                "whether it is ours, lowest new FBA and merchant prices of other "
                "sellers, featured offer expected price, WasPrice), Amazon's fee "
                "estimate at our price, the product's cost in Odoo, the listing's "
                "pricing rule."
            ),
        ),
        (
            _("Method"),
            _(
                "Rules, not a learned model: each strategy computes a target "
                "price, then the guardrails hold it. Win the featured offer: "
                "%(headroom)s%% under Amazon's expected featured price (priced "
                "at it, the offer was lost again within the hour half the time "
                "in the evaluation), else one step under another seller's "
                "featured offer, else under the lowest other price; a featured "
                "offer already ours is never cut. Hold margin: the price of the "
                "target margin, up to just under another seller's featured "
                "offer. Match lowest FBA: the lowest other FBA price. A price "
                "above Amazon's competitive price threshold is said not to win "
                "(Fair Pricing).",
                headroom=format(WIN_HEADROOM_PERCENT, "g"),
            ),
        ),
        (
            _("Limits"),
            _(
                "Floor = cost + Amazon's fees at that price + minimum margin. "
                "Ceiling = the seller's maximum, never above Amazon's Automate "
                "Pricing limit (6 x the recent sales price, or %(usd)s USD in the "
                "marketplace's currency, whichever is higher). Changes under "
                "0.5%% of the price are not suggested. Automatic repricing: at "
                "most the rule's share per day from the day's first price, at "
                "most one change per %(hours)s hour(s), never without Amazon's "
                "fees and the product's cost, stopped by the account's kill "
                "switch.",
                usd=int(AMAZON_LIMIT_USD),
                hours=hours,
            ),
        ),
        (
            _("Data freshness"),
            _(
                "Markets are read every minute within Amazon's usage plan (20 "
                "ASINs per call, one call every 30 seconds): changed offers "
                "first, then markets unread for three hours, then best "
                "sellers, then the longest unread; up to 1,200 ASINs an hour "
                "per account. Fees are read again weekly or when our price "
                "moves."
            ),
        ),
        (
            _("Personal data"),
            _("None: prices and counts of offers only; no buyer data is used."),
        ),
    ]
    limits = [
        _(
            "Amazon's featured offer also weighs delivery speed and seller "
            "performance: a price at the expected featured price is likely, "
            "not certain, to win."
        ),
        _(
            "Competitors' prices are landed prices (price + shipping); our own "
            "offer is compared by its listing price."
        ),
        _(
            "Business prices, quantity discounts and promotions are not taken "
            "into account."
        ),
        _(
            "Prices on amazon.co.uk, .de, .fr and .co.jp include VAT or "
            "consumption tax; the floor and margins are counted on that price "
            "as is (no tax taken out): set the minimum margin high enough to "
            "cover the tax until taxes per marketplace are configured."
        ),
        _(
            "Amazon's fees are one estimate at our price: a minimum referral "
            "fee and tiered referral rates are not modelled; the cap's day is "
            "the UTC day."
        ),
    ]
    return table_card_html(env, rows, limits, "o_amazon_pricing_card")
