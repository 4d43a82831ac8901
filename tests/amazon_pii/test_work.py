"""The one backoff of every retried item (amazon_pii.core.work)."""

import random
from datetime import timedelta

from amazon_pii.core.work import BACKOFF_CAP, BUSY, backoff


def test_doubles_from_two_minutes_within_the_jitter():
    rng = random.Random(7)
    for attempts, minutes in ((1, 2), (2, 4), (3, 8), (6, 64)):
        for _ in range(50):
            delay = backoff(attempts, rng=rng)
            assert (
                timedelta(minutes=minutes * 0.8)
                <= delay
                <= timedelta(minutes=minutes * 1.2)
            )


def test_jitter_spreads_items_that_failed_together():
    rng = random.Random(1)
    delays = {backoff(4, rng=rng) for _ in range(20)}
    assert len(delays) > 10  # not all due in the same instant


def test_capped_at_a_day_even_after_jitter_and_many_attempts():
    rng = random.Random(3)
    for attempts in (11, 12, 40, 10_000):
        assert backoff(attempts, rng=rng) <= BACKOFF_CAP
    # Near the cap the jitter may only shorten the wait.
    assert max(backoff(30, rng=rng) for _ in range(50)) == BACKOFF_CAP


def test_no_wait_before_a_first_failure():
    assert backoff(0) == timedelta(0)


def test_busy_is_one_value():
    assert type(BUSY)() is BUSY
    assert repr(BUSY) == "BUSY"
