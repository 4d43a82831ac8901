import time
from contextlib import contextmanager
from unittest.mock import Mock

from odoo import http
from odoo.http import _request_stack
from odoo.service import security
from odoo.tests import TransactionCase
from odoo.tests import new_test_user as odoo_new_test_user
from odoo.tools import DotDict

from ..models.res_users import record_step_up

# Not containing any test login (the rule refuses that too).
TEST_PASSWORD = "Zq7!-Xw9#-Vt5$"


def new_test_user(env, login="", groups="base.group_user", **kwargs):
    """Odoo's ``new_test_user`` with a password that meets the rule for users
    who can reach Amazon data (core/password_rules.py): Odoo's default, the
    login padded to 8 characters, is refused for them in tests too."""
    kwargs.setdefault("password", TEST_PASSWORD)
    return odoo_new_test_user(env, login=login, groups=groups, **kwargs)


MARKER_NAME = "Zoë Ångström-Markerson"
MARKER_STREET = "4471 Rue de l'Été Synthétique"


def web_session(case, user, confirmed_hours_ago=0.0, path="/web/dataset/call_kw"):
    """Until the end of ``case``'s test, code runs inside a web request whose
    session is ``user``'s and confirmed a TOTP code ``confirmed_hours_ago``
    (None: never), recorded as a real confirmation records it.

    How tests reveal buyer data since reveals need a recently stepped-up
    interactive session (docs/data-protection.md #10), the way Odoo's own tests
    push a request for ``check_identity``. An RPC caller cannot do this: session
    data is written only by server code. Tests that go on to run syncs or
    crons use ``in_web_session`` for just the user's click."""
    request, session = _fake_request(case, user, confirmed_hours_ago, path)
    _request_stack.push(request)
    case.addCleanup(_request_stack.pop)
    return session


@contextmanager
def in_web_session(case, user, confirmed_hours_ago=0.0, path="/web/dataset/call_kw"):
    """``web_session`` for the duration of a ``with`` block; yields the
    session."""
    request, session = _fake_request(case, user, confirmed_hours_ago, path)
    _request_stack.push(request)
    try:
        yield session
    finally:
        _request_stack.pop()


def _fake_request(case, user, confirmed_hours_ago, path):
    session = DotDict(sid="0" * 84, uid=user.id, login=user.login, context={})
    if confirmed_hours_ago is not None:
        record_step_up(session, user.id, time.time() - confirmed_hours_ago * 3600)
    # A Mock, as in Odoo's own TransactionCase.debug_mode: the test cursor
    # accepts it as the test's own request.
    request = Mock(
        session=session,
        env=case.env,
        db=case.env.cr.dbname,
        # Read by mail (the guest cookie) when records are created.
        cookies={},
        httprequest=Mock(
            path=path,
            headers={},
            cookies={},
            remote_addr="127.0.0.1",
            environ={"REMOTE_ADDR": "127.0.0.1"},
        ),
    )
    return request, session


class VaultCase(TransactionCase):
    """Users for every role, owners, and test mode so that refusals recorded in
    their own transaction stay inside the test's transaction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.vault = cls.env["amazon.pii.vault"]
        groups = {
            "officer": "amazon_pii.group_amazon_pii_officer",
            "officer_no2fa": "amazon_pii.group_amazon_pii_officer",
            "shipping": "amazon_pii.group_amazon_shipping",
            "manager": "amazon_pii.group_amazon_manager",
            "plain": "amazon_pii.group_amazon_user",
        }
        cls.users = {
            name: new_test_user(cls.env, login=f"pii_{name}", groups=group)
            for name, group in groups.items()
        }
        for name in ("officer", "shipping", "manager", "plain"):
            cls.enable_2fa(cls.users[name])
        cls.owners = cls.env["res.partner"].create(
            [{"name": f"Amazon buyer {i}"} for i in range(4)]
        )

    @classmethod
    def enable_2fa(cls, user):
        user.sudo().totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

    def store_address(self, owner, **extra):
        values = {
            "recipient_name": MARKER_NAME,
            "address_line1": MARKER_STREET,
            "phone": "+33 1 55 55 01 23",
            "buyer_email": "buyer-synthetic@marketplace.invalid",
        }
        values.update(extra)
        return self.vault.store([(owner, values)])

    def place_hold(self, owner, name, reason):
        return (
            self.env["amazon.pii.hold"]
            .with_user(self.users["officer"])
            .create(
                {
                    "name": name,
                    "reason": reason,
                    "owner_model": owner._name,
                    "owner_id": owner.id,
                }
            )
        )

    def as_user(self, name):
        """The vault as ``name``, from that user's web session, stepped up when
        the user enrolled 2FA (as logging in with a code does)."""
        user = self.users[name]
        confirmed = 0.0 if user.sudo().totp_enabled else None
        web_session(self, user, confirmed_hours_ago=confirmed)
        return self.vault.with_user(user)

    def audit(self, event):
        return self.env["amazon.pii.audit"].sudo().search([("event", "=", event)])


class PersonSession:
    """For HttpCase tests: a person's browser session.

    Odoo's report routes are read-only requests; the vault audits a reveal
    in a transaction of its own (``amazon.work._run``), which in production
    is a separate connection but in tests a cursor nested in the request's,
    and a test cursor cannot nest a read/write one in a read-only one."""

    readonly_enabled = False

    def login(self, user, browser=None):
        """A browser session of ``user`` as after an interactive login
        (password and, when enrolled, the second factor); Odoo's
        ``authenticate`` refuses two-factor users outright, and users who
        must enrol one (administrators, officers, shipping staff) too."""
        super().authenticate(None, None, browser=browser)
        session = self.session
        session.uid = user.id
        session.login = user.login
        session.session_token = security.compute_session_token(session, self.env)
        session.context = dict(user.with_user(user).context_get())
        if user.sudo().totp_enabled:
            # The code was confirmed at this login, as /web/login/totp does.
            record_step_up(session, user.id)
        http.root.session_store.save(session)
        return session

    def authenticate(self, user, password, browser=None):
        """Odoo's test login (which checks no password either), as a person's
        interactive login: what ``browser_js`` and ``start_tour`` call."""
        if not user:
            return super().authenticate(user, password, browser=browser)
        person = self.env["res.users"].search([("login", "=", user)])
        self.assertEqual(len(person), 1, f"no single user with login {user}")
        return self.login(person, browser=browser)
