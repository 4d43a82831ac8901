"""'Rotate client secret': prove a new LWA client secret at Amazon's token
endpoint, then let it replace the old one (docs/data-protection.md #8).

The new secret never sits in the wizard's table: the write-only field sends
it to the vault as a candidate (``store_secrets``: administrators with 2FA,
audited by key). The check runs through ``amazon.work._send``: the candidate
is read in one transaction, the token endpoint is called with no transaction
of ours open, and the outcome is recorded in a third one: accepted, the new
secret replaces the old one and the dates restart; refused, the old secret
stays and the candidate goes. Either way the audit says so, by key.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.amazon_pii.core import purpose as purpose_rules

from ...core.spapi import client_for
from ...core.spapi.auth import TokenCache
from ...models.accounts.amazon_account_lwa_secret import CANDIDATE_KEY


def _check_new_secret(config):
    """The remote step: one refresh_token grant with the new secret. A
    private token cache: a token of the old secret must not answer for it."""
    with client_for(config, token_cache=TokenCache()) as client:
        client.check_credentials()
    return True


class AmazonLwaSecretWizard(models.TransientModel):
    _name = "amazon.lwa.secret.wizard"
    _description = "Rotate the LWA client secret of an Amazon account"

    # Read-only in the form (force_save: the web client sends it on save).
    account_id = fields.Many2one("amazon.account", required=True, ondelete="cascade")
    new_secret = fields.Char(
        "New client secret",
        compute="_compute_new_secret",
        inverse="_inverse_new_secret",
        help="From Amazon's Developer Console (LWA credentials, View) or its "
        "rotation notification. It is checked at Amazon before it replaces the "
        "current one.",
    )
    expires_on = fields.Date(
        "Amazon's expiry date",
        help="Leave empty: 180 days from today, the lifetime Amazon gives a new "
        "client secret. Enter the date Amazon shows if it differs.",
    )
    state = fields.Selection(
        [("draft", "New"), ("refused", "Refused"), ("done", "Replaced")],
        default="draft",
        readonly=True,
    )
    result = fields.Text(readonly=True)

    def _check_rotation_rights(self):
        """The vault's rule for credentials (``store_secrets``):
        administrators who enabled two-factor authentication; server code
        as superuser."""
        if self.env.su:
            return
        user = self.env.user
        if not user.has_group("base.group_system"):
            raise AccessError(
                self.env._("Only administrators may rotate the client secret.")
            )
        if not user.sudo().totp_enabled:
            raise AccessError(purpose_rules.TOTP_HINT)

    @api.model_create_multi
    def create(self, vals_list):
        self._check_rotation_rights()
        return super().create(vals_list)

    def _compute_new_secret(self):
        for wizard in self:
            wizard.new_secret = False

    def _inverse_new_secret(self):
        vault = self.env["amazon.pii.vault"]
        for wizard in self.filtered("new_secret"):
            # As the user: store_secrets enforces the rule and audits the key.
            vault.store_secrets(
                wizard.account_id, {CANDIDATE_KEY: wizard.new_secret.strip()}
            )

    def action_rotate(self):
        self.ensure_one()
        self._check_rotation_rights()
        account_id, expires_on = self.account_id.id, self.expires_on

        def claim(env):
            account = env["amazon.account"].browse(account_id)
            candidate = (
                env["amazon.pii.vault"]
                ._secrets(account, [CANDIDATE_KEY])
                .get(CANDIDATE_KEY)
            )
            if not candidate:
                return None
            return account._client_config(lwa_client_secret=candidate)

        def settle(env, config, outcome, error):
            account = env["amazon.account"].browse(account_id)
            return account._lwa_secret_rotated(
                config.lwa_client_secret, error, expires_on
            )

        outcome = self.env["amazon.work"]._send(
            claim,
            _check_new_secret,
            settle,
            rows=[("amazon.account", [account_id])],
        )
        if outcome is None:
            raise UserError(self.env._("Paste the new client secret first."))
        if not isinstance(outcome, tuple):  # BUSY: a sync holds the account
            raise UserError(
                self.env._("A sync of this account is running: try again in a moment.")
            )
        state, message = outcome
        self.account_id.invalidate_recordset()
        self.write({"state": state, "result": message})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Rotate client secret"),
        }
