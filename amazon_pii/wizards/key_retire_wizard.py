from odoo import api, fields, models

from ..models.keyring_service import keyring_status


class AmazonPiiKeyRetireWizard(models.TransientModel):
    """Remove an old key version from the key file (refused while in use)."""

    _name = "amazon.pii.key.retire.wizard"
    _description = "Retire an Amazon PII key version"

    version = fields.Selection(
        selection="_selection_version", string="Key version", required=True
    )
    usage = fields.Integer("Entries still using it", compute="_compute_usage")

    @api.model
    def _selection_version(self):
        status = keyring_status(self.env)
        return [
            (f"{namespace}/{version}", f"{namespace}/{version} ({fingerprint})")
            for namespace, info in status.get("namespaces", {}).items()
            for version, fingerprint in info["versions"].items()
            if version != info["active"]
        ]

    @api.depends("version")
    def _compute_usage(self):
        usage = self.env["amazon.pii.vault"].key_usage()
        for wizard in self:
            key = tuple(wizard.version.split("/", 1)) if wizard.version else None
            wizard.usage = usage.get(key, 0)

    def action_retire(self):
        namespace, version = self.version.split("/", 1)
        self.env["amazon.pii.vault"].retire_key_version(namespace, version)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self.env._(
                    "Key version %(version)s removed from the key file.",
                    version=self.version,
                ),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
