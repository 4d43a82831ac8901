"""Bulk edit of listings: one attribute set or cleared on the selected
listings, each checked against its own product type's schema; the valid ones
go to Amazon as one JSON_LISTINGS_FEED per account and marketplace, and the
feed's processing report gives each listing's result."""

import json

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.amazon_pii.core.work import BUSY

from ...core import bulk_edit, listing_requirements
from ...core import listings as core
from ...core.ptd_messages import ERROR
from ...models.listings.amazon_listing_feed import FINAL

KINDS = [
    ("text", "Text"),
    ("number", "Number"),
    ("integer", "Whole number"),
    ("enum", "Choice"),
    ("boolean", "Yes / No"),
    ("json", "JSON"),
]
PLAN_STATES = [
    ("ready", "Ready to send"),
    ("unchanged", "Unchanged"),
    ("left_out", "Left out"),
    ("invalid", "Invalid"),
    ("busy", "Being sent"),
    ("sent", "Sent in the feed"),
    ("held", "Held back"),
]
RESULTS = [
    ("waiting", "Amazon is processing the feed"),
    ("accepted", "Accepted"),
    ("refused", "Refused"),
    ("superseded", "Sent again since"),
]


class AmazonListingBulkEdit(models.TransientModel):
    _name = "amazon.listing.bulk.edit"
    _description = "Bulk edit of Amazon listings"

    listing_ids = fields.Many2many("amazon.listing", string="Listings", required=True)
    attribute_ids = fields.One2many(
        "amazon.listing.bulk.attribute", "wizard_id", "Attributes"
    )
    attribute_id = fields.Many2one(
        "amazon.listing.bulk.attribute",
        domain="[('wizard_id', '=', id)]",
    )
    kind = fields.Selection(related="attribute_id.kind")
    operation = fields.Selection(
        [("set", "Set a value"), ("clear", "Clear the attribute")],
        required=True,
        default="set",
    )
    value_text = fields.Char("Text")
    value_number = fields.Float("Number", digits=(16, 6))
    value_integer = fields.Integer("Whole number")
    value_boolean = fields.Selection([("yes", "Yes"), ("no", "No")], "Yes or no")
    choice_id = fields.Many2one(
        "amazon.listing.bulk.choice",
        "Value",
        domain="[('attribute_id', '=', attribute_id), ('role', '=', 'value')]",
    )
    unit_id = fields.Many2one(
        "amazon.listing.bulk.choice",
        domain="[('attribute_id', '=', attribute_id), ('role', '=', 'unit')]",
    )
    has_units = fields.Boolean(related="attribute_id.has_units")
    value_json = fields.Text(
        "Value (JSON)",
        help="The attribute's values in Amazon's shape: a list of objects, or "
        'one object, for example [{"value": "Blue"}]. Marketplace and '
        "language are filled in per listing.",
    )
    line_ids = fields.One2many("amazon.listing.bulk.line", "wizard_id", "Per listing")
    feed_ids = fields.Many2many("amazon.listing.feed", string="Feeds", readonly=True)
    state = fields.Selection(
        [("edit", "Edit"), ("checked", "Checked"), ("sent", "Sent")],
        default="edit",
        readonly=True,
    )

    @api.model
    def _open_for(self, listings):
        """A saved wizard for ``listings`` offering the attributes their
        product types allow (saved, so its attribute lines exist)."""
        listings.check_access("write")
        if not listings:
            raise UserError(self.env._("Select the listings to edit first."))
        wizard = self.create({"listing_ids": [fields.Command.set(listings.ids)]})
        schemas = [t.schema for t in listings.product_type_id if t.schema]
        if not schemas:
            raise UserError(
                self.env._(
                    "None of the selected listings has a product type with its "
                    "schema: choose their product type first."
                )
            )
        Attribute = self.env["amazon.listing.bulk.attribute"]
        for sequence, (name, title) in enumerate(bulk_edit.attribute_names(schemas)):
            schema = next(s for s in schemas if bulk_edit.allows(s, name))
            field = bulk_edit.form_field(schema, name)
            attribute = Attribute.create(
                {
                    "wizard_id": wizard.id,
                    "sequence": sequence,
                    "name": name,
                    "title": title,
                    "kind": field.kind if field else "json",
                    "has_units": bool(field and field.units),
                }
            )
            if field:
                self.env["amazon.listing.bulk.choice"].create(
                    [
                        {
                            "attribute_id": attribute.id,
                            "role": role,
                            "sequence": i,
                            "value": json.dumps(value),
                            "name": label,
                        }
                        for role, pairs in (
                            ("value", field.choices),
                            ("unit", field.units),
                        )
                        for i, (value, label) in enumerate(pairs)
                    ]
                )
        return wizard._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Bulk edit"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    @api.onchange("attribute_id")
    def _onchange_attribute_id(self):
        self.choice_id = self.unit_id = False

    # -- planning ------------------------------------------------------------------
    def _values(self):
        """The value list typed in the form (selectors not filled), or None
        to clear. UserError when it is not a value of the attribute's kind."""
        self.ensure_one()
        attribute = self.attribute_id
        if not attribute:
            raise UserError(self.env._("Choose the attribute to edit."))
        if self.operation == "clear":
            return None
        try:
            if attribute.kind == "json":
                return bulk_edit.json_values(self.value_json)
            field = bulk_edit.FormField(
                attribute.name,
                attribute.title,
                attribute.kind,
                choices=tuple(
                    (json.loads(c.value), c.name)
                    for c in attribute.choice_ids
                    if c.role == "value"
                ),
                units=tuple(
                    (json.loads(c.value), c.name)
                    for c in attribute.choice_ids
                    if c.role == "unit"
                ),
            )
            raw = {
                "text": self.value_text,
                "number": self.value_number,
                "integer": self.value_integer,
                "boolean": {"yes": True, "no": False}.get(self.value_boolean),
                "enum": json.loads(self.choice_id.value) if self.choice_id else None,
            }[attribute.kind]
            unit = json.loads(self.unit_id.value) if self.unit_id else None
            return bulk_edit.form_values(field, raw, unit)
        except ValueError as exc:
            raise UserError(
                self.env._(
                    "The value for %(attribute)s is not usable: %(error)s",
                    attribute=attribute.title,
                    error=exc,
                )
            ) from exc

    def _plan_one(self, listing, values):
        """``(state, message, new attributes or None)`` for one listing."""
        name = self.attribute_id.name
        ptype = listing.product_type_id
        schema = ptype.schema if ptype else None
        if not schema:
            return (
                "left_out",
                self.env._(
                    "Listing %(sku)s has no product type with a schema.",
                    sku=listing.sku,
                ),
                None,
            )
        why = bulk_edit.refusal(schema, name, clearing=values is None)
        if why == bulk_edit.NOT_ALLOWED:
            return (
                "left_out",
                self.env._(
                    "Product type %(type)s of listing %(sku)s does not allow "
                    "the attribute %(attribute)s.",
                    type=ptype.name,
                    sku=listing.sku,
                    attribute=name,
                ),
                None,
            )
        if why == bulk_edit.REQUIRED:
            return (
                "invalid",
                self.env._(
                    "Listing %(sku)s: product type %(type)s requires the "
                    "attribute %(attribute)s, so it cannot be cleared.",
                    sku=listing.sku,
                    type=ptype.name,
                    attribute=name,
                ),
                None,
            )
        if listing._in_flight():
            return (
                "busy",
                self.env._(
                    "Listing %(sku)s is being sent to Amazon (or its feed is "
                    "still processing): edit it once Amazon has answered.",
                    sku=listing.sku,
                ),
                None,
            )
        new_values = (
            None
            if values is None
            else bulk_edit.for_listing(
                values,
                schema,
                name,
                listing.marketplace_id.amazon_id,
                listing._language_tag(),
            )
        )
        attributes = bulk_edit.edited(listing.attributes, name, new_values)
        issues = listing_requirements.without_supplied(
            ptype._validator().validate(
                attributes, existing=listing.submitted_attributes or None
            ),
            attributes,
            listing.submitted_attributes,
            listing_requirements.is_live(listing.on_amazon, listing.amazon_status),
            listing._amazon_flagged(),
        )
        errors = [i for i in issues if i.severity == ERROR]
        if errors:
            return (
                "invalid",
                "\n".join(
                    f"{issue.attribute or '-'}: {issue.message}" for issue in errors
                ),
                None,
            )
        if listing.on_amazon and listing.submitted_attributes:
            changed = bool(
                core.diff_patches(
                    listing.submitted_attributes, attributes, schema=schema
                )
            )
        else:
            changed = True  # Amazon does not hold it: it is put in full
        if not changed:
            return (
                "unchanged",
                self.env._("Amazon already holds this value."),
                None,
            )
        return "ready", False, attributes

    def _plan(self):
        """Judge every selected listing; the lines show the outcome."""
        self.ensure_one()
        self.listing_ids.check_access("write")
        values = self._values()
        plans = {}
        lines = [fields.Command.clear()]
        for listing in self.listing_ids:
            state, message, attributes = self._plan_one(listing, values)
            plans[listing.id] = attributes
            lines.append(
                fields.Command.create(
                    {"listing_id": listing.id, "state": state, "message": message}
                )
            )
        self.line_ids = lines
        return {lid: attrs for lid, attrs in plans.items() if attrs is not None}

    def action_check(self):
        """Check every listing locally and show the outcome; nothing is
        written on the listings."""
        self._plan()
        self.state = "checked"
        return self._reopen()

    def action_submit(self):
        """Check all, write the new value on the valid listings and send them
        as one feed per account and marketplace (a patch for a listing Amazon
        holds, the full listing otherwise). The others keep their attributes
        and the wizard says why they were left out."""
        self.ensure_one()
        ready = self._plan()
        if not ready:
            # Nothing to send: the lines say why for each listing (an error
            # here would roll them back).
            self.state = "checked"
            return self._reopen()
        ready_keys = [(lid, attrs) for lid, attrs in ready.items()]

        def prepare(env):
            # Committed before the feed is sent: the feed's own transactions
            # read these listings.
            Listing = env["amazon.listing"]
            groups, busy = {}, []
            for listing_id, attributes in ready_keys:
                listing = Listing.browse(listing_id)
                if listing._in_flight():
                    busy.append(listing_id)  # claimed since the check
                    continue
                listing.attributes = attributes
                listing._set_issues("local", [])
                listing.state = "valid"
                key = (listing.account_id.id, listing.marketplace_id.id)
                groups.setdefault(key, []).append(
                    (listing.id, listing._feed_message(), {"attributes": attributes})
                )
            return groups, busy

        result = self.env["amazon.work"]._run(
            prepare, user=self.env.user, su=self.env.su
        )
        if result is BUSY:
            raise UserError(self.env._("These listings are being edited: try again."))
        groups, busy = result
        self.env.invalidate_all()
        Listing = self.env["amazon.listing"]
        Feed = self.env["amazon.listing.feed"]
        feeds = Feed
        for (account_id, marketplace_id), entries in groups.items():
            account = self.env["amazon.account"].browse(account_id)
            marketplace = self.env["amazon.marketplace"].browse(marketplace_id)
            for start in range(0, len(entries), core.FEED_MAX_MESSAGES):
                chunk = entries[start : start + core.FEED_MAX_MESSAGES]
                feeds |= Feed._submit(
                    account,
                    marketplace,
                    [(Listing.browse(i), message, sent) for i, message, sent in chunk],
                )
        # What the feeds hold, not what was handed to them: the feed path may
        # hold a listing back (amazon_ai's compliance gate does, with its
        # reason in the listing's chatter) and send the rest. Read in a
        # transaction of its own: the feeds were committed by theirs, after
        # this request's snapshot (reading them here is "Missing Record").
        sent_ids = set(self.env["amazon.work"]._run(_feed_listing_ids, feeds.ids))
        handed = {i for entries in groups.values() for i, _m, _s in entries}
        for line in self.line_ids:
            if line.listing_id.id in sent_ids:
                line.state = "sent"
            elif line.listing_id.id in handed:
                line.write(
                    {
                        "state": "held",
                        "message": self.env._(
                            "Listing %(sku)s was held back from the feed: its "
                            "chatter says why.",
                            sku=line.listing_id.sku,
                        ),
                    }
                )
            elif line.listing_id.id in busy:
                line.write(
                    {
                        "state": "busy",
                        "message": self.env._(
                            "Listing %(sku)s was sent another way meanwhile.",
                            sku=line.listing_id.sku,
                        ),
                    }
                )
        self.write({"state": "sent", "feed_ids": [fields.Command.set(feeds.ids)]})
        return self._reopen()

    def action_refresh_results(self):
        """Ask Amazon about the feeds now (else the cron does), then show."""
        self.feed_ids.filtered(lambda f: f.state not in FINAL).action_poll()
        return self._reopen()

    def action_view_feeds(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_listing_feeds"
        )
        action["domain"] = [("id", "in", self.feed_ids.ids)]
        return action


