"""Usage plans (token buckets per seller and operation) and injected faults."""

import httpx
from sandbox_fixtures import SpClient

from tests.sandbox.fixture import running_sandbox
from tests.sandbox.ratelimit import RateLimiter, TokenBucket

ORDERS = "/orders/2026-01-01/orders"
PRICING = "/batches/products/pricing/2022-05-01/items/competitiveSummary"
QUERY = {"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": 1}


def _pricing_body():
    request = {
        "asin": "B0SANDBOX1",
        "marketplaceId": "ATVPDKIKX0DER",
        "includedData": ["referencePrices"],
        "method": "GET",
        "uri": "/products/pricing/2022-05-01/items/competitiveSummary",
    }
    return {"requests": [request]}


def _burst(client, count, call):
    return [call(client).status_code for _ in range(count)]


def test_token_bucket_refills_at_the_plan_rate():
    now = [0.0]
    bucket = TokenBucket(rate=0.5, burst=2, clock=lambda: now[0])
    assert [bucket.take() for _ in range(3)] == [True, True, False]
    now[0] += 1.9
    assert bucket.take() is False
    now[0] += 0.2
    assert bucket.take() is True
    limiter = RateLimiter(scale=10)
    assert limiter.plan((0.0056, 20)) == (0.056, 200)
    assert limiter.header((0.5, 30)) == "5"


def test_usage_plans_are_enforced_per_seller_and_operation():
    with running_sandbox(orders=5, sellers=2) as box:
        first = SpClient(box)
        codes = _burst(first, 21, lambda c: c.get(ORDERS, **QUERY))
        assert codes == [200] * 20 + [429]  # searchOrders: rate 0.0056, burst 20
        throttled = first.get(ORDERS, **QUERY)
        assert throttled.status_code == 429
        assert throttled.headers["x-amzn-RateLimit-Limit"] == "0.0056"
        assert throttled.headers["x-amzn-RequestId"]
        error = throttled.json()["errors"][0]
        assert error["code"] == "QuotaExceeded"
        # Other operations and other sellers have their own buckets.
        assert first.get(f"{ORDERS}/123-0000000-0000000").status_code == 404
        token = box.credentials["sellers"][1]["refresh_token"]
        second = SpClient(box, refresh_token=token)
        assert second.get(ORDERS, **QUERY).status_code == 200
        stats = box.stats()["operations"]["searchOrders"]
        assert stats["throttled"] == 2 and stats["calls"] == 23
        first.close()
        second.close()


def test_rate_scale_multiplies_rate_and_burst():
    with running_sandbox(orders=5, rate_scale=5) as box:
        client = SpClient(box)
        codes = _burst(
            client, 6, lambda c: c.call("POST", PRICING, json=_pricing_body())
        )
        assert codes == [200] * 5 + [429]  # getCompetitiveSummary: burst 1 x 5
        assert (
            client.call("POST", PRICING, json=_pricing_body()).headers[
                "x-amzn-RateLimit-Limit"
            ]
            == "0.165"
        )
        client.close()


def test_faults_hit_about_the_requested_fraction():
    options = {"orders": 5, "rate_scale": 1000, "faults": 0.3, "fault_delay": 1.0}
    with running_sandbox(**options) as box:
        client = SpClient(box, timeout=0.3)
        outcomes = []
        for _ in range(100):
            try:
                reply = client.get(ORDERS, **QUERY)
                reply.json()
                outcomes.append(reply.status_code)
            except httpx.TimeoutException:
                outcomes.append("timeout")
            except (httpx.RemoteProtocolError, httpx.ReadError, ValueError):
                outcomes.append("truncated")
        client.close()
        stats = box.stats()
    faults = stats["operations"]["searchOrders"]["faults"]
    assert 0.2 <= faults / 100 <= 0.4  # seeded: the same draw every run
    kinds = stats["faultKinds"]
    assert set(kinds) == {"500", "503", "timeout", "truncated"}
    assert outcomes.count(500) == kinds["500"]
    assert outcomes.count(503) == kinds["503"]
    # A busy machine may turn a slow answer into a client timeout, never less.
    assert outcomes.count("timeout") >= kinds["timeout"]
    assert outcomes.count(200) <= 100 - faults
    lost = outcomes.count("timeout") + outcomes.count("truncated")
    assert lost >= kinds["timeout"] + kinds["truncated"]
