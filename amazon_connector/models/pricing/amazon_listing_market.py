"""Reading each listing's market from Amazon, within the usage plans.

getCompetitiveSummary and getFeaturedOfferExpectedPriceBatch allow one call
every 30 seconds per seller (0.033/s, burst 1). The sweep cron runs every
minute and makes one call of each kind per account: half the plan, leaving
the rest to a person's "Read market now". One call reads 20 ASINs (and 40
SKUs), so an account's market is read at up to 1,200 ASINs an hour, in this
order: listings whose offers changed (ANY_OFFER_CHANGED, or our own price
push) since their last reading, at most every 15 minutes each; then those
unread for three hours, longest first (none starves behind the best
sellers); then the best sellers of the last 30 days; then the longest
unread. A listing read within the hour whose market did not change waits.
Fees (Product Fees v0) are read again when our price moved or a week has
passed.

Calls are made outside any unit; what Amazon said is written in one unit
(``amazon.work._run``) that also lets ``_market_read`` (amazon_ai's pricing
suggestions) act on the new snapshots.
"""

import logging

from psycopg2 import OperationalError

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.amazon_pii.core.work import BUSY

from ...core import market as core
from ...core.spapi import PermanentError, RetryableError, SPAPIError

_logger = logging.getLogger(__name__)

READABLE = [("on_amazon", "=", True), ("asin", "!=", False)]


