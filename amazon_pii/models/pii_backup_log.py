from odoo import fields, models

KINDS = [
    ("backup", "Backup"),
    ("restore_test", "Restore test"),
]


class AmazonPiiBackupLog(models.Model):
    """One encrypted backup or restore test (docs/data-protection.md #5).

    Rows are written by the backup command (``amazon_pii/core/backup.py``),
    which runs outside Odoo and inserts them with SQL into the database it
    backed up or restored; in Odoo they are read-only (an officer reads when
    the last backup and the last restore test ran, and whether they worked).
    The status page reads this model by its name. Rows hold no PII: a
    database name, sizes, a digest and the backup key's version."""

    _name = "amazon.pii.backup.log"
    _description = "Amazon PII Backup Log"
    _order = "done_at desc, id desc"
    _rec_name = "database"

    kind = fields.Selection(KINDS, required=True, readonly=True, index=True)
    done_at = fields.Datetime("Done at", required=True, readonly=True, index=True)
    database = fields.Char(
        required=True,
        readonly=True,
        help="Database backed up, or the new database a restore test created.",
    )
    source_database = fields.Char(
        readonly=True, help="For a restore test: the database the archive came from."
    )
    # numeric(20,0): an Integer column is 32-bit and a dump can exceed 2 GiB.
    size_bytes = fields.Float("Archive size (bytes)", digits=(20, 0), readonly=True)
    sha256 = fields.Char("Archive SHA-256", readonly=True)
    key_version = fields.Char(
        "Backup key version",
        readonly=True,
        help="Version of the key ring's 'backup' key that encrypts the archive.",
    )
    duration = fields.Float("Seconds", digits=(16, 1), readonly=True)
    ok = fields.Boolean("Succeeded", readonly=True)
    detail = fields.Char(readonly=True, help="Why it failed (never PII).")
