from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

DEFAULT_AMAZON_ADDRESS = "3p-security@amazon.com"
KINDS = [
    ("reveal_anomaly", "Unusual volume of reveals"),
    ("canary", "Canary entry touched"),
    ("decryption_failure", "Decryption failure"),
    ("audit_tamper", "Audit chain tampered"),
    ("manual", "Reported by hand"),
    ("login_burst", "Burst of failed logins"),
]


class AmazonPiiIncident(models.Model):
    """A security incident (docs/data-protection.md #15): Amazon must hear of
    it within 24 hours."""

    _name = "amazon.pii.incident"
    _description = "Amazon Security Incident"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "detected_at desc, id desc"

    name = fields.Char(required=True, tracking=True)
    kind = fields.Selection(KINDS, required=True, default="manual", tracking=True)
    description = fields.Text(help="What happened. Never paste buyer data here.")
    detected_at = fields.Datetime(required=True, default=fields.Datetime.now)
    deadline = fields.Datetime(
        "Notify Amazon by",
        compute="_compute_deadline",
        store=True,
        help="Detection plus 24 hours: Amazon's notification deadline.",
    )
    notify_address = fields.Char(
        "Amazon notification address",
        required=True,
        default=lambda self: self._default_notify_address(),
    )
    contact_id = fields.Many2one(
        "res.users",
        "Incident contact",
        default=lambda self: self._default_contact(),
        tracking=True,
    )
    user_id = fields.Many2one("res.users", "User involved", readonly=True)
    state = fields.Selection(
        [
            ("detected", "Detected"),
            ("investigating", "Investigating"),
            ("notified", "Amazon notified"),
            ("contained", "Contained"),
            ("closed", "Closed"),
        ],
        default="detected",
        required=True,
        tracking=True,
    )
    notified_at = fields.Datetime(readonly=True)
    closed_at = fields.Datetime(readonly=True)
    overdue = fields.Boolean(compute="_compute_overdue")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )

    # What was detected, when and about whom, the deadline that follows and
    # when Amazon was told are evidence: fixed once opened, set by code or by
    # the state buttons only (superuser), never by a write, a create value
    # or a context default an RPC caller chooses (issue #15, item 7).
    _FIXED = frozenset(
        {"kind", "detected_at", "deadline", "user_id", "notified_at", "closed_at"}
    )

    def write(self, vals):
        if self._FIXED & set(vals) and not self.env.su:
            raise UserError(
                self.env._(
                    "An incident's kind, detection time, deadline, user and "
                    "notification and closing times are fixed."
                )
            )
        return super().write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # Context defaults count: create() would apply them like values.
            defaults = {
                key[len("default_") :]: value
                for key, value in self.env.context.items()
                if key.startswith("default_")
            }
            now = fields.Datetime.now()
            for vals in vals_list:
                given = {**defaults, **vals}
                detected = given.get("detected_at")
                if (
                    given.get("kind", "manual") != "manual"
                    or {"deadline", "user_id", "notified_at", "closed_at"}
                    & given.keys()
                    # Detected earlier is allowed (a stricter deadline); later
                    # than now would postpone Amazon's 24 hours.
                    or (detected and fields.Datetime.to_datetime(detected) > now)
                ):
                    raise UserError(
                        self.env._(
                            "An incident reported by hand is of kind "
                            "'Reported by hand', detected now or earlier; its "
                            "deadline, user and notification times are not given."
                        )
                    )
        return super().create(vals_list)

    @api.depends("detected_at")
    def _compute_deadline(self):
        for incident in self:
            incident.deadline = incident.detected_at and (
                incident.detected_at + timedelta(hours=24)
            )

    def _compute_overdue(self):
        now = fields.Datetime.now()
        for incident in self:
            incident.overdue = bool(
                incident.state in ("detected", "investigating")
                and incident.deadline
                and incident.deadline < now
            )

    @api.model
    def _default_notify_address(self):
        return (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("amazon_pii.incident_notify_address", DEFAULT_AMAZON_ADDRESS)
        )

    @api.model
    def _default_contact(self):
        contact = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("amazon_pii.incident_contact_id")
        )
        return self.env["res.users"].browse(int(contact)).exists() if contact else False

    @api.model
    def _open(self, kind, description, user=None):
        """Open an incident (from code, as superuser) and alert its contact."""
        incident = self.sudo().create(
            {
                "name": dict(KINDS)[kind],
                "kind": kind,
                "description": description,
                "user_id": user.id if user else False,
            }
        )
        if incident.contact_id:
            incident.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=incident.deadline.date(),
                summary=self.env._("Notify Amazon within 24 hours"),
                user_id=incident.contact_id.id,
            )
        self.env["amazon.pii.audit"]._log(
            "incident", records=incident, detail=kind, user_id=self.env.uid
        )
        return incident

    def action_investigate(self):
        self.state = "investigating"

    def action_mark_notified(self):
        self.check_access("write")  # officers; the time itself is the server's
        self.sudo().write({"state": "notified", "notified_at": fields.Datetime.now()})

    def action_contain(self):
        self.state = "contained"

    def action_close(self):
        self.check_access("write")
        self.sudo().write({"state": "closed", "closed_at": fields.Datetime.now()})
