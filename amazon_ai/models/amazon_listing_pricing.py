"""Pricing suggestions and automatic repricing on listings.

After each market reading (``_market_read``, inside the connector's recording
unit) every listing with a pricing rule gets a suggestion from
``core.pricing``: the strategy's price held inside the guardrails (floor =
cost + Amazon's fees + minimum margin; ceiling = the seller's maximum, never
above Amazon's Automate Pricing limit). A listing whose rule reprices
automatically, on an account whose kill switch is off, has the suggestion
applied at once within the daily change limit, and the price push cron is
asked to run: the new price reaches Amazon through the one price push.

A price set by pricing (``repriced_price``) replaces the pricelist's price
for that listing until a person sets the listing back to the pricelist.
"""

import math

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..core import pricing
from .amazon_price_suggestion import trigger_push
from .amazon_price_texts import reason_texts


class AmazonListing(models.Model):
    _inherit = "amazon.listing"  # pylint: disable=consider-merging-classes-inherited

    repriced_price = fields.Monetary(
        "Price set by pricing",
        readonly=True,
        copy=False,
        currency_field="market_currency_id",
        help="An accepted suggestion or automatic repricing set this price; it "
        "is pushed instead of the pricelist's until you set the listing back "
        "to the pricelist.",
    )
    price_suggestion_ids = fields.One2many(
        "amazon.price.suggestion", "listing_id", "Price suggestions"
    )
    pending_suggestion_count = fields.Integer(
        "Pending suggestions", compute="_compute_pending_suggestions", store=True
    )
    pricing_floor = fields.Monetary(
        "Floor",
        readonly=True,
        copy=False,
        currency_field="market_currency_id",
        help="Cost + Amazon's fees + minimum margin, at the last market reading.",
    )
    pricing_margin = fields.Monetary(
        "Unit margin",
        readonly=True,
        copy=False,
        currency_field="market_currency_id",
        help="Our price minus cost and Amazon's fees, at the last market reading.",
    )
    below_floor = fields.Boolean(
        readonly=True, copy=False, help="Our price on Amazon is below the floor."
    )
    featured_lost_on = fields.Datetime(
        "Featured offer lost on",
        readonly=True,
        copy=False,
        help="When a market reading first found the featured offer no longer "
        "ours; cleared when it is ours again.",
    )

    pricing_rule_id = fields.Many2one(
        "amazon.pricing.rule",
        "Pricing rule",
        compute="_compute_pricing_rule",
        help="The listing's own rule, else its product category's (or the "
        "nearest parent category's).",
    )
    has_own_pricing_rule = fields.Boolean(compute="_compute_pricing_rule")

    def _compute_pricing_rule(self):
        rules = self.env["amazon.pricing.rule"]._for_listings(self)
        for listing in self:
            rule = rules.get(listing.id, self.env["amazon.pricing.rule"])
            listing.pricing_rule_id = rule
            listing.has_own_pricing_rule = rule.listing_id == listing

    @api.depends("price_suggestion_ids.state")
    def _compute_pending_suggestions(self):
        counts = dict(
            self.env["amazon.price.suggestion"]._read_group(
                [("listing_id", "in", self.ids), ("state", "=", "pending")],
                ["listing_id"],
                ["__count"],
            )
        )
        for listing in self:
            listing.pending_suggestion_count = counts.get(listing, 0)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("repriced_price"):
                self._refuse_repriced(vals.get("sku") or "")
        return super().create(vals_list)

    def write(self, vals):
        if "repriced_price" in vals:
            self._refuse_repriced(", ".join(self.mapped("sku")[:5]))
        return super().write(vals)

    def _refuse_repriced(self, skus):
        """The price pricing set goes to Amazon as is: only the suggestion
        flows (superuser, after their own checks) set it, never a client."""
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "The price set by pricing changes only by accepting a "
                    "suggestion or by automatic repricing (listing %(skus)s).",
                    skus=skus,
                )
            )

    def _offer_values(self):
        price, quantity, notes = super()._offer_values()
        if self.sync_price and self.repriced_price > 0:
            price = self.marketplace_id.currency_id.round(self.repriced_price)
        return price, quantity, notes

    def action_price_from_pricelist(self):
        """Back to the pricelist's price (pushed by the next push)."""
        self.check_access("write")
        for listing in self.filtered("repriced_price"):
            listing.sudo().repriced_price = 0.0
            listing.message_post(
                body=self.env._(
                    "Price back to the pricelist's (pricing's price removed)."
                )
            )
        return True

    def action_accept_price_suggestions(self):
        """Accept the pending suggestion of each selected listing."""
        pending = self.price_suggestion_ids.filtered(
            lambda s: s.state == "pending" and s.suggested_price
        )
        if not pending:
            raise UserError(
                self.env._(
                    "None of the selected listings has a pending price suggestion."
                )
            )
        return pending.action_accept()

    def action_own_pricing_rule(self):
        """Give this listing a rule of its own, a copy of the one it follows
        (its category's) or the defaults, and open it. Created by this click:
        a form left unsaved would be kept by the browser's save on leaving."""
        self.ensure_one()
        Rule = self.env["amazon.pricing.rule"]
        rule = Rule.search([("listing_id", "=", self.id)], limit=1)
        if not rule:
            inherited = Rule._for_listings(self).get(self.id)
            vals = {"listing_id": self.id, "company_id": self.company_id.id}
            if inherited:
                vals.update(
                    {
                        name: inherited[name]
                        for name in (
                            "strategy",
                            "min_margin_percent",
                            "target_margin_percent",
                            "max_price",
                            "auto_reprice",
                            "max_daily_change_percent",
                        )
                    },
                    currency_id=inherited.currency_id.id,
                )
            rule = Rule.create(vals)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Pricing rule of %(sku)s", sku=self.sku),
            "res_model": "amazon.pricing.rule",
            "view_mode": "form",
            "res_id": rule.id,
        }

    def action_price_history(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Price history of %(sku)s", sku=self.sku),
            "res_model": "amazon.price.history",
            "view_mode": "graph,list",
            "domain": [("listing_id", "=", self.id)],
            "context": {"search_default_recent": 1},
        }

    # -- after a market reading ----------------------------------------------------
    def _market_read(self, snapshots):
        result = super()._market_read(snapshots)
        rules = self.env["amazon.pricing.rule"]._for_listings(self)
        by_listing = {s.listing_id.id: s for s in snapshots}
        applied = self.browse()
        for listing in self:
            snapshot = by_listing.get(listing.id)
            if snapshot is None:
                continue
            listing._note_featured(snapshot)
            rule = rules.get(listing.id)
            if rule is None:
                continue
            if listing._suggest_price(snapshot, rule):
                applied |= listing
        if applied:
            trigger_push(self.env)
        return result

    def _note_featured(self, snapshot):
        if snapshot.featured_is_ours:
            self.featured_lost_on = False
        elif not self.featured_lost_on and self._was_featured(snapshot):
            self.featured_lost_on = snapshot.taken_on

    def _was_featured(self, snapshot):
        previous = self.env["amazon.market.snapshot"].search(
            [("listing_id", "=", self.id), ("id", "!=", snapshot.id)],
            order="taken_on desc, id desc",
            limit=1,
        )
        return previous.featured_is_ours

    def _current_price(self, snapshot):
        return snapshot.our_price or self.repriced_price or max(self.pushed_price, 0.0)

    def _has_rate(self, one, other, company):
        """Whether Odoo has a rate for both currencies that are not the
        company's (its own is 1 by definition); without one Odoo converts at
        1, silently."""
        Rate = self.env["res.currency.rate"].sudo()
        for currency in (one, other):
            if currency == company.currency_id:
                continue
            if not Rate.search_count(
                [
                    ("currency_id", "=", currency.id),
                    ("company_id", "in", [company.root_id.id, False]),
                ],
                limit=1,
            ):
                return False
        return True

    def _pricing_inputs(self, snapshot, rule):
        """``(core.Market, core.Rules, notes)`` for this listing; ``notes``
        say what is missing (fees not read yet, no cost)."""
        currency = self.marketplace_id.currency_id
        company = self.company_id
        today = fields.Date.context_today(self)
        notes = []
        for needed in {company.currency_id, rule.currency_id, self.env.ref("base.USD")}:
            if needed != currency and not self._has_rate(needed, currency, company):
                notes.append(
                    self.env._(
                        "No exchange rate between %(from)s and %(to)s in Odoo: "
                        "cost, maximum price and Amazon's limit may be converted "
                        "at 1 (Accounting > Currencies).",
                        **{"from": needed.name, "to": currency.name},
                    )
                )
        cost = self.product_id.standard_price
        if cost:
            cost = company.currency_id._convert(cost, currency, company, today)
        else:
            notes.append(
                self.env._(
                    "%(product)s has no cost in Odoo: the floor counts Amazon's "
                    "fees and the margin only.",
                    product=self.product_id.display_name,
                )
            )
        fees = pricing.Fees()
        if snapshot.fees_total and snapshot.fees_price:
            referral = snapshot.fees_referral
            fees = pricing.Fees(
                fixed=max(snapshot.fees_total - referral, 0.0),
                rate=pricing.referral_rate(
                    referral, snapshot.fees_price, currency.rounding
                ),
                step=currency.rounding,
            )
        else:
            notes.append(
                self.env._(
                    "Amazon's fees are not read yet: the floor counts cost and "
                    "margin only."
                )
            )
        max_price = rule.max_price and rule.currency_id._convert(
            rule.max_price, currency, company, today
        )
        usd = self.env.ref("base.USD")
        limit_minimum = usd._convert(pricing.AMAZON_LIMIT_USD, currency, company, today)
        market = pricing.Market(
            our_price=self._current_price(snapshot),
            featured_price=snapshot.featured_price or None,
            featured_is_ours=snapshot.featured_is_ours,
            expected_featured_price=snapshot.expected_price or None,
            lowest_fba=snapshot.lowest_new_fba or None,
            lowest_price=snapshot.lowest_competitor or None,
            recent_sales_price=snapshot.recent_sales_price or None,
            competitive_threshold=snapshot.competitive_threshold or None,
        )
        rules = pricing.Rules(
            strategy=rule.strategy,
            cost=cost,
            fees=fees,
            min_margin_percent=rule.min_margin_percent,
            max_price=max_price or None,
            amazon_limit_minimum=limit_minimum,
            target_margin_percent=rule.target_margin_percent,
            step=currency.rounding,
            currency=currency.name,
        )
        return market, rules, notes

    def _suggest_price(self, snapshot, rule):
        """One suggestion from this reading (older pending ones are
        superseded); applied at once under automatic repricing. Returns
        whether a new price was applied."""
        self.ensure_one()
        market, rules, notes = self._pricing_inputs(snapshot, rule)
        # Unattended changes need the fees and the cost: without them the
        # floor is not the seller's floor, and a person decides.
        if not market.our_price:
            notes.append(
                self.env._(
                    "Our price on Amazon is not known (no offer in Amazon's "
                    "reading, nothing pushed yet)."
                )
            )
        if not snapshot.expected_status:
            notes.append(
                self.env._("Amazon's expected featured price was not read this time.")
            )
        # Unattended changes need every input: a person decides otherwise.
        automatic = (
            rule.auto_reprice
            and self.account_id.repricing_enabled
            and self.sync_price
            and not notes
        )
        found = pricing.suggest(market, rules)
        if automatic and found.price is not None:
            found = pricing.automatic(
                market,
                rules,
                **self._automatic_state(market.our_price, rule),
                now=fields.Datetime.now(),
                min_interval=pricing.AUTO_MIN_INTERVAL,
            )
        apply = automatic and found.price is not None
        current = market.our_price
        # No price reaches the minimum margin (fees and margin take it all):
        # the floor is infinite, every price is below it.
        impossible = found.floor is not None and not math.isfinite(found.floor)
        floor = 0.0 if impossible else found.floor or 0.0
        self.write(
            {
                "pricing_floor": floor,
                "pricing_margin": pricing.unit_margin(current, rules)
                if current
                else 0.0,
                "below_floor": impossible
                or bool(current and floor and current < floor - 1e-9),
            }
        )
        texts = reason_texts(self.env, found.reasons) + notes
        vals = {
            "listing_id": self.id,
            "snapshot_id": snapshot.id,
            "strategy": rule.strategy,
            "origin": "automatic" if apply else "suggested",
            "state": "pending" if found.price is not None else "kept",
            "current_price": current,
            "suggested_price": found.price or 0.0,
            "reason": "\n".join(texts),
            "wins_featured": {True: "yes", False: "no"}.get(
                found.wins_featured, "unknown"
            ),
            "margin": found.margin or 0.0,
            "margin_percent": found.margin_percent or 0.0,
            "floor": floor,
            "ceiling": found.ceiling or 0.0,
            "limited_by": found.limited_by or False,
        }
        Suggestion = self.env["amazon.price.suggestion"]
        last = Suggestion.search(
            [("listing_id", "=", self.id), ("state", "in", ("pending", "kept"))],
            order="id desc",
            limit=1,
        )
        if not apply and last and last._same_advice(vals):
            # The same advice as the last reading's: refreshed in place, so
            # a listing read every hour does not pile up identical rows.
            last.write(vals)
            return False
        Suggestion.search(
            [("listing_id", "=", self.id), ("state", "=", "pending")]
        ).write({"state": "superseded"})
        suggestion = Suggestion.create(vals)
        if apply:
            suggestion._apply(self.env.ref("base.user_root"))
        return apply

    def _automatic_state(self, current, rule):
        """The day's first price (before the first change of the day, by a
        person or automatic) and the last automatic change's time."""
        start_of_day = fields.Datetime.to_datetime(fields.Date.today())
        Suggestion = self.env["amazon.price.suggestion"]
        applied = [("listing_id", "=", self.id), ("state", "=", "applied")]
        first_today = Suggestion.search(
            [*applied, ("decided_on", ">=", start_of_day)],
            order="decided_on, id",
            limit=1,
        )
        last_automatic = Suggestion.search(
            [*applied, ("origin", "=", "automatic")],
            order="decided_on desc, id desc",
            limit=1,
        )
        return {
            "day_start_price": first_today.current_price or current,
            "max_daily_change_percent": rule.max_daily_change_percent,
            "last_change_at": last_automatic.decided_on or None,
        }
