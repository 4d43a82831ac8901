"""The one way the suite runs background work (docs/background-work.md).

``amazon.work._run`` runs a unit of work in a transaction of its own, holding
the locks it names, as the user and company it names, and commits it: its
result, or ``BUSY`` when another worker holds one of the locks. Nothing else in
the addons opens a cursor. ``amazon.work._send`` is the shape of every remote
side effect: the intent is committed first, the remote call runs with no
transaction of ours open, and its outcome is recorded in a third transaction,
so a rollback can never forget a call Amazon received (as Odoo's
google_calendar sync writes remotely only after its commit).
"""

import logging

from psycopg2.errors import LockNotAvailable, SerializationFailure

from odoo import api, models
from odoo.tools import SQL

from ..core.work import BUSY

_logger = logging.getLogger(__name__)


class AmazonWork(models.AbstractModel):
    _name = "amazon.work"
    _description = "Amazon Background Work"

    @api.model
    @api.private
    def _run(
        self,
        unit,
        *args,
        locks=(),
        rows=(),
        user=None,
        company=None,
        su=True,
        read_committed=False,
        wait=False,
        **kwargs,
    ):
        """``unit(env, *args, **kwargs)`` in a committed transaction of its own.

        - ``locks``: ``(namespace, key)`` pairs of PostgreSQL advisory
          transaction locks, taken without waiting;
        - ``rows``: ``(model name, ids)`` whose rows are locked FOR NO KEY
          UPDATE NOWAIT; a row another transaction changed after this one's
          snapshot counts as held;
        - ``user`` (record or id) and ``company`` (record): who runs it;
          by default the caller's user as superuser, as a cron runs;
        - ``read_committed``: each statement sees every commit made before it
          (for units that serialise on a lock and must then see the holder's
          work);
        - ``wait``: wait for the advisory locks instead of returning BUSY
          (for short units that must run, such as creating a shared key once).

        Returns the unit's result (plain values: the unit's records die with
        its cursor) or ``BUSY`` when a lock is held. An exception rolls the
        unit back and propagates.
        """
        self.env.flush_all()
        uid = user.id if hasattr(user, "id") else user or self.env.uid
        context = dict(self.env.context)
        if company:
            context.update(allowed_company_ids=company.ids)
        with self.env.registry.cursor() as cr:
            if read_committed and not self.env.registry.in_test_mode():
                # Test cursors are savepoints of one transaction: nothing to
                # refresh there.
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            if not self._take_locks(cr, locks, rows, wait):
                return BUSY
            env = self.env(cr=cr, user=uid, su=su, context=context)
            return unit(env, *args, **kwargs)

    def _take_locks(self, cr, locks, rows, wait=False):
        for namespace, key in locks:
            if wait:
                cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", namespace, key))
                continue
            cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", namespace, key))
            if not cr.fetchone()[0]:
                return False
        for model_name, ids in rows:
            ids = list(ids)
            if not ids:
                continue
            table = SQL.identifier(self.env[model_name]._table)
            try:
                with cr.savepoint(flush=False):
                    cr.execute(
                        SQL(
                            "SELECT id FROM %s WHERE id IN %s FOR NO KEY UPDATE NOWAIT",
                            table,
                            tuple(ids),
                        ),
                        log_exceptions=False,
                    )
            except (LockNotAvailable, SerializationFailure):
                return False
        return True

    @api.model
    @api.private
    def _send(self, claim, call, settle, *, locks=(), rows=(), **options):
        """A remote side effect, recorded before and after.

        1. ``claim(env)`` records the intent (an attempt counted, a state set
           to "sending") and returns what ``call`` needs, or None when there
           is nothing to send; committed.
        2. ``call(intent)`` talks to the remote service with no transaction
           of ours open; whatever it raises is caught.
        3. ``settle(env, intent, outcome, error)`` records the result in a
           transaction of its own (``error`` is the exception or None).

        Returns settle's result, None when nothing was claimed, or ``BUSY``.
        A crash between 1 and 3 leaves the intent recorded: the next attempt
        sees it and asks the remote side before sending again.
        """
        intent = self._run(claim, locks=locks, rows=rows, **options)
        if intent is BUSY or intent is None:
            return intent
        outcome, error = None, None
        try:
            outcome = call(intent)
        except Exception as exc:  # noqa: BLE001 - settle decides what it means
            error = exc
        return self._run(settle, intent, outcome, error, **options)
