from datetime import timedelta

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import VaultCase


@tagged("post_install", "-at_install")
class TestIncidents(VaultCase):
    def incidents(self, kind):
        return self.env["amazon.pii.incident"].search([("kind", "=", kind)])

    def test_deadline_is_detection_plus_24_hours_with_amazon_address(self):
        incident = self.env["amazon.pii.incident"]._open("manual", "test")
        self.assertEqual(incident.deadline - incident.detected_at, timedelta(hours=24))
        self.assertEqual(incident.notify_address, "3p-security@amazon.com")
        self.assertEqual(incident.state, "detected")
        incident.action_mark_notified()
        incident.action_close()
        self.assertTrue(incident.notified_at and incident.closed_at)

    def test_incident_contact_gets_an_activity(self):
        officer = self.users["officer"]
        self.env["ir.config_parameter"].set_param(
            "amazon_pii.incident_contact_id", officer.id
        )
        incident = self.env["amazon.pii.incident"]._open("manual", "test")
        self.assertEqual(incident.contact_id, officer)
        self.assertEqual(incident.activity_ids.user_id, officer)

    def test_too_many_reveals_open_one_incident(self):
        ICP = self.env["ir.config_parameter"]
        ICP.set_param("amazon_pii.reveal_limit", 2)
        ICP.set_param("amazon_pii.reveal_window_minutes", 10)
        officer = self.as_user("officer")
        for owner in self.owners:
            self.store_address(owner)
        for owner in self.owners[:2]:
            officer.reveal(owner, ["recipient_name"], "customer_service")
        self.assertFalse(self.incidents("reveal_anomaly"))
        for owner in self.owners[2:]:
            officer.reveal(owner, ["recipient_name"], "customer_service")
        incident = self.incidents("reveal_anomaly")
        self.assertEqual(len(incident), 1)
        self.assertEqual(incident.user_id, self.users["officer"])
        self.assertNotIn("Markerson", incident.description)

    def test_canary_reveal_opens_an_incident(self):
        partner = self.as_user("officer").plant_canary()
        self.assertFalse(self.incidents("canary"))
        self.as_user("officer").reveal(partner, ["recipient_name"], "customer_service")
        self.assertEqual(self.incidents("canary").user_id, self.users["officer"])

    def test_tampered_ciphertext_is_refused_and_opens_an_incident(self):
        first, second = self.owners[:2]
        self.store_address(first)
        self.store_address(second)
        self.env.flush_all()
        # Swap two ciphertexts in SQL: associated data binds each to its owner.
        self.env.cr.execute(
            SQL(
                """UPDATE amazon_pii_entry a SET ciphertext = b.ciphertext
                     FROM amazon_pii_entry b
                    WHERE a.owner_id = %s AND b.owner_id = %s
                      AND a.field_key = 'recipient_name'
                      AND b.field_key = 'recipient_name'""",
                first.id,
                second.id,
            )
        )
        self.env.invalidate_all()
        with self.assertRaisesRegex(UserError, "could not be decrypted"):
            self.as_user("officer").reveal(
                first, ["recipient_name"], "customer_service"
            )
        self.assertEqual(len(self.incidents("decryption_failure")), 1)
        self.assertEqual(len(self.audit("decrypt_failed")), 1)
