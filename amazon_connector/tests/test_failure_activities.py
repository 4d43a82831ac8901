"""Failures reach people (issue #19, item 6): each kind of background failure
gives the account's responsible user one open "Amazon alert" activity
however often it fails, marked done when the condition recovers, and a new
one when it fails again."""

from collections import Counter

from odoo import fields
from odoo.tests import tagged

from odoo.addons.amazon_pii.tests.common import new_test_user

from .common import SandboxCase

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ALERT_TYPE = "amazon_connector.mail_activity_type_amazon_alert"


@tagged("post_install", "-at_install")
class TestFailureActivities(SandboxCase):
    sandbox_options = {"orders": 12, "seed": 19}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.responsible = new_test_user(
            cls.env, login="alert_owner", groups="amazon_pii.group_amazon_manager"
        )
        cls.admin = new_test_user(
            cls.env,
            login="alert_admin",
            groups="base.group_system,amazon_pii.group_amazon_manager",
        )
        cls.admin.sudo().totp_secret = TOTP_SECRET
        cls.account.user_id = cls.responsible
        cls.creds = cls.sandbox.credentials
        cls.alert_type = cls.env.ref(ALERT_TYPE)

    # -- helpers ----------------------------------------------------------------
    def alerts(self, kind, done=False):
        """Alert activities of ``kind`` on the account, open or done."""
        self.env.invalidate_all()
        return (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search(
                [
                    ("res_model", "=", "amazon.account"),
                    ("res_id", "=", self.account.id),
                    ("activity_type_id", "=", self.alert_type.id),
                    ("amazon_alert", "=", kind),
                    ("active", "=", not done),
                ]
            )
        )

    def all_open(self):
        """Every open activity on the account, whatever its type or kind."""
        self.env.invalidate_all()
        return self.env["mail.activity"].search(
            [("res_model", "=", "amazon.account"), ("res_id", "=", self.account.id)]
        )

    def assert_one_then_closed(self, kind, fail, recover, summary, note_has=()):
        """fail twice -> one open activity for the responsible user; recover
        -> that one done with a feedback line, none open; fail -> a new one."""
        self.assertFalse(self.alerts(kind))
        fail()
        fail()
        opened = self.alerts(kind)
        # Bugs caught: one activity per run, or none at all.
        self.assertEqual(len(opened), 1, f"{kind}: one activity, not one per run")
        self.assertEqual(len(self.all_open()), 1, "another activity was scheduled")
        self.assertEqual(opened.user_id, self.responsible)
        self.assertEqual(opened.summary, summary)
        for text in note_has:
            self.assertIn(text, str(opened.note))
        recover()
        # Bug caught: the activity left open (or deleted) after recovery.
        self.assertFalse(self.alerts(kind), f"{kind}: still open after recovery")
        done = self.alerts(kind, done=True)
        self.assertEqual(done, opened)
        self.assertTrue(done.date_done)
        feedback = self.account.message_ids.filtered(
            lambda m: m.mail_activity_type_id == self.alert_type
        )
        self.assertTrue(feedback, "no done message in the account's chatter")
        fail()
        again = self.alerts(kind)
        # Bug caught: the done activity reopened, or a failure after
        # recovery not reported.
        self.assertEqual(len(again), 1)
        self.assertNotEqual(again, opened)
        return again

    def set_credential(self, key, value):
        self.account.with_user(self.admin).write({key: value})
        self.sandbox.expire_tokens()
        # What the sync will use: the vault holds the new value.
        stored = self.env["amazon.pii.vault"]._secrets(self.account, [key])
        self.assertEqual(stored.get(key), value, f"{key} not stored")

    # -- sync --------------------------------------------------------------------
    def test_failed_sync(self):
        def fail():
            # Amazon no longer accepts the refresh token (revoked by the
            # seller): every run fails until a new one is stored.
            self.set_credential("refresh_token", "revoked-refresh-token")
            with self.assertLogs(level="WARNING"):
                log = self.sync(self.account)
            self.assertEqual(log.state, "failed", log.message)

        def recover():
            self.set_credential("refresh_token", self.creds["refresh_token"])
            log = self.sync(self.account)
            self.assertEqual(log.state, "done", log.message)

        self.assert_one_then_closed(
            "sync",
            fail,
            recover,
            "Amazon order sync failing",
            note_has=("invalid_grant", "Test connection"),
        )

    def test_pause_alerts_only_when_it_lasts(self):
        SyncLog = self.env["amazon.sync.log"]

        def run(state):
            SyncLog._start(self.account)._finish(state, Counter(), "QuotaExceeded")

        # One or two throttled runs resume by themselves: nothing said...
        run("paused")
        run("busy")  # skipped runs neither count nor break the streak
        run("paused")
        self.assertFalse(self.alerts("sync"))

        # ... the third in a row means orders are not coming in.
        def pause_three_times():
            for _run in range(3):
                run("paused")

        self.assert_one_then_closed(
            "sync",
            pause_three_times,
            lambda: run("done"),
            "Amazon order sync failing",
            note_has=("QuotaExceeded",),
        )

    # -- credentials ------------------------------------------------------------------
    def test_refused_or_expired_credentials(self):
        def fail():
            today = fields.Date.context_today(self.account)
            self.account.sudo().lwa_secret_expires_on = today
            self.env["amazon.account"]._cron_lwa_secret_expiry()

        def recover():
            self.set_credential("lwa_client_secret", self.creds["client_secret"])

        self.assert_one_then_closed(
            "credentials",
            fail,
            recover,
            "Amazon sync stopped: LWA client secret",
            note_has=("Rotate client secret",),
        )

    # -- parked orders ------------------------------------------------------------
    def test_parked_orders(self):
        orders = sorted(self.expected_orders(account=self.account))[:3]
        importer = self.env["amazon.order.import"]
        Parked = self.env["amazon.parked.order"]
        to_park = iter(orders)

        def fail():
            with self.assertLogs("odoo.addons.amazon_connector", "WARNING"):
                importer._park(self.account, next(to_park), "a test failure")

        def recover():
            parked = Parked.search([("account_id", "=", self.account.id)])
            self.assertEqual(len(parked), 2)
            self.env.flush_all()
            log = parked.action_retry()
            retried = self.env["amazon.sync.log"].browse(log["res_id"])
            self.assertEqual(retried.state, "done", retried.message)
            self.env.invalidate_all()
            self.assertFalse(Parked.search([("account_id", "=", self.account.id)]))

        self.assert_one_then_closed(
            "parked", fail, recover, "Amazon orders parked", note_has=("2 Amazon",)
        )

    # -- feeds ---------------------------------------------------------------------
    def test_refused_feed(self):
        Feed = self.env["amazon.listing.feed"]

        def feed():
            return Feed.create(
                {
                    "account_id": self.account.id,
                    "marketplace_id": self.account.marketplace_ids[0].id,
                    "kind": "offers",
                    "amazon_feed_id": "F1",
                }
            )

        self.assert_one_then_closed(
            "feed",
            lambda: feed()._finish("FATAL", None),
            lambda: feed()._finish("DONE", b'{"summary": {"messagesAccepted": 0}}'),
            "Amazon refused a listings feed",
        )

    # -- shipment confirmations ------------------------------------------------------
    def test_shipment_confirmation_gave_up(self):
        documents = iter(
            self.env["res.partner"].create(
                [{"name": f"delivery {i}"} for i in range(3)]
            )
        )
        items = self.env["amazon.work.item"]

        def fail():
            nonlocal items
            item = items._for("confirmation", next(documents), self.account)
            self.assertFalse(item._failed("Amazon refused", retry=False))
            items |= item

        def recover():
            items._succeeded()

        self.assert_one_then_closed(
            "confirmation",
            fail,
            recover,
            "Amazon shipment confirmation gave up",
            note_has=("2 shipment",),
        )
        self.assertFalse(self.alerts("work"), "a confirmation is not generic work")

    # -- who is told ----------------------------------------------------------------
    def test_without_responsible_the_creator_is_told(self):
        # create_uid is set by the ORM only: the account is created by him.
        account = (
            self.env["amazon.account"]
            .with_user(self.responsible)
            .create({"name": "Ownerless", "seller_id": "AOWNERLESS", "user_id": False})
        )
        account._alert("work", "Test alert", "Something failed.")
        self.assertEqual(account.sudo().activity_ids.user_id, self.responsible)
