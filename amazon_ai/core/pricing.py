"""Pricing suggestions for one Amazon listing, inside guardrails.

Amazon punishes careless automation: the Fair Pricing Policy, and "Automate
Pricing" refuses a maximum price above 6 x the recent sales price or a fixed
minimum ($200 on amazon.com), whichever is higher. A suggestion therefore
starts from what the seller's strategy wants and is then held inside
guardrails that always win:

- the floor: the lowest price that covers cost + fees (at that price) + the
  minimum margin, rounded UP to the currency's step;
- the ceiling: the seller's own maximum, never above Amazon's limit,
  rounded DOWN to the step;
- floor above ceiling: no price at all (the reason names both figures);
- a dead band: a change smaller than ``dead_band_percent`` of the current
  price is not suggested (no flapping over cents).

Strategies (``Rules.strategy``):

- "win": the featured offer. Amazon's featured offer expected price (FOEP)
  when given; else one step under another seller's featured offer; else one
  step under the lowest other price. A featured offer that is already ours
  is never cut; it is raised toward the FOEP when that is higher.
- "margin": the price that leaves ``target_margin_percent``; raised to one
  step under another seller's featured offer when that is higher (no need to
  sell below the market), never cut below our own featured price.
- "lowest_fba": match (not undercut) the lowest FBA price of other sellers.

``automatic`` is the unattended form: the same suggestion, then at most
``max_daily_change_percent`` away from the day's first price and no change
within ``min_interval`` of the last automatic one (a price outside the
guardrails is corrected at once all the same).

Reasons are ``(code, params)`` pairs with the figures already formatted
(amounts with the currency's decimals and code): the Odoo layer words them
(and translates); ``reason_text`` gives the English. Pure Python: never
imports odoo.
"""

import math
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

STRATEGIES = ("win", "margin", "lowest_fba")
AMAZON_LIMIT_FACTOR = 6  # Automate Pricing: max price <= 6 x recent sales price
WIN_HEADROOM_PERCENT = 2.0
AMAZON_LIMIT_USD = 200.0  # ... or this much (in the marketplace's currency)
# No automatic change sooner than this after the last one (no flapping on a
# market that moves every few minutes).
AUTO_MIN_INTERVAL = timedelta(hours=1)
_EPS = 1e-9


@dataclass(frozen=True)
class Fees:
    fixed: float = 0.0  # per-unit fees that do not depend on the price
    rate: float = 0.0  # referral fee as a share of the price (0.15)
    minimum_referral: float = 0.0  # Amazon's minimum referral fee per unit
    step: float = 0.01  # Amazon charges whole cents (whole yen)

    def referral(self, price):
        """The referral fee at ``price``, rounded half up to the step as
        Amazon charges it (a floor counted on the exact share can be a cent
        short of the margin)."""
        exact = Decimal(str(max(self.rate * price, self.minimum_referral)))
        step = Decimal(str(self.step))
        return float(exact.quantize(step, rounding=ROUND_HALF_UP))

    def at(self, price):
        """Total fees per unit at ``price``."""
        return self.fixed + self.referral(price)


def referral_rate(referral, price, step=0.01):
    """The referral share behind a fee Amazon charged ``referral`` at
    ``price``: the fee was rounded to the step, so the share is counted at
    the top of what that fee allows (a share read low makes a floor a cent
    short at another price; found by the pricing benchmark)."""
    if not price:
        return 0.0
    return (referral + step / 2.0) / price


@dataclass(frozen=True)
class Market:
    our_price: float  # our current listing price
    featured_price: float | None  # featured offer's landed price now
    featured_is_ours: bool
    expected_featured_price: float | None  # Amazon's FOEP for our offer
    lowest_fba: float | None  # lowest New FBA landed price of OTHER sellers
    lowest_price: float | None  # lowest New landed price of other sellers
    recent_sales_price: float | None  # reference of the Automate Pricing limit
    # Amazon's CompetitivePriceThreshold: an offer priced above it is not
    # featured (Fair Pricing); None when Amazon did not give it.
    competitive_threshold: float | None = None


