"""Benchmark automatic repricing (issue 23) over two simulated weeks.

Usage: python3 tests/bench/bench_pricing.py [--days 14] [--seed 23] [--listings N]

Starts the local sandbox with its clock frozen and takes the seller's
listings in the US marketplace that have an ASIN (the dataset's 12
products, a third of them FBA; ``--listings`` keeps the first N by SKU).
Each gets a unit cost, a share of its catalogue price drawn between 55 % and
70 % with ``--seed``, and the rule of a cautious seller: strategy "win",
minimum margin 5 %, no maximum price of its own, automatic repricing with a
daily change limit of 10 %. Merchant listings get 1,000 units (patched once)
so they can be featured; FBA stock is the sandbox's FBA pool.

Automatic repricing, through the sandbox: every simulated hour (``--days``
x 24 steps) the market of all listings is read through the suite's SP-API
client exactly as the connector's sweep reads it
(``amazon_connector/models/pricing/amazon_listing_market.py``: one
competitive summary, one featured offer expected price batch, fee estimates
at our price when due: never read, our price moved by more than 1 %, or a
week old; read with ``amazon_connector.core.market``). Each reading is
turned into ``core.pricing.Market`` and ``Rules`` as
``amazon_ai/models/amazon_listing_pricing.py`` (``_pricing_inputs``) does:
fees fixed = total - referral, rate = referral / price estimated at;
Amazon's limit minimum = 200 USD; our price = our offer's listing price as
Amazon shows it. ``pricing.automatic`` is called as ``_suggest_price`` calls
it (day start price = the price before the day's first automatic change,
else the current one; last change = the last applied automatic change; a
minimum interval of one hour; the constants are read from the Odoo modules'
source, which import odoo). A new price is patched onto the listing at the
sandbox (patchListingsItem, ``purchasable_offer``), then the clock moves one
hour.

Measured per listing-hour, for hours 1 to N (the price set at hour h - 1
stands against the competitors of hour h): whether our offer is featured,
as the sandbox's reading at hour h says (the sandbox decides, not our
prediction); the unit margin while featured: price - cost - the sandbox's
own fee estimate at that price (``tests/sandbox/fees.py``). The "expected
profit" proxy is the sum of the unit margins over featured hours, taking
one featured hour for one sale (the same demand in every hour and for
every listing; no sales when not featured).

Fixed price baseline, same run, same market: the same hours replayed with
the pure market functions the sandbox itself serves
(``tests/sandbox/market.py``: ``snapshot`` with our offer built by
``own_offer`` at the catalogue price, the listing's starting price, and the
FBA units the sandbox's pool reported at that hour). Competitors, reference
prices and the featured offer rule depend only on the ASIN, the
marketplace, the hour and the catalogue anchors, never on our price, so
both arms face identical markets; a second sandbox process would give the
same market at the cost of twice the HTTP. That the pure functions are the
market the sandbox served is checked on every listing-hour of the automatic
arm (the featured offer they give for our actual price against the
sandbox's reading) and printed.

Guardrail violations are counted independently of ``core.pricing``: an
applied price leaving less than the 5 % minimum margin after cost and the
sandbox's fee estimate at that very price (the floor, recomputed here by a
scan over cents), above Amazon's Automate Pricing limit max(6 x WasPrice,
200 USD) with the WasPrice of the reading it was decided on, more than 10 %
away from the price in force at the day's first reading (UTC days), or a
second change less than an hour after the previous one. The bench exits
with status 1 when there is any.

Prints the replay's wall time and throughput (listing-hours per second,
market readings and patches included), then both arms: featured share,
mean unit margin per featured hour, the profit proxy, price changes, hours
priced below the floor; the automatic decisions by their first reason
(``raise_to_foep``, ``foep``, ..., or kept) with the share featured the
next hour, and how often pricing's own ``wins_featured`` prediction matched
the sandbox; the guardrail violations (the first 20 listed); and a line per
listing.
"""

import argparse
import random
import sys
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
import conftest  # noqa: F401 - registers the addons' bare core packages

from amazon_ai.core import pricing
from amazon_connector.core import market as core
from amazon_connector.core.listings import offer_patches
from amazon_connector.core.spapi import AccountConfig, RetryPolicy, client_for
from tests.sandbox import fees as sandbox_fees
from tests.sandbox import market as sandbox_market
from tests.sandbox.dataset import parse_time
from tests.sandbox.fixture import running_sandbox

