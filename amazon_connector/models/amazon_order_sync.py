"""The order sync loop: one page of searchOrders per transaction.

Everything a run needs to resume lives on the account row (window, phase,
page token) and is written in the same transaction as the orders of the
page, so a run killed anywhere loses nothing and repeats nothing: the next
run re-reads the state and fetches the page after the last committed one.
Each page transaction first takes an advisory lock on the account; a second
worker that cannot get it stops (two crons never import the same page).
"""

import logging
from collections import Counter
from datetime import datetime, timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..core.order_mapping import INCLUDED_AMAZON, INCLUDED_MERCHANT
from ..core.spapi import PermanentError, RetryableError, SPAPIError

_logger = logging.getLogger(__name__)

ORDER_SYNC_LOCK = 0x414D5A4F  # "AMZO": advisory lock namespace, key = account id
INCLUDED = {"MERCHANT": INCLUDED_MERCHANT, "AMAZON": INCLUDED_AMAZON}
PAGE_SIZE = 100  # Amazon's maximum; system parameter amazon_connector.page_size
RETRY_PARKED = 50  # parked orders retried (getOrder) per run


def _amazon_time(value):
    """Amazon's ISO 8601 'Z' time -> naive UTC datetime (None when absent)."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)


class AmazonOrderSync(models.AbstractModel):
    _name = "amazon.order.sync"
    _description = "Amazon Order Synchronization"

    @api.model
    def run(self, account, max_pages=None):
        """Import every order updated since the account's cursor; return the log."""
        account.ensure_one()
        log = self.env["amazon.sync.log"]._start(account)
        counters = Counter()
        state, message = "done", False
        client = None
        started = fields.Datetime.now()
        try:
            client = account._client()
            while max_pages is None or counters["pages"] < max_pages:
                outcome = self._in_transaction(
                    account, self._sync_page, client, counters
                )
                if outcome == "busy":
                    state = "busy"
                    break
                if outcome == "done":
                    self._retry_parked(account, client, counters, started)
                    break
        except RetryableError as exc:
            state, message = "paused", str(exc)
            self._resume_later(account, exc.retry_after)
        except SPAPIError as exc:
            state, message = "failed", str(exc)
            _logger.warning(
                "Amazon order sync of account %s failed: %s", account.id, exc
            )
        finally:
            if client is not None:
                counters["api_calls"] = client.counters["calls"]
                counters["throttled"] = client.counters["throttled"]
                client.close()
            if state == "done" and counters["failed"]:
                state = "partial"
            log._finish(state, counters, message)
        account.invalidate_recordset()
        return log

    def _in_transaction(self, account, step, *args):
        """Run ``step`` on the account in a committed transaction of its own,
        under the account's advisory lock ('busy' when another run holds it)."""
        self.env.flush_all()  # the new transaction must see what we wrote
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "SELECT pg_try_advisory_xact_lock(%s, %s)",
                    ORDER_SYNC_LOCK,
                    account.id,
                )
            )
            if not cr.fetchone()[0]:
                return "busy"
            env = self.env(cr=cr)
            return step(account.with_env(env).with_company(account.company_id), *args)

    def _sync_page(self, account, client, counters):
        """Fetch and import the next page; return 'more' or 'done'."""
        if not account.orders_phase:
            start = account.orders_sync_from
            if account.orders_cursor:
                overlap = timedelta(minutes=max(0, account.orders_overlap))
                start = max(start, account.orders_cursor - overlap)
            account.write(
                {
                    "orders_phase": "MERCHANT",
                    "orders_window_start": start,
                    "orders_window_end": False,
                    "orders_page_token": False,
                }
            )
        phase = account.orders_phase
        # Amazon wants the same filters on every page of a search; the second
        # phase reuses the window end Amazon gave the first one.
        size = (
            account.env["ir.config_parameter"]
            .sudo()
            .get_param("amazon_connector.page_size", PAGE_SIZE)
        )
        query = {
            "last_updated_after": account.orders_window_start,
            "fulfilled_by": [phase],
            "included_data": INCLUDED[phase],
            "max_results_per_page": int(size),
        }
        if phase == "AMAZON":
            query["last_updated_before"] = account.orders_window_end
        token = account.orders_page_token or None
        try:
            page = client.search_orders(**query, pagination_token=token)
        except PermanentError as exc:
            if not token or exc.status != 400:
                raise
            # An expired page token (24 h): search the phase again; the
            # upsert makes the repeated pages harmless.
            _logger.info("Account %s: page token refused, phase restarts", account.id)
            account.orders_page_token = False
            return "more"
        counters["pages"] += 1
        counters["window_start"] = account.orders_window_start
        self.env["amazon.order.import"].with_env(account.env).import_orders(
            account, page.get("orders") or [], counters
        )
        next_token = (page.get("pagination") or {}).get("nextToken")
        vals = {"orders_page_token": next_token or False}
        if phase == "MERCHANT" and not account.orders_window_end:
            vals["orders_window_end"] = _amazon_time(
                page.get("lastUpdatedBefore")
            ) or fields.Datetime.now() - timedelta(minutes=2)
        if not next_token:
            if phase == "MERCHANT":
                vals["orders_phase"] = "AMAZON"
            else:
                vals.update(orders_phase=False, orders_cursor=account.orders_window_end)
        account.write(vals)
        counters["window_end"] = account.orders_window_end
        return "more" if account.orders_phase else "done"

    def _retry_parked(self, account, client, counters, started):
        """Orders parked by earlier runs (not this one's) are fetched again."""
        parked = (
            self.env["amazon.parked.order"]
            .sudo()
            .search(
                [("account_id", "=", account.id), ("last_failed", "<", started)],
                order="last_failed",
                limit=RETRY_PARKED,
            )
        )
        if parked:
            self._fetch_and_import(account, client, parked, counters)

    def _fetch_and_import(self, account, client, parked_or_ids, counters):
        """getOrder for each id, each applied in its own transaction; buyer
        data is asked for merchant-fulfilled orders only."""
        importer = self.env["amazon.order.import"]
        for amazon_id, fulfilled_by in self._ids_and_channels(account, parked_or_ids):
            included = INCLUDED.get(fulfilled_by) or INCLUDED_AMAZON
            try:
                order = client.get_order(amazon_id, included_data=included)["order"]
                if fulfilled_by is None and self._is_merchant(order):
                    order = client.get_order(
                        amazon_id, included_data=INCLUDED_MERCHANT
                    )["order"]
            except PermanentError as exc:
                counters["failed"] += 1
                self._in_transaction(
                    account, importer._park_step, amazon_id, str(exc), fulfilled_by
                )
                continue
            self._in_transaction(account, importer._import_step, order, counters)

    @staticmethod
    def _is_merchant(order):
        return (order.get("fulfillment") or {}).get("fulfilledBy") != "AMAZON"

    def _ids_and_channels(self, account, parked_or_ids):
        if isinstance(parked_or_ids, models.BaseModel):
            return [(p.amazon_order_id, p.fulfilled_by) for p in parked_or_ids]
        channels = dict(
            self.env["sale.order"]
            .sudo()
            .search_fetch(
                [
                    ("amazon_account_id", "=", account.id),
                    ("amazon_order_id", "in", list(parked_or_ids)),
                ],
                ["amazon_order_id", "amazon_channel"],
            )
            .mapped(lambda o: (o.amazon_order_id, o.amazon_channel))
        )
        by_channel = {"mfn": "MERCHANT", "afn": "AMAZON", "mcf": "AMAZON"}
        return [(i, by_channel.get(channels.get(i))) for i in parked_or_ids]

    @api.model
    def resync_orders(self, account, amazon_order_ids):
        """'Re-sync this order': fetch and apply now, whatever the cursor."""
        log = self.env["amazon.sync.log"]._start(account)
        counters = Counter()
        state, message = "done", False
        with account._client() as client:
            try:
                self._fetch_and_import(account, client, amazon_order_ids, counters)
            except SPAPIError as exc:
                state, message = "failed", str(exc)
            counters["api_calls"] = client.counters["calls"]
            counters["throttled"] = client.counters["throttled"]
        if state == "done" and counters["failed"]:
            state = "partial"
        log._finish(state, counters, message)
        return log

    def _resume_later(self, account, retry_after):
        """Throttled or Amazon down: the cron comes back when Amazon allows."""
        cron = account.sudo().cron_id
        if cron:
            delay = timedelta(seconds=max(60, retry_after or 0))
            cron._trigger(at=fields.Datetime.now() + delay)
