import base64
import time

from odoo.exceptions import AccessError, RedirectWarning, UserError
from odoo.http import request
from odoo.tests import tagged

from odoo.addons.auth_totp.models.totp import hotp

from ..core import step_up
from .common import MARKER_NAME, VaultCase, web_session

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # VaultCase.enable_2fa's


def current_code():
    return hotp(base64.b32decode(SECRET), int(time.time() / 30))


@tagged("post_install", "-at_install")
class TestStepUp(VaultCase):
    """docs/data-protection.md #10: a reveal needs the current web session to
    have passed the second factor recently, not only an enrolled user."""

    def setUp(self):
        super().setUp()
        self.owner = self.owners[0]
        self.store_address(self.owner)
        self.officer = self.users["officer"]

    def reveal(self):
        return (
            self.vault.with_user(self.officer)
            .reveal(self.owner, ["recipient_name"], "customer_service")
            .get(self.owner.id, {})
            .get("recipient_name")
        )

    def refused_details(self):
        return self.audit("reveal_refused").mapped("detail")

    def test_a_code_older_than_the_window_is_asked_again_and_audited(self):
        web_session(self, self.officer, confirmed_hours_ago=12.1)
        with self.assertRaisesRegex(RedirectWarning, "within the last 12 hours") as cm:
            self.reveal()
        # The refusal offers the dialog that confirms a code for this session.
        self.assertEqual(cm.exception.args[1], "amazon_pii.action_amazon_pii_step_up")
        self.assertTrue(self.env.ref("amazon_pii.action_amazon_pii_step_up"))
        self.assertEqual(len(self.refused_details()), 1)
        self.assertFalse(self.audit("reveal"))
        # The window is the setting's: 24 hours accept the same session.
        self.env["ir.config_parameter"].set_param("amazon_pii.step_up_hours", 24)
        self.assertEqual(self.reveal(), MARKER_NAME)

    def test_a_session_that_never_confirmed_a_code_is_refused(self):
        # A "trusted device" login skips the code: enrolled, never confirmed.
        web_session(self, self.officer, confirmed_hours_ago=None)
        with self.assertRaises(RedirectWarning):
            self.reveal()
        self.assertFalse(self.audit("reveal"))

    def test_requests_without_an_interactive_session_are_refused_clearly(self):
        # Server code, a cron, a shell: no web request at all.
        with self.assertRaisesRegex(AccessError, "interactive web session"):
            self.reveal()
        # Code acting as the officer inside somebody else's session.
        web_session(self, self.users["shipping"])
        with self.assertRaisesRegex(AccessError, "interactive web session"):
            self.reveal()
        self.assertEqual(len(self.refused_details()), 2)

    def test_api_key_requests_are_refused_even_with_a_fresh_code(self):
        web_session(self, self.officer, path="/xmlrpc/2/object")
        with self.assertRaisesRegex(AccessError, "API key"):
            self.reveal()
        session = web_session(self, self.officer)
        self.assertEqual(self.reveal(), MARKER_NAME)
        # A reverse proxy's Basic auth is not an API key...
        request.httprequest.headers = {"Authorization": "Basic cHJveHk6cHJveHk="}
        self.assertEqual(self.reveal(), MARKER_NAME)
        # ...a bearer token (Odoo's API-key scheme) on the same session is.
        request.httprequest.headers = {"Authorization": "bearer synthetic-key"}
        with self.assertRaisesRegex(AccessError, "API key"):
            self.reveal()
        self.assertTrue(session[step_up.SESSION_KEY])

    def test_confirming_a_code_marks_this_session_only_when_it_matches(self):
        session = web_session(self, self.officer, confirmed_hours_ago=None)
        wizard = self.env["amazon.pii.step.up"].with_user(self.officer)
        wrong = f"{(current_code() + 500000) % 1000000:06d}"
        with self.assertRaisesRegex(UserError, "Verification failed"):
            wizard.create({"code": wrong}).action_confirm()
        self.assertNotIn(step_up.SESSION_KEY, session)
        with self.assertRaises(RedirectWarning):
            self.reveal()
        wizard.create({"code": f"{current_code():06d}"}).action_confirm()
        self.assertEqual(session[step_up.SESSION_KEY]["uid"], self.officer.id)
        self.assertEqual(self.reveal(), MARKER_NAME)

    def test_the_dialog_cannot_mark_an_api_key_request(self):
        session = web_session(
            self, self.officer, confirmed_hours_ago=None, path="/jsonrpc"
        )
        wizard = self.env["amazon.pii.step.up"].with_user(self.officer)
        with self.assertRaisesRegex(AccessError, "API key"):
            wizard.create({"code": f"{current_code():06d}"}).action_confirm()
        self.assertNotIn(step_up.SESSION_KEY, session)

    def test_check_step_up_is_the_helper_for_other_reveal_paths(self):
        Vault = self.vault.with_user(self.officer)
        with self.assertRaises(AccessError):
            Vault._check_step_up()
        web_session(self, self.officer, confirmed_hours_ago=13)
        with self.assertRaises(RedirectWarning):
            Vault._check_step_up()
        web_session(self, self.officer, confirmed_hours_ago=1)
        self.assertIsNone(Vault._check_step_up())

    def test_enabling_two_factor_authentication_confirms_a_code(self):
        user = self.users["officer_no2fa"]
        session = web_session(self, user, confirmed_hours_ago=None)
        enabled = user.with_user(user)._totp_try_setting(SECRET, current_code())
        self.assertTrue(enabled)
        self.assertEqual(session[step_up.SESSION_KEY]["uid"], user.id)
        revealed = self.vault.with_user(user).reveal(
            self.owner, ["recipient_name"], "customer_service"
        )
        self.assertEqual(revealed[self.owner.id]["recipient_name"], MARKER_NAME)
