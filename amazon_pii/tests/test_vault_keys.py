import json
import os
import tempfile
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import tagged
from odoo.tools import SQL, config

from ..core.keyring import KeyRing, write_new
from ..models import keyring_service
from .common import MARKER_NAME, VaultCase


@tagged("post_install", "-at_install")
class TestVaultKeys(VaultCase):
    def setUp(self):
        super().setUp()
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.key_dir = tmp.name
        self.key_file = os.path.join(tmp.name, "keyring.json")
        write_new(self.key_file, KeyRing.generate())
        patcher = patch.dict(config.options, {"amazon_pii_key_file": self.key_file})
        patcher.start()
        self.addCleanup(patcher.stop)

    def _rotate(self):
        ring = KeyRing.from_file(self.key_file).with_new_version("vault")
        with open(self.key_file, "w", encoding="utf-8") as handle:
            handle.write(ring.to_json())
        os.utime(self.key_file, ns=(0, os.stat(self.key_file).st_mtime_ns + 10**9))
        return ring

    def reveal_name(self, owner):
        return self.as_user("officer").reveal(
            owner, ["recipient_name"], "customer_service"
        )[owner.id]["recipient_name"]

    def test_rotation_rewraps_without_touching_payloads(self):
        owner = self.owners[0]
        entries = self.store_address(owner)
        before = {e.id: (e.ciphertext, e.kek_version) for e in entries}
        ring = self._rotate()
        old = "v1"
        with self.assertRaisesRegex(UserError, "still protects 4 vault entries"):
            self.vault.retire_key_version("vault", old)
        self.assertEqual(self.audit("key_retire_refused").count, 4)
        done, remaining = self.vault._rewrap_batch(batch_size=3)
        self.assertEqual((done, remaining), (3, 1))
        self.assertEqual(self.vault._rewrap_batch()[0], 1)
        entries.invalidate_recordset()
        for entry in entries.with_context(bin_size=False):
            self.assertEqual(entry.kek_version, ring.active_version("vault"))
            self.assertEqual(entry.ciphertext, before[entry.id][0])
        self.vault.retire_key_version("vault", old)
        self.assertNotIn(old, KeyRing.from_file(self.key_file).versions("vault"))
        self.assertEqual(self.reveal_name(owner), MARKER_NAME)
        self.assertTrue(self.audit("key_retire"))

    def test_rewrap_cron_counts_failed_entries_as_not_done(self):
        first, second = self.owners[:2]
        self.store_address(first)
        self.store_address(second)
        self._rotate()
        self.env.flush_all()
        # One entry's data key swapped for another owner's: it cannot be
        # unwrapped under its own associated data, so it stays stale.
        self.env.cr.execute(
            SQL(
                """UPDATE amazon_pii_entry a SET wrapped_key = b.wrapped_key
                     FROM amazon_pii_entry b
                    WHERE a.owner_id = %s AND b.owner_id = %s
                      AND a.field_key = 'recipient_name'
                      AND b.field_key = 'recipient_name'""",
                first.id,
                second.id,
            )
        )
        self.env.invalidate_all()
        cron = self.env.ref("amazon_pii.ir_cron_amazon_pii_key_rewrap")
        runs = []
        for _run in range(2):
            progress = self.env["ir.cron.progress"].create({"cron_id": cron.id})
            self.vault.with_context(ir_cron_progress_id=progress.id)._cron_rewrap()
            runs.append((progress.done, progress.remaining))
        # The second run re-wraps nothing: done 0 tells Odoo to wait for the
        # next interval instead of running it again at once, forever.
        self.assertEqual(runs, [(7, 1), (0, 1)])
        self.assertTrue(self.audit("decrypt_failed"))

    def test_retire_wizard_offers_old_versions_and_refuses_used_ones(self):
        self.store_address(self.owners[0])
        self._rotate()
        Wizard = self.env["amazon.pii.key.retire.wizard"]
        choices = [value for value, _label in Wizard._selection_version()]
        self.assertEqual(choices, ["vault/v1"])
        wizard = Wizard.create({"version": "vault/v1"})
        self.assertEqual(wizard.usage, 4)
        with self.assertRaisesRegex(UserError, "still protects"):
            wizard.action_retire()
        self.vault._rewrap_batch()
        wizard.action_retire()
        self.assertEqual([v for v, _l in Wizard._selection_version()], [])

    def test_missing_key_file_says_how_to_generate_one(self):
        with (
            patch.dict(config.options, {"amazon_pii_key_file": ""}),
            patch.dict(os.environ, {"AMAZON_PII_KEY_FILE": ""}),
            self.assertRaisesRegex(UserError, "keyring.py generate"),
        ):
            self.store_address(self.owners[0])

    def test_config_option_wins_over_environment_variable(self):
        other = os.path.join(self.key_dir, "other.json")
        write_new(other, KeyRing.generate())
        configured = KeyRing.from_file(self.key_file).kek("vault", "v1")
        from_env = KeyRing.from_file(other).kek("vault", "v1")
        with patch.dict(os.environ, {"AMAZON_PII_KEY_FILE": other}):
            ring = keyring_service.get_keyring(self.env)
            self.assertEqual(ring.kek("vault", "v1"), configured)
            with patch.dict(config.options, {"amazon_pii_key_file": ""}):
                ring = keyring_service.get_keyring(self.env)
                self.assertEqual(ring.kek("vault", "v1"), from_env)

    def test_settings_show_fingerprints_never_key_material(self):
        self.store_address(self.owners[0])
        settings = self.env["res.config.settings"].create({})
        status = settings.amazon_pii_keyring_status
        self.assertIn("vault/v1 (active)", status)
        self.assertIn("4 entries", status)
        with open(self.key_file, encoding="utf-8") as handle:
            keys = json.load(handle)
        for namespace in ("vault", "archive"):
            for material in keys[namespace]["keys"].values():
                self.assertNotIn(material, status)

    def test_changed_key_file_is_picked_up_without_restart(self):
        first = keyring_service.get_keyring(self.env)
        self._rotate()
        self.assertNotEqual(
            keyring_service.get_keyring(self.env).active_version("vault"),
            first.active_version("vault"),
        )

    def test_neutralized_copy_cannot_decrypt(self):
        owner = self.owners[0]
        self.store_address(owner)
        self.env["ir.config_parameter"].set_param(
            "amazon_pii.incident_notify_address", "3p-security@amazon.com"
        )
        self.env.flush_all()
        for query in get_neutralization_queries(["amazon_pii"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        with self.assertRaisesRegex(UserError, "data key destroyed"):
            self.reveal_name(owner)
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(
                "amazon_pii.incident_notify_address"
            ),
            "neutralized@example.invalid",
        )
