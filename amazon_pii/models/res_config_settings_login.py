from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .login_event import DEFAULT_LOCK_MINUTES


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"  # pylint: disable=consider-merging-classes-inherited

    amazon_pii_login_lock_minutes = fields.Integer(
        "Lock for",
        config_parameter="amazon_pii.login_lock_minutes",
        default=DEFAULT_LOCK_MINUTES,
        help="How long an account stays locked after 10 failed logins in a row.",
    )

    @api.constrains("amazon_pii_login_lock_minutes")
    def _check_amazon_pii_login_lock_minutes(self):
        for settings in self:
            if settings.amazon_pii_login_lock_minutes < 1:
                raise ValidationError(
                    self.env._("A login lock lasts at least one minute.")
                )
