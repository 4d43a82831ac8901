"""Evaluate the listing rule engine on a hand-labelled set (issue 21).

Usage: python3 tests/bench/bench_listing_rules_eval.py [--data FILE] [--rounds 5]
                                                       [--errors-only] [--quiet]

The set, ``tests/bench/data/listing_texts.jsonl``, holds listing texts
written by hand from Amazon's published rules (title guidelines, the
product detail page rules, the search-terms help, prohibited product claims,
the FTC's Made in USA rule and Green Guides) and real-world style, without
reading the engine's pattern lists: one JSON object a line with ``title``,
``bullets``, ``description``, ``search_terms``, ``brand``, ``product`` (the
product's own attributes, for the consistency and origin rules), ``expected``
(the rule ids the text breaks, or ``"clean"``) and a ``note``. About half
break a rule; the clean half includes legitimate copy that looks close to a
violation (brands with special characters, "BPA-free", "Made in USA" with a
US origin, quantities that match after conversion).

For each rule group (title; bullets and description; search terms; claims;
consistency) and overall it prints precision and recall, counting one
finding per (listing, rule id): a true positive when the rule id is in the
listing's expected set, a false positive when it is not, a false negative for
an expected rule id no finding has. Then every miss (false negatives and
false positives, with the offending text). ``--errors-only`` counts error
findings only (warnings are advice).

Throughput: ``check_listing`` (no image) over the whole set, best of
``--rounds``, beside a baseline in the same run: one precompiled regular
expression of promotional words searched in the same text fields, the cost
floor of looking at the texts at all.
"""

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
import conftest  # noqa: F401  (registers the bare addon packages)

from amazon_ai.core import listing_rules

DATA = Path(__file__).resolve().parent / "data" / "listing_texts.jsonl"
GROUPS = {
    "title": "title",
    "copy": "bullets/description",
    "bullets": "bullets/description",
    "description": "bullets/description",
    "search": "search terms",
    "claim": "claims",
    "consistency": "consistency",
    "image": "image",
}
ORDER = ["title", "bullets/description", "search terms", "claims", "consistency"]
BASELINE = re.compile(
    r"best seller|free shipping|sale|guarantee|refund|\$\d|www\.|@|fda",
    re.IGNORECASE,
)


def group_of(rule):
    return GROUPS.get(rule.split(".", 1)[0], "other")


def load(path):
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            expected = row["expected"]
            row["expected_set"] = set() if expected == "clean" else set(expected)
            if not isinstance(row["expected_set"], set) or (
                expected != "clean" and not expected
            ):
                raise ValueError(f"line {number}: expected must be rule ids or clean")
            rows.append(row)
    return rows


def listing_of(row):
    return {
        "title": row.get("title", ""),
        "bullets": row.get("bullets", []),
        "description": row.get("description", ""),
        "search_terms": row.get("search_terms", ""),
        "brand": row.get("brand", ""),
        "main_image": None,
        "product_type": "PRODUCT",
    }


def check(row):
    return listing_rules.check_listing(
        listing_of(row), product=row.get("product") or None, check_image=False
    )


def evaluate(rows, errors_only=False):
    """Counts per group and the misses."""
    counts = {g: {"tp": 0, "fp": 0, "fn": 0} for g in ORDER}
    counts["other"] = {"tp": 0, "fp": 0, "fn": 0}
    misses = []
    flagged_clean = caught = 0
    for row in rows:
        findings = [
            f
            for f in check(row)
            if not errors_only or f.severity == listing_rules.ERROR
        ]
        found = {f.rule for f in findings}
        expected = row["expected_set"]
        if not expected and found:
            flagged_clean += 1
        if expected and found & expected:
            caught += 1
        for rule in found | expected:
            group = group_of(rule)
            bucket = counts.setdefault(group, {"tp": 0, "fp": 0, "fn": 0})
            if rule in found and rule in expected:
                bucket["tp"] += 1
            elif rule in found:
                bucket["fp"] += 1
                texts = sorted({f.text for f in findings if f.rule == rule})
                misses.append(("FP", row["id"], rule, "; ".join(texts)[:90]))
            else:
                bucket["fn"] += 1
                misses.append(("FN", row["id"], rule, row.get("note", "")[:90]))
    return counts, misses, flagged_clean, caught


def ratio(a, b):
    return a / b if b else float("nan")


def print_report(rows, counts, misses, flagged_clean, caught, quiet):
    violating = sum(1 for r in rows if r["expected_set"])
    clean = len(rows) - violating
    print(f"Labelled set: {len(rows)} listings, {violating} violating, {clean} clean")
    print(f"{'group':<22}{'TP':>5}{'FP':>5}{'FN':>5}{'precision':>11}{'recall':>8}")
    total = {"tp": 0, "fp": 0, "fn": 0}
    for group in [*ORDER, "other"]:
        c = counts.get(group)
        if not c or not any(c.values()):
            continue
        for key in total:
            total[key] += c[key]
        print(
            f"{group:<22}{c['tp']:>5}{c['fp']:>5}{c['fn']:>5}"
            f"{ratio(c['tp'], c['tp'] + c['fp']):>11.2f}"
            f"{ratio(c['tp'], c['tp'] + c['fn']):>8.2f}"
        )
    print(
        f"{'overall':<22}{total['tp']:>5}{total['fp']:>5}{total['fn']:>5}"
        f"{ratio(total['tp'], total['tp'] + total['fp']):>11.2f}"
        f"{ratio(total['tp'], total['tp'] + total['fn']):>8.2f}"
    )
    print(
        f"Per listing: {caught}/{violating} violating listings get at least one "
        f"expected rule; {flagged_clean}/{clean} clean listings get a finding."
    )
    if quiet:
        return
    print(f"\nMisses ({len(misses)}): FN = expected rule not found, FP = not expected")
    for kind, row_id, rule, text in sorted(misses, key=lambda m: (m[2], m[1])):
        print(f"  {kind} {row_id} {rule:<34} {text}")


def best_of(rounds, function):
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def throughput(rows, rounds):
    def engine():
        for row in rows:
            check(row)

    def baseline():
        for row in rows:
            for text in (
                row.get("title", ""),
                *row.get("bullets", []),
                row.get("description", ""),
                row.get("search_terms", ""),
            ):
                BASELINE.search(text)

    engine_s, baseline_s = best_of(rounds, engine), best_of(rounds, baseline)
    n = len(rows)
    print(
        f"\nThroughput (best of {rounds}, {n} listings, no image): engine "
        f"{n / engine_s:,.0f} listings/s ({engine_s * 1000 / n:.3f} ms each); "
        f"baseline one-regex scan {n / baseline_s:,.0f} listings/s; "
        f"engine costs {engine_s / baseline_s:.0f}x the baseline."
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--errors-only", action="store_true")
    parser.add_argument("--quiet", action="store_true", help="no list of misses")
    args = parser.parse_args(argv)
    rows = load(args.data)
    counts, misses, flagged_clean, caught = evaluate(rows, args.errors_only)
    print_report(rows, counts, misses, flagged_clean, caught, args.quiet)
    throughput(rows, args.rounds)


if __name__ == "__main__":
    main()