US = "ATVPDKIKX0DER"
CURRENCY = "USD"
STEP = 0.01
RATE_SCALE = 1000
COST_SHARE = (0.55, 0.70)
MIN_MARGIN_PERCENT = 5.0
MAX_DAILY_CHANGE_PERCENT = 10.0
MERCHANT_STOCK = 1000
FEES_MOVED = 0.01  # the connector re-reads fees when our price moved > 1 %
EPS = 1e-9
HEADROOM = [pricing.WIN_HEADROOM_PERCENT]  # --headroom replaces it for a run


# The constants the Odoo layer uses, from the pure modules it imports them from.
AMAZON_LIMIT_USD = pricing.AMAZON_LIMIT_USD
AUTO_MIN_INTERVAL = pricing.AUTO_MIN_INTERVAL
FEES_FRESH = core.FEES_FRESH


# -- listings -------------------------------------------------------------------


class Listing:
    """One listing: the seller's data, the connector's and pricing's state."""

    def __init__(self, product, cost):
        self.sku = product["sku"]
        self.asin = product["asin"]
        self.fba = bool(product["afn"])
        self.product_type = product.get("productType") or "PRODUCT"
        self.start_price = float(product["priceUsd"])
        self.cost = cost
        self.price = self.start_price  # in force at the sandbox
        self.pending = ("kept", None)  # the last decision's reason, prediction
        self.fees = None  # (total, referral, price, read at): the last reading's
        self.changes = []  # (decided at, price before, price after), automatic
        # The bench's own records, for the independent guardrail checks.
        self.day_first = {}  # UTC date -> price in force at its first reading
        self.floor = own_floor(self)

    def fee_total(self, price):
        """The sandbox's own fee estimate at ``price`` (Decimal)."""
        return sandbox_fees.estimate(self.asin, US, price, afn=self.fba)["total"]

    def margin(self, price):
        return float(
            Decimal(str(price)) - Decimal(str(self.cost)) - self.fee_total(price)
        )

    def leaves_min_margin(self, price):
        required = Decimal(str(price)) * Decimal(str(MIN_MARGIN_PERCENT)) / 100
        return self.margin(price) >= float(required) - EPS

    def record(self, price):
        """A hand-made listing record for ``market.own_offer``."""
        return {
            "sku": self.sku,
            "asin": self.asin,
            "price": Decimal(str(price)),
            "afn": self.fba,
            "quantity": MERCHANT_STOCK,
        }


def own_floor(listing):
    """The lowest price in cents leaving the minimum margin after cost and
    the sandbox's fee estimate at that price, by a scan (no core.pricing)."""
    cents = int(listing.cost * 100)  # fees are never negative: no lower
    while not listing.leaves_min_margin(cents / 100):
        cents += 1
    return cents / 100


def make_listings(dataset, seed, limit):
    rng = random.Random(seed)
    products = sorted(
        (p for p in dataset["products"] if p.get("asin")), key=lambda p: p["sku"]
    )
    listings = []
    for product in products:
        share = rng.uniform(*COST_SHARE)
        listings.append(Listing(product, round(float(product["priceUsd"]) * share, 2)))
    return listings[:limit] if limit else listings


# -- the connector's reading ------------------------------------------------------


def read_market(client, listings, seller_id, now, counts):
    """``{sku: (Figures, summary body)}`` as the connector's sweep reads it."""
    pairs = list(dict.fromkeys((lst.asin, US) for lst in listings))
    summaries, refused = core.summary_bodies(
        client.get_competitive_summary(core.summary_requests(pairs))
    )
    counts["getCompetitiveSummary"] += 1
    if refused:
        raise RuntimeError(f"competitive summary refused: {refused}")
    readings = {
        lst.sku: core.read_summary(
            summaries[(lst.asin, US)], seller_id, "AFN" if lst.fba else "MFN"
        )
        for lst in listings
    }
    found, _refused = core.foep_bodies(
        client.get_featured_offer_expected_price_batch(
            core.foep_requests([(lst.sku, US) for lst in listings])
        )
    )
    counts["getFeaturedOfferExpectedPriceBatch"] += 1
    for lst in listings:
        body = found.get((lst.sku, US))
        if body is not None:
            core.read_foep(body, readings[lst.sku])
    due = []
    for lst in listings:
        price = readings[lst.sku].our_price or lst.price
        last = lst.fees
        if (
            last is None
            or abs(price - last[2]) > FEES_MOVED * last[2]
            or last[3] < now - FEES_FRESH
        ):
            due.append((lst, price))
    due = due[: core.FEES_BATCH]
    if due:
        estimates, _refused = core.read_fees(
            client.get_my_fees_estimates(
                core.fee_requests(
                    [(lst.sku, US, CURRENCY, price, lst.fba) for lst, price in due]
                )
            )
        )
        counts["getMyFeesEstimates"] += 1
        for lst, _price in due:
            fee = estimates.get((lst.sku, US))
            if fee:
                readings[lst.sku].fees_total, readings[lst.sku].fees_referral = fee[:2]
                readings[lst.sku].fees_price = fee[2]
                lst.fees = (*fee, now)
    return readings, summaries


