"""Pure helpers of the one way background work runs (docs/background-work.md).

``BUSY`` is the single value a unit of work returns when another worker holds
its locks; ``backoff`` is the one retry schedule of everything sent or fetched
again later.
"""

import random
from datetime import timedelta

# Retry schedule: 2 minutes, doubling, at most a day, each delay spread by
# +/- 20% so that items that failed together (an Amazon outage) do not all
# come back in the same minute.
BACKOFF_BASE = timedelta(minutes=2)
BACKOFF_CAP = timedelta(days=1)
BACKOFF_JITTER = 0.2


class _Busy:
    """Singleton: 'another worker holds this unit's locks; nothing was done'."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "BUSY"


BUSY = _Busy()


def backoff(
    attempts, base=BACKOFF_BASE, cap=BACKOFF_CAP, jitter=BACKOFF_JITTER, rng=None
):
    """Delay before attempt number ``attempts + 1`` after ``attempts`` failures.

    ``base * 2**(attempts-1)``, capped, then spread by ``jitter`` (a fraction
    of the delay, both ways); the cap holds after the spread too.
    """
    if attempts < 1:
        return timedelta(0)
    rng = rng or random
    exponent = min(attempts - 1, 32)  # 2**32 minutes is past any cap
    delay = min(base * (2**exponent), cap)
    spread = 1.0 + jitter * (2.0 * rng.random() - 1.0)
    return min(delay * spread, cap)
