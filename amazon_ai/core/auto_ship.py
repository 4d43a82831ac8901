"""Automated shipment: whether a delivery's recommended label may be bought
without a person, and why (or why not).

Pure Python (never imports odoo). The recommendation is the dict of
``stock.picking._amazon_recommendation()`` (keys ``kind``, ``carrier_id``,
``service_id``, ``cost``, ``currency``, ``promise_met``, ``confidence``, ...).
A decision carries a reason code and its values, never buyer data; the Odoo
layer words it for the delivery's chatter.
"""

from dataclasses import dataclass, field

# Why a label was, or was not, bought automatically.
OFF = "off"  # automated shipment is off for the account
NO_RECOMMENDATION = "no_recommendation"
NOT_A_LABEL = "not_a_label"  # the recommended path is not our own parcel
ON_HOLD = "on_hold"  # the order is on risk hold
PROMISE_MISSED = "promise_missed"  # the recommended service is too late
LOW_CONFIDENCE = "low_confidence"
NO_COST = "no_cost"  # no cost to compare with the cap
OVER_CAP = "over_cap"
CURRENCY = "currency"  # the cost is in another currency than the cap
BUY = "buy"


@dataclass(frozen=True)
class Decision:
    buy: bool
    reason: str
    values: dict = field(default_factory=dict)


def decide_label(
    recommendation,
    *,
    enabled,
    on_hold,
    min_confidence,
    max_cost,
    cap_currency,
    label_kinds,
):
    """Buy the recommended label only when automation is on, the order is
    not on risk hold, the recommendation is a label of ours (``kind`` in
    ``label_kinds``) that meets the promise, its confidence reaches
    ``min_confidence`` and its cost, in ``cap_currency``, is at most
    ``max_cost``. The first reason that stops it is the one given."""
    if not enabled:
        return Decision(False, OFF)
    if on_hold:
        return Decision(False, ON_HOLD)
    if not recommendation:
        return Decision(False, NO_RECOMMENDATION)
    kind = recommendation.get("kind")
    if kind not in label_kinds:
        return Decision(False, NOT_A_LABEL, {"kind": kind})
    if not recommendation.get("promise_met"):
        return Decision(False, PROMISE_MISSED)
    confidence = recommendation.get("confidence")
    if confidence is None or confidence < min_confidence:
        return Decision(
            False,
            LOW_CONFIDENCE,
            {"confidence": confidence, "threshold": min_confidence},
        )
    cost = recommendation.get("cost")
    if cost is None:
        return Decision(False, NO_COST)
    currency = recommendation.get("currency")
    if currency != cap_currency:
        return Decision(False, CURRENCY, {"currency": currency, "cap": cap_currency})
    values = {"cost": cost, "cap": max_cost, "currency": currency}
    if not max_cost or cost > max_cost:
        return Decision(False, OVER_CAP, values)
    return Decision(True, BUY, {**values, "confidence": confidence})
