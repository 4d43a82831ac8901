"""LWA client secret lifetime and rotation (issue #18): dates recorded,
warnings at 30 and 7 days once each, the sync stops (no SP-API call) once the
secret expired or Amazon refused it, and the rotation wizard proves a new
secret at the sandbox's token endpoint before it replaces the old one."""

from datetime import date, datetime, timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged
from odoo.tools import SQL

from odoo.addons.amazon_pii.tests.common import new_test_user

from ..models.accounts.amazon_account_lwa_secret import CANDIDATE_KEY
from .common import SandboxCase

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@tagged("post_install", "-at_install")
class TestSecretRotation(SandboxCase):
    sandbox_options = {"orders": 12, "seed": 18}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin_groups = "base.group_system,amazon_pii.group_amazon_manager"
        cls.admin = new_test_user(cls.env, login="lwa_admin", groups=admin_groups)
        cls.admin_no2fa = new_test_user(
            cls.env, login="lwa_admin_no2fa", groups=admin_groups
        )
        cls.manager = new_test_user(
            cls.env, login="lwa_manager", groups="amazon_pii.group_amazon_manager"
        )
        for user in (cls.admin, cls.manager):
            user.sudo().totp_secret = TOTP_SECRET
        cls.account.user_id = cls.manager
        cls.original = cls.sandbox.credentials["client_secret"]

    # -- helpers ----------------------------------------------------------------
    def secrets(self, account=None):
        """Every value the vault holds for the account, decrypted."""
        account = account or self.account
        vault = self.env["amazon.pii.vault"].sudo()
        return vault._decrypt(vault._entries(account)).get(account.id, {})

    def activities(self, kind, account=None):
        summary = (account or self.account)._lwa_secret_summary(kind)
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "amazon.account"),
                ("res_id", "=", (account or self.account).id),
                ("summary", "=", summary),
            ]
        )

    def age_secret(self, days_left):
        """Move the secret's dates into the past so ``days_left`` remain."""
        today = fields.Date.context_today(self.account)
        self.account.sudo().write(
            {
                "lwa_secret_set_on": fields.Datetime.now()
                - timedelta(days=180 - days_left),
                "lwa_secret_expires_on": today + timedelta(days=days_left),
            }
        )

    def sp_calls(self):
        stats = self.sandbox.stats()
        return stats["totals"]["calls"], sum(stats["lwa"].values())

    def rotate_with(self, secret, user=None, expires_on=None):
        """Through the wizard's form, as the account's button opens it: what
        the web client sends on save is what the wizard gets."""
        wizard = (
            self.env["amazon.lwa.secret.wizard"]
            .with_user(user or self.admin)
            .with_context(default_account_id=self.account.id)
        )
        with Form(wizard) as form:
            form.new_secret = secret
            if expires_on:
                form.expires_on = expires_on
        wizard = form.record
        self.assertEqual(wizard.account_id, self.account)
        wizard.action_rotate()
        return wizard

    def rotate_refused(self, secret):
        # The SP-API layer logs every permanent failure: expected here.
        with self.assertLogs("amazon_connector.spapi", "WARNING"):
            return self.rotate_with(secret)

    def sync_refused(self):
        with self.assertLogs("amazon_connector.spapi", "WARNING"):
            return self.sync(self.account)

    def retire_sandbox_secret(self):
        """Amazon rotates: a new secret, and the old one stops working (its
        grace period ended). The sandbox outlives the test's rollback, so the
        original secret is made valid again afterwards."""
        new = self.sandbox.rotate_client_secret()
        self.sandbox.retire_old_client_secrets()
        self.addCleanup(self.sandbox.rotate_client_secret, self.original)
        # Access tokens granted before stay valid until they expire: make the
        # next call ask the token endpoint, as an hour later.
        self.sandbox.expire_tokens()
        return new

    # -- dates ------------------------------------------------------------------
    def test_setting_the_secret_records_when_and_the_180_day_expiry(self):
        account = self.account.with_user(self.admin)
        before = fields.Datetime.now().replace(microsecond=0)
        account.write({"lwa_client_secret": self.original})
        after = fields.Datetime.now()
        account.invalidate_recordset()
        set_on = account.lwa_secret_set_on
        # Bug caught: the date not recorded, or recorded from something else
        # than the moment the secret was stored.
        self.assertTrue(before <= set_on <= after, (before, set_on, after))
        self.assertEqual(
            account.lwa_secret_expires_on, date.today() + timedelta(days=180)
        )
        self.assertEqual(account.lwa_secret_days_left, 180)
        self.assertEqual(account.lwa_secret_state, "ok")
        # Other writes leave the dates alone.
        self.age_secret(100)
        account.write({"name": "Renamed seller", "lwa_client_id": "same-id-again"})
        self.assertEqual(account.lwa_secret_days_left, 100)
        # The dates are the connector's: no person sets them.
        far = date.today() + timedelta(days=900)
        with self.assertRaises(AccessError):
            account.write({"lwa_secret_expires_on": far})
        with self.assertRaises(AccessError):
            account.create(
                {"name": "X", "seller_id": "AX1", "lwa_secret_expires_on": far}
            )
        # Searchable for a status page.
        Account = self.env["amazon.account"]
        self.assertIn(account, Account.search([("lwa_secret_days_left", "<=", 100)]))
        self.assertNotIn(account, Account.search([("lwa_secret_days_left", "<", 100)]))

    def test_upgrade_takes_the_vault_entry_date_for_older_accounts(self):
        account = self.account
        stored = datetime(2026, 3, 1, 9, 30)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE amazon_pii_entry SET create_date = %s
                    WHERE owner_model = 'amazon.account' AND owner_id = %s
                      AND field_key = 'lwa_client_secret'""",
                stored,
                account.id,
            )
        )
        self.env.cr.execute(
            SQL(
                """UPDATE amazon_account SET lwa_secret_set_on = NULL,
                          lwa_secret_expires_on = NULL WHERE id = %s""",
                account.id,
            )
        )
        self.env.invalidate_all()
        self.assertEqual(account.lwa_secret_state, "unknown")
        done = self.env["amazon.account"]._lwa_secret_backfill()
        self.assertEqual(done, account)
        self.assertEqual(account.lwa_secret_set_on, stored)
        # 2026-03-01 + 180 days, counted by hand: 2026-08-28.
        self.assertEqual(account.lwa_secret_expires_on, date(2026, 8, 28))
        notes = account.message_ids.filtered(lambda m: "was not recorded" in m.body)
        self.assertEqual(len(notes), 1)
        # Run again: nothing left to fill, no second note.
        self.assertFalse(self.env["amazon.account"]._lwa_secret_backfill())

    # -- warnings -----------------------------------------------------------------
    def test_activities_at_30_and_7_days_exactly_once_each(self):
        cron = self.env["amazon.account"]._cron_lwa_secret_expiry
        self.age_secret(31)
        cron()
        self.assertFalse(self.activities("warn"), "warned before 30 days left")
        self.age_secret(29)
        for _run in range(3):
            cron()
        first = self.activities("warn")
        self.assertEqual(len(first), 1, "one activity, however many runs")
        self.assertEqual(first.user_id, self.manager)  # the account's responsible
        self.assertIn("29 days left", str(first.note))
        self.assertEqual(self.account.lwa_secret_state, "expiring")
        self.age_secret(6)
        for _run in range(3):
            cron()
        warned = self.activities("warn")
        # The one open alert of the kind (amazon_account_alert.py) is brought
        # up to date at 7 days rather than doubled.
        self.assertEqual(warned, first, "a second open warning")
        self.assertIn("6 days left", str(warned.note))
        self.assertEqual(warned.date_deadline, self.account.lwa_secret_expires_on)
        # A new secret resets: warnings closed, none due, the next secret
        # gets its own.
        self.account.with_user(self.admin).write({"lwa_client_secret": self.original})
        self.assertFalse(self.activities("warn"))
        cron()
        self.assertFalse(self.activities("warn"))
        self.assertEqual(self.account.lwa_secret_warned, 0)
        self.age_secret(5)
        cron()
        self.assertEqual(len(self.activities("warn")), 1)

    def test_cron_marks_expired_accounts_stopped_once(self):
        self.age_secret(0)
        cron = self.env["amazon.account"]._cron_lwa_secret_expiry
        cron()
        cron()
        self.assertEqual(self.account.lwa_secret_state, "expired")
        self.assertTrue(self.account.lwa_secret_stopped_on)
        self.assertEqual(len(self.activities("stop")), 1)
        self.assertFalse(self.activities("warn"), "expired: a stop, not a warning")

    # -- stop ---------------------------------------------------------------------
    def test_expired_secret_stops_the_sync_without_calling_amazon(self):
        # The counter sees calls: a healthy account's sync makes some.
        calls, _lwa = self.sp_calls()
        healthy = self.sync(self.account)
        self.assertEqual(healthy.state, "done", healthy.message)
        self.assertGreater(self.sp_calls()[0], calls)

        self.age_secret(-1)
        before = self.sp_calls()
        logs = self.sync(self.account) | self.sync(self.account)
        self.assertEqual(self.sp_calls(), before, "a call reached Amazon")
        self.assertEqual(logs.mapped("state"), ["stopped", "stopped"])
        for log in logs:
            self.assertIn("expired on", log.message)
            self.assertIn("Rotate client secret", log.message)
        self.assertIn("expired on", self.account.lwa_secret_message)
        self.assertEqual(len(self.activities("stop")), 1, "one activity, not per run")
        # Other flows get the same refusal from the account's client.
        with self.assertRaises(Exception) as refused:
            self.account._client()
        self.assertIn("expired on", str(refused.exception))

        # A new secret: it resumes by itself, the activity is closed.
        self.account.with_user(self.admin).write({"lwa_client_secret": self.original})
        self.assertFalse(self.account.lwa_secret_message)
        self.assertFalse(self.activities("stop"))
        resumed = self.sync(self.account)
        self.assertEqual(resumed.state, "done", resumed.message)
        self.assertGreater(self.sp_calls()[0], before[0])

    def test_refused_secret_stops_the_sync_like_an_expired_one(self):
        self.retire_sandbox_secret()
        first = self.sync_refused()
        self.assertEqual(first.state, "stopped", first.message)
        self.assertIn("invalid_client", first.message)
        self.assertEqual(self.account.lwa_secret_state, "refused")
        before = self.sp_calls()
        again = self.sync(self.account)
        self.assertEqual(again.state, "stopped")
        self.assertEqual(self.sp_calls(), before, "no call after the refusal")
        self.assertEqual(len(self.activities("stop")), 1)

    # -- rotation -------------------------------------------------------------------
    def test_rotation_accepted_replaces_the_secret(self):
        new = self.retire_sandbox_secret()
        self.assertEqual(self.secrets()["lwa_client_secret"], self.original)
        _calls, lwa_before = self.sp_calls()
        expiry = date.today() + timedelta(days=90)
        wizard = self.rotate_with(new, expires_on=expiry)
        self.assertEqual(wizard.state, "done", wizard.result)
        self.assertGreater(self.sp_calls()[1], lwa_before, "not checked at LWA")
        stored = self.secrets()
        self.assertEqual(stored["lwa_client_secret"], new)
        self.assertNotIn(self.original, stored.values(), "old secret still stored")
        self.assertNotIn(CANDIDATE_KEY, stored)
        # Amazon's own date when given, else 180 days.
        self.assertEqual(self.account.lwa_secret_expires_on, expiry)
        # The token works with the new secret: the sync runs.
        self.sandbox.expire_tokens()
        log = self.sync(self.account)
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(self.account.lwa_secret_state, "ok")

    def test_rotation_resumes_a_stopped_account(self):
        new = self.retire_sandbox_secret()
        self.assertEqual(self.sync_refused().state, "stopped")
        wizard = self.rotate_with(new)
        self.assertEqual(wizard.state, "done", wizard.result)
        self.assertEqual(
            self.account.lwa_secret_expires_on, date.today() + timedelta(days=180)
        )
        self.assertFalse(self.activities("stop"))
        log = self.sync(self.account)
        self.assertEqual(log.state, "done", log.message)

    def test_rotation_refused_keeps_the_old_secret(self):
        wizard = self.rotate_refused("not-a-secret-of-this-app")
        self.assertEqual(wizard.state, "refused")
        self.assertIn("invalid_client", wizard.result)
        self.assertIn("was kept", wizard.result)
        stored = self.secrets()
        self.assertEqual(stored["lwa_client_secret"], self.original)
        self.assertNotIn(CANDIDATE_KEY, stored)
        # A refused candidate does not stop the account: its secret works.
        self.assertFalse(self.account.lwa_secret_stopped_on)
        self.sandbox.expire_tokens()
        log = self.sync(self.account)
        self.assertEqual(log.state, "done", log.message)

    def test_wizard_refused_without_2fa_and_for_non_admins(self):
        Wizard = self.env["amazon.lwa.secret.wizard"]
        vals = {"account_id": self.account.id, "new_secret": "candidate-value-1"}
        with self.assertRaisesRegex(AccessError, "two-factor"):
            Wizard.with_user(self.admin_no2fa).create(vals)
        with self.assertRaises(AccessError):
            Wizard.with_user(self.manager).create(vals)
        # Nor through a wizard an administrator opened.
        wizard = Wizard.with_user(self.admin).create({"account_id": self.account.id})
        with self.assertRaises(AccessError):
            wizard.with_user(self.manager).action_rotate()
        # Nothing was stored by the refused attempts.
        self.assertNotIn(CANDIDATE_KEY, self.secrets())

    def test_audit_names_the_key_never_the_value(self):
        new = self.retire_sandbox_secret()
        Audit = self.env["amazon.pii.audit"].sudo()
        last = Audit.search([], order="id desc", limit=1).id
        self.rotate_refused("refused-candidate-xyz")
        self.rotate_with(new)
        rows = Audit.search(
            [
                ("id", ">", last),
                ("event", "=", "credential"),
                ("res_model", "=", "amazon.account"),
                ("res_id", "=", self.account.id),
            ]
        )
        # Pasting (twice), the refusal and the rotation.
        self.assertEqual(len(rows), 4)
        details = rows.mapped("detail")
        self.assertIn(
            "rotated: Amazon's token endpoint accepted the new secret", details
        )
        self.assertIn("rotation refused: the old secret was kept", details)
        self.assertIn(CANDIDATE_KEY, rows.mapped("field_keys"))  # the pasted ones
        self.assertEqual(rows.user_id, self.admin)
        # The values are in the vault (the check can see them) ...
        self.assertEqual(self.secrets()["lwa_client_secret"], new)
        # ... and nowhere in the audit, chatter or activities.
        texts = [
            str(value)
            for row in rows
            for value in row.read(["field_keys", "detail", "purpose"])[0].values()
        ]
        texts += [str(m.body) for m in self.account.message_ids]
        texts += [str(a.note) for a in self.account.activity_ids]
        for value in (new, self.original, "refused-candidate-xyz"):
            self.assertFalse([t for t in texts if value in t], "secret in the audit")