@dataclass(frozen=True)
class Rules:
    strategy: str
    cost: float  # unit cost in the marketplace currency
    fees: Fees
    min_margin_percent: float  # floor: at least this margin (% of price)
    max_price: float | None  # the seller's own ceiling (None: none)
    amazon_limit_minimum: float  # the "$200" of Amazon's rule, local currency
    target_margin_percent: float = 0.0  # for "margin"
    step: float = 0.01  # the currency's smallest step (1 for JPY)
    dead_band_percent: float = 0.5  # smaller changes are not suggested
    # "win" prices this far under Amazon's expected featured price: exactly
    # at it, a competitor's next move takes the offer back half the time.
    win_headroom_percent: float = WIN_HEADROOM_PERCENT
    currency: str = ""  # ISO code shown in the reasons ("EUR"); may be empty


@dataclass(frozen=True)
class Suggestion:
    price: float | None  # None: keep the current price
    target: float | None  # what the strategy wanted before guardrails
    reasons: tuple  # ((code, params), ...) in words via reason_text
    floor: float | None
    ceiling: float | None
    limited_by: str | None  # "floor" | "ceiling" | "amazon_limit" | "daily_cap"
    wins_featured: bool | None  # expected effect (None: unknown)
    margin: float | None  # unit margin at the suggested (or kept) price
    margin_percent: float | None


# -- rounding and wording ---------------------------------------------------


def _decimals(step):
    exponent = Decimal(str(step)).normalize().as_tuple().exponent
    return max(0, -exponent)


def round_up(value, step):
    """``value`` rounded up to a multiple of ``step`` (float noise ignored)."""
    return round(math.ceil(value / step - _EPS) * step, _decimals(step))


def round_down(value, step):
    """``value`` rounded down to a multiple of ``step`` (float noise ignored)."""
    return round(math.floor(value / step + _EPS) * step, _decimals(step))


def round_near(value, step):
    return round(round(value / step) * step, _decimals(step))


def _money(value, rules):
    text = f"{value:.{_decimals(rules.step)}f}"
    return f"{text} {rules.currency}" if rules.currency else text


def _pct(value):
    return f"{value:g}"


# -- guardrails -------------------------------------------------------------


def _price_for_margin(rules, margin_percent):
    """The lowest price p with p - cost - fees.at(p) >= margin x p, or inf.

    fees.at(p) = fixed + max(rate x p, minimum referral), so the condition is
    two linear ones at once: p(1 - m) >= cost + fixed + minimum referral and
    p(1 - rate - m) >= cost + fixed; the answer is the larger bound.
    """
    m = margin_percent / 100.0
    fees = rules.fees
    base = rules.cost + fees.fixed
    if 1.0 - fees.rate - m <= 0.0:
        return math.inf
    return max(
        (base + fees.minimum_referral) / (1.0 - m),
        base / (1.0 - fees.rate - m),
    )


def floor_price(rules):
    """The lowest price leaving ``min_margin_percent`` after cost and fees,
    rounded UP to the step (at least one step); inf when no price can (the
    referral rate and the margin take the whole price)."""
    return price_for_margin(rules, rules.min_margin_percent)


def price_for_margin(rules, margin_percent):
    """The lowest price on the step leaving ``margin_percent`` (at least one
    step), or inf."""
    exact = _price_for_margin(rules, margin_percent)
    if math.isinf(exact):
        return exact
    price = max(round_up(exact, rules.step), rules.step)
    # The formula counts the exact referral share; Amazon rounds the fee to
    # the cent, which may leave the price a step short: step up until the
    # margin holds with the fee as charged (one or two steps at most).
    share = margin_percent / 100.0
    while unit_margin(price, rules) < share * price - _EPS:
        price = round(price + rules.step, _decimals(rules.step))
    return price


