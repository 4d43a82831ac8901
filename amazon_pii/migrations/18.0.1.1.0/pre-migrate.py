"""Crons were renamed ``ir_cron_amazon_pii_<what>``: keep each existing cron
(its schedule and activity, noupdate) under its new id instead of creating a
second one next to it."""

RENAMED = {
    "cron_purge_due": "ir_cron_amazon_pii_purge",
    "cron_verify_audit_chain": "ir_cron_amazon_pii_audit_verify",
    "cron_rewrap_keys": "ir_cron_amazon_pii_key_rewrap",
}


def migrate(cr, version):
    for old, new in RENAMED.items():
        cr.execute(
            """UPDATE ir_model_data SET name = %s
                WHERE module = 'amazon_pii' AND name = %s
                  AND NOT EXISTS (SELECT 1 FROM ir_model_data
                                   WHERE module = 'amazon_pii' AND name = %s)""",
            (new, old, new),
        )
