"""The consumer of Amazon's notifications: long-polls each account's SQS
queue and acts on what Amazon says changed (issue 22).

Per message, in this order (each step an ``amazon.work._run`` unit that
commits on its own):

1. read it (core/notifications.py): a body that is not a notification of a
   handled type, or breaks Amazon's schema of its type, is parked with the
   reason and deleted (it would never become valid);
2. record it by Amazon's NotificationId: one already handled is a duplicate
   (SQS delivers at least once, Amazon may publish twice), counted and
   deleted; one for no account of this database is recorded as ignored;
3. act: ORDER_CHANGE fetches that order (getOrder) and imports it through
   the order import; LISTINGS_ITEM_* refresh that SKU's listings;
   FBA_INVENTORY_AVAILABILITY_CHANGES asks for the account's FBA stock read;
   ANY_OFFER_CHANGED and REPORT_PROCESSING_FINISHED are recorded (pricing
   and reports are not built yet);
4. only then delete the message. A crash between 3 and 4 leaves it in the
   queue: the next delivery acts again (the import is idempotent) and
   deletes it. Acting that fails is retried on the one retry state
   (``amazon.work.item`` kind "notification", its backoff setting the
   message's visibility) and parked when it gives up: the row keeps what is
   needed to act again ("Retry now"), and the message is deleted.

Amazon throttling or a busy order sync are not failures: the message comes
back after a short visibility timeout.
"""

import json
import logging
import time
from collections import Counter

from botocore.exceptions import BotoCoreError, ClientError

from odoo import api, fields, models

from odoo.addons.amazon_pii.core.work import BUSY

from ...core import notifications
from ...core.spapi import RetryableError, redact

_logger = logging.getLogger(__name__)

CONSUME_SECONDS = 50  # one cron run (every minute) long-polls this long
BUSY_VISIBILITY = 30  # seconds before a message met by a busy lock returns
# A received batch is ours this long: ten order imports fit in it, so a
# message is not handed out again while it is being acted on.
RECEIVE_VISIBILITY = 300
MAX_VISIBILITY = 12 * 3600  # SQS's maximum visibility timeout
DELETE = "delete"


def _park_malformed(env, message_id, reason):
    """Unit: a message that is no notification, parked with its reason."""
    Notification = env["amazon.notification"]
    key = f"sqs:{message_id}"
    row = Notification.search([("notification_id", "=", key)])
    if row:
        row.duplicates += 1
        return row.id
    return Notification.create(
        {
            "notification_id": key,
            "message_id": message_id,
            "state": "parked",
            "reason": reason,
            "handled_on": fields.Datetime.now(),
        }
    ).id


def _record(env, vals, account_ids):
    """Unit: the row of this notification, created and routed the first
    time; ``(row id, state, duplicate)``."""
    Notification = env["amazon.notification"]
    row = Notification.search([("notification_id", "=", vals["notification_id"])])
    if row:
        if row.state in ("done", "ignored", "parked"):
            row.duplicates += 1
            return row.id, row.state, True
        return row.id, row.state, False
    account = env["amazon.account"]._notification_account(
        account_ids, vals["seller_id"], vals["marketplace_codes"]
    )
    row = Notification.create({**vals, "account_id": account.id})
    if not account:
        row.write(
            {
                "state": "ignored",
                "handled_on": fields.Datetime.now(),
                "reason": env._(
                    "No active account of seller %(seller)s sells in "
                    "%(marketplaces)s through this queue.",
                    seller=vals["seller_id"],
                    marketplaces=vals["marketplace_codes"] or "-",
                ),
            }
        )
        return row.id, "ignored", False
    return row.id, row.state, False


def _settle(env, row_id, reason):
    """Unit: the notification's effect is committed: done. Returns its type
    and whether its account's notification state is to be looked at."""
    row = env["amazon.notification"].browse(row_id)
    row.write(
        {
            "state": "done",
            "handled_on": fields.Datetime.now(),
            "reason": reason or False,
        }
    )
    row._work_item(create=False)._succeeded()
    return (
        row.type,
        row.account_id.id if row.account_id.notifications_state != "healthy" else False,
    )


def _mark(env, account_id):
    """Unit, holding the account's row: its notification state."""
    env["amazon.account"].browse(account_id)._notifications_mark()


def _retry_done(env, item_ids):
    """Unit: work items whose notification needs nothing any more."""
    env["amazon.work.item"].browse(item_ids)._succeeded()


def _act_unit(env, row_id):
    """Unit: act on a recorded notification, read in a transaction that sees
    it (the cron's own began before the row was committed); the effects
    commit in the units the flows run themselves."""
    return env["amazon.notification"].browse(row_id)._act()


def _failed(env, row_id, reason):
    """Unit: acting failed; ``(retried, seconds until the next attempt)``."""
    row = env["amazon.notification"].browse(row_id)
    item = row._work_item()
    again = item._failed(reason)
    if again:
        row.write({"state": "retrying", "reason": reason})
        wait = (item.next_attempt - fields.Datetime.now()).total_seconds()
        return True, int(min(MAX_VISIBILITY, max(0, wait)))
    row.write(
        {"state": "parked", "reason": reason, "handled_on": fields.Datetime.now()}
    )
    return False, 0


