"""Client-side token buckets, one per (seller, operation)
(docs/data-protection.md #20).

Waiting here, before the call, is what keeps 429s rare: the bucket mirrors
Amazon's own bucket for the operation, starts from the usage plan and
follows the rate Amazon reports in ``x-amzn-RateLimit-Limit``.

Amazon counts a seller's calls whichever process makes them, so the buckets
live in a ``BucketStore``: ``MemoryBucketStore`` (one process: tests, tools,
scripts) or a store every process of a deployment shares (the Odoo addon
keeps them in PostgreSQL, ``amazon.rate.bucket``). The limiter decides what
to ask the store and what to do with the answer; a store only keeps the
buckets and applies ``TokenBucket``'s arithmetic atomically.
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


class BucketStore:
    """Where the buckets of a limiter live; ``key`` is (seller, operation).

    ``seed`` is ``(rate, burst)`` from the usage plan: a missing bucket is
    created full from it. Each method is one atomic step on one bucket, with
    ``TokenBucket``'s semantics; concurrent callers (threads, or processes for
    a shared store) must never take the same token twice.
    """

    def reserve(self, key, seed, max_wait=None):
        """``TokenBucket.reserve`` on the bucket: ``(wait, rate)``, ``wait``
        negated when refused; ``rate`` is the bucket's current rate."""
        raise NotImplementedError

    def adapt(self, key, seed, rate=None, drain=False):
        """Refill, then take ``rate`` (when given) and drain (after a 429);
        return the bucket's rate."""
        raise NotImplementedError


class MemoryBucketStore(BucketStore):
    """Buckets in this process only (tests, tools, the sandbox's clients)."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._buckets = {}
        self._lock = threading.Lock()

    def bucket(self, key, seed):
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(*seed, clock=self._clock)
            return bucket

    def reserve(self, key, seed, max_wait=None):
        bucket = self.bucket(key, seed)
        return bucket.reserve(max_wait), bucket.rate

    def adapt(self, key, seed, rate=None, drain=False):
        bucket = self.bucket(key, seed)
        if rate is not None:
            bucket.set_rate(rate)
        if drain:
            bucket.drain()
        return bucket.rate


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
    ``store`` keeps the buckets: by default in this process; pass a shared
    store when several processes call Amazon for the same sellers.
    """

    def __init__(
        self,
        plans=None,
        clock=time.monotonic,
        sleep=time.sleep,
        rate_scale=1.0,
        store=None,
    ):
        self._plans = USAGE_PLANS if plans is None else plans
        self._sleep = sleep
        self._scale = float(rate_scale)
        self.store = MemoryBucketStore(clock) if store is None else store
        # The last rate the store reported per bucket: a response's rate
        # header is written to the store only when it says something new.
        self._rates = {}

    def plan(self, operation):
        """``(rate, burst)`` a new bucket starts from, scaled."""
        rate, burst = self._plans.get(operation, DEFAULT_PLAN)
        return rate * self._scale, max(1, round(burst * self._scale))

    def bucket(self, seller_id, operation):
        """The ``TokenBucket`` itself (``MemoryBucketStore`` only)."""
        return self.store.bucket((seller_id, operation), self.plan(operation))

    def acquire(self, seller_id, operation, max_wait=None):
        """Block until a call is allowed; return the seconds waited.

        Rather than block longer than ``max_wait`` (an Odoo worker should not
        sleep for minutes), raise ``RetryableError`` with ``retry_after``.
        """
        key = (seller_id, operation)
        wait, rate = self.store.reserve(key, self.plan(operation), max_wait)
        self._rates[key] = rate
        if wait < 0:
            raise RetryableError(
                f"usage plan allows the next call in {-wait:.1f}s",
                operation=operation,
                retry_after=-wait,
            )
        if wait > 0:
            # The store's transaction, if any, is over: nothing is held here.
            self._sleep(wait + SAFETY / rate)
        return wait

    def observe(self, seller_id, operation, status, headers):
        """Adapt the bucket from a response's rate header and status."""
        key = (seller_id, operation)
        rate = parse_rate_header(headers.get("x-amzn-RateLimit-Limit"))
        if rate is not None and rate == self._rates.get(key):
            rate = None
        drain = status == 429
        if rate is not None or drain:
            self._rates[key] = self.store.adapt(
                key, self.plan(operation), rate=rate, drain=drain
            )
