"""LWA client secret lifetime (core/lwa_secret.py) and the credentials check
that proves a new secret at the token endpoint."""

from datetime import date, datetime

import httpx
import pytest
from spapi_support import ACCESS, CLIENT_ID, REFRESH, SECRET, reply

from amazon_connector.core import lwa_secret
from amazon_connector.core.spapi import PermanentError, RetryPolicy
from amazon_connector.core.spapi.auth import LwaTokenProvider, TokenCache
from amazon_connector.core.spapi.transport import LWA as LWA_OPERATION
from amazon_connector.core.spapi.transport import Transport

LWA_URL = "https://api.amazon.com/auth/o2/token"


def test_expiry_is_180_days_after_the_secret_was_set():
    # Amazon: rotate every 180 days. 2026-01-01 + 180 days = 2026-06-30
    # (31+28+31+30+31+30 = 181 days to 2026-07-01).
    assert lwa_secret.expires_on(date(2026, 1, 1)) == date(2026, 6, 30)
    assert lwa_secret.expires_on(datetime(2026, 1, 1, 23, 59)) == date(2026, 6, 30)
    assert lwa_secret.expires_on(None) is None


def test_days_left_counts_whole_days_and_goes_negative():
    expiry = date(2026, 6, 30)
    assert lwa_secret.days_left(expiry, date(2026, 5, 31)) == 30
    assert lwa_secret.days_left(expiry, datetime(2026, 6, 30, 8)) == 0
    assert lwa_secret.days_left(expiry, date(2026, 7, 2)) == -2
    assert lwa_secret.days_left(None, date(2026, 7, 2)) is None


@pytest.mark.parametrize(
    ("today", "refused", "expected"),
    [
        (date(2026, 5, 30), False, "ok"),  # 31 days left
        (date(2026, 5, 31), False, "expiring"),  # 30 days left
        (date(2026, 6, 29), False, "expiring"),  # 1 day left
        (date(2026, 6, 30), False, "expired"),  # the expiry day itself
        (date(2026, 1, 2), True, "refused"),  # Amazon's word beats the date
    ],
)
def test_state_of_a_secret(today, refused, expected):
    assert lwa_secret.state(date(2026, 6, 30), today, refused) == expected


def test_state_without_a_known_date_is_unknown():
    assert lwa_secret.state(None, date(2026, 1, 1)) == "unknown"


@pytest.mark.parametrize(
    ("left", "warned", "due"),
    [
        (31, 0, None),  # too early
        (30, 0, 30),  # first threshold reached
        (29, 30, None),  # already warned at 30: not again
        (7, 30, 7),  # second threshold
        (6, 7, None),  # already warned at 7
        (5, 0, 7),  # first seen late: one warning, the tightest
        (5, None, 7),
        (0, 0, None),  # expired: the stop handles it, not a warning
        (-3, 7, None),
        (None, 0, None),  # date unknown
    ],
)
def test_warning_due_once_per_threshold(left, warned, due):
    assert lwa_secret.warning_due(left, warned) == due


def test_refusal_is_invalid_client_from_the_token_endpoint_only():
    refused = PermanentError(
        "x", operation=LWA_OPERATION, status=401, code="invalid_client"
    )
    assert lwa_secret.is_refusal(refused)
    grant = PermanentError(
        "x", operation=LWA_OPERATION, status=400, code="invalid_grant"
    )
    assert not lwa_secret.is_refusal(grant)
    # The same code from an SP-API operation is not the token endpoint's word.
    other = PermanentError(
        "x", operation="searchOrders", status=401, code="invalid_client"
    )
    assert not lwa_secret.is_refusal(other)


def test_parse_day_reads_amazons_iso_expiry_time():
    assert lwa_secret.parse_day("2027-01-15T10:00:00Z") == date(2027, 1, 15)
    assert lwa_secret.parse_day(datetime(2027, 1, 15, 3)) == date(2027, 1, 15)
    assert lwa_secret.parse_day("") is None


class Lwa:
    def __init__(self, *answers):
        self.answers = list(answers)
        self.forms = []

    def __call__(self, request):
        self.forms.append(request.content.decode())
        if self.answers:
            return self.answers.pop(0)
        return reply(
            200, {"access_token": f"{ACCESS}{len(self.forms)}", "expires_in": 3600}
        )


def provider(lwa, cache):
    transport = Transport(
        http=httpx.Client(transport=httpx.MockTransport(lwa)),
        sleep=lambda s: None,
        rand=lambda: 0.5,
        retry=RetryPolicy(max_attempts=2, base_delay=0.01),
    )
    return LwaTokenProvider(
        transport=transport,
        lwa_url=LWA_URL,
        seller_id="S1",
        client_id=CLIENT_ID,
        client_secret=SECRET,
        refresh_token=REFRESH,
        cache=cache,
    )


def test_renew_asks_lwa_even_when_a_token_is_cached():
    # Bug caught: proving a new secret with a cached token (granted with the
    # old secret) would accept any secret.
    lwa, cache = Lwa(), TokenCache()
    auth = provider(lwa, cache)
    auth.access_token()
    auth.renew()
    assert len(lwa.forms) == 2
    assert "grant_type=refresh_token" in lwa.forms[1]
    assert auth.access_token() == ACCESS + "2"  # the renewed one is cached


def test_renew_with_a_refused_secret_is_permanent_and_keeps_the_cache():
    body = {
        "error": "invalid_client",
        "error_description": "Client authentication failed",
    }
    lwa, cache = Lwa(), TokenCache()
    auth = provider(lwa, cache)
    auth.access_token()
    lwa.answers.append(reply(401, body))
    with pytest.raises(PermanentError) as info:
        auth.renew()
    assert info.value.code == "invalid_client"
    assert lwa_secret.is_refusal(info.value)
    assert SECRET not in str(info.value)
    assert auth.access_token() == ACCESS + "1"  # the old token was not dropped
