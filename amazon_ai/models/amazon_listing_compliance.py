"""Compliance findings on every listing, and the gate every submission
passes (issue 21, item 2).

A listing's findings are the rule engine's (``core/listing_rules.py``) on
its text attributes, every image it shows (``_amazon_listing_images``), the
product's own attributes from Odoo and the product type's limits from the
PTD schema, plus Amazon's listing restrictions for its ASIN and condition
(``getListingsRestrictions``). Amazon's own VALIDATION_PREVIEW issues are
shown beside them (they are stored by the connector as the listing's
"amazon" issues).

Errors block submission, warnings never do. ``_amazon_compliance_gate`` is
called by both ways listings reach Amazon: ``_submit_one`` (one listing) and
``amazon.listing.feed._submit`` (every JSON_LISTINGS_FEED of listings,
whoever builds it). A manager's override
(``amazon.listing.compliance.override``) covers the findings it names by
fingerprint only.
"""

import logging
from datetime import datetime, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.amazon_connector.core.spapi import SPAPIError
from odoo.addons.amazon_connector.models.listings.amazon_listing import Recorded
from odoo.addons.amazon_pii.core.work import BUSY

from ..core import listing_compliance as compliance
from ..core.listing_rules import limits_from_schema
from .amazon_listing_finding import CONDITIONS

_logger = logging.getLogger(__name__)

# A reading of Amazon's restrictions younger than this is reused before a
# submission; older, it is read again (Amazon changes gating over time, and
# a feed of many listings should not call Amazon once per listing per click).
RESTRICTIONS_MAX_AGE = timedelta(hours=1)
# Readings made in one check (a click, a feed's gate): Amazon's burst for
# getListingsRestrictions (rate 5/s, burst 10, its usage plan).
RESTRICTIONS_READS_PER_CHECK = 10
DEFAULT_CONDITION = "new_new"
STATES = [
    ("unchecked", "Not checked"),
    ("clean", "No finding"),
    ("warning", "Warnings"),
    ("error", "Errors"),
    ("overridden", "Errors overridden"),
]
# Odoo's volume units, in litres (the engine compares like with like).
VOLUME_LITRES = {"m³": 1000.0, "ft³": 28.316846592}


def _store_compliance(env, payload):
    """``amazon.work._run`` unit: record checks computed by the caller."""
    env["amazon.listing"]._amazon_store_compliance(payload)


