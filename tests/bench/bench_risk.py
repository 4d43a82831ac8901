"""Order risk on the sandbox's labelled orders: ROC-AUC, precision at 2%, speed.

Honest split: orders are sorted by creation time; the older 60% are the
seller's history (``fit``), the newer 40% are scored as they arrive. Each
order is rendered as getOrder returns it right after payment authorization
(BUYER, RECIPIENT, FULFILLMENT), the moment a seller would review it; orders
never authorized stay pending, without street or prices. Labels come from the
generator's truth and are only used to measure.

    python3 tests/bench/bench_risk.py [--seeds 1 2 3] [--orders 5000]
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import conftest  # noqa: F401  (registers the bare addon packages)
from sklearn.metrics import roc_auc_score

from amazon_ai.core.risk import OrderRiskModel
from tests.sandbox.dataset import generate
from tests.sandbox.orders_view import render

INCLUDED = ("BUYER", "RECIPIENT", "FULFILLMENT")
SELLER = "SANDBOX-SELLER"


def api_orders(seed, count):
    """(API order, label) pairs, oldest first, as a seller would sync them."""
    pairs = []
    for order in generate(seed=seed, orders=count)["orders"]:
        authorized = [e for e in order["events"] if e["status"] == "UNSHIPPED"]
        moment = (authorized or order["events"])[-1]["time"]
        pairs.append((render(order, moment, INCLUDED), 1 if order["anomaly"] else 0))
    return pairs


def precision_at(labels, scores, share):
    top = max(1, round(len(scores) * share))
    ranked = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:top]
    return sum(labels[i] for i in ranked) / top


def run(seed, count, history_share):
    pairs = api_orders(seed, count)
    cut = int(len(pairs) * history_share)
    history = [order for order, _ in pairs[:cut]]
    new = [order for order, _ in pairs[cut:]]
    labels = [label for _, label in pairs[cut:]]
    model = OrderRiskModel(seller_id=SELLER, seed=seed)
    started = time.perf_counter()
    model.fit(history)
    fit_seconds = time.perf_counter() - started
    results = model.score(new)
    scores = [r.score for r in results]
    rules_only = OrderRiskModel(seller_id=SELLER, seed=seed).score(new)
    many = (new * (10000 // len(new) + 1))[:10000]
    started = time.perf_counter()
    model.score(many)
    speed = time.perf_counter() - started
    return {
        "seed": seed,
        "history": len(history),
        "scored": len(new),
        "positives": sum(labels),
        "auc": roc_auc_score(labels, scores),
        "p_at_2": precision_at(labels, scores, 0.02),
        "auc_rules_only": roc_auc_score(labels, [r.score for r in rules_only]),
        "fit_s": fit_seconds,
        "score_10k_s": speed,
        "per_s": 10000 / speed,
        "high": sum(r.level == "high" for r in results),
        "medium": sum(r.level == "medium" for r in results),
    }


def growth(seed, count, history_share, sizes=(0, 50, 200, 1000, 3000)):
    """ROC-AUC on the same newer orders as the history given to fit grows."""
    pairs = api_orders(seed, count)
    cut = int(len(pairs) * history_share)
    new = [order for order, _ in pairs[cut:]]
    labels = [label for _, label in pairs[cut:]]
    figures = []
    for size in sizes:
        model = OrderRiskModel(seller_id=SELLER, seed=seed)
        if size:
            model.fit([order for order, _ in pairs[max(0, cut - size) : cut]])
        auc = roc_auc_score(labels, [r.score for r in model.score(new)])
        figures.append(f"{size}: {auc:.3f}")
    print(f"seed {seed}, ROC-AUC by history size: " + ", ".join(figures))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--history-share", type=float, default=0.6)
    args = parser.parse_args()
    print(
        "seed history scored pos  ROC-AUC  P@2%  AUC(rules only)  fit s  "
        "10k score s  orders/s  high medium"
    )
    rows = []
    for seed in args.seeds:
        row = run(seed, args.orders, args.history_share)
        rows.append(row)
        print(
            "{seed:>4} {history:>7} {scored:>6} {positives:>4}  {auc:7.3f} "
            "{p_at_2:5.2f}  {auc_rules_only:15.3f}  {fit_s:5.2f}  {score_10k_s:11.2f}"
            "  {per_s:8.0f} {high:>4} {medium:>6}".format(**row)
        )
    growth(args.seeds[0], args.orders, args.history_share)
    mean = {k: sum(r[k] for r in rows) / len(rows) for k in ("auc", "p_at_2")}
    worst = max(r["score_10k_s"] for r in rows)
    print(
        "mean ROC-AUC %.3f (target >= 0.90), mean P@2%% %.2f (target >= 0.6), "
        "slowest 10k scoring %.2f s (target < 2 s)"
        % (mean["auc"], mean["p_at_2"], worst)
    )


if __name__ == "__main__":
    main()
