"""Logins of users who can reach Amazon data (issue #18, item 1;
docs/data-protection.md #11).

- Password rule (``core/password_rules.py``) for users in an Amazon group
  and administrators, whenever their password is set, with OCA
  ``password_security``'s history kept for at least the last 10.
- Lockout: 10 failed attempts in a row lock the login for
  ``amazon_pii.login_lock_minutes``; every failed attempt, lock and unlock is
  an ``amazon.pii.login.event``; bursts and locks open one incident.
- TOTP at login for users who may reveal buyer data and administrators: one
  without TOTP gets a second login step of our own, the enrolment page
  (``controllers/totp_enrol.py``), and no session until enrolled.
"""

import contextlib
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessDenied, AccessError, UserError
from odoo.http import request

from ..core import password_rules
from .login_event import DEFAULT_LOCK_MINUTES, LOCK_AFTER

AMAZON_CATEGORIES = (
    "amazon_pii.module_category_amazon",
    "amazon_pii.module_category_amazon_shipping",
    "amazon_pii.module_category_amazon_privacy",
)
# Who may reveal buyer data (core/purpose.py decide) and administrators.
TOTP_GROUPS = (
    "amazon_pii.group_amazon_pii_officer",
    "amazon_pii.group_amazon_shipping",
    "base.group_system",
)
ENROL_MFA = "amazon_totp_enrol"
ENROL_URL = "/amazon/totp/enrol"
# Every failed login is recorded under this advisory lock: counts and the
# burst check see each other's attempts one at a time.
LOGIN_LOCK = 0x4C4F474E  # "LOGN"


def _remote_ip():
    return request.httprequest.remote_addr if request else None


def _record_failure(env, login, uid, ip):
    Users = env["res.users"].with_context(active_test=False)
    if uid:
        user = Users.browse(uid).exists()
    else:
        user = Users.search(
            Users._get_login_domain(login), order=Users._get_login_order(), limit=1
        )
    Events = env["amazon.pii.login.event"]
    now = fields.Datetime.now()
    if user and user.amazon_locked_until and user.amazon_locked_until > now:
        Events._add("refused_locked", user, login, ip)
    else:
        Events._add("failure", user, login, ip)
        if user:
            count = user.amazon_failed_logins + 1
            if count >= LOCK_AFTER:
                minutes = user._amazon_lock_minutes()
                user.write(
                    {
                        "amazon_failed_logins": 0,
                        "amazon_locked_until": now + timedelta(minutes=minutes),
                    }
                )
                Events._add("lock", user, login, ip)
                Events._open_incident(
                    env._(
                        "User %(user)s locked for %(minutes)s minutes after "
                        "%(count)s failed logins in a row.",
                        user=user.name,
                        minutes=minutes,
                        count=LOCK_AFTER,
                    ),
                    user=user,
                )
            else:
                user.amazon_failed_logins = count
    Events._check_burst()


def _record_success(env, uid):
    user = env["res.users"].browse(uid)
    if user.amazon_failed_logins:
        user.amazon_failed_logins = 0


