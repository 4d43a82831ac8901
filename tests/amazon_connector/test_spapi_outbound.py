"""outbound_post: one call to a service that is not Amazon, on the layer's rules."""

import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest

from amazon_connector.core.spapi import PermanentError, RetryableError
from amazon_connector.core.spapi.transport import (
    USER_AGENT,
    http_client,
    outbound_post,
    ssl_context,
)

URL = "https://hooks.example.com/v1/track"
HOSTS = ("hooks.example.com",)
KEY = "hook-key-0000000001"
AUTH = {"Authorization": f"Bearer {KEY}"}


def mock_client(*replies):
    calls = []

    def handler(request):
        calls.append(request)
        item = replies[len(calls) - 1]
        if isinstance(item, Exception):
            raise item
        return item

    return httpx.Client(transport=httpx.MockTransport(handler)), calls


def post(*replies, url=URL, hosts=HOSTS):
    client, calls = mock_client(*replies)
    try:
        result = outbound_post(
            url, {"a": 1}, headers=AUTH, allowed_hosts=hosts, client=client
        )
    except (PermanentError, RetryableError) as exc:
        return exc, calls
    return result, calls


def test_2xx_returns_the_reply_after_one_post():
    result, calls = post(httpx.Response(201, json={"id": "x1"}))
    assert result.status == 201 and result.json() == {"id": "x1"}
    (request,) = calls
    assert request.method == "POST" and str(request.url) == URL
    assert request.content == b'{"a":1}'
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["user-agent"] == USER_AGENT


@pytest.mark.parametrize(
    "url, hosts",
    [
        ("https://evil.example.net/v1/track", HOSTS),
        ("https://hooks.example.com.evil.example.net/x", HOSTS),
        (URL, ()),
    ],
)
def test_host_outside_the_allow_list_refused_before_any_call(url, hosts):
    error, calls = post(httpx.Response(200), url=url, hosts=hosts)
    assert isinstance(error, PermanentError) and error.operation == "config"
    assert "host not allowed" in error.message
    assert calls == []


def test_allow_list_ignores_case():
    result, calls = post(httpx.Response(204), hosts=("HOOKS.Example.COM",))
    assert result.status == 204 and len(calls) == 1


@pytest.mark.parametrize(
    "url", ["http://hooks.example.com/v1/track", "ftp://127.0.0.1/x", "", None]
)
def test_url_rules_of_the_layer_apply(url):
    error, calls = post(httpx.Response(200), url=url, hosts=("hooks.example.com",))
    assert isinstance(error, PermanentError) and error.operation == "config"
    assert calls == []


def test_plain_http_allowed_on_loopback_only():
    result, calls = post(
        httpx.Response(200), url="http://127.0.0.1:8999/t", hosts=("127.0.0.1",)
    )
    assert result.status == 200 and len(calls) == 1


@pytest.mark.parametrize(
    "status, kind",
    [(429, RetryableError), (503, RetryableError), (404, PermanentError)],
)
def test_error_kind_follows_the_status(status, kind):
    error, calls = post(httpx.Response(status, text="nope"))
    assert type(error) is kind
    assert error.status == status
    assert error.message == "nope"
    assert len(calls) == 1  # never retried here: the caller keeps the retry state


def test_redirect_not_followed():
    error, calls = post(
        httpx.Response(302, headers={"Location": "https://elsewhere.example.com/"})
    )
    assert isinstance(error, PermanentError) and error.status == 302
    assert len(calls) == 1


def test_echoed_credentials_masked_and_body_cut():
    echo = f"you sent Bearer {KEY}; key {KEY} " + "x" * 500
    error, _calls = post(httpx.Response(400, text=echo))
    assert KEY not in str(error)
    assert error.message.startswith("you sent ***; key *** x")
    assert len(error.message) == 200


def test_echoed_buyer_data_redacted():
    body = '{"error": "bad", "buyerName": "Jane Example"}'
    error, _calls = post(httpx.Response(422, text=body))
    assert "Jane" not in str(error)
    assert "bad" in error.message


def test_retry_after_kept():
    error, _calls = post(httpx.Response(429, headers={"Retry-After": "7"}))
    assert error.retry_after == 7.0


@pytest.mark.parametrize(
    "exc, kind, text",
    [
        (httpx.ConnectError("refused"), RetryableError, "connection failed"),
        (httpx.ConnectTimeout("slow"), RetryableError, "connection failed"),
        (httpx.ReadTimeout("slow"), RetryableError, "timeout (ReadTimeout)"),
        (httpx.RemoteProtocolError("cut"), RetryableError, "connection failed"),
    ],
)
def test_network_failures_are_retryable(exc, kind, text):
    error, _calls = post(exc)
    assert type(error) is kind and text in error.message
    assert "hooks.example.com" not in str(error)


def test_refused_certificate_is_permanent():
    cause = ssl.SSLCertVerificationError(1, "certificate verify failed")
    failure = httpx.ConnectError("handshake")
    failure.__cause__ = cause
    error, _calls = post(failure)
    assert isinstance(error, PermanentError)
    assert "TLS handshake failed" in error.message


def test_client_configuration():
    client = http_client(ssl_context(), httpx.Timeout(3))
    try:
        assert client.trust_env is False
        assert client.follow_redirects is False
        assert client.timeout.read == 3
    finally:
        client.close()


# --- the default client, against loopback servers ---------------------------


class Slow(BaseHTTPRequestHandler):
    delay = 0.0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(self.delay)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    handler = type("Handler", (Slow,), {})
    httpd = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd, handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_environment_proxy_never_used(server, monkeypatch):
    httpd, _handler = server
    # A proxy that does not exist: a client trusting the environment fails.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    url = f"http://127.0.0.1:{httpd.server_address[1]}/t"
    reply = outbound_post(url, {}, headers={}, allowed_hosts=("127.0.0.1",))
    assert reply.status == 204


def test_timeout_applies(server):
    httpd, handler = server
    handler.delay = 1.5
    url = f"http://127.0.0.1:{httpd.server_address[1]}/t"
    started = time.monotonic()
    with pytest.raises(RetryableError, match="timeout"):
        outbound_post(url, {}, headers={}, allowed_hosts=("127.0.0.1",), timeout=0.2)
    assert time.monotonic() - started < 1.4
