"""JSON_LISTINGS_FEED submissions: many listings (or their price and stock)
in one feed document, polled until Amazon has processed it, whose processing
report is mapped back to each listing's issues.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ...core import listings as core
from ...core.spapi import PermanentError, SPAPIError
from ..accounts.amazon_work_item import LEASE_MINUTES

_logger = logging.getLogger(__name__)

# A feed or listing "sending" longer than the work items' lease was
# interrupted (see _recover_sending).
SENDING_LEASE = timedelta(minutes=LEASE_MINUTES)

FEED_STATES = [
    ("SENDING", "Sending"),
    ("IN_QUEUE", "In queue"),
    ("IN_PROGRESS", "In progress"),
    ("DONE", "Done"),
    ("FATAL", "Fatal"),
    ("CANCELLED", "Cancelled"),
]
FINAL = ("DONE", "FATAL", "CANCELLED")


class AmazonListingFeed(models.Model):
    _name = "amazon.listing.feed"
    _description = "Amazon Listings Feed"
    _check_company_auto = True
    _order = "id desc"
    _rec_name = "amazon_feed_id"

    account_id = fields.Many2one(
        "amazon.account", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    marketplace_id = fields.Many2one("amazon.marketplace", required=True)
    kind = fields.Selection(
        [("listings", "Listings"), ("offers", "Price and stock")],
        required=True,
        default="listings",
    )
    amazon_feed_id = fields.Char("Feed ID", readonly=True)
    state = fields.Selection(FEED_STATES, default="IN_QUEUE", readonly=True)
    listing_ids = fields.Many2many("amazon.listing", string="Listings", readonly=True)
    listing_count = fields.Integer(compute="_compute_listing_count")
    messages = fields.Json("Sent messages", readonly=True, prefetch=False)
    message_count = fields.Integer("Messages", readonly=True)
    accepted_count = fields.Integer("Accepted", readonly=True)
    invalid_count = fields.Integer("Invalid", readonly=True)
    error_count = fields.Integer("Errors", readonly=True)
    warning_count = fields.Integer("Warnings", readonly=True)
    report_message = fields.Text("Feed-wide issues", readonly=True)
    finished_on = fields.Datetime(readonly=True)

    @api.depends("listing_ids")
    def _compute_listing_count(self):
        for feed in self:
            feed.listing_count = len(feed.listing_ids)

    # -- sending -------------------------------------------------------------------
    @api.model
    def _submit(self, account, marketplace, entries, kind="listings"):
        """Send one feed through ``amazon.work._send``. ``entries``:
        ``[(listing, message without id, sent)]`` where ``sent`` is what the
        listing holds on Amazon once accepted (attributes of an UPDATE,
        patches of a PATCH, plus pushed values); the listings must be
        committed (they are read in the feed's own transactions).

        The feed is committed as "Sending" with its listings before Amazon is
        called, and Amazon's feed id (or its refusal) recorded after, so a
        rollback of the caller can neither lose a feed Amazon got nor send it
        twice. A refused feed is kept as Fatal (its listings refused, its
        offers pushed again later) and reported as an error."""
        messages, stored = [], []
        for number, (listing, message, sent) in enumerate(entries, start=1):
            messages.append({**message, "messageId": number})
            stored.append({"id": number, "listing": listing.id, **sent})
        listing_ids = [entry[0].id for entry in entries]
        account_id, marketplace_id = account.id, marketplace.id

        def claim(env):
            listings = env["amazon.listing"].browse(listing_ids)
            feed = env["amazon.listing.feed"].create(
                {
                    "account_id": account_id,
                    "marketplace_id": marketplace_id,
                    "kind": kind,
                    "state": "SENDING",
                    "listing_ids": [fields.Command.set(listing_ids)],
                    "messages": stored,
                    "message_count": len(messages),
                }
            )
            if kind == "listings":
                listings.write(
                    {
                        "state": "sending",
                        "feed_id": feed.id,
                        "last_submitted_on": fields.Datetime.now(),
                    }
                )
            else:
                listings.feed_id = feed
            content = core.feed_document(
                feed.account_id.seller_id,
                messages,
                issue_locale=listings[:1].product_type_id.locale,
            )
            return feed.id, content, feed.marketplace_id.amazon_id

        def call(intent):
            _feed_id, content, marketplace_code = intent
            with account._client() as client:
                document = client.create_feed_document(core.FEED_CONTENT_TYPE)
                client.upload_feed_document(
                    document["url"], content, core.FEED_CONTENT_TYPE
                )
                return client.create_feed(
                    core.FEED_TYPE,
                    document["feedDocumentId"],
                    marketplace_ids=[marketplace_code],
                )

        def settle(env, intent, reply, error):
            feed = env["amazon.listing.feed"].browse(intent[0])
            if error is None:
                feed.write({"amazon_feed_id": reply["feedId"], "state": "IN_QUEUE"})
                if kind == "listings":
                    feed.listing_ids.filtered(
                        lambda lst: lst.feed_id == feed
                    ).state = "pending"
                env.ref(
                    "amazon_connector.ir_cron_amazon_listing_feeds"
                ).sudo()._trigger()
                return feed.id, None
            if isinstance(error, SPAPIError | UserError):
                reason = str(error)
            else:
                # Only the type: an unexpected error's text may quote anything.
                _logger.error(
                    "Amazon feed %s could not be sent: %s",
                    feed.id,
                    type(error).__name__,
                )
                reason = type(error).__name__
            message = env._(
                "Amazon did not take the listings feed of %(account)s: %(error)s",
                account=feed.account_id.name,
                error=reason,
            )
            feed.report_message = message
            feed._finish("FATAL", None)
            return feed.id, message

        feed_id, refusal = self.env["amazon.work"]._send(claim, call, settle)
        # Recorded by its own transactions: nothing cached here is current.
        self.env.invalidate_all()
        if refusal:
            raise UserError(refusal)
        return self.browse(feed_id)

    @api.model
    def _recover_sending(self):
        """Feeds left "Sending" past the lease (Odoo stopped between commit
        and Amazon's answer): whether Amazon got them is unknown and Amazon
        cannot be asked (its feeds do not name their input document), so
        they end as Fatal: their listings are refused (a resend of the same
        values is harmless), their price and stock pushed again."""
        stale = self.search(
            [
                ("state", "=", "SENDING"),
                ("create_date", "<", fields.Datetime.now() - SENDING_LEASE),
            ]
        )
        for feed in stale:
            feed.report_message = self.env._(
                "Odoo stopped while sending this feed: Amazon's answer is "
                "unknown. Its listings are marked to be sent again."
            )
            feed._finish("FATAL", None)
        return stale

    # -- polling -------------------------------------------------------------------
    @api.model
    def _cron_poll(self):
        """Poll open feeds, then follow accepted listings until Amazon has
        their ASIN and status."""
        self._recover_sending()
        feeds = self.search([("state", "not in", FINAL + ("SENDING",))], order="id")
        feeds -= feeds._poll_waiting()
        for feed in feeds:
            try:
                with self.env.cr.savepoint():
                    feed.with_company(feed.company_id)._poll()
            except UserError as exc:  # e.g. credentials removed: polled again later
                _logger.info("Amazon feed %s not polled: %s", feed.id, exc)
                feed._poll_item()._failed(str(exc))
        self.env["amazon.listing"]._recover_sending()
        self.env["amazon.listing"]._refresh_pending()

    def action_poll(self):
        for feed in self.filtered(lambda f: f.state not in FINAL + ("SENDING",)):
            feed._poll_item()._queue()
            feed._poll()
        return True

    def _poll_item(self):
        self.ensure_one()
        return self.env["amazon.work.item"]._for("feed", self, self.account_id)

    def _poll_waiting(self):
        """Feeds whose status could not be read lately wait for their retry."""
        items = self.env["amazon.work.item"]._for(
            "feed", self, self.account_id, create=False
        )
        now = fields.Datetime.now()
        waiting = items.filtered(
            lambda i: (
                i.state == "gave_up" or (i.state == "retrying" and i.next_attempt > now)
            )
        )
        return self.browse(waiting.mapped("res_id"))

    def _poll(self):
        self.ensure_one()
        try:
            with self.account_id._client() as client:
                status = client.get_feed(self.amazon_feed_id)
                state = status.get("processingStatus")
                content = None
                if state in ("DONE", "FATAL") and status.get("resultFeedDocumentId"):
                    document = client.get_feed_document(status["resultFeedDocumentId"])
                    content = client.download_feed_document(document)
        except PermanentError as exc:
            # Polling again would fail the same way: the feed is over.
            self.report_message = self.env._(
                "Amazon refused to give this feed's status: %(error)s", error=exc
            )
            self._finish("FATAL", None)
            self._poll_item()._failed(self.report_message, retry=False)
            return
        except SPAPIError as exc:
            # Throttled or unreachable: polled again on the one retry schedule.
            self._poll_item()._failed(str(exc))
            return
        if state not in FINAL:
            self.state = state
            return
        self._finish(state, content)
        self._poll_item()._succeeded()

    def _finish(self, state, content):
        """Map the processing report onto the listings of this feed."""
        try:
            result = core.read_report(content) if content else None
        except ValueError as exc:
            result = None
            self.report_message = str(exc)
        if result is None and state == "DONE":
            # Without its report nothing says what Amazon accepted: the
            # listings are refused (to be sent again), offers pushed again.
            state = "FATAL"
            self.report_message = self.report_message or self.env._(
                "Amazon gave no processing report for this feed."
            )
        by_message = result.by_message if result else {}
        general = result.general if result else []
        Listing = self.env["amazon.listing"]
        for entry in self.messages or ():
            listing = Listing.browse(entry["listing"]).exists()
            if not listing or listing.feed_id != self:
                continue  # deleted, or submitted again since
            issues = by_message.get(entry["id"], [])
            refused = state != "DONE" or any(i.severity == "error" for i in issues)
            if self.kind == "listings":
                listing._set_issues("feed", issues)
                listing.issue_ids.filtered(lambda i: i.source == "amazon").unlink()
                if refused:
                    listing.state = "refused"
                else:
                    attributes = entry.get("attributes") or {}
                    listing.write(
                        {
                            "state": "pending",
                            "on_amazon": True,
                            "submitted_attributes": attributes,
                            **listing._channel_vals(attributes),
                        }
                    )
                    listing._note_asin()
            else:
                listing._offer_result(entry, issues, refused)
        summary = result.summary if result else {}
        self.write(
            {
                "state": state,
                "finished_on": fields.Datetime.now(),
                "accepted_count": summary.get("messagesAccepted", 0),
                "invalid_count": summary.get("messagesInvalid", 0),
                "error_count": summary.get("errors", 0),
                "warning_count": summary.get("warnings", 0),
                "report_message": "\n".join(
                    f"[{i.severity}] {i.code}: {i.message}" for i in general
                )
                or self.report_message
                or False,
            }
        )
        self._alert_people()

    def _alert_people(self):
        """A refused (Fatal) feed raises the account's feed alert, updated by
        every other refused feed; the next feed Amazon accepts closes it."""
        for feed in self:
            account = feed.account_id
            if feed.state == "DONE":
                account._alert_resolved(
                    "feed", self.env._("Amazon accepted a listings feed again.")
                )
            elif feed.state == "FATAL":
                account._alert(
                    "feed",
                    self.env._("Amazon refused a listings feed"),
                    self.env._(
                        "Amazon did not process a listings feed of %(account)s "
                        "(%(kind)s, %(count)s listing(s)): %(reason)s\n"
                        "Its listings are marked refused (or their price and "
                        "stock will be pushed again). Open the feed under "
                        "Amazon > Listings to read Amazon's issues, correct "
                        "the listings and send them again.",
                        account=account.name,
                        kind=dict(
                            self._fields["kind"]._description_selection(self.env)
                        )[feed.kind],
                        count=len(feed.listing_ids),
                        reason=feed.report_message
                        or self.env._("Amazon gave no reason"),
                    ),
                )

    def action_view_listings(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_listings"
        )
        action["domain"] = [("id", "in", self.listing_ids.ids)]
        return action
