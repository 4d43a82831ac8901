"""When a recommended label is bought without a person, and why not."""

import pytest

from amazon_ai.core import auto_ship

SETTINGS = {
    "enabled": True,
    "on_hold": False,
    "min_confidence": 0.8,
    "max_cost": 12.0,
    "cap_currency": "USD",
    "label_kinds": ("ship",),
}


def rec(**changes):
    base = {
        "kind": "ship",
        "carrier_id": "UPS",
        "service_id": "UPS_GROUND",
        "cost": 9.5,
        "currency": "USD",
        "promise_met": True,
        "confidence": 0.9,
    }
    return {**base, **changes}


def decide(recommendation, **changes):
    return auto_ship.decide_label(recommendation, **{**SETTINGS, **changes})


def test_confident_recommendation_under_the_cap_is_bought():
    decision = decide(rec())
    assert decision.buy
    assert decision.values == {
        "cost": 9.5,
        "cap": 12.0,
        "currency": "USD",
        "confidence": 0.9,
    }
    # At the threshold and at the cap exactly: still bought.
    assert decide(rec(confidence=0.8, cost=12.0)).buy


@pytest.mark.parametrize(
    "recommendation, changes, reason",
    [
        (rec(), {"enabled": False}, auto_ship.OFF),
        (rec(), {"on_hold": True}, auto_ship.ON_HOLD),
        (None, {}, auto_ship.NO_RECOMMENDATION),
        (rec(kind="mcf"), {}, auto_ship.NOT_A_LABEL),
        (rec(promise_met=False), {}, auto_ship.PROMISE_MISSED),
        (rec(confidence=0.79), {}, auto_ship.LOW_CONFIDENCE),
        (rec(confidence=None), {}, auto_ship.LOW_CONFIDENCE),
        (rec(cost=None), {}, auto_ship.NO_COST),
        (rec(currency="EUR"), {}, auto_ship.CURRENCY),
        (rec(cost=12.01), {}, auto_ship.OVER_CAP),
        # No cap set: nothing is cheap enough (a missing cap never means "any").
        (rec(), {"max_cost": 0}, auto_ship.OVER_CAP),
    ],
)
def test_what_stops_an_automatic_purchase(recommendation, changes, reason):
    decision = decide(recommendation, **changes)
    assert not decision.buy
    assert decision.reason == reason


def test_the_first_reason_is_given_and_a_hold_outranks_everything():
    held = decide(rec(confidence=0.1, cost=99), on_hold=True)
    assert held.reason == auto_ship.ON_HOLD
    low = decide(rec(confidence=0.1, cost=99))
    assert low.reason == auto_ship.LOW_CONFIDENCE
    assert low.values == {"confidence": 0.1, "threshold": 0.8}