# -- pricing as the Odoo layer calls it -------------------------------------------


def pricing_inputs(lst, figures):
    """``(Market, Rules, automatic allowed)``, as ``_pricing_inputs`` builds
    them (fees carried over from the last reading when not read this time)."""
    fees = pricing.Fees()
    have_fees = bool(lst.fees and lst.fees[0] and lst.fees[2])
    if have_fees:
        total, referral, price, _at = lst.fees
        fees = pricing.Fees(
            fixed=max(total - referral, 0.0),
            rate=pricing.referral_rate(referral, price, STEP),
        )
    market = pricing.Market(
        our_price=figures.our_price or lst.price,  # repriced or pushed price
        featured_price=figures.featured_price or None,
        featured_is_ours=figures.featured_is_ours,
        expected_featured_price=figures.expected_price or None,
        lowest_fba=figures.lowest_new_fba or None,
        lowest_price=figures.lowest_new or None,
        recent_sales_price=figures.reference.get("WasPrice") or None,
    )
    rules = pricing.Rules(
        strategy="win",
        cost=lst.cost,
        fees=fees,
        min_margin_percent=MIN_MARGIN_PERCENT,
        max_price=None,
        amazon_limit_minimum=AMAZON_LIMIT_USD,  # USD marketplace: no conversion
        step=STEP,
        currency=CURRENCY,
        win_headroom_percent=HEADROOM[0],
    )
    return market, rules, have_fees and lst.cost > 0


def decide(lst, figures, now):
    """``(price to apply now or None, Suggestion)``, as ``_suggest_price``."""
    market, rules, automatic = pricing_inputs(lst, figures)
    found = pricing.suggest(market, rules)
    if not (automatic and found.price is not None):
        return None, found
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    today = [c for c in lst.changes if c[0] >= start_of_day]
    found = pricing.automatic(
        market,
        rules,
        day_start_price=today[0][1] if today else market.our_price,
        max_daily_change_percent=MAX_DAILY_CHANGE_PERCENT,
        last_change_at=lst.changes[-1][0] if lst.changes else None,
        now=now,
        min_interval=AUTO_MIN_INTERVAL,
    )
    return found.price, found


def violations_of(lst, price, now, summary):
    """``[(kind, text)]``: the guardrails ``price`` breaks, checked without
    core.pricing (kind: floor, limit, cap, interval)."""
    broken = []
    if price < lst.floor - EPS or not lst.leaves_min_margin(price):
        broken.append(("floor", f"below the floor {lst.floor:.2f}"))
    was = next(
        (
            float(r["price"]["amount"])
            for r in summary.get("referencePrices") or ()
            if r.get("name") == "WasPrice"
        ),
        None,
    )
    limit = max(6 * was, 200.0) if was else 200.0
    if price > limit + EPS:
        broken.append(("limit", f"above Amazon's limit {limit:.2f}"))
    first = lst.day_first[now.date()]
    if abs(price - first) > MAX_DAILY_CHANGE_PERCENT / 100 * first + EPS:
        broken.append(("cap", f"over the daily cap from {first:.2f}"))
    if lst.changes and now - lst.changes[-1][0] < timedelta(hours=1):
        broken.append(("interval", f"changed again after {now - lst.changes[-1][0]}"))
    return broken


# -- the two arms ---------------------------------------------------------------------


class Arm:
    def __init__(self):
        self.hours = self.featured = 0
        self.margin = 0.0
        self.changes = 0
        self.below_floor_hours = 0
        self.per_listing = Counter()
        self.per_listing_margin = Counter()
        self.after = Counter()  # (what was done, featured the next hour) -> n
        self.predicted = Counter()  # (wins_featured, featured) -> n
        self.limited = Counter()  # applied prices by Suggestion.limited_by

    def follow(self, pending, featured):
        """What the last decision was (its first reason, or "kept") and what
        pricing predicted, against the sandbox's next reading."""
        done, predicted = pending
        self.after[(done, featured)] += 1
        if predicted is not None:
            self.predicted[(predicted, featured)] += 1

    def count(self, lst, price, featured):
        self.hours += 1
        if price < lst.floor - EPS:
            self.below_floor_hours += 1
        if featured:
            self.featured += 1
            self.per_listing[lst.sku] += 1
            margin = lst.margin(price)
            self.margin += margin
            self.per_listing_margin[lst.sku] += margin


