"""Amazon listings: one per account, marketplace and SKU, linked to a product
variant, edited in Odoo, checked against the product type's schema locally
and by Amazon's VALIDATION_PREVIEW, then put or patched.
"""

import json
import logging
from dataclasses import dataclass

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.amazon_pii.core.work import BUSY

from ...core import listing_requirements, ptd_definitions
from ...core import listings as core
from ...core.ptd_messages import ERROR
from ...core.spapi import SPAPIError
from .amazon_listing_feed import FINAL, SENDING_LEASE

_logger = logging.getLogger(__name__)

STATES = [
    ("draft", "Draft"),
    ("invalid", "Invalid"),
    ("valid", "Valid"),
    ("sending", "Sending to Amazon"),
    ("pending", "Sent to Amazon"),
    ("listed", "On Amazon"),
    ("refused", "Refused by Amazon"),
]


@dataclass(frozen=True)
class Recorded:
    """What a work of ``_each`` returns for a failure its own committed
    transaction recorded on the listing already."""

    message: str


INCLUDED = ["summaries", "attributes", "issues", "offers", "fulfillmentAvailability"]


class AmazonListing(models.Model):
    _name = "amazon.listing"
    _description = "Amazon Listing"
    _inherit = ["mail.thread"]
    _check_company_auto = True
    _order = "sku, marketplace_id"
    _rec_name = "sku"

    account_id = fields.Many2one(
        "amazon.account", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    marketplace_id = fields.Many2one(
        "amazon.marketplace",
        required=True,
        domain="[('id', 'in', allowed_marketplace_ids)]",
    )
    allowed_marketplace_ids = fields.Many2many(related="account_id.marketplace_ids")
    sku = fields.Char("SKU", required=True, tracking=True)
    # The one SKU-to-product binding is the account's amazon.offer: orders
    # and listings of a SKU read (and write) the same product through it.
    offer_id = fields.Many2one(
        "amazon.offer", "SKU mapping", readonly=True, index=True, ondelete="restrict"
    )
    product_id = fields.Many2one(
        related="offer_id.product_id",
        readonly=False,
        store=True,
        check_company=True,
        tracking=True,
    )
    product_type_id = fields.Many2one(
        "amazon.product.type", "Product type", tracking=True, ondelete="restrict"
    )
    requirements = fields.Selection(related="product_type_id.requirements")
    attributes = fields.Json(copy=False, default=dict)
    attributes_text = fields.Text(
        "Attributes (JSON)",
        compute="_compute_attributes_text",
        inverse="_inverse_attributes_text",
    )
    submitted_attributes = fields.Json(
        copy=False,
        readonly=True,
        help="What Amazon holds since the last submission or import.",
    )
    asin = fields.Char("ASIN", readonly=True, copy=False)
    on_amazon = fields.Boolean(
        readonly=True,
        copy=False,
        help="Amazon holds this SKU (accepted submission or import): changes "
        "are sent as patches and price and stock are pushed.",
    )
    state = fields.Selection(
        STATES, default="draft", required=True, tracking=True, copy=False
    )
    amazon_status = fields.Char(
        "Amazon status", readonly=True, copy=False, help="BUYABLE, DISCOVERABLE..."
    )
    channels = fields.Char(
        "Fulfillment channels",
        readonly=True,
        copy=False,
        help="DEFAULT: merchant-fulfilled; AMAZON_NA, AMAZON_EU...: FBA.",
    )
    is_mfn = fields.Boolean("Merchant-fulfilled", compute="_compute_channels")
    is_fba = fields.Boolean("Fulfilled by Amazon", compute="_compute_channels")
    issue_ids = fields.One2many("amazon.listing.issue", "listing_id", "Issues")
    error_count = fields.Integer(compute="_compute_issue_counts")
    warning_count = fields.Integer(compute="_compute_issue_counts")
    last_submission_id = fields.Char(readonly=True, copy=False)
    last_submitted_on = fields.Datetime(readonly=True, copy=False)
    status_checked_on = fields.Datetime(
        "Read from Amazon on", readonly=True, copy=False
    )
    feed_id = fields.Many2one(
        "amazon.listing.feed", "Last feed", readonly=True, copy=False
    )
    requirements_html = fields.Html(
        "Required attributes", compute="_compute_requirements_html", sanitize=False
    )
    sync_price = fields.Boolean("Push price", default=True)
    sync_stock = fields.Boolean("Push stock", default=True)
    # -1: never pushed (a quantity of 0 is a real value to compare with).
    pushed_price = fields.Float(
        readonly=True, copy=False, default=-1, digits="Product Price"
    )
    pushed_quantity = fields.Integer(readonly=True, copy=False, default=-1)
    pushed_on = fields.Datetime(readonly=True, copy=False)

    _sql_constraints = [
        (
            "sku_uniq",
            "unique(account_id, marketplace_id, sku)",
            "A SKU is listed once per account and marketplace.",
        ),
    ]

    # -- computes ------------------------------------------------------------------
    @api.depends("attributes")
    def _compute_attributes_text(self):
        for listing in self:
            listing.attributes_text = json.dumps(
                listing.attributes or {}, indent=2, ensure_ascii=False, sort_keys=True
            )

    def _inverse_attributes_text(self):
        for listing in self:
            try:
                value = json.loads(listing.attributes_text or "{}")
            except ValueError as exc:
                raise ValidationError(
                    self.env._(
                        "The attributes of listing %(sku)s are not valid JSON: "
                        "%(error)s",
                        sku=listing.sku,
                        error=exc,
                    )
                ) from exc
            if not isinstance(value, dict) or not all(
                isinstance(v, list) for v in value.values()
            ):
                raise ValidationError(
                    self.env._(
                        "The attributes of listing %(sku)s must be an object whose "
                        "values are lists, as Amazon expects.",
                        sku=listing.sku,
                    )
                )
            listing.attributes = value

    @api.depends("channels")
    def _compute_channels(self):
        for listing in self:
            codes = set((listing.channels or "").split(",")) - {""}
            # Unknown channels are not merchant-fulfilled: a DEFAULT quantity
            # sent to an FBA SKU would turn it merchant-fulfilled.
            listing.is_mfn = core.DEFAULT_CHANNEL in codes
            listing.is_fba = bool(codes - {core.DEFAULT_CHANNEL})

    @api.depends("issue_ids.severity")
    def _compute_issue_counts(self):
        for listing in self:
            severities = listing.issue_ids.mapped("severity")
            listing.error_count = severities.count("error")
            listing.warning_count = severities.count("warning")

    @api.depends(
        "product_type_id",
        "attributes",
        "submitted_attributes",
        "on_amazon",
        "amazon_status",
        "issue_ids.attribute",
        "issue_ids.source",
    )
    def _compute_requirements_html(self):
        words = {
            listing_requirements.FILLED: self.env._("Filled"),
            # Amazon sells it: its catalog item supplies what the seller's
            # listing item lacks (core/listing_requirements.py).
            listing_requirements.ON_AMAZON: self.env._("On Amazon"),
            listing_requirements.MISSING: self.env._("Missing"),
        }
        for listing in self:
            if not listing.product_type_id.schema:
                listing.requirements_html = False
                continue
            live = listing_requirements.is_live(
                listing.on_amazon, listing.amazon_status
            )
            flagged = listing._amazon_flagged()
            rows = []
            for name, title, dep in listing.product_type_id._requirements():
                state = listing_requirements.requirement_state(
                    name,
                    listing.attributes,
                    listing.submitted_attributes,
                    live,
                    flagged,
                )
                danger = state == listing_requirements.MISSING and not dep
                rows.append(
                    Markup(
                        "<tr class='%s'><td>%s</td><td><code>%s</code></td>"
                        "<td>%s</td><td>%s</td></tr>"
                    )
                    % (
                        "table-danger" if danger else "",
                        title,
                        name,
                        ", ".join(dep) if dep else self.env._("Always"),
                        words[state],
                    )
                )
            rows = Markup("").join(rows)
            listing.requirements_html = Markup(
                "<table class='table table-sm o_amazon_requirements'><thead><tr>"
                "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead>"
                "<tbody>%s</tbody></table>"
            ) % (
                self.env._("Attribute"),
                self.env._("Name"),
                self.env._("Required when"),
                self.env._("In this listing"),
                rows,
            )

    # -- helpers -------------------------------------------------------------------
    def _language_tag(self):
        return ptd_definitions.language_tag(self.marketplace_id.code)

    def _schema(self):
        return self.product_type_id.schema or {}

    def _set_issues(self, source, issues):
        """Replace the issues of ``source`` (local, amazon, feed) by ``issues``."""
        self.ensure_one()
        self.issue_ids.filtered(lambda i: i.source == source).unlink()
        self.env["amazon.listing.issue"].create(
            [
                {
                    "listing_id": self.id,
                    "source": source,
                    "severity": issue.severity,
                    # Local issues name the schema keyword, Amazon's a code.
                    "code": getattr(issue, "code", None)
                    or getattr(issue, "keyword", ""),
                    "message": issue.message,
                    "attribute": issue.attribute,
                    "path": getattr(issue, "path", None) or False,
                }
                for issue in issues
            ]
        )

    def _require_type(self):
        missing = self.filtered(lambda listing: not listing.product_type_id)
        if missing:
            raise UserError(
                self.env._(
                    "Choose a product type for listing(s) %(skus)s first.",
                    skus=", ".join(missing.mapped("sku")),
                )
            )

    def _validate_locally(self):
        """Run the product type's validator; True when no error was found."""
        issues = self._local_issues()
        self._set_issues("local", issues)
        return not any(issue.severity == ERROR for issue in issues)

    def _local_issues(self):
        """The product type's validator's findings, not stored."""
        self.ensure_one()
        validator = self.product_type_id._validator()
        issues = validator.validate(
            self.attributes or {}, existing=self.submitted_attributes or None
        )
        return listing_requirements.without_supplied(
            issues,
            self.attributes,
            self.submitted_attributes,
            listing_requirements.is_live(self.on_amazon, self.amazon_status),
            self._amazon_flagged(),
        )

    def _amazon_flagged(self):
        """Attributes Amazon's own issues (submission, refresh, feed) name."""
        return set(
            self.issue_ids.filtered(lambda i: i.source != "local").mapped("attribute")
        )

    def _uses_patch(self):
        """Patch when Amazon already holds this SKU."""
        return self.on_amazon and bool(self.submitted_attributes)

    def _amazon_state(self):
        """The state of Amazon's copy: processed when Amazon was read after
        the last submission."""
        checked, sent = self.status_checked_on, self.last_submitted_on
        return "listed" if checked and (not sent or checked >= sent) else "pending"

    def _body(self):
        if self._uses_patch():
            return {
                "productType": self.product_type_id.name,
                "patches": core.diff_patches(
                    self.submitted_attributes or {},
                    self.attributes or {},
                    self._schema(),
                ),
            }
        return {
            "productType": self.product_type_id.name,
            "requirements": self.requirements or "LISTING",
            "attributes": self.attributes or {},
        }

    def _feed_message(self):
        """This listing's JSON_LISTINGS_FEED message (its id is set by the feed)."""
        body = self._body()
        if "patches" in body:
            return core.patch_message(0, self.sku, body["productType"], body["patches"])
        return core.update_message(
            0, self.sku, body["productType"], body["attributes"], body["requirements"]
        )

    def _request(self, preview):
        """putListingsItem or patchListingsItem, as a call on a client:
        ``request(client)`` returns the submission response. Built from this
        listing's values now, so it can run after this transaction's end."""
        body = self._body()
        sku = self.sku
        query = {
            "marketplace_ids": [self.marketplace_id.amazon_id],
            "included_data": ["issues", "identifiers"],
            "issue_locale": self.product_type_id.locale,
        }
        if preview:
            query["mode"] = "VALIDATION_PREVIEW"
        if "patches" in body:
            return lambda client: client.patch_listings_item(sku, body, **query)
        return lambda client: client.put_listings_item(sku, body, **query)

    def _amazon_failure(self, exc):
        raise UserError(
            self.env._(
                "Amazon could not process listing %(sku)s: %(error)s",
                sku=self.sku,
                error=exc,
            )
        ) from exc

    # -- actions -------------------------------------------------------------------
    def _each(self, work, verb, posted=()):
        """Run ``work(listing)`` for each listing in a savepoint: a listing
        that fails keeps the reason as an issue and the others go on (for a
        single listing the error is shown at once). ``work`` returns what
        happened to the listing (a key of ``_outcome_texts``); each listing's
        chatter says it (``posted``: outcomes the work wrote there itself) and
        a notification sums it up, then the view reloads, so no click does
        nothing silently."""
        failed = self.browse()
        outcomes = {}
        for listing in self:
            try:
                with self.env.cr.savepoint():
                    outcome = work(listing)
            except SPAPIError as exc:
                if len(self) == 1:
                    listing._amazon_failure(exc)
                failed |= listing._failed(str(exc))
                continue
            except UserError as exc:
                if len(self) == 1:
                    raise
                failed |= listing._failed(str(exc))
                continue
            if isinstance(outcome, Recorded):
                # Failed, and already recorded by the work's own committed
                # transaction: said, not written again (nor rolled back).
                if len(self) == 1:
                    raise UserError(outcome.message)
                failed |= listing
                continue
            outcomes.setdefault(outcome, self.browse())
            outcomes[outcome] |= listing
            if outcome and outcome not in posted:
                listing.message_post(body=self._outcome_texts()[outcome])
        parts = [
            f"{self._outcome_texts()[outcome]} ({len(group)}: "
            f"{', '.join(group.mapped('sku')[:10])})"
            for outcome, group in outcomes.items()
            if outcome
        ]
        if failed:
            parts.append(
                self.env._(
                    "%(count)s of %(total)s listings could not be processed: "
                    "%(skus)s. Their issues say why.",
                    count=len(failed),
                    total=len(self),
                    skus=", ".join(failed.mapped("sku")[:20]),
                )
            )
        bad = failed or outcomes.get("invalid") or outcomes.get("refused")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Some listings failed") if failed else verb,
                "message": "\n".join(parts) or self.env._("Nothing to do."),
                "type": "warning" if bad else "success",
                "sticky": bool(bad),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _outcome_texts(self):
        return {
            "invalid": self.env._("Not sent: the listing has errors (see its issues)."),
            "unchanged": self.env._(
                "Nothing sent: Amazon already has these attributes."
            ),
            "valid": self.env._("Amazon's preview found no error."),
            "refused": self.env._("Amazon refused it (see its issues)."),
            "sent": self.env._("Sent to Amazon; it processes the change."),
            "refreshed": self.env._("Read back from Amazon."),
        }

    def _failed(self, message):
        self._set_issues(
            "amazon", [core.AmazonIssue(code="", severity="error", message=message)]
        )
        return self

    def _has_changes(self):
        return not self._uses_patch() or bool(self._body()["patches"])

    def action_validate(self):
        """Local schema check first; only a clean listing goes to Amazon's
        VALIDATION_PREVIEW, whose issues are stored beside the local ones."""
        self._require_type()
        return self._each(
            lambda listing: listing._validate_one(), self.env._("Validation")
        )

    def _in_open_feed(self):
        """Whether a feed holding this listing is not processed yet (its
        report decides the listing's state: nothing else may change it)."""
        self.ensure_one()
        return bool(self.feed_id) and self.feed_id.state not in FINAL

    def _in_flight(self):
        """Whether Amazon is being sent this listing right now: its own
        submission claimed it, or a feed holding it is still processed."""
        self.ensure_one()
        return self.state == "sending" or self._in_open_feed()

    def _check_no_feed(self):
        if self._in_open_feed():
            raise UserError(
                self.env._(
                    "Listing %(sku)s is in feed %(feed)s, which Amazon is still "
                    "processing: wait for its report.",
                    sku=self.sku,
                    feed=self.feed_id.amazon_feed_id or self.env._("(being sent)"),
                )
            )

    def _validate_one(self):
        self._check_no_feed()
        self.issue_ids.filtered(lambda i: i.source == "amazon").unlink()
        if not self._validate_locally():
            self._mark_invalid()
            return "invalid"
        if not self._has_changes():
            self.state = self._amazon_state()  # same as Amazon's copy
            return "unchanged"
        with self.account_id._client() as client:
            reply = self._request(preview=True)(client)
        issues = [core.amazon_issue(i) for i in reply.get("issues") or ()]
        self._set_issues("amazon", issues)
        valid = reply.get("status") == "VALID" and not any(
            i.severity == "error" for i in issues
        )
        if valid:
            self.state = "valid"
        else:
            self._mark_invalid()
        return "valid" if valid else "invalid"

    def _mark_invalid(self):
        """A listing Amazon does not hold yet becomes "invalid"; a live one
        keeps its Amazon state: only the draft of its change has errors, and
        its issues say so (the live offer is untouched)."""
        self.state = self._amazon_state() if self.on_amazon else "invalid"

    def action_submit(self):
        """Validate locally, then put (new listing) or patch (only changed
        top-level attributes, deletes by selectors) each listing."""
        self._require_type()
        return self._each(
            lambda listing: listing._submit_one(),
            self.env._("Submitted"),
            posted=("sent", "refused"),
        )

    def _submit_one(self):
        """Send this listing through ``amazon.work._send``: "sending" is
        committed before Amazon is called and its answer is recorded after,
        with this listing's local issues and chatter, so neither a rollback
        of this request nor a retry of it can lose or repeat what Amazon got.
        This request writes nothing on the listing once it is sent."""
        self._check_no_feed()
        self._check_not_sending()
        issues = self._local_issues()
        if any(issue.severity == ERROR for issue in issues):
            self._set_issues("local", issues)
            self._mark_invalid()
            return "invalid"
        if not self._has_changes():
            self._set_issues("local", issues)
            self.state = self._amazon_state()  # nothing to send
            return "unchanged"
        request = self._request(preview=False)
        account, listing_id = self.account_id, self.id
        texts = self._outcome_texts()

        def claim(env):
            listing = env["amazon.listing"].browse(listing_id)
            if listing.state == "sending":
                return None  # another request sends it right now
            listing._set_issues("local", issues)
            previous = {
                "state": listing.state,
                "last_submitted_on": listing.last_submitted_on,
            }
            listing.write(
                {"state": "sending", "last_submitted_on": fields.Datetime.now()}
            )
            return previous

        def call(_previous):
            with account._client() as client:
                return request(client)

        def settle(env, previous, reply, error):
            listing = env["amazon.listing"].browse(listing_id)
            if error is None:
                listing._accept_reply(reply)
                outcome = "sent" if listing.state == "pending" else "refused"
                listing.message_post(body=texts[outcome])
                return outcome
            listing.write(previous)
            if isinstance(error, SPAPIError):
                message = env._(
                    "Amazon could not process listing %(sku)s: %(error)s",
                    sku=listing.sku,
                    error=error,
                )
            else:
                message = error.args[0] if isinstance(error, UserError) else None
            if message is None:
                # Only the type: an unexpected error's text may quote anything.
                _logger.error(
                    "Amazon submission of listing %s crashed: %s",
                    listing_id,
                    type(error).__name__,
                )
                message = env._(
                    "Listing %(sku)s could not be sent (%(error)s).",
                    sku=listing.sku,
                    error=type(error).__name__,
                )
            listing._failed(message)
            return ("failed", message)

        outcome = self.env["amazon.work"]._send(claim, call, settle)
        # Recorded by its own transactions: nothing cached here is current.
        self.env.invalidate_all()
        if outcome is None or outcome is BUSY:
            raise UserError(self._sending_message())
        if isinstance(outcome, tuple):
            return Recorded(outcome[1])
        return outcome

    def _check_not_sending(self):
        if self.state == "sending":
            raise UserError(self._sending_message())

    def _sending_message(self):
        return self.env._(
            "Listing %(sku)s is being sent to Amazon right now.", sku=self.sku
        )

    @api.model
    def _recover_sending(self):
        """A listing left "sending" past the lease (Odoo stopped between
        claim and answer): whether Amazon got it is unknown, so it is marked
        refused with that reason; sending it again is safe (a put or patch
        of the same values changes nothing)."""
        stale = self.search(
            [
                ("state", "=", "sending"),
                ("last_submitted_on", "<", fields.Datetime.now() - SENDING_LEASE),
            ]
        )
        for listing in stale:
            listing._failed(
                self.env._(
                    "Odoo stopped while sending this listing: Amazon's answer "
                    "is unknown. Refresh it from Amazon or submit it again."
                )
            )
            listing.state = "refused"
        return stale

    def _accept_reply(self, reply):
        """Record a submission response (ACCEPTED or INVALID)."""
        self.ensure_one()
        issues = [core.amazon_issue(i) for i in reply.get("issues") or ()]
        self._set_issues("amazon", issues)
        self.issue_ids.filtered(lambda i: i.source == "feed").unlink()
        vals = {
            "last_submission_id": reply.get("submissionId"),
            "last_submitted_on": fields.Datetime.now(),
            "feed_id": False,  # an older feed's report must not overwrite this
        }
        if reply.get("status") == "ACCEPTED":
            vals.update(
                state="pending",
                on_amazon=True,
                submitted_attributes=self.attributes or {},
                **self._channel_vals(self.attributes),
            )
            for identifier in reply.get("identifiers") or ():
                if identifier.get("asin"):
                    vals["asin"] = identifier["asin"]
        else:
            vals["state"] = "refused"
        self.write(vals)
        if self.state == "pending":
            self._note_asin()

    @api.model
    def _channel_vals(self, attributes):
        """``channels`` from attributes that say them (else left as it is)."""
        codes = core.channels(attributes or {})
        return {"channels": ",".join(sorted(c for c in codes if c))} if codes else {}

    @api.model_create_multi
    def create(self, vals_list):
        # Rights first: the SKU mappings below are made as superuser.
        self.check_access("create")
        for vals in vals_list:
            if vals.get("account_id") and vals.get("sku") and not vals.get("offer_id"):
                account = self.env["amazon.account"].browse(vals["account_id"])
                offer = (
                    self.env["amazon.offer"]
                    .sudo()
                    ._for_skus(account, [vals["sku"]])[vals["sku"]]
                )
                vals["offer_id"] = offer.id
        return super().create(vals_list)

    def write(self, vals):
        result = super().write(vals)
        if {"sku", "account_id"} & set(vals):
            # Another SKU is another binding; the product the listing had
            # goes with it unless that SKU is mapped already.
            for listing in self:
                offer = (
                    self.env["amazon.offer"]
                    .sudo()
                    ._for_skus(listing.account_id, [listing.sku])[listing.sku]
                )
                if offer != listing.offer_id:
                    product = listing.offer_id.product_id
                    super(AmazonListing, listing).write({"offer_id": offer.id})
                    if not offer.product_id and product:
                        offer.product_id = product
        return result

    def _note_asin(self):
        """The ASIN Amazon gave the SKU, kept on its mapping too."""
        for listing in self.filtered("asin"):
            if not listing.offer_id.asin:
                listing.offer_id.sudo().asin = listing.asin

    def action_refresh(self):
        """Read the listing back from Amazon (status, attributes, issues)."""
        return self._each(
            lambda listing: listing._refresh_one(INCLUDED) or "refreshed",
            self.env._("Refreshed"),
        )

    def _refresh_one(self, included, client=None):
        """Apply Amazon's view of this SKU; edits not yet sent are kept."""
        query = {
            "marketplace_ids": [self.marketplace_id.amazon_id],
            "included_data": included,
            "issue_locale": self.product_type_id.locale or None,
        }
        if client is None:
            with self.account_id._client() as own:
                item = own.get_listings_item(self.sku, **query)
        else:
            item = client.get_listings_item(self.sku, **query)
        self.write(self._vals_from_item(item))
        self._set_issues(
            "amazon", [core.amazon_issue(i) for i in item.get("issues") or ()]
        )

    def _unsent(self):
        """Edits made in Odoo that Amazon does not hold yet."""
        return bool(self.attributes) and self.attributes != (
            self.submitted_attributes or {}
        )

    def _vals_from_item(self, item):
        """Field values from a Listings Items ``Item`` (``self`` may be empty:
        a new listing). Edits not sent yet stay over Amazon's values."""
        unsent = self._unsent()
        summaries = item.get("summaries") or []
        summary = summaries[0] if summaries else {}
        status = summary.get("status") or []
        vals = {
            "on_amazon": True,
            "amazon_status": ", ".join(status) or False,
            "status_checked_on": fields.Datetime.now(),
        }
        if not unsent:
            # A summary means Amazon has processed the listing.
            vals["state"] = "listed" if summaries else "pending"
        if summary.get("asin"):
            vals["asin"] = summary["asin"]
        codes = {
            f.get("fulfillmentChannelCode")
            for f in item.get("fulfillmentAvailability") or ()
        } - {None}
        if codes:
            vals["channels"] = ",".join(sorted(codes))
        if "attributes" in item:
            attributes = item["attributes"] or {}
            vals["submitted_attributes"] = attributes
            vals["attributes"] = attributes
            if unsent:
                local, sent = self.attributes, self.submitted_attributes or {}
                # Amazon's values, under the local edits; an attribute removed
                # locally stays removed.
                vals["attributes"] = {
                    name: value
                    for name, value in {**attributes, **local}.items()
                    if name in local or name not in sent
                }
            if not codes:
                vals.update(self._channel_vals(attributes))
        return vals

    @api.model
    def _refresh_pending(self, limit=50):
        """Follow accepted submissions until Amazon has processed them (ASIN,
        status and issues are known only then), least recently checked first;
        listings of a feed still processing wait for its report."""
        pending = self.search(
            [
                ("on_amazon", "=", True),
                ("state", "=", "pending"),
                ("account_id.active", "=", True),
                "|",
                ("feed_id", "=", False),
                ("feed_id.state", "in", FINAL),
            ],
            order="status_checked_on asc nulls first, id",
            limit=limit,
        )
        for account in pending.account_id:
            mine = pending.filtered(lambda lst, acc=account: lst.account_id == acc)
            try:
                with account._client() as client:
                    for listing in mine:
                        try:
                            with self.env.cr.savepoint():
                                listing._refresh_one(["summaries", "issues"], client)
                        except SPAPIError as exc:  # asked again later
                            listing.status_checked_on = fields.Datetime.now()
                            _logger.info("Amazon listing %s: %s", listing.id, exc)
            except UserError as exc:  # no credentials: the account is skipped
                _logger.info("Amazon account %s: %s", account.id, exc)
        return pending

    def action_add_required(self):
        """Add an empty value (selectors filled in) for each missing always-
        required attribute, to complete in the JSON editor."""
        self._require_type()
        for listing in self:
            attributes = dict(listing.attributes or {})
            for name, _title, depends in listing.product_type_id._requirements():
                if not depends and name not in attributes:
                    attributes[name] = core.skeleton(
                        listing._schema(),
                        name,
                        listing.marketplace_id.amazon_id,
                        listing._language_tag(),
                    )
            listing.attributes = attributes
        return True

    def action_view_feed(self):
        self.ensure_one()
        return self.feed_id._get_formview_action()


class AmazonListingIssue(models.Model):
    _name = "amazon.listing.issue"
    _description = "Amazon Listing Issue"
    _order = "severity_rank, id"

    listing_id = fields.Many2one(
        "amazon.listing", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="listing_id.company_id", store=True)
    source = fields.Selection(
        [
            ("local", "Local check"),
            ("amazon", "Amazon"),
            ("feed", "Feed report"),
            ("push", "Price and stock push"),
        ],
        required=True,
    )
    severity = fields.Selection(
        [("error", "Error"), ("warning", "Warning"), ("info", "Info")], required=True
    )
    severity_rank = fields.Integer(compute="_compute_severity_rank", store=True)
    code = fields.Char()
    message = fields.Text(required=True)
    attribute = fields.Char(help="The top-level attribute the issue points to.")
    path = fields.Char("JSON Pointer")

    @api.depends("severity")
    def _compute_severity_rank(self):
        ranks = {"error": 0, "warning": 1, "info": 2}
        for issue in self:
            issue.severity_rank = ranks.get(issue.severity, 3)
