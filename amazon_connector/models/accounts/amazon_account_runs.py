"""What every per-account background flow shares (returns, finances...):
its cron over the accounts due, a person's "Sync ... now", and its steps as
``amazon.work._run`` units under the flow's advisory lock."""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.amazon_pii.core.work import BUSY

from ...core.spapi import SPAPIError

_logger = logging.getLogger(__name__)

RESYNC_AFTER = timedelta(minutes=50)  # hourly crons
ACCOUNTS_PER_RUN = 5  # per cron run; _notify_progress runs it again for more


class AmazonAccount(models.Model):
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _cron_each_due(self, sync_field, attempted_field, run):
        """``run(account)`` for the accounts with ``sync_field`` on not tried
        for an hour (``attempted_field``), a few per run, oldest first; Odoo
        runs the cron again at once while some remain. A failing account
        (logged and alerted by its flow) does not stop the others."""
        due = self.search(
            [
                ("active", "=", True),
                (sync_field, "=", True),
                "|",
                (attempted_field, "=", False),
                (attempted_field, "<", fields.Datetime.now() - RESYNC_AFTER),
            ],
            order=f"{attempted_field} asc nulls first, id",
        )
        batch = due[:ACCOUNTS_PER_RUN]
        failed = 0
        for account in batch:
            try:
                run(account.with_company(account.company_id))
            except Exception as exc:  # noqa: BLE001 - the next account still runs
                failed += 1
                _logger.warning(
                    "Amazon account %s: %s failed: %s",
                    account.id,
                    attempted_field,
                    exc
                    if isinstance(exc, (SPAPIError, UserError))
                    else type(exc).__name__,
                )
        if failed:
            _logger.info("%s: %s account(s) failed", attempted_field, failed)
        self.env["ir.cron"]._notify_progress(
            done=len(batch), remaining=len(due) - len(batch)
        )

    def _run_now(self, run, failed_text, busy_text):
        """A person's "Sync ... now": ``run(account)`` for each account,
        their counts added up. Amazon's refusal and a run already under way
        become a UserError naming the account (``failed_text`` with
        %(account)s and %(error)s, ``busy_text`` with %(account)s)."""
        self.check_access("write")
        totals = {}
        for account in self:
            try:
                outcome = run(account)
            except SPAPIError as exc:
                raise UserError(
                    failed_text % {"account": account.name, "error": exc}
                ) from exc
            if outcome is BUSY:
                raise UserError(busy_text % {"account": account.name})
            for key, value in outcome.items():
                totals[key] = totals.get(key, 0) + value
        self.invalidate_recordset()
        return totals

    def _locked_step(self, lock, step, *args):
        """``step(account, *args)`` in its own committed transaction under
        the account's advisory lock of namespace ``lock`` (not its row lock,
        which the order sync holds while it imports a page)."""
        account = self

        def unit(env):
            return step(account.with_env(env), *args)

        return self.env["amazon.work"]._run(
            unit, locks=[(lock, account.id)], company=account.company_id
        )
