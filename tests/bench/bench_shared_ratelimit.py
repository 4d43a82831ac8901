"""Benchmark the SP-API rate limit shared by Odoo processes (issue #14).

Usage: python3 tests/bench/bench_shared_ratelimit.py [--seconds 20]
                               [--rate-scale 4] [--db NAME] [--keep-db]

Installs amazon_connector into a throwaway database, starts the local sandbox
(loopback, one seller per setup so that every setup starts with full buckets on
both sides) and creates a seller account per setup, then runs one setup after
another, each OS process calling ``searchListingsItems`` for the same seller
as fast as its limiter lets it for ``--seconds`` (and at most 4x the allowed
number of calls):

- shared x1: one process through the account's client (``_client()``: the
  buckets in ``amazon.rate.bucket``, each reservation through ``amazon.work``),
  the baseline;
- shared x4: four processes, the same path, the same seller and operation;
- per-process x4: four processes with the per-process limiter the connector
  used before (``client_for`` without a limiter: buckets in memory).

Prints per setup the calls Amazon (the sandbox) received, its 429 answers and
their share of the calls (target at most 1% for the shared setups), the
achieved rate as a share of the allowed rate (successful calls over burst +
rate x time from the first call to the last answer; target at least 90%) and
the wall time. ``searchListingsItems`` allows 5 calls per second with a burst
of 5; ``--rate-scale`` multiplies both (4: 20 per second, burst 20), so a setup
spends its burst in a second and is then paced by the limiter.
"""

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "setup"))
sys.path.insert(0, str(ROOT / "tests"))

import odoo_env
from bench_order_sync import install_template

OPERATION = "searchListingsItems"
US = "ATVPDKIKX0DER"
# (label, processes, limiter); each setup gets a sandbox seller of its own.
SETUPS = (
    ("shared buckets (PostgreSQL)", 1, "shared"),
    ("shared buckets (PostgreSQL)", 4, "shared"),
    ("per-process buckets (before)", 4, "local"),
)
START_MARGIN = 1.0  # seconds between "go" and the common start instant


def install(db, dbname):
    install_template(db, dbname=dbname)


def exists(db, dbname):
    conn = db.connect()
    with conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
        found = cr.fetchone() is not None
    conn.close()
    return found


def odoo_registry(dbname):
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
    return odoo.modules.registry.Registry(dbname)


def sandbox_get(url, path):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url + path, timeout=30) as reply:  # loopback only
        return json.loads(reply.read())


def seller(creds, index):
    """Seller ``index`` (1-based) of a sandbox started with ``--sellers``."""
    suffix = "" if index == 1 else str(index)
    token = creds["refresh_token"] + ("" if index == 1 else f"-{index}")
    return creds["seller_id"] + suffix, token


def create_accounts(dbname, sandbox_url, rate_scale, count):
    """One seller account per setup (runs in a process of its own)."""
    import odoo

    creds = sandbox_get(sandbox_url, "/_sandbox/credentials")
    registry = odoo_registry(dbname)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param("amazon_connector.rate_scale", rate_scale)
        for index in range(1, count + 1):
            seller_id, refresh_token = seller(creds, index)
            values = {
                "name": f"Bench seller {index}",
                "seller_id": seller_id,
                "region": "na",
                "endpoint_url": sandbox_url,
                "lwa_url": creds["token_url"],
                "lwa_client_id": creds["client_id"],
                "lwa_client_secret": creds["client_secret"],
                "refresh_token": refresh_token,
                "marketplace_ids": [
                    (6, 0, env.ref("amazon_connector.marketplace_us").ids)
                ],
                "sync_orders": False,
            }
            # A kept database (--keep-db) has them: point them at this sandbox.
            account = env["amazon.account"].search([("seller_id", "=", seller_id)])
            if account:
                account.write(values)
            else:
                account.create(values)