class AmazonListing(models.Model):
    _inherit = "amazon.listing"

    amazon_finding_ids = fields.One2many(
        "amazon.listing.finding", "listing_id", "Compliance findings", readonly=True
    )
    amazon_compliance_ids = fields.One2many(
        "amazon.listing.compliance", "listing_id", readonly=True
    )
    amazon_override_ids = fields.One2many(
        "amazon.listing.compliance.override",
        "listing_id",
        "Compliance overrides",
        readonly=True,
    )
    amazon_compliance_state = fields.Selection(
        STATES, "Compliance", compute="_compute_amazon_compliance"
    )
    amazon_compliance_errors = fields.Integer(
        "Blocking errors",
        compute="_compute_amazon_compliance",
        help="Compliance errors no manager overrode: they block submission.",
    )
    amazon_compliance_warnings = fields.Integer(
        "Compliance warnings", compute="_compute_amazon_compliance"
    )
    amazon_compliance_checked_on = fields.Datetime(
        "Checked on", compute="_compute_amazon_compliance"
    )
    amazon_restrictions_read_on = fields.Datetime(
        "Amazon's restrictions read on", compute="_compute_amazon_compliance"
    )
    amazon_compliance_summary = fields.Text(
        "Findings", compute="_compute_amazon_compliance"
    )
    amazon_preview_issue_ids = fields.Many2many(
        "amazon.listing.issue",
        string="Amazon's validation issues",
        compute="_compute_amazon_preview_issues",
    )

    @api.depends(
        "amazon_finding_ids.severity",
        "amazon_finding_ids.fingerprint",
        "amazon_override_ids",
        "amazon_compliance_ids.checked_on",
    )
    def _compute_amazon_compliance(self):
        for listing in self:
            check = listing.amazon_compliance_ids[:1]
            findings = listing.amazon_finding_ids
            covered = listing._amazon_overridden_fingerprints()
            errors = findings.filtered(lambda f: f.severity == "error")
            blocking = errors.filtered(lambda f, c=covered: f.fingerprint not in c)
            warnings = findings - errors
            listing.amazon_compliance_errors = len(blocking)
            listing.amazon_compliance_warnings = len(warnings)
            listing.amazon_compliance_checked_on = check.checked_on
            listing.amazon_restrictions_read_on = check.restrictions_read_on
            if not check:
                state = "unchecked"
            elif blocking:
                state = "error"
            elif errors:
                state = "overridden"
            elif warnings:
                state = "warning"
            else:
                state = "clean"
            listing.amazon_compliance_state = state
            words = dict(
                self.env["amazon.listing.finding"]
                ._fields["severity"]
                ._description_selection(self.env)
            )
            listing.amazon_compliance_summary = (
                "\n".join(
                    f"[{words[f.severity]}] {f.attribute}: {f.message}"
                    for f in findings
                )
                or False
            )

    @api.depends("issue_ids.source")
    def _compute_amazon_preview_issues(self):
        for listing in self:
            listing.amazon_preview_issue_ids = listing.issue_ids.filtered(
                lambda i: i.source == "amazon"
            )

    # -- inputs of the checks --------------------------------------------------
    def _amazon_overridden_fingerprints(self):
        self.ensure_one()
        covered = set()
        for override in self.sudo().amazon_override_ids:
            covered.update(override.fingerprints or ())
        return covered

    def _amazon_condition(self):
        values = compliance.values(
            self.attributes, "condition_type", self.marketplace_id.amazon_id
        )
        known = values and values[0] in dict(CONDITIONS)
        return values[0] if known else DEFAULT_CONDITION

    def _amazon_check_asin(self):
        """The ASIN Amazon's restrictions are read for: the listing's own,
        its SKU mapping's, or the ASIN the seller suggests for a new one."""
        suggested = compliance.values(self.attributes, "merchant_suggested_asin")
        return self.asin or self.offer_id.asin or (suggested[0] if suggested else "")

    def _amazon_compliance_product(self):
        """The engine's ``product`` dict from Odoo's product: variant (and
        single-value) attribute values for colour, size and material, weight
        and volume with their units, country of origin."""
        product = self.product_id
        if not product:
            return {}
        facts = {"colors": [], "sizes": [], "materials": [], "measures": []}
        keys = (("colo", "colors"), ("size", "sizes"), ("material", "materials"))
        english = product.with_context(lang="en_US")
        variant_values = english.product_template_attribute_value_ids
        for line in english.product_tmpl_id.attribute_line_ids:
            name = (line.attribute_id.name or "").casefold()
            key = next((k for word, k in keys if word in name), None)
            if key is None:
                continue
            chosen = variant_values.filtered(
                lambda v, a=line.attribute_id: v.attribute_id == a
            )
            if chosen:
                facts[key] += chosen.mapped("name")
            elif len(line.value_ids) == 1:
                facts[key] += line.value_ids.mapped("name")
        if product.weight:
            facts["measures"].append((product.weight, product.weight_uom_name))
        litres = VOLUME_LITRES.get(product.volume_uom_name)
        if product.volume and litres:
            facts["measures"].append((product.volume * litres, "l"))
        if product.country_of_origin:
            facts["country_of_origin"] = product.country_of_origin.code
        return {key: value for key, value in facts.items() if value}

    def _amazon_compliance_limits(self):
        return limits_from_schema(self._schema())

    # -- restrictions -----------------------------------------------------------
    def _amazon_restriction_key(self):
        """What Amazon's restrictions are read for: the listing's ASIN (none:
        nothing to read, Amazon reads them per ASIN), condition, marketplace."""
        self.ensure_one()
        return {
            "asin": self._amazon_check_asin() or False,
            "condition_type": self._amazon_condition(),
            "marketplace_code": self.marketplace_id.amazon_id,
        }

    def _amazon_restriction_readings(self, read=True):
        """``{listing id: reading}``: the restrictions each listing is checked
        against. The remembered reading of the same key is reused while
        younger than ``RESTRICTIONS_MAX_AGE`` (or at any age when not
        ``read``); the others are read now, one call per distinct key, the
        never-read first, at most ``RESTRICTIONS_READS_PER_CHECK`` in a
        person's click (Amazon answers 5 a second: a feed of 500 listings
        would keep the page waiting for minutes). A listing beyond that keeps
        its older reading, or gets the "not read" warning; Amazon applies its
        restrictions when it receives the listing either way."""
        readings, due = {}, {}
        oldest = fields.Datetime.now() - RESTRICTIONS_MAX_AGE
        for listing in self:
            key = listing._amazon_restriction_key()
            unread = {
                **key,
                "restrictions_read_on": False,
                "restrictions_answer": False,
            }
            last = listing.sudo().amazon_compliance_ids[:1]
            if last and all(last[name] == value for name, value in key.items()):
                readings[listing.id] = {
                    **key,
                    "restrictions_read_on": last.restrictions_read_on,
                    "restrictions_answer": last.restrictions_answer,
                    "restrictions_error": last.restrictions_error,
                }
            else:
                readings[listing.id] = unread
            read_on = readings[listing.id]["restrictions_read_on"]
            if key["asin"] and read and not (read_on and read_on > oldest):
                due.setdefault((listing.account_id, *key.values()), []).append(listing)
        # Never read first, then the oldest reading.
        order = sorted(
            due,
            key=lambda k: (
                readings[due[k][0].id]["restrictions_read_on"] or datetime.min
            ),
        )
        now_read = order[:RESTRICTIONS_READS_PER_CHECK]
        by_account = {}
        for key in now_read:
            by_account.setdefault(key[0], []).append(key)
        for account, keys in by_account.items():
            try:
                client = account._client()
            except (SPAPIError, UserError) as exc:
                # No credentials yet: the text and image rules still run;
                # the warning says why Amazon's restrictions were not read.
                for key in keys:
                    for listing in due[key]:
                        readings[listing.id]["restrictions_error"] = str(exc)
                continue
            with client:
                for key in keys:
                    reading = due[key][0]._amazon_read_restrictions(client, *key[1:])
                    for listing in due[key]:
                        readings[listing.id] = reading
        deferred = self.env._(
            "not read in this check: Amazon answers %(count)s readings at a "
            "time and %(more)s were due; check these listings again to read them.",
            count=RESTRICTIONS_READS_PER_CHECK,
            more=len(order),
        )
        for key in order[RESTRICTIONS_READS_PER_CHECK:]:
            for listing in due[key]:
                if not readings[listing.id]["restrictions_read_on"]:
                    readings[listing.id]["restrictions_error"] = deferred
        return readings

    def _amazon_read_restrictions(self, client, asin, condition_type, marketplace):
        """One reading of Amazon's restrictions, its error kept as text."""
        self.ensure_one()
        try:
            answer = client.get_listings_restrictions(
                asin,
                marketplace_ids=[marketplace],
                condition_type=condition_type,
                reason_locale=self.product_type_id.locale or None,
            )
            error = False
        except (SPAPIError, UserError) as exc:
            # Not blocking: Amazon applies its restrictions when it receives
            # the listing anyway; the warning says they were not read.
            answer, error = False, str(exc)
        return {
            "asin": asin,
            "condition_type": condition_type,
            "marketplace_code": marketplace,
            "restrictions_read_on": fields.Datetime.now(),
            "restrictions_answer": answer,
            "restrictions_error": error,
        }

    # -- the checks ---------------------------------------------------------------
    def _amazon_evaluate(self, restriction_vals):
        """The findings of this listing now, as ``amazon.listing.finding``
        values (not stored)."""
        self.ensure_one()
        listing = compliance.listing_text(
            self.attributes, self.marketplace_id.amazon_id, self._language_tag()
        )
        if restriction_vals.get("restrictions_error"):
            restrictions = [
                compliance.unread_finding(restriction_vals["restrictions_error"])
            ]
        else:
            restrictions = compliance.restriction_findings(
                restriction_vals.get("restrictions_answer"),
                restriction_vals.get("asin"),
                restriction_vals.get("condition_type"),
            )
        found = compliance.evaluate(
            listing,
            images=self._amazon_listing_images(),
            product=self._amazon_compliance_product(),
            limits=self._amazon_compliance_limits(),
            restrictions=restrictions,
        )
        return [
            {
                "listing_id": self.id,
                "source": "restriction"
                if finding.attribute == compliance.RESTRICTION
                else "rules",
                "rule": finding.rule,
                "severity": finding.severity,
                "attribute": finding.attribute,
                "bullet_index": finding.index + 1 if finding.index is not None else 0,
                "span": finding.text or False,
                "params": finding.params,
                "fingerprint": fingerprint,
            }
            for finding, fingerprint in found
        ]

    def _amazon_compute_compliance(self, read=True):
        """``{listing id: {"check": values, "findings": [values]}}``."""
        payload = {}
        readings = self._amazon_restriction_readings(read=read)
        for listing in self:
            vals = readings[listing.id]
            payload[listing.id] = {
                "check": {**vals, "checked_on": fields.Datetime.now()},
                "findings": listing._amazon_evaluate(vals),
            }
        return payload

    @api.model
    def _amazon_store_compliance(self, payload):
        """Replace the stored checks and findings of the listings in
        ``payload`` (superuser: the caller's rights were checked)."""
        Finding = self.env["amazon.listing.finding"].sudo()
        Check = self.env["amazon.listing.compliance"].sudo()
        listings = self.sudo().browse(list(payload)).exists()
        listings.amazon_finding_ids.unlink()
        for listing in listings:
            result = payload[listing.id]
            check = listing.amazon_compliance_ids[:1]
            if check:
                check.write(result["check"])
            else:
                Check.create({**result["check"], "listing_id": listing.id})
            Finding.create(result["findings"])

    def _amazon_check_compliance(self):
        """Check now and store the findings (in this transaction)."""
        self._amazon_store_compliance(self._amazon_compute_compliance())

    def action_amazon_check_compliance(self):
        """Read Amazon's restrictions and run the listing rules now."""
        self.check_access("write")
        self._amazon_check_compliance()
        return True

    def action_amazon_override_compliance(self):
        """Open the override form (managers only; the form checks again)."""
        self.ensure_one()
        self.env["amazon.listing.compliance.override.wizard"]._check_manager()
        return {
            "type": "ir.actions.act_window",
            "res_model": "amazon.listing.compliance.override.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_listing_id": self.id},
        }

    # -- the gate -----------------------------------------------------------------
    def _amazon_blocking(self, findings):
        covered = self._amazon_overridden_fingerprints()
        return [
            f
            for f in findings
            if f["severity"] == "error" and f["fingerprint"] not in covered
        ]

    def _amazon_compliance_blocked(self):
        """``[(listing, errors)]`` of these listings that have a compliance
        error no manager overrode. The findings are recorded in a
        transaction of their own first, so a refused submission still shows
        them."""
        if not self:
            return []
        payload = self._amazon_compute_compliance()
        result = self.env["amazon.work"]._run(_store_compliance, payload)
        if result is BUSY:
            _logger.info("Compliance findings of %s listings not stored", len(self))
        self.env.invalidate_all()
        return self._amazon_blocked_in(payload)

    def _amazon_blocked_in(self, payload):
        """``[(listing, errors)]`` of these listings whose computed findings
        (``payload``) hold an error no manager overrode."""
        blocked = []
        for listing in self:
            errors = listing._amazon_blocking(payload[listing.id]["findings"])
            if errors:
                blocked.append((listing, errors))
        return blocked

    def _amazon_blocked_line(self, errors):
        """One line saying why this listing was not sent."""
        self.ensure_one()
        message, _hint = self.env["amazon.listing.finding"]._render(
            errors[0]["rule"], errors[0]["params"], errors[0]["source"]
        )
        return self.env._(
            "%(sku)s: %(count)s error(s), first: %(message)s",
            sku=self.sku,
            count=len(errors),
            message=message,
        )

    def _amazon_compliance_gate(self):
        """Refuse the submission of these listings while any has a compliance
        error no manager overrode."""
        blocked = self._amazon_compliance_blocked()
        if blocked:
            raise self._amazon_blocked_error(
                [listing._amazon_blocked_line(errors) for listing, errors in blocked]
            )

    @api.model
    def _amazon_blocked_error(self, lines):
        return UserError(
            self.env._(
                "Not sent to Amazon: %(count)s listing(s) have compliance errors "
                "(see their Compliance page; an Amazon manager may override them "
                "with a reason).\n%(lines)s",
                count=len(lines),
                lines="\n".join(lines[:20]),
            )
        )

    def _submit_one(self):
        # Only a submission that would send is gated: a listing with local
        # schema errors or no change is not sent anyway, and says so.
        if (
            not self._in_flight()
            and self._has_changes()
            and not any(i.severity == "error" for i in self._local_issues())
        ):
            try:
                self._amazon_compliance_gate()
            except UserError as exc:
                # Recorded (the findings, by the gate's own transaction): the
                # caller says it without filing it as an Amazon issue.
                return Recorded(exc.args[0])
        return super()._submit_one()


