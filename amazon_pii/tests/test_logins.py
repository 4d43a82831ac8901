"""Logins of users who can reach Amazon data (issue #18, item 1;
docs/data-protection.md #11): lockout, password rule and history, TOTP
enrolment at login, bursts."""

import base64
import re
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessDenied, UserError
from odoo.tests import HttpCase, TransactionCase, tagged

from odoo.addons.auth_totp.models.totp import hotp

from .common import new_test_user

GOOD = "Right-Password-2026"
WRONG = "Wrong-Password-2026"


def totp_code(secret, offset=0):
    return f"{hotp(base64.b32decode(secret), int(time.time() / 30) + offset):06d}"


@tagged("post_install", "-at_install")
class TestLockout(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Failed logins are recorded in transactions of their own: test
        # cursors make them savepoints of this test's transaction.
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.user = new_test_user(
            cls.env, login="lockout_clerk", groups="amazon_pii.group_amazon_user"
        )
        cls.user.password = GOOD
        cls.Events = cls.env["amazon.pii.login.event"]

    def login(self, password):
        """Odoo's login; True when accepted. Not assertRaises: its savepoint
        would also undo what the failed attempt recorded."""
        try:
            self.registry["res.users"].authenticate(
                self.env.cr.dbname,
                {"login": "lockout_clerk", "password": password, "type": "password"},
                {"interactive": False},
            )
        except AccessDenied as exc:
            self.last_error = str(exc)
            return False
        return True

    def events(self, kind):
        self.env.invalidate_all()
        return self.Events.search([("user_id", "=", self.user.id), ("kind", "=", kind)])

    def test_nine_failures_then_the_right_password_works_and_resets(self):
        for _attempt in range(9):
            self.assertFalse(self.login(WRONG))
        self.assertEqual(len(self.events("failure")), 9)
        self.assertTrue(self.login(GOOD))  # not locked at 9
        self.env.invalidate_all()
        self.assertEqual(self.user.amazon_failed_logins, 0)  # success resets
        # ... so 9 more failures still do not lock.
        for _attempt in range(9):
            self.login(WRONG)
        self.assertTrue(self.login(GOOD))

    def test_ten_failures_lock_even_the_right_password_until_the_period_ends(self):
        for _attempt in range(10):
            self.login(WRONG)
        self.assertEqual(len(self.events("lock")), 1)
        self.assertFalse(self.login(GOOD))
        self.assertIn("locked", self.last_error)
        self.assertEqual(len(self.events("refused_locked")), 1)
        later = fields.Datetime.now() + timedelta(minutes=31)
        with patch.object(fields.Datetime, "now", return_value=later):
            self.assertTrue(self.login(GOOD))

    def test_lock_period_is_the_setting(self):
        self.env["ir.config_parameter"].set_param("amazon_pii.login_lock_minutes", 5)
        for _attempt in range(10):
            self.login(WRONG)
        self.assertFalse(self.login(GOOD))
        later = fields.Datetime.now() + timedelta(minutes=6)
        with patch.object(fields.Datetime, "now", return_value=later):
            self.assertTrue(self.login(GOOD))

    def test_administrator_unlocks_and_it_is_recorded(self):
        for _attempt in range(10):
            self.login(WRONG)
        self.assertFalse(self.login(GOOD))
        self.user.with_user(
            self.env.ref("base.user_admin")
        ).action_amazon_unlock_login()
        unlocks = self.events("unlock")
        self.assertEqual(len(unlocks), 1)
        self.assertEqual(unlocks.actor_id, self.env.ref("base.user_admin"))
        self.assertTrue(self.login(GOOD))

    def test_events_never_hold_the_password(self):
        for _attempt in range(10):
            self.login(WRONG)
        self.login(GOOD)
        # A password typed into the login field names no user: recorded
        # as a failure of nobody, the text itself never kept.
        refused = False
        try:
            self.registry["res.users"].authenticate(
                self.env.cr.dbname,
                {"login": WRONG, "password": "x", "type": "password"},
                {"interactive": False},
            )
        except AccessDenied:
            refused = True
        self.assertTrue(refused)
        self.env.invalidate_all()
        stray = self.Events.search([("user_id", "=", False), ("kind", "=", "failure")])
        self.assertEqual(len(stray), 1)
        self.assertNotIn(WRONG, repr(stray.read([])))
        rows = self.Events.search([("user_id", "=", self.user.id)])
        self.assertEqual(len(rows), 12)  # 10 failures, the lock, 1 refusal
        dump = repr(rows.read([]))
        # The check sees a string that is present ...
        self.assertIn("lockout_clerk", dump)
        # ... and neither password is.
        self.assertNotIn(WRONG, dump)
        self.assertNotIn(GOOD, dump)

    def test_a_lock_opens_one_incident(self):
        Incident = self.env["amazon.pii.incident"]
        before = Incident.search_count([("kind", "=", "login_burst")])
        for _attempt in range(10):
            self.login(WRONG)
        self.env.invalidate_all()
        incidents = Incident.search([("kind", "=", "login_burst")])
        self.assertEqual(len(incidents) - before, 1)
        self.assertEqual(incidents[0].user_id, self.user)

    def test_a_burst_of_failures_opens_one_incident(self):
        Incident = self.env["amazon.pii.incident"]
        Incident.search([("kind", "=", "login_burst")]).sudo().write(
            {"state": "closed"}
        )
        refused = 0
        for number in range(25):
            try:
                self.registry["res.users"].authenticate(
                    self.env.cr.dbname,
                    {
                        "login": f"nobody_{number}",
                        "password": WRONG,
                        "type": "password",
                    },
                    {"interactive": False},
                )
            except AccessDenied:
                refused += 1
        self.assertEqual(refused, 25)
        self.env.invalidate_all()
        opened = Incident.search(
            [("kind", "=", "login_burst"), ("state", "!=", "closed")]
        )
        # 25 failures past the threshold of 20: one incident, not six.
        self.assertEqual(len(opened), 1)
        self.assertFalse(opened.user_id)


@tagged("post_install", "-at_install")
class TestPasswordRule(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.amazon = new_test_user(
            cls.env, login="rule_shipper", groups="amazon_pii.group_amazon_shipping"
        )
        cls.plain = new_test_user(
            cls.env,
            login="rule_plain",
            groups="base.group_user",
            password="rule_plain_pw",
        )

    def refused(self, user, password):
        # Each change is its own request in real use: read the history anew
        # (the cached one2many is not re-sorted after a create).
        self.env.invalidate_all()
        try:
            with self.env.cr.savepoint():
                user.password = password
        except UserError as exc:
            return str(exc)
        return ""

    def test_weak_password_refused_for_amazon_user_with_the_problem_named(self):
        message = self.refused(self.amazon, "short1!A")
        self.assertIn("at least 12 characters (it has 8)", message)
        self.assertIn("a symbol", self.refused(self.amazon, "NoSymbolsHere2026"))
        self.assertNotIn(
            "NoSymbolsHere2026", self.refused(self.amazon, "NoSymbolsHere2026")
        )
        self.assertEqual(self.refused(self.amazon, "Has-Symbols-2026"), "")

    def test_plain_internal_user_keeps_the_global_policy(self):
        self.assertEqual(self.refused(self.plain, "weakpassword"), "")

    def test_administrators_follow_the_rule(self):
        admin = new_test_user(
            self.env, login="rule_admin", groups="base.group_user,base.group_system"
        )
        self.assertIn("a digit", self.refused(admin, "No-Digits-Here-At-All"))

    def test_last_ten_passwords_cannot_be_reused(self):
        # password_security installs with 30; the rule's own floor is 10.
        self.env["ir.config_parameter"].set_param("password_security.history", 10)
        first, second = "First-Password-01", "Second-Password-02"
        self.assertEqual(self.refused(self.amazon, first), "")
        self.assertEqual(self.refused(self.amazon, second), "")
        self.assertIn("recent", self.refused(self.amazon, first))
        for number in range(11):
            self.assertEqual(
                self.refused(self.amazon, f"Other-Password-{number:02d}"), ""
            )
        self.assertEqual(self.refused(self.amazon, first), "")

    def test_history_is_ten_for_amazon_users_even_if_the_seller_lowers_it(self):
        self.env["ir.config_parameter"].set_param("password_security.history", 2)
        first = "First-Password-01"
        self.refused(self.amazon, first)
        for number in range(3):
            self.refused(self.amazon, f"Other-Password-{number:02d}")
        self.assertIn("recent", self.refused(self.amazon, first))

    def test_install_kept_at_least_ten_passwords(self):
        value = self.env["ir.config_parameter"].get_param("password_security.history")
        self.assertGreaterEqual(int(value), 10)


@tagged("post_install", "-at_install")
class TestTotpEnrolmentAtLogin(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env, login="enrol_officer", groups="amazon_pii.group_amazon_pii_officer"
        )
        cls.officer.password = GOOD
        cls.plain = new_test_user(
            cls.env, login="enrol_plain", groups="base.group_user"
        )
        cls.plain.password = GOOD

    def csrf(self, url):
        response = self.url_open(url)
        return re.search(r'name="csrf_token"\s+value="([^"]+)"', response.text).group(1)

    def login(self, login):
        return self.url_open(
            "/web/login",
            data={
                "login": login,
                "password": GOOD,
                "csrf_token": self.csrf("/web/login"),
            },
        )

    def test_enforced_user_without_totp_enrols_before_reaching_the_web_client(self):
        response = self.login("enrol_officer")
        self.assertTrue(response.url.endswith("/amazon/totp/enrol"), response.url)
        page = response.text
        secret = re.search(r'id="amazon_totp_secret">([A-Z2-7 ]+)<', page).group(1)
        secret = secret.replace(" ", "")
        self.assertIn("data:image/png;base64,", page)
        # No session yet: the web client sends back to the login page.
        self.assertIn("/web/login", self.url_open("/odoo").url)
        # A wrong code does not enrol.
        wrong = self.url_open(
            "/amazon/totp/enrol",
            data={
                "totp_token": "000000",
                "csrf_token": self.csrf("/amazon/totp/enrol"),
            },
        )
        self.assertIn("Verification failed", wrong.text)
        self.env.invalidate_all()
        self.assertFalse(self.officer.totp_enabled)
        enrolled = self.url_open(
            "/amazon/totp/enrol",
            data={
                "totp_token": totp_code(secret),
                "csrf_token": self.csrf("/amazon/totp/enrol"),
            },
        )
        self.assertIn("/web/login/totp", enrolled.url)
        self.env.invalidate_all()
        self.assertTrue(self.officer.totp_enabled)
        done = self.url_open(
            "/web/login/totp",
            data={
                "totp_token": totp_code(secret),
                "csrf_token": self.csrf("/web/login/totp"),
            },
        )
        self.assertNotIn("/web/login", done.url)
        self.assertEqual(self.url_open("/odoo").status_code, 200)
        info = self.make_jsonrpc_request("/web/session/get_session_info", {})
        self.assertEqual(info["uid"], self.officer.id)

    def test_plain_user_logs_in_as_before(self):
        response = self.login("enrol_plain")
        self.assertNotIn("/amazon/totp/enrol", response.url)
        self.assertNotIn("/web/login", response.url)
        info = self.make_jsonrpc_request("/web/session/get_session_info", {})
        self.assertEqual(info["uid"], self.plain.id)