def _feed_listing_ids(env, feed_ids):
    return env["amazon.listing.feed"].browse(feed_ids).listing_ids.ids


class AmazonListingBulkAttribute(models.TransientModel):
    _name = "amazon.listing.bulk.attribute"
    _description = "Attribute a bulk edit can change"
    _order = "sequence, id"
    _rec_names_search = ["title", "name"]

    wizard_id = fields.Many2one(
        "amazon.listing.bulk.edit", required=True, ondelete="cascade"
    )
    sequence = fields.Integer()
    name = fields.Char("Amazon name", required=True)
    title = fields.Char(required=True)
    kind = fields.Selection(KINDS, required=True)
    has_units = fields.Boolean()
    choice_ids = fields.One2many("amazon.listing.bulk.choice", "attribute_id")

    @api.depends("title", "name")
    def _compute_display_name(self):
        for attribute in self:
            attribute.display_name = f"{attribute.title} ({attribute.name})"


class AmazonListingBulkChoice(models.TransientModel):
    _name = "amazon.listing.bulk.choice"
    _description = "Value or unit the schema allows for a bulk edit"
    _order = "sequence, id"

    attribute_id = fields.Many2one(
        "amazon.listing.bulk.attribute", required=True, ondelete="cascade"
    )
    role = fields.Selection([("value", "Value"), ("unit", "Unit")], required=True)
    sequence = fields.Integer()
    name = fields.Char("Label", required=True)
    value = fields.Char("JSON value", required=True)


