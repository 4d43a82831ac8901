"""Lifetime of the account's LWA client secret (docs/data-protection.md #8).

Amazon expires a client secret 180 days after it was created and then
answers ``invalid_client`` (core/lwa_secret.py cites Amazon). The account
records when its secret was set and when it expires; a daily cron warns the
responsible person once at 30 and once at 7 days left; once the secret has
expired by date, or the token endpoint refused it, the account stops calling
Amazon (``_client`` refuses) with one clear message and one activity, until a
new secret is stored. Rotation is the wizard ``amazon.lwa.secret.wizard``.

Fields for other pages (the data protection status): ``lwa_secret_expires_on``
(Date), ``lwa_secret_days_left`` (Integer, searchable), ``lwa_secret_state``.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ...core import lwa_secret
from ...core.spapi import PermanentError, SPAPIError

_logger = logging.getLogger(__name__)

# Vault key of a new client secret while the rotation wizard proves it at
# Amazon: encrypted like the secret itself, never in the wizard's table.
CANDIDATE_KEY = "lwa_client_secret#candidate"
# A candidate left behind by an abandoned wizard is dropped after this long.
CANDIDATE_HOURS = 1
# Fields only code writes (as superuser): the dates decide whether the sync
# calls Amazon, so no person sets them through the ORM.
CODE_ONLY = (
    "lwa_secret_set_on",
    "lwa_secret_expires_on",
    "lwa_secret_warned",
    "lwa_secret_refused_on",
    "lwa_secret_stopped_on",
)
# The account alert (amazon_account_alert.py) of each activity this file raises.
ALERTS = {"stop": "credentials", "warn": "secret_expiring"}
STATES = [
    ("unknown", "Unknown"),
    ("ok", "Valid"),
    ("expiring", "Expiring soon"),
    ("expired", "Expired"),
    ("refused", "Refused by Amazon"),
]


class LwaSecretStopped(UserError):
    """The account's client secret expired or was refused: no call to Amazon
    until a new one is stored. A UserError, so every flow that already
    reports a missing credential reports this the same way."""


class AmazonAccount(models.Model):
    # The client secret's lifetime, kept apart from the account's business.
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    lwa_secret_set_on = fields.Datetime(
        "Client secret set on",
        readonly=True,
        copy=False,
        help="When the current LWA client secret was stored. Accounts that "
        "existed before this was recorded show when the vault received it.",
    )
    lwa_secret_expires_on = fields.Date(
        "Client secret expires on",
        readonly=True,
        copy=False,
        help="Amazon expires a client secret 180 days after it is created, "
        "unless it gave another date when you rotated it.",
    )
    lwa_secret_days_left = fields.Integer(
        "Days left",
        compute="_compute_lwa_secret",
        search="_search_lwa_secret_days_left",
    )
    lwa_secret_state = fields.Selection(
        STATES, "Client secret", compute="_compute_lwa_secret"
    )
    lwa_secret_message = fields.Char(compute="_compute_lwa_secret")
    # The last warning threshold (days) given for the current secret.
    lwa_secret_warned = fields.Integer(readonly=True, copy=False)
    lwa_secret_refused_on = fields.Datetime(
        "Client secret refused on",
        readonly=True,
        copy=False,
        help="Amazon's token endpoint answered invalid_client.",
    )
    lwa_secret_stopped_on = fields.Datetime(
        "Stopped on",
        readonly=True,
        copy=False,
        help="Since then no call goes to Amazon, until a new client secret is stored.",
    )

    @api.depends("lwa_secret_expires_on", "lwa_secret_refused_on")
    def _compute_lwa_secret(self):
        today = fields.Date.context_today(self)
        for account in self:
            expiry = account.lwa_secret_expires_on
            left = lwa_secret.days_left(expiry, today)
            account.lwa_secret_days_left = left or 0
            account.lwa_secret_state = lwa_secret.state(
                expiry, today, refused=bool(account.lwa_secret_refused_on)
            )
            account.lwa_secret_message = account._lwa_secret_stop_reason() or False

    def _search_lwa_secret_days_left(self, operator, value):
        # Days left is today's distance to the stored expiry date.
        if operator not in ("<", "<=", ">", ">=", "=") or not isinstance(value, int):
            raise UserError(self.env._("Search days left with a number."))
        day = fields.Date.context_today(self) + timedelta(days=value)
        return [("lwa_secret_expires_on", operator, day)]

    def _lwa_secret_stop_reason(self):
        """Why this account must not call Amazon now (its client secret was
        refused, or expired by date), else ''. Reads only: ``_client`` calls
        it inside units that hold the account's row lock."""
        self.ensure_one()
        account = self.sudo()
        if account.lwa_secret_refused_on:
            return self.env._(
                "Amazon refused the LWA client credentials of %(name)s "
                "(invalid_client): the client secret expired or was replaced. "
                "Synchronization is stopped and nothing is sent to Amazon until "
                "a new client secret is stored (Rotate client secret on the "
                "account).",
                name=account.name,
            )
        expiry = account.lwa_secret_expires_on
        if lwa_secret.is_expired(expiry, fields.Date.context_today(self)):
            return self.env._(
                "The LWA client secret of %(name)s expired on %(date)s (Amazon "
                "expires client secrets 180 days after they are created). "
                "Synchronization is stopped and nothing is sent to Amazon until "
                "a new client secret is stored (Rotate client secret on the "
                "account).",
                name=account.name,
                date=expiry,
            )
        return ""

    # -- hooks ------------------------------------------------------------------
    def _check_code_only(self, vals_list):
        if not self.env.su and any(set(CODE_ONLY) & set(vals) for vals in vals_list):
            raise AccessError(
                self.env._("The client secret's dates are set by the connector only.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_code_only(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_code_only([vals])
        return super().write(vals)

    def _inverse_credentials(self):
        # Read before the vault write: the inverse's values live in the cache.
        renewed = self.filtered("lwa_client_secret")
        new_client = self.filtered("lwa_client_id") - renewed
        result = super()._inverse_credentials()
        renewed._lwa_secret_renewed()
        # invalid_client may have been the client id: a new one deserves a try.
        new_client._lwa_secret_resume()
        return result

    def _client(self):
        reason = self._lwa_secret_stop_reason()
        if reason:
            raise LwaSecretStopped(reason)
        return super()._client()

    # -- state changes (superuser, code only) -------------------------------------
    def _lwa_secret_renewed(self, expires_on=None):
        """A new client secret was stored now: dates from now (or Amazon's
        ``expires_on``), warnings and stop reset, their activities closed."""
        now = fields.Datetime.now()
        for account in self.sudo():
            account.write(
                {
                    "lwa_secret_set_on": now,
                    "lwa_secret_expires_on": expires_on or lwa_secret.expires_on(now),
                    "lwa_secret_warned": 0,
                }
            )
        self._lwa_secret_resume(kinds=("stop", "warn"))

    def _lwa_secret_resume(self, kinds=("stop",)):
        """Calls to Amazon may resume: forget the refusal and the stop, close
        the activities of ``kinds``. Still expired by date: the next sync
        stops the account again."""
        accounts = self.sudo()
        stopped = accounts.filtered(
            lambda a: a.lwa_secret_refused_on or a.lwa_secret_stopped_on
        )
        stopped.write({"lwa_secret_refused_on": False, "lwa_secret_stopped_on": False})
        for kind in kinds:
            accounts._alert_resolved(
                ALERTS[kind], self.env._("New LWA credentials were stored.")
            )

    def _lwa_secret_summary(self, kind):
        if kind == "stop":
            return self.env._("Amazon sync stopped: LWA client secret")
        return self.env._("LWA client secret expires soon")

    def _lwa_secret_activity(self, kind, note, deadline):
        """The account's one alert of ``kind`` (stop, warn), through the
        connector's one way of telling people (amazon_account_alert.py)."""
        self.ensure_one()
        return self._alert(
            ALERTS[kind], self._lwa_secret_summary(kind), note, deadline=deadline
        )

    def _lwa_secret_stop(self, refused=False):
        """Stop the account once: the refusal recorded (when Amazon said so),
        the stop time set and one activity for the responsible person; later
        calls change nothing. Returns the stop message."""
        self.ensure_one()
        account = self.sudo()
        vals = {}
        if refused and not account.lwa_secret_refused_on:
            vals["lwa_secret_refused_on"] = fields.Datetime.now()
        first = not account.lwa_secret_stopped_on
        if first:
            vals["lwa_secret_stopped_on"] = fields.Datetime.now()
        if vals:
            account.write(vals)
        reason = account._lwa_secret_stop_reason()
        if first and reason:
            account._lwa_secret_activity(
                "stop", reason, fields.Date.context_today(account)
            )
            # Past warning: the stop's alert says what to do now.
            account._alert_resolved(
                ALERTS["warn"], self.env._("The client secret no longer works.")
            )
            _logger.info("Amazon account %s stopped: client secret", account.id)
        return reason

    def _lwa_secret_halt(self, error):
        """For a flow that failed with ``error``: when it means the client
        secret no longer works (the account is stopped, or the token
        endpoint answered invalid_client), stop the account in a committed
        transaction of its own and return the message; else ''.

        Called after the failed unit of work ended: it holds no lock then."""
        self.ensure_one()
        refused = lwa_secret.is_refusal(error)
        if not (refused or isinstance(error, LwaSecretStopped)):
            return ""
        account_id = self.id
        reason = self.env["amazon.work"]._run(
            lambda env: (
                env["amazon.account"]
                .browse(account_id)
                ._lwa_secret_stop(refused=refused)
            )
        )
        self.invalidate_recordset()
        return reason or str(error)

    # -- rotation (amazon.lwa.secret.wizard) -----------------------------------------
    def _lwa_secret_rotated(self, new_secret, error, expires_on=None):
        """Unit of work after the token endpoint answered (``error`` None:
        accepted). Returns ``(state, message)`` for the wizard."""
        self.ensure_one()
        vault = self.env["amazon.pii.vault"].sudo()
        audit = self.env["amazon.pii.audit"]
        if error is None:
            vault.store(
                [(self, {"lwa_client_secret": new_secret, CANDIDATE_KEY: False})]
            )
            audit._log(
                "credential",
                records=self,
                field_keys=["lwa_client_secret"],
                detail="rotated: Amazon's token endpoint accepted the new secret",
            )
            self._lwa_secret_renewed(lwa_secret.parse_day(expires_on))
            return "done", self.env._(
                "Amazon accepted the new client secret. It replaced the old one, "
                "which is no longer stored, and expires on %(date)s. "
                "Synchronization goes on with it.",
                date=self.sudo().lwa_secret_expires_on,
            )
        vault.store([(self, {CANDIDATE_KEY: False})])
        audit._log(
            "credential",
            records=self,
            field_keys=["lwa_client_secret"],
            detail="rotation refused: the old secret was kept",
        )
        return "refused", self._lwa_secret_refusal_text(error)

    def _lwa_secret_refusal_text(self, error):
        kept = self.env._("The current client secret was kept: nothing changed.")
        if lwa_secret.is_refusal(error):
            why = self.env._(
                "Amazon refused the new client secret (invalid_client): it is "
                "not a valid secret of this application's client ID. Check that "
                "it was copied whole, from the application of this client ID."
            )
        elif isinstance(error, PermanentError):
            why = self.env._(
                "Amazon refused the token request: %(error)s", error=str(error)
            )
        elif isinstance(error, SPAPIError):
            why = self.env._(
                "Amazon's token endpoint could not be reached (%(error)s): try "
                "again later.",
                error=str(error),
            )
        else:
            # Never the exception's text: it could quote the request.
            why = self.env._(
                "The check at Amazon failed (%(kind)s): try again later.",
                kind=type(error).__name__,
            )
        return f"{why} {kept}"

    # -- cron ----------------------------------------------------------------------
    @api.model
    def _cron_lwa_secret_expiry(self):
        """Daily: one activity at 30 days left and one at 7 (for each secret),
        expired secrets stop their account, abandoned rotation candidates
        leave the vault."""
        today = fields.Date.context_today(self)
        accounts = self.sudo().search([("lwa_secret_expires_on", "!=", False)])
        for account in accounts:
            expiry = account.lwa_secret_expires_on
            if lwa_secret.is_expired(expiry, today):
                account._lwa_secret_stop()
                continue
            left = lwa_secret.days_left(expiry, today)
            due = lwa_secret.warning_due(left, account.lwa_secret_warned)
            if not due:
                continue
            account._lwa_secret_activity(
                "warn",
                self.env._(
                    "The LWA client secret of %(name)s expires on %(date)s "
                    "(%(days)s days left). Create a new one in Amazon's Developer "
                    "Console (or with rotateApplicationClientSecret), then use "
                    "Rotate client secret on the account: after that date Amazon "
                    "refuses the connector and synchronization stops.",
                    name=account.name,
                    date=expiry,
                    days=left,
                ),
                expiry,
            )
            account.write({"lwa_secret_warned": due})
        self._lwa_secret_drop_candidates()

    @api.model
    def _lwa_secret_drop_candidates(self, hours=CANDIDATE_HOURS):
        """A new secret pasted in a wizard that was never confirmed does not
        stay in the vault."""
        limit = fields.Datetime.now() - timedelta(hours=hours)
        entries = (
            self.env["amazon.pii.entry"]
            .sudo()
            .search(
                [
                    ("owner_model", "=", self._name),
                    ("field_key", "=", CANDIDATE_KEY),
                    ("create_date", "<", limit),
                ]
            )
        )
        owners = self.sudo().browse(set(entries.mapped("owner_id"))).exists()
        if owners:
            self.env["amazon.pii.vault"].sudo().store(
                [(owner, {CANDIDATE_KEY: False}) for owner in owners]
            )

    # -- upgrade -------------------------------------------------------------------
    @api.model
    def _lwa_secret_backfill(self):
        """Accounts whose secret predates this record: the set date is the
        vault entry's creation date (an entry is created anew whenever the
        secret changes; re-wrapping to a new key only updates it), and the
        expiry 180 days after. Said on each account. Returns the accounts."""
        vault = self.env["amazon.pii.vault"].sudo()
        accounts = (
            self.sudo()
            .with_context(active_test=False)
            .search([("lwa_secret_set_on", "=", False)])
        )
        done = self.browse()
        for account in accounts:
            entry = vault._entries(account, ["lwa_client_secret"])[:1]
            if not entry:
                continue
            account.write(
                {
                    "lwa_secret_set_on": entry.create_date,
                    "lwa_secret_expires_on": lwa_secret.expires_on(entry.create_date),
                }
            )
            account.message_post(
                body=self.env._(
                    "The day this LWA client secret was set was not recorded "
                    "before this upgrade: it is taken as %(date)s, when the "
                    "vault received it, so it expires on %(expiry)s at the "
                    "latest. If Amazon shows another date, rotate the secret "
                    "to record it.",
                    date=entry.create_date.date(),
                    expiry=account.lwa_secret_expires_on,
                ),
                subtype_xmlid="mail.mt_note",
            )
            done |= account
        return done
