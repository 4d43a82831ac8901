"""Deterministic checks: points plus a plain sentence each.

Rules work from the very first order; where a check compares with the
seller's history and there is too little of it, it falls back to fixed
thresholds and says so. Sentences never quote names, addresses or amounts'
owners: they are stored beside the order in Odoo.
"""

from .address_rules import same_trade_area
from .risk_features import RUSH_LEVEL, address_crowd

MIN_HISTORY = 100  # orders before history quantiles are trusted
DEFAULT_MAX_VALUE_USD = 1500.0  # without history: what counts as a large order
DEFAULT_MAX_LINE_QTY = 20
DAY = 86400.0


def _ratio(value, reference):
    return value / reference if reference else 0.0


def value_rules(facts, profile):
    found = []
    history = profile.priced >= MIN_HISTORY
    top = profile.value.get(0.99) if history else None
    value = facts.value_usd
    if value is not None and history and top and value > 3 * top:
        found.append(
            (
                "value_spike",
                40,
                "Order value is %.0f times the seller's usual largest orders."
                % _ratio(value, top),
            )
        )
    elif value is not None and not history and value > DEFAULT_MAX_VALUE_USD:
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
    biggest = max((line[1] for line in facts.lines), default=0)
    if profile.orders >= MIN_HISTORY and profile.line_qty.get(0.99):
        top = profile.line_qty[0.99]
        if biggest > max(3 * top, top + 10):
            return [
                (
                    "quantity_spike",
                    40,
                    "Quantity of one item is %.0f times the seller's usual maximum."
                    % _ratio(biggest, top),
                )
            ]
        return []
    if biggest >= DEFAULT_MAX_LINE_QTY:
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
            45,
            f"Ships to {ship}, far from the {market} marketplace it was ordered on.",
        )
    ]


def crowd_rules(facts, index, window_days):
    orders, names = address_crowd(index, facts, window_days * DAY)
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


def rush_rules(facts, profile):
    if RUSH_LEVEL.get(facts.service_level, 0) == 0 or facts.value_usd is None:
        return []
    if profile.priced >= MIN_HISTORY:
        limit = profile.value.get(0.99) or DEFAULT_MAX_VALUE_USD
    else:
        limit = DEFAULT_MAX_VALUE_USD / 3
    if facts.value_usd <= limit:
        return []
    speed = facts.service_level.replace("_", "-").lower()
    return [
        (
            "rushed_high_value",
            25,
            f"Rushed ({speed}) shipping on an order of unusually high value.",
        )
    ]


def first_buyer_rules(facts, profile):
    if profile.orders < MIN_HISTORY or not facts.buyer_key:
        return []
    if facts.buyer_key in profile.buyers:
        return []
    unusual = []
    if profile.units.get(0.99) and facts.units > profile.units[0.99]:
        unusual.append("more units than usual")
    if profile.lines.get(0.99) and len(facts.lines) > profile.lines[0.99]:
        unusual.append("more items than usual")
    if any(line[0] and line[0] not in profile.sku_qty for line in facts.lines):
        unusual.append("products never sold before")
    top = profile.value.get(0.99)
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


def evaluate(facts, profile, index, window_days):
    """All findings for one order, strongest first."""
    # Address findings were computed once, at extraction, from the raw address.
    found = [tuple(item) for item in facts.address_findings]
    found += route_rules(facts, profile)
    found += value_rules(facts, profile)
    found += quantity_rules(facts, profile)
    found += crowd_rules(facts, index, window_days)
    found += rush_rules(facts, profile)
    found += first_buyer_rules(facts, profile)
    return sorted(found, key=lambda item: -item[1])
