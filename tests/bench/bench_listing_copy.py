"""Benchmark the local listing copy generator (issue 21, item 3).

Usage: python3 tests/bench/bench_listing_copy.py [--products 1000] [--rounds 3]

The demo catalogue (the sandbox dataset's twelve products, as setup/demo.py
creates them: name and 0.5 kg; the seller's other listings of the product
type being the other products' titles), repeated to ``--products``
products, each copy told apart by a number and a variant attribute so no
two inputs are the same. In the same run, times:

- baseline: the rule engine's check alone (``check_listing`` without the
  image) on the texts the generator proposed, i.e. the least any checked
  generator must spend;
- generation: ``listing_copy.propose`` (TF-IDF keywords, templates, the
  engine's check and repair).

Prints proposals per second, checks per second and the ratio. Best of
``--rounds`` each.
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
import conftest  # noqa: F401  (registers the bare addon packages)

from amazon_ai.core import listing_copy as lc
from amazon_ai.core import listing_rules as lr
from tests.sandbox.dataset import Generator

COLOURS = ["Blue", "Black", "Red", "Green", "Grey", "White"]


def catalogue(count):
    products = Generator(1, 0, "2026-11-01T00:00:00Z").products()
    titles = [p["title"] for p in products]
    out = []
    for index in range(count):
        product = products[index % len(products)]
        others = [{"title": t} for t in titles if t != product["title"]]
        out.append(
            {
                "name": f"{product['title']} No. {index + 1}",
                "attributes": {
                    "Weight": "0.5 kg",
                    "Color": COLOURS[index % len(COLOURS)],
                },
                "listings": others,
            }
        )
    return out


def best(rounds, work):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    products = catalogue(args.products)

    generation, proposals = best(args.rounds, lambda: [lc.propose(p) for p in products])

    def check_all():
        errors = 0
        for product, proposal in zip(products, proposals, strict=True):
            found = lr.check_listing(
                proposal, product=lc.facts(product), check_image=False
            )
            errors += sum(f.severity == lr.ERROR for f in found)
        return errors

    baseline, errors = best(args.rounds, check_all)
    n = len(products)
    bullets = sum(len(p["bullets"]) for p in proposals) / n
    with_terms = sum(bool(p["search_terms"]) for p in proposals)
    print(f"products: {n} (demo catalogue repeated), best of {args.rounds}")
    print(f"baseline, rule engine check alone: {n / baseline:10.1f} checks/s")
    print(f"generation (propose):              {n / generation:10.1f} proposals/s")
    print(f"generation / baseline time:        {generation / baseline:10.1f} x")
    print(f"errors in the proposals:           {errors:10d}")
    print(f"bullets per proposal:              {bullets:10.2f}")
    print(f"proposals with search terms:       {with_terms:10d}")


if __name__ == "__main__":
    main()