def amazon_limit(market, rules):
    """Automate Pricing's highest accepted maximum price: 6 x the recent
    sales price or ``amazon_limit_minimum``, whichever is higher (the minimum
    alone when the recent sales price is unknown), rounded DOWN to the step."""
    limit = rules.amazon_limit_minimum
    recent = market.recent_sales_price
    if recent is not None and recent > 0:
        limit = max(AMAZON_LIMIT_FACTOR * recent, limit)
    return round_down(limit, rules.step)


def ceiling_price(market, rules):
    """(highest price allowed, which binds: "ceiling" | "amazon_limit").

    The seller's maximum when it is at or under Amazon's limit, else the
    limit; rounded DOWN to the step."""
    limit = amazon_limit(market, rules)
    if rules.max_price is not None and rules.max_price <= limit:
        return round_down(rules.max_price, rules.step), "ceiling"
    return limit, "amazon_limit"


def unit_margin(price, rules):
    """What one unit sold at ``price`` leaves after cost and fees."""
    return price - rules.cost - rules.fees.at(price)


# -- strategies: (target or None, reasons) ------------------------------------


def _current(market):
    price = market.our_price
    return price if price is not None and price > 0 else None


def _other_featured(market):
    if market.featured_price is None or market.featured_is_ours:
        return None
    return market.featured_price


def _target_win(market, rules):
    step = rules.step
    foep = market.expected_featured_price
    current = _current(market)
    shown = current if current is not None else market.featured_price
    if foep is not None:
        aim = round_down(foep * (1.0 - rules.win_headroom_percent / 100.0), step)
    if market.featured_is_ours and shown is not None:
        if foep is not None and current is not None and aim > current + _EPS:
            return aim, (
                (
                    "raise_to_foep",
                    {
                        "price": _money(shown, rules),
                        "foep": _money(foep, rules),
                        "headroom": _pct(rules.win_headroom_percent),
                    },
                ),
            )
        return None, (("already_featured", {"price": _money(shown, rules)}),)
    if foep is not None:
        return aim, (
            (
                "foep",
                {
                    "foep": _money(foep, rules),
                    "headroom": _pct(rules.win_headroom_percent),
                },
            ),
        )
    featured = _other_featured(market)
    if featured is not None:
        target = round_down(featured - step, step)
        return target, (("under_featured", {"featured": _money(featured, rules)}),)
    if market.lowest_price is not None:
        target = round_down(market.lowest_price - step, step)
        return target, (
            ("under_lowest", {"lowest": _money(market.lowest_price, rules)}),
        )
    return None, (("no_market", {}),)


def _target_margin(market, rules):
    target = price_for_margin(rules, rules.target_margin_percent)
    if math.isinf(target):
        return None, (
            (
                "margin_impossible",
                {
                    "margin": _pct(rules.target_margin_percent),
                    "rate": _pct(100 * rules.fees.rate),
                },
            ),
        )
    reasons = [
        (
            "target_margin",
            {
                "margin": _pct(rules.target_margin_percent),
                "price": _money(target, rules),
                "cost": _money(rules.cost, rules),
                "fees": _money(rules.fees.at(target), rules),
            },
        )
    ]
    featured = _other_featured(market)
    current = _current(market)
    if featured is not None and round_down(featured - rules.step, rules.step) > target:
        target = round_down(featured - rules.step, rules.step)
        reasons.append(("up_to_featured", {"featured": _money(featured, rules)}))
    elif market.featured_is_ours and current is not None and current > target:
        return None, (*reasons, ("already_featured", {"price": _money(current, rules)}))
    return target, tuple(reasons)


def _target_lowest_fba(market, rules):
    if market.lowest_fba is None:
        return None, (("no_fba", {}),)
    target = round_near(market.lowest_fba, rules.step)
    return target, (("match_fba", {"lowest": _money(market.lowest_fba, rules)}),)


_TARGETS = {
    "win": _target_win,
    "margin": _target_margin,
    "lowest_fba": _target_lowest_fba,
}


# -- the suggestion -----------------------------------------------------------


