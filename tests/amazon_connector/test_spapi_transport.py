import logging
import random
import ssl

import httpx
import pytest
from spapi_support import BASE, FakeClock, reply

from amazon_connector.core.spapi import PermanentError, RetryableError, RetryPolicy
from amazon_connector.core.spapi.ratelimit import RateLimiter
from amazon_connector.core.spapi.transport import (
    Transport,
    backoff_delay,
    error_from_response,
    parse_retry_after,
    ssl_context,
)

URL = BASE + "/orders/2026-01-01/orders/1"
ERR = {"errors": [{"code": "InvalidInput", "message": "bad orderId"}]}


def make_transport(*replies, policy=None, limiter=None):
    clock = FakeClock()
    calls = []

    def handler(request):
        calls.append(request)
        item = replies[len(calls) - 1] if len(calls) <= len(replies) else reply(200, {})
        if isinstance(item, Exception):
            raise item
        return item

    transport = Transport(
        seller_id="S1",
        retry=policy or RetryPolicy(max_attempts=4, base_delay=1.0, max_total=60),
        limiter=limiter,
        http=httpx.Client(transport=httpx.MockTransport(handler)),
        sleep=clock.sleep,
        clock=clock,
        rand=lambda: 0.5,
    )
    return transport, calls, clock


def test_backoff_grows_exponentially_within_jitter_bounds():
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    for retry, step in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)]:
        assert backoff_delay(retry, policy, lambda: 0.0) == step / 2
        assert backoff_delay(retry, policy, lambda: 0.999999) == pytest.approx(step)
    rng = random.Random(7)
    samples = [backoff_delay(3, policy, rng.random) for _ in range(500)]
    assert 1.0 <= min(samples) < 1.1 and 1.9 < max(samples) <= 2.0


def test_retry_after_parsing():
    assert parse_retry_after("3") == 3.0
    assert (
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1445412470) == 10
    )
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    "status, kind",
    [
        (400, PermanentError),
        (403, PermanentError),
        (404, PermanentError),
        (409, PermanentError),
        (413, PermanentError),
        (429, RetryableError),
        (500, RetryableError),
        (503, RetryableError),
    ],
)
def test_error_mapping(status, kind):
    error = error_from_response(
        "getListingsItem",
        status,
        b'{"errors":[{"code":"X1","message":"m"}]}',
        httpx.Headers({"x-amzn-RequestId": "rid-1"}),
    )
    assert type(error) is kind
    assert (error.operation, error.status, error.code, error.message) == (
        "getListingsItem",
        status,
        "X1",
        "m",
    )
    assert error.request_id == "rid-1"
    assert str(error) == f"getListingsItem HTTP {status} X1: m (request id rid-1)"


def test_buyer_data_in_amazons_error_text_never_leaves_the_layer(caplog):
    message = "Invalid address for Zoë Müller, 4471 Rue de l'Été"
    body = {"errors": [{"code": "InvalidInput", "message": message}]}
    transport, _calls, _clock = make_transport(reply(400, body))
    with caplog.at_level(logging.DEBUG), pytest.raises(PermanentError) as info:
        transport.request("purchaseShipment", "POST", URL)
    error = info.value
    assert error.code == "InvalidInput" and error.status == 400
    for text in (str(error), repr(error), caplog.text):
        assert "Müller" not in text and "4471" not in text


def test_non_idempotent_calls_are_not_repeated_after_amazon_may_have_acted():
    transport, calls, _clock = make_transport(reply(503, ERR), reply(200, {"ok": 1}))
    with pytest.raises(RetryableError):
        transport.request("createFeed", "POST", URL)
    assert len(calls) == 1
    # A 429 was refused before Amazon acted: retried.
    transport, calls, _clock = make_transport(reply(429, ERR), reply(200, {"ok": 1}))
    assert transport.request("createFeed", "POST", URL).json() == {"ok": 1}
    assert len(calls) == 2


def test_error_mapping_of_non_json_and_lwa_bodies():
    error = error_from_response("x", 502, b"<html>bad gateway", httpx.Headers())
    assert isinstance(error, RetryableError) and error.message == "HTTP 502"
    lwa = b'{"error":"invalid_grant","error_description":"invalid grant"}'
    error = error_from_response("lwa.token", 400, lwa, httpx.Headers())
    assert isinstance(error, PermanentError) and error.code == "invalid_grant"


def test_retries_5xx_and_429_then_succeeds_with_backoff():
    transport, calls, clock = make_transport(
        reply(503, ERR), reply(500), reply(429, ERR), reply(200, {"ok": 1})
    )
    response = transport.request("getOrder", "GET", URL)
    assert response.json() == {"ok": 1} and len(calls) == 4
    assert clock.sleeps == [0.75, 1.5, 3.0]  # rand fixed at 0.5


