"""Benchmark the fulfilment recommendation (issue 20, item 3) on 1,000 orders.

Usage: python3 tests/bench/bench_fulfilment.py [--orders 1000] [--history 2000]

Starts the local sandbox, takes its merchant-fulfilled orders (repeated when
the dataset has fewer), and for each asks Shipping v2 getRates through the
suite's SP-API client (``amazon_connector.core.spapi``) for every warehouse
that could ship it (two warehouses, stock drawn per product with a fixed
seed, so some orders need a split), then ranks with
``amazon_ai.core.fulfilment_rank.recommend``. Each order's promise is its
service level's delivery window counted from the sandbox's now (as if
placed now); the penalty is the order's value (the account default, 100%).

The late-risk model is trained on a simulated history of this one seller:
shipments whose true transit days follow a per-service law that differs
from what the carriers state (Amazon Shipping Ground often a day or two
late, UPS and USPS mostly on time), drawn with one seed; outcomes of the
benchmark's own orders are drawn from the same law with another seed, so
the model is judged on shipments it never saw.

Prints throughput (orders per second, rate calls included), then for the
recommendation and for a "cheapest rate only" baseline measured in the same
run on the same rates: the share of orders whose choice was the cheapest
among the options meeting the promise by their stated dates, the share
delivered on time under the simulated law, and the mean cost, and the mean
cost plus the penalty of the late ones.
"""

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
import conftest  # noqa: F401 - registers the addons' bare core packages

from amazon_ai.core.fulfilment_rank import (
    Order,
    RatesUnavailable,
    Service,
    Source,
    recommend,
)
from amazon_ai.core.fulfilment_risk import LateRiskModel
from amazon_connector.core import shipping
from amazon_connector.core.spapi import (
    AccountConfig,
    RetryPolicy,
    SPAPIError,
    client_for,
)
from tests.sandbox.dataset import parse_time
from tests.sandbox.fixture import running_sandbox

PROMISE_DAYS = {"NEXT_DAY": 2, "SECOND_DAY": 3, "EXPEDITED": 4}  # else 6
WAREHOUSES = {
    "wh:1": {
        "name": "Reno",
        "addressLine1": "1 Warehouse Way",
        "city": "Reno",
        "stateOrRegion": "NV",
        "postalCode": "89501",
        "countryCode": "US",
    },
    "wh:2": {
        "name": "Newark",
        "addressLine1": "2 Dock Road",
        "city": "Newark",
        "stateOrRegion": "NJ",
        "postalCode": "07102",
        "countryCode": "US",
    },
}
# The simulated truth: (probability, extra days beyond the stated date).
TRANSIT = {
    "Amazon Shipping Ground": ((0.45, 0), (0.35, 1), (0.20, 2)),
    "UPS Ground": ((0.93, 0), (0.07, 1)),
    "USPS Priority Mail": ((0.88, 0), (0.12, 1)),
}
STATED = {"Amazon Shipping Ground": 4, "UPS Ground": 5, "USPS Priority Mail": 2}
CARRIER = {
    "Amazon Shipping Ground": "AMZN_US",
    "UPS Ground": "UPS",
    "USPS Priority Mail": "USPS",
}
UNIT_KG = 0.4
BOX_KG = 0.2


def extra_days(rng, service):
    roll, acc = rng.random(), 0.0
    for p, days in TRANSIT[service]:
        acc += p
        if roll < acc:
            return days
    return TRANSIT[service][-1][1]


def history(n, now, seed):
    """This seller's past labels with their outcome, from the simulated law."""
    rng = random.Random(seed)
    rows = []
    states = ("CA", "TX", "NY", "FL", "WA", "IL")
    for _ in range(n):
        service = rng.choice(list(TRANSIT))
        shipped = now - timedelta(days=rng.randint(5, 300))
        slack = rng.choice((2, 3, 4, 5, 6, 7))
        promise = shipped + timedelta(days=slack)
        delivered = shipped + timedelta(
            days=STATED[service] + extra_days(rng, service) - 0.5
        )
        rows.append(
            {
                "seller_id": "BENCH",
                "warehouse": rng.choice(list(WAREHOUSES)),
                "carrier_id": CARRIER[service],
                "service": service,
                "region": f"US-{rng.choice(states)}",
                "shipped": shipped,
                "promise": promise,
                "delivered": delivered,
                "outcome": "delivered",
            }
        )
    return rows


