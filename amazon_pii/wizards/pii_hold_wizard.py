from odoo import fields, models


class AmazonPiiHoldWizard(models.TransientModel):
    _name = "amazon.pii.hold.wizard"
    _description = "Place a legal hold on Amazon buyer data"

    info_ids = fields.Many2many("amazon.pii.entry.info", string="Entries")
    name = fields.Char("Reference", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        owners = {(info.owner_model, info.owner_id) for info in self.info_ids}
        holds = self.env["amazon.pii.hold"].create(
            [
                {
                    "name": self.name,
                    "reason": self.reason,
                    "owner_model": model,
                    "owner_id": res_id,
                }
                for model, res_id in sorted(owners)
            ]
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "amazon.pii.hold",
            "view_mode": "list,form",
            "domain": [("id", "in", holds.ids)],
            "name": self.env._("Legal holds"),
        }
