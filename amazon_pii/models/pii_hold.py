from odoo import api, fields, models
from odoo.exceptions import UserError


class AmazonPiiHold(models.Model):
    """Legal hold (docs/data-protection.md #2): keeps an owner's PII past
    retention, archived.

    Held entries are re-wrapped under the separate archive key: they are not
    purged, and cannot be revealed in ordinary use until the hold is released.
    """

    _name = "amazon.pii.hold"
    _description = "Amazon PII Legal Hold"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char("Reference", required=True, tracking=True)
    reason = fields.Text(required=True, tracking=True)
    owner_model = fields.Char(required=True, readonly=True)
    owner_id = fields.Many2oneReference(
        model_field="owner_model", required=True, readonly=True
    )
    state = fields.Selection(
        [("active", "Active"), ("released", "Released")],
        default="active",
        required=True,
        readonly=True,
        tracking=True,
    )
    placed_by = fields.Many2one(
        "res.users", readonly=True, default=lambda self: self.env.user
    )
    released_by = fields.Many2one("res.users", readonly=True)
    released_at = fields.Datetime(readonly=True)
    entry_count = fields.Integer(compute="_compute_entry_count")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )

    def _compute_entry_count(self):
        counts = dict(
            self.env["amazon.pii.entry"]
            .sudo()
            ._read_group([("hold_id", "in", self.ids)], ["hold_id"], ["__count"])
        )
        for hold in self:
            hold.entry_count = counts.get(hold._origin, 0)

    # Set by placing and releasing only. Releasing goes through
    # action_release, which re-wraps the entries first: a bare state change
    # would strand them in the archive, or skip the release's audit row.
    # Only superuser code writes them: an RPC caller chooses its context
    # and its create values, so neither may open them (issue #15, item 7).
    _FROZEN = frozenset(
        {"owner_model", "owner_id", "state", "released_by", "released_at"}
    )
    _SET_BY_CODE = frozenset({"state", "placed_by", "released_by", "released_at"})

    def write(self, vals):
        if self._FROZEN & set(vals) and not self.env.su:
            raise UserError(
                self.env._(
                    "Use Release hold; a legal hold's owner and state are fixed."
                )
            )
        return super().write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # Context defaults count: create() would apply them like values.
            defaults = {
                key[len("default_") :]
                for key in self.env.context
                if key.startswith("default_")
            }
            for vals in vals_list:
                if self._SET_BY_CODE & (set(vals) | defaults):
                    raise UserError(
                        self.env._(
                            "A legal hold is placed active by the current user; "
                            "its state and who placed or released it are "
                            "recorded, not given."
                        )
                    )
        holds = super().create(vals_list)
        vault = self.env["amazon.pii.vault"]
        for hold in holds:
            vault._place_hold(hold)
        return holds

    def action_release(self):
        self.check_access("write")  # PII Officers only, before any effect
        vault = self.env["amazon.pii.vault"]
        for hold in self:
            if hold.state != "active":
                raise UserError(
                    self.env._(
                        "Legal hold %(name)s is already released.", name=hold.name
                    )
                )
            vault._release_hold(hold)
            hold.sudo().write(
                {
                    "state": "released",
                    "released_by": self.env.uid,
                    "released_at": fields.Datetime.now(),
                }
            )
