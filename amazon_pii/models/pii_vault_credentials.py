"""Vault: seller credentials (LWA secret, refresh token), stored like PII but
never revealed to a person, only decrypted for server code calling Amazon."""

from odoo import api, models
from odoo.exceptions import AccessError, UserError

from ..core import purpose as purpose_rules


class AmazonPiiVaultCredentials(models.AbstractModel):
    # One model split by concern on purpose (see pii_vault.py), not scattered.
    _inherit = "amazon.pii.vault"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    @api.private
    def store_secrets(self, owner, values):
        """Replace credentials of ``owner`` (a seller account): administrators
        with 2FA only (docs/data-protection.md #6, #10); audited by key, never
        by value."""
        owner.ensure_one()
        user = self.env.user
        if not self.env.su and not user.has_group("base.group_system"):
            raise AccessError(self.env._("Only administrators may change credentials."))
        if not self.env.su and not user.sudo().totp_enabled:
            raise AccessError(purpose_rules.TOTP_HINT)
        for key in values:
            if self._registered(key).classification != "secret":
                raise UserError(
                    self.env._("%(key)s is not a credential field.", key=key)
                )
        self.store([(owner, values)])
        self._audit()._log("credential", records=owner, field_keys=list(values))

    @api.model
    def _secrets(self, owner, keys):
        """Decrypt credentials for server code that calls Amazon (never RPC:
        the leading underscore keeps it off the wire); ``{key: str}``."""
        owner.ensure_one()
        entries = self._entries(owner, keys).filtered(
            lambda e: e.classification == "secret"
        )
        return self._decrypt(entries).get(owner.id, {})
