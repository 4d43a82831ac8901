"""Reading Amazon's transactions (Finances API 2024-06-19 listTransactions).

Flow per account, each database step an ``amazon.work._run`` unit under the
account's finance lock (a held lock answers BUSY):
1. read every page posted since the last read, 48 hours back (Amazon may
   post a transaction up to two days late), with no transaction of ours open;
2. record them, a page at a time: new transactions, a deferred one's release,
   their parts, their payout (settlement group); a malformed one is parked
   with its reason, the rest goes on;
3. book what is to book (amazon_finance_booking.py), match what waited for an
   invoice, reconcile paid payouts;
4. move the cursor to the newest posting read.
Idempotent: a transaction is recorded once per Amazon id and booked once per
booking key (a deferred sale and its release are one sale).
"""

import logging
from datetime import timedelta

from odoo import api, fields, models

from odoo.addons.amazon_pii.core.work import BUSY

from ...core import finance_mapping
from .amazon_finance_booking import _reason

_logger = logging.getLogger(__name__)

FINANCE_LOCK = 0x414D5A4D  # "AMZM": advisory lock namespace, key = account id
OVERLAP = timedelta(hours=48)  # Amazon: events of the last 48 hours may be missing
FIRST_READ = timedelta(days=30)
GROUP_REREAD = timedelta(days=60)  # paid groups read again by id, this long
PAGE = 200  # transactions recorded per unit
BOOK_BATCH = 100  # transactions booked per unit


class AmazonAccount(models.Model):
    _inherit = "amazon.account"  # pylint: disable=consider-merging-classes-inherited

    def action_sync_finances(self):
        """'Sync transactions now' (managers): read and book Amazon's money."""
        totals = self._run_now(
            lambda account: account._finances_sync(),
            self.env._(
                "Amazon's transactions of %(account)s could not be read: %(error)s"
            ),
            self.env._(
                "The transactions of %(account)s are being read right now; try "
                "again in a minute."
            ),
        )
        return self._notify(
            self.env._("Amazon transactions read"),
            self.env._(
                "%(recorded)s transaction(s) read, %(booked)s booked, %(parked)s "
                "parked (see Amazon > Accounting).",
                recorded=totals.get("recorded", 0),
                booked=totals.get("booked", 0),
                parked=totals.get("parked", 0),
            ),
            "success",
        )

    @api.model
    def _cron_sync_finances(self):
        self._cron_each_due(
            "sync_finances", "finances_attempted_on", lambda a: a._finances_sync()
        )

    # -- the sync ------------------------------------------------------------
    def _finances_step(self, step, *args):
        return self._locked_step(FINANCE_LOCK, step, *args)

    def _finances_sync(self):
        """Read, record and book this account's transactions; return the
        counts or BUSY."""
        self.ensure_one()
        if self._finances_step(_setup) is BUSY:
            return BUSY
        start = (
            self.finances_synced_to
            or self.orders_sync_from
            or fields.Datetime.now() - FIRST_READ
        ) - OVERLAP
        counts = {"recorded": 0, "booked": 0, "parked": 0}
        newest = self._finances_apply(self._finances_read(start), counts)
        if newest is BUSY or self._finances_step(_settle, newest) is BUSY:
            return BUSY
        # A paid group that does not add up yet: read it whole, by its id
        # (Amazon posts late; the posting-date window may have missed some).
        groups = self._finances_step(_unsettled_groups)
        if groups is BUSY:
            return BUSY
        if groups:
            found = self._finances_apply(self._finances_read_groups(groups), counts)
            if found is BUSY or self._finances_step(_settle, None) is BUSY:
                return BUSY
        self.invalidate_recordset()
        return counts

    def _finances_apply(self, raw, counts):
        """Record and book ``raw`` transactions of the account's marketplaces;
        return the newest posting date read (None: none) or BUSY."""
        # One seller id may sell in several regions: an account books its
        # own marketplaces' money (and what names no marketplace).
        markets = set(self.marketplace_ids.mapped("amazon_id"))
        raw = [
            tx
            for tx in raw
            if (_marketplace_of(tx) or next(iter(markets), None)) in markets
        ]
        newest = None
        for first in range(0, len(raw), PAGE):
            page = raw[first : first + PAGE]
            plans, errors = _plan(page)
            if self._finances_step(_record, plans, errors) is BUSY:
                return BUSY
            counts["recorded"] += len(page)
            counts["parked"] += len(errors)
            for plan in plans:
                newest = max(newest, plan.posted) if newest else plan.posted
        while True:
            outcome = self._finances_step(_book_due)
            if outcome is BUSY:
                return BUSY
            counts["booked"] += outcome["booked"]
            counts["parked"] += outcome["parked"]
            if not outcome["more"]:
                return newest

    def _finances_read(self, start):
        """Every transaction Amazon posted since ``start`` (all pages)."""
        found = []
        with self._client() as client:
            for page in client.list_transactions_pages(
                posted_after=start.strftime("%Y-%m-%dT%H:%M:%SZ")
            ):
                found.extend((page.get("payload") or {}).get("transactions") or ())
        return found

    def _finances_read_groups(self, groups):
        """Every transaction of the settlement ``groups``."""
        found = []
        with self._client() as client:
            for group in groups:
                for page in client.list_transactions_pages(
                    related_identifier_name="FINANCIAL_EVENT_GROUP_ID",
                    related_identifier_value=group,
                ):
                    found.extend((page.get("payload") or {}).get("transactions") or ())
        return found


