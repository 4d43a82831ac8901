"""Token buckets per (seller, operation), seeded from Amazon's usage plans."""

import threading
import time


class TokenBucket:
    def __init__(self, rate, burst, clock=time.monotonic):
        self.rate = rate
        self.capacity = burst
        self.tokens = burst  # Amazon starts a fresh client with a full burst
        self._clock = clock
        self._stamp = clock()

    def take(self):
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class RateLimiter:
    """``scale`` multiplies rates and bursts (``--rate-scale``), keeping the
    proportions of Amazon's plans while letting long runs finish quickly."""

    def __init__(self, scale=1.0, clock=time.monotonic):
        self.scale = scale
        self._clock = clock
        self._buckets = {}
        self._lock = threading.Lock()

    def plan(self, usage_plan):
        rate, burst = usage_plan
        return rate * self.scale, max(1.0, round(burst * self.scale))

    def header(self, usage_plan):
        rate, _ = self.plan(usage_plan)
        return f"{rate:.6g}"

    def allow(self, seller, op_id, usage_plan):
        key = (seller, op_id)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                rate, burst = self.plan(usage_plan)
                bucket = self._buckets[key] = TokenBucket(rate, burst, self._clock)
            return bucket.take()
