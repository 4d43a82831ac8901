"""Failures reach people: one open activity per (account, kind of problem).

Background work that fails where no person is watching (a failed or
long-paused order sync, refused credentials, parked orders, a refused feed,
a shipment confirmation that gave up) tells the account's responsible user
through ``_alert``: one "Amazon alert" activity on the account, saying what
is wrong and what to do, however many runs or items fail. Each flow calls
``_alert_resolved`` when its condition recovers: the activity is marked done
with a feedback line (the activity type keeps done activities, so the
chatter and the activity history show when it was over), and the next
failure opens a new one.
"""

from odoo import fields, models
from odoo.tools import plaintext2html

ALERT_TYPE = "amazon_connector.mail_activity_type_amazon_alert"
# A pause (throttled, Amazon unreachable) alerts once this many runs in a row
# ended paused: one pause is resumed by the next run, three mean hours of
# orders not coming in (the sync runs every few minutes to hourly).
PAUSED_RUNS = 3
ALERT_KINDS = [
    ("sync", "Order sync failing"),
    ("credentials", "Credentials refused or expired"),
    ("secret_expiring", "Client secret expires soon"),
    ("parked", "Parked orders"),
    ("feed", "Listings feed refused"),
    ("confirmation", "Shipment confirmation gave up"),
    ("work", "Background work gave up"),
    ("notifications", "Amazon notifications stopped"),
]


class MailActivity(models.Model):
    _inherit = "mail.activity"

    # Which problem of an Amazon account this activity reports: the key that
    # keeps it to one open activity per (account, kind).
    amazon_alert = fields.Selection(
        ALERT_KINDS, "Amazon alert", readonly=True, index="btree_not_null"
    )


class AmazonAccount(models.Model):
    # How background work reports a failure to people, apart from the
    # account's business.
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    def _alert_user(self):
        """Who is told: the responsible user, else whoever created the
        account, else the administrator (never a portal user or a bot)."""
        self.ensure_one()
        account = self.sudo()
        for user in (account.user_id, account.create_uid):
            if user and user.active and not user.share and not user._is_superuser():
                return user
        return self.env.ref("base.user_admin")

    def _alert_activities(self, kind):
        """The open alert activities of ``kind`` on these accounts."""
        return (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("activity_type_id", "=", self.env.ref(ALERT_TYPE).id),
                    ("amazon_alert", "=", kind),
                ]
            )
        )

    def _alert(self, kind, summary, note, deadline=None):
        """Tell the account's responsible user about a problem of ``kind``
        (``note``: plain text naming the problem and what to do). An alert of
        that kind already open is brought up to date instead of doubled.
        Returns the open activities."""
        body = plaintext2html(note)
        activities = self.env["mail.activity"]
        for account in self.sudo():
            current = account._alert_activities(kind)
            vals = {"summary": summary, "note": body}
            if deadline:
                vals["date_deadline"] = deadline
            if current:
                current.write(vals)
                activities |= current
                continue
            activities |= account.activity_schedule(
                ALERT_TYPE,
                date_deadline=deadline or fields.Date.context_today(account),
                summary=summary,
                note=body,
                user_id=account._alert_user().id,
                amazon_alert=kind,
            )
        return activities

    def _alert_resolved(self, kind, feedback):
        """The problem of ``kind`` is over: its open activity is marked done
        with ``feedback`` (one line saying what recovered)."""
        current = self._alert_activities(kind)
        if current:
            current.action_feedback(feedback=feedback)
        return bool(current)


class AmazonSyncLog(models.Model):
    # Which sync runs reach people, kept with the other alerts.
    _inherit = "amazon.sync.log"  # pylint: disable=consider-merging-classes-inherited

    def _alert_people(self):
        """After a run: a failed run, or a pause that lasted PAUSED_RUNS runs,
        raises the account's sync alert; a run that went through closes it.
        A single pause (Amazon throttled, the next run resumes) says nothing;
        "busy" (another run held the account) neither; "stopped" is the
        credentials' own alert (amazon_account_lwa_secret.py)."""
        for log in self:
            account = log.account_id
            if log.state in ("done", "partial"):
                account._alert_resolved(
                    "sync", self.env._("The order sync ran through again.")
                )
            elif log.state == "failed" or (
                log.state == "paused" and log._paused_too_long()
            ):
                account._alert(
                    "sync",
                    self.env._("Amazon order sync failing"),
                    self.env._(
                        "The order sync of %(account)s did not complete "
                        "(%(state)s): %(message)s\n"
                        "Orders placed on Amazon are not coming into Odoo. Check "
                        "the account's credentials and connection (Test "
                        "connection), then Sync orders; Amazon > Sync Logs "
                        "lists every run.",
                        account=account.name,
                        state=dict(
                            self._fields["state"]._description_selection(self.env)
                        )[log.state],
                        message=log.message or self.env._("no reason given"),
                    ),
                )

    def _paused_too_long(self):
        """The last PAUSED_RUNS finished runs of the account (skipped runs
        aside) were all paused or failed."""
        self.ensure_one()
        runs = self.search(
            [
                ("account_id", "=", self.account_id.id),
                ("kind", "=", self.kind),
                ("state", "not in", ("running", "busy")),
            ],
            order="id desc",
            limit=PAUSED_RUNS,
        )
        return len(runs) == PAUSED_RUNS and set(runs.mapped("state")) <= {
            "paused",
            "failed",
        }
