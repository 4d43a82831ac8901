"""The access layer against the local SP-API sandbox (loopback only)."""

import logging
import socket
import ssl
import threading
from dataclasses import replace

import pytest
from sandbox_fixtures import require_models
from spapi_support import config_for, fresh_client

from amazon_connector.core.spapi import (
    PermanentError,
    RetryableError,
    RetryPolicy,
    client_for,
)
from amazon_connector.core.spapi.auth import TokenCache
from amazon_connector.core.spapi.ratelimit import RateLimiter
from tests.sandbox.fixture import running_sandbox


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox(orders=60, seed=11) as instance:
        yield instance


def visible_orders(sandbox):
    data = sandbox.dataset()
    return {o["orderId"]: o for o in data["orders"] if o["createdTime"] <= data["now"]}


def test_pages_return_every_order_exactly_once(sandbox):
    orders = visible_orders(sandbox)
    marketplaces = sorted({o["marketplaceId"] for o in orders.values()})
    with fresh_client(config_for(sandbox)) as client:
        pages = list(
            client.search_orders_pages(
                created_after="2000-01-01T00:00:00Z",
                marketplace_ids=marketplaces,
                max_results_per_page=7,
            )
        )
    ids = [order["orderId"] for page in pages for order in page["orders"]]
    assert len(pages) == -(-len(orders) // 7) > 1
    assert sorted(ids) == sorted(orders)


def test_get_order_with_included_data(sandbox):
    order_id = next(iter(visible_orders(sandbox)))
    with fresh_client(config_for(sandbox)) as client:
        order = client.get_order(order_id, included_data=["RECIPIENT"])["order"]
    assert order["orderId"] == order_id and "recipient" in order


@pytest.mark.parametrize(
    "field, code, words",
    [
        ("lwa_client_secret", "invalid_client", "check the client id and secret"),
        ("refresh_token", "invalid_grant", "re-authorize the seller account"),
    ],
)
def test_refused_credentials_are_permanent(sandbox, field, code, words):
    config = replace(config_for(sandbox), **{field: "wrong-value"})
    with fresh_client(config) as client, pytest.raises(PermanentError) as info:
        client.get_order("123-1234567-1234567")
    assert info.value.code == code and words in str(info.value)
    assert "wrong-value" not in str(info.value)


def test_expired_token_is_replaced_transparently(sandbox, caplog):
    caplog.set_level(logging.INFO, logger="amazon_connector.spapi")
    order_id = next(iter(visible_orders(sandbox)))
    with fresh_client(config_for(sandbox)) as client:
        client.get_order(order_id)
        sandbox.expire_tokens()
        assert client.get_order(order_id)["order"]["orderId"] == order_id
    assert caplog.text.count("LWA access token renewed") == 2
    assert "HTTP 403, retrying once with a new token" in caplog.text


def test_short_lived_tokens_are_renewed_before_expiry():
    with running_sandbox(orders=5, token_ttl=2) as sandbox:
        order_id = next(iter(visible_orders(sandbox)))
        with fresh_client(config_for(sandbox)) as client:
            client.get_order(order_id)
            threading.Event().wait(2.0)
            client.get_order(order_id)
        assert sandbox.stats()["operations"]["getOrder"]["errors"] == 0


def test_invalid_request_is_permanent_with_amazon_error_and_request_id(sandbox):
    require_models()  # request validation needs Amazon's models
    client = fresh_client(config_for(sandbox))
    with client, pytest.raises(PermanentError) as info:
        client.search_orders(created_after="yesterday")
    error = info.value
    assert (error.status, error.code) == (400, "InvalidInput")
    assert error.request_id and error.request_id in str(error)
    assert isinstance(error, PermanentError) and not isinstance(error, RetryableError)


def test_throttled_calls_back_off_and_follow_the_rate_header():
    # Plans halved: getOrder 0.25/s, burst 15; the client believes 0.5/s, 30.
    with running_sandbox(orders=5, rate_scale=0.5) as sandbox:
        order_id = next(iter(visible_orders(sandbox)))
        limiter = RateLimiter()
        with fresh_client(config_for(sandbox), limiter) as client:
            for _ in range(16):
                client.get_order(order_id)
        stats = sandbox.stats()["operations"]["getOrder"]
    assert stats["throttled"] == 1  # one 429, then the bucket knows better
    assert limiter.bucket(sandbox.credentials["seller_id"], "getOrder").rate == 0.25


def test_faults_are_retried_until_every_page_arrives():
    options = {
        "orders": 40,
        "seed": 3,
        "faults": 0.3,
        "fault_kinds": "500,503,truncated",
    }
    with running_sandbox(**options) as sandbox:
        orders = visible_orders(sandbox)
        marketplaces = sorted({o["marketplaceId"] for o in orders.values()})
        with fresh_client(config_for(sandbox, rate_scale=100)) as client:
            pages = client.search_orders_pages(
                created_after="2000-01-01T00:00:00Z",
                marketplace_ids=marketplaces,
                max_results_per_page=5,
            )
            ids = [order["orderId"] for page in pages for order in page["orders"]]
        stats = sandbox.stats()
    assert sorted(ids) == sorted(orders)
    assert stats["totals"]["faults"] > 0


def test_timeouts_are_bounded_and_retryable():
    options = {"orders": 5, "faults": 1.0, "fault_kinds": "timeout", "fault_delay": 2}
    with running_sandbox(**options) as sandbox:
        policy = RetryPolicy(max_attempts=2, base_delay=0.05, max_total=5)
        config = config_for(sandbox, read_timeout=0.3, retry=policy)
        with fresh_client(config) as client, pytest.raises(RetryableError) as info:
            client.get_order("123-1234567-1234567")
    assert "timeout" in str(info.value) and "2 attempts" in str(info.value)


@pytest.fixture(scope="module")
def tls_sandbox():
    with running_sandbox(orders=5, tls=True) as instance:
        yield instance


def test_https_with_the_sandbox_ca(tls_sandbox):
    assert tls_sandbox.base_url.startswith("https://")
    order_id = next(iter(visible_orders(tls_sandbox)))
    with fresh_client(config_for(tls_sandbox)) as client:
        assert client.get_order(order_id)["order"]["orderId"] == order_id


def test_unknown_certificate_is_refused(tls_sandbox):
    config = config_for(tls_sandbox, ca_file=None)
    with fresh_client(config) as client, pytest.raises(PermanentError, match="TLS"):
        client.get_order("123-1234567-1234567")


def old_tls_server(tls_dir):
    """A loopback server that speaks at most TLS 1.1; returns its port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1
    context.maximum_version = ssl.TLSVersion.TLSv1_1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    context.load_cert_chain(tls_dir / "server.pem", tls_dir / "server-key.pem")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        with listener:
            for _ in range(2):
                connection, _address = listener.accept()
                try:
                    with context.wrap_socket(connection, server_side=True) as tls:
                        tls.recv(1024)
                        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                except (OSError, ssl.SSLError):
                    pass

    threading.Thread(target=serve, daemon=True).start()
    return port


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
def test_tls_below_1_2_is_refused(tls_sandbox):
    tls_dir = tls_sandbox.ca_file.parent
    port = old_tls_server(tls_dir)
    # Control: a client that allows TLS 1.1 gets through, so the server is fine.
    legacy = ssl.create_default_context(cafile=str(tls_sandbox.ca_file))
    legacy.minimum_version = ssl.TLSVersion.TLSv1
    legacy.set_ciphers("DEFAULT:@SECLEVEL=0")
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=5)
        with raw, legacy.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            assert tls.version() in ("TLSv1", "TLSv1.1")
    except ssl.SSLError as exc:
        pytest.skip(f"this OpenSSL cannot speak TLS 1.1 at all: {exc}")
    config = config_for(tls_sandbox, endpoint_url=f"https://127.0.0.1:{port}")
    with fresh_client(config) as client, pytest.raises(PermanentError, match="TLS"):
        client.search_product_types(keywords=["x"])


def test_plain_http_to_a_remote_host_is_refused(sandbox):
    config = config_for(sandbox, endpoint_url="http://example.com")
    with pytest.raises(PermanentError, match="refused"):
        client_for(config)


def test_no_credential_or_token_in_captured_logs(sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    config = config_for(sandbox)
    with fresh_client(config) as client:
        client.get_order(next(iter(visible_orders(sandbox))), included_data=["BUYER"])
        with pytest.raises(PermanentError):
            client.search_orders(created_after="yesterday")
        token = client._token.access_token()
    bad = replace(config, refresh_token="another-refresh-token")
    with fresh_client(bad) as client, pytest.raises(PermanentError):
        client.get_order("123-1234567-1234567")
    assert caplog.records
    for secret in (
        config.lwa_client_secret,
        config.refresh_token,
        "another-refresh-token",
        token,
    ):
        assert secret not in caplog.text


def test_sellers_never_share_tokens_or_buckets():
    with running_sandbox(orders=5, sellers=2) as sandbox:
        cache, limiter = TokenCache(), RateLimiter()
        clients = [
            client_for(
                config_for(
                    sandbox,
                    seller_id=seller["seller_id"],
                    refresh_token=seller["refresh_token"],
                ),
                limiter=limiter,
                token_cache=cache,
            )
            for seller in sandbox.credentials["sellers"]
        ]
        for client in clients:
            with client:
                client.search_orders(created_after="2000-01-01T00:00:00Z")
        tokens = {client._token.access_token() for client in clients}
        buckets = {
            id(limiter.bucket(client.config.seller_id, "searchOrders"))
            for client in clients
        }
    assert len(clients) == 2 and len(tokens) == 2 and len(buckets) == 2
