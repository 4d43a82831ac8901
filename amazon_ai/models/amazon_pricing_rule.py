"""The seller's pricing guardrails, per listing or per product category.

A listing takes its own rule, else the rule of its product's category or of
the nearest parent category that has one; without a rule it gets no price
suggestion (the Pricing list says so). Money in a rule (the maximum price)
is in the rule's currency and converted into the marketplace's at the day's
rate when used.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..core import pricing

STRATEGIES = [
    ("win", "Win the featured offer"),
    ("margin", "Hold margin"),
    ("lowest_fba", "Match lowest FBA"),
]
assert {key for key, _label in STRATEGIES} == set(pricing.STRATEGIES)


class AmazonPricingRule(models.Model):
    _name = "amazon.pricing.rule"
    _description = "Amazon Pricing Guardrails"
    _inherit = ["mail.thread"]
    _order = "listing_id, categ_id"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    listing_id = fields.Many2one(
        "amazon.listing",
        ondelete="cascade",
        index="btree_not_null",
        check_company=True,
    )
    categ_id = fields.Many2one(
        "product.category",
        "Product category",
        ondelete="cascade",
        index="btree_not_null",
        help="Applies to every listing of the category and its sub-categories "
        "that has no rule of its own.",
    )
    strategy = fields.Selection(STRATEGIES, required=True, default="win", tracking=True)
    min_margin_percent = fields.Float(
        "Minimum margin (%)",
        default=10.0,
        tracking=True,
        help="The floor: no price leaves less than this share of the price "
        "after the product's cost and Amazon's fees.",
    )
    target_margin_percent = fields.Float(
        "Target margin (%)",
        default=25.0,
        tracking=True,
        help='What "Hold margin" aims for.',
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    max_price = fields.Monetary(
        "Maximum price",
        tracking=True,
        help="The seller's ceiling (0: none). Amazon's Automate Pricing limit "
        "(6 times the recent sales price, or 200 USD, whichever is higher) "
        "always applies as well.",
    )
    auto_reprice = fields.Boolean(
        "Reprice automatically",
        tracking=True,
        help="Apply the suggestion by itself after each market reading, within "
        "the guardrails and the daily change limit; every change is recorded "
        "with its reason. The account's kill switch stops it at once.",
    )
    max_daily_change_percent = fields.Float(
        "Maximum change per day (%)",
        default=10.0,
        tracking=True,
        help="Automatic repricing moves the price at most this far from the "
        "day's first price.",
    )

    _sql_constraints = [
        (
            "one_scope",
            "CHECK((listing_id IS NULL) <> (categ_id IS NULL))",
            "A pricing rule applies to a listing or to a product category.",
        ),
        (
            "listing_uniq",
            "unique(listing_id)",
            "A listing has one pricing rule.",
        ),
        (
            "category_uniq",
            "unique(company_id, categ_id)",
            "A product category has one pricing rule per company.",
        ),
    ]

    @api.depends("listing_id", "categ_id", "strategy")
    def _compute_display_name(self):
        labels = dict(self._fields["strategy"]._description_selection(self.env))
        for rule in self:
            scope = rule.listing_id.sku or rule.categ_id.display_name or "?"
            rule.display_name = f"{scope}: {labels.get(rule.strategy, '')}"

    @api.constrains("listing_id", "categ_id")
    def _check_scope(self):
        for rule in self:
            if bool(rule.listing_id) == bool(rule.categ_id):
                raise ValidationError(
                    self.env._(
                        "Pricing rule %(rule)s applies to a listing or to a product "
                        "category: choose exactly one.",
                        rule=rule.display_name,
                    )
                )

    @api.constrains(
        "min_margin_percent",
        "target_margin_percent",
        "max_price",
        "max_daily_change_percent",
    )
    def _check_figures(self):
        for rule in self:
            if not 0 <= rule.min_margin_percent < 100:
                raise ValidationError(
                    self.env._(
                        "Pricing rule %(rule)s: the minimum margin must be between "
                        "0 and 100%%.",
                        rule=rule.display_name,
                    )
                )
            if not 0 <= rule.target_margin_percent < 100:
                raise ValidationError(
                    self.env._(
                        "Pricing rule %(rule)s: the target margin must be between "
                        "0 and 100%%.",
                        rule=rule.display_name,
                    )
                )
            if rule.max_price < 0:
                raise ValidationError(
                    self.env._(
                        "Pricing rule %(rule)s: the maximum price cannot be negative.",
                        rule=rule.display_name,
                    )
                )
            if not 0 < rule.max_daily_change_percent <= 100:
                raise ValidationError(
                    self.env._(
                        "Pricing rule %(rule)s: the maximum change per day must "
                        "be above 0 and at most 100%%.",
                        rule=rule.display_name,
                    )
                )

    @api.model
    def _for_listings(self, listings):
        """``{listing id: rule}``: the listing's own rule, else its product
        category's or the nearest parent category's of the same company."""
        own = self.search([("listing_id", "in", listings.ids)])
        by_listing = {rule.listing_id.id: rule for rule in own}
        categories = listings.product_id.categ_id
        parents = {
            int(part)
            for categ in categories
            for part in (categ.parent_path or "").split("/")
            if part
        }
        category_rules = self.search([("categ_id", "in", list(parents))])
        result = {}
        for listing in listings:
            if listing.id in by_listing:
                result[listing.id] = by_listing[listing.id]
                continue
            chain = [
                int(part)
                for part in (listing.product_id.categ_id.parent_path or "").split("/")
                if part
            ]
            for categ_id in reversed(chain):
                rule = category_rules.filtered(
                    lambda r, c=categ_id, co=listing.company_id: (
                        r.categ_id.id == c and r.company_id == co
                    )
                )[:1]
                if rule:
                    result[listing.id] = rule
                    break
        return result
