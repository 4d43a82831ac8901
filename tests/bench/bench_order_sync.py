"""Benchmark the order sync (issue 5) against a plain-ORM baseline.

Usage: python3 tests/bench/bench_order_sync.py [--orders 5000] [--rate-scale 6]

Installs amazon_connector once into a template database and clones it twice,
starts the local sandbox with ``--orders`` orders (clock frozen), creates a
product per SKU in both clones, then, each in a fresh process:

- baseline: the sandbox's orders (fetched beforehand, untimed) created as
  sale orders with their lines and confirmed (all but pending and cancelled
  ones) straight through the ORM, committing every 100 orders: no connector;
- connector: a seller account's order sync from scratch (its North America
  marketplaces) (searchOrders pages,
  mapping, buyer data into the vault, pseudonymous partners, confirmation,
  FBA deliveries validated, deliveries of orders shipped outside Odoo
  validated, cancellations).

Prints orders per second of both and their ratio (target >= 70%), the same
ratio without the time spent validating deliveries shipped outside Odoo (the
baseline does no such work; issue 16 added it after issue 14), SP-API
calls per 100 orders (target <= 1.1) and 429 responses (target 0).

searchOrders allows a burst of 20 calls, then one per 180 s. A page of 100
orders takes the importer far less than that, so at Amazon's real rate a
5,000-order backlog is paced by Amazon (the sync pauses and its cron comes
back). ``--rate-scale`` multiplies the sandbox's and the client's usage plans
so the benchmark measures Odoo, not Amazon's pacing.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "setup"))
sys.path.insert(0, str(ROOT / "tests"))

import odoo_env

TEMPLATE = "bench_orders_template"
SYNC_FROM = datetime(2026, 9, 1)


def install_template(db, modules="amazon_connector", dbname=TEMPLATE):
    """Install ``modules`` into a fresh ``dbname`` (other benches reuse it)."""
    db.drop(dbname)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            f"--addons-path={ROOT}",
            *db.odoo_args(),
            "-d",
            dbname,
            "-i",
            modules,
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


def clone(db, name):
    db.drop(name)
    conn = db.connect()
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    conn.close()


def worker(kind, dbname, sandbox_url, rate_scale):
    """Runs in its own process: one measurement, printed as one JSON line."""
    import odoo
    from odoo.tools import config

    db = odoo_env.ensure_postgres()
    config.parse_config(
        [
            *odoo_env.sandbox_config(),
            f"--addons-path={ROOT}",
            *db.odoo_args(),
            "--log-level=warn",
        ]
    )
    registry = odoo.modules.registry.Registry(dbname)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param("amazon_connector.rate_scale", rate_scale)
        account = make_account(env, sandbox_url)
        make_catalogue(env, sandbox_url)
        cr.commit()
        if kind == "baseline":
            result = baseline(env, account)
        else:
            result = connector(env, account)
    print(json.dumps(result), flush=True)


def make_catalogue(env, sandbox_url):
    """The same catalogue in every database: a product per SKU (untimed)."""
    data = sandbox_get(sandbox_url, "/_sandbox/dataset")
    skus = sorted({i["sku"] for o in data["orders"] for i in o["items"]})
    env["product.product"].create(
        [{"name": f"Product {sku}", "default_code": sku} for sku in skus]
    )


def sandbox_get(url, path):
    with urllib.request.urlopen(url + path, timeout=60) as reply:  # loopback only
        return json.loads(reply.read())


def make_account(env, sandbox_url):
    """The North America account (amazon.com and .ca: about half the
    sandbox's orders): an account sells in one region; the baseline fetches
    through it too, so both import the same orders."""
    creds = sandbox_get(sandbox_url, "/_sandbox/credentials")
    codes = ("us", "ca")
    return env["amazon.account"].create(
        {
            "name": "Benchmark seller",
            "seller_id": creds["seller_id"],
            "region": "na",
            "endpoint_url": sandbox_url,
            "lwa_url": creds["token_url"],
            "lwa_client_id": creds["client_id"],
            "lwa_client_secret": creds["client_secret"],
            "refresh_token": creds["refresh_token"],
            "marketplace_ids": [
                (6, 0, [env.ref(f"amazon_connector.marketplace_{c}").id for c in codes])
            ],
            "orders_sync_from": SYNC_FROM,
        }
    )


def fetch_all(account):
    from odoo.addons.amazon_connector.core.order_mapping import (
        INCLUDED_AMAZON,
        INCLUDED_MERCHANT,
    )

    orders = []
    with account._client() as client:
        for by, included in (
            ("MERCHANT", INCLUDED_MERCHANT),
            ("AMAZON", INCLUDED_AMAZON),
        ):
            for page in client.search_orders_pages(
                last_updated_after=SYNC_FROM,
                fulfilled_by=[by],
                included_data=included,
                max_results_per_page=100,
            ):
                orders.extend(page["orders"])
    return orders


def baseline(env, account):
    """The same orders, created and confirmed with the ORM, nothing else."""
    from odoo import Command

    from odoo.addons.amazon_connector.core import order_mapping

    raw_orders = fetch_all(account)
    products = {p.default_code: p for p in env["product.product"].search([])}
    currencies = {
        c.name: c
        for c in env["res.currency"].with_context(active_test=False).search([])
    }
    countries = {m.amazon_id: m for m in env["amazon.marketplace"].search([])}
    plans = []
    for raw in raw_orders:
        try:
            plans.append(order_mapping.plan_order(raw))
        except order_mapping.OrderDataError:
            continue
    pricelists = {}
    for plan in plans:
        code = plan.currency or countries[plan.marketplace_id].currency_id.name
        currency = currencies[code]
        currency.active = True
        if code not in pricelists:
            pricelists[code] = env["product.pricelist"].create(
                {"name": f"Baseline {code}", "currency_id": currency.id}
            )
    env.cr.commit()
    service = env.ref("amazon_connector.product_other_charge")
    started = time.perf_counter()
    for index, plan in enumerate(plans, 1):
        marketplace = countries[plan.marketplace_id]
        partner = env["res.partner"].create(
            {"name": f"Buyer {plan.order_id}", "country_id": marketplace.country_id.id}
        )
        code = plan.currency or marketplace.currency_id.name
        order = env["sale.order"].create(
            {
                "partner_id": partner.id,
                "pricelist_id": pricelists[code].id,
                "client_order_ref": plan.order_id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": products.get(line.sku, service).id,
                            "product_uom_qty": float(line.quantity),
                            "price_unit": float(line.price_unit),
                        }
                    )
                    for line in plan.lines
                ],
            }
        )
        if plan.status not in ("PENDING", "PENDING_AVAILABILITY", "CANCELLED"):
            order.action_confirm()
        if index % 100 == 0:
            env.cr.commit()
    env.cr.commit()
    elapsed = time.perf_counter() - started
    return {"orders": len(plans), "seconds": elapsed}


def timed_shipped_elsewhere(env):
    """Time the validation of deliveries Amazon reports shipped outside Odoo.

    Issue 16 (after the background-work refactor of issue 14) made the sync
    validate those deliveries, work the ORM baseline does not do; timing it
    apart lets the before/after comparison of issue 14 be like for like.
    """
    spent = [0.0]
    cls = type(env["amazon.order.import"])
    original = cls._shipped_elsewhere

    def _shipped_elsewhere(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    cls._shipped_elsewhere = _shipped_elsewhere
    return spent


def connector(env, account):
    elsewhere = timed_shipped_elsewhere(env)
    started = time.perf_counter()
    calls = throttled = failed = runs = 0
    while True:
        runs += 1
        log = env["amazon.order.sync"].run(account)
        env.cr.commit()  # a fresh snapshot: see what the sync's cursors wrote
        log.invalidate_recordset()
        account.invalidate_recordset()
        calls += log.api_calls
        throttled += log.throttled
        failed += log.failed
        # One run imports the whole window unless Amazon's pacing pauses it
        # (the cron would resume it; here we do).
        if log.state != "paused" or runs >= 100:
            break
        time.sleep(5)
    elapsed = time.perf_counter() - started
    count = env["sale.order"].search_count([("amazon_account_id", "=", account.id)])
    return {
        "orders": count,
        "seconds": elapsed,
        "elsewhere_seconds": elsewhere[0],
        "calls": calls,
        "throttled": throttled,
        "parked": failed,
        "state": log.state,
        "runs": runs,
    }


def measure(kind, dbname, sandbox, rate_scale, script=__file__):
    """Run ``script --worker kind`` in a fresh process; its JSON result."""
    env = dict(os.environ)
    env.setdefault(
        "AMAZON_PII_KEY_FILE",
        str(odoo_env.ensure_key_file(odoo_env.RUN_DIR / "bench-keyring.json")),
    )
    out = subprocess.run(
        [
            sys.executable,
            script,
            "--worker",
            kind,
            "--db",
            dbname,
            "--sandbox",
            sandbox.base_url,
            "--rate-scale",
            str(rate_scale),
        ],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        sys.exit(f"{kind} run failed:\n{out.stderr[-3000:]}")
    return json.loads(lines[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--rate-scale", type=float, default=6)
    parser.add_argument("--worker", choices=("baseline", "connector"))
    parser.add_argument("--db")
    parser.add_argument("--sandbox")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.db, args.sandbox, args.rate_scale)
        return 0
    if odoo_env.odoo_version() != 18:
        sys.exit(f"This benchmark needs Odoo 18. {odoo_env.NO_ODOO_HELP}")
    from tests.sandbox.fixture import running_sandbox

    db = odoo_env.ensure_postgres()
    print("Installing amazon_connector into a template database ...", flush=True)
    install_template(db)
    with running_sandbox(
        orders=args.orders,
        clock_rate=0,
        rate_scale=args.rate_scale,
        no_response_validation=True,
    ) as sandbox:
        results = {}
        for kind in ("baseline", "connector"):
            dbname = f"bench_orders_{kind}"
            clone(db, dbname)
            print(f"Running the {kind} ({args.orders} orders) ...", flush=True)
            results[kind] = measure(kind, dbname, sandbox, args.rate_scale)
            db.drop(dbname)
        stats = sandbox.stats()
    db.drop(TEMPLATE)
    base, sync = results["baseline"], results["connector"]
    base_rate = base["orders"] / base["seconds"]
    sync_rate = sync["orders"] / sync["seconds"]
    per_100 = 100 * sync["calls"] / max(1, sync["orders"])
    print(f"\norders in the sandbox: {args.orders}, rate scale {args.rate_scale}")
    print(
        f"baseline  (ORM create + confirm): {base['orders']} orders in "
        f"{base['seconds']:.1f} s = {base_rate:.2f} orders/s"
    )
    print(
        f"connector (sync from scratch):    {sync['orders']} orders in "
        f"{sync['seconds']:.1f} s = {sync_rate:.2f} orders/s "
        f"({sync['runs']} run(s), {sync['parked']} parked, last state {sync['state']})"
    )
    print(f"ratio connector/baseline: {sync_rate / base_rate:.0%} (target >= 70%)")
    elsewhere = sync.get("elsewhere_seconds", 0.0)
    own_rate = sync["orders"] / max(1e-9, sync["seconds"] - elsewhere)
    print(
        f"  of which validating deliveries Amazon shipped outside Odoo: "
        f"{elsewhere:.1f} s; without that work (the baseline does none of it): "
        f"{own_rate:.2f} orders/s, ratio {own_rate / base_rate:.0%}"
    )
    print(f"SP-API calls per 100 orders: {per_100:.2f} (target <= 1.1)")
    print(
        f"429 responses: {sync['throttled']} (sandbox counted "
        f"{stats['totals'].get('throttled', 'n/a')}; target 0)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
