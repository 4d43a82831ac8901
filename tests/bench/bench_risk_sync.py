"""Benchmark what order risk scoring (issue 8) adds to the order sync.

Usage: python3 tests/bench/bench_risk_sync.py [--orders 2000] [--rate-scale 6]

Installs amazon_ai into a template database and clones it twice, starts the
local sandbox (clock frozen), then syncs the same orders from scratch, each
in a fresh process: once with the account's risk scoring off (the order
sync alone: the baseline) and once with it on (records and scores for every
merchant-fulfilled order, rules only as on a first sync). Prints orders per
second of both and their ratio (target >= 90%: scoring must not slow the
sync noticeably), then the time of a retrain on the scored database.
"""

import argparse
import json
import sys
import time

from bench_order_sync import (
    ROOT,
    TEMPLATE,
    clone,
    connector,
    install_template,
    make_account,
    make_catalogue,
    measure,
    odoo_env,
)


def worker(kind, dbname, sandbox_url, rate_scale):
    """One measurement in its own process, printed as one JSON line."""
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
        account.risk_enabled = kind == "scored"
        make_catalogue(env, sandbox_url)
        cr.commit()
        result = connector(env, account)
        result["scored"] = env["sale.order"].search_count(
            [("amazon_account_id", "=", account.id), ("amazon_risk_level", "!=", False)]
        )
        if kind == "scored":
            started = time.perf_counter()
            model = env["amazon.risk"]._retrain(account)
            cr.commit()
            result["retrain_seconds"] = time.perf_counter() - started
            result["trained_on"] = model.profile.orders
    print(json.dumps(result), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--rate-scale", type=float, default=6)
    parser.add_argument("--worker", choices=("plain", "scored"))
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
    print("Installing amazon_ai into a template database ...", flush=True)
    install_template(db, "amazon_ai")
    with running_sandbox(
        orders=args.orders,
        clock_rate=0,
        rate_scale=args.rate_scale,
        no_response_validation=True,
    ) as sandbox:
        results = {}
        for kind in ("plain", "scored"):
            dbname = f"bench_risk_{kind}"
            clone(db, dbname)
            print(f"Syncing {args.orders} orders, risk scoring {kind} ...", flush=True)
            results[kind] = measure(
                kind, dbname, sandbox, args.rate_scale, script=__file__
            )
            db.drop(dbname)
    db.drop(TEMPLATE)
    plain, scored = results["plain"], results["scored"]
    plain_rate = plain["orders"] / plain["seconds"]
    scored_rate = scored["orders"] / scored["seconds"]
    print(f"\norders in the sandbox: {args.orders}, rate scale {args.rate_scale}")
    print(
        f"baseline (sync, scoring off): {plain['orders']} orders in "
        f"{plain['seconds']:.1f} s = {plain_rate:.2f} orders/s"
    )
    print(
        f"scored   (sync, scoring on):  {scored['orders']} orders in "
        f"{scored['seconds']:.1f} s = {scored_rate:.2f} orders/s "
        f"({scored['scored']} orders scored)"
    )
    print(f"ratio scored/baseline: {scored_rate / plain_rate:.0%} (target >= 90%)")
    print(
        f"retrain on {scored['trained_on']} orders: "
        f"{scored['retrain_seconds']:.1f} s (fit, store, rescore open orders)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