def wins_featured(price, market):
    """Whether ``price`` is expected to hold the featured offer: yes when the
    offer is ours and the price does not rise above the price holding it;
    else at or under the FOEP when Amazon gives one; else strictly under
    another seller's featured price (a tie does not win). None when unknown
    (no market information, or ours raised without a FOEP)."""
    if price is None:
        return None
    threshold = market.competitive_threshold
    if threshold is not None and price > threshold + _EPS:
        return False
    featured = market.featured_price
    if market.featured_is_ours and featured is not None and price <= featured + _EPS:
        return True
    if market.expected_featured_price is not None:
        return price <= market.expected_featured_price + _EPS
    if featured is None or market.featured_is_ours:
        return None
    return price < featured - _EPS


def _floor_reason(floor, rules, code="held_floor"):
    return (
        code,
        {
            "floor": _money(floor, rules),
            "cost": _money(rules.cost, rules),
            "fees": _money(rules.fees.at(floor), rules),
            "margin": _pct(rules.min_margin_percent),
        },
    )


def _ceiling_reason(ceiling, binding, market, rules):
    if binding == "ceiling":
        return ("held_ceiling", {"ceiling": _money(ceiling, rules)})
    recent = market.recent_sales_price
    if recent is not None and recent > 0:
        if AMAZON_LIMIT_FACTOR * recent >= rules.amazon_limit_minimum:
            return (
                "amazon_limit_recent",
                {"limit": _money(ceiling, rules), "recent": _money(recent, rules)},
            )
        return (
            "amazon_limit_minimum",
            {"limit": _money(ceiling, rules), "recent": _money(recent, rules)},
        )
    return ("amazon_limit_unknown", {"limit": _money(ceiling, rules)})


def _clamp(price, floor, ceiling):
    """(price inside [floor, ceiling], "floor" | "ceiling" | None)."""
    if price < floor - _EPS:
        return floor, "floor"
    if price > ceiling + _EPS:
        return ceiling, "ceiling"
    return price, None


def _in_dead_band(price, current, rules):
    return abs(price - current) < rules.dead_band_percent / 100.0 * current - _EPS


def _build(market, rules, price, **fields):
    shown = price if price is not None else _current(market)
    margin = margin_percent = None
    if shown is not None:
        margin = round(unit_margin(shown, rules), 6)
        margin_percent = round(100.0 * margin / shown, 6)
    threshold = market.competitive_threshold
    if shown is not None and threshold is not None and shown > threshold + _EPS:
        # Fair Pricing: said whatever the strategy, so the seller sees why
        # the offer is not featured at this price.
        fields["reasons"] = (
            *fields.get("reasons", ()),
            (
                "above_threshold",
                {
                    "price": _money(shown, rules),
                    "threshold": _money(threshold, rules),
                },
            ),
        )
    return Suggestion(
        price=price,
        wins_featured=wins_featured(shown, market),
        margin=margin,
        margin_percent=margin_percent,
        **fields,
    )


def _no_room(floor, ceiling, rules):
    if math.isinf(floor):
        return (
            "floor_impossible",
            {
                "margin": _pct(rules.min_margin_percent),
                "rate": _pct(100 * rules.fees.rate),
            },
        )
    return (
        "no_room",
        {"floor": _money(floor, rules), "ceiling": _money(ceiling, rules)},
    )


