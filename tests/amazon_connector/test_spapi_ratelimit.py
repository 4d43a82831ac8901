import threading

import pytest
from spapi_support import FakeClock

from amazon_connector.core.spapi import RetryableError
from amazon_connector.core.spapi.ratelimit import (
    SAFETY,
    MemoryBucketStore,
    RateLimiter,
    TokenBucket,
    parse_rate_header,
)


def test_burst_then_one_token_per_interval():
    clock = FakeClock()
    bucket = TokenBucket(rate=0.5, burst=3, clock=clock)
    assert [bucket.reserve() for _ in range(3)] == [0, 0, 0]
    assert bucket.reserve() == pytest.approx(2.0)  # 1 token at 0.5/s
    assert bucket.reserve() == pytest.approx(4.0)  # queued behind the first
    clock.now += 10
    assert bucket.tokens == pytest.approx(3.0)  # never above burst after debt paid


def test_refill_is_capped_at_burst():
    clock = FakeClock()
    bucket = TokenBucket(rate=5, burst=2, clock=clock)
    bucket.reserve()
    clock.now += 100
    assert bucket.tokens == 2


def test_max_wait_refuses_without_taking_a_token():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    bucket = limiter.bucket("S1", "getCompetitiveSummary")  # 0.033/s, burst 1
    limiter.acquire("S1", "getCompetitiveSummary", max_wait=60)
    assert bucket.reserve(max_wait=10) == pytest.approx(-1 / 0.033)
    with pytest.raises(RetryableError) as info:
        limiter.acquire("S1", "getCompetitiveSummary", max_wait=10)
    assert info.value.operation == "getCompetitiveSummary"
    assert info.value.retry_after == pytest.approx(1 / 0.033)
    assert clock.sleeps == []
    clock.now += 1 / 0.033
    assert limiter.acquire("S1", "getCompetitiveSummary", max_wait=10) < 1e-6


def test_header_adapts_rate_and_429_drains():
    clock = FakeClock()
    limiter = RateLimiter(plans={"op": (1.0, 5)}, clock=clock, sleep=clock.sleep)
    bucket = limiter.bucket("S1", "op")
    limiter.observe("S1", "op", 200, {"x-amzn-RateLimit-Limit": "4.0"})
    assert bucket.rate == 4.0 and bucket.burst == 5
    limiter.observe("S1", "op", 200, {"x-amzn-RateLimit-Limit": "garbage"})
    assert bucket.rate == 4.0
    limiter.observe("S1", "op", 429, {})
    assert bucket.tokens == 0
    assert limiter.acquire("S1", "op") == pytest.approx(0.25)
    # The sleep adds a safety margin of 3% of the refill interval.
    assert clock.sleeps == [pytest.approx(0.25 + 0.03 / 4.0)]


@pytest.mark.parametrize(
    "value, rate", [("0.0056", 0.0056), (" 2 ", 2.0), ("0", None), ("-1", None)]
)
def test_parse_rate_header(value, rate):
    assert parse_rate_header(value) == rate
    assert parse_rate_header(None) is None


def test_buckets_are_per_seller_and_operation_and_seeded_from_plans():
    limiter = RateLimiter(clock=FakeClock())
    assert limiter.bucket("S1", "searchOrders") is limiter.bucket("S1", "searchOrders")
    assert limiter.bucket("S1", "searchOrders") is not limiter.bucket(
        "S2", "searchOrders"
    )
    bucket = limiter.bucket("S1", "getOrder")
    assert (bucket.rate, bucket.burst) == (0.5, 30)
    scaled = RateLimiter(clock=FakeClock(), rate_scale=10).bucket("S1", "getOrder")
    assert (scaled.rate, scaled.burst) == (5.0, 300)


def test_concurrent_reservations_never_oversubscribe():
    clock = FakeClock()
    bucket = TokenBucket(rate=1.0, burst=10, clock=clock)
    waits = []
    lock = threading.Lock()

    def worker():
        for _ in range(50):
            wait = bucket.reserve()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 400 reservations at 1/s after a burst of 10: the last waits 390 s.
    assert sorted(waits)[:10] == [0] * 10
    assert max(waits) == pytest.approx(390)
    assert len({round(w, 6) for w in waits}) == 391


