"""An account's Amazon notifications: where Amazon sends them, what it
sends, and the order search as their safety net (issue 22).

- Where: an Amazon SQS queue the seller (or their developer) owns; its URL
  and the AWS keys that read it are set by administrators with two-factor
  authentication (a credential change, audited; the keys are vault secrets,
  never shown again, never logged). The queue URL follows the account URL
  policy (docs/data-protection.md #7): an SQS host of AWS, or a local one
  (moto) only when the server's configuration allows local endpoints.
- What: *Set up notifications* creates Amazon's destination for the queue
  (an application-level, grantless call; reused when Amazon has one for the
  same queue) and subscribes the seller to each type the connector acts on
  (core/notifications.py TYPES, with their payload versions); *Check* reads
  the subscriptions back from Amazon; *Remove* deletes them (and the
  destination when no other account uses it).
- Safety net: Amazon does not promise an ORDER_CHANGE for every new order.
  While notifications arrive (one seen within the long interval) the order
  cron searches only every ``orders_interval_notified`` minutes; when they
  stop it searches every ``orders_interval`` again, at once, and an activity
  says why; it goes quiet again when notifications come back.
"""

import logging
from datetime import timedelta

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ...core import notifications
from ...core.spapi import PermanentError, SPAPIError, redact
from ...core.spapi.endpoints import sqs_queue

SQS_SECRETS = ("sqs_access_key_id", "sqs_secret_access_key")
# botocore logs request headers (the AWS key id) and response bodies (an
# ORDER_CHANGE's postal code) at DEBUG: never, whatever Odoo's log level.
for _name in ("botocore", "boto3"):
    logging.getLogger(_name).setLevel(logging.WARNING)
NOTIFICATION_STATES = [
    ("off", "Not set up"),
    ("waiting", "Set up, none received yet"),
    ("healthy", "Arriving"),
    ("silent", "Stopped arriving"),
]


