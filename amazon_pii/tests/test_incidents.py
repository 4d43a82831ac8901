from datetime import timedelta
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from ..core.keyring import load_keyring
from ..models.keyring_service import key_file_path
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

    # -- issue #15, item 10 ------------------------------------------------------
    def test_bulk_decryption_paths_open_a_canary_incident(self):
        canary = self.as_user("officer").plant_canary()
        self.store_address(self.owners[0])
        # Export: every field of the owner at once.
        self.as_user("officer").export(canary)
        self.assertEqual(len(self.incidents("canary")), 1)
        # Server code decrypting in bulk, bypassing reveal's rules.
        entries = self.vault._entries(self.owners[0] | canary)
        self.vault._decrypt(entries)
        self.assertEqual(len(self.incidents("canary")), 2)
        # An ordinary owner decrypted alone raises nothing.
        self.vault._decrypt(self.vault._entries(self.owners[0]))
        self.assertEqual(len(self.incidents("canary")), 2)

    def test_re_wrapping_a_canary_under_a_legal_hold_opens_an_incident(self):
        canary = self.as_user("officer").plant_canary()
        hold = self.place_hold(canary, "LH-CANARY", "Bulk archive of buyers")
        self.assertEqual(len(self.incidents("canary")), 1)
        self.assertIn("legal hold placed", self.incidents("canary").description)
        hold.with_user(self.users["officer"]).action_release()
        self.assertEqual(len(self.incidents("canary")), 2)

    def test_key_rotation_reseals_canaries_without_an_alarm(self):
        canary = self.as_user("officer").plant_canary()
        self.store_address(self.owners[0])
        entries = self.vault._entries(canary)
        before = {e.id: (e.kek_version, e.ciphertext) for e in entries}
        keyring = load_keyring(key_file_path())
        rotated = keyring.with_new_version("vault")
        with (
            patch(
                "odoo.addons.amazon_pii.models.pii_vault_keys.get_keyring",
                return_value=rotated,
            ),
            patch(
                "odoo.addons.amazon_pii.models.pii_vault_watch.get_keyring",
                return_value=rotated,
            ),
        ):
            self.vault._rewrap_batch()
        self.assertFalse(self.incidents("canary"))
        entries.invalidate_recordset()
        for entry in entries:
            self.assertEqual(entry.kek_version, rotated.active_version("vault"))
            self.assertNotEqual(entry.ciphertext, before[entry.id][1])
        # Still a canary under the new key: opening it is caught.
        with patch(
            "odoo.addons.amazon_pii.models.pii_vault_reveal.get_keyring",
            return_value=rotated,
        ):
            self.as_user("officer").reveal(canary, ["phone"], "customer_service")
        self.assertEqual(len(self.incidents("canary")), 1)

    def test_officers_cannot_tell_canaries_apart(self):
        canary = self.as_user("officer").plant_canary()
        buyer = self.owners[0]
        self.store_address(buyer, postal_code="75001", buyer_name="Z. Buyer")
        Info = self.env["amazon.pii.entry.info"].with_user(self.users["officer"])
        self.assertNotIn("is_canary", Info._fields)
        arch = Info.get_views([(False, "list"), (False, "search")])["views"]
        self.assertNotIn("canary", str(arch).lower())
        # Same fields as a buyer's, same kind of owner name, no "canary" text.
        keys = set(Info.search([("owner_id", "=", canary.id)]).mapped("field_key"))
        self.assertEqual(
            keys, set(Info.search([("owner_id", "=", buyer.id)]).mapped("field_key"))
        )
        self.assertTrue(canary.name.startswith("Amazon buyer "))
        values = self.as_user("officer").export(canary)
        self.assertNotIn("canary", str(values).lower())

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
