import re

from odoo import fields, models
from odoo.exceptions import AccessDenied, UserError


class AmazonPiiStepUp(models.TransientModel):
    """Confirm an authentication code for this web session (step-up 2FA,
    docs/data-protection.md #10): offered when a reveal finds the session's
    last code older than the configured window."""

    _name = "amazon.pii.step.up"
    _description = "Confirm two-factor authentication to reveal Amazon buyer data"

    code = fields.Char("Authentication code", size=12)

    def action_confirm(self):
        self.ensure_one()
        vault = self.env["amazon.pii.vault"]
        kind, reason = vault._step_up_refusal()
        if kind in ("no_session", "api_key"):
            # Only a browser session can be marked; say why, do not check.
            vault._raise_step_up(kind, reason)
        user = self.env.user
        if not user.sudo().totp_enabled:
            raise UserError(self.env._("Enable two-factor authentication first."))
        code, self.code = re.sub(r"\s", "", self.code or ""), False
        if not code.isdigit():
            raise UserError(self.env._("Invalid authentication code format."))
        try:
            # Odoo's login cooldown applies to these attempts too; a matching
            # code marks the session (res_users.py, _totp_check).
            with user._assert_can_auth(user=user.id):
                user._totp_check(int(code))
        except AccessDenied as exc:
            raise UserError(str(exc)) from None
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self.env._(
                    "Code confirmed: you may reveal Amazon buyer data in this "
                    "session for %(hours)s hours.",
                    hours=vault._param("step_up_hours"),
                ),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
