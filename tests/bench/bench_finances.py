"""Benchmark the finance sync (Finances API 2024-06-19) against a plain-ORM baseline.

Usage: python3 tests/bench/bench_finances.py [--orders 400] [--rate-scale 20]

Installs amazon_connector into a template database, starts the local sandbox
with ``--orders`` orders (clock frozen, then moved ``ADVANCE`` days on so
that every order has shipped and one more settlement group has paid out),
and prepares one database (untimed, in its own process): the North America
seller account of bench_order_sync (amazon.com and .ca, about half the
sandbox's orders) with invoicing of shipped orders and the finance sync on,
a bank journal for payouts, a product per SKU, and the order sync run, so
the invoices exist. That database is cloned twice; each clone is then
measured in a fresh process:

- baseline: as many journal entries as the connector will book (one per
  final transaction of the account's marketplaces, payouts included, a
  deferred sale and its release once: ``finance_mapping.bookable``; read
  and planned beforehand, untimed), created and posted straight through
  the ORM, each with 4 lines in the transaction's currency (receivable, fee
  expense, facilitator-tax liability, clearing), plus, for a sale whose
  order has an invoice, one ``reconcile()`` of the entry's receivable line
  with the invoice's, committing every 100 entries: what booking a sale
  minimally needs;
- connector: ``account._finances_sync()`` from scratch (reads every page,
  records the transactions and their parts, books each on the Amazon
  journal, credit notes for refunds, statement lines for payouts, matches
  invoices, reconciles paid payouts).

Prints transactions booked per second of both and their ratio, what the
connector made (transactions, entries, credit notes, statement lines,
payouts reconciled), its SP-API calls (the sandbox's count), SQL queries per
booked transaction and each process's peak memory (``ru_maxrss``).

The default of 400 orders (about 200 North America orders, some 200
transactions booked) keeps a whole run under 6 minutes on this machine's 2
shared cores (4 min 45 s measured: template install ~100 s, untimed order
sync ~75 s, baseline ~45 s, connector ~55 s, each with its process start);
``--orders 1500`` (some 700 transactions) would take 13 to 15 minutes here
(extrapolated from runs of 400 and 500). The addons are copied when the
run begins and every process runs that copy, so edits made to the
repository meanwhile do not reach a run half-way. The sandbox serves pages
of 10 transactions under a 0.5/s usage plan (burst 10): ``--rate-scale``
(default 20) lifts it so that the benchmark measures Odoo, not Amazon's
pacing.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import bench_order_sync
from bench_order_sync import (
    ROOT,
    make_account,
    make_catalogue,
    measure,
    odoo_env,
)

TEMPLATE = "bench_finances_template"
PREPARED = "bench_finances_prepared"
ADVANCE = 7  # days the sandbox's clock moves on before the order sync
COMMIT_EVERY = 100
# The addons as they were when the run began (copied): the repository may
# change under a run of several minutes.
ADDONS_VAR = "BENCH_FINANCES_ADDONS"


def addons_path():
    return os.environ.get(ADDONS_VAR) or str(ROOT)


# -- in the worker process ----------------------------------------------------
def worker(kind, dbname, sandbox_url, rate_scale):
    """One step in its own process, printed as one JSON line."""
    import odoo
    from odoo.tools import config

    db = odoo_env.ensure_postgres()
    config.parse_config(
        [
            *odoo_env.sandbox_config(),
            f"--addons-path={addons_path()}",
            *db.odoo_args(),
            "--log-level=warn",
        ]
    )
    registry = odoo.modules.registry.Registry(dbname)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if kind == "prepare":
            result = prepare(env, sandbox_url, rate_scale)
        else:
            account = env["amazon.account"].search([], limit=1)
            queries = count_queries()
            rss_before = peak_rss_mb()
            if kind == "baseline":
                result = baseline(env, account, queries)
            else:
                result = connector(env, account, queries)
            result["rss_before_mb"] = rss_before
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result), flush=True)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def count_queries():
    """Count every SQL statement of this process, whatever its cursor (the
    connector's steps run in cursors of their own)."""
    from odoo import sql_db

    counter = {"queries": 0, "counting": False}
    original = sql_db.Cursor.execute

    def execute(self, *args, **kwargs):
        if counter["counting"]:
            counter["queries"] += 1
        return original(self, *args, **kwargs)

    sql_db.Cursor.execute = execute
    return counter


def prepare(env, sandbox_url, rate_scale):
    """The account with invoicing and the finance sync on, its catalogue and
    its orders synced: the data both arms start from (untimed)."""
    env["ir.config_parameter"].set_param("amazon_connector.rate_scale", rate_scale)
    account = make_account(env, sandbox_url)
    bank = env["account.journal"].create(
        {"name": "Amazon payouts", "code": "AMZP", "type": "bank"}
    )
    account.write(
        {"auto_invoice": True, "sync_finances": True, "payout_journal_id": bank.id}
    )
    make_catalogue(env, sandbox_url)
    env.cr.commit()
    started = time.perf_counter()
    result = bench_order_sync.connector(env, account)
    invoices = env["account.move"].search_count(
        [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("line_ids.sale_line_ids.order_id.amazon_account_id", "=", account.id),
        ]
    )
    return {
        "orders": result["orders"],
        "invoices": invoices,
        "seconds": time.perf_counter() - started,
        "state": result["state"],
    }


def bookable_plans(account):
    """What the connector will book: the account's marketplaces' final
    transactions since its first read, a deferred sale once (untimed)."""
    from odoo.addons.amazon_connector.core import finance_mapping
    from odoo.addons.amazon_connector.models.finances import amazon_finance_sync

    start = account.orders_sync_from - amazon_finance_sync.OVERLAP
    raw = account._finances_read(start)
    markets = set(account.marketplace_ids.mapped("amazon_id"))
    plans = []
    for tx in raw:
        market = amazon_finance_sync._marketplace_of(tx) or next(iter(markets), None)
        if market not in markets:
            continue
        try:
            plans.append(finance_mapping.plan_transaction(tx))
        except finance_mapping.FinanceDataError:
            continue
    plans = [p for p in finance_mapping.bookable(plans) if p.kind != "unmapped"]
    return len(raw), plans


def ledger_accounts(env):
    """The baseline's own journal and accounts (untimed)."""
    from odoo import Command

    company = env.company
    Account = env["account.account"]

    def account(code, name, account_type, reconcile=False):
        return Account.create(
            {
                "code": code,
                "name": name,
                "account_type": account_type,
                "reconcile": reconcile,
                "company_ids": [Command.link(company.id)],
            }
        )

    journal = env["account.journal"].create(
        {"name": "Baseline Amazon", "code": "BAMZ", "type": "general"}
    )
    partner = env["res.partner"].create({"name": "Amazon (baseline)"})
    return {
        "journal": journal,
        "partner": partner,
        "receivable": partner.property_account_receivable_id,
        "fee": account("BFEE", "Baseline fees", "expense"),
        "tax": account("BMFTAX", "Baseline facilitator tax", "liability_current"),
        "clearing": account("BCLEAR", "Baseline clearing", "asset_current", True),
    }


def baseline(env, account, queries):
    """One 4-line entry per transaction the connector books, posted, and a
    sale's receivable reconciled with its invoice's: nothing else."""
    from odoo import Command

    from odoo.addons.amazon_connector.models.finances.amazon_finance_setup import (
        RECEIVABLE_ROLES,
    )

    read, plans = bookable_plans(account)
    ledger = ledger_accounts(env)
    company = env.company
    currencies = {}
    for code in {p.currency for p in plans}:
        currency = (
            env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", code)], limit=1)
        )
        currency.active = True
        currencies[code] = currency
    orders = env["sale.order"].search(
        [
            ("amazon_account_id", "=", account.id),
            ("amazon_order_id", "in", [p.order_id for p in plans if p.order_id]),
        ]
    )
    invoices = {}
    for order in orders:
        posted = order.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        if posted:
            invoices[order.amazon_order_id] = posted[0]
    env.cr.commit()
    queries["counting"] = True
    started = time.perf_counter()
    reconciled = 0
    for index, plan in enumerate(plans, 1):
        currency = currencies[plan.currency]
        date = plan.posted.date()
        sums = defaultdict(float)
        for part in plan.lines:
            if part.role in RECEIVABLE_ROLES:
                sums["receivable"] += float(part.amount)
            elif part.role == "facilitator_tax":
                sums["tax"] += float(part.amount)
        total = float(plan.total)
        sums["fee"] = total - sums["receivable"] - sums["tax"]
        invoice = invoices.get(plan.order_id) if plan.kind == "order" else None
        theirs = invoice and invoice.line_ids.filtered(
            lambda line: (
                line.account_id.account_type == "asset_receivable"
                and not line.reconciled
            )
        )
        partner = invoice.commercial_partner_id if invoice else ledger["partner"]
        receivable = theirs[0].account_id if theirs else ledger["receivable"]
        targets = {
            "receivable": receivable,
            "fee": ledger["fee"],
            "tax": ledger["tax"],
        }
        lines = []
        company_total = 0.0
        for role in ("receivable", "fee", "tax"):
            balance = company.currency_id.round(
                currency._convert(-sums[role], company.currency_id, company, date)
            )
            company_total += balance
            lines.append(
                Command.create(
                    {
                        "name": f"{plan.transaction_type} {plan.transaction_id}",
                        "account_id": targets[role].id,
                        "partner_id": partner.id,
                        "currency_id": currency.id,
                        "amount_currency": -sums[role],
                        "balance": balance,
                    }
                )
            )
        lines.append(
            Command.create(
                {
                    "name": f"{plan.transaction_type} {plan.transaction_id}",
                    "account_id": ledger["clearing"].id,
                    "partner_id": ledger["partner"].id,
                    "currency_id": currency.id,
                    "amount_currency": total,
                    "balance": -company_total,
                }
            )
        )
        move = env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": ledger["journal"].id,
                "date": date,
                "ref": plan.transaction_id,
                "currency_id": currency.id,
                "line_ids": lines,
            }
        )
        move.action_post()
        if theirs:
            ours = move.line_ids.filtered(
                lambda line, a=receivable: line.account_id == a
            )
            (ours | theirs).reconcile()
            reconciled += 1
        if index % COMMIT_EVERY == 0:
            env.cr.commit()
    env.cr.commit()
    elapsed = time.perf_counter() - started
    queries["counting"] = False
    return {
        "read": read,
        "booked": len(plans),
        "entries": len(plans),
        "reconciled": reconciled,
        "seconds": elapsed,
        "queries": queries["queries"],
    }