class ResUsers(models.Model):
    # One model split by concern (logins here), as pii_vault.py explains.
    _inherit = "res.users"  # pylint: disable=consider-merging-classes-inherited

    amazon_failed_logins = fields.Integer(
        "Failed logins in a row", readonly=True, groups="base.group_system"
    )
    amazon_locked_until = fields.Datetime(
        "Login locked until", readonly=True, groups="base.group_system", copy=False
    )
    amazon_login_locked = fields.Boolean(
        "Login locked",
        compute="_compute_amazon_login_locked",
        groups="base.group_system",
    )

    def _compute_amazon_login_locked(self):
        now = fields.Datetime.now()
        for user in self:
            until = user.sudo().amazon_locked_until
            user.amazon_login_locked = bool(until and until > now)

    # ------------------------------------------------------------ passwords
    def _amazon_rules_apply(self):
        """Users in any Amazon group and administrators."""
        self.ensure_one()
        categories = [self.env.ref(xmlid).id for xmlid in AMAZON_CATEGORIES]
        groups = self.sudo().groups_id
        return bool(
            groups.filtered(lambda g: g.category_id.id in categories)
            or self.env.ref("base.group_system") in groups
        )

    def _check_password_policy(self, passwords):
        # Runs before password_security's, which skips every check while
        # Odoo runs tests of other modules: this rule holds in tests too.
        # Signup checks a password for no user yet: nothing to pair.
        for user, password in zip(self, passwords, strict=False):
            if not password or not user._amazon_rules_apply():
                continue
            problems = password_rules.problems(password, user.login)
            if problems:
                raise UserError(
                    self.env._(
                        "Users with access to Amazon data need a stronger "
                        "password. It lacks: %(problems)s.",
                        problems="; ".join(problems),
                    )
                )
            user.with_context(amazon_password_history=True)._check_password_history(
                password
            )
        return super()._check_password_policy(passwords)

    @api.model
    def _get_all_password_params(self):
        params = super()._get_all_password_params()
        if self.env.context.get("amazon_password_history"):
            params["history"] = password_rules.history_size(params["history"])
        return params

    @api.model
    def _amazon_floor_password_history(self):
        """At install: keep at least the last 10 passwords, never lowering
        a stricter (or unlimited) setting."""
        params = self.env["ir.config_parameter"].sudo()
        current = params.get_param("password_security.history", 0)
        wanted = password_rules.history_size(current)
        if wanted != int(current or 0):
            params.set_param("password_security.history", wanted)

    # -------------------------------------------------------------- lockout
    @api.model
    def _amazon_lock_minutes(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("amazon_pii.login_lock_minutes", DEFAULT_LOCK_MINUTES)
        )
        return max(int(value or DEFAULT_LOCK_MINUTES), 1)

    @contextlib.contextmanager
    def _assert_can_auth(self, user=None):
        # Every password, API-key and TOTP check passes here (_login, check,
        # /web/login/totp): a locked account is refused even the right one.
        self._amazon_refuse_if_locked(user)
        with super()._assert_can_auth(user=user):
            yield

    def _amazon_refuse_if_locked(self, user):
        Users = self.sudo().with_context(active_test=False)
        if isinstance(user, int):
            target = Users.browse(user).exists()
        elif isinstance(user, str):
            target = Users.search(
                self._get_login_domain(user), order=self._get_login_order(), limit=1
            )
        else:
            return
        until = target.amazon_locked_until if target else None
        if until and until > fields.Datetime.now():
            raise AccessDenied(
                self.env._(
                    "This account is locked after too many failed logins. Try "
                    "again after %(until)s (UTC) or ask an administrator to "
                    "unlock it.",
                    until=fields.Datetime.to_string(until)[:16],
                )
            )

    @classmethod
    def _amazon_login_work(cls, unit, *args):
        """Run ``unit`` through ``amazon.work._run`` after a login attempt.

        ``_login`` and ``check`` are classmethods: Odoo opens their cursors
        itself, and a failed attempt's transaction is rolled back by the time
        we get here. This cursor only carries the environment ``_run`` needs;
        the unit runs and commits in ``_run``'s own transaction."""
        with cls.pool.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            return env["amazon.work"]._run(
                unit, *args, locks=[(LOGIN_LOCK, 0)], wait=True, read_committed=True
            )

    @classmethod
    def _login(cls, db, credential, user_agent_env):
        try:
            auth_info = super()._login(db, credential, user_agent_env)
        except AccessDenied:
            cls._amazon_login_work(
                _record_failure, credential.get("login"), None, _remote_ip()
            )
            raise
        cls._amazon_login_work(_record_success, auth_info["uid"])
        return auth_info

    @classmethod
    def check(cls, db, uid, passwd):
        # Passwords and API keys sent with each XML-RPC call count too.
        try:
            return super().check(db, uid, passwd)
        except AccessDenied:
            cls._amazon_login_work(_record_failure, None, uid, _remote_ip())
            raise

    def action_amazon_unlock_login(self):
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("Only administrators may unlock logins."))
        Events = self.env["amazon.pii.login.event"]
        for user in self.sudo():
            if user.amazon_locked_until or user.amazon_failed_logins:
                user.write({"amazon_locked_until": False, "amazon_failed_logins": 0})
                Events._add("unlock", user, actor=self.env.user)
        return True

    # ----------------------------------------------------------------- TOTP
    def _amazon_totp_required(self):
        self.ensure_one()
        groups = self.sudo().groups_id
        return any(self.env.ref(xmlid) in groups for xmlid in TOTP_GROUPS)

    def _mfa_type(self):
        mfa = super()._mfa_type()
        if mfa is None and self._amazon_totp_required():
            # Not enrolled yet: the login's second step is enrolment.
            return ENROL_MFA
        return mfa

    def _mfa_url(self):
        url = super()._mfa_url()
        if url is None and self._mfa_type() == ENROL_MFA:
            return ENROL_URL
        return url

    def _should_alert_new_device(self):
        # auth_totp alerts whenever an MFA type is set; enrolment is not one.
        if self._mfa_type() == ENROL_MFA:
            return False
        return super()._should_alert_new_device()

    def _rpc_api_keys_only(self):
        # A password over XML-RPC skips the second factor: users who must
        # have one use API keys there, as Odoo requires of TOTP users.
        self.ensure_one()
        return self._amazon_totp_required() or super()._rpc_api_keys_only()
