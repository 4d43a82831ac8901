"""The order sync loop: one page of searchOrders per transaction.

Everything a run needs to resume lives on the account row (window, phase,
page token) and is written in the same transaction as the orders of the
page, so a run killed anywhere loses nothing and repeats nothing: the next
run re-reads the state and fetches the page after the last committed one.
Each page transaction first takes an advisory lock on the account and locks
its row (NOWAIT): a second worker that cannot get both, or whose snapshot
predates the last page's commit, stops ("busy") instead of repeating it.
Page transactions run as superuser, like the cron, whoever clicked: access
was checked on the account before the run started.
"""

import logging
from collections import Counter
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.amazon_pii.core.work import BUSY

from ...core import amazon_time, order_mapping
from ...core.order_mapping import INCLUDED_AMAZON, INCLUDED_MERCHANT
from ...core.spapi import PermanentError, RetryableError, SPAPIError, redact

_logger = logging.getLogger(__name__)

ORDER_SYNC_LOCK = 0x414D5A4F  # "AMZO": advisory lock namespace, key = account id
INCLUDED = {"MERCHANT": INCLUDED_MERCHANT, "AMAZON": INCLUDED_AMAZON}
PAGE_SIZE = 100  # Amazon's maximum; system parameter amazon_connector.page_size
RETRY_PARKED = 50  # parked orders retried (getOrder) per run


class AmazonOrderSync(models.AbstractModel):
    _name = "amazon.order.sync"
    _description = "Amazon Order Synchronization"

    @api.model
    @api.private
    def run(self, account):
        """Import every order updated since the account's cursor; return the log."""
        account.ensure_one()
        log = self.env["amazon.sync.log"]._start(account)
        counters = Counter()
        state, message = "done", False
        client = None
        started = fields.Datetime.now()
        try:
            client = account._client()
            outcome = "more"
            while outcome == "more":
                outcome = self._step(account, self._sync_page, client, counters)
            if outcome is BUSY:
                state = "busy"
            else:
                self._retry_parked(account, client, counters, started)
        except RetryableError as exc:
            state, message = "paused", str(exc)
            self._resume_later(account, exc.retry_after)
        except (SPAPIError, UserError) as exc:
            # Refused credentials, missing configuration: the log says why;
            # raising would only make the cron log a traceback every run.
            state, message = "failed", str(exc)
            # An expired or refused client secret stops the account (one
            # activity, no call to Amazon until a new secret is stored)
            # instead of failing again every run.
            stopped = account._lwa_secret_halt(exc)
            if stopped:
                state, message = "stopped", stopped
            else:
                _logger.warning(
                    "Amazon order sync of account %s failed: %s", account.id, exc
                )
        except Exception as exc:
            # Recorded, then raised: the log must not say "running" forever.
            state, message = "failed", redact.text(f"{type(exc).__name__}: {exc}")
            raise
        finally:
            if client is not None:
                counters["api_calls"] = client.counters["calls"]
                counters["throttled"] = client.counters["throttled"]
                client.close()
            if state == "done" and counters["failed"]:
                state = "partial"
            if state == "done" and counters["busy"]:
                state = "busy"
            log._finish(state, counters, message)
        account.invalidate_recordset()
        return log

    def _step(self, account, step, *args):
        """Run ``step(account, *args)`` through ``amazon.work._run``: its own
        committed transaction, as superuser in the account's company, holding
        the account's advisory lock and row lock; BUSY when another run holds
        them or committed after this transaction's snapshot."""

        def unit(env):
            return step(account.with_env(env), *args)

        return self.env["amazon.work"]._run(
            unit,
            locks=[(ORDER_SYNC_LOCK, account.id)],
            rows=[("amazon.account", account.ids)],
            company=account.company_id,
        )

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
            vals["orders_window_end"] = amazon_time.parse(
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
        """Orders parked before this run are fetched again, less and less
        often as their attempts grow (at most daily)."""
        due = self._step(account, self._parked_due, started)
        if due is BUSY:
            counters["busy"] += 1
        else:
            self._fetch_and_import(account, client, due, counters)

    def _parked_due(self, account, started):
        # account.env: the step's fresh transaction, not the caller's snapshot.
        # Due on the one retry schedule (amazon.work.item); parked during this
        # run means due after it.
        parked = account.env["amazon.parked.order"].search(
            [
                ("account_id", "=", account.id),
                ("state", "in", ("queued", "retrying", "sending")),
                ("next_attempt", "<=", started),
            ],
            order="next_attempt",
            limit=RETRY_PARKED,
        )
        return [(p.amazon_order_id, p.fulfilled_by) for p in parked]

    def _fetch_and_import(self, account, client, ids_and_channels, counters):
        """getOrder for each ``(id, fulfilled_by)``, each applied in its own
        transaction; buyer data is asked for merchant-fulfilled orders only."""
        importer = self.env["amazon.order.import"]
        for amazon_id, fulfilled_by in ids_and_channels:
            included = INCLUDED.get(fulfilled_by) or INCLUDED_AMAZON
            try:
                order = client.get_order(amazon_id, included_data=included)["order"]
                if fulfilled_by is None and self._is_merchant(order):
                    order = client.get_order(
                        amazon_id, included_data=INCLUDED_MERCHANT
                    )["order"]
            except PermanentError as exc:
                outcome = self._step(
                    account, importer._park_step, amazon_id, str(exc), fulfilled_by
                )
                counters["failed"] += outcome is not BUSY
            else:
                outcome = self._step(account, importer._import_step, order, counters)
            if outcome is BUSY:
                counters["busy"] += 1
                return

    @staticmethod
    def _is_merchant(order):
        return order_mapping.fulfilled_by(order) != "AMAZON"

    @api.model
    @api.private
    def resync_orders(self, account, amazon_order_ids):
        """'Re-sync this order': fetch and apply now, whatever the cursor."""
        by_channel = {"mfn": "MERCHANT", "afn": "AMAZON", "mcf": "AMAZON"}
        channels = {
            o.amazon_order_id: by_channel.get(o.amazon_channel)
            for o in self.env["sale.order"]
            .sudo()
            .search(
                [
                    ("amazon_account_id", "=", account.id),
                    ("amazon_order_id", "in", list(amazon_order_ids)),
                ]
            )
        }
        log = self.env["amazon.sync.log"]._start(account)
        counters = Counter()
        state, message = "done", False
        try:
            with account._client() as client:
                try:
                    self._fetch_and_import(
                        account,
                        client,
                        [(i, channels.get(i)) for i in amazon_order_ids],
                        counters,
                    )
                finally:
                    counters["api_calls"] = client.counters["calls"]
                    counters["throttled"] = client.counters["throttled"]
        except (SPAPIError, UserError) as exc:
            state, message = "failed", str(exc)
        if state == "done":
            state = (
                "busy"
                if counters["busy"]
                else "partial"
                if counters["failed"]
                else "done"
            )
        log._finish(state, counters, message)
        return log

    def _resume_later(self, account, retry_after):
        """Throttled or Amazon down: the cron comes back when Amazon allows."""
        cron = account.sudo().cron_id
        if cron:
            delay = timedelta(seconds=max(60, retry_after or 0))
            cron._trigger(at=fields.Datetime.now() + delay)