def worker(args):
    """One process of a setup: get ready, say so, wait for the common start
    instant read from stdin, call as fast as allowed, print one JSON line."""
    creds = sandbox_get(args.sandbox, "/_sandbox/credentials")
    seller_id, refresh_token = seller(creds, args.seller)
    if args.worker == "shared":
        import odoo

        registry = odoo_registry(args.db)
        from odoo.addons.amazon_connector.core.spapi import RetryableError

        cr = registry.cursor()
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        account = env["amazon.account"].search([("seller_id", "=", seller_id)])
        client = account._client()
    else:
        import conftest  # noqa: F401 - the addons' bare core packages

        from amazon_connector.core.spapi import (
            AccountConfig,
            RetryableError,
            client_for,
        )

        # The connector's per-process limiter (shared_limiter) before #14.
        client = client_for(
            AccountConfig(
                seller_id=seller_id,
                lwa_client_id=creds["client_id"],
                lwa_client_secret=creds["client_secret"],
                refresh_token=refresh_token,
                endpoint_url=args.sandbox,
                lwa_url=creds["token_url"],
                marketplace_ids=(US,),
                rate_scale=args.rate_scale,
            )
        )
    print("READY", flush=True)
    start = float(sys.stdin.readline())
    time.sleep(max(0.0, start - time.time()))
    deadline = start + args.seconds
    ok = gave_up = 0
    first = last = None
    with client:
        while time.time() < deadline and ok + gave_up < args.max_calls:
            first = first or time.time()
            try:
                client.search_listings_items(page_size=1)
                ok += 1
            except RetryableError:
                gave_up += 1
            last = time.time()
        counters = dict(client.counters)
    if args.worker == "shared":
        cr.close()
    result = {"ok": ok, "gave_up": gave_up, "first": first, "last": last}
    print(json.dumps({**result, **counters}), flush=True)