class AmazonAccount(models.Model):
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    notification_queue_url = fields.Char(
        "Notification queue",
        groups="base.group_system",
        help="URL of the Amazon SQS queue Amazon sends this account's "
        "notifications to (https://sqs.<region>.amazonaws.com/<AWS account>/"
        "<queue>). Its access policy must let Amazon's SP-API send messages. "
        "Changing it needs two-factor authentication and is audited.",
    )
    sqs_access_key_id = fields.Char(
        "AWS access key ID",
        compute="_compute_sqs_secrets",
        inverse="_inverse_sqs_secrets",
        groups="base.group_system",
        help="Of an AWS user allowed to receive and delete the queue's "
        "messages. Stored encrypted in the vault; never shown again.",
    )
    sqs_secret_access_key = fields.Char(
        "AWS secret access key",
        compute="_compute_sqs_secrets",
        inverse="_inverse_sqs_secrets",
        groups="base.group_system",
        help="Stored encrypted in the vault; never shown again.",
    )
    notification_destination_id = fields.Char(
        "Amazon destination", readonly=True, copy=False
    )
    notification_subscription_ids = fields.One2many(
        "amazon.notification.subscription", "account_id", "Subscriptions"
    )
    notifications_state = fields.Selection(
        NOTIFICATION_STATES,
        "Notifications",
        default="off",
        required=True,
        readonly=True,
        copy=False,
    )
    notifications_last_on = fields.Datetime(
        "Last notification",
        compute="_compute_notifications_last_on",
        # Read from the notifications (Amazon > Notifications), not stored:
        # the account row is the order sync's lock, kept free.
        help="When the last notification of this account was acted on.",
    )
    orders_interval_notified = fields.Integer(
        "Search orders every (while notifications arrive)",
        default=60,
        help="Minutes between order searches while Amazon's notifications "
        "arrive: the search then only catches what a notification missed. "
        "When none has arrived for this long, the search returns to its "
        "normal interval.",
    )

    # -- the queue and its keys --------------------------------------------------
    def _compute_sqs_secrets(self):
        for account in self:
            account.sqs_access_key_id = False
            account.sqs_secret_access_key = False

    def _inverse_sqs_secrets(self):
        vault = self.env["amazon.pii.vault"]
        for account in self:
            values = {key: account[key] for key in SQS_SECRETS if account[key]}
            if values:
                vault.store_secrets(account, values)

    def _sqs(self):
        """``(boto3 SQS client, queue URL)`` of this account's queue."""
        self.ensure_one()
        account = self.sudo()
        url = account._usable_url("notification_queue_url")
        if not url:
            raise UserError(
                self.env._(
                    "Amazon account %(name)s has no notification queue.", name=self.name
                )
            )
        keys = self.env["amazon.pii.vault"]._secrets(account, SQS_SECRETS)
        missing = [k for k in SQS_SECRETS if not keys.get(k)]
        if missing:
            raise UserError(
                self.env._(
                    "Amazon account %(name)s has no AWS keys for its notification "
                    "queue: an administrator enters them on its Notifications tab.",
                    name=self.name,
                )
            )
        endpoint, region, _arn = sqs_queue(url)
        client = boto3.client(
            "sqs",
            region_name=region,
            endpoint_url=endpoint,
            aws_access_key_id=keys["sqs_access_key_id"],
            aws_secret_access_key=keys["sqs_secret_access_key"],
            config=Config(
                connect_timeout=5,
                read_timeout=notifications.MAX_WAIT + 10,
                retries={"max_attempts": 2, "mode": "standard"},
            ),
        )
        return client, url

    @api.model
    def _notification_account(self, account_ids, seller_id, marketplace_codes):
        """The account a notification is for: the seller's, among those
        reading the queue, selling in its marketplace when it names one (a
        seller has an account per region, all with the same seller id)."""
        accounts = self.browse(account_ids).filtered(
            lambda a: a.active and a.seller_id == seller_id
        )
        codes = set((marketplace_codes or "").split(",")) - {""}
        if codes:
            accounts = accounts.filtered(
                lambda a: codes & set(a.marketplace_ids.mapped("amazon_id"))
            )
        return accounts[:1]

    # -- the order search as the safety net ------------------------------------------
    def _compute_notifications_last_on(self):
        done = (
            self.env["amazon.notification"]
            .sudo()
            ._read_group(
                [("account_id", "in", self.ids), ("state", "=", "done")],
                ["account_id"],
                ["handled_on:max"],
            )
        )
        last = {account.id: when for account, when in done}
        for account in self:
            account.notifications_last_on = last.get(account.id, False)

    def _notifications_arriving(self):
        """Whether Amazon's notifications of this account arrive now: set
        up (a queue), and one acted on within the long interval."""
        self.ensure_one()
        account = self.sudo()
        if not account.notification_queue_url or not account.notifications_last_on:
            return False
        quiet = timedelta(minutes=max(1, account.orders_interval_notified))
        return account.notifications_last_on > fields.Datetime.now() - quiet

    def _orders_search_waits(self):
        """While notifications arrive, the order cron (every ``orders_interval``
        minutes) searches only once ``orders_interval_notified`` minutes passed
        since the last search that ran: no write to the cron itself, which a
        running sync holds locked. Read from the notifications themselves, not
        a stored flag: a stopped consumer makes the search due again."""
        self.ensure_one()
        if self.notifications_state != "healthy" or not self._notifications_arriving():
            return super()._orders_search_waits()
        last = self.env["amazon.sync.log"].search(
            [("account_id", "=", self.id), ("state", "in", ("done", "partial"))],
            order="started desc",
            limit=1,
        )
        due = timedelta(minutes=max(1, self.orders_interval_notified))
        return bool(last) and last.started > fields.Datetime.now() - due

    def _orders_every(self):
        if self.notifications_state == "healthy":
            return max(self.orders_interval, self.orders_interval_notified)
        return super()._orders_every()

    def _notifications_mark(self):
        """Set the account's notification state from what arrived (a work
        unit holding the account's row: the order sync's lock). Arriving
        again closes the alert; stopped: the order search is due at once and
        the responsible user is told."""
        for account in self:
            arriving = account._notifications_arriving()
            state = account.notifications_state
            if arriving and state in ("waiting", "silent"):
                account.notifications_state = "healthy"
                account._alert_resolved(
                    "notifications",
                    self.env._(
                        "Amazon's notifications arrive again: orders are "
                        "searched every %(minutes)s minutes as a safety net.",
                        minutes=account._orders_every(),
                    ),
                )
            elif not arriving and state == "healthy":
                account.notifications_state = "silent"
                if account.cron_id:
                    account.cron_id.sudo()._trigger()  # what was missed, now
                account._alert(
                    "notifications",
                    self.env._("Amazon notifications stopped"),
                    self.env._(
                        "No notification of %(account)s arrived since %(when)s: "
                        "orders are searched every %(minutes)s minutes again "
                        "until they do. Check the queue and the subscriptions "
                        "on the account's Notifications tab (Check "
                        "subscriptions).",
                        account=account.name,
                        when=fields.Datetime.to_string(account.notifications_last_on)
                        or "-",
                        minutes=account._orders_every(),
                    ),
                )

    # -- Amazon's destination and subscriptions --------------------------------------
    def _check_notifications_manager(self):
        user = self.env.user
        if not self.env.su and not user.has_group("amazon_pii.group_amazon_manager"):
            raise AccessError(
                self.env._("Only Amazon managers set up Amazon notifications.")
            )

    def action_notifications_setup(self):
        """Create (or reuse) Amazon's destination for the queue and subscribe
        the seller to each notification type the connector acts on."""
        self._check_notifications_manager()
        self.check_access("write")
        for account in self:
            client_sqs, url = account._sqs()
            try:
                # The queue answers these keys before Amazon is told to use it.
                client_sqs.get_queue_attributes(
                    QueueUrl=url, AttributeNames=["QueueArn"]
                )
            except (BotoCoreError, ClientError) as exc:
                raise UserError(
                    self.env._(
                        "The notification queue of %(account)s cannot be read "
                        "with its AWS keys: %(problem)s",
                        account=account.name,
                        problem=redact.text(exc),
                    )
                ) from None
            arn = sqs_queue(url)[2]
            try:
                with account._client() as client:
                    destination = account._notification_destination(client, arn)
                    rows = account._notification_subscribe(client, destination)
            except SPAPIError as exc:
                raise UserError(
                    self.env._(
                        "Amazon refused setting up notifications of %(account)s: "
                        "%(problem)s",
                        account=account.name,
                        problem=exc,
                    )
                ) from None
            account.sudo().write(
                {
                    "notification_destination_id": destination,
                    "notifications_state": "waiting"
                    if account.notifications_state == "off"
                    else account.notifications_state,
                }
            )
            account._notification_store(rows)
            account.message_post(
                body=self.env._(
                    "Amazon notifications set up by %(user)s: %(types)s.",
                    user=self.env.user.name,
                    types=", ".join(sorted(rows)),
                )
            )
        return True

    def _notification_destination(self, client, arn):
        """Amazon's destination id for ``arn``: the existing one, else new."""
        for destination in client.get_destinations().get("payload") or ():
            resource = (destination.get("resource") or {}).get("sqs") or {}
            if resource.get("arn") == arn:
                return destination["destinationId"]
        name = f"Odoo {self.env.cr.dbname}"[:256]
        return client.create_destination(name, arn)["payload"]["destinationId"]

    def _notification_subscribe(self, client, destination):
        """``{type: (subscription id, version, state)}`` after subscribing each
        type to ``destination`` (a subscription Amazon keeps for another
        destination is moved to this one)."""
        rows = {}
        for kind, (version, _schema) in notifications.TYPES.items():
            existing = (client.get_subscription(kind, version) or {}).get("payload")
            if existing and existing.get("destinationId") == destination:
                rows[kind] = (existing["subscriptionId"], version, "active")
                continue
            if existing:
                client.delete_subscription(kind, existing["subscriptionId"])
            created = client.create_subscription(
                kind, version, destination, notifications.DIRECTIVES.get(kind)
            )
            rows[kind] = (created["payload"]["subscriptionId"], version, "active")
        return rows

    def _notification_store(self, rows):
        self.ensure_one()
        Subscription = self.env["amazon.notification.subscription"].sudo()
        now = fields.Datetime.now()
        existing = {
            s.notification_type: s for s in self.sudo().notification_subscription_ids
        }
        for kind, (subscription, version, state) in rows.items():
            vals = {
                "subscription_id": subscription or False,
                "payload_version": version,
                "destination_id": self.notification_destination_id or False,
                "state": state,
                "checked_on": now,
            }
            if kind in existing:
                existing[kind].write(vals)
            else:
                Subscription.create(
                    {**vals, "account_id": self.id, "notification_type": kind}
                )

    def action_notifications_check(self):
        """Read the seller's subscriptions back from Amazon."""
        self.check_access("read")
        for account in self:
            rows = {}
            with account._client() as client:
                for kind, (version, _schema) in notifications.TYPES.items():
                    found = (client.get_subscription(kind, version) or {}).get(
                        "payload"
                    )
                    if not found:
                        rows[kind] = (False, version, "missing")
                    elif (
                        found.get("destinationId")
                        != account.notification_destination_id
                    ):
                        rows[kind] = (found["subscriptionId"], version, "other")
                    else:
                        rows[kind] = (found["subscriptionId"], version, "active")
            account._notification_store(rows)
        states = [state for _id, _version, state in rows.values()]
        return self._notify(
            self.env._("Subscriptions read from Amazon"),
            self.env._(
                "%(active)s of %(total)s notification types subscribed to this "
                "account's queue.",
                active=states.count("active"),
                total=len(states),
            ),
            "success" if all(s == "active" for s in states) else "warning",
        )

    def action_notifications_remove(self):
        """Delete the seller's subscriptions, and Amazon's destination when no
        other account uses it; the order search returns to its interval."""
        self._check_notifications_manager()
        self.check_access("write")
        for account in self:
            destination = account.notification_destination_id
            with account._client() as client:
                for row in account.sudo().notification_subscription_ids.filtered(
                    "subscription_id"
                ):
                    try:
                        client.delete_subscription(
                            row.notification_type, row.subscription_id
                        )
                    except PermanentError as exc:
                        if exc.status != 404:  # already gone: what was asked
                            raise
                others = self.sudo().search_count(
                    [
                        ("id", "!=", account.id),
                        ("region", "=", account.region),
                        ("notification_destination_id", "=", destination),
                    ]
                )
                if destination and not others:
                    try:
                        client.delete_destination(destination)
                    except PermanentError as exc:
                        if exc.status != 404:
                            raise
            account.sudo().notification_subscription_ids.unlink()
            account.sudo().write(
                {"notification_destination_id": False, "notifications_state": "off"}
            )
            account._alert_resolved(
                "notifications", self.env._("Amazon notifications were removed.")
            )
            account.message_post(
                body=self.env._(
                    "Amazon notifications removed by %(user)s.", user=self.env.user.name
                )
            )
        return True