class AmazonNotificationConsumer(models.AbstractModel):
    _name = "amazon.notification.consumer"
    _description = "Amazon Notification Consumer"

    @api.model
    def _cron_consume(self, budget=CONSUME_SECONDS, wait=notifications.MAX_WAIT):
        """Act on due retries, then long-poll each queue for ``budget``
        seconds; accounts whose notifications stopped are told so."""
        counts = Counter()
        self._retry_due(counts)
        deadline = time.monotonic() + budget
        accounts = (
            self.env["amazon.account"]
            .sudo()
            .search([("active", "=", True), ("notification_queue_url", "!=", False)])
        )
        queues = {}
        for account in accounts:
            # One queue however its URL was typed (a trailing slash): two
            # groups would each ignore, and delete, the other's messages.
            key = account.notification_queue_url.strip().rstrip("/")
            queues.setdefault(key, account.browse())
            queues[key] |= account
        for index, group in enumerate(queues.values()):
            # Each queue its share of the time left: a later queue is not
            # left one short poll a minute.
            left = max(0.0, deadline - time.monotonic())
            share = time.monotonic() + left / (len(queues) - index)
            self._consume(group, share, wait, counts)
        for account in accounts:
            self._mark(account.id)
        if counts:
            _logger.info("Amazon notifications: %s", dict(counts))
        return counts

    def _consume(self, accounts, deadline, wait, counts):
        """Long-poll the queue ``accounts`` share until ``deadline``."""
        try:
            sqs, url = accounts[:1]._sqs()
        except Exception as exc:  # noqa: BLE001 - any configuration problem
            _logger.warning(
                "Amazon notification queue of account(s) %s unusable: %s",
                accounts.ids,
                redact.text(exc),
            )
            counts["queue_errors"] += 1
            return
        while True:
            left = int(deadline - time.monotonic())
            try:
                reply = sqs.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=10,
                    WaitTimeSeconds=max(0, min(wait, left)),
                    VisibilityTimeout=RECEIVE_VISIBILITY,
                )
            except (BotoCoreError, ClientError) as exc:
                _logger.warning(
                    "Amazon notification queue of account(s) %s: %s",
                    accounts.ids,
                    redact.text(exc),
                )
                counts["queue_errors"] += 1
                return
            messages = reply.get("Messages") or []
            for message in messages:
                outcome = self._handle(accounts, message, counts)
                try:
                    if outcome == DELETE:
                        sqs.delete_message(
                            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"]
                        )
                    else:
                        sqs.change_message_visibility(
                            QueueUrl=url,
                            ReceiptHandle=message["ReceiptHandle"],
                            VisibilityTimeout=outcome,
                        )
                except (BotoCoreError, ClientError) as exc:
                    # Acted and committed: the next delivery is a duplicate.
                    _logger.warning(
                        "Amazon notification not deleted from the queue: %s",
                        redact.text(exc),
                    )
            if left <= 0 or (not messages and wait == 0):
                return

    def _handle(self, accounts, message, counts):
        """Act on one SQS message; DELETE, or seconds before it returns."""
        work = self.env["amazon.work"]
        message_id = message.get("MessageId") or ""
        body = message.get("Body")
        try:
            note = notifications.parse(body, message_id)
            errors = notifications.schema_errors(json.loads(body), note.type)
            if errors:
                raise notifications.Malformed(
                    "does not fit Amazon's schema of its type: " + "; ".join(errors[:5])
                )
        except notifications.Malformed as exc:
            work._run(_park_malformed, message_id, str(exc))
            counts["malformed"] += 1
            return DELETE
        vals = self.env["amazon.notification"]._vals_from(note, message_id)
        row_id, state, duplicate = work._run(_record, vals, accounts.ids)
        if duplicate or state in ("ignored", "parked", "done"):
            counts["duplicates" if duplicate else state] += 1
            return DELETE
        return self._act(row_id, counts)

    def _act(self, row_id, counts):
        """Act on a recorded notification and settle it; DELETE, or seconds
        before its message should come back."""
        work = self.env["amazon.work"]
        try:
            outcome = work._run(_act_unit, row_id)
        except RetryableError as exc:
            if exc.status != 429:  # Amazon down: a failed attempt, not forever
                return self._failed(row_id, exc, counts)
            counts["throttled"] += 1
            return int(min(MAX_VISIBILITY, max(BUSY_VISIBILITY, exc.retry_after or 0)))
        except Exception as exc:  # noqa: BLE001 - parked with its reason, never lost
            return self._failed(row_id, exc, counts)
        if outcome is BUSY:
            counts["busy"] += 1
            return BUSY_VISIBILITY
        return self._settle(row_id, outcome, counts)

    def _failed(self, row_id, exc, counts):
        """A failed attempt on the one retry state; DELETE when it gave up."""
        reason = redact.text(f"{type(exc).__name__}: {exc}")[:2000]
        again, seconds = self.env["amazon.work"]._run(_failed, row_id, reason)
        counts["retrying" if again else "parked"] += 1
        return seconds if again else DELETE

    def _settle(self, row_id, outcome, counts):
        """The effect is committed: the row says so; DELETE."""
        kind, account_id = self.env["amazon.work"]._run(_settle, row_id, outcome)
        counts[kind] += 1
        if account_id:
            self._mark(account_id)
        return DELETE

    def _mark(self, account_id):
        """The account's notification state, in a unit holding its row
        without waiting: a busy row (the order sync) is looked at next run."""
        self.env["amazon.work"]._run(
            _mark, account_id, rows=[("amazon.account", [account_id])]
        )

    def _retry_due(self, counts):
        """Parked notifications a person asked to retry ("Retry now"): their
        message is gone, they are acted on from their rows. A notification
        still retrying comes back with its message (its visibility is the
        retry's backoff): acting here too would spend two attempts a round."""
        Item = self.env["amazon.work.item"].sudo()
        # First thing of the run: the cron's snapshot still sees every row.
        done = []
        for item in Item.search(Item._due_domain("notification"), limit=100):
            row = self.env["amazon.notification"].browse(item.res_id).exists()
            if not row or row.state in ("done", "ignored"):
                done.append(item.id)
            elif row.state == "parked":
                self._act(row.id, counts)
        if done:
            self.env["amazon.work"]._run(_retry_done, done)