class AmazonListing(models.Model):
    _inherit = "amazon.listing"  # pylint: disable=consider-merging-classes-inherited

    market_snapshot_id = fields.Many2one(
        "amazon.market.snapshot",
        "Latest market",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    market_snapshot_ids = fields.One2many(
        "amazon.market.snapshot", "listing_id", "Market history"
    )
    market_changed_on = fields.Datetime(
        readonly=True,
        copy=False,
        help="When Amazon last said the offers on this ASIN changed.",
    )
    market_read_on = fields.Datetime("Market read on", readonly=True, copy=False)
    market_error = fields.Char(readonly=True, copy=False)
    featured_is_ours = fields.Boolean(
        related="market_snapshot_id.featured_is_ours",
        store=True,
        string="Featured offer is ours",
    )
    market_our_price = fields.Monetary(
        related="market_snapshot_id.our_price",
        string="Our price on Amazon",
        currency_field="market_currency_id",
    )
    market_featured_price = fields.Monetary(
        related="market_snapshot_id.featured_price",
        string="Featured offer",
        currency_field="market_currency_id",
    )
    market_lowest_price = fields.Monetary(
        related="market_snapshot_id.lowest_competitor",
        string="Lowest competitor",
        currency_field="market_currency_id",
    )
    market_expected_price = fields.Monetary(
        related="market_snapshot_id.expected_price",
        string="Expected featured price",
        currency_field="market_currency_id",
    )
    market_offer_count = fields.Integer(
        related="market_snapshot_id.offer_count", string="Offers"
    )
    market_currency_id = fields.Many2one(related="marketplace_id.currency_id")

    # -- the sweep ---------------------------------------------------------------
    @api.model
    def _cron_read_market(self):
        accounts = self.env["amazon.account"].search(
            [("active", "=", True), ("sync_listings", "=", True)]
        )
        for account in accounts:
            due = self.with_company(account.company_id)._market_due(account)
            if not due:
                continue
            try:
                due._read_market()
            except (UserError, SPAPIError, OperationalError) as exc:
                # The next account still gets its turn; these listings stay
                # due for the next minute.
                _logger.warning(
                    "Amazon market reading of account %s: %s",
                    account.id,
                    exc
                    if not isinstance(exc, OperationalError)
                    else type(exc).__name__,
                )

    @api.model
    def _market_due(self, account, now=None):
        """The listings the next call should read: at most 20 ASIN and
        marketplace pairs (40 SKUs), in the order the module says."""
        now = now or fields.Datetime.now()
        listings = self.search([("account_id", "=", account.id), *READABLE])
        fresh_since = now - core.MARKET_FRESH
        overdue_since = now - core.MARKET_OVERDUE
        # A changed market is read first, once per few minutes at most: a
        # busy ASIN (or our own pushes) must not take every call.
        changed_since = now - core.MARKET_CHANGED_GAP

        def changed(lst):
            read_on = lst.market_read_on
            return bool(lst.market_changed_on) and (
                not read_on
                or (lst.market_changed_on > read_on and read_on < changed_since)
            )

        def overdue(lst):
            return not lst.market_read_on or lst.market_read_on < overdue_since

        due = listings.filtered(
            lambda lst: (
                changed(lst)
                or not lst.market_read_on
                or lst.market_read_on < fresh_since
            )
        )
        sold = self._units_sold(due.product_id, now - core.SALES_WINDOW, account)
        # Changed, then overdue (longest unread first, so no listing starves
        # behind the best sellers), then best sellers, then the oldest read.
        never = fields.Datetime.to_datetime("1970-01-01")

        def rank(lst):
            read_on = (lst.market_read_on or never).timestamp()
            sales = -sold.get(lst.product_id.id, 0.0)
            late = overdue(lst)
            first, second = (read_on, sales) if late else (sales, read_on)
            return (not changed(lst), not late, first, second, lst.id)

        ordered = due.sorted(rank)
        pairs, chosen = set(), self.browse()
        for listing in ordered:
            pair = (listing.asin, listing.marketplace_id.id)
            if pair not in pairs and len(pairs) == core.SUMMARY_BATCH:
                continue
            if len(chosen) == core.FOEP_BATCH:
                break
            pairs.add(pair)
            chosen |= listing
        return chosen

    @api.model
    def _units_sold(self, products, since, account):
        """``{product id: units}`` confirmed on the account company's sale
        orders since ``since`` (another company's sales are not its own)."""
        if not products:
            return {}
        groups = self.env["sale.order.line"]._read_group(
            [
                ("product_id", "in", products.ids),
                ("state", "=", "sale"),
                ("order_id.date_order", ">=", since),
                ("company_id", "=", account.company_id.id),
            ],
            ["product_id"],
            ["product_uom_qty:sum"],
        )
        return {product.id: qty for product, qty in groups}

    def _read_market(self):
        """Read these listings' market: one competitive summary, one expected
        price batch and, where due, one fee estimate call. Returns the new
        snapshots' ids (committed by their own unit)."""
        account = self.account_id
        account.ensure_one()
        if not self:
            return []
        pairs = list(
            dict.fromkeys((lst.asin, lst.marketplace_id.amazon_id) for lst in self)
        )
        if len(pairs) > core.SUMMARY_BATCH or len(self) > core.FOEP_BATCH:
            raise UserError(
                self.env._(
                    "Amazon reads the market of at most %(asins)s ASINs and "
                    "%(skus)s SKUs per call; %(count)s listings were chosen.",
                    asins=core.SUMMARY_BATCH,
                    skus=core.FOEP_BATCH,
                    count=len(self),
                )
            )
        errors, readings = {}, {}
        with account._client() as client:
            try:
                summaries, refused = core.summary_bodies(
                    client.get_competitive_summary(core.summary_requests(pairs))
                )
            except PermanentError as exc:
                # Amazon refuses the call as such: said on each listing, and
                # tried again after the hour like any other reading. A
                # retryable failure (throttled, Amazon down) propagates: the
                # listings stay due for the next sweep.
                summaries, refused = {}, dict.fromkeys(pairs, str(exc))
            for lst in self:
                key = (lst.asin, lst.marketplace_id.amazon_id)
                if key in refused:
                    errors[lst.id] = refused[key]
                elif key in summaries:
                    readings[lst.id] = core.read_summary(
                        summaries[key], account.seller_id, lst._market_channel()
                    )
            read = self.filtered(lambda lst: lst.id in readings)
            if read:
                read._read_expected_prices(client, readings)
                read._read_fees(client, readings)
        # The listings' rows held: a push settling or a person accepting
        # meanwhile makes this BUSY (the listings stay due) rather than a
        # serialization failure at commit.
        recorded = self.env["amazon.work"]._run(
            _record_market,
            self.ids,
            readings,
            errors,
            fields.Datetime.now(),
            rows=[("amazon.listing", self.ids)],
        )
        return [] if recorded is BUSY else recorded

    def _market_channel(self):
        """Which of our offers on the ASIN is this listing's: "AFN" (FBA),
        "MFN" (merchant), None when it sells both ways."""
        self.ensure_one()
        if self.is_fba != self.is_mfn:
            return "AFN" if self.is_fba else "MFN"
        return None

    def _read_expected_prices(self, client, readings):
        """Amazon's featured offer expected price into ``readings``; without
        it the suggestions fall back on the featured offer's price."""
        try:
            found, _refused = core.foep_bodies(
                client.get_featured_offer_expected_price_batch(
                    core.foep_requests(
                        [(lst.sku, lst.marketplace_id.amazon_id) for lst in self]
                    )
                )
            )
        except SPAPIError as exc:
            _logger.warning(
                "Amazon expected prices of account %s: %s", self.account_id.id, exc
            )
            return
        for lst in self:
            body = found.get((lst.sku, lst.marketplace_id.amazon_id))
            if body is not None:
                core.read_foep(body, readings[lst.id])

    def _read_fees(self, client, readings):
        """Amazon's fee estimate at our price into ``readings``, for the
        listings whose fees are due (at most one call of 20)."""
        due = self._fees_due(readings)[: core.FEES_BATCH]
        if not due:
            return
        entries = [
            (
                lst.sku,
                lst.marketplace_id.amazon_id,
                lst.marketplace_id.currency_id.name,
                price,
                lst.is_fba,
            )
            for lst, price in due
        ]
        try:
            found, _refused = core.read_fees(
                client.get_my_fees_estimates(core.fee_requests(entries))
            )
        except SPAPIError as exc:
            _logger.warning(
                "Amazon fee estimates of account %s: %s", self.account_id.id, exc
            )
            return
        for lst, _price in due:
            fee = found.get((lst.sku, lst.marketplace_id.amazon_id))
            if fee:
                figures = readings[lst.id]
                figures.fees_total, figures.fees_referral, figures.fees_price = fee

    def _fees_due(self, readings):
        """``[(listing, price)]`` whose fees should be estimated again at the
        price Amazon shows: never read, our price moved by more than 1%, or
        read over a week ago."""
        stale = fields.Datetime.now() - core.FEES_FRESH
        due = []
        for lst in self:
            last = lst.market_snapshot_id
            price = readings[lst.id].our_price or max(lst.pushed_price, 0.0)
            if not price:
                continue
            if (
                not last.fees_price
                or abs(price - last.fees_price) > 0.01 * last.fees_price
                or not last.fees_read_on
                or last.fees_read_on < stale
            ):
                due.append((lst, price))
        return due

    def _market_read(self, snapshots):
        """Hook: ``snapshots`` were just recorded for these listings (inside
        the recording unit: no remote call here). amazon_ai suggests prices."""
        return True

    def action_read_market(self):
        """Read the selected listings' market now (the first 20 ASINs and
        40 SKUs of each account: one call of each kind)."""
        listings = self.filtered_domain(READABLE)
        done = 0
        for account, group in listings.grouped("account_id").items():
            chosen, pairs = self.browse(), set()
            for lst in group:
                pair = (lst.asin, lst.marketplace_id.amazon_id)
                if len(chosen) == core.FOEP_BATCH or (
                    pair not in pairs and len(pairs) == core.SUMMARY_BATCH
                ):
                    break
                pairs.add(pair)
                chosen |= lst
            try:
                chosen.with_company(account.company_id)._read_market()
            except RetryableError as exc:
                raise UserError(
                    self.env._(
                        "Amazon could not give the market of %(account)s now "
                        "(%(error)s): try again in a minute.",
                        account=account.name,
                        error=exc,
                    )
                ) from exc
            done += len(chosen)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Market"),
                "message": self.env._(
                    "Read the market of %(done)s of %(count)s listing(s) (Amazon "
                    "allows 20 ASINs per call; listings not on Amazon or without "
                    "an ASIN have no market).",
                    done=done,
                    count=len(self),
                ),
                "type": "success" if done == len(self) else "warning",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }


