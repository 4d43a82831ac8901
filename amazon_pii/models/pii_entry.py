from odoo import fields, models

CLASSIFICATIONS = [
    ("pii", "Personal data (PII)"),
    ("secret", "Secret"),
    ("confidential", "Confidential"),
]


class AmazonPiiEntry(models.Model):
    """One encrypted value of one field of one owner record (the vault).

    No group has any ORM access right on this model: a read, search, export or
    RPC call gets AccessError. Everything goes through ``amazon.pii.vault``,
    which checks the caller, decrypts and audits. Officers see metadata through
    ``amazon.pii.entry.info``.
    """

    _name = "amazon.pii.entry"
    _description = "Amazon PII Vault Entry"
    _rec_name = "field_key"

    owner_model = fields.Char(required=True, index=True)
    owner_id = fields.Many2oneReference(
        model_field="owner_model", required=True, index=True
    )
    field_key = fields.Char(required=True)
    entry_ref = fields.Char(required=True)
    classification = fields.Selection(CLASSIFICATIONS, required=True, default="pii")
    company_id = fields.Many2one("res.company", required=True, index=True)
    kek_namespace = fields.Char(required=True)
    kek_version = fields.Char(required=True, index=True)
    wrapped_key = fields.Binary(attachment=False)
    ciphertext = fields.Binary(attachment=False, required=True)
    purge_after = fields.Date(index=True)
    fulfilled_at = fields.Datetime()
    hold_id = fields.Many2one("amazon.pii.hold", index=True, ondelete="restrict")
    is_canary = fields.Boolean(index=True)

    _sql_constraints = [
        (
            "owner_field_uniq",
            "unique(owner_model, owner_id, field_key)",
            "One vault entry per owner record and field.",
        ),
        ("entry_ref_uniq", "unique(entry_ref)", "Vault entry references are unique."),
    ]