def pure_featured(lst, price, at, units, anchors, seller_id):
    own = sandbox_market.own_offer(lst.record(price), US, seller_id, units)
    snap = sandbox_market.snapshot(lst.asin, US, at, own, anchors.get(lst.asin))
    return snap.featured is not None and snap.featured["own"]


def replay(days, seed, limit):
    with running_sandbox(
        rate_scale=RATE_SCALE, clock_rate=0, no_response_validation=True
    ) as sandbox:
        creds = sandbox.credentials
        seller_id = creds["seller_id"]
        config = AccountConfig(
            seller_id=seller_id,
            lwa_client_id=creds["client_id"],
            lwa_client_secret=creds["client_secret"],
            refresh_token=creds["refresh_token"],
            endpoint_url=sandbox.base_url,
            lwa_url=sandbox.token_url,
            marketplace_ids=(US,),
            rate_scale=RATE_SCALE,
            retry=RetryPolicy(max_attempts=4, max_total=60),
        )
        dataset = sandbox.dataset()
        anchors = sandbox_market.anchors(dataset["products"])
        listings = make_listings(dataset, seed, limit)
        hours = days * 24
        auto, base = Arm(), Arm()
        counts = Counter()
        violations = []
        moments = []  # (time, {sku: FBA units}) of hours 1..N, for the baseline
        agree = checked = 0
        started = time.perf_counter()
        with client_for(config) as client:

            def patch(lst, **values):
                reply = client.patch_listings_item(
                    lst.sku,
                    {
                        "productType": lst.product_type,
                        "patches": offer_patches(US, CURRENCY, **values),
                    },
                    marketplace_ids=[US],
                )
                counts["patchListingsItem"] += 1
                if reply.get("status") != "ACCEPTED":
                    raise RuntimeError(f"{lst.sku}: patch refused: {reply}")

            for lst in listings:
                if not lst.fba:
                    patch(lst, quantity=MERCHANT_STOCK)
            for hour in range(hours + 1):
                now = parse_time(sandbox.now())
                units = {
                    row["sellerSku"]: row["fulfillable"]
                    for row in sandbox.fba_inventory(US)
                }
                readings, summaries = read_market(
                    client, listings, seller_id, now, counts
                )
                for lst in listings:
                    figures = readings[lst.sku]
                    lst.day_first.setdefault(now.date(), lst.price)
                    if hour:  # the price set an hour ago against this hour
                        auto.count(lst, lst.price, figures.featured_is_ours)
                        auto.follow(lst.pending, figures.featured_is_ours)
                        checked += 1
                        agree += figures.featured_is_ours == pure_featured(
                            lst,
                            lst.price,
                            now,
                            units.get(lst.sku, 0) if lst.fba else None,
                            anchors,
                            seller_id,
                        )
                    if hour == hours:
                        continue
                    price, found = decide(lst, figures, now)
                    if price is None or abs(price - lst.price) < EPS:
                        lst.pending = ("kept", found.wins_featured)
                        continue
                    lst.pending = (found.reasons[0][0], found.wins_featured)
                    auto.limited[found.limited_by] += 1
                    summary = summaries[(lst.asin, US)]
                    for kind, text in violations_of(lst, price, now, summary):
                        violations.append((now, lst.sku, lst.price, price, kind, text))
                    patch(lst, price=price)
                    lst.changes.append((now, lst.price, price))
                    lst.price = price
                    auto.changes += 1
                if hour:
                    moments.append((now, units))
                if hour < hours:
                    sandbox.advance_clock(3600)
        replay_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for at, units in moments:
        for lst in listings:
            fba_units = units.get(lst.sku, 0) if lst.fba else None
            base.count(
                lst,
                lst.start_price,
                pure_featured(lst, lst.start_price, at, fba_units, anchors, seller_id),
            )
    baseline_seconds = time.perf_counter() - started
    return {
        "listings": listings,
        "hours": hours,
        "auto": auto,
        "base": base,
        "violations": violations,
        "counts": counts,
        "agree": agree,
        "checked": checked,
        "replay_seconds": replay_seconds,
        "baseline_seconds": baseline_seconds,
    }


