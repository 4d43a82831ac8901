"""The one retry state of everything the connector sends or fetches again.

A work item is one thing that must reach Amazon (or a tracking provider) or be
fetched from it again: a parked order, a shipment confirmation, a tracking
share, a price and stock push, a listings feed to follow. Each flow keeps its
business state on its own record (the delivery's "Amazon confirmation", the
parked order's reason); the item keeps how the retrying goes: state, attempts,
next attempt, last error, one backoff (``amazon_pii.core.work.backoff``) and a
manual "Retry now". Failed items of an account are listed in one place (the
account's "Failed work" button); an item that gives up raises one alert (activity)
for the account's responsible user, closed when none of its kind fails.
"""

from datetime import timedelta

from odoo import api, fields, models

from odoo.addons.amazon_pii.core.work import backoff

KINDS = [
    ("order", "Order import"),
    ("confirmation", "Shipment confirmation"),
    ("tracking_share", "Tracking share"),
    ("listing_push", "Price and stock push"),
    ("feed", "Listings feed"),
    ("notification", "Amazon notification"),
]
STATES = [
    ("queued", "Queued"),
    ("sending", "Sending"),
    ("retrying", "Failed, will retry"),
    ("gave_up", "Gave up"),
    ("done", "Done"),
]
# Automatic attempts before an item gives up: 2 min doubling, capped at a day,
# so eight attempts span about eight hours; parked orders are retried daily
# for a week before they wait for a person.
MAX_ATTEMPTS = {"order": 14, "confirmation": 8, "tracking_share": 5, "notification": 5}
DEFAULT_MAX_ATTEMPTS = 8
# A claim ("sending") that never settled (the worker died mid-call) is due
# again after this lease; the flow then asks the remote side before resending.
LEASE_MINUTES = 15
# The account alert (amazon_account_alert.py) an item that gives up raises.
ALERT_OF_KIND = {
    "confirmation": "confirmation",
    "tracking_share": "work",
    "listing_push": "work",
    "feed": "work",
    "notification": "work",
}
ALERT_OF_KINDS = {
    alert: [k for k, a in ALERT_OF_KIND.items() if a == alert]
    for alert in set(ALERT_OF_KIND.values())
}
# The cron each kind's work runs on, triggered by "Retry now".
CRONS = {
    "order": None,  # the account's own order sync cron
    "confirmation": "amazon_connector.ir_cron_amazon_confirm_shipments",
    "tracking_share": "amazon_connector.ir_cron_amazon_confirm_shipments",
    "listing_push": "amazon_connector.ir_cron_amazon_listing_offers",
    "feed": "amazon_connector.ir_cron_amazon_listing_feeds",
    "notification": "amazon_connector.ir_cron_amazon_notifications",
}