def timed_parts(account):
    """Seconds spent reading Amazon and in each database step of the sync."""
    spent = defaultdict(float)
    cls = type(account)

    def timer(name, original, key=None):
        def wrapped(self, *args):
            started = time.perf_counter()
            try:
                return original(self, *args)
            finally:
                part = key(args) if key else name
                spent[part] += time.perf_counter() - started

        setattr(cls, name, wrapped)

    timer("_finances_read", cls._finances_read, lambda _a: "read")
    timer("_finances_read_groups", cls._finances_read_groups, lambda _a: "read")
    timer("_finances_step", cls._finances_step, lambda a: a[0].__name__.strip("_"))
    return spent


def connector(env, account, queries):
    """The finance sync from scratch, then what it made (counted untimed)."""
    parts = timed_parts(account)
    queries["counting"] = True
    started = time.perf_counter()
    counts = account._finances_sync()
    env.cr.commit()
    elapsed = time.perf_counter() - started
    queries["counting"] = False
    env.invalidate_all()
    if not isinstance(counts, dict):
        sys.exit(f"the finance sync answered {counts!r}")
    Tx = env["amazon.finance.transaction"]
    txs = Tx.search([("account_id", "=", account.id)])
    payouts = env["amazon.payout"].search([("account_id", "=", account.id)])
    states = defaultdict(int)
    for tx in txs:
        states[tx.state] += 1
    matches = defaultdict(int)
    for tx in txs.filtered("match_state"):
        matches[tx.match_state] += 1
    return {
        **counts,
        "seconds": elapsed,
        "parts": {name: round(seconds, 1) for name, seconds in parts.items()},
        "queries": queries["queries"],
        "transactions": len(txs),
        "states": dict(states),
        "matches": dict(matches),
        "entries": len(
            txs.filtered(lambda t: t.state == "booked" and t.kind != "payout").move_id
        ),
        "credit_notes": len(txs.credit_note_id),
        "statement_lines": len(txs.statement_line_id),
        "payouts": len(payouts),
        "payouts_paid": len(payouts.filtered("statement_line_id")),
        "payouts_reconciled": len(payouts.filtered(lambda p: p.state == "reconciled")),
    }


