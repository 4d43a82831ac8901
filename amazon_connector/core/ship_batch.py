"""The warehouse's "To ship" list: late-risk of a delivery against Amazon's
promise, and the rate a batch label purchase takes for it.

Pure Python (never imports odoo). Times are naive UTC datetimes (Odoo's
storage); rates are ``core.shipping.Rate``.
"""

from datetime import timedelta

LATE = "late"  # the ship-by date has passed
DUE_TODAY = "due_today"  # ships today or it is late
AT_RISK = "at_risk"  # ship-by within the next day
ON_TIME = "on_time"
LATE_RISKS = [
    (LATE, "Late"),
    (DUE_TODAY, "Ship today"),
    (AT_RISK, "Ship by tomorrow"),
    (ON_TIME, "On time"),
]


def late_risk(ship_by, now, day_end):
    """Where a delivery stands against Amazon's ship-by date: LATE once it
    passed, DUE_TODAY when it falls before ``day_end`` (the end of the
    warehouse's day, so "today" is the warehouse's, not UTC's), AT_RISK
    within a day after that, else ON_TIME; None without a promise."""
    if not ship_by:
        return None
    if ship_by < now:
        return LATE
    if ship_by <= day_end:
        return DUE_TODAY
    if ship_by <= day_end + timedelta(days=1):
        return AT_RISK
    return ON_TIME


class NoRate(ValueError):
    """No rate fits; the message says why in seller words (no buyer data)."""


def pick_rate(rates, deliver_by, label_format, preferred=None):
    """The rate a batch purchase buys: the ``preferred`` service
    (``(carrier_id, service_id)``, a recommendation) when Amazon offers it
    now, else the cheapest service whose delivery window ends by
    ``deliver_by`` (Amazon's promise to the buyer; any when there is none),
    among those printing ``label_format``. Ties in price go to the earlier
    delivery. :class:`NoRate` when none fits."""
    usable = [r for r in rates if label_format in r.formats]
    if not usable:
        raise NoRate(f"no service offers a {label_format} label")
    if preferred:
        for rate in usable:
            if (rate.carrier_id, rate.service_id) == tuple(preferred):
                return rate
    if deliver_by:
        meeting = [
            r
            for r in usable
            if r.delivery_end is not None and r.delivery_end <= deliver_by
        ]
        if not meeting:
            raise NoRate("no service delivers by the date Amazon promised the buyer")
    else:
        meeting = usable
    return min(
        meeting,
        key=lambda r: (r.price, r.delivery_end is None, r.delivery_end or deliver_by),
    )
