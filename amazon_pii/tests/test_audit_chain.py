from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL

from ..core import hashchain
from .common import VaultCase


@tagged("post_install", "-at_install")
class TestAuditChain(VaultCase):
    def setUp(self):
        super().setUp()
        self.Audit = self.env["amazon.pii.audit"]
        for i in range(5):
            self.Audit._log("verify", count=i, detail=f"row {i}")
        self.env["amazon.pii.audit"]._seal_committed()  # as after a commit

    def test_rows_are_sealed_in_order_and_chain_verifies(self):
        problems, head = self.Audit._verify_chain()
        self.assertEqual(problems, [])
        rows = self.Audit.sudo().search([], order="seq")
        self.assertEqual(rows.mapped("seq"), list(range(1, len(rows) + 1)))
        self.assertEqual(head["seq"], len(rows))

    def test_nobody_can_write_or_delete_through_the_orm(self):
        row = self.Audit.sudo().search([], limit=1)
        for audit in (row.sudo(), row.with_user(self.users["officer"])):
            with self.assertRaises(AccessError):
                audit.write({"detail": "edited"})
            with self.assertRaises(AccessError):
                audit.unlink()

    def test_officers_read_the_log_others_cannot(self):
        self.assertTrue(self.Audit.with_user(self.users["officer"]).search([]))
        with self.assertRaises(AccessError):
            self.Audit.with_user(self.users["manager"]).search([])

    def test_sql_edit_is_detected_and_opens_an_incident(self):
        self.env.cr.execute(
            SQL("UPDATE amazon_pii_audit SET detail = 'forged' WHERE detail = 'row 2'")
        )
        self.env.invalidate_all()
        problems, _head = self.Audit._verify_chain()
        self.assertTrue(problems)
        self.assertIn("hash mismatch", problems[0]["reason"])
        self.Audit._cron_verify_chain()
        incident = self.env["amazon.pii.incident"].search(
            [("kind", "=", "audit_tamper")]
        )
        self.assertEqual(len(incident), 1)

    def test_links_are_keyed_so_a_recomputed_chain_is_detected(self):
        rows = self.Audit.sudo().search([], order="seq")
        self.assertTrue(all(rows.mapped("chain_key")))
        # A forger with SQL access but no key file edits a row and recomputes
        # every later link with plain SHA-256: verification still fails.
        self.env.cr.execute(
            SQL("UPDATE amazon_pii_audit SET detail = 'forged' WHERE detail = 'row 2'")
        )
        self.env.invalidate_all()
        cr = self.env.cr
        cr.execute(
            SQL("SELECT %s FROM amazon_pii_audit ORDER BY seq", self.Audit._COLUMNS)
        )
        prev = hashchain.GENESIS
        for row in cr.dictfetchall():
            prev = hashchain.link(prev, self.Audit._record(row))
            cr.execute(
                SQL(
                    "UPDATE amazon_pii_audit SET chain_hash = %s WHERE id = %s",
                    prev,
                    row["id"],
                )
            )
        self.env.invalidate_all()
        self.assertTrue(self.Audit._verify_chain()[0])

    def test_sql_delete_is_detected(self):
        self.env.cr.execute(SQL("DELETE FROM amazon_pii_audit WHERE detail = 'row 1'"))
        self.env.invalidate_all()
        reasons = {p["reason"] for p in self.Audit._verify_chain()[0]}
        self.assertIn("gap in chain positions", reasons)

    def test_verify_action_reports_intact_chain(self):
        action = self.Audit.with_user(self.users["officer"]).action_verify_chain()
        self.assertEqual(action["params"]["type"], "success")
