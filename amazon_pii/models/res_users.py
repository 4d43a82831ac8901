"""Step-up 2FA (docs/data-protection.md #10): remember, in the web session,
when its user last passed the second factor.

Odoo's auth_totp verifies every code through ``res.users._totp_check`` (and
the first one, when 2FA is enabled, through ``_totp_try_setting``): at
login (``/web/login/totp``, before ``Session.finalize`` turns the pre-session
into a logged-in one; a "trusted device" login skips the code and records
nothing) and in the vault's confirmation dialog (``amazon.pii.step.up``). The
vault's reveal then asks ``core/step_up.py`` whether that moment is recent
enough.
"""

import time

from odoo import models
from odoo.http import request

from ..core import step_up


def record_step_up(session, uid, now=None):
    """Mark ``session`` as having passed the second factor for ``uid``.

    Only server code writes session data, so no RPC caller can set this."""
    session[step_up.SESSION_KEY] = step_up.new_mark(
        uid, time.time() if now is None else now
    )


class ResUsers(models.Model):
    _inherit = "res.users"

    def _totp_check(self, code):
        result = super()._totp_check(code)
        # Reached only when the code matched (a wrong one raises AccessDenied).
        self._record_step_up()
        return result

    def _totp_try_setting(self, secret, code):
        # Enabling 2FA verifies a fresh code from the app too.
        enabled = super()._totp_try_setting(secret, code)
        if enabled:
            self._record_step_up()
        return enabled

    def _record_step_up(self):
        session = getattr(request, "session", None) if request else None
        if session is not None:
            record_step_up(session, self.id)
