"""Vault entries, audit rows and legal holds in words: which record (its
name, with an Open button), which kind of data (the registry's label), why
(the purpose's label), instead of ``sale.order,255`` and ``recipient_name``.

Only names of records and labels of kinds of data are shown, never a value
from the vault: the record's name is its Odoo name (an order's number and
Amazon id; an Amazon buyer's contact is a pseudonym).
"""

from odoo import api, fields, models

from ..core import field_labels
from ..core.purpose import PURPOSES


class AmazonPiiRecordDisplay(models.AbstractModel):
    _name = "amazon.pii.record.display"
    _description = "Amazon PII screens: record and data in words"

    # Field names, per model, of the record a row is about and of its data keys.
    _amazon_record_fields = ("res_model", "res_id")
    _amazon_keys_field = None

    record_name = fields.Char("Record", compute="_compute_record_name")
    data_label = fields.Char("Data", compute="_compute_data_label")

    def _amazon_record(self):
        """The record this row is about (sudo, may not exist any more), or None."""
        model_field, id_field = self._amazon_record_fields
        model, res_id = self[model_field], self[id_field]
        if not model or not res_id or model not in self.env:
            return None
        return self.env[model].sudo().browse(res_id)

    def _compute_record_name(self):
        for row in self:
            model = row[row._amazon_record_fields[0]]
            record = row._amazon_record()
            if not model:
                row.record_name = False
            elif record is None:
                # No record id (the model's name says enough), or a model no
                # installed addon defines (its technical name is all there is).
                row.record_name = (
                    self.env[model]._description if model in self.env else model
                )
            elif not record.exists():
                row.record_name = self.env._(
                    "%(kind)s #%(id)s (deleted)",
                    kind=record._description,
                    id=record.id,
                )
            else:
                # A model may say more than its display name (amazon_connector:
                # the order's Amazon id) through this optional hook.
                describe = getattr(record, "_amazon_pii_record_label", None)
                name = describe() if describe else record.display_name
                row.record_name = f"{record._description} {name}"

    def _compute_data_label(self):
        for row in self:
            keys = row[row._amazon_keys_field] if row._amazon_keys_field else False
            row.data_label = field_labels.labels(keys) or False

    def _open_amazon_record(self):
        """Open the record this row is about, with the caller's own rights
        (each model's public ``action_open_record`` calls this: a public
        method of this abstract model would be reachable on its own)."""
        self.ensure_one()
        self.check_access("read")
        record = self._amazon_record()
        if record is None or not record.exists():
            return False
        record = record.with_env(self.env)
        record.check_access("read")
        return record.get_formview_action()


class AmazonPiiEntryInfo(models.Model):
    _name = "amazon.pii.entry.info"
    _inherit = ["amazon.pii.entry.info", "amazon.pii.record.display"]
    _amazon_record_fields = ("owner_model", "owner_id")
    _amazon_keys_field = "field_key"

    def action_open_record(self):
        return self._open_amazon_record()

    @api.depends("field_key", "owner_model", "owner_id")
    def _compute_display_name(self):
        # The hold wizard's tags and any link show "Recipient name · Sales
        # Order S00012 (Amazon 111-...)", not the key.
        for info in self:
            info.display_name = " · ".join(
                filter(None, (info.data_label, info.record_name))
            )


class AmazonPiiAudit(models.Model):
    _name = "amazon.pii.audit"
    _inherit = ["amazon.pii.audit", "amazon.pii.record.display"]
    _amazon_keys_field = "field_keys"

    def action_open_record(self):
        return self._open_amazon_record()

    # "Record" is the name now; the id column is the technical one.
    res_id = fields.Many2oneReference("Record ID")
    purpose_label = fields.Char("Why", compute="_compute_purpose_label")

    @api.depends("event", "field_keys", "res_model", "res_id")
    def _compute_display_name(self):
        events = dict(self._fields["event"]._description_selection(self.env))
        for row in self:
            row.display_name = " · ".join(
                filter(None, (events.get(row.event), row.data_label, row.record_name))
            )

    def _compute_purpose_label(self):
        for row in self:
            # Unknown purposes (a refusal records what was asked) as they are.
            row.purpose_label = PURPOSES.get(row.purpose, row.purpose) or False


class AmazonPiiHold(models.Model):
    _name = "amazon.pii.hold"
    _inherit = ["amazon.pii.hold", "amazon.pii.record.display"]
    _amazon_record_fields = ("owner_model", "owner_id")

    def action_open_record(self):
        return self._open_amazon_record()