def run_setup(dbname, sandbox, index, processes, kind, seconds, rate_scale, cap):
    command = [
        sys.executable,
        __file__,
        "--worker",
        kind,
        "--db",
        dbname,
        "--sandbox",
        sandbox.base_url,
        "--seller",
        str(index),
        "--seconds",
        str(seconds),
        "--rate-scale",
        str(rate_scale),
        "--max-calls",
        str(cap),
    ]
    with contextlib.ExitStack() as stack:
        # Workers' logs (a line per 429 retried) go to files, shown on failure.
        logs = [
            stack.enter_context(tempfile.TemporaryFile("w+")) for _ in range(processes)
        ]
        procs = [
            subprocess.Popen(
                command,
                cwd="/",
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
            for log in logs
        ]
        stack.callback(stop, procs)
        return measure(sandbox, kind, procs, logs, seconds)


def stop(procs):
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def measure(sandbox, kind, procs, logs, seconds):
    """Start the workers together once all are ready; sum up their results."""

    def failed(what, log):
        log.seek(0)
        sys.exit(f"a {kind} worker {what}:\n{log.read()[-3000:]}")

    for proc, log in zip(procs, logs, strict=True):  # each loads Odoo first
        for line in proc.stdout:
            if line.strip() == "READY":
                break
        else:
            failed("did not start", log)
    before = sandbox.stats()["operations"].get(OPERATION, {})
    start = time.time() + START_MARGIN
    for proc in procs:
        proc.stdin.write(f"{start}\n")
        proc.stdin.flush()
    results = []
    for proc, log in zip(procs, logs, strict=True):
        out, _ = proc.communicate(timeout=seconds + 120)
        lines = [line for line in out.splitlines() if line.startswith("{")]
        if proc.returncode or not lines:
            failed(f"failed (status {proc.returncode})", log)
        results.append(json.loads(lines[-1]))
    after = sandbox.stats()["operations"].get(OPERATION, {})
    return {
        "calls": after.get("calls", 0) - before.get("calls", 0),
        "throttled": after.get("throttled", 0) - before.get("throttled", 0),
        "ok": sum(r["ok"] for r in results),
        "gave_up": sum(r["gave_up"] for r in results),
        "first": min(r["first"] for r in results if r["first"]),
        "last": max(r["last"] for r in results if r["last"]),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate-scale", type=float, default=4)
    parser.add_argument("--db", default="bench_shared_ratelimit")
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the database; reuse it if present"
    )
    parser.add_argument("--worker", choices=("shared", "local", "accounts"))
    parser.add_argument("--sandbox")
    parser.add_argument("--seller", type=int, default=1)
    parser.add_argument("--max-calls", type=int, default=1000)
    args = parser.parse_args()
    if args.worker == "accounts":
        create_accounts(args.db, args.sandbox, args.rate_scale, len(SETUPS))
        return 0
    if args.worker:
        worker(args)
        return 0
    if odoo_env.odoo_version() != 18:
        sys.exit(f"This benchmark needs Odoo 18. {odoo_env.NO_ODOO_HELP}")
    import conftest  # noqa: F401 - registers the addons' bare core packages

    from amazon_connector.core.spapi.usage_plans import USAGE_PLANS
    from tests.sandbox.fixture import running_sandbox

    rate, burst = USAGE_PLANS[OPERATION]
    rate, burst = rate * args.rate_scale, max(1, round(burst * args.rate_scale))
    # Bounded in count too: no process makes more than 4x what the plan allows.
    cap = int(4 * (burst + rate * args.seconds))
    # The vault (account credentials) needs a key ring; workers inherit it.
    os.environ.setdefault(
        "AMAZON_PII_KEY_FILE",
        str(odoo_env.ensure_key_file(odoo_env.RUN_DIR / "bench-keyring.json")),
    )
    db = odoo_env.ensure_postgres()
    if not (args.keep_db and exists(db, args.db)):
        print(f"Installing amazon_connector into {args.db} ...", flush=True)
        install(db, args.db)
    rows = []
    try:
        with running_sandbox(
            orders=10,
            sellers=len(SETUPS),
            clock_rate=0,
            rate_scale=args.rate_scale,
            no_response_validation=True,
        ) as sandbox:
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--worker",
                    "accounts",
                    "--db",
                    args.db,
                    "--sandbox",
                    sandbox.base_url,
                    "--rate-scale",
                    str(args.rate_scale),
                ],
                cwd="/",
                check=True,
            )
            for index, (label, processes, kind) in enumerate(SETUPS, 1):
                print(f"Running {label} x{processes} ...", flush=True)
                result = run_setup(
                    args.db,
                    sandbox,
                    index,
                    processes,
                    kind,
                    args.seconds,
                    args.rate_scale,
                    cap,
                )
                rows.append((label, processes, result))
    finally:
        if not args.keep_db:
            db.drop(args.db)
    print(
        f"\nShared rate limit benchmark: {OPERATION}, one seller per setup, usage "
        f"plan x{args.rate_scale:g} = {rate:g} calls/s, burst {burst}; "
        f"{args.seconds:g} s per setup"
    )
    header = (
        f"{'setup':30} {'procs':>5} {'calls':>6} {'429s':>5} {'share':>7} "
        f"{'ok':>5} {'allowed':>8} {'achieved':>9} {'wall':>7}"
    )
    print(header)
    for label, processes, r in rows:
        wall = r["last"] - r["first"]
        allowed = burst + rate * wall
        share = r["throttled"] / max(1, r["calls"])
        print(
            f"{label:30} {processes:>5} {r['calls']:>6} {r['throttled']:>5} "
            f"{share:>7.2%} {r['ok']:>5} {allowed:>8.0f} {r['ok'] / allowed:>9.0%} "
            f"{wall:>6.1f}s"
            + (f"  ({r['gave_up']} calls gave up)" if r["gave_up"] else "")
        )
    print(
        "targets for the shared setups: 429s at most 1% of calls, achieved rate "
        "at least 90% of the allowed rate"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