def make_orders(dataset, count):
    merchant = [
        o
        for o in dataset["orders"]
        if o["fulfilledBy"] == "MERCHANT"
        and o["marketplaceId"] == "ATVPDKIKX0DER"
        and o["items"]
    ]
    stock = {}
    orders = []
    for i in range(count):
        raw = merchant[i % len(merchant)]
        lines = {}
        for item in raw["items"]:
            sku = item["sku"]
            lines[sku] = lines.get(sku, 0) + max(1, int(item["quantity"]))
            if sku not in stock:
                # One product in four only in Reno, one in four only in
                # Newark, the rest in both: multi-item orders may need a split.
                number = int("".join(c for c in sku if c.isdigit()) or 0)
                stock[sku] = {
                    "wh:1": 0 if number % 4 == 1 else 50,
                    "wh:2": 0 if number % 4 == 2 else 50,
                }
        value = sum(
            float(item["unitPrice"] or 0) * item["quantity"] for item in raw["items"]
        )
        orders.append((raw, lines, value))
    return orders, stock


def run(count, history_size):
    with running_sandbox(
        orders=600, rate_scale=100, clock_rate=0, no_response_validation=True
    ) as sandbox:
        creds = sandbox.credentials
        config = AccountConfig(
            seller_id=creds["seller_id"],
            lwa_client_id=creds["client_id"],
            lwa_client_secret=creds["client_secret"],
            refresh_token=creds["refresh_token"],
            endpoint_url=sandbox.base_url,
            lwa_url=sandbox.token_url,
            rate_scale=100,
            retry=RetryPolicy(max_attempts=4, max_total=60),
        )
        now = parse_time(sandbox.now()).replace(tzinfo=None)
        dataset = sandbox.dataset()
        orders, stock = make_orders(dataset, count)
        model = LateRiskModel(seller_id="BENCH").fit(history(history_size, now, 1))
        truth_rng = random.Random(2)
        rows = []
        calls = 0
        started = time.perf_counter()
        with client_for(config) as client:
            for raw, lines, value in orders:
                promise = now + timedelta(days=PROMISE_DAYS.get(raw["serviceLevel"], 6))
                sources = [
                    Source(key, "warehouse", key, {s: stock[s][key] for s in lines}, i)
                    for i, key in enumerate(WAREHOUSES, start=1)
                ]

                seen = {}

                def rates_for(source, wanted, raw=raw, seen=seen):
                    nonlocal calls
                    units = sum(wanted.values())
                    body = shipping.rates_request(
                        order_id=raw["orderId"],
                        ship_from=WAREHOUSES[source.key],
                        ship_to=None,
                        parcels=[
                            shipping.Parcel(
                                reference="1",
                                weight_kg=units * UNIT_KG + BOX_KG,
                                length_cm=30,
                                width_cm=20,
                                height_cm=10,
                                value=10,
                                currency="USD",
                                items=tuple((sku, q, 1) for sku, q in wanted.items()),
                            )
                        ],
                    )
                    # Without item ids the sandbox rates an order in any
                    # status (most dataset orders shipped long ago).
                    for package in body["packages"]:
                        for item in package["items"]:
                            item.pop("itemIdentifier", None)
                    calls += 1
                    try:
                        _token, rates = shipping.parse_rates(client.get_rates(body))
                    except SPAPIError as exc:
                        raise RatesUnavailable(str(exc)) from None
                    seen[(source.key, tuple(sorted(wanted.items())))] = services = [
                        Service(
                            r.carrier_id,
                            r.carrier_name,
                            r.service_id,
                            r.service_name,
                            float(r.price),
                            r.currency,
                            r.delivery_end,
                            r.rate_id,
                        )
                        for r in rates
                    ]
                    return services

                order = Order(
                    lines=lines,
                    promise=promise,
                    ship_at=now,
                    region=f"US-{raw['recipient'].get('stateOrRegion', '')}",
                    penalty=value,
                )
                rec = recommend(order, sources, rates_for, risk_model=model)
                rows.append((order, rec, seen, truth_rng.random()))
        elapsed = time.perf_counter() - started
    return rows, elapsed, calls


