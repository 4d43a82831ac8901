import json

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .keyring_service import keyring_status
from .pii_incident import DEFAULT_AMAZON_ADDRESS
from .pii_vault import DEFAULTS


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    amazon_pii_retention_days = fields.Integer(
        "Keep after delivery",
        config_parameter="amazon_pii.retention_days",
        default=DEFAULTS["retention_days"],
        help="Buyer data is purged this many days after delivery (Amazon: 30 at most).",
    )
    amazon_pii_ship_margin_days = fields.Integer(
        "Margin after shipping",
        config_parameter="amazon_pii.ship_margin_days",
        default=DEFAULTS["ship_margin_days"],
        help="Without a delivery date, the ship date plus this margin stands in.",
    )
    amazon_pii_shipping_grace_hours = fields.Integer(
        "Shipping grace",
        config_parameter="amazon_pii.shipping_grace_hours",
        default=DEFAULTS["shipping_grace_hours"],
        help="How long after shipping warehouse staff may still reveal an address.",
    )
    amazon_pii_step_up_hours = fields.Integer(
        "Code valid for",
        config_parameter="amazon_pii.step_up_hours",
        default=DEFAULTS["step_up_hours"],
        help="A reveal needs a two-factor code confirmed in the same web session "
        "within this many hours.",
    )
    amazon_pii_reveal_limit = fields.Integer(
        "Reveals allowed",
        config_parameter="amazon_pii.reveal_limit",
        default=DEFAULTS["reveal_limit"],
    )
    amazon_pii_reveal_window_minutes = fields.Integer(
        "Within",
        config_parameter="amazon_pii.reveal_window_minutes",
        default=DEFAULTS["reveal_window_minutes"],
    )
    amazon_pii_incident_contact_id = fields.Many2one(
        "res.users",
        "Incident contact",
        config_parameter="amazon_pii.incident_contact_id",
    )
    amazon_pii_incident_notify_address = fields.Char(
        "Amazon security address",
        config_parameter="amazon_pii.incident_notify_address",
        default=DEFAULT_AMAZON_ADDRESS,
    )
    amazon_pii_keyring_status = fields.Text(
        "Key ring", compute="_compute_amazon_pii_keyring_status"
    )

    @api.constrains("amazon_pii_retention_days")
    def _check_amazon_pii_retention_days(self):
        for settings in self:
            if not 1 <= settings.amazon_pii_retention_days <= 30:
                raise ValidationError(
                    self.env._(
                        "Amazon allows keeping buyer data at most 30 days after "
                        "delivery: choose between 1 and 30 days."
                    )
                )

    @api.constrains("amazon_pii_step_up_hours")
    def _check_amazon_pii_step_up_hours(self):
        for settings in self:
            if not 1 <= settings.amazon_pii_step_up_hours <= 24:
                raise ValidationError(
                    self.env._(
                        "A two-factor confirmation lasts between 1 and 24 hours."
                    )
                )

    @api.depends("company_id")
    def _compute_amazon_pii_keyring_status(self):
        usage = self.env["amazon.pii.vault"].sudo().key_usage()
        status = keyring_status(self.env)
        lines = []
        if "error" in status:
            lines.append(status["error"])
        for namespace, info in status.get("namespaces", {}).items():
            for version, fingerprint in info["versions"].items():
                active = " (active)" if version == info["active"] else ""
                count = usage.get((namespace, version), 0)
                lines.append(
                    f"{namespace}/{version}{active}: fingerprint {fingerprint}, "
                    f"{count} entries"
                )
        stale = {
            k: v for k, v in usage.items() if k[0] not in status.get("namespaces", {})
        }
        if stale:
            lines.append(
                "Entries under unknown keys: "
                + json.dumps({f"{ns}/{v}": c for (ns, v), c in stale.items()})
            )
        for settings in self:
            settings.amazon_pii_keyring_status = "\n".join(lines)

    def action_amazon_pii_rewrap(self):
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("Only administrators may re-wrap keys."))
        done, remaining = self.env["amazon.pii.vault"]._rewrap_batch(batch_size=5000)
        return self._amazon_pii_notify(
            self.env._(
                "%(done)s entries re-wrapped, %(remaining)s remaining.",
                done=done,
                remaining=remaining,
            )
        )

    def action_amazon_pii_plant_canary(self):
        # The Settings screen is the administrators'; the vault then also
        # requires a PII Officer.
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("Only administrators may plant canaries."))
        self.env["amazon.pii.vault"].plant_canary()
        return self._amazon_pii_notify(self.env._("Canary entries planted."))

    def _amazon_pii_notify(self, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": "info", "sticky": False},
        }

    def set_values(self):
        # Setting changes are audited, names only, never values
        # (docs/data-protection.md #13).
        params = self.env["ir.config_parameter"].sudo()
        keys = {
            name: field.config_parameter
            for name, field in self._fields.items()
            if name.startswith("amazon_pii_")
            and getattr(field, "config_parameter", None)
        }
        defaults = self.default_get(list(keys))
        before = {
            name: params.get_param(key) or str(defaults.get(name) or "")
            for name, key in keys.items()
        }
        result = super().set_values()
        changed = [
            name
            for name, key in keys.items()
            if (params.get_param(key) or "") != (before[name] or "")
        ]
        if changed:
            self.env["amazon.pii.audit"]._log("setting", detail=",".join(changed))
        return result
