"""Benchmark Amazon's notifications against polling only (issue 22).

Usage: python3 tests/bench/bench_notifications.py [--changes 200]

Starts a real SQS server (moto) and the local sandbox publishing to it,
installs amazon_connector into a fresh database and, in one Odoo process,
connects the North America account, syncs its orders once and sets up its
notifications. Then, ``--changes`` times: the sandbox clock is moved just past
the next status event of one of the account's orders (the sandbox publishes
ORDER_CHANGE within a second) and the consumer runs until Odoo's order has
the new status; the wall time from the clock move to the order updated is
the latency of that change.

The baseline, in the same run: the same changes seen by the order search
alone, every ``orders_interval`` minutes (15): a change waits for the next
run (its place in the interval, from its event time on the sandbox's
clock) plus one search run, timed here. searchOrders calls per hour are one
run's calls (counted by the sandbox) times the runs per hour: every 15
minutes polling only, every 60 with notifications (the safety net).
"""

import argparse
import json
import os
import statistics
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_order_sync
import odoo_env

DB = "bench_notifications"


def post(url, path, body):
    request = urllib.request.Request(
        url + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as reply:  # loopback only
        return json.loads(reply.read())


def stamp(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


def next_change(data, now, markets):
    """``(order id, event)``: the earliest status event after ``now`` of an
    order of ``markets`` (a placement, or a later status of an order)."""
    best = None
    for order in data["orders"]:
        if (
            order["marketplaceId"] not in markets
            or order["channel"] != "AMAZON"  # no ORDER_CHANGE for MCF orders
        ):
            continue
        for event in order["events"]:
            if event["time"] > now:
                if best is None or event["time"] < best[1]["time"]:
                    best = (order["orderId"], event)
                break
    return best


def clock(url):
    return bench_order_sync.sandbox_get(url, "/_sandbox/clock")["now"]


def search_calls(url):
    stats = bench_order_sync.sandbox_get(url, "/_sandbox/stats")
    return stats["operations"].get("searchOrders", {}).get("calls", 0)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def worker(dbname, sandbox_url, queue_url, keys, changes):
    """Runs in its own process: the measurement, printed as one JSON line."""
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
        env["ir.config_parameter"].set_param("amazon_connector.rate_scale", 50)
        account = bench_order_sync.make_account(env, sandbox_url)
        bench_order_sync.make_catalogue(env, sandbox_url)
        account.notification_queue_url = queue_url
        env["amazon.pii.vault"].store_secrets(account, keys)
        cr.commit()
        env["amazon.order.sync"].run(account)
        cr.commit()  # see the account as the sync's transactions left it
        account.action_notifications_setup()
        cr.commit()
        data = bench_order_sync.sandbox_get(sandbox_url, "/_sandbox/dataset")
        markets = set(account.marketplace_ids.mapped("amazon_id"))
        Consumer = env["amazon.notification.consumer"]
        Order = env["sale.order"]
        searches = search_calls(sandbox_url)
        latencies, events, missed = [], [], 0
        origin = stamp(
            bench_order_sync.sandbox_get(sandbox_url, "/_sandbox/clock")["now"]
        )
        for _ in range(changes):
            now = bench_order_sync.sandbox_get(sandbox_url, "/_sandbox/clock")["now"]
            found = next_change(data, now, markets)
            if not found:
                break
            order_id, event = found
            ahead = (stamp(event["time"]) - stamp(now)).total_seconds() + 1
            started = time.perf_counter()
            post(sandbox_url, "/_sandbox/clock", {"advanceSeconds": int(ahead)})
            deadline = started + 30
            while time.perf_counter() < deadline:
                Consumer._cron_consume(budget=0, wait=1)
                cr.commit()
                env.invalidate_all()
                order = Order.search([("amazon_order_id", "=", order_id)])
                if order and order.amazon_status == event["status"]:
                    latencies.append(time.perf_counter() - started)
                    events.append((stamp(event["time"]) - origin).total_seconds())
                    break
            else:
                missed += 1
        after = search_calls(sandbox_url)
        # One search run of the baseline, timed, its calls counted.
        started = time.perf_counter()
        env["amazon.order.sync"].run(account)
        run_seconds = time.perf_counter() - started
        cr.commit()
        run_calls = search_calls(sandbox_url) - after
        print(
            json.dumps(
                {
                    "latencies": latencies,
                    "missed": missed,
                    "event_offsets": events,
                    "searches_during": after - searches,
                    "run_seconds": run_seconds,
                    "run_calls": run_calls,
                    "interval": account.orders_interval * 60,
                    "interval_notified": account.orders_interval_notified * 60,
                }
            ),
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--db")
    parser.add_argument("--sandbox")
    parser.add_argument("--queue")
    args = parser.parse_args()
    if args.worker:
        keys = json.loads(os.environ["BENCH_SQS_KEYS"])
        return worker(args.db, args.sandbox, args.queue, keys, args.changes)

    from tests.sandbox.fixture import running_sandbox
    from tests.sandbox.sqs import running_sqs

    db = odoo_env.ensure_postgres()
    bench_order_sync.install_template(db, dbname=DB)
    with (
        running_sqs() as sqs,
        running_sandbox(
            orders=900, seed=5, clock_rate=0, new_orders=0.4, rate_scale=50, sqs=sqs
        ) as sandbox,
    ):
        queue_url, _arn = sqs.create_queue("bench-notifications")
        env = dict(os.environ)
        env.setdefault(
            "AMAZON_PII_KEY_FILE",
            str(odoo_env.ensure_key_file(odoo_env.RUN_DIR / "bench-keyring.json")),
        )
        env["BENCH_SQS_KEYS"] = json.dumps(
            {
                "sqs_access_key_id": sqs.access_key_id,
                "sqs_secret_access_key": sqs.secret_access_key,
            }
        )
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                "--db",
                DB,
                "--sandbox",
                sandbox.base_url,
                "--queue",
                queue_url,
                "--changes",
                str(args.changes),
            ],
            cwd="/",
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        sys.exit(f"benchmark run failed:\n{out.stderr[-3000:]}")
    result = json.loads(lines[-1])
    pushed = result["latencies"]
    interval = result["interval"]
    polled = [
        interval - (offset % interval) + result["run_seconds"]
        for offset in result["event_offsets"]
    ]
    per_hour_polled = result["run_calls"] * 3600 / interval
    per_hour_pushed = result["run_calls"] * 3600 / result["interval_notified"]
    print(
        f"changes measured: {len(pushed)} of {args.changes}, "
        f"{result['missed']} not seen within 30 s"
    )
    print(
        f"latency, notifications: median {statistics.median(pushed):.2f} s, "
        f"p95 {percentile(pushed, 0.95):.2f} s"
    )
    print(
        f"latency, polling only every {interval // 60} min (same changes): "
        f"median {statistics.median(polled):.0f} s, "
        f"p95 {percentile(polled, 0.95):.0f} s"
    )
    print(
        f"median ratio polling/notifications: "
        f"{statistics.median(polled) / statistics.median(pushed):.0f}x"
    )
    print(
        f"searchOrders calls during the changes: {result['searches_during']} "
        f"(notifications alone)"
    )
    print(
        f"searchOrders per hour: polling only {per_hour_polled:.1f}, with "
        f"notifications {per_hour_pushed:.1f} "
        f"({per_hour_pushed / per_hour_polled:.2f} of polling's)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