def _hold_blocked(env, listing_ids):
    """``amazon.work._run`` unit: ``{listing id: why}`` of the listings a
    feed must leave out, each told so in its chatter: those with a
    compliance error no manager overrode, and the children of such a parent
    Amazon does not have yet (Amazon would refuse each for the missing
    parent). The findings are recorded here, in the unit's transaction."""
    listings = env["amazon.listing"].browse(listing_ids)
    payload = listings._amazon_compute_compliance()
    listings._amazon_store_compliance(payload)
    held = {}
    for listing, errors in listings._amazon_blocked_in(payload):
        held[listing] = listing._amazon_blocked_line(errors)
    for child in listings.filtered(
        lambda c: c not in held and c.parent_id in held and not c.parent_id.on_amazon
    ):
        held[child] = env._(
            "Its variation parent %(sku)s has errors: correct the parent first.",
            sku=child.parent_id.sku,
        )
    for listing, line in held.items():
        listing.message_post(
            body=env._(
                "Left out of the feed to Amazon (see the Compliance "
                "page; an Amazon manager may override with a reason): "
                "%(line)s",
                line=line,
            )
        )
    return {listing.id: line for listing, line in held.items()}


class AmazonListingFeed(models.Model):
    _inherit = "amazon.listing.feed"

    @api.model
    def _submit(self, account, marketplace, entries, kind="listings"):
        # Every feed of listings passes the gate (the create wizard's, a bulk
        # edit's...); price and stock feeds carry no copy to check.
        # A listing with an error is left out with its reason, the rest go:
        # one bad listing does not hold back a feed of good ones.
        if kind == "listings":
            # Judged in a transaction of its own: the callers commit the
            # listings (new ones, edited attributes) in theirs just before,
            # after this request's snapshot was taken.
            listing_ids = [entry[0].id for entry in entries]
            held = self.env["amazon.work"]._run(_hold_blocked, listing_ids)
            if len(held) == len(listing_ids):  # nothing to send: say why
                raise self.env["amazon.listing"]._amazon_blocked_error(
                    list(held.values())
                )
            entries = [entry for entry in entries if entry[0].id not in held]
        return super()._submit(account, marketplace, entries, kind=kind)
