"""Copy proposals: what a generator proposed for a listing, beside the
listing's current text, with the differences and the rule engine's findings.

A person accepts per field (a line), per listing (the proposal) or in bulk
(a list action over listings); who accepted what and when is kept on the
line and in the listing's chatter. Accepting writes Amazon's JSON shape
(``item_name``, ``bullet_point``, ``product_description``,
``generic_keyword``, with the listing's marketplace and language) into the
listing's attributes, so the usual Validate and Submit send it.
"""

import difflib
import re

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..core import listing_copy
from .model_card import table_card_html

# Amazon attribute -> the proposal's key, in the order they are shown.
FIELDS = [
    ("item_name", "Title"),
    ("bullet_point", "Bullet points"),
    ("product_description", "Description"),
    ("generic_keyword", "Search terms"),
]
PROPOSAL_KEYS = {
    "item_name": "title",
    "bullet_point": "bullets",
    "product_description": "description",
    "generic_keyword": "search_terms",
}
_TOKEN = re.compile(r"\s+|[^\s]+")


def word_diff(old, new):
    """``old`` to ``new`` word by word as HTML: removed words struck through,
    added words marked (escaped: the texts are the seller's and a model's)."""
    old_tokens, new_tokens = _TOKEN.findall(old or ""), _TOKEN.findall(new or "")
    parts = []
    matcher = difflib.SequenceMatcher(a=old_tokens, b=new_tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(escape("".join(old_tokens[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            parts.append(
                Markup('<del class="text-danger">%s</del>') % "".join(old_tokens[i1:i2])
            )
        if tag in ("insert", "replace"):
            parts.append(
                Markup('<ins class="text-success">%s</ins>')
                % "".join(new_tokens[j1:j2])
            )
    body = Markup("").join(parts).replace("\n", Markup("<br/>"))
    return Markup('<div class="o_amazon_copy_diff">%s</div>') % body


class AmazonListingProposal(models.Model):
    _name = "amazon.listing.proposal"
    _description = "Amazon Listing Copy Proposal"
    _order = "generated_on desc, id desc"
    _check_company_auto = True

    listing_id = fields.Many2one(
        "amazon.listing", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="listing_id.company_id", store=True)
    sku = fields.Char(related="listing_id.sku")
    marketplace_id = fields.Many2one(related="listing_id.marketplace_id")
    generator = fields.Char(
        required=True,
        readonly=True,
        help="local: the built-in generator; llm:<model>: the language model "
        "endpoint the administrator configured.",
    )
    generated_on = fields.Datetime(
        required=True, readonly=True, default=fields.Datetime.now
    )
    generated_by = fields.Many2one(
        "res.users", readonly=True, default=lambda self: self.env.user
    )
    line_ids = fields.One2many("amazon.listing.proposal.line", "proposal_id")
    state = fields.Selection(
        [
            ("open", "To review"),
            ("partial", "Partly accepted"),
            ("accepted", "Accepted"),
            ("rejected", "Rejected"),
        ],
        compute="_compute_state",
        store=True,
    )
    findings = fields.Json(readonly=True)
    removed = fields.Json(readonly=True)
    findings_html = fields.Html(
        "Rule engine", compute="_compute_findings_html", sanitize=False
    )
    card_html = fields.Html("Model card", compute="_compute_card_html", sanitize=False)

    @api.depends("line_ids.state")
    def _compute_state(self):
        for proposal in self:
            states = set(proposal.line_ids.mapped("state"))
            if not states or states == {"open"}:
                proposal.state = "open"
            elif states == {"accepted"}:
                proposal.state = "accepted"
            elif states == {"rejected"}:
                proposal.state = "rejected"
            elif "accepted" in states:
                proposal.state = "partial"
            else:
                proposal.state = "open"

    @api.depends("findings", "removed")
    def _compute_findings_html(self):
        _ = self.env._
        labels = dict(FIELDS)
        for proposal in self:
            rows = [
                Markup("<li><strong>%s</strong> (%s): %s <em>%s</em></li>")
                % (
                    labels.get(f.get("attribute"), f.get("attribute")),
                    f.get("severity"),
                    f.get("message"),
                    f.get("hint"),
                )
                for f in proposal.findings or ()
            ]
            removed = [
                Markup("<li><strong>%s</strong>: <code>%s</code> (%s)</li>")
                % (labels.get(attribute, attribute), rule, text)
                for attribute, rule, text in proposal.removed or ()
            ]
            proposal.findings_html = Markup(
                "<p>%s</p><ul>%s</ul><p>%s</p><ul>%s</ul>"
            ) % (
                _(
                    "Findings on the proposed text (no error: errors are removed "
                    "before a proposal is shown):"
                )
                if rows
                else _("The rule engine finds nothing in the proposed text."),
                Markup("").join(rows),
                _(
                    "Left out by the rule engine (from the product's data or "
                    "the generator's text):"
                )
                if removed
                else "",
                Markup("").join(removed),
            )

    @api.depends("generator")
    def _compute_card_html(self):
        for proposal in self:
            model = (
                proposal.generator.split(":", 1)[1]
                if (proposal.generator or "").startswith("llm:")
                else None
            )
            proposal.card_html = _card_html(self.env, listing_copy.model_card(model))

    def _accept_lines(self, lines):
        """Write the accepted lines' texts into their listings' attributes and
        record who accepted what, on the lines and in each listing's chatter.

        Proposals are read-only to everyone (a write over RPC would forge who
        decided or what was proposed): the decision is written here, as the
        superuser, once the person proved they may change the listing."""
        lines = lines.filtered(lambda line: line.state == "open")
        if not lines:
            raise UserError(self.env._("Nothing left to accept in this proposal."))
        lines.listing_id.check_access("write")
        now = fields.Datetime.now()
        for listing in lines.listing_id:
            mine = lines.filtered(
                lambda line, listing=listing: line.listing_id == listing
            )
            attributes = dict(listing.attributes or {})
            for line in mine:
                attributes[line.field] = listing._copy_values(
                    line.field, line.proposed_text, attributes.get(line.field)
                )
            listing.attributes = attributes
            mine.sudo().write(
                {"state": "accepted", "accepted_by": self.env.uid, "accepted_on": now}
            )
            labels = dict(
                self.env["amazon.listing.proposal.line"]
                ._fields["field"]
                ._description_selection(self.env)
            )
            listing.message_post(
                body=Markup("<p>%s</p><ul>%s</ul>")
                % (
                    self.env._(
                        "Copy proposal accepted (%(generator)s, %(date)s); "
                        "validate and submit to send it to Amazon:",
                        generator=mine.proposal_id[:1].generator,
                        date=fields.Datetime.to_string(
                            mine.proposal_id[:1].generated_on
                        ),
                    ),
                    Markup("").join(
                        Markup("<li>%s</li>") % labels[line.field] for line in mine
                    ),
                )
            )
        return True

    def action_accept_all(self):
        """Accept every open field of these proposals."""
        return self._accept_lines(self.line_ids)

    def action_reject(self):
        """Set the open fields aside (kept, with who and when)."""
        self.listing_id.check_access("write")
        self.line_ids.filtered(lambda line: line.state == "open").sudo().write(
            {
                "state": "rejected",
                "accepted_by": self.env.uid,
                "accepted_on": fields.Datetime.now(),
            }
        )
        return True

    def _action_open(self, listing=None):
        action = {
            "type": "ir.actions.act_window",
            "name": self.env._("Copy proposals"),
            "res_model": "amazon.listing.proposal",
            "view_mode": "list,form",
            "domain": [("listing_id", "=", listing.id)]
            if listing
            else [("id", "in", self.ids)],
            "context": {"default_listing_id": listing.id} if listing else {},
        }
        if len(self) == 1 and not listing:
            action.update(view_mode="form", res_id=self.id)
        return action


class AmazonListingProposalLine(models.Model):
    _name = "amazon.listing.proposal.line"
    _description = "Amazon Listing Copy Proposal Field"
    _order = "proposal_id, sequence"

    proposal_id = fields.Many2one(
        "amazon.listing.proposal", required=True, ondelete="cascade", index=True
    )
    listing_id = fields.Many2one(related="proposal_id.listing_id", store=True)
    company_id = fields.Many2one(related="proposal_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    field = fields.Selection(FIELDS, required=True, readonly=True)
    current_text = fields.Text(readonly=True)
    proposed_text = fields.Text(readonly=True)
    diff_html = fields.Html("Differences", compute="_compute_diff_html", sanitize=False)
    state = fields.Selection(
        [("open", "To review"), ("accepted", "Accepted"), ("rejected", "Rejected")],
        default="open",
        required=True,
        readonly=True,
    )
    accepted_by = fields.Many2one("res.users", "Decided by", readonly=True)
    accepted_on = fields.Datetime("Decided on", readonly=True)

    @api.depends("current_text", "proposed_text")
    def _compute_diff_html(self):
        for line in self:
            line.diff_html = word_diff(line.current_text, line.proposed_text)

    def action_accept(self):
        """Accept this field (these fields) of the proposal."""
        return self.proposal_id._accept_lines(self)


def _card_html(env, card):
    """The copy generator's model card as a page a seller can read."""
    _ = env._
    rows = [
        (_("Purpose"), card.get("purpose")),
        (_("Method"), card.get("method")),
        (_("Inputs"), "; ".join(card.get("inputs") or ())),
        (_("Never used"), "; ".join(card.get("never_used") or ())),
        (_("Checks"), card.get("checks")),
    ]
    rows = [(label, value or "-") for label, value in rows]
    return table_card_html(env, rows, card.get("known_limits"), "o_amazon_copy_card")