class AmazonWorkItem(models.Model):
    _name = "amazon.work.item"
    _description = "Amazon Work Item (retry state)"
    _order = "next_attempt, id"
    _rec_name = "ref"

    account_id = fields.Many2one(
        "amazon.account", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    kind = fields.Selection(KINDS, required=True, readonly=True, index=True)
    res_model = fields.Char("Document model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        "Document", model_field="res_model", required=True, readonly=True
    )
    ref = fields.Char("Reference", readonly=True)
    state = fields.Selection(
        STATES, required=True, default="queued", readonly=True, index=True
    )
    attempts = fields.Integer(readonly=True)
    max_attempts = fields.Integer(readonly=True, default=DEFAULT_MAX_ATTEMPTS)
    next_attempt = fields.Datetime(
        readonly=True, index=True, help="When the work is tried (again) automatically."
    )
    last_attempt = fields.Datetime(readonly=True)
    first_failed = fields.Datetime(readonly=True)
    last_error = fields.Text(readonly=True)

    _sql_constraints = [
        (
            "document_uniq",
            "unique(kind, res_model, res_id)",
            "One work item per kind and document.",
        ),
    ]

    # -- used by the flows -----------------------------------------------------------
    @api.model
    def _for(self, kind, records, account, create=True):
        """The items of ``kind`` for ``records`` of ``account`` (created,
        queued, when missing)."""
        items = self.sudo().search(
            [
                ("kind", "=", kind),
                ("res_model", "=", records._name),
                ("res_id", "in", records.ids),
            ]
        )
        if not create:
            return items
        missing = set(records.ids) - set(items.mapped("res_id"))
        if missing:
            items |= self.sudo().create(
                [
                    {
                        "account_id": account.id,
                        "kind": kind,
                        "res_model": records._name,
                        "res_id": record.id,
                        "ref": record.display_name,
                        "max_attempts": MAX_ATTEMPTS.get(kind, DEFAULT_MAX_ATTEMPTS),
                        "next_attempt": fields.Datetime.now(),
                    }
                    for record in records.browse(sorted(missing))
                ]
            )
        return items

    @api.model
    def _due_domain(self, kind, now=None):
        """Items of ``kind`` whose attempt is due: queued or retrying and due,
        or a claim whose lease ran out."""
        now = now or fields.Datetime.now()
        return [
            ("kind", "=", kind),
            ("state", "in", ("queued", "retrying", "sending")),
            ("next_attempt", "<=", now),
        ]

    def _queue(self, delay=None):
        """(Re)start: queued, attempts from zero, due now (or after ``delay``)."""
        self.sudo().write(
            {
                "state": "queued",
                "attempts": 0,
                "next_attempt": fields.Datetime.now() + (delay or timedelta(0)),
                "last_error": False,
                "first_failed": False,
            }
        )

    def _claim(self):
        """Record the intent before the remote call: one attempt counted, the
        item leased so no other worker takes it until the lease runs out."""
        now = fields.Datetime.now()
        for item in self.sudo():
            item.write(
                {
                    "state": "sending",
                    "last_attempt": now,
                    "next_attempt": now + timedelta(minutes=LEASE_MINUTES),
                }
            )

    def _succeeded(self):
        self.sudo().write({"state": "done", "next_attempt": False, "last_error": False})
        self._close_give_up_activities()

    def _failed(self, error, retry=True):
        """Count a failed attempt; retry later with backoff, or give up after
        ``max_attempts`` (or at once when ``retry`` is False: a person must
        act). Returns True when the item will be retried."""
        now = fields.Datetime.now()
        gave_up = self.browse()
        for item in self.sudo():
            attempts = item.attempts + 1
            again = retry and attempts < item.max_attempts
            item.write(
                {
                    "state": "retrying" if again else "gave_up",
                    "attempts": attempts,
                    "last_attempt": now,
                    "first_failed": item.first_failed or now,
                    "next_attempt": now + backoff(attempts) if again else False,
                    "last_error": str(error)[:2000] if error else False,
                }
            )
            if not again:
                gave_up |= item
        if gave_up:
            gave_up._notify_give_up()
        return not gave_up

    # -- people ------------------------------------------------------------------------
    def action_retry_now(self):
        """Try again now, with a fresh allowance of automatic attempts."""
        self.check_access("write")
        self._queue()
        for xmlid in {CRONS.get(kind) for kind in self.mapped("kind")} - {None}:
            cron = self.env.ref(xmlid, raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()
        for account in self.filtered(lambda i: i.kind == "order").account_id:
            if account.sudo().cron_id:
                account.sudo().cron_id._trigger()
        return True

    def action_open_document(self):
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    def _notify_give_up(self):
        """One alert per account and kind of problem for its responsible
        user, however many items gave up (``amazon.account._alert``)."""
        for (account, alert), items in self._by_alert().items():
            gave_up = self.search_count(
                [
                    ("account_id", "=", account.id),
                    ("kind", "in", ALERT_OF_KINDS[alert]),
                    ("state", "=", "gave_up"),
                ]
            )
            kinds = ", ".join(sorted({dict(KINDS)[k] for k in items.mapped("kind")}))
            if alert == "confirmation":
                summary = self.env._("Amazon shipment confirmation gave up")
                note = self.env._(
                    "%(count)s shipment confirmation(s) of %(account)s stopped "
                    "retrying: Amazon does not know these orders shipped, and "
                    "late confirmations hurt the account's metrics. Open the "
                    "account's Failed work to see why, fix the delivery "
                    "(carrier, tracking number) and use Retry now.",
                    count=gave_up,
                    account=account.name,
                )
            else:
                summary = self.env._("Amazon work gave up")
                note = self.env._(
                    "%(count)s item(s) of %(account)s stopped retrying "
                    "(%(kinds)s). Open the account's Failed work to see why "
                    "and use Retry now once it is fixed.",
                    count=gave_up,
                    account=account.name,
                    kinds=kinds,
                )
            account._alert(alert, summary, note)

    def _close_give_up_activities(self):
        """An alert is over once no item of its kinds gives up anymore."""
        for account, alert in self._by_alert():
            if not self.search_count(
                [
                    ("account_id", "=", account.id),
                    ("kind", "in", ALERT_OF_KINDS[alert]),
                    ("state", "=", "gave_up"),
                ]
            ):
                account._alert_resolved(
                    alert, self.env._("Nothing is failing anymore.")
                )

    def _by_alert(self):
        """``{(account, alert kind): items}``; parked orders (kind "order")
        have their own alert (amazon.parked.order), raised when they park."""
        groups = {}
        for item in self.sudo():
            alert = ALERT_OF_KIND.get(item.kind)
            if alert:
                key = (item.account_id, alert)
                groups[key] = groups.get(key, self.browse()) | item
        return groups

    @api.autovacuum
    def _gc_done(self):
        """Done items say nothing a person needs after a month."""
        limit = fields.Datetime.subtract(fields.Datetime.now(), days=30)
        self.sudo().search(
            [("state", "=", "done"), ("write_date", "<", limit)]
        ).unlink()
