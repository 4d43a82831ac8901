import threading

import pytest
from spapi_support import FakeClock

from amazon_connector.core.spapi import RetryableError
from amazon_connector.core.spapi.ratelimit import (
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
