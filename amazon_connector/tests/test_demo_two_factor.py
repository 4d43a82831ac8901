"""The demo's administrator has working two-factor authentication: the
secret the demo prints is enrolled, and the code its command prints is the
one Odoo's auth_totp accepts (an independent implementation checks ours)."""

import importlib
import sys
import time

from odoo.exceptions import AccessDenied
from odoo.tests import TransactionCase, tagged

from .common import REPOSITORY


def _setup_module(name):
    if str(REPOSITORY / "setup") not in sys.path:
        sys.path.insert(0, str(REPOSITORY / "setup"))
    return importlib.import_module(name)


@tagged("post_install", "-at_install")
class TestDemoTwoFactor(TransactionCase):
    def test_the_printed_code_logs_the_demo_admin_in(self):
        demo_totp = _setup_module("demo_totp")
        demo_setup = _setup_module("demo_setup")
        admin = self.env.ref("base.user_admin")
        self.assertFalse(admin.totp_enabled)
        secret = demo_totp.new_secret()
        demo_setup.enrol_totp(admin, secret)
        admin.invalidate_recordset()
        self.assertTrue(admin.totp_enabled)
        now = time.time()
        # Odoo's own check (auth_totp's TOTP) accepts the demo's code ...
        admin.with_user(admin)._totp_check(int(demo_totp.code(secret, now)))
        # ... and refuses a code of another secret (the check can fail).
        other = demo_totp.code(demo_totp.new_secret(), now)
        if other != demo_totp.code(secret, now):
            with self.assertRaises(AccessDenied):
                admin.with_user(admin)._totp_check(int(other))
        # Enrolled, the administrator is not sent to enrol again at login.
        self.assertEqual(admin._mfa_type(), "totp")
