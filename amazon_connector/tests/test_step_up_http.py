"""Step-up 2FA over real HTTP (docs/data-protection.md #10): the "Show buyer"
button of an Amazon order, through Odoo's own login with a TOTP code, after
the code's window, and over XML-RPC with an API key."""

import base64
import re
import time
import xmlrpc.client
from datetime import timedelta

from odoo import fields, http
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from odoo.addons.amazon_pii.core import step_up
from odoo.addons.amazon_pii.tests.common import new_test_user
from odoo.addons.auth_totp.models.totp import hotp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
STREET = "81 Synthetic Step-Up Lane"
DAY = timedelta(days=1)


@tagged("post_install", "-at_install")
class TestStepUpOverHttp(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env,
            login="stepup_officer",
            password="Stepup-Officer-pw1",
            groups="sales_team.group_sale_salesman_all_leads,"
            "amazon_pii.group_amazon_pii_officer",
        )
        cls.officer.sudo().totp_secret = SECRET
        partner = cls.env["res.partner"].create({"name": "Amazon buyer 1-StepUp"})
        cls.order = cls.env["sale.order"].create({"partner_id": partner.id})
        # The importer's linkage, written as the connector's services do.
        cls.order.sudo().amazon_order_id = "113-0000000-0000001"
        cls.env["amazon.pii.vault"].store(
            [
                (
                    cls.order,
                    {"recipient_name": "Step Up Recipient", "address_line1": STREET},
                )
            ]
        )

    def code(self):
        return f"{hotp(base64.b32decode(SECRET), int(time.time() / 30)):06d}"

    def csrf(self, url):
        page = self.url_open(url).text
        return re.search(r'name="csrf_token"\s+value="([^"]+)"', page).group(1)

    def login(self):
        """Odoo's login form; returns the URL it ends on."""
        return self.url_open(
            "/web/login",
            data={
                "login": "stepup_officer",
                "password": "Stepup-Officer-pw1",
                "csrf_token": self.csrf("/web/login"),
            },
        ).url

    def login_with_totp(self):
        self.assertIn("/web/login/totp", self.login())
        token = self.csrf("/web/login/totp")
        self.url_open(
            "/web/login/totp", data={"totp_token": self.code(), "csrf_token": token}
        )
        return self.opener.cookies["session_id"]

    def show_buyer(self):
        return self.make_jsonrpc_request(
            "/web/dataset/call_button",
            {
                "model": "sale.order",
                "method": "action_amazon_show_buyer",
                "args": [[self.order.id]],
                "kwargs": {},
            },
        )

    def test_login_with_a_code_reveals_until_the_window_closes(self):
        sid = self.login_with_totp()
        shown = self.show_buyer()
        self.assertIn(STREET, shown["params"]["message"])
        # The same session thirteen hours later (default window: 12 hours).
        session = http.root.session_store.get(sid)
        self.assertEqual(session.uid, self.officer.id)
        session[step_up.SESSION_KEY]["at"] -= 13 * 3600
        http.root.session_store.save(session)
        with (
            mute_logger("odoo.http"),
            self.assertRaisesRegex(JsonRpcException, "RedirectWarning"),
        ):
            self.show_buyer()
        # (The refusal's audit row is asserted in amazon_pii's TestStepUp: in
        # an HttpCase the request's rollback takes the nested test cursor of
        # the audit's "own transaction" with it.)

    def test_a_trusted_device_login_without_the_code_is_refused(self):
        # "Don't ask again on this device": the login skips the code, so the
        # session has not passed the second factor.
        device = (
            self.env["auth_totp.device"]
            .with_user(self.officer)
            .sudo()
            ._generate("browser", "test browser", fields.Datetime.now() + DAY)
        )
        self.opener.cookies["td_id"] = device
        # Logged in without being asked for a code.
        self.assertTrue(self.login().endswith("/odoo"))
        with (
            mute_logger("odoo.http"),
            self.assertRaisesRegex(JsonRpcException, "RedirectWarning"),
        ):
            self.show_buyer()

    def test_api_key_over_xmlrpc_is_refused_with_its_reason(self):
        key = (
            self.env["res.users.apikeys"]
            .with_user(self.officer)
            ._generate(None, "step-up test", fields.Datetime.now() + DAY)
        )
        with (
            mute_logger("odoo.http", "odoo.addons.base.controllers.rpc"),
            self.assertRaisesRegex(xmlrpc.client.Fault, "API key"),
        ):
            self.xmlrpc_object.execute_kw(
                self.env.cr.dbname,
                self.officer.id,
                key,
                "sale.order",
                "action_amazon_show_buyer",
                [[self.order.id]],
            )
        self.assertFalse(
            self.env["amazon.pii.audit"].sudo().search([("event", "=", "reveal")])
        )
