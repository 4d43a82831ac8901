"""Benchmark the listing rule engine (issue 21, item 1).

Usage: python3 tests/bench/bench_listing_rules.py [--listings 10000] [--rounds 3]
                                                  [--images 50]

Generates ``--listings`` deterministic listings (title, five bullets, a
description, search terms, a product with material, colour, size, a
capacity and a pack count; about one in four carries a violation) and, in
the same run, times:

- baseline: the title checks only (``listing_text_rules.check_title``);
- text: ``check_listing`` without the image (title, bullets, description,
  search terms, claims, consistency);
- image: the main image checks on ``--images`` 1,600 x 1,600 PNG shots
  (decoding included), reported apart because they dominate when present.

Prints checks per second for each and the ratio text/baseline. Best of
``--rounds`` each.
"""

import argparse
import io
import random
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
import conftest  # noqa: F401  (registers the bare addon packages)

from amazon_ai.core import listing_rules as lr
from amazon_ai.core import listing_text_rules as text_rules
from amazon_ai.core.listing_image import check_main_image

SEARCH_WORDS = ["flask", "canteen", "gym", "hiking", "travel", "thermos", "insulated"]
NOUNS = ["Water Bottle", "Tote Bag", "Polo Shirt", "Desk Lamp", "Cutting Board"]
MATERIALS = ["stainless steel", "cotton", "polyester", "bamboo", "glass"]
COLORS = ["Blue", "Black", "Red", "Navy", "Green"]
SIZES = ["S", "M", "L", "XL"]
FEATURES = [
    "Keeps drinks cold for 24 hours and hot for 12 hours",
    "Leak-proof lid with a carry loop; fits most cup holders",
    "Dishwasher safe lid; hand wash the body",
    "Soft brushed finish that does not slip in wet hands",
    "Ships with a spare seal and a cleaning brush",
    "Café-style crème colour option; Übergröße available",
]
VIOLATIONS = [
    ("title", " Best Seller!"),
    ("bullet", "Kills 99.9% of germs on contact"),
    ("bullet", "Call +1 206 555 0100 for a full refund"),
    ("bullet", "Made in the USA, eco-friendly ★"),
    ("bullet", "Holds 32 oz of water, size XXL"),
    ("search", " best new acme B07XJ8C8F5"),
]


def make_listing(rng):
    material, color = rng.choice(MATERIALS), rng.choice(COLORS)
    size, volume, count = rng.choice(SIZES), rng.choice([500, 750, 1000]), 2
    title = (
        f"Acme {material.title()} {rng.choice(NOUNS)}, {volume} ml, "
        f"{color}, Size {size}, Pack of {count}"
    )
    bullets = rng.sample(FEATURES, 5)
    bullets[0] = f"Made of {material}; {volume} ml capacity in {color.lower()}"
    listing = {
        "title": title,
        "brand": "Acme",
        "bullets": bullets,
        "description": " ".join(rng.sample(FEATURES, 4)),
        "search_terms": " ".join(rng.sample(SEARCH_WORDS, 6)),
        "main_image": None,
    }
    listing["_violating"] = rng.random() < 0.25
    if listing["_violating"]:
        where, text = rng.choice(VIOLATIONS)
        if where == "title":
            listing["title"] += text
        elif where == "bullet":
            listing["bullets"][rng.randrange(5)] = text
        else:
            listing["search_terms"] += text
    product = {
        "material": material,
        "color": color,
        "size": size,
        "measures": [f"{volume} ml"],
        "unit_count": count,
        "country_of_origin": "CN",
    }
    return listing, product


def make_image(rng):
    image = Image.new("RGB", (1600, 1600), "white")
    draw = ImageDraw.Draw(image)
    margin = rng.randrange(40, 200)
    draw.rounded_rectangle(
        (margin, margin, 1600 - margin, 1600 - margin),
        radius=60,
        fill=(rng.randrange(200), rng.randrange(200), rng.randrange(200)),
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def best_rate(function, items, rounds):
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for item in items:
            function(item)
        elapsed = time.perf_counter() - start
        best = max(best, len(items) / elapsed)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--images", type=int, default=50)
    args = parser.parse_args(argv)
    rng = random.Random(21)
    pairs = [make_listing(rng) for _ in range(args.listings)]
    images = [make_image(rng) for _ in range(args.images)]

    results = [
        (lst.pop("_violating"), lr.check_listing(lst, prod)) for lst, prod in pairs
    ]
    findings = sum(len(found) for _, found in results)
    flagged = sum(1 for _, found in results if found)
    injected = sum(1 for violating, _ in results if violating)
    false_alarms = sum(1 for violating, found in results if found and not violating)
    missed = sum(1 for violating, found in results if violating and not found)
    baseline = best_rate(
        lambda pair: text_rules.check_title(pair[0]["title"], brand="Acme"),
        pairs,
        args.rounds,
    )
    full = best_rate(lambda pair: lr.check_listing(*pair), pairs, args.rounds)
    image_rate = best_rate(check_main_image, images, args.rounds) if images else 0

    print(
        f"listings: {len(pairs)}  with a violation: {injected}  flagged: {flagged}"
        f"  findings: {findings}  clean but flagged: {false_alarms}  missed: {missed}"
    )
    print(f"title checks only (baseline): {baseline:9.0f} listings/s")
    print(f"all text rules + consistency: {full:9.0f} listings/s")
    print(f"  ratio to baseline:          {full / baseline:9.2f}")
    print(f"main image (1600 px PNG):     {image_rate:9.1f} images/s")
    print(f"10,000 listings, text rules:  {10000 / full:9.2f} s")


if __name__ == "__main__":
    main()
