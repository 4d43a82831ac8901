"""A price suggestion for one listing after one market reading, with its
reason in words and the expected effect (featured offer, margin); and the
record of every price change pricing made (accepted by a person or applied
by automatic repricing), with the same reason.

Suggestions are read-only to everyone over RPC: accepting and rejecting check
the listing's write right and then write as superuser, so who decided and
what was suggested cannot be forged.
"""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.amazon_pii.core.work import BUSY

STATES = [
    ("pending", "Pending"),
    ("applied", "Applied"),
    ("rejected", "Rejected"),
    ("superseded", "Superseded"),
    ("kept", "No change"),
]
EFFECTS = [("yes", "Yes"), ("no", "No"), ("unknown", "Unknown")]


KEEP_MONTHS = 18


class AmazonPriceSuggestion(models.Model):
    _name = "amazon.price.suggestion"
    _description = "Amazon Price Suggestion"
    _order = "write_date desc, id desc"

    listing_id = fields.Many2one(
        "amazon.listing", required=True, ondelete="cascade", index=True, readonly=True
    )
    account_id = fields.Many2one(related="listing_id.account_id", store=True)
    company_id = fields.Many2one(related="listing_id.company_id", store=True)
    product_id = fields.Many2one(related="listing_id.product_id")
    marketplace_id = fields.Many2one(related="listing_id.marketplace_id")
    currency_id = fields.Many2one(related="listing_id.marketplace_id.currency_id")
    snapshot_id = fields.Many2one(
        "amazon.market.snapshot", "Market reading", readonly=True, ondelete="set null"
    )
    strategy = fields.Selection(
        selection=lambda self: (
            self.env["amazon.pricing.rule"]._fields["strategy"].selection
        ),
        readonly=True,
    )
    origin = fields.Selection(
        [("suggested", "Suggested"), ("automatic", "Automatic repricing")],
        required=True,
        default="suggested",
        readonly=True,
    )
    state = fields.Selection(
        STATES, required=True, default="pending", readonly=True, index=True
    )
    current_price = fields.Monetary("Price then", readonly=True)
    suggested_price = fields.Monetary(readonly=True)
    change = fields.Monetary(compute="_compute_change")
    reason = fields.Text(readonly=True)
    wins_featured = fields.Selection(
        EFFECTS, "Featured offer expected", readonly=True, default="unknown"
    )
    margin = fields.Monetary("Unit margin", readonly=True)
    margin_percent = fields.Float("Margin (%)", readonly=True)
    floor = fields.Monetary(readonly=True)
    ceiling = fields.Monetary(readonly=True)
    limited_by = fields.Selection(
        [
            ("floor", "Floor"),
            ("ceiling", "Seller's maximum"),
            ("amazon_limit", "Amazon's Automate Pricing limit"),
            ("daily_cap", "Maximum change per day"),
        ],
        readonly=True,
    )
    decided_by = fields.Many2one("res.users", readonly=True)
    decided_on = fields.Datetime(readonly=True)
    card_html = fields.Html(
        "Model card", related="account_id.pricing_card_html", sanitize=False
    )

    @api.autovacuum
    def _gc_old_suggestions(self):
        """Decided and outdated suggestions older than the market history
        (18 months) go; applied ones are the record of price changes and
        go with them."""
        limit = fields.Datetime.now() - relativedelta(months=KEEP_MONTHS)
        self.sudo().search([("write_date", "<", limit)]).unlink()

    @api.depends("listing_id.sku", "suggested_price", "state")
    def _compute_display_name(self):
        for row in self:
            price = (
                f"{row.currency_id.round(row.suggested_price)} "
                f"{row.currency_id.name or ''}".strip()
                if row.suggested_price
                else self.env._("no change")
            )
            row.display_name = f"{row.listing_id.sku}: {price}"

    def _same_advice(self, vals):
        """Whether ``vals`` (a new reading's suggestion) advise what this one
        does: the same state and price, from the same price."""
        self.ensure_one()
        rounding = self.currency_id.rounding or 0.01
        return (
            self.state == vals["state"]
            and abs(self.suggested_price - vals["suggested_price"]) < rounding / 2
            and abs(self.current_price - vals["current_price"]) < rounding / 2
        )

    def _compute_change(self):
        for row in self:
            row.change = (
                row.suggested_price - row.current_price if row.suggested_price else 0.0
            )

    def action_accept(self):
        """Apply these pending suggestions: the listing's price becomes the
        suggested one, and the price push is asked to send it now.

        Applied in a unit of its own and pushed by the push cron's own
        transaction: pushing from this request would write the listing in
        two transactions at once (this one holding its row), and a push
        from a later transaction sees the new price, this one's snapshot
        would not."""
        pending = self.filtered(lambda s: s.state == "pending" and s.suggested_price)
        if not pending:
            raise UserError(
                self.env._("None of the selected suggestions is pending with a price.")
            )
        pending.listing_id.check_access("write")
        unpushed = pending.listing_id.filtered(lambda lst: not lst.sync_price)
        if unpushed:
            raise UserError(
                self.env._(
                    "%(skus)s do not push their price to Amazon (Push price is "
                    "off on the listing): turn it on to apply a suggested price.",
                    skus=", ".join(unpushed.mapped("sku")),
                )
            )
        stale = pending.filtered(
            lambda s: (
                s.snapshot_id != s.listing_id.market_snapshot_id
                or s.current_price != s.listing_id._current_price(s.snapshot_id)
            )
        )
        if stale:
            raise UserError(
                self.env._(
                    "The market of %(skus)s was read again (or its price changed) "
                    "since these suggestions: read the market now and accept the "
                    "new suggestion.",
                    skus=", ".join(stale.listing_id.mapped("sku")[:10]),
                )
            )
        count = self.env["amazon.work"]._run(
            _accept, pending.ids, rows=[("amazon.listing", pending.listing_id.ids)]
        )
        if count is BUSY:
            raise UserError(
                self.env._(
                    "These listings are being read or pushed right now: try again "
                    "in a moment."
                )
            )
        self.invalidate_recordset()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Prices"),
                "message": self.env._(
                    "%(count)s price(s) applied; the price push sends them to "
                    "Amazon now (a listing's issues say if Amazon refuses one).",
                    count=count,
                ),
                "type": "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_reject(self):
        pending = self.filtered(lambda s: s.state == "pending")
        pending.listing_id.check_access("write")
        pending.sudo().write(
            {
                "state": "rejected",
                "decided_by": self.env.uid,
                "decided_on": fields.Datetime.now(),
            }
        )
        return True

    def _apply(self, user):
        """Set each listing's price to its suggestion (superuser: the caller
        checked the right); record who, when and why in the listing's
        chatter. Returns the listings."""
        now = fields.Datetime.now()
        for suggestion in self:
            listing = suggestion.listing_id
            listing.write({"repriced_price": suggestion.suggested_price})
            suggestion.write(
                {"state": "applied", "decided_by": user.id, "decided_on": now}
            )
            if suggestion.origin == "automatic":
                body = self.env._(
                    "Price %(old)s → %(new)s %(currency)s by automatic repricing: "
                    "%(reason)s",
                    old=suggestion.current_price,
                    new=suggestion.suggested_price,
                    currency=suggestion.currency_id.name,
                    reason=suggestion.reason,
                )
                author = self.env.ref("base.partner_root")
            else:
                body = self.env._(
                    "Price %(old)s → %(new)s %(currency)s, suggestion accepted by "
                    "%(user)s: %(reason)s",
                    old=suggestion.current_price,
                    new=suggestion.suggested_price,
                    currency=suggestion.currency_id.name,
                    user=user.name,
                    reason=suggestion.reason,
                )
                author = user.partner_id
            listing.message_post(body=body, author_id=author.id)
        return self.listing_id


def _accept(env, suggestion_ids):
    """Unit: the person's accepted suggestions applied (those still
    pending: another person may have decided meanwhile), the push cron
    asked to run. Returns how many were applied."""
    suggestions = (
        env["amazon.price.suggestion"]
        .browse(suggestion_ids)
        .filtered(lambda s: s.state == "pending")
    )
    listings = suggestions._apply(env.user)
    trigger_push(env)
    return len(listings)


def trigger_push(env):
    """The price push cron runs soon (in a transaction of its own)."""
    cron = env.ref(
        "amazon_connector.ir_cron_amazon_listing_offers", raise_if_not_found=False
    )
    if cron:
        cron._trigger()
