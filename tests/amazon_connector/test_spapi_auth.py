import threading

import httpx
import pytest
from spapi_support import ACCESS, CLIENT_ID, LWA, REFRESH, SECRET, FakeClock, reply

from amazon_connector.core.spapi import PermanentError, RetryableError, RetryPolicy
from amazon_connector.core.spapi.auth import (
    LwaTokenProvider,
    TokenCache,
    account_key,
)
from amazon_connector.core.spapi.transport import Transport


class Lwa:
    def __init__(self, *answers, lifetime=3600):
        self.answers = list(answers)
        self.forms = []
        self.lifetime = lifetime
        self.lock = threading.Lock()

    def __call__(self, request):
        with self.lock:
            self.forms.append(request.content.decode())
            if self.answers:
                return self.answers.pop(0)
            token = f"{ACCESS}{len(self.forms)}"
            return reply(200, {"access_token": token, "expires_in": self.lifetime})


def provider(lwa, clock=None, cache=None, seller="S1", refresh=REFRESH, scope=None):
    clock = clock or FakeClock()
    transport = Transport(
        http=httpx.Client(transport=httpx.MockTransport(lwa)),
        sleep=clock.sleep,
        clock=clock,
        rand=lambda: 0.5,
        retry=RetryPolicy(max_attempts=3, base_delay=0.1),
    )
    return LwaTokenProvider(
        transport=transport,
        lwa_url=LWA,
        seller_id=seller,
        client_id=CLIENT_ID,
        client_secret=SECRET,
        refresh_token=refresh,
        cache=cache or TokenCache(),
        clock=clock,
        scope=scope,
    )


def test_grantless_token_is_the_applications_and_cached_apart():
    lwa = Lwa()
    cache = TokenCache()
    seller = provider(lwa, cache=cache)
    grantless = provider(
        lwa, cache=cache, refresh=None, scope="sellingpartnerapi::notifications"
    )
    assert seller.access_token() == ACCESS + "1"
    # Bug caught: the seller's cached token handed out for a grantless
    # operation (Amazon refuses it), or the refresh token sent with it.
    assert grantless.access_token() == ACCESS + "2"
    assert "grant_type=client_credentials" in lwa.forms[1]
    assert "scope=sellingpartnerapi%3A%3Anotifications" in lwa.forms[1]
    assert "refresh_token" not in lwa.forms[1]
    assert "client_secret=" in lwa.forms[1]
    assert grantless.access_token() == ACCESS + "2"
    assert seller.access_token() == ACCESS + "1"
    assert len(lwa.forms) == 2


def test_refresh_grant_form_and_cache():
    lwa = Lwa()
    auth = provider(lwa)
    assert auth.access_token() == ACCESS + "1"
    assert auth.access_token() == ACCESS + "1"
    assert len(lwa.forms) == 1
    assert "grant_type=refresh_token" in lwa.forms[0]
    assert "client_id=amzn1.application-oa2-client.fake" in lwa.forms[0]


def test_token_renewed_shortly_before_expiry():
    clock = FakeClock()
    lwa = Lwa(lifetime=3600)
    auth = provider(lwa, clock)
    auth.access_token()
    clock.now += 3600 - 61
    assert auth.access_token() == ACCESS + "1"
    clock.now += 2  # inside the last minute: renew
    assert auth.access_token() == ACCESS + "2"


def test_short_lived_tokens_renew_at_nine_tenths():
    clock = FakeClock()
    auth = provider(Lwa(lifetime=10), clock)
    auth.access_token()
    clock.now += 8.9
    assert auth.access_token().endswith("1")
    clock.now += 0.2
    assert auth.access_token().endswith("2")


def test_cache_is_per_account():
    cache = TokenCache()
    lwa = Lwa()
    first = provider(lwa, cache=cache, seller="S1")
    again = provider(lwa, cache=cache, seller="S1")
    other = provider(lwa, cache=cache, seller="S2")
    assert first.access_token() == again.access_token()
    assert other.access_token() != first.access_token()
    assert len(lwa.forms) == 2
    key = account_key("S1", CLIENT_ID, REFRESH)
    assert REFRESH not in key and key != account_key("S1", CLIENT_ID, REFRESH + "x")


def test_invalidate_forces_a_new_grant():
    lwa = Lwa()
    auth = provider(lwa)
    auth.access_token()
    auth.invalidate()
    assert auth.access_token() == ACCESS + "2"


def test_concurrent_callers_share_one_grant():
    lwa = Lwa()
    auth = provider(lwa)
    tokens = []
    threads = [
        threading.Thread(target=lambda: tokens.append(auth.access_token()))
        for _ in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(tokens) == {ACCESS + "1"} and len(lwa.forms) == 1


@pytest.mark.parametrize(
    "code, words",
    [
        ("invalid_grant", "refused the refresh token (invalid_grant): re-authorize"),
        ("invalid_client", "refused the LWA client credentials (invalid_client)"),
    ],
)
def test_lwa_refusals_are_permanent_and_plain(code, words):
    body = {"error": code, "error_description": f"bad {REFRESH} {SECRET}"}
    auth = provider(Lwa(reply(400 if code == "invalid_grant" else 401, body)))
    with pytest.raises(PermanentError) as info:
        auth.access_token()
    assert words in str(info.value) and info.value.code == code
    for secret in (REFRESH, SECRET):
        assert secret not in str(info.value) and secret not in repr(info.value)


def test_lwa_outage_is_retryable():
    auth = provider(Lwa(*[reply(503)] * 3))
    with pytest.raises(RetryableError):
        auth.access_token()


def test_repr_hides_secrets():
    auth = provider(Lwa())
    assert REFRESH not in repr(auth) and SECRET not in repr(auth)