def _record_market(env, listing_ids, readings, errors, taken_on):
    """Unit: snapshots of what Amazon said (a new one when the market
    changed), errors on the listings it did not answer for, then the
    ``_market_read`` hook with each listing's current snapshot."""
    listings = env["amazon.listing"].browse(listing_ids).exists()
    Snapshot = env["amazon.market.snapshot"]
    read = Snapshot.browse()
    for lst in listings:
        if lst.id in errors:
            lst.write(
                {"market_error": errors[lst.id][:500], "market_read_on": taken_on}
            )
            continue
        figures = readings.get(lst.id)
        if figures is None:
            # Amazon answered this entry "later" (throttled, unavailable):
            # not read, due again at the next sweep.
            continue
        last = lst.market_snapshot_id
        vals = Snapshot._values(lst, figures, taken_on, last)
        if last and last._same_figures(vals):
            # The market as it was: the reading confirms the last snapshot
            # (a stable listing read hourly adds no row for 18 months).
            confirm = {"confirmed_on": taken_on}
            if figures.fees_total is not None:
                confirm["fees_read_on"] = taken_on  # fees read again, the same
            last.write(confirm)
            snapshot = last
        else:
            snapshot = Snapshot.create(vals)
        lst.write(
            {
                "market_snapshot_id": snapshot.id,
                "market_read_on": taken_on,
                "market_error": False,
            }
        )
        read |= snapshot
    listings._market_read(read)
    return read.ids