class AmazonListingBulkLine(models.TransientModel):
    _name = "amazon.listing.bulk.line"
    _description = "One listing of a bulk edit"
    _order = "id"

    wizard_id = fields.Many2one(
        "amazon.listing.bulk.edit", required=True, ondelete="cascade"
    )
    listing_id = fields.Many2one("amazon.listing", required=True, ondelete="cascade")
    sku = fields.Char(related="listing_id.sku")
    product_type_id = fields.Many2one(related="listing_id.product_type_id")
    state = fields.Selection(PLAN_STATES, required=True)
    message = fields.Text("Reason")
    result = fields.Selection(RESULTS, compute="_compute_result")
    result_message = fields.Text("Amazon's messages", compute="_compute_result")

    @api.depends("state", "wizard_id.feed_ids.state", "listing_id.feed_id")
    def _compute_result(self):
        """From the feed's processing report, as it was mapped onto the
        listing (its state and its feed issues)."""
        for line in self:
            listing = line.listing_id
            feed = listing.feed_id
            if line.state != "sent":
                line.result = line.result_message = False
            elif feed not in line.wizard_id.feed_ids:
                line.result, line.result_message = "superseded", False
            elif feed.state not in FINAL:
                line.result, line.result_message = "waiting", False
            else:
                issues = listing.issue_ids.filtered(lambda i: i.source == "feed")
                refused = listing.state == "refused"
                line.result = "refused" if refused else "accepted"
                text = "\n".join(
                    f"[{i.severity}] {i.code}: {i.message}" for i in issues
                )
                if refused and not text:
                    text = feed.report_message or ""
                line.result_message = text or False
