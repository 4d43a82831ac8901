"""Client-side token buckets, one per (seller, operation)
(docs/data-protection.md #20).

Waiting here, before the call, is what keeps 429s rare: the bucket mirrors
Amazon's own bucket for the operation, starts from the usage plan and
follows the rate Amazon reports in ``x-amzn-RateLimit-Limit``.
"""

import threading
import time

from .errors import RetryableError
from .usage_plans import USAGE_PLANS

# Used for operations without a plan (none today): one call per second.
DEFAULT_PLAN = (1.0, 1)
# Amazon's bucket started a little after ours and is checked when the request
# arrives: a call timed to the exact refill instant can still meet a 429.
# Waiting 3% of a refill interval longer absorbs that skew.
SAFETY = 0.03


class TokenBucket:
    """Thread-safe bucket of ``burst`` tokens refilled at ``rate`` per second.

    A reservation may drive the level below zero: the caller then waits for
    the debt to be refilled, so concurrent callers queue fairly.
    """

    def __init__(self, rate, burst, clock=time.monotonic):
        self.rate = float(rate)
        self.burst = float(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        self._lock = threading.Lock()

    def _refill(self):
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
        self._stamp = now

    @property
    def tokens(self):
        with self._lock:
            self._refill()
            return self._tokens

    def reserve(self, max_wait=None):
        """Take one token; return the seconds to wait before using it.

        When the wait would exceed ``max_wait`` nothing is taken and the
        wait is returned negated, for the caller to report.
        """
        with self._lock:
            self._refill()
            wait = max(0.0, (1.0 - self._tokens) / self.rate)
            if max_wait is not None and wait > max_wait:
                return -wait
            self._tokens -= 1.0
            return wait

    def set_rate(self, rate):
        """Follow the rate Amazon applies to this seller and operation."""
        with self._lock:
            self._refill()
            self.rate = float(rate)

    def drain(self):
        """After a 429 Amazon's bucket is empty: make ours empty too."""
        with self._lock:
            self._refill()
            self._tokens = min(self._tokens, 0.0)


def parse_rate_header(value):
    """Rate from an ``x-amzn-RateLimit-Limit`` value, or None if unusable."""
    try:
        rate = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return rate if 0 < rate < 1e6 else None


class RateLimiter:
    """Buckets per (seller, operation), created on first use from the plans.

    ``rate_scale`` multiplies the plans' rates and bursts, as a local sandbox
    started with ``--rate-scale`` does; the rate header always wins once seen.
    """

    def __init__(
        self, plans=None, clock=time.monotonic, sleep=time.sleep, rate_scale=1.0
    ):
        self._plans = USAGE_PLANS if plans is None else plans
        self._clock = clock
        self._sleep = sleep
        self._scale = float(rate_scale)
        self._buckets = {}
        self._lock = threading.Lock()

    def bucket(self, seller_id, operation):
        key = (seller_id, operation)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                rate, burst = self._plans.get(operation, DEFAULT_PLAN)
                burst = max(1, round(burst * self._scale))
                bucket = TokenBucket(rate * self._scale, burst, self._clock)
                self._buckets[key] = bucket
            return bucket

    def acquire(self, seller_id, operation, max_wait=None):
        """Block until a call is allowed; return the seconds waited.

        Rather than block longer than ``max_wait`` (an Odoo worker should not
        sleep for minutes), raise ``RetryableError`` with ``retry_after``.
        """
        wait = self.bucket(seller_id, operation).reserve(max_wait)
        if wait < 0:
            raise RetryableError(
                f"usage plan allows the next call in {-wait:.1f}s",
                operation=operation,
                retry_after=-wait,
            )
        if wait > 0:
            self._sleep(wait + SAFETY / self.bucket(seller_id, operation).rate)
        return wait

    def observe(self, seller_id, operation, status, headers):
        """Adapt the bucket from a response's rate header and status."""
        bucket = self.bucket(seller_id, operation)
        rate = parse_rate_header(headers.get("x-amzn-RateLimit-Limit"))
        if rate is not None and rate != bucket.rate:
            bucket.set_rate(rate)
        if status == 429:
            bucket.drain()
