"""What Amazon's notifications did: one row per notification received
(issue 22).

A row holds what the connector read from the message (its type, the
seller, the order, SKU or ASIN it is about), never the message itself: an
ORDER_CHANGE carries the buyer's postal code. The row is the
deduplication key (Amazon's NotificationId: SQS delivers at least once and
Amazon may publish twice), the record of its effect, and, when acting
failed, the document of its retry state (``amazon.work.item`` kind
"notification"): "Retry now" acts again from the row, the message being
gone from the queue once the row was parked.
"""

from collections import Counter

from odoo import api, fields, models

from odoo.addons.amazon_pii.core.work import BUSY

from ...core import notifications
from ..listings.amazon_listing import INCLUDED as LISTING_DATA

STATES = [
    ("received", "Received"),
    ("done", "Done"),
    ("retrying", "Failed, will retry"),
    ("parked", "Parked"),
    ("ignored", "Ignored"),
]
# What a seller reads for each of Amazon's notification types.
TYPE_SELECTION = [
    ("ORDER_CHANGE", "Order changes"),
    ("ANY_OFFER_CHANGED", "Offer changes"),
    ("FBA_INVENTORY_AVAILABILITY_CHANGES", "FBA stock changes"),
    ("LISTINGS_ITEM_STATUS_CHANGE", "Listing status changes"),
    ("LISTINGS_ITEM_ISSUES_CHANGE", "Listing issue changes"),
    ("REPORT_PROCESSING_FINISHED", "Reports finished"),
]
assert {key for key, _label in TYPE_SELECTION} == set(notifications.TYPES)


def _refresh_listing(env, listing_id):
    """Unit: one listing read back from Amazon."""
    env["amazon.listing"].browse(listing_id)._refresh_one(LISTING_DATA)


def _ask_fba_read(env):
    """Unit: the FBA stock cron runs soon (several events, one read)."""
    cron = env.ref(
        "amazon_connector.ir_cron_amazon_fba_stock", raise_if_not_found=False
    )
    if cron:
        cron._trigger()


def _mark_market_changed(env, account_id, asin, marketplace_codes, changed_on):
    """Unit: the ASIN's listings are due for a market reading, and the
    sweep runs soon."""
    domain = [("account_id", "=", account_id), ("asin", "=", asin)]
    if marketplace_codes:
        domain.append(("marketplace_id.amazon_id", "in", marketplace_codes))
    listings = env["amazon.listing"].search(domain)
    # Notifications arrive late and out of order: a mark only moves forward.
    listings.filtered(
        lambda lst: not lst.market_changed_on or lst.market_changed_on < changed_on
    ).write({"market_changed_on": changed_on})
    cron = env.ref("amazon_connector.ir_cron_amazon_market", raise_if_not_found=False)
    if cron and listings:
        cron._trigger()
    return len(listings)


