"""Returns sync: Amazon's two returns reports become ``amazon.return``
records and Odoo return pickings, once.

Reports are slow (minutes): no cron ever waits for one. Each run, per
account and report type (merchant returns, FBA customer returns):

1. a report requested earlier (its id kept on the account) is asked for its
   status: still in the queue or in progress, it is left for a later run;
   DONE: its document is downloaded and parsed (no transaction open), its
   rows recorded and processed in ``amazon.work._run`` units under the
   account's returns lock, then the window's end becomes the type's cursor;
   CANCELLED: nothing in the window, the cursor moves on; FATAL: logged and
   alerted (``returns`` alert), the same window is requested again;
2. with no report pending, the next window is requested: from the cursor
   (the end of the last window read; the first time, the account's order
   sync start) minus an overlap, to now, at most ``WINDOW`` long;
3. returns still waiting for their order or its delivery, and returns whose
   picking waits for the parcel, are processed again.

The overlap reads the last days again: returns Amazon listed late are not
lost, and merchant returns show their new status (the parcel back) on a
later read. Records are found by their return key, so a row read twice
never makes a second picking.
"""

import logging
from datetime import datetime, timedelta, timezone

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.amazon_pii.core.work import BUSY

from ...core.returns_report import FBA_RETURNS, MFN_RETURNS, parse_returns_report
from ...core.spapi import RetryableError, SPAPIError
from .amazon_return import row_key

_logger = logging.getLogger(__name__)

RETURNS_LOCK = 0x414D5A52  # "AMZR": advisory lock namespace, key = account id
BATCH = 100  # returns processed per transaction
WINDOW = timedelta(days=30)  # Amazon allows 60; keep requests small
FIRST_WINDOW = timedelta(days=30)  # without an order sync start
# Read again: FBA returns listed late; merchant returns' status changes (the
# parcel comes back 3-8 days after the request, the request date is what
# the report filters on).
OVERLAP = {FBA_RETURNS: timedelta(days=2), MFN_RETURNS: timedelta(days=14)}
REPORTS = {MFN_RETURNS: "mfn", FBA_RETURNS: "afn"}
ORDER_COLUMNS = {MFN_RETURNS: "order id", FBA_RETURNS: "order-id"}


class MailActivity(models.Model):
    _inherit = "mail.activity"  # pylint: disable=consider-merging-classes-inherited

    amazon_alert = fields.Selection(
        selection_add=[("returns", "Returns sync failing")],
        ondelete={"returns": "cascade"},
    )


