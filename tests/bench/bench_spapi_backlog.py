"""Benchmark the SP-API access layer on an order backlog (issue 3).

Usage: python3 tests/bench/bench_spapi_backlog.py [--orders 5000]
                                                  [--rate-scale 2.3] [--faults 0.05]

Starts the local sandbox with ``--orders`` orders, Amazon's usage plans
multiplied by ``--rate-scale`` and ``--faults`` of calls failing (500, 503,
timeouts, truncated bodies), then fetches every order through
``amazon_connector.core.spapi`` (searchOrders, 100 per page). Prints pages,
calls, 429s, faults, retries and the achieved request rate as a fraction of
the allowed rate (the baseline: burst plus rate x elapsed time, Amazon's own
usage plan scaled the same way). Targets: every order exactly once, 429s at
most 1% of calls, achieved rate at least 90% of the allowed rate.

searchOrders allows a burst of 20 then one call per 180 s; scaling keeps that
proportion, so pacing only matters once the burst is spent. The default scale
(2.3: burst 46, then one call per 78 s) makes 5,000 orders (50 pages plus
retries) run a few calls past the burst: about five minutes.
"""

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
import conftest  # noqa: F401 - registers the addons' bare core packages

from amazon_connector.core.spapi import AccountConfig, RetryPolicy, client_for
from amazon_connector.core.spapi.usage_plans import USAGE_PLANS
from tests.sandbox.fixture import running_sandbox

OPERATION = "searchOrders"


def run(orders, rate_scale, faults):
    with running_sandbox(
        orders=orders,
        rate_scale=rate_scale,
        faults=faults,
        fault_delay=2,
        no_response_validation=True,
    ) as sandbox:
        creds = sandbox.credentials
        config = AccountConfig(
            seller_id=creds["seller_id"],
            lwa_client_id=creds["client_id"],
            lwa_client_secret=creds["client_secret"],
            refresh_token=creds["refresh_token"],
            endpoint_url=sandbox.base_url,
            lwa_url=sandbox.token_url,
            read_timeout=1.5,
            rate_scale=rate_scale,
            retry=RetryPolicy(max_attempts=8, max_total=600),
        )
        truth = [o["orderId"] for o in sandbox.dataset()["orders"]]
        seen = Counter()
        pages = 0
        start = time.monotonic()
        with client_for(config) as client:
            for page in client.search_orders_pages(
                created_after="2000-01-01T00:00:00Z", max_results_per_page=100
            ):
                pages += 1
                seen.update(o["orderId"] for o in page.get("orders", []))
        elapsed = time.monotonic() - start
        stats = sandbox.stats()["operations"].get(OPERATION, {})
    return truth, seen, pages, elapsed, stats


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--rate-scale", type=float, default=2.3)
    parser.add_argument("--faults", type=float, default=0.05)
    args = parser.parse_args()
    truth, seen, pages, elapsed, stats = run(args.orders, args.rate_scale, args.faults)
    rate, burst = USAGE_PLANS[OPERATION]
    rate, burst = rate * args.rate_scale, burst * args.rate_scale
    calls = stats.get("calls", 0)
    throttled = stats.get("throttled", 0)
    faults = stats.get("faults", 0)
    allowed = min(burst, calls) + rate * elapsed
    missing = set(truth) - set(seen)
    duplicates = sum(1 for n in seen.values() if n > 1)
    out = sys.stdout.write
    out(
        f"SP-API backlog benchmark: {args.orders} orders, rate scale "
        f"{args.rate_scale:g}, faults {args.faults:.0%}\n"
    )
    out(
        f"  usage plan {OPERATION}: {rate:.3f} req/s burst {burst:g} (scaled); "
        f"elapsed {elapsed:.1f} s\n"
    )
    out(f"  pages {pages}, calls {calls}, 429s {throttled}, faults {faults}, ")
    out(f"retries {calls - pages}\n")
    out(
        f"  orders fetched {len(seen)} of {len(truth)}, missing {len(missing)}, "
        f"fetched twice {duplicates} (target 0 and 0)\n"
    )
    out(
        f"  429s {throttled / max(calls, 1):.2%} of calls (target <= 1%); achieved "
        f"rate {calls / max(allowed, 1e-9):.0%} of allowed (target >= 90%)\n"
    )
    return 0 if not missing and not duplicates else 1


if __name__ == "__main__":
    sys.exit(main())
