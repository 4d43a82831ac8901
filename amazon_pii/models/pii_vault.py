"""The only door to buyer PII: the vault model and the helpers its parts share.

Every method checks its caller itself (the vault table has no ORM access
rights) and audits what it did. Other addons call these methods server-side
(they are closed to RPC); they never read ``amazon.pii.entry`` directly.

The model is defined here and extended, one concern per file, by
``pii_vault_store.py`` (encrypt and write), ``pii_vault_credentials.py``
(seller credentials), ``pii_vault_reveal.py`` (purpose-bound decryption and its
audit), ``pii_vault_watch.py`` (canaries and reveal volume),
``pii_vault_retention.py`` (retention dates, purge, legal holds) and
``pii_vault_keys.py`` (re-wrapping and retiring key versions).
"""

import base64

from odoo import api, models
from odoo.exceptions import UserError

from ..core import envelope, registry, retention, step_up
from ..core import purpose as purpose_rules

OFFICER = "amazon_pii.group_amazon_pii_officer"
SHIPPING = "amazon_pii.group_amazon_shipping"
DEFAULTS = {
    "retention_days": retention.DEFAULT_DAYS_AFTER_DELIVERY,
    "ship_margin_days": retention.DEFAULT_SHIP_MARGIN_DAYS,
    "shipping_grace_hours": 24,
    "reveal_limit": 50,
    "reveal_window_minutes": 10,
    "step_up_hours": step_up.DEFAULT_HOURS,
}


def _b64(data):
    return base64.b64encode(data) if data else False


def _unb64(data):
    return base64.b64decode(data) if data else b""


class AmazonPiiVault(models.AbstractModel):
    _name = "amazon.pii.vault"
    _description = "Amazon PII Vault"

    @api.model
    def _param(self, key):
        value = self.env["ir.config_parameter"].sudo().get_param(f"amazon_pii.{key}")
        return int(value) if value else DEFAULTS[key]

    @api.model
    def _entries(self, owners, field_keys=None):
        domain = [("owner_model", "=", owners._name), ("owner_id", "in", owners.ids)]
        if field_keys is not None:
            domain.append(("field_key", "in", list(field_keys)))
        return (
            self.env["amazon.pii.entry"]
            .sudo()
            .with_context(bin_size=False)
            .search(domain, order="id")
        )

    @staticmethod
    def _aad(entry):
        return envelope.binding(
            entry.owner_model, entry.owner_id, entry.field_key, entry.entry_ref
        )

    @staticmethod
    def _sealed(entry):
        return envelope.Sealed(
            entry.kek_namespace,
            entry.kek_version,
            _unb64(entry.wrapped_key),
            _unb64(entry.ciphertext),
        )

    @staticmethod
    def _sealed_vals(sealed):
        return {
            "kek_namespace": sealed.kek_namespace,
            "kek_version": sealed.kek_version,
            "wrapped_key": _b64(sealed.wrapped_key),
        }

    def _registered(self, key):
        try:
            return registry.by_key(purpose_rules.base_key(key))
        except KeyError:
            raise UserError(
                self.env._(
                    "%(key)s is not a registered PII field: add it to "
                    "amazon_pii/core/registry.py before storing it.",
                    key=key,
                )
            ) from None

    def _audit(self):
        return self.env["amazon.pii.audit"]