class AmazonNotification(models.Model):
    _name = "amazon.notification"
    _description = "Amazon Notification"
    _order = "received_on desc, id desc"

    notification_id = fields.Char(
        "Notification ID", required=True, readonly=True, index=True
    )
    message_id = fields.Char("SQS message ID", readonly=True)
    type = fields.Selection(TYPE_SELECTION, readonly=True, index=True)
    account_id = fields.Many2one(
        "amazon.account", readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    seller_id = fields.Char(readonly=True)
    subject = fields.Char(
        "About", readonly=True, help="The Amazon order, SKU, ASIN or report."
    )
    order_id = fields.Char("Amazon order", readonly=True)
    fulfilled_by = fields.Char(readonly=True)
    sku = fields.Char("SKU", readonly=True)
    asin = fields.Char("ASIN", readonly=True)
    marketplace_codes = fields.Char("Marketplaces", readonly=True)
    event_time = fields.Datetime(readonly=True, help="When it changed at Amazon.")
    publish_time = fields.Datetime(readonly=True, help="When Amazon sent it.")
    received_on = fields.Datetime(
        readonly=True, default=fields.Datetime.now, required=True
    )
    handled_on = fields.Datetime(readonly=True)
    state = fields.Selection(
        STATES, "Status", default="received", required=True, readonly=True
    )
    reason = fields.Text(readonly=True)
    duplicates = fields.Integer(
        readonly=True, help="Deliveries of the same notification after the first."
    )

    _sql_constraints = [
        (
            "notification_uniq",
            "unique(notification_id)",
            "One row per Amazon notification.",
        ),
    ]

    @api.depends("type", "subject", "notification_id")
    def _compute_display_name(self):
        labels = dict(self._fields["type"]._description_selection(self.env))
        for row in self:
            kind = labels.get(row.type) or self.env._("Unreadable message")
            row.display_name = f"{kind}: {row.subject or row.notification_id}"

    @api.model
    def _vals_from(self, note, message_id):
        return {
            "notification_id": note.notification_id,
            "message_id": message_id,
            "type": note.type,
            "seller_id": note.seller_id,
            "subject": note.subject[:200],
            "order_id": note.order_id or False,
            "fulfilled_by": note.fulfilled_by or False,
            "sku": note.sku or False,
            "asin": note.asin or False,
            "marketplace_codes": ",".join(note.marketplace_ids) or False,
            "event_time": note.event_time,
            "publish_time": note.publish_time,
        }

    def _marketplace_codes(self):
        self.ensure_one()
        return [c for c in (self.marketplace_codes or "").split(",") if c]

    def _work_item(self, create=True):
        return self.env["amazon.work.item"]._for(
            "notification", self, self.account_id, create=create
        )

    # -- acting ------------------------------------------------------------------
    def _act(self):
        """Do what the notification asks, each effect committed in a unit of
        its own; the text to keep on the row, or BUSY (a lock is held: the
        message comes back). Failures raise."""
        self.ensure_one()
        act = {
            "ORDER_CHANGE": self._act_order,
            "LISTINGS_ITEM_STATUS_CHANGE": self._act_listing,
            "LISTINGS_ITEM_ISSUES_CHANGE": self._act_listing,
            "FBA_INVENTORY_AVAILABILITY_CHANGES": self._act_fba_stock,
            "ANY_OFFER_CHANGED": self._act_offers,
        }.get(self.type)
        if act is None:
            return self.env._(
                "Recorded: the connector does not act on %(type)s yet.", type=self.type
            )
        return act()

    def _act_order(self):
        """getOrder and the order import: the order as Amazon has it now."""
        account = self.account_id
        counters = Counter()
        with account._client() as client:
            self.env["amazon.order.sync"]._fetch_and_import(
                account, client, [(self.order_id, self.fulfilled_by or None)], counters
            )
        if counters["busy"]:
            return BUSY
        if counters["failed"]:
            return self.env._(
                "Order %(order)s could not be imported: it is parked with the "
                "reason (Amazon > Parked orders).",
                order=self.order_id,
            )
        return self.env._("Order %(order)s read from Amazon.", order=self.order_id)

    def _act_listing(self):
        """That SKU's listings read back from Amazon (status, issues)."""
        listings = (
            self.env["amazon.listing"]
            .sudo()
            .search(
                [
                    ("account_id", "=", self.account_id.id),
                    ("sku", "=", self.sku),
                    ("marketplace_id.amazon_id", "in", self._marketplace_codes()),
                ]
            )
        )
        if not listings:
            return self.env._(
                "No listing of SKU %(sku)s in Odoo: nothing to refresh.", sku=self.sku
            )
        work = self.env["amazon.work"]
        for listing in listings:
            if listing._in_flight():
                continue  # its submission or feed report settles it
            if work._run(_refresh_listing, listing.id) is BUSY:
                return BUSY
        return self.env._("Listing %(sku)s refreshed from Amazon.", sku=self.sku)

    def _act_offers(self):
        """The offers on an ASIN changed: its listings' market is read first
        by the next sweep (the sweep keeps Amazon's usage plan)."""
        changed_on = self.event_time or fields.Datetime.now()
        count = self.env["amazon.work"]._run(
            _mark_market_changed,
            self.account_id.id,
            self.asin,
            self._marketplace_codes(),
            changed_on,
        )
        if not count:
            return self.env._(
                "No listing of ASIN %(asin)s in Odoo: nothing to read.", asin=self.asin
            )
        return self.env._(
            "Offers on ASIN %(asin)s changed: the market of %(count)s listing(s) "
            "is read first by the next sweep.",
            asin=self.asin,
            count=count,
        )

    def _act_fba_stock(self):
        """The account's FBA stock is read again soon (one read for many
        events: Amazon reads FBA stock per account, not per SKU)."""
        self.env["amazon.work"]._run(_ask_fba_read)
        return self.env._(
            "FBA stock of %(sku)s changed: the account's FBA stock is read again.",
            sku=self.sku,
        )
