"""Lifetime of a Login with Amazon (LWA) client secret.

Amazon's facts this module relies on (checked 2026-12 in Amazon's docs):

- "You must rotate your LWA credentials (client secrets) for all applications
  every 180 days ... If you do not update your LWA credentials by the
  deadline, your application returns an error when it calls the SP-API."
  (developer-docs.amazon.com/sp-api/docs/rotating-your-apps-lwa-credentials)
  Amazon warns 90 days ahead by e-mail; it counts from the secret's creation,
  which for us is when the seller pasted it (or when Amazon told us another
  expiry: the rotation wizard takes that date).
- rotateApplicationClientSecret (Application Management API 2023-11-30,
  grantless, POST /applications/2023-11-30/clientSecret) creates a new secret
  and sends it to the developer's registered SQS queue "along with the expiry
  time for the old credentials": the old secret keeps working until then.
  (developer-docs.amazon.com/sp-api/docs/application-management-api-v2023-11-30-use-case-guide,
  ../shared/amazon/sp-api-models/models/application-management-api-model)
- A token request with a client secret LWA no longer accepts is answered
  ``invalid_client`` (core/spapi/auth.py REFUSALS).

Pure functions on dates: the Odoo layer stores the dates and acts.
"""

from datetime import date, datetime, timedelta

from .spapi.transport import LWA

LIFETIME_DAYS = 180
# Days left at which the account's responsible person is warned, once each.
WARN_DAYS = (30, 7)
# The token endpoint's answer for a client secret (or id) it refuses.
REFUSED_CODE = "invalid_client"

STATES = ("unknown", "ok", "expiring", "expired", "refused")


def _day(value):
    return value.date() if isinstance(value, datetime) else value


def expires_on(set_on, lifetime_days=LIFETIME_DAYS):
    """The day Amazon expires a secret created at ``set_on`` (date or
    datetime), or None when unknown."""
    if not set_on:
        return None
    return _day(set_on) + timedelta(days=lifetime_days)


def days_left(expiry, today):
    """Whole days from ``today`` to ``expiry``: 0 on the expiry day itself,
    negative after it; None when the expiry is unknown."""
    if not expiry:
        return None
    return (_day(expiry) - _day(today)).days


def is_expired(expiry, today):
    """From its expiry day on, a secret counts as expired: Amazon gives no
    hour, and a sync that starts failing mid-day helps nobody."""
    left = days_left(expiry, today)
    return left is not None and left <= 0


def state(expiry, today, refused=False):
    """``unknown``, ``ok``, ``expiring`` (within the first warning),
    ``expired`` (by date) or ``refused`` (Amazon said invalid_client)."""
    if refused:
        return "refused"
    left = days_left(expiry, today)
    if left is None:
        return "unknown"
    if left <= 0:
        return "expired"
    if left <= max(WARN_DAYS):
        return "expiring"
    return "ok"


def warning_due(left, warned, thresholds=WARN_DAYS):
    """The threshold to warn about now, else None.

    ``warned`` is the last threshold already warned about for this secret
    (0 or None: none). Only the tightest threshold reached is returned, so a
    secret first seen with 5 days left gives one warning (7), not two; an
    expired secret gives none here (it stops the sync instead).
    """
    if left is None or left <= 0:
        return None
    reached = [t for t in thresholds if left <= t]
    if not reached:
        return None
    tightest = min(reached)
    if warned and warned <= tightest:
        return None
    return tightest


def is_refusal(error):
    """Whether ``error`` (an SPAPIError) is LWA refusing the client
    credentials, which no retry can fix."""
    return (
        getattr(error, "code", None) == REFUSED_CODE
        and getattr(error, "operation", None) == LWA
    )


def parse_day(value):
    """A date from a date, datetime or ISO text (Amazon's expiry time)."""
    if value in (None, False, ""):
        return None
    if isinstance(value, (date, datetime)):
        return _day(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
