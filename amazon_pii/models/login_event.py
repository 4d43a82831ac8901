"""Failed logins, locks and unlocks (docs/data-protection.md #11).

Rows are written only by code, as superuser, in transactions of their own
(``res_users_login.py``): a failed login's transaction is rolled back, its
record must not be. Officers and administrators read them; nobody edits
them. Never a password: the login typed, the user it matched, when and
from which address.
"""

from datetime import timedelta

from odoo import api, fields, models

KINDS = [
    ("failure", "Failed login"),
    ("refused_locked", "Refused: account locked"),
    ("lock", "Account locked"),
    ("unlock", "Account unlocked"),
]
FAILED = ("failure", "refused_locked")
LOCK_AFTER = 10  # failed attempts in a row
BURST_ATTEMPTS = 20  # failed attempts, any users ...
BURST_MINUTES = 10  # ... within this many minutes
INCIDENT_REUSE_HOURS = 1
KEEP_DAYS = 365
DEFAULT_LOCK_MINUTES = 30


class AmazonPiiLoginEvent(models.Model):
    _name = "amazon.pii.login.event"
    _description = "Amazon Login Security Event"
    _order = "event_time desc, id desc"
    _rec_name = "kind"

    event_time = fields.Datetime("When", required=True, readonly=True, index=True)
    kind = fields.Selection(KINDS, required=True, readonly=True)
    user_id = fields.Many2one("res.users", readonly=True, index=True)
    login = fields.Char("Login typed", readonly=True)
    remote_ip = fields.Char("Remote address", readonly=True)
    actor_id = fields.Many2one(
        "res.users", "Done by", readonly=True, help="Who unlocked the account."
    )

    @api.model
    def _add(self, kind, user=None, login=None, ip=None, actor=None):
        return self.sudo().create(
            {
                "event_time": fields.Datetime.now(),
                "kind": kind,
                "user_id": user.id if user else False,
                # Only a login that names a user: what was typed into the
                # login field otherwise may well be a password (typed in the
                # wrong box), so it is never stored.
                "login": user.login if user else False,
                "remote_ip": ip or False,
                "actor_id": actor.id if actor else False,
            }
        )

    @api.model
    def _open_incident(self, description, user=None):
        """One incident for a burst or a lock: reuse an open one of the last
        hour instead of opening one per attempt."""
        Incident = self.env["amazon.pii.incident"].sudo()
        since = fields.Datetime.now() - timedelta(hours=INCIDENT_REUSE_HOURS)
        if Incident.search_count(
            [
                ("kind", "=", "login_burst"),
                ("state", "!=", "closed"),
                ("detected_at", ">=", since),
            ],
            limit=1,
        ):
            return False
        return Incident._open("login_burst", description, user=user)

    @api.model
    def _check_burst(self):
        since = fields.Datetime.now() - timedelta(minutes=BURST_MINUTES)
        count = self.sudo().search_count(
            [("kind", "in", FAILED), ("event_time", ">=", since)]
        )
        if count >= BURST_ATTEMPTS:
            self._open_incident(
                self.env._(
                    "%(count)s failed logins in the last %(minutes)s minutes "
                    "(see Data Protection > Login Events).",
                    count=count,
                    minutes=BURST_MINUTES,
                )
            )

    @api.model
    def _cron_prune(self):
        """Keep a year of login events (daily cron)."""
        cutoff = fields.Datetime.now() - timedelta(days=KEEP_DAYS)
        self.sudo().search([("event_time", "<", cutoff)]).unlink()
