"""amazon.work: the one primitive every background flow runs on."""

from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from ..core.work import BUSY
from .common import new_test_user

LOCK = 0x54455354  # "TEST": a namespace no flow uses


@tagged("post_install", "-at_install")
class TestBackgroundWork(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Units run in test cursors: savepoints of the test's transaction.
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.work = cls.env["amazon.work"]

    def _partner_name(self, partner_id):
        self.env.invalidate_all()
        return self.env["res.partner"].browse(partner_id).name

    def test_result_and_commit(self):
        partner = self.env["res.partner"].create({"name": "before"})
        result = self.work._run(
            lambda env: (
                env["res.partner"].browse(partner.id).write({"name": "after"})
                and "written"
            )
        )
        self.assertEqual(result, "written")
        self.assertEqual(self._partner_name(partner.id), "after")

    def test_exception_rolls_the_unit_back_and_propagates(self):
        partner = self.env["res.partner"].create({"name": "before"})

        def unit(env):
            env["res.partner"].browse(partner.id).name = "half-done"
            env.flush_all()
            raise ZeroDivisionError

        # Not assertRaises: Odoo's rolls back a savepoint of its own, which
        # would hide whether the unit itself was rolled back.
        raised = False
        try:
            self.work._run(unit)
        except ZeroDivisionError:
            raised = True
        self.assertTrue(raised)
        self.assertEqual(self._partner_name(partner.id), "before")

    def test_busy_while_another_transaction_holds_the_advisory_lock(self):
        ran = []
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute(SQL("SELECT pg_advisory_lock(%s, %s)", LOCK, 7))
            try:
                held = self.work._run(ran.append, locks=[(LOCK, 7)])
                free = self.work._run(lambda env: "ran", locks=[(LOCK, 8)])
            finally:
                other.execute(SQL("SELECT pg_advisory_unlock(%s, %s)", LOCK, 7))
        self.assertIs(held, BUSY)
        self.assertFalse(ran)  # the unit never started
        self.assertEqual(free, "ran")  # another key of the namespace is free
        self.assertEqual(self.work._run(lambda env: "ran", locks=[(LOCK, 7)]), "ran")

    def test_busy_while_another_transaction_holds_the_row(self):
        # A committed row, so the other connection sees and locks it.
        admin = self.env.ref("base.user_admin")
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute(
                SQL("SELECT id FROM res_users WHERE id = %s FOR UPDATE", admin.id)
            )
            held = self.work._run(lambda env: "ran", rows=[("res.users", admin.ids)])
            other.rollback()
        self.assertIs(held, BUSY)
        self.assertEqual(
            self.work._run(lambda env: "ran", rows=[("res.users", admin.ids)]), "ran"
        )

    def test_runs_as_the_named_user_and_company(self):
        company = self.env["res.company"].create({"name": "Second seller"})
        user = new_test_user(
            self.env,
            login="work_user",
            company_id=company.id,
            company_ids=[company.id, self.env.company.id],
        )
        seen = self.work._run(
            lambda env: (env.uid, env.company.id, env.su),
            user=user,
            company=company,
            su=False,
        )
        self.assertEqual(seen, (user.id, company.id, False))
        # By default: the caller's user, as superuser (as a cron runs).
        self.assertEqual(
            self.work._run(lambda env: (env.uid, env.su)), (self.env.uid, True)
        )

    def test_send_commits_the_intent_before_the_remote_call(self):
        partner = self.env["res.partner"].create({"name": "queued"})
        trace = []

        def claim(env):
            env["res.partner"].browse(partner.id).name = "sending"
            trace.append(env.cr)
            return {"id": partner.id}

        def call(intent):
            # The claim's transaction is over (committed) when the remote
            # side is called, and what it wrote is there for everyone.
            trace.append(trace[0]._closed)
            trace.append(self._partner_name(intent["id"]))
            raise ConnectionError("remote down")

        def settle(env, intent, outcome, error):
            env["res.partner"].browse(intent["id"]).name = f"failed: {error}"
            return "settled"

        result = self.work._send(claim, call, settle)
        self.assertEqual(result, "settled")
        self.assertEqual(trace[1:], [True, "sending"])
        self.assertEqual(self._partner_name(partner.id), "failed: remote down")

    def test_send_keeps_the_intent_when_recording_the_outcome_fails(self):
        """A crash after the remote call: the intent stays recorded, so the
        next attempt knows the call may have reached the other side."""
        partner = self.env["res.partner"].create({"name": "queued"})
        calls = []

        def claim(env):
            env["res.partner"].browse(partner.id).name = "sending"
            return partner.id

        def settle(env, intent, outcome, error):
            env["res.partner"].browse(intent).name = "sent"
            env.flush_all()
            raise MemoryError  # the worker dies while recording

        raised = False
        try:  # not assertRaises: its own savepoint rollback would hide the claim
            self.work._send(claim, calls.append, settle)
        except MemoryError:
            raised = True
        self.assertTrue(raised)
        self.assertEqual(calls, [partner.id])
        self.assertEqual(self._partner_name(partner.id), "sending")

    def test_send_without_intent_calls_nothing(self):
        calls = []
        self.assertIsNone(self.work._send(lambda env: None, calls.append, None))
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute(SQL("SELECT pg_advisory_lock(%s, %s)", LOCK, 9))
            try:
                busy = self.work._send(
                    lambda env: 1, calls.append, None, locks=[(LOCK, 9)]
                )
            finally:
                other.execute(SQL("SELECT pg_advisory_unlock(%s, %s)", LOCK, 9))
        self.assertIs(busy, BUSY)
        self.assertEqual(calls, [])