class _Choice:
    """A baseline's pick: the parts' services (one per source)."""

    def __init__(self, services, promise):
        self.services = services
        self.cost = round(sum(s.cost for s in services), 2)
        self.promise_met = all(
            s.delivery_end is not None and s.delivery_end <= promise for s in services
        )


def cheapest_only(order, rec, seen):
    """The "cheapest rate only" baseline on the same rates: the cheapest rate
    of any warehouse holding everything, whatever its date; for an order
    that needs a split, the recommended split's parts each at their cheapest
    rate. Also the cheapest cost among options meeting the promise."""
    whole = [
        services
        for (_key, lines), services in seen.items()
        if dict(lines) == order.lines and rec.choice.kind != "split"
    ]
    if whole:
        rates = [s for services in whole for s in services]
        pick = _Choice(
            [min(rates, key=lambda s: (s.cost, s.service_id))], order.promise
        )
        meeting = [
            s.cost for s in rates if s.delivery_end and s.delivery_end <= order.promise
        ]
    else:
        parts = []
        for part in rec.choice.parts:
            services = seen[(part.source.key, part.lines)]
            parts.append(min(services, key=lambda s: (s.cost, s.service_id)))
        pick = _Choice(parts, order.promise)
        meeting = [o.cost for o in rec.options if o.promise_met]
    return pick, min(meeting, default=None)


def evaluate(rows):
    stats = {
        name: {"hit": 0, "on_time": 0, "cost": 0.0, "with_penalty": 0.0}
        for name in ("rec", "cheap")
    }
    priced = splits = 0
    for order, rec, seen, seed in rows:
        if rec.choice is None:
            continue
        priced += 1
        splits += rec.choice.kind == "split"
        baseline, best = cheapest_only(order, rec, seen)
        chosen = _Choice([p.service for p in rec.choice.parts], order.promise)
        for name, option in (("rec", chosen), ("cheap", baseline)):
            s = stats[name]
            if best is not None and option.promise_met and option.cost <= best + 1e-9:
                s["hit"] += 1
            # The same draw for both policies: the truth does not depend on
            # who chose.
            rng = random.Random(int(seed * 1e9))
            arrival = max(
                service.delivery_end
                + timedelta(days=extra_days(rng, service.service) - 0.5)
                for service in option.services
            )
            on_time = arrival <= order.promise
            s["on_time"] += on_time
            s["cost"] += option.cost
            s["with_penalty"] += option.cost + (0 if on_time else order.penalty)
    return stats, priced, splits


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--history", type=int, default=2000)
    args = parser.parse_args()
    rows, elapsed, calls = run(args.orders, args.history)
    stats, priced, splits = evaluate(rows)
    out = sys.stdout.write
    out(
        f"Fulfilment recommendation benchmark: {len(rows)} orders, "
        f"{calls} getRates calls, {elapsed:.1f} s\n"
    )
    out(
        f"  throughput {len(rows) / elapsed:.1f} orders/s "
        f"({calls / elapsed:.1f} rate calls/s); priced {priced}, splits {splits}\n"
    )
    for name, label in (("rec", "recommended"), ("cheap", "cheapest rate only")):
        s = stats[name]
        out(
            f"  {label:<19} cheapest meeting the promise {s['hit'] / priced:.1%}, "
            f"on time (simulated) {s['on_time'] / priced:.1%}, "
            f"mean cost {s['cost'] / priced:.2f}, "
            f"mean cost + late penalty {s['with_penalty'] / priced:.2f}\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