def _unsettled_groups(account):
    """Settlement groups Amazon paid in the last two months whose
    transactions do not add up yet (older ones are left to a person)."""
    return (
        account.env["amazon.payout"]
        .search(
            [
                ("account_id", "=", account.id),
                ("state", "in", ("paid", "differs")),
                ("date", ">=", fields.Date.today() - GROUP_REREAD),
            ]
        )
        .mapped("settlement_group")
    )


def _marketplace_of(raw):
    """The marketplace id of a raw transaction, whatever its shape."""
    details = raw.get("marketplaceDetails") if isinstance(raw, dict) else None
    found = details.get("marketplaceId") if isinstance(details, dict) else None
    return found if isinstance(found, str) else None


def _plan(page):
    plans, errors = [], []
    for raw in page:
        try:
            plans.append(finance_mapping.plan_transaction(raw))
        except finance_mapping.FinanceDataError as exc:
            errors.append((finance_mapping.transaction_id_of(raw), str(exc)))
    return plans, errors


def _setup(account):
    account.finances_attempted_on = fields.Datetime.now()
    account._finance_setup()


def _record(account, plans, errors):
    """Upsert one page of planned transactions (and the parked ones)."""
    env = account.env
    Tx = env["amazon.finance.transaction"]
    refs = [p.transaction_id for p in plans] + [ref for ref, _e in errors]
    existing = {
        t.transaction_ref: t
        for t in Tx.search(
            [("account_id", "=", account.id), ("transaction_ref", "in", refs)]
        )
    }
    orders = {
        o.amazon_order_id: o
        for o in env["sale.order"].search(
            [
                ("amazon_account_id", "=", account.id),
                ("amazon_order_id", "in", [p.order_id for p in plans if p.order_id]),
            ]
        )
    }
    marketplaces = {m.amazon_id: m for m in env["amazon.marketplace"].search([])}
    currencies = {}
    for plan in plans:
        record = existing.get(plan.transaction_id)
        if record and record.state in ("booked", "linked"):
            # Booked money never changes; a status (DEFERRED_RELEASED) may.
            # Amazon changing the money of a booked transaction is said.
            vals = {"status": plan.status, "release_ref": plan.release_transaction_id}
            if not record.currency_id.is_zero(float(plan.total) - record.amount) or (
                plan.settlement_group_id or False
            ) != (record.settlement_group or False):
                vals.update(
                    changed_after_booking=True,
                    reason=env._(
                        "Amazon changed this transaction after it was booked: "
                        "now %(amount)s %(currency)s in settlement group "
                        "%(group)s. Correct its entry by hand.",
                        amount=plan.total,
                        currency=plan.currency,
                        group=plan.settlement_group_id or "-",
                    ),
                )
            record.write(vals)
            continue
        if plan.currency not in currencies:
            currencies[plan.currency] = (
                env["res.currency"]
                .with_context(active_test=False)
                .search([("name", "=", plan.currency)], limit=1)
            )
        currency = currencies[plan.currency]
        if not currency.active:
            currency.sudo().active = True
        vals = _vals(account, plan, currency, orders, marketplaces)
        if record:
            record.line_ids.unlink()
            record.write(vals)
        else:
            Tx.create([{**vals, "account_id": account.id}])
    for ref, message in errors:
        record = existing.get(ref)
        if record and record.state in ("booked", "linked"):
            continue
        vals = {"state": "parked", "reason": message[:500]}
        if record:
            record.write(vals)
        else:
            Tx.create([{**vals, "account_id": account.id, "transaction_ref": ref}])


