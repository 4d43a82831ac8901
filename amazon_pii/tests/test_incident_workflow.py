import re
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MARKER_NAME, MARKER_STREET, VaultCase

NEAR = "Notify Amazon: 6 hours or less left"
PAST = "Amazon's 24-hour deadline has passed"


@tagged("post_install", "-at_install")
class TestIncidentWorkflow(VaultCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param(
            "amazon_pii.incident_contact_id", cls.users["officer"].id
        )
        cls.Incident = cls.env["amazon.pii.incident"]
        cls.admins = cls.env.ref("base.group_system").users.filtered(
            lambda u: u.active and not u.share
        )

    def detected_hours_ago(self, incident, hours):
        incident.sudo().write(
            {"detected_at": fields.Datetime.now() - timedelta(hours=hours)}
        )

    def alerts(self, incident, summary):
        return incident.activity_ids.filtered(lambda a: a.summary == summary)

    # -- escalation ------------------------------------------------------------
    def test_incident_escalation_happens_once_per_stage(self):
        incident = self.Incident._open("manual", "escalation test")
        other = self.Incident._open("manual", "notified in time")
        people = self.users["officer"] | self.admins
        self.assertTrue(self.admins, "administrators to escalate to")

        self.Incident._cron_escalate()  # 24 hours left: nothing
        self.assertEqual(incident.escalation_stage, "none")
        self.assertFalse(self.alerts(incident, NEAR) | self.alerts(incident, PAST))

        self.detected_hours_ago(incident, 17)  # 7 hours left: still nothing
        self.Incident._cron_escalate()
        self.assertEqual(incident.escalation_stage, "none")

        self.detected_hours_ago(incident, 19)  # 5 hours left
        self.detected_hours_ago(other, 19)
        other.action_mark_notified()
        for _run in range(2):
            self.Incident._cron_escalate()
        self.assertEqual(incident.escalation_stage, "near")
        near = self.alerts(incident, NEAR)
        self.assertEqual(near.user_id, people)
        self.assertEqual(len(near), len(people), "once per person")
        self.assertFalse(self.alerts(other, NEAR), "Amazon already notified")
        self.assertEqual(other.escalation_stage, "none")

        self.detected_hours_ago(incident, 25)  # deadline passed an hour ago
        for _run in range(2):
            self.Incident._cron_escalate()
        self.assertEqual(incident.escalation_stage, "past")
        past = self.alerts(incident, PAST)
        self.assertEqual(past.user_id, people)
        self.assertEqual(len(past), len(people))
        self.assertEqual(len(self.alerts(incident, NEAR)), len(people))
        notes = incident.message_ids.filtered(lambda m: "escalated" in (m.body or ""))
        self.assertEqual(len(notes), 2, "one note per stage")

    def test_an_incident_found_late_escalates_straight_to_past(self):
        incident = self.Incident._open("manual", "late")
        self.detected_hours_ago(incident, 30)
        self.Incident._cron_escalate()
        self.assertEqual(incident.escalation_stage, "past")
        self.assertFalse(self.alerts(incident, NEAR))
        self.assertTrue(self.alerts(incident, PAST))

    def test_the_escalation_stage_is_the_servers(self):
        incident = self.Incident._open("manual", "stage")
        officer_view = incident.with_user(self.users["officer"])
        with self.assertRaises(UserError):
            officer_view.write({"escalation_stage": "past"})
        with self.assertRaises(UserError):
            self.Incident.with_user(self.users["officer"]).create(
                {"name": "x", "escalation_stage": "past"}
            )
        with self.assertRaises(UserError):
            self.Incident.with_user(self.users["officer"]).with_context(
                default_escalation_stage="past"
            ).create({"name": "x"})
        self.assertEqual(incident.escalation_stage, "none")

    # -- notification ------------------------------------------------------------
    def composer(self, incident, user):
        action = incident.with_user(user).action_prepare_notification()
        self.assertEqual(action["res_model"], "mail.compose.message")
        return (
            self.env["mail.compose.message"]
            .with_user(user)
            .with_context(**action["context"])
            .create({})
        )

    def buyer_strings(self):
        """Every buyer value in the vault, decrypted (the independent truth a
        mail is scanned against)."""
        entries = self.env["amazon.pii.entry"].sudo().search([])
        return [
            value
            for fields_ in self.vault._decrypt(entries).values()
            for value in fields_.values()
            if value
        ]

    def scan(self, text, values):
        return [v for v in values if v in text]

    def test_notification_mail_states_facts_and_no_buyer_data(self):
        self.store_address(self.owners[0])
        values = self.buyer_strings()
        self.assertIn(MARKER_NAME, values)
        self.assertIn(MARKER_STREET, values)
        officer = self.users["officer"]
        # Staff pasted buyer data into the title and description by mistake.
        incident = self.Incident.with_user(officer).create(
            {
                "name": f"Label for {MARKER_NAME} printed twice",
                "description": f"Sent to {MARKER_STREET}",
            }
        )
        # The scan sees buyer data where it is.
        self.assertEqual(
            set(self.scan(incident.name + incident.description, values)),
            {MARKER_NAME, MARKER_STREET},
        )
        composer = self.composer(incident, officer)
        self.assertEqual(composer.partner_ids.email, "3p-security@amazon.com")
        text = composer.subject + composer.body
        self.assertEqual(self.scan(text, values), [])
        plain = re.sub(r"<[^>]+>", " ", composer.body)
        for fact in (
            f"#{incident.id}",
            "Reported by hand",
            str(incident.deadline),
            str(incident.detected_at),
            "Detected",
            incident.company_id.name,
            officer.name,
        ):
            self.assertIn(fact, plain)
        composer.action_send_mail()
        sent = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", incident._name), ("res_id", "=", incident.id)])
        )
        self.assertEqual(len(sent), 1)
        self.assertEqual(self.scan(sent.subject + sent.body_html, values), [])

    def test_sending_the_notification_records_when_amazon_was_told(self):
        officer = self.users["officer"]
        incident = self.Incident._open("manual", "to notify")
        self.assertEqual(len(incident.activity_ids), 1, "the contact's to-do")
        # A reply without the template is not the notification.
        plain = (
            self.env["mail.compose.message"]
            .with_user(officer)
            .with_context(default_model=incident._name, default_res_ids=incident.ids)
            .create({"body": "Looking into it", "composition_mode": "comment"})
        )
        plain.action_send_mail()
        self.assertFalse(incident.notified_at)
        # The template sent to someone else (the officer alone) is not it.
        elsewhere = self.composer(incident, officer)
        elsewhere.partner_ids = officer.partner_id
        elsewhere.action_send_mail()
        self.assertFalse(incident.notified_at)
        self.assertEqual(incident.state, "detected")
        before = fields.Datetime.now()
        self.composer(incident, officer).action_send_mail()
        self.assertEqual(incident.state, "notified")
        self.assertGreaterEqual(incident.notified_at, before)
        self.assertFalse(incident.activity_ids, "the to-do is done")
        audit = self.audit("incident_notified")
        self.assertEqual(len(audit), 1)
        self.assertEqual((audit.res_id, audit.user_id), (incident.id, officer))
        # Sent to Amazon's address, posted on the incident.
        message = incident.message_ids.filtered(
            lambda m: m.partner_ids.email == "3p-security@amazon.com"
        )
        self.assertEqual(len(message), 1)
        # A notified incident no longer escalates.
        self.detected_hours_ago(incident, 30)
        self.Incident._cron_escalate()
        self.assertEqual(incident.escalation_stage, "none")