class AmazonAccount(models.Model):
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    sync_returns = fields.Boolean(
        help="Read Amazon's returns reports every hour and make return "
        "pickings of the returned items.",
    )
    returns_mfn_mode = fields.Selection(
        [("receive", "Receive into stock"), ("none", "No picking")],
        "Merchant returns",
        default="receive",
        required=True,
        help="Receive into stock: a return picking from the order's delivery "
        "to the warehouse's stock, ready for the warehouse to validate when "
        "the parcel arrives (validated by the sync once Amazon's report says "
        "it is back). No picking: only the return record.",
    )
    fba_unsellable_location_id = fields.Many2one(
        "stock.location",
        "Amazon FBA unsellable",
        readonly=True,
        check_company=True,
        help="FBA returns Amazon cannot sell again (defective, damaged) land "
        "here, out of the FBA stock; sellable ones go back to the FBA "
        "location.",
    )
    returns_pending = fields.Json(readonly=True, copy=False)
    returns_cursor_mfn = fields.Datetime(
        "Merchant returns read until", readonly=True, copy=False
    )
    returns_cursor_afn = fields.Datetime(
        "FBA returns read until", readonly=True, copy=False
    )
    returns_attempted_on = fields.Datetime(readonly=True, copy=False)
    return_ids = fields.One2many("amazon.return", "account_id", "Returns")
    return_count = fields.Integer(compute="_compute_return_count")

    @api.depends("return_ids")
    def _compute_return_count(self):
        counts = {
            account.id: count
            for account, count in self.env["amazon.return"]._read_group(
                [("account_id", "in", self.ids)], ["account_id"], ["__count"]
            )
        }
        for account in self:
            account.return_count = counts.get(account.id, 0)

    # -- person's actions ------------------------------------------------------
    def action_sync_returns(self):
        """'Sync returns now': request the reports and collect those done."""
        totals = self._run_now(
            lambda account: account._returns_sync(),
            self.env._(
                "The returns of %(account)s could not be read from Amazon: %(error)s"
            ),
            self.env._(
                "The returns of %(account)s are being synced right now; try again "
                "in a minute."
            ),
        )
        return self._notify(
            self.env._("Returns synced"),
            self.env._(
                "%(done)s return(s) done, %(waiting)s waiting, %(parked)s parked; "
                "%(pending)s report(s) still being prepared by Amazon (collected "
                "at the next sync).",
                done=totals.get("done", 0),
                waiting=totals.get("waiting", 0),
                parked=totals.get("parked", 0),
                pending=totals.get("pending", 0),
            ),
            "success",
        )

    def action_view_returns(self):
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "amazon_connector.action_amazon_return"
        )
        action["domain"] = [("account_id", "in", self.ids)]
        return action

    # -- cron ------------------------------------------------------------------
    @api.model
    def _cron_sync_returns(self):
        self._cron_each_due(
            "sync_returns", "returns_attempted_on", lambda a: a._returns_sync()
        )

    # -- the sync ----------------------------------------------------------------
    def _returns_step(self, step, *args):
        """``step(account, *args)`` under the account's returns lock."""
        return self._locked_step(RETURNS_LOCK, step, *args)

    def _returns_sync(self):
        """One run for this account (see the module's doc): returns
        ``{done, waiting, parked, pending}`` or BUSY. Failures are alerted
        (``returns``) and raised."""
        self.ensure_one()
        if self._returns_step(_probe) is BUSY:
            return BUSY
        self.env["amazon.work"]._run(
            _stamp, self.id, "returns_attempted_on", company=self.company_id
        )
        pending = 0
        outcomes = set()
        try:
            for report_type in REPORTS:
                outcome = self._returns_collect(report_type)
                if outcome is BUSY:
                    return BUSY
                outcomes.add(outcome)
                if outcome == "pending":
                    pending += 1
                    continue
                self._returns_request(report_type)
                pending += 1
            # A report read and none failed: the alert (if any) is over.
            resolved = "read" in outcomes and "failed" not in outcomes
            counts = self._returns_step(_retry, resolved)
        except (SPAPIError, UserError) as exc:
            self._returns_failed(exc)
            raise
        self.env.invalidate_all()
        if counts is BUSY:
            return BUSY
        return dict(counts, pending=pending)

    def _returns_collect(self, report_type):
        """The pending report of ``report_type``: "pending" while Amazon
        prepares it, else read (or dropped) and "read"; "none" if there was
        none."""
        # Read in a unit: the caller's snapshot predates this run's units.
        entry = self._returns_step(_pending, report_type)
        if entry is BUSY:
            return BUSY
        if not entry:
            return "none"
        with self._client() as client:
            report = client.get_report(entry["id"])
            status = report.get("processingStatus")
            if status in ("IN_QUEUE", "IN_PROGRESS"):
                return "pending"
            text = None
            if status == "DONE":
                document = client.get_report_document(report["reportDocumentId"])
                text = client.download_report_text(document)
        end = report.get("dataEndTime") or entry["end"]
        if status not in ("DONE", "CANCELLED"):  # FATAL
            # Logged and alerted; the cursor stays, so the same window is
            # asked for again (the other report type goes on).
            if self._returns_step(_forget, report_type) is BUSY:
                return BUSY
            self._returns_failed(
                UserError(
                    self.env._(
                        "Amazon could not prepare the %(report)s report %(id)s "
                        "(status %(status)s); the same window is requested again.",
                        report=report_type,
                        id=entry["id"],
                        status=status,
                    )
                )
            )
            return "failed"
        if text is not None:
            parsed = parse_returns_report(report_type, text)
            errors = _row_errors(report_type, text, parsed.errors)
            ids = self._returns_step(_record, parsed.records, errors)
            if ids is BUSY:
                return BUSY
            for start in range(0, len(ids), BATCH):
                if self._returns_step(_process, ids[start : start + BATCH]) is BUSY:
                    return BUSY
        if self._returns_step(_advance, report_type, end) is BUSY:
            return BUSY
        return "read"

    def _returns_request(self, report_type):
        """Ask Amazon for the next window of ``report_type`` and keep the
        report's id (a lost id, a crash before it is kept, costs only a
        report nobody reads: the next run asks again)."""
        window = self._returns_step(_window, report_type)
        if window is BUSY:
            return BUSY
        start, end = window
        with self._client() as client:
            answer = client.create_report(
                report_type,
                marketplace_ids=self.marketplace_ids.mapped("amazon_id"),
                data_start_time=start.replace(tzinfo=timezone.utc),
                data_end_time=end.replace(tzinfo=timezone.utc),
            )
        entry = {
            "id": answer["reportId"],
            "start": start.isoformat(),
            "end": end.isoformat(),
        }
        return self._returns_step(_remember, report_type, entry)

    def _returns_failed(self, exc):
        if isinstance(exc, RetryableError):
            _logger.info("Amazon returns sync of account %s paused: %s", self.id, exc)
            return
        if self._lwa_secret_halt(exc):
            return
        _logger.warning("Amazon returns sync of account %s failed: %s", self.id, exc)
        error = str(exc)

        def alert(env):
            account = self.with_env(env)
            account._alert(
                "returns",
                env._("Returns sync failing"),
                env._(
                    "Amazon's returns of %(account)s could not be synced: "
                    "%(error)s\nReturn pickings are made again once it works; "
                    "check the account's credentials and roles.",
                    account=account.name,
                    error=error,
                ),
            )

        self.env["amazon.work"]._run(alert, company=self.company_id)

    def _returns_unsellable_location(self):
        """The "Amazon FBA unsellable" location under the FBA warehouse
        (created once): a scrap location, out of the warehouse's stock."""
        self.ensure_one()
        location = self.fba_unsellable_location_id
        if location:
            return location
        warehouse = self.fba_warehouse_id
        location = self.env["stock.location"].create(
            {
                "name": self.env._("Amazon FBA unsellable"),
                "location_id": warehouse.view_location_id.id,
                "usage": "inventory",
                "scrap_location": True,
                "company_id": self.company_id.id,
            }
        )
        self.fba_unsellable_location_id = location
        return location