def suggest(market, rules):
    """The Suggestion for ``market`` under ``rules`` (see the module doc)."""
    if rules.strategy not in _TARGETS:
        raise ValueError(f"unknown pricing strategy {rules.strategy!r}")
    floor = floor_price(rules)
    ceiling, binding = ceiling_price(market, rules)
    target, reasons = _TARGETS[rules.strategy](market, rules)
    fields = {"target": target, "floor": floor, "ceiling": ceiling}
    if floor > ceiling:
        reasons += (
            _no_room(floor, ceiling, rules),
            _floor_reason(floor, rules, "floor_is") if math.isfinite(floor) else None,
            _ceiling_reason(ceiling, binding, market, rules),
        )
        reasons = tuple(reason for reason in reasons if reason is not None)
        return _build(market, rules, None, reasons=reasons, limited_by=None, **fields)
    current = _current(market)
    base = target if target is not None else current
    if base is None:
        return _build(market, rules, None, reasons=reasons, limited_by=None, **fields)
    price, side = _clamp(base, floor, ceiling)
    limited_by = None
    if side == "floor":
        limited_by = "floor"
        reasons += (_floor_reason(floor, rules),)
    elif side == "ceiling":
        limited_by = binding
        reasons += (_ceiling_reason(ceiling, binding, market, rules),)
    inside = current is not None and floor <= current <= ceiling
    if inside and (price == current or _in_dead_band(price, current, rules)):
        if target is not None:
            reasons += (_already_there(price, current, rules),)
        price = None
    return _build(
        market, rules, price, reasons=reasons, limited_by=limited_by, **fields
    )


def _already_there(price, current, rules):
    return (
        "already_there",
        {
            "price": _money(price, rules),
            "current": _money(current, rules),
            "band": _pct(rules.dead_band_percent),
        },
    )


# -- unattended repricing -----------------------------------------------------


def cap_daily(price, day_start_price, max_change_percent, step):
    """(``price`` moved at most ``max_change_percent`` away from the day's
    first price, whether it was capped). No day-start price or no price:
    unchanged. The bounds are rounded inward to the step."""
    if (
        price is None
        or not day_start_price
        or day_start_price <= 0
        or max_change_percent is None
    ):
        # No day-start price (unknown, or 0: no price at all) gives no band.
        return price, False
    share = max_change_percent / 100.0
    low = round_up(day_start_price * (1.0 - share), step)
    high = round_down(day_start_price * (1.0 + share), step)
    if price < low - _EPS:
        return low, True
    if price > high + _EPS:
        return high, True
    return price, False


def automatic(
    market,
    rules,
    *,
    day_start_price,
    max_daily_change_percent,
    last_change_at,
    now,
    min_interval,
):
    """``suggest`` for unattended repricing: then the daily cap, and no change
    within ``min_interval`` (timedelta) of ``last_change_at`` (None: never
    changed). The floor and ceiling beat both: a current price outside them
    is corrected at once, and a capped price never leaves them."""
    found = suggest(market, rules)
    if found.price is None:
        return found
    current = _current(market)
    inside = current is not None and found.floor <= current <= found.ceiling
    reasons = found.reasons
    if last_change_at is not None and now - last_change_at < min_interval:
        if inside:
            return _keep(
                market, rules, found, _too_soon(last_change_at, now, min_interval)
            )
        if current is not None:
            reasons += (
                (
                    "outside_guardrails",
                    {
                        "current": _money(current, rules),
                        "floor": _money(found.floor, rules),
                        "ceiling": _money(found.ceiling, rules),
                    },
                ),
            )
    price, capped = cap_daily(
        found.price, day_start_price, max_daily_change_percent, rules.step
    )
    limited_by = found.limited_by
    if capped:
        price, _side = _clamp(price, found.floor, found.ceiling)
    if price != found.price:
        limited_by = "daily_cap"
        reasons += (
            (
                "daily_cap",
                {
                    "percent": _pct(max_daily_change_percent),
                    "start": _money(day_start_price, rules),
                    "price": _money(price, rules),
                },
            ),
        )
    # The cap may neither move the price the other way than the strategy nor
    # further than it asked (clamping a price that left the day's band).
    against = (
        capped
        and inside
        and current is not None
        and (
            (price - current) * (found.price - current) < 0
            or abs(price - current) > abs(found.price - current) + _EPS
        )
    )
    if against or (
        capped and inside and (price == current or _in_dead_band(price, current, rules))
    ):
        # The cap may not move the price the other way than the strategy
        # (the current price left the day's band by a person's change), and
        # only the cap can bring it back into the dead band (suggest already
        # left out smaller changes): today's allowance is used up either way.
        reached = (
            "daily_cap_reached",
            {
                "percent": _pct(max_daily_change_percent),
                "start": _money(day_start_price, rules),
            },
        )
        return _keep(market, rules, replace(found, limited_by="daily_cap"), reached)
    return _build(
        market,
        rules,
        price,
        target=found.target,
        reasons=reasons,
        floor=found.floor,
        ceiling=found.ceiling,
        limited_by=limited_by,
    )


