from odoo import fields, models, tools
from odoo.tools import SQL

from .pii_entry import CLASSIFICATIONS


class AmazonPiiEntryInfo(models.Model):
    """Vault entries as metadata only (no ciphertext, no key material, and
    nothing that tells a canary apart, docs/data-protection.md #14)."""

    _name = "amazon.pii.entry.info"
    _description = "Amazon PII Vault Entry (metadata)"
    _auto = False
    _order = "id desc"
    _rec_name = "field_key"

    owner_model = fields.Char(readonly=True)
    owner_id = fields.Many2oneReference(
        "Owner ID", model_field="owner_model", readonly=True
    )
    owner_ref = fields.Char("Owner", readonly=True)
    field_key = fields.Char("Field", readonly=True)
    classification = fields.Selection(CLASSIFICATIONS, readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    kek_namespace = fields.Char("Key namespace", readonly=True)
    kek_version = fields.Char("Key version", readonly=True)
    shredded = fields.Boolean(readonly=True)
    purge_after = fields.Date(readonly=True)
    fulfilled_at = fields.Datetime(readonly=True)
    hold_id = fields.Many2one("amazon.pii.hold", readonly=True)
    create_date = fields.Datetime("Stored on", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """CREATE VIEW %s AS (
                SELECT id, owner_model, owner_id,
                       owner_model || ',' || owner_id AS owner_ref,
                       field_key, classification, company_id, kek_namespace,
                       kek_version, wrapped_key IS NULL AS shredded, purge_after,
                       fulfilled_at, hold_id, create_date
                  FROM amazon_pii_entry)""",
                SQL.identifier(self._table),
            )
        )

    def action_place_hold(self):
        self.check_access("read")  # officers: the ids go into the wizard
        return {
            "type": "ir.actions.act_window",
            "res_model": "amazon.pii.hold.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_info_ids": self.ids},
        }