def _vals(account, plan, currency, orders, marketplaces):
    if plan.kind == "unmapped":
        state, reason = "unmapped", plan.reason
    elif not finance_mapping.is_final(plan):
        state, reason = "waiting", False
    else:
        state, reason = "to_book", False
    payout = False
    if plan.settlement_group_id and finance_mapping.counts_toward_payout(plan):
        payout = _payout(account, plan, currency).id
    order = orders.get(plan.order_id)
    products = {}
    skus = sorted({line.sku for line in plan.lines if line.sku})
    if skus:
        offers = account.env["amazon.offer"].sudo()._for_skus(account, skus)
        products = {sku: offer.product_id.id for sku, offer in offers.items()}
    return {
        "transaction_ref": plan.transaction_id,
        "transaction_type": plan.transaction_type,
        "kind": plan.kind,
        "status": plan.status,
        "posted_date": plan.posted,
        "marketplace_id": (marketplaces.get(plan.marketplace_id) or False)
        and marketplaces[plan.marketplace_id].id,
        "currency_id": currency.id,
        "amount": float(plan.total),
        "amazon_order_id": plan.order_id,
        "sale_order_id": order.id if order else False,
        "settlement_group": plan.settlement_group_id,
        "payout_id": payout,
        "booking_key": finance_mapping.booking_key(plan),
        "deferred_ref": plan.deferred_transaction_id,
        "release_ref": plan.release_transaction_id,
        "disbursement_ref": plan.disbursement_id,
        "refund_ref": plan.refund_id,
        "maturity_date": plan.maturity_date,
        "state": state,
        "reason": reason,
        "line_ids": [
            (
                0,
                0,
                {
                    "role": line.role,
                    "code": line.code,
                    "label": line.label,
                    "amount": float(line.amount),
                    "sku": line.sku,
                    "product_id": products.get(line.sku, False),
                    "quantity": line.quantity or 0,
                },
            )
            for line in plan.lines
        ],
    }


def _payout(account, plan, currency):
    Payout = account.env["amazon.payout"]
    payout = Payout.search(
        [
            ("account_id", "=", account.id),
            ("settlement_group", "=", plan.settlement_group_id),
        ],
        limit=1,
    )
    return payout or Payout.create(
        [
            {
                "name": account.env._(
                    "Amazon payout %(group)s", group=plan.settlement_group_id
                ),
                "account_id": account.id,
                "settlement_group": plan.settlement_group_id,
                "currency_id": currency.id,
            }
        ]
    )


def _book_due(account):
    """Book a batch of the account's transactions to book: a deferred sale
    and its release are booked once (the first final one; the other is
    linked to its entry)."""
    Tx = account.env["amazon.finance.transaction"]
    due = Tx.search(
        [("account_id", "=", account.id), ("state", "=", "to_book")],
        order="posted_date, id",
        limit=BOOK_BATCH + 1,
    )
    batch = due[:BOOK_BATCH]
    counts = {"booked": 0, "parked": 0, "more": len(due) > BOOK_BATCH}
    for tx in batch:
        twin = Tx.search(
            [
                ("account_id", "=", account.id),
                ("booking_key", "=", tx.booking_key),
                ("state", "in", ("booked", "linked")),
                ("id", "!=", tx.id),
            ],
            limit=1,
        )
        if twin:
            tx.write({"state": "linked", "move_id": twin.move_id.id})
            tx.payout_id._reconcile()
            continue
        outcome = tx._book()
        counts["booked"] += outcome["booked"]
        counts["parked"] += outcome["parked"]
    return counts


def _settle(account, newest):
    """Match what waited for an invoice (or was left with a difference),
    reconcile paid payouts, move the cursor. Each transaction and payout in
    a savepoint: one that fails says why and the others go on."""
    Tx = account.env["amazon.finance.transaction"]
    pending = Tx.search(
        [
            ("account_id", "=", account.id),
            ("state", "=", "booked"),
            ("match_state", "in", ("no_invoice", "no_order", "differs")),
        ]
    )
    for tx in pending:
        try:
            with account.env.cr.savepoint():
                if not tx.sale_order_id and tx.amazon_order_id:
                    tx.sale_order_id = account.env["sale.order"].search(
                        [
                            ("amazon_account_id", "=", account.id),
                            ("amazon_order_id", "=", tx.amazon_order_id),
                        ],
                        limit=1,
                    )
                tx._match()
        except Exception as exc:  # noqa: BLE001 - one failure stops one
            tx.write({"match_state": "differs", "reason": _reason(exc)})
    payouts = account.env["amazon.payout"].search(
        [
            ("account_id", "=", account.id),
            ("statement_line_id", "!=", False),
            ("state", "!=", "reconciled"),
        ]
    )
    for payout in payouts:
        try:
            with account.env.cr.savepoint():
                payout._reconcile()
        except Exception as exc:  # noqa: BLE001 - one failure stops one
            _logger.warning(
                "Amazon payout %s not reconciled: %s", payout.id, _reason(exc)
            )
            payout.state = "differs"
    if newest and (
        not account.finances_synced_to or newest > account.finances_synced_to
    ):
        account.finances_synced_to = newest