def _too_soon(last_change_at, now, min_interval):
    return (
        "too_soon",
        {
            "minutes": int((now - last_change_at).total_seconds() // 60),
            "interval": int(min_interval.total_seconds() // 60),
        },
    )


def _keep(market, rules, found, reason):
    """``found`` turned into "keep the current price", with ``reason``."""
    reasons = found.reasons + ((reason,) if reason else ())
    return _build(
        market,
        rules,
        None,
        target=found.target,
        reasons=reasons,
        floor=found.floor,
        ceiling=found.ceiling,
        limited_by=found.limited_by,
    )


REASONS_EN = {
    "foep": "Amazon expects the featured offer at {foep} or less: priced "
    "{headroom}% under it, room for the competitors' next move.",
    "raise_to_foep": "The featured offer is yours at {price} and Amazon expects "
    "it up to {foep}: raised to {headroom}% under that, keeping the offer.",
    "already_featured": "The featured offer is already yours at {price}: no cut.",
    "under_featured": "Another seller holds the featured offer at {featured}: "
    "one step under it.",
    "under_lowest": "No featured offer: one step under the lowest other price "
    "{lowest}.",
    "no_market": "No featured offer and no other seller's price known: kept.",
    "target_margin": "{price} leaves the {margin}% margin wanted after cost "
    "{cost} and fees {fees}.",
    "margin_impossible": "No price leaves a {margin}% margin: the {rate}% "
    "referral fee and the margin take the whole price.",
    "up_to_featured": "Another seller's featured offer is at {featured}: one "
    "step under it, no need to sell lower.",
    "match_fba": "Matches the lowest FBA price of other sellers, {lowest}.",
    "no_fba": "No other seller offers it through FBA: kept.",
    "held_floor": "Held at the floor {floor}: cost {cost} + fees {fees} + "
    "{margin}% margin.",
    "held_ceiling": "Limited by your maximum price {ceiling}.",
    "amazon_limit_recent": "Limited by Amazon's Automate Pricing limit {limit} "
    "(6 x recent sales price {recent}).",
    "amazon_limit_minimum": "Limited by Amazon's Automate Pricing limit {limit} "
    "(its minimum; 6 x recent sales price {recent} is lower).",
    "amazon_limit_unknown": "Limited by Amazon's Automate Pricing limit {limit} "
    "(its minimum; no recent sales price known).",
    "no_room": "The guardrails leave no room: the floor {floor} is above the "
    "ceiling {ceiling}. No price is suggested.",
    "floor_is": "The floor {floor}: cost {cost} + fees {fees} + {margin}% margin.",
    "floor_impossible": "The guardrails leave no room: no price leaves the "
    "minimum {margin}% margin with a {rate}% referral fee.",
    "already_there": "{price} is within {band}% of the current {current}: "
    "already there, kept.",
    "too_soon": "The last automatic change was {minutes} min ago; automatic "
    "changes wait {interval} min: kept.",
    "outside_guardrails": "The current price {current} is outside the "
    "guardrails ({floor} to {ceiling}): corrected without waiting.",
    "daily_cap": "Moved at most {percent}% from today's first price {start}: {price}.",
    "daily_cap_reached": "Today's allowance of {percent}% from the first price "
    "{start} is used up: kept.",
    "above_threshold": "{price} is above Amazon's competitive price threshold "
    "{threshold}: Amazon does not feature an offer priced so far above what "
    "customers recently paid (Fair Pricing Policy).",
}


def reason_text(code, params):
    return REASONS_EN[code].format(**params)
