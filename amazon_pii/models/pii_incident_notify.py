"""Telling Amazon within 24 hours (docs/data-protection.md #15).

"Prepare notification" opens Odoo's mail composer on the incident with a
template that states facts only: the reference, kind, times, state, counts
and the seller's company and contact. It never carries the description,
which is free text typed by staff and could hold buyer data by mistake.
Sending it records when Amazon was told. Until then an hourly cron
escalates: once when six hours or less remain, once when the deadline has
passed, each time with an activity for the officers and the administrators.
"""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from .officers import administrators, officers

NEAR = timedelta(hours=6)
STAGES = [
    ("none", "Not escalated"),
    ("near", "Deadline near"),
    ("past", "Deadline passed"),
]
_RANK = {key: rank for rank, (key, _label) in enumerate(STAGES)}
TEMPLATE = "amazon_pii.mail_template_incident_notification"


class AmazonPiiIncident(models.Model):
    _inherit = "amazon.pii.incident"

    escalation_stage = fields.Selection(
        STAGES,
        default="none",
        required=True,
        readonly=True,
        copy=False,
        help="How far the deadline escalation went; each stage alerts once.",
    )
    reveals_before = fields.Integer(
        "Reveals by the user involved (24 h before detection)",
        compute="_compute_reveals_before",
        compute_sudo=True,
    )

    # Labels for the notification template (in the recipient's language).
    kind_label = fields.Char(compute="_compute_labels")
    state_label = fields.Char(compute="_compute_labels")

    @api.depends("kind", "state")
    def _compute_labels(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        states = dict(self._fields["state"]._description_selection(self.env))
        for incident in self:
            incident.kind_label = kinds.get(incident.kind, "")
            incident.state_label = states.get(incident.state, "")

    def _compute_reveals_before(self):
        Audit = self.env["amazon.pii.audit"]
        for incident in self:
            if not incident.user_id or not incident.detected_at:
                incident.reveals_before = 0
                continue
            incident.reveals_before = Audit.search_count(
                [
                    ("event", "=", "reveal"),
                    ("user_id", "=", incident.user_id.id),
                    ("create_date", ">=", incident.detected_at - timedelta(hours=24)),
                    ("create_date", "<=", incident.detected_at),
                ]
            )

    # The stage decides who was alerted: set by the cron only, like the
    # other evidence of pii_incident.py (_FIXED).
    def write(self, vals):
        if "escalation_stage" in vals and not self.env.su:
            raise UserError(self.env._("The escalation stage is set by the server."))
        return super().write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and (
            "default_escalation_stage" in self.env.context
            or any("escalation_stage" in vals for vals in vals_list)
        ):
            raise UserError(self.env._("The escalation stage is set by the server."))
        return super().create(vals_list)

    # -- notification --------------------------------------------------------------
    def action_prepare_notification(self):
        """The mail composer with the facts-only template, to Amazon's
        security address."""
        self.ensure_one()
        self.check_access("write")
        template = self.env.ref(TEMPLATE)
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                # The mail layout prints the record's name: the incident's
                # title is typed by staff, so the facts-only reference
                # stands in for it.
                "default_record_name": self.env._(
                    "%(company)s security incident #%(id)s",
                    company=self.company_id.name,
                    id=self.id,
                ),
                "default_email_layout_xmlid": "mail.mail_notification_light",
                "force_email": True,
            },
        }

    def _record_notified(self):
        """The notification was sent: when, by whom (audit), and the state."""
        todo = self.filtered(lambda i: not i.notified_at)
        if not todo:
            return
        todo.sudo().write({"state": "notified", "notified_at": fields.Datetime.now()})
        # Every to-do on an incident asks to notify Amazon (the contact's,
        # the escalations'): done now.
        todo.sudo().activity_feedback(
            ["mail.mail_activity_data_todo"],
            feedback=self.env._("Amazon notified."),
        )
        self.env["amazon.pii.audit"]._log("incident_notified", records=todo)

    # -- escalation ------------------------------------------------------------------
    @api.model
    def _cron_escalate(self):
        """Hourly: alert once when six hours or less remain, once when the
        deadline has passed, for incidents Amazon has not heard of yet."""
        now = fields.Datetime.now()
        pending = self.sudo().search(
            [
                ("state", "in", ["detected", "investigating"]),
                ("notified_at", "=", False),
                ("escalation_stage", "!=", "past"),
                ("deadline", "<=", now + NEAR),
            ]
        )
        for incident in pending:
            stage = "past" if incident.deadline <= now else "near"
            if _RANK[stage] > _RANK[incident.escalation_stage]:
                incident._escalate(stage)

    def _escalate(self, stage):
        self.ensure_one()
        people = self.contact_id | officers(self.env) | administrators(self.env)
        if stage == "past":
            summary = self.env._("Amazon's 24-hour deadline has passed")
            note = self.env._(
                "Amazon's 24-hour notification deadline passed at %(deadline)s "
                "UTC and Amazon has not been notified: escalated to the "
                "officers and administrators.",
                deadline=self.deadline,
            )
        else:
            summary = self.env._("Notify Amazon: 6 hours or less left")
            note = self.env._(
                "Amazon must be notified by %(deadline)s UTC: escalated to the "
                "officers and administrators.",
                deadline=self.deadline,
            )
        for user in people:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=fields.Date.context_today(self),
                summary=summary,
                user_id=user.id,
            )
        self.message_post(body=note, subtype_xmlid="mail.mt_note")
        self.write({"escalation_stage": stage})
