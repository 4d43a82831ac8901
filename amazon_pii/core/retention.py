"""When PII must be gone (docs/data-protection.md #1).

30 days after delivery; without a delivery date, the latest promised delivery
date; without that, the ship date plus a configurable margin; without any
date, the purchase date plus that margin (an order that never ships must not
keep PII forever).
"""

from datetime import datetime, timedelta

DEFAULT_DAYS_AFTER_DELIVERY = 30
DEFAULT_SHIP_MARGIN_DAYS = 15


def _as_date(value):
    if value is None or value is False:
        return None
    return value.date() if isinstance(value, datetime) else value


def purge_date(
    delivered=None,
    latest_delivery=None,
    shipped=None,
    purchased=None,
    days=DEFAULT_DAYS_AFTER_DELIVERY,
    margin=DEFAULT_SHIP_MARGIN_DAYS,
):
    """First day on which the owner's PII must be purged, or None when no date."""
    delivered, latest = _as_date(delivered), _as_date(latest_delivery)
    shipped, purchased = _as_date(shipped), _as_date(purchased)
    reference = delivered or latest
    if reference is None and (shipped or purchased):
        reference = (shipped or purchased) + timedelta(days=margin)
    if reference is None:
        return None
    return reference + timedelta(days=days)


def is_due(purge_on, today):
    """Due from the purge date on: delivered on day 0, gone by day 30."""
    return purge_on is not None and _as_date(today) >= purge_on


def window_exceeded(timestamps, now, limit, minutes):
    """True when more than ``limit`` events fall within the last ``minutes``."""
    start = now - timedelta(minutes=minutes)
    return sum(1 for t in timestamps if t >= start) > limit
