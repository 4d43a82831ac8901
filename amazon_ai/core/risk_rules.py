"""Deterministic checks: points plus a plain sentence each.

Rules work from the very first order; where a check compares with the
seller's history and there is too little of it, it falls back to fixed
thresholds and says so. Sentences never quote names, addresses or amounts'
owners: they are stored beside the order in Odoo.
"""

import math

from .address_rules import POINTS, same_trade_area
from .risk_features import BUSINESS_ALLOWANCE, RUSH_LEVEL, address_crowd

MIN_HISTORY = 100  # orders before history quantiles are trusted
DEFAULT_MAX_VALUE_USD = 1500.0  # without history: what counts as a large order
DEFAULT_MAX_LINE_QTY = 20
DAY = 86400.0
# Rushed shipping on an unusually large order: the fixed rule's points, and
# the seller's habit that earns them all (one in twenty of its largest orders
# or fewer ship that fast) or none (one in two do: it says nothing).
RUSH_POINTS = 25
RUSH_RARE = 0.05
RUSH_EVEN = 0.5
# A destination far from the marketplace this seller never ships to: the
# seller's shipping settings do not cover it and reshipping fraud goes there.
FAR_COUNTRY_POINTS = 60


def _ratio(value, reference):
    return value / reference if reference else 0.0


def _allowance(facts):
    return BUSINESS_ALLOWANCE if facts.business else 1.0


def _past(facts, profile):
    """(largest line quantity, largest value) of this buyer's earlier orders."""
    return (
        profile.buyer_max.get(facts.buyer_key, (0, 0.0))
        if facts.buyer_key
        else (0, 0.0)
    )


def value_rules(facts, profile):
    found = []
    history = profile.priced >= MIN_HISTORY
    top = profile.reference(facts.business)["value"].get(0.99) if history else None
    value = facts.value_usd
    # A repeat buyer's own largest orders count as usual for them.
    limit = max(3 * (top or 0), 3 * _past(facts, profile)[1])
    if value is not None and history and top and value > limit:
        found.append(
            (
                "value_spike",
                40,
                "Order value is %.0f times the seller's usual largest orders."
                % _ratio(value, top),
            )
        )
    elif (
        value is not None
        and not history
        and value > max(DEFAULT_MAX_VALUE_USD * _allowance(facts), limit)
    ):
        found.append(
            (
                "value_spike",
                25,
                "Order value is unusually high (no sales history yet to compare).",
            )
        )
    for sku, _quantity, unit in facts.lines:
        usual = profile.sku_price.get(sku)
        if unit is not None and usual and unit > 4 * usual:
            found.append(
                (
                    "price_spike",
                    35,
                    "A unit price is %.0f times this product's usual price."
                    % _ratio(unit, usual),
                )
            )
            break
    return found


def quantity_rules(facts, profile):
    biggest = max([line[1] for line in facts.lines], default=0)
    own = 3 * _past(facts, profile)[0]
    top = profile.reference(facts.business)["line_qty"].get(0.99)
    if profile.orders >= MIN_HISTORY and top:
        if biggest > max(3 * top, top + 10, own):
            return [
                (
                    "quantity_spike",
                    40,
                    "Quantity of one item is %.0f times the seller's usual maximum."
                    % _ratio(biggest, top),
                )
            ]
        return []
    if biggest >= max(DEFAULT_MAX_LINE_QTY * _allowance(facts), own + 1):
        return [
            (
                "quantity_spike",
                25,
                "Unusually many units of one item (no sales history yet).",
            )
        ]
    return []


def route_rules(facts, profile):
    market, ship = facts.market_country, facts.ship_country
    if not market or not ship or market == ship:
        return []
    seen = profile.routes.get((market, ship), 0)
    if seen >= 10 and seen >= 0.05 * profile.markets.get(market, 0):
        return []  # this seller ships there routinely
    if same_trade_area(market, ship):
        return [
            (
                "country_mismatch",
                20,
                f"Ships to {ship}, outside the {market} marketplace's country.",
            )
        ]
    return [
        (
            "country_mismatch",
            FAR_COUNTRY_POINTS,
            f"Ships to {ship}, far from the {market} marketplace it was ordered on.",
        )
    ]


