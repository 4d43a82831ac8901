"""Benchmark PTDValidator against plain jsonschema on Amazon's PRODUCT schema (issue 7).

Usage: python3 tests/bench/bench_ptd.py [--listings 2000] [--rounds 3]

Generates ``--listings`` deterministic listings (about one in eight invalid),
validates them with PTDValidator and, in the same run, with a plain
Draft201909Validator that ignores Amazon's keywords (the baseline), and prints
listings per second for both and their ratio. Best of ``--rounds`` each.
Targets: at least 200 listings/s and at least 70% of the plain rate.
"""

import argparse
import json
import random
import sys
import time
from pathlib import Path

from jsonschema import Draft201909Validator

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
import conftest  # noqa: F401  (registers the bare addon packages)

from amazon_connector.core import ptd
from tests.sandbox.reference import base_dir

PRODUCT = base_dir() / "ptd/PRODUCT.json"
M = "ATVPDKIKX0DER"
WORDS = [
    "bottle",
    "steel",
    "flask",
    "blue",
    "café",
    "crème",
    "thermo",
    "outdoor",
    "sport",
    "Übergröße",
    "保温",
]
MIN_RATE = 200
MIN_RATIO = 0.70


def text(value, lang="en_US"):
    return [{"value": value, "language_tag": lang, "marketplace_id": M}]


def per_marketplace(value):
    return [{"value": value, "marketplace_id": M}]


def listing(rng, i):
    """A plausible listing; MFN or FBA, with varied text and optional attributes."""
    words = rng.sample(WORDS, 5)
    data = {
        "item_name": text(f"Acme {' '.join(words)} {i}"),
        "brand": text(rng.choice(["Acme", "Globex", "Initech"])),
        "externally_assigned_product_identifier": [
            {"type": "ean", "value": f"{4006381000000 + i}", "marketplace_id": M}
        ],
        "item_type_keyword": per_marketplace("water-bottles"),
        "bullet_point": [
            text(f"{rng.choice(WORDS)} feature {n}")[0]
            for n in range(rng.randint(1, 5))
        ],
        "product_description": text(" ".join(rng.choices(WORDS, k=60))),
        "color": text(rng.choice(["Blue", "Rot", "Vert"])),
        "country_of_origin": per_marketplace(rng.choice(["DE", "CN", "US", "FR"])),
        "supplier_declared_dg_hz_regulation": per_marketplace("not_applicable"),
        "condition_type": per_marketplace("new_new"),
        "purchasable_offer": [
            {
                "currency": "USD",
                "marketplace_id": M,
                "our_price": [
                    {"schedule": [{"value_with_tax": round(rng.uniform(5, 90), 2)}]}
                ],
            }
        ],
        "generic_keyword": text(" ".join(rng.choices(WORDS, k=8))),
    }
    if rng.random() < 0.7:
        data["fulfillment_availability"] = [
            {"fulfillment_channel_code": "DEFAULT", "quantity": rng.randint(0, 99)}
        ]
        data["merchant_shipping_group"] = per_marketplace("legacy-template-id")
    else:
        data["fulfillment_availability"] = [{"fulfillment_channel_code": "AMAZON_NA"}]
        data["batteries_required"] = per_marketplace(False)
        dims = {
            d: {"value": rng.randint(5, 40), "unit": "centimeters"}
            for d in ("length", "width", "height")
        }
        data["item_package_dimensions"] = [{**dims, "marketplace_id": M}]
        data["item_package_weight"] = [
            {"value": rng.uniform(0.1, 3), "unit": "kilograms", "marketplace_id": M}
        ]
    return data


def break_listing(rng, data):
    """Introduce one typical seller mistake."""
    mistake = rng.randrange(5)
    if mistake == 0:
        del data["brand"]
    elif mistake == 1:
        data["country_of_origin"] = per_marketplace("XX")
    elif mistake == 2:
        data["item_name"] += text("Duplicate title")
    elif mistake == 3:
        data["generic_keyword"] = text("é" * 200)
    else:
        data.pop("merchant_shipping_group", None)
        data.pop("item_package_weight", None)
    return data


def generate(count, seed=7):
    """Listings and, for each, whether it was deliberately broken."""
    rng = random.Random(seed)
    out, broken = [], []
    for i in range(count):
        data = listing(rng, i)
        broken.append(rng.random() < 0.125)
        out.append(break_listing(rng, data) if broken[-1] else data)
    return out, broken


def best_rate(run, listings, rounds):
    best = float("inf")
    result = None
    for _ in range(rounds):
        start = time.perf_counter()
        result = run(listings)
        best = min(best, time.perf_counter() - start)
    return len(listings) / best, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not PRODUCT.exists():
        sys.exit(f"Amazon reference schema absent: {PRODUCT}")
    schema = json.loads(PRODUCT.read_text(encoding="utf-8"))
    listings, broken = generate(args.listings)

    start = time.perf_counter()
    validator = ptd.PTDValidator(schema)
    compile_s = time.perf_counter() - start
    registry = ptd._registry(schema, None)
    plain = Draft201909Validator(schema, registry=registry)
    lean = Draft201909Validator(ptd._lean(schema), registry=registry)

    def run_ptd(items):
        return [validator.validate(item) for item in items]

    def run_plain(items):
        return [list(plain.iter_errors(item)) for item in items]

    def run_lean(items):
        return [list(lean.iter_errors(item)) for item in items]

    for run in (run_ptd, run_plain, run_lean):  # warm referencing's caches
        run(listings[:50])
    ptd_rate, ptd_results = best_rate(run_ptd, listings, args.rounds)
    plain_rate, plain_results = best_rate(run_plain, listings, args.rounds)
    lean_rate, _ = best_rate(run_lean, listings, args.rounds)
    ratio = ptd_rate / plain_rate
    invalid = sum(1 for issues in ptd_results if issues)
    agree = [bool(issues) for issues in ptd_results] == broken
    plain_invalid = sum(1 for errors in plain_results if errors)
    print(f"listings: {len(listings)}  compile: {compile_s * 1000:.0f} ms")
    print(
        f"invalid: generated {sum(broken)}, PTDValidator {invalid}, plain jsonschema "
        f"{plain_invalid} (blind to byte lengths and selector duplicates)"
    )
    print(f"PTDValidator:                 {ptd_rate:8.0f} listings/s")
    print(f"plain jsonschema (baseline):  {plain_rate:8.0f} listings/s")
    print(f"plain jsonschema, lean schema:{lean_rate:8.0f} listings/s (for reference)")
    print(
        "PTDValidator flags exactly the broken listings: " + ("yes" if agree else "NO")
    )
    ok = ptd_rate >= MIN_RATE and ratio >= MIN_RATIO and agree
    print(
        f"ratio: {ratio:.0%} (targets >= {MIN_RATE}/s and >= {MIN_RATIO:.0%}): "
        + ("OK" if ok else "MISSED")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
