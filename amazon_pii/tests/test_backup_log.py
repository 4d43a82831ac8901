from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tests.common import TransactionCase

from .common import new_test_user


@tagged("post_install", "-at_install")
class TestBackupLog(TransactionCase):
    """The backup log is written by the backup command in SQL and only read
    in Odoo (docs/data-protection.md #5)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env,
            login="backup_officer",
            groups="amazon_pii.group_amazon_pii_officer",
        )
        cls.plain = new_test_user(
            cls.env, login="backup_plain", groups="amazon_pii.group_amazon_user"
        )
        # As the command inserts it (amazon_pii/core/backup.py record()).
        cls.env.cr.execute(
            "INSERT INTO amazon_pii_backup_log (kind, database, size_bytes, sha256, "
            "key_version, duration, ok, done_at) VALUES ('backup', 'shop', "
            "5000000000, %s, 'b1', 2.5, true, now() at time zone 'UTC') RETURNING id",
            ["ab" * 32],
        )
        cls.row_id = cls.env.cr.fetchone()[0]

    def test_officer_reads_the_log_and_nobody_writes_it(self):
        Log = self.env["amazon.pii.backup.log"]
        rows = Log.with_user(self.officer).search([("id", "=", self.row_id)])
        self.assertEqual(len(rows), 1)
        # Bug caught: a 32-bit Integer column overflowing on a > 2 GiB archive.
        self.assertEqual(rows.size_bytes, 5000000000)
        self.assertEqual((rows.kind, rows.key_version, rows.ok), ("backup", "b1", True))
        for user in (self.officer, self.plain):
            with self.assertRaises(AccessError):
                Log.with_user(user).create(
                    {"kind": "backup", "database": "x", "done_at": "2026-01-01"}
                )
            with self.assertRaises(AccessError):
                Log.with_user(user).browse(self.row_id).write({"ok": False})
        # Users outside the PII Officers do not see when backups ran.
        with self.assertRaises(AccessError):
            Log.with_user(self.plain).search([])
        views = Log.with_user(self.officer).get_views(
            [(False, "list"), (False, "search")]
        )
        self.assertIn("sha256", views["views"]["list"]["arch"])