def crowd_rules(facts, index, window_days, crowd=None):
    orders, names = crowd or address_crowd(index, facts, window_days * DAY)
    if names >= 3 or (orders >= 3 and names >= 2):
        return [
            (
                "shared_address",
                40,
                "%d orders under %d different buyer names went to this address "
                "within %d days." % (orders, names, window_days),
            )
        ]
    if names == 2:
        return [
            (
                "shared_address",
                10,
                "Two different buyer names used this address within %d days."
                % window_days,
            )
        ]
    return []


def rush_points(share):
    """Points for rushed shipping on a large order when ``share`` of the
    seller's largest orders ship that fast: the log of how much rarer the
    choice is than even odds, scaled so that one in twenty (RUSH_RARE) or
    rarer earns the fixed rule's RUSH_POINTS and one in two earns none."""
    odds = math.log(RUSH_EVEN / share) / math.log(RUSH_EVEN / RUSH_RARE)
    return round(RUSH_POINTS * min(1.0, max(0.0, odds)))


def rush_rules(facts, profile):
    level = RUSH_LEVEL.get(facts.service_level, 0)
    if level == 0 or facts.value_usd is None:
        return []
    if profile.priced >= MIN_HISTORY:
        limit = profile.reference(facts.business)["value"].get(0.99)
        limit = limit or DEFAULT_MAX_VALUE_USD
    else:
        limit = DEFAULT_MAX_VALUE_USD / 3 * _allowance(facts)
    if facts.value_usd <= limit:
        return []
    speed = facts.service_level.replace("_", "-").lower()
    habit = profile.rush_habit(facts.business, level)
    if habit is None:  # too few large orders yet to know the seller's habit
        return [
            (
                "rushed_high_value",
                RUSH_POINTS,
                f"Rushed ({speed}) shipping on an order of unusually high value.",
            )
        ]
    share, shipped, orders = habit
    points = rush_points(share)
    if not points:  # the seller's large orders routinely ship this fast
        return []
    reason = (
        f"Rushed ({speed}) shipping on an order of unusually high value; "
        f"{shipped} of this seller's {orders} largest orders shipped this fast."
    )
    return [("rushed_high_value", points, reason)]


def first_buyer_rules(facts, profile):
    if profile.orders < MIN_HISTORY or not facts.buyer_key:
        return []
    if facts.buyer_key in profile.buyers:
        return []
    unusual = []
    usual = profile.reference(facts.business)
    if usual["units"].get(0.99) and facts.units > usual["units"][0.99]:
        unusual.append("more units than usual")
    if usual["lines"].get(0.99) and len(facts.lines) > usual["lines"][0.99]:
        unusual.append("more items than usual")
    if any(line[0] and line[0] not in profile.sku_qty for line in facts.lines):
        unusual.append("products never sold before")
    top = usual["value"].get(0.99)
    if facts.value_usd is not None and top and facts.value_usd > top:
        unusual.append("a higher value than usual")
    if not unusual:
        return []
    return [
        (
            "first_time_unusual_basket",
            15,
            "First order from this buyer, with an unusual basket (%s)."
            % ", ".join(unusual),
        )
    ]


def _strength(finding):
    return -finding[1]


def evaluate(facts, profile, index, window_days, crowd=None):
    """All findings for one order, strongest first; ``crowd``: its
    ``address_crowd`` when the caller has it already."""
    # Address findings were computed once, at extraction, from the raw
    # address; their points are today's (records keep those of their day).
    found = [
        (code, POINTS.get(code, points), reason)
        for code, points, reason in facts.address_findings
    ]
    found += route_rules(facts, profile)
    found += value_rules(facts, profile)
    found += quantity_rules(facts, profile)
    found += crowd_rules(facts, index, window_days, crowd)
    found += rush_rules(facts, profile)
    found += first_buyer_rules(facts, profile)
    if len(found) > 1:
        found.sort(key=_strength)
    return found