def test_retry_after_is_respected():
    transport, _calls, clock = make_transport(
        reply(429, ERR, {"Retry-After": "7"}), reply(200, {})
    )
    transport.request("getOrder", "GET", URL)
    assert clock.sleeps == [7.0]


def test_4xx_is_permanent_at_once():
    transport, calls, clock = make_transport(
        reply(400, ERR, {"x-amzn-RequestId": "r-400"})
    )
    with pytest.raises(PermanentError) as info:
        transport.request("getOrder", "GET", URL)
    assert len(calls) == 1 and clock.sleeps == []
    assert (info.value.status, info.value.code, info.value.request_id) == (
        400,
        "InvalidInput",
        "r-400",
    )


def test_exhausted_attempts_are_retryable_with_last_error():
    transport, calls, _clock = make_transport(*[reply(503, ERR)] * 10)
    with pytest.raises(RetryableError, match="gave up after 4 attempts") as info:
        transport.request("getOrder", "GET", URL)
    assert len(calls) == 4 and info.value.status == 503


def test_total_time_budget_bounds_retries():
    policy = RetryPolicy(max_attempts=10, base_delay=1.0, max_total=5.0)
    transport, calls, clock = make_transport(*[reply(500)] * 10, policy=policy)
    with pytest.raises(RetryableError, match="budget"):
        transport.request("getOrder", "GET", URL)
    assert sum(clock.sleeps) <= 5.0 and len(calls) < 10


def test_timeouts_and_broken_bodies_are_retried():
    request = httpx.Request("GET", URL)
    transport, calls, _clock = make_transport(
        httpx.ReadTimeout("slow", request=request),
        httpx.ConnectTimeout("slow", request=request),
        httpx.RemoteProtocolError("peer closed", request=request),
        reply(200, content=b'{"orders": [{"ord'),
        reply(200, {"orders": []}),
    )
    transport.retry = RetryPolicy(max_attempts=5, base_delay=0.1)
    assert transport.request("getOrder", "GET", URL).json() == {"orders": []}
    assert len(calls) == 5


def test_timeout_exhaustion_is_retryable():
    request = httpx.Request("GET", URL)
    transport, _calls, _clock = make_transport(
        *[httpx.ReadTimeout("slow", request=request)] * 4
    )
    with pytest.raises(RetryableError, match="timeout"):
        transport.request("getOrder", "GET", URL)


def test_rate_limiter_is_consulted_and_adapted():
    clock = FakeClock()
    limiter = RateLimiter(plans={"getOrder": (1.0, 1)}, clock=clock, sleep=clock.sleep)
    transport, _calls, _ = make_transport(
        reply(200, {}, {"x-amzn-RateLimit-Limit": "2"}), reply(200, {}), limiter=limiter
    )
    transport.request("getOrder", "GET", URL)
    transport.request("getOrder", "GET", URL)
    assert limiter.bucket("S1", "getOrder").rate == 2.0
    assert clock.sleeps == [pytest.approx(0.5 + 0.03 / 2.0)]  # with safety margin


def test_plain_http_to_a_remote_host_is_refused_before_any_call():
    transport, calls, _clock = make_transport()
    with pytest.raises(PermanentError, match="refused"):
        transport.request("getOrder", "GET", "http://example.com/orders")
    assert calls == []


def test_ssl_context_requires_tls12_and_verifies():
    context = ssl_context()
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    transport = Transport(connect_timeout=2, read_timeout=7)
    transport.close()
    assert transport.ssl_context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert (transport.timeout.connect, transport.timeout.read) == (2, 7)


@pytest.mark.parametrize("announced", [True, False])
def test_a_reply_over_the_size_limit_is_refused_not_read(monkeypatch, announced):
    """A body larger than the limit (announced by Content-Length, or sent
    chunked without one) is refused with an error naming the operation, and
    not retried; one at the limit is read whole."""
    from amazon_connector.core.spapi import transport as module

    monkeypatch.setattr(module, "MAX_JSON_BODY", 1000)
    chunks = [b'{"pad": "', b"x" * 600, b"x" * 600, b'"}']
    sent = []

    def body():
        for chunk in chunks:
            sent.append(len(chunk))
            yield chunk

    big = (
        httpx.Response(200, content=b"".join(chunks))
        if announced
        else httpx.Response(200, content=body())
    )
    transport, calls, _clock = make_transport(big)
    with pytest.raises(PermanentError, match="1,000 bytes") as caught:
        transport.request("getOrder", "GET", URL)
    assert caught.value.operation == "getOrder"
    assert len(calls) == 1
    if not announced:
        # Reading stopped at the chunk that went over the limit.
        assert sum(sent) < sum(len(c) for c in chunks)
    fits = b'{"pad": "' + b"x" * 980 + b'"}'
    assert len(fits) <= 1000
    transport, _calls, _clock = make_transport(httpx.Response(200, content=fits))
    assert transport.request("getOrder", "GET", URL).json() == {"pad": "x" * 980}
