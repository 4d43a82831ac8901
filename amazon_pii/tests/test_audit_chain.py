import os
import tempfile
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL, config

from ..core import audit_anchor, hashchain
from ..core.keyring import load_keyring, write_new
from ..models.keyring_service import key_file_path
from .common import VaultCase

FORGE_COLUMNS = (
    "event, user_id, res_model, res_id, field_keys, purpose, count, detail, "
    "company_id, create_date, create_uid, write_date, write_uid"
)


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

    # -- issue #15, item 6 ----------------------------------------------------
    def unsealed(self):
        self.env.invalidate_all()
        return self.Audit.sudo().search([("seq", "=", False)])

    def test_a_row_inserted_in_sql_is_never_sealed_as_genuine(self):
        cr = self.env.cr
        # A forger with SQL access writes a plausible row without position...
        cr.execute(
            SQL(
                "INSERT INTO amazon_pii_audit (%s) SELECT %s FROM amazon_pii_audit "
                "WHERE detail = 'row 3'",
                SQL(FORGE_COLUMNS),
                SQL(FORGE_COLUMNS.replace("detail", "'forged: blank row'")),
            )
        )
        # ...and a copy of a genuine row with its insert MAC.
        cr.execute(
            SQL(
                "INSERT INTO amazon_pii_audit (%s, row_mac, mac_key) "
                "SELECT %s, row_mac, mac_key FROM amazon_pii_audit "
                "WHERE detail = 'row 4'",
                SQL(FORGE_COLUMNS),
                SQL(FORGE_COLUMNS),
            )
        )
        self.Audit._log("verify", detail="genuine, after the forgeries")
        self.Audit._seal_committed()
        forged = self.unsealed()
        self.assertEqual(len(forged), 2)
        self.assertTrue(
            self.Audit.sudo()
            .search([("detail", "=", "genuine, after the forgeries")])
            .seq
        )
        problems, _head = self.Audit._verify_chain()
        self.assertEqual(
            {p["id"] for p in problems if "insert MAC" in p["reason"]}, set(forged.ids)
        )
        self.Audit._cron_verify_chain()
        incident = self.env["amazon.pii.incident"].search(
            [("kind", "=", "audit_tamper")]
        )
        self.assertIn("insert MAC", incident.description)

    def test_every_row_the_service_writes_carries_a_valid_insert_mac(self):
        rows = self.Audit.sudo().search([])
        self.assertTrue(rows and all(rows.mapped("row_mac")))
        self.assertEqual(self.Audit._verify_chain()[0], [])
        # A MAC edited in SQL breaks the row's link: the chain covers it.
        self.env.cr.execute(
            SQL(
                "UPDATE amazon_pii_audit SET row_mac = %s WHERE detail = 'row 1'",
                "0" * 64,
            )
        )
        self.env.invalidate_all()
        self.assertIn("hash mismatch", self.Audit._verify_chain()[0][0]["reason"])

    def anchored_to(self, path):
        return patch.dict(config.options, {"amazon_pii_audit_head_file": path})

    def test_deleting_the_newest_rows_is_detected_by_the_head_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "head.json")
            with self.anchored_to(path):
                # A seal anchors its head once its transaction commits.
                for i in range(3):
                    self.Audit._log("verify", detail=f"newest {i}")
                self.Audit._seal_rows()
                self.assertIsNone(audit_anchor.read_anchor(path))
                self.env.cr.postcommit.run()
                head = self.Audit._verify_chain()[1]
                self.assertEqual(
                    audit_anchor.read_anchor(path), (head["seq"], head["chain_hash"])
                )
                self.assertEqual(self.Audit._verify_chain()[0], [])
                # The newest rows deleted in SQL leave no gap in the chain...
                self.env.cr.execute(
                    SQL("DELETE FROM amazon_pii_audit WHERE detail LIKE 'newest %%'")
                )
                self.env.invalidate_all()
                problems = self.Audit._verify_chain()[0]
                # ...but the anchored row is gone.
                self.assertEqual(
                    [p["reason"][:13] for p in problems], ["head mismatch"]
                )
                self.Audit._cron_verify_chain()
                self.assertTrue(
                    self.env["amazon.pii.incident"].search(
                        [("kind", "=", "audit_tamper")]
                    )
                )

    def test_an_audit_key_that_sealed_rows_cannot_be_retired(self):
        with tempfile.TemporaryDirectory() as tmp:
            key_file = os.path.join(tmp, "keys.json")
            ring = load_keyring(key_file_path())
            write_new(key_file, ring)
            old = ring.active_version("audit")
            with patch.dict(config.options, {"amazon_pii_key_file": key_file}):
                # Rotated: rows sealed from now on use the new version.
                write_new(key_file + ".new", ring.with_new_version("audit"))
                os.replace(key_file + ".new", key_file)
                self.Audit._log("verify", detail="under the new audit key")
                self.Audit._seal_committed()
                self.assertIn(old, self.Audit.sudo().search([]).mapped("chain_key"))
                with self.assertRaisesRegex(UserError, "sealed"):
                    self.vault.retire_key_version("audit", old)
                self.assertIn(old, load_keyring(key_file).versions("audit"))
                self.assertEqual(self.Audit._verify_chain()[0], [])
