from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..core.retention import purge_date
from .common import MARKER_NAME, VaultCase

DELIVERED = date(2026, 3, 2)


@tagged("post_install", "-at_install")
class TestVaultRetention(VaultCase):
    def _stored_owner(self, owner):
        self.store_address(owner)
        self.vault.set_purge_after([(owner, purge_date(delivered=DELIVERED))])
        return owner

    def test_purge_keeps_at_day_29_and_removes_at_day_31(self):
        owner = self._stored_owner(self.owners[0])
        with freeze_time(DELIVERED + timedelta(days=29)):
            self.assertEqual(self.vault._cron_purge_due(), 0)
        self.assertTrue(self.vault.stored_keys(owner))
        with freeze_time(DELIVERED + timedelta(days=31)):
            self.assertEqual(self.vault._cron_purge_due(), 4)
        self.assertFalse(self.vault.stored_keys(owner))
        purge = self.audit("purge").filtered("count")
        self.assertEqual((purge.count, purge.detail), (4, "retention: 1 owner(s)"))

    def test_purge_is_idempotent_and_calls_the_copies_hook(self):
        owners = self._stored_owner(self.owners[0]) | self._stored_owner(self.owners[1])
        vault_cls = type(self.vault)
        with (
            patch.object(vault_cls, "_purge_owner_copies", autospec=True) as hook,
            freeze_time(DELIVERED + timedelta(days=40)),
        ):
            self.assertEqual(self.vault._cron_purge_due(), 8)
            self.assertEqual(self.vault._cron_purge_due(), 0)
        hook.assert_called_once()
        self.assertEqual(hook.call_args.args[1:], ("res.partner", sorted(owners.ids)))

    def test_purge_works_in_batches(self):
        for owner in self.owners:
            self._stored_owner(owner)
        with freeze_time(DELIVERED + timedelta(days=31)):
            self.assertEqual(self.vault._cron_purge_due(batch_size=5), 5)
            self.assertEqual(self.vault._cron_purge_due(batch_size=5), 5)
            self.assertEqual(self.vault._cron_purge_due(batch_size=100), 6)
        self.assertEqual(self.audit("purge").mapped("count"), [6, 5, 5])

    def test_entries_without_a_purge_date_fall_back_to_storage_date(self):
        self.store_address(self.owners[2])
        self.env.flush_all()
        stored = self.env["amazon.pii.entry"].sudo().search([], limit=1).create_date
        # Default fallback: stored + 15 days shipping margin + 30 days.
        with freeze_time(stored + timedelta(days=44)):
            self.assertEqual(self.vault._cron_purge_due(), 0)
        with freeze_time(stored + timedelta(days=46)):
            self.assertEqual(self.vault._cron_purge_due(), 4)

    def test_purge_date_follows_the_settings(self):
        self.env["ir.config_parameter"].set_param("amazon_pii.retention_days", 20)
        self.assertEqual(
            self.vault.purge_date_for(delivered=DELIVERED),
            DELIVERED + timedelta(days=20),
        )
        self.assertEqual(
            self.vault.purge_date_for(shipped=DELIVERED),
            DELIVERED + timedelta(days=35),
        )

    def test_purge_run_is_audited_even_when_nothing_is_due(self):
        self.assertEqual(self.vault._cron_purge_due(), 0)
        self.assertEqual(self.audit("purge").count, 0)

    def test_a_field_added_later_shares_the_owners_purge_date(self):
        owner = self._stored_owner(self.owners[1])
        self.vault.store([(owner, {"gift_message#item-1": "Happy birthday"})])
        with freeze_time(DELIVERED + timedelta(days=31)):
            self.assertEqual(self.vault._cron_purge_due(), 5)

    def test_legal_hold_archives_blocks_reveal_and_survives_purge(self):
        owner = self._stored_owner(self.owners[0])
        officer = self.users["officer"]
        hold = self.place_hold(owner, "LH-2026-01", "Chargeback dispute")
        self.assertEqual(hold.entry_count, 4)
        infos = self.env["amazon.pii.entry.info"].search(
            [("owner_id", "=", owner.id), ("owner_model", "=", "res.partner")]
        )
        self.assertEqual(set(infos.mapped("kek_namespace")), {"archive"})
        with self.assertRaisesRegex(AccessError, "legal hold"):
            self.as_user("officer").reveal(
                owner, ["recipient_name"], "customer_service"
            )
        with freeze_time(DELIVERED + timedelta(days=60)):
            self.assertEqual(self.vault._cron_purge_due(), 0)
            self.assertEqual(self.vault.purge(owner), 0)
            hold.with_user(officer).action_release()
            self.assertEqual(hold.state, "released")
            self.assertTrue(
                self.as_user("officer").may_reveal(
                    owner, ["recipient_name"], "customer_service"
                )
            )
            self.assertEqual(self.vault._cron_purge_due(), 4)
        self.assertEqual(len(self.audit("hold") | self.audit("hold_release")), 2)

    def test_replacing_a_value_keeps_its_purge_date(self):
        owner = self._stored_owner(self.owners[3])
        self.vault.store([(owner, {"recipient_name": "Renamed Buyer"})])
        with freeze_time(DELIVERED + timedelta(days=31)):
            self.assertEqual(self.vault._cron_purge_due(), 4)

    def test_held_values_are_not_overwritten_by_a_new_sync(self):
        owner = self._stored_owner(self.owners[3])
        officer = self.users["officer"]
        hold = self.place_hold(owner, "LH-9", "Dispute")
        self.vault.store([(owner, {"recipient_name": "Changed Later"})])
        hold.with_user(officer).action_release()
        revealed = self.as_user("officer").reveal(
            owner, ["recipient_name"], "legal_request"
        )
        self.assertEqual(revealed[owner.id]["recipient_name"], MARKER_NAME)

    def test_hold_wizard_places_one_hold_per_owner(self):
        self.store_address(self.owners[0])
        self.store_address(self.owners[1])
        officer = self.users["officer"]
        infos = self.env["amazon.pii.entry.info"].with_user(officer).search([])
        action = infos.action_place_hold()
        wizard = (
            self.env["amazon.pii.hold.wizard"]
            .with_user(officer)
            .with_context(**action["context"])
            .create({"name": "LH-7", "reason": "Tax audit"})
        )
        holds = self.env["amazon.pii.hold"].search(wizard.action_confirm()["domain"])
        self.assertEqual(set(holds.mapped("owner_id")), set(self.owners[:2].ids))