# -- units (each runs in its own transaction: ``account`` in the unit's env) ----
def _probe(account):
    return True


def _stamp(env, account_id, field):
    env["amazon.account"].browse(account_id).write({field: fields.Datetime.now()})


def _pending(account, report_type):
    return (account.returns_pending or {}).get(report_type)


def _window(account, report_type):
    """``(start, end)`` (naive UTC) of the next report of ``report_type``."""
    cursor = account[f"returns_cursor_{REPORTS[report_type]}"]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    if cursor:
        start = cursor - OVERLAP[report_type]
    else:
        start = account.orders_sync_from or now - FIRST_WINDOW
    end = min(start + WINDOW, now)
    return min(start, end - timedelta(hours=1)), end


def _remember(account, report_type, entry):
    account.returns_pending = dict(
        account.returns_pending or {}, **{report_type: entry}
    )


def _forget(account, report_type):
    pending = dict(account.returns_pending or {})
    pending.pop(report_type, None)
    account.returns_pending = pending


def _advance(account, report_type, end):
    """The report is read: its window's end becomes the type's cursor."""
    moment = datetime.fromisoformat(end.replace("Z", "+00:00"))
    if moment.tzinfo:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    field = f"returns_cursor_{REPORTS[report_type]}"
    if not account[field] or account[field] < moment:
        account[field] = moment
    _forget(account, report_type)


def _record(account, records, errors):
    return account.env["amazon.return"]._record_rows(account, records, errors)


def _process(account, ids):
    account.env["amazon.return"].browse(ids)._process()


def _retry(account, resolved=False):
    """Returns waiting for their order or delivery, parked returns that may
    now go through (a SKU mapped since), and pickings waiting for the
    parcel: processed again. Returns the account's counts."""
    Return = account.env["amazon.return"]
    todo = Return.search(
        [
            ("account_id", "=", account.id),
            ("quantity", ">", 0),
            "|",
            ("state", "!=", "done"),
            "&",
            ("picking_id", "!=", False),
            ("picking_id.state", "not in", ("done", "cancel")),
        ],
        limit=BATCH * 5,
    )
    todo._process()
    if resolved:
        account._alert_resolved("returns", account.env._("Returns read again."))
    counts = dict.fromkeys(("done", "waiting", "parked"), 0)
    for state, count in Return._read_group(
        [("account_id", "=", account.id)], ["state"], ["__count"]
    ):
        counts[state] = count
    return counts


def _row_errors(report_type, text, errors):
    """Plain dicts of the parser's row errors: line, problem, the row's key
    and its order id when it has one."""
    lines = text.removeprefix("\ufeff").splitlines()
    header = [c.strip().lower() for c in lines[0].split("\t")] if lines else []
    column = ORDER_COLUMNS[report_type]
    index = header.index(column) if column in header else None
    channel = REPORTS[report_type]
    found = []
    for error in errors:
        raw = lines[error.line - 1] if 0 < error.line <= len(lines) else ""
        cells = raw.split("\t")
        order_id = (
            cells[index].strip() if index is not None and index < len(cells) else ""
        )
        found.append(
            {
                "line": error.line,
                "problem": f"Row {error.line}: {error.problem}",
                "key": row_key(channel, raw),
                "order_id": order_id,
                "channel": channel,
            }
        )
    return found
