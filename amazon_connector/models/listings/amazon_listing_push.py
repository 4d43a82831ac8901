"""Price and stock push: the marketplace pricelist's price and the free
quantity of the account's warehouse (minus a safety buffer) go to Amazon for
listings whose values changed since the last push.

Quantities are merged into the DEFAULT (merchant) channel only: Amazon counts
FBA stock itself, and a SKU sold both ways keeps its FBA value untouched.
"""

import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from ...core import listings as core
from ...core.spapi import SPAPIError

_logger = logging.getLogger(__name__)

PATCH_LIMIT = 20  # more changed listings than this per marketplace: one feed
PUSHABLE = [("on_amazon", "=", True), ("product_id", "!=", False)]


class AmazonListing(models.Model):
    _inherit = "amazon.listing"

    def _offer_values(self):
        """``(price or None, quantity or None, notes)`` Odoo wants on Amazon
        now; ``notes`` say why a value is not what a person would expect."""
        self.ensure_one()
        account, product = self.account_id, self.product_id
        price = quantity = None
        notes = []
        if self.sync_price:
            currency = self.marketplace_id.currency_id
            pricelist = account._pricelist_for(currency)
            price = currency.round(pricelist._get_product_price(product, 1.0))
        if self.sync_stock and self.is_mfn and not product.is_storable:
            # A consumable's free quantity is 0: sending it would end the offer.
            notes.append(
                self.env._(
                    "%(product)s does not track inventory in Odoo: its stock is "
                    "not pushed to Amazon. Make it a storable product (Track "
                    "Inventory) to push its quantity.",
                    product=product.display_name,
                )
            )
        elif self.sync_stock and self.is_mfn:
            stock = product.with_context(warehouse_id=account._stock_warehouses().ids)
            on_hand = stock.qty_available
            # Free to sell: on hand minus what is reserved, and minus every
            # unit owed to orders still to ship even before it is reserved
            # (a delivery waiting for its pick, or for stock to arrive).
            free = min(stock.free_qty, on_hand - stock.outgoing_qty)
            quantity = core.mfn_quantity(free, account.stock_buffer)
            if quantity <= 0 < on_hand:
                notes.append(
                    self.env._(
                        "Amazon is offered 0 although %(on_hand)s unit(s) are on "
                        "hand: %(owed)s owed to deliveries still to ship, "
                        "safety buffer %(buffer)s.",
                        on_hand=on_hand,
                        owed=on_hand - free,
                        buffer=account.stock_buffer,
                    )
                )
        return price, quantity, notes

    def _offer_changes(self):
        """``[(listing, entry)]`` of listings with a price or quantity to push;
        ``entry`` holds the patches and the values they carry. Listings with a
        feed still processing wait for its result."""
        changes = []
        for listing in self:
            if listing._in_open_feed():
                continue
            price, quantity, notes = listing._offer_values()
            problems = [
                core.AmazonIssue(code="", severity="warning", message=note)
                for note in notes
            ]
            if price is not None and price <= 0:
                problems.append(
                    core.AmazonIssue(
                        code="",
                        severity="warning",
                        message=self.env._(
                            "The pricelist gives %(sku)s a price of %(price)s: "
                            "not sent to Amazon.",
                            sku=listing.sku,
                            price=price,
                        ),
                    )
                )
                price = None
            if price is not None and not float_compare(
                price, listing.pushed_price, precision_digits=2
            ):
                price = None
            if quantity is not None and quantity == listing.pushed_quantity:
                quantity = None
            if price is None and quantity is None:
                if problems or listing.issue_ids.filtered(lambda i: i.source == "push"):
                    listing._set_issues("push", problems)
                continue
            patches = core.offer_patches(
                listing.marketplace_id.amazon_id,
                listing.marketplace_id.currency_id.name,
                price=price,
                quantity=quantity,
            )
            entry = {
                "patches": patches,
                "price": price,
                "quantity": quantity,
                "problems": [p.message for p in problems],
            }
            changes.append((listing, entry))
        return changes

    def _offer_result(self, entry, issues, refused):
        """Record Amazon's answer to a price/stock push."""
        self.ensure_one()
        problems = [
            core.AmazonIssue(code="", severity="warning", message=message)
            for message in entry.get("problems") or ()
        ]
        self._set_issues("push", [*problems, *issues])
        item = self._push_item()
        if refused:
            # Values unchanged: tried again on the one retry schedule, the
            # issues say why.
            item._failed(self.env._("Amazon refused the price/stock update."))
            return
        item._succeeded()
        vals = {"pushed_on": fields.Datetime.now()}
        if entry.get("price") is not None:
            vals["pushed_price"] = entry["price"]
            # Our offer changed: the market sweep reads it first, so the
            # featured offer and margin shown follow the new price.
            vals["market_changed_on"] = vals["pushed_on"]
        if entry.get("quantity") is not None:
            vals["pushed_quantity"] = entry["quantity"]
        schema = self.product_type_id.schema or None
        # What Amazon now holds, and the seller's copy, carry the pushed values:
        # a later "Submit" must not patch the old price back.
        vals["attributes"] = core.apply_patches(
            self.attributes or {}, entry["patches"], schema
        )
        vals["submitted_attributes"] = core.apply_patches(
            self.submitted_attributes or {}, entry["patches"], schema
        )
        self.write(vals)
        sent = []
        if entry.get("price") is not None:
            sent.append(self.env._("price %(price)s", price=entry["price"]))
        if entry.get("quantity") is not None:
            sent.append(self.env._("quantity %(qty)s", qty=entry["quantity"]))
        self.message_post(
            body=self.env._("Pushed to Amazon: %(values)s.", values=", ".join(sent))
        )

    @api.model
    def _cron_push_offers(self):
        accounts = self.env["amazon.account"].search(
            [("active", "=", True), ("sync_listings", "=", True)]
        )
        for account in accounts:
            try:
                self.with_company(account.company_id)._push_offers(account)
            except (UserError, SPAPIError) as exc:
                _logger.warning(
                    "Amazon price/stock push of account %s: %s", account.id, exc
                )

    @api.model
    def _push_offers(self, account):
        listings = self.search([("account_id", "=", account.id), *PUSHABLE])
        return (listings - listings._push_waiting())._push_changes()

    def _push_item(self):
        self.ensure_one()
        return self.env["amazon.work.item"]._for("listing_push", self, self.account_id)

    def _push_waiting(self):
        """Listings whose last push failed and whose retry is not due yet, or
        that gave up until a person retries: the cron leaves them alone."""
        items = self.env["amazon.work.item"]._for(
            "listing_push", self, self.account_id, create=False
        )
        now = fields.Datetime.now()
        waiting = items.filtered(
            lambda i: (
                i.state == "gave_up"
                or (i.state in ("retrying", "sending") and i.next_attempt > now)
            )
        )
        return self.browse(waiting.mapped("res_id"))

    def _push_changes(self):
        """Push the changed prices and quantities of these listings: one patch
        each, or one feed per account and marketplace when many changed."""
        pushed = 0
        for account in self.account_id:
            for marketplace in self.marketplace_id:
                changes = self.filtered(
                    lambda lst, acc=account, mp=marketplace: (
                        lst.account_id == acc and lst.marketplace_id == mp
                    )
                )._offer_changes()
                if len(changes) > PATCH_LIMIT:
                    self.env["amazon.listing.feed"]._submit(
                        account,
                        marketplace,
                        [
                            (
                                listing,
                                core.patch_message(
                                    0,
                                    listing.sku,
                                    listing.product_type_id.name or "PRODUCT",
                                    entry["patches"],
                                ),
                                entry,
                            )
                            for listing, entry in changes
                        ],
                        kind="offers",
                    )
                elif changes:
                    with account._client() as client:
                        for listing, entry in changes:
                            listing._patch_offer(client, entry)
                pushed += len(changes)
        # Patches were recorded by their own committed units.
        self.env.invalidate_all()
        return pushed

    def _patch_offer(self, client, entry):
        """One listing's patch through ``amazon.work._send``: the attempt is
        committed before Amazon is called and the answer recorded after, so
        a rollback of the caller can neither lose nor repeat what Amazon
        got. One listing's failure does not stop the others."""
        self.ensure_one()
        listing_id = self.id
        body = {
            "productType": self.product_type_id.name or "PRODUCT",
            "patches": entry["patches"],
        }

        def claim(env):
            listing = env["amazon.listing"].browse(listing_id)
            item = listing._push_item()
            if item.state == "sending" and item.next_attempt > fields.Datetime.now():
                return None  # another worker pushes it right now
            item._claim()
            return {"sku": listing.sku, "marketplace": listing.marketplace_id.amazon_id}

        def call(intent):
            return client.patch_listings_item(
                intent["sku"],
                body,
                marketplace_ids=[intent["marketplace"]],
                included_data=["issues"],
            )

        def settle(env, intent, reply, error):
            listing = env["amazon.listing"].browse(listing_id)
            if error is None:
                issues = [core.amazon_issue(i) for i in reply.get("issues") or ()]
                listing._offer_result(entry, issues, reply.get("status") != "ACCEPTED")
            elif isinstance(error, SPAPIError):
                listing._set_issues(
                    "push",
                    [core.AmazonIssue(code="", severity="error", message=str(error))],
                )
                listing._push_item()._failed(str(error))
            else:
                # Only the type: an unexpected error's text may quote anything.
                _logger.error(
                    "Amazon price/stock push of listing %s crashed: %s",
                    listing_id,
                    type(error).__name__,
                )
                listing._push_item()._failed(type(error).__name__)

        return self.env["amazon.work"]._send(claim, call, settle)

    def action_push_offers(self):
        """Push these listings' price and stock now (changed values only); a
        person pushing starts the retries over. Says what it did."""
        listings = self.filtered_domain(PUSHABLE)
        ids = listings.ids

        def queue(env):
            mine = env["amazon.listing"].browse(ids)
            for account, group in mine.grouped("account_id").items():
                env["amazon.work.item"]._for(
                    "listing_push", group, account, create=False
                )._queue()

        self.env["amazon.work"]._run(queue)
        pushed = listings._push_changes()
        skipped = self - listings
        # The pushes committed in their own transactions: read what they
        # recorded in a fresh one (this request's snapshot predates them).
        warned_ids = self.env["amazon.work"]._run(
            lambda env: (
                env["amazon.listing"]
                .browse(ids)
                .filtered(
                    lambda lst: lst.issue_ids.filtered(lambda i: i.source == "push")
                )
                .ids
            )
        )
        self.invalidate_recordset()
        parts = [
            self.env._(
                "%(pushed)s of %(count)s listing(s) had a new price or quantity "
                "for Amazon.",
                pushed=pushed,
                count=len(listings),
            )
        ]
        if skipped:
            parts.append(
                self.env._(
                    "Not pushed (not on Amazon yet, or without a product): %(skus)s.",
                    skus=", ".join(skipped.mapped("sku")[:20]),
                )
            )
        warned = self.browse(warned_ids)
        if warned:
            parts.append(
                self.env._(
                    "See the issues of %(skus)s.",
                    skus=", ".join(warned.mapped("sku")[:20]),
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Price and stock push"),
                "message": " ".join(parts),
                "type": "warning" if skipped or warned else "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