# -- in the main process ------------------------------------------------------
def snapshot_addons(folder):
    """Copy the addons (the run's code) into ``folder``; return it."""
    for name in odoo_env.ADDONS:
        shutil.copytree(
            ROOT / name,
            Path(folder) / name,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    return folder


def install_template(db):
    db.drop(TEMPLATE)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            f"--addons-path={addons_path()}",
            *db.odoo_args(),
            "-d",
            TEMPLATE,
            "-i",
            "amazon_connector",
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
            "--log-handler=py.warnings:ERROR",
            "--http-port=0",
            "--max-cron-threads=0",
        ],
        cwd="/",
        check=True,
    )


def clone(db, source, name):
    db.drop(name)
    conn = db.connect()
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    conn.close()


def calls_between(before, after):
    """SP-API calls and 429s the sandbox counted between two snapshots."""

    def pick(stats, op, field):
        return stats["operations"].get(op, {}).get(field, 0)

    ops = set(after["operations"])
    return {
        "calls": after["totals"]["calls"] - before["totals"]["calls"],
        "list_transactions": pick(after, "listTransactions", "calls")
        - pick(before, "listTransactions", "calls"),
        "throttled": after["totals"]["throttled"] - before["totals"]["throttled"],
        "by_operation": {
            op: pick(after, op, "calls") - pick(before, op, "calls")
            for op in sorted(ops)
            if pick(after, op, "calls") != pick(before, op, "calls")
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--rate-scale", type=float, default=20)
    parser.add_argument("--worker", choices=("prepare", "baseline", "connector"))
    parser.add_argument("--db")
    parser.add_argument("--sandbox")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.db, args.sandbox, args.rate_scale)
        return 0
    if odoo_env.odoo_version() != 18:
        sys.exit(f"This benchmark needs Odoo 18. {odoo_env.NO_ODOO_HELP}")
    from tests.sandbox.fixture import running_sandbox

    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-finances-") as code:
        os.environ[ADDONS_VAR] = snapshot_addons(code)
        return run(args, began, running_sandbox)


def run(args, began, running_sandbox):
    db = odoo_env.ensure_postgres()
    print("Installing amazon_connector into a template database ...", flush=True)
    install_template(db)
    phases = {"install": time.perf_counter() - began}
    with running_sandbox(
        orders=args.orders,
        clock_rate=0,
        rate_scale=args.rate_scale,
        no_response_validation=True,
    ) as sandbox:
        sandbox.advance_clock(ADVANCE * 86400)
        clone(db, TEMPLATE, PREPARED)
        print(f"Syncing the orders ({args.orders} in the sandbox) ...", flush=True)
        mark = time.perf_counter()
        prepared = measure("prepare", PREPARED, sandbox, args.rate_scale, __file__)
        phases["order sync"] = time.perf_counter() - mark
        results, calls = {}, {}
        for kind in ("baseline", "connector"):
            dbname = f"bench_finances_{kind}"
            clone(db, PREPARED, dbname)
            print(f"Running the {kind} ...", flush=True)
            before = sandbox.stats()
            mark = time.perf_counter()
            results[kind] = measure(kind, dbname, sandbox, args.rate_scale, __file__)
            phases[kind] = time.perf_counter() - mark
            calls[kind] = calls_between(before, sandbox.stats())
            db.drop(dbname)
    db.drop(PREPARED)
    db.drop(TEMPLATE)
    base, sync = results["baseline"], results["connector"]
    base_rate = base["booked"] / base["seconds"]
    sync_rate = sync["booked"] / sync["seconds"]
    print(
        f"\norders in the sandbox: {args.orders} (clock {ADVANCE} days on), "
        f"rate scale {args.rate_scale}; order sync (untimed): "
        f"{prepared['orders']} orders, {prepared['invoices']} invoices posted "
        f"in {prepared['seconds']:.1f} s"
    )
    print(
        f"baseline  (ORM entries + post + reconcile): {base['booked']} entries "
        f"in {base['seconds']:.1f} s = {base_rate:.2f} per s "
        f"({base['reconciled']} reconciled with their invoice; "
        f"{base['read']} transactions of all regions read beforehand)"
    )
    print(
        f"connector (_finances_sync from scratch):    {sync['booked']} booked "
        f"in {sync['seconds']:.1f} s = {sync_rate:.2f} per s"
    )
    print(f"ratio connector/baseline: {sync_rate / base_rate:.0%}")
    print(
        f"connector made: {sync['transactions']} transactions "
        f"({sync['recorded']} read, {sync['parked']} parked; states "
        f"{sync['states']}), {sync['entries']} journal entries, "
        f"{sync['credit_notes']} credit notes, {sync['statement_lines']} "
        f"statement lines, payouts {sync['payouts_reconciled']} reconciled of "
        f"{sync['payouts_paid']} paid ({sync['payouts']} groups); "
        f"matches {sync['matches']}"
    )
    print(f"  connector seconds by part: {sync['parts']}")
    if base["booked"] != sync["booked"]:
        print(
            f"  note: the baseline made {base['booked']} entries, the connector "
            f"booked {sync['booked']} transactions"
        )
    sc = calls["connector"]
    print(
        f"SP-API calls (connector): {sc['calls']} ({sc['list_transactions']} "
        f"listTransactions pages; {sc['by_operation']}), 429 responses: "
        f"{sc['throttled']}"
    )
    for kind, result in (("baseline", base), ("connector", sync)):
        print(
            f"{kind:9}: {result['queries']} SQL queries = "
            f"{result['queries'] / max(1, result['booked']):.0f} per booked "
            f"transaction; peak memory (maxrss) {result['peak_rss_mb']:.0f} MB "
            f"({result['rss_before_mb']:.0f} MB before the timed part)"
        )
    spent = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in phases.items())
    print(f"whole run: {time.perf_counter() - began:.0f} s ({spent}, each process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
