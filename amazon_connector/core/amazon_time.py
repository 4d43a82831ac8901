"""Amazon's date-times: ISO 8601 in, ``YYYY-MM-DDTHH:MM:SSZ`` out, naive UTC inside.

Amazon's models type them ``date-time`` (ISO 8601). Replies give UTC with a
``Z`` ("2024-12-22T15:30:00Z"), sometimes with milliseconds
("2019-05-07T15:42:57.058Z") or, in some APIs, an offset. Odoo stores naive
UTC datetimes, so :func:`parse` returns those. Requests get whole seconds in
UTC with a ``Z``, the form of every example in Amazon's models, from
:func:`format`. Call them as ``amazon_time.parse`` and ``amazon_time.format``
(the module is imported, never its names: ``format`` is also a builtin).
"""

from datetime import datetime, timezone

FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def parse(value):
    """``value`` as a naive UTC datetime; None when empty (None or "").

    Text without an offset, and a naive datetime, are taken as UTC; an
    aware datetime is converted. Raises ``ValueError`` for text that is not
    ISO 8601, ``TypeError`` for anything but text or a datetime.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        # Python 3.10's fromisoformat does not read the "Z" suffix.
        if value[-1:] in ("Z", "z"):
            value = value[:-1] + "+00:00"
        moment = datetime.fromisoformat(value)
    else:
        raise TypeError(f"not an ISO 8601 date-time: a {type(value).__name__}")
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def format(moment):
    """``moment`` as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC, fractions dropped.

    A naive datetime is taken as UTC (Odoo's storage). Raises ``TypeError``
    for anything but a datetime.
    """
    if not isinstance(moment, datetime):
        raise TypeError(f"not a datetime: a {type(moment).__name__}")
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime(FORMAT)