def arm_line(label, arm):
    mean = arm.margin / arm.featured if arm.featured else 0.0
    return (
        f"  {label:<20} featured {arm.featured / arm.hours:.1%} of listing-hours "
        f"({arm.featured}), mean unit margin per featured hour {mean:.2f} "
        f"{CURRENCY}, expected profit proxy {arm.margin:,.2f} {CURRENCY}, "
        f"{arm.changes} price changes, {arm.below_floor_hours} listing-hours "
        f"priced below the floor\n"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--seed", type=int, default=23, help="costs' draw (23)")
    parser.add_argument(
        "--headroom",
        type=float,
        default=pricing.WIN_HEADROOM_PERCENT,
        help="'win' prices this %% under Amazon's expected featured price "
        "(default: core.pricing's)",
    )
    parser.add_argument(
        "--listings", type=int, default=0, help="first N listings by SKU (all)"
    )
    args = parser.parse_args()
    HEADROOM[0] = args.headroom
    if args.days < 1:
        parser.error("--days must be at least 1")
    started = time.perf_counter()
    result = replay(args.days, args.seed, args.listings)
    wall = time.perf_counter() - started
    listings, auto, base = result["listings"], result["auto"], result["base"]
    violations, counts = result["violations"], result["counts"]
    out = sys.stdout.write
    fba = sum(lst.fba for lst in listings)
    out(
        f"Pricing benchmark: {len(listings)} listings ({fba} FBA), "
        f"{args.days} days = {result['hours']} hours, {auto.hours} listing-hours, "
        f"cost seed {args.seed}, wall time {wall:.1f} s\n"
    )
    calls = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
    out(
        f"  replay through the sandbox {result['replay_seconds']:.1f} s, "
        f"{auto.hours / result['replay_seconds']:.1f} listing-hours/s ({calls}); "
        f"baseline {result['baseline_seconds']:.1f} s, "
        f"{base.hours / max(result['baseline_seconds'], 1e-9):.0f} listing-hours/s\n"
    )
    out(
        f"  same market: the pure market functions give the sandbox's featured "
        f"offer on {result['agree']} of {result['checked']} listing-hours\n"
    )
    out(arm_line("automatic repricing", auto))
    out(arm_line("fixed price baseline", base))
    done = Counter()
    for (what, _featured), n in auto.after.items():
        done[what] += n
    out(
        "  automatic decisions by first reason, featured the next hour: "
        + ", ".join(
            f"{what} {n} ({auto.after[(what, True)] / n:.0%})"
            for what, n in done.most_common()
        )
        + "\n"
    )
    out(
        f"  applied prices held by a guardrail: floor {auto.limited['floor']}, "
        f"Amazon's limit {auto.limited['amazon_limit']}, daily cap "
        f"{auto.limited['daily_cap']} (none: {auto.limited[None]})\n"
    )
    given = sum(auto.predicted.values())
    right = auto.predicted[(True, True)] + auto.predicted[(False, False)]
    out(
        f"  pricing's own prediction (wins_featured) against the sandbox's next "
        f"reading: right {right / max(given, 1):.1%} of {given} listing-hours "
        f"(said yes, was not: {auto.predicted[(True, False)]}; said no, was: "
        f"{auto.predicted[(False, True)]})\n"
    )
    kinds = Counter(v[4] for v in violations)
    out(
        f"  guardrail violations: {len(violations)} in {auto.changes} applied "
        f"prices (below the floor {kinds['floor']}, above Amazon's limit "
        f"{kinds['limit']}, over the daily cap {kinds['cap']}, two changes "
        f"within an hour {kinds['interval']})\n"
    )
    for at, sku, before, price, _kind, text in violations[:20]:
        out(f"    {at:%Y-%m-%d %H:%M} {sku} {before:.2f} -> {price:.2f}: {text}\n")
    out(
        f"  {'listing':<8} {'channel':<7} {'start':>7} {'cost':>7} {'floor':>7} "
        f"{'changes':>7} {'final':>7} {'featured auto':>13} {'fixed':>6} "
        f"{'profit proxy auto':>17} {'fixed':>9}\n"
    )
    per_listing = result["hours"]
    for lst in listings:
        out(
            f"  {lst.sku:<8} {'FBA' if lst.fba else 'MFN':<7} "
            f"{lst.start_price:>7.2f} {lst.cost:>7.2f} {lst.floor:>7.2f} "
            f"{len(lst.changes):>7} {lst.price:>7.2f} "
            f"{auto.per_listing[lst.sku] / per_listing:>13.1%} "
            f"{base.per_listing[lst.sku] / per_listing:>6.1%} "
            f"{auto.per_listing_margin[lst.sku]:>17,.2f} "
            f"{base.per_listing_margin[lst.sku]:>9,.2f}\n"
        )
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
