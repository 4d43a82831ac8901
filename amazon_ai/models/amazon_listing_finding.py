"""What the compliance checks found on a listing (issue 21, item 2): one row
per finding of the rule engine or of Amazon's listing restrictions, and the
last reading of those restrictions per listing.

Rows are written by the checks (as superuser, after the caller's own rights
were checked on the listing) and only read by people: users have read
access only (security/ir.model.access.csv).
"""

from markupsafe import Markup

from odoo import api, fields, models

from .listing_compliance_texts import compliance_texts

SEVERITIES = [("error", "Error"), ("warning", "Warning")]
# Amazon's conditionType values (Listings Restrictions API 2021-08-01).
CONDITIONS = [
    ("new_new", "New"),
    ("new_open_box", "New - Open Box"),
    ("new_oem", "New - OEM"),
    ("refurbished_refurbished", "Refurbished"),
    ("used_like_new", "Used - Like New"),
    ("used_very_good", "Used - Very Good"),
    ("used_good", "Used - Good"),
    ("used_acceptable", "Used - Acceptable"),
    ("collectible_like_new", "Collectible - Like New"),
    ("collectible_very_good", "Collectible - Very Good"),
    ("collectible_good", "Collectible - Good"),
    ("collectible_acceptable", "Collectible - Acceptable"),
    ("club_club", "Club"),
]


class AmazonListingFinding(models.Model):
    _name = "amazon.listing.finding"
    _description = "Amazon listing compliance finding"
    _order = "listing_id, severity_rank, source, attribute, bullet_index, id"

    listing_id = fields.Many2one(
        "amazon.listing", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="listing_id.company_id", store=True)
    source = fields.Selection(
        [("rules", "Listing rules"), ("restriction", "Amazon restrictions")],
        required=True,
    )
    rule = fields.Char(required=True)
    severity = fields.Selection(SEVERITIES, required=True)
    severity_rank = fields.Integer(compute="_compute_severity_rank", store=True)
    attribute = fields.Char(help="Amazon's attribute the finding points to.")
    bullet_index = fields.Integer(
        "Bullet", help="Which bullet point (1 to 10); 0 for other attributes."
    )
    span = fields.Char("Offending text")
    params = fields.Json(readonly=True)
    fingerprint = fields.Char(readonly=True, index=True)
    message = fields.Text(compute="_compute_texts")
    hint = fields.Text("How to fix", compute="_compute_texts")
    links_html = fields.Html("Amazon's links", compute="_compute_texts", sanitize=False)
    overridden = fields.Boolean(
        compute="_compute_overridden",
        help="A manager overrode this error with a reason; it no longer blocks "
        "submission while the text it was found in stays the same.",
    )

    @api.depends("severity")
    def _compute_severity_rank(self):
        for finding in self:
            finding.severity_rank = 0 if finding.severity == "error" else 1

    @api.model
    def _render(self, rule, params, source, texts=None):
        """(message, fix hint) of a finding in the user's language."""
        texts = texts or compliance_texts(self.env)
        params = dict(params or {})
        if source == "restriction":
            conditions = dict(
                self.env["amazon.listing.compliance"]
                ._fields["condition_type"]
                ._description_selection(self.env)
            )
            code = params.get("condition")
            params["condition"] = (
                conditions.get(code) or code or self.env._("any condition")
            )
        message, hint = texts.get(rule, (rule, ""))
        try:
            return message % params, hint % params
        except (KeyError, TypeError, ValueError):
            # A template and its parameters out of step (a rule changed
            # after this finding was stored): the rule id says which.
            return rule, ""

    @api.depends("rule", "params")
    def _compute_texts(self):
        texts = compliance_texts(self.env)
        for finding in self:
            params = finding.params or {}
            finding.message, finding.hint = finding._render(
                finding.rule, params, finding.source, texts
            )
            links = [
                link
                for link in params.get("links") or ()
                if str(link.get("url", "")).startswith("https://")
            ]
            finding.links_html = (
                Markup("<br/>").join(
                    Markup('<a href="%s" target="_blank" rel="noopener">%s</a>')
                    % (link["url"], link.get("title") or link["url"])
                    for link in links
                )
                if links
                else False
            )

    @api.depends("fingerprint", "listing_id.amazon_override_ids")
    def _compute_overridden(self):
        for finding in self:
            finding.overridden = (
                finding.severity == "error"
                and finding.fingerprint
                in finding.listing_id._amazon_overridden_fingerprints()
            )


class AmazonListingCompliance(models.Model):
    """The last compliance check of a listing and the last reading of
    Amazon's restrictions for its ASIN, condition and marketplace."""

    _name = "amazon.listing.compliance"
    _description = "Amazon listing compliance check"

    listing_id = fields.Many2one(
        "amazon.listing", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="listing_id.company_id", store=True)
    checked_on = fields.Datetime(readonly=True)
    asin = fields.Char("ASIN", readonly=True)
    condition_type = fields.Selection(
        CONDITIONS,
        "Condition",
        readonly=True,
    )
    marketplace_code = fields.Char(readonly=True)
    restrictions_read_on = fields.Datetime("Restrictions read on", readonly=True)
    restrictions_answer = fields.Json(readonly=True)
    restrictions_error = fields.Char(readonly=True)

    _sql_constraints = [
        ("listing_uniq", "unique(listing_id)", "One compliance check per listing."),
    ]