# -- the store the limiter draws on ---------------------------------------------


def test_limiters_over_one_store_share_the_bucket():
    """Two processes over a shared store: the second waits where a limiter of
    its own would have let it through at once."""
    clock = FakeClock()
    plans = {"op": (0.5, 2)}
    store = MemoryBucketStore(clock)
    first = RateLimiter(plans=plans, clock=clock, sleep=clock.sleep, store=store)
    second = RateLimiter(plans=plans, clock=clock, sleep=clock.sleep, store=store)
    alone = RateLimiter(plans=plans, clock=clock, sleep=clock.sleep)
    assert first.acquire("S1", "op") == 0
    assert first.acquire("S1", "op") == 0
    assert alone.acquire("S1", "op") == 0  # its own full bucket: no wait
    assert second.acquire("S1", "op") == pytest.approx(2.0)
    with pytest.raises(RetryableError) as info:
        first.acquire("S1", "op", max_wait=1.0)
    # The second caller's token was due 2 s after the start, the next one is
    # due 4 s after it: the wait counts from now.
    assert info.value.retry_after == pytest.approx(4.0 - (clock.now - 1000.0))


def test_rate_learnt_by_one_limiter_paces_the_other():
    clock = FakeClock()
    store = MemoryBucketStore(clock)
    plans = {"op": (1.0, 1)}
    first = RateLimiter(plans=plans, clock=clock, sleep=clock.sleep, store=store)
    second = RateLimiter(plans=plans, clock=clock, sleep=clock.sleep, store=store)
    first.acquire("S1", "op")
    first.observe("S1", "op", 200, {"x-amzn-RateLimit-Limit": "4"})
    assert second.acquire("S1", "op") == pytest.approx(0.25)
    assert clock.sleeps == [pytest.approx(0.25 + SAFETY / 4)]


def test_a_429_seen_by_one_limiter_holds_the_other_back():
    clock = FakeClock()
    store = MemoryBucketStore(clock)
    plans = {"op": (1.0, 10)}
    first = RateLimiter(plans=plans, clock=clock, sleep=clock.sleep, store=store)
    second = RateLimiter(plans=plans, clock=clock, sleep=clock.sleep, store=store)
    first.acquire("S1", "op")
    first.observe("S1", "op", 429, {})
    assert second.acquire("S1", "op") == pytest.approx(1.0)  # 9 tokens gone


class CountingStore(MemoryBucketStore):
    """What a database store would be asked: each call is a round trip."""

    def __init__(self, clock):
        super().__init__(clock)
        self.adapts = []

    def adapt(self, key, seed, rate=None, drain=False):
        self.adapts.append((rate, drain))
        return super().adapt(key, seed, rate, drain)


def test_store_is_written_only_when_the_response_says_something_new():
    clock = FakeClock()
    store = CountingStore(clock)
    limiter = RateLimiter(
        plans={"op": (1.0, 5)}, clock=clock, sleep=clock.sleep, store=store
    )
    same = {"x-amzn-RateLimit-Limit": "1.0"}
    for _ in range(3):
        limiter.acquire("S1", "op")
        limiter.observe("S1", "op", 200, same)
    assert store.adapts == []
    limiter.acquire("S1", "op")
    limiter.observe("S1", "op", 200, {"x-amzn-RateLimit-Limit": "2"})
    limiter.observe("S1", "op", 200, {"x-amzn-RateLimit-Limit": "2"})
    limiter.observe("S1", "op", 429, {"x-amzn-RateLimit-Limit": "2"})
    limiter.observe("S1", "op", 200, {})
    assert store.adapts == [(2.0, False), (None, True)]
    assert store.bucket(("S1", "op"), (1.0, 5)).rate == 2.0


def test_memory_store_reports_the_rate_with_each_step():
    clock = FakeClock()
    store = MemoryBucketStore(clock)
    assert store.reserve(("S1", "op"), (2.0, 1)) == (0, 2.0)
    assert store.reserve(("S1", "op"), (2.0, 1), max_wait=0.1) == (
        pytest.approx(-0.5),
        2.0,
    )
    assert store.adapt(("S1", "op"), (2.0, 1), rate=8.0) == 8.0
    assert store.reserve(("S1", "op"), (2.0, 1)) == (pytest.approx(0.125), 8.0)
