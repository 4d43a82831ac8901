"""tracking_share: only order id, tracking number and carrier may leave Odoo."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest

from amazon_connector.core.tracking_share import (
    ALLOWED,
    ShareError,
    ShareRefused,
    send_share,
    share_payload,
)

GOOD = {
    "order_id": "902-0000001-0000001",
    "tracking_number": "TT000000001GB",
    "carrier": "Royal Mail",
}
KEY = "example-share-key-0001"


def with_(**changes):
    return {**GOOD, **changes}


def test_allowed_values_pass_unchanged():
    assert share_payload(dict(GOOD)) == GOOD
    assert set(share_payload(GOOD)) == set(ALLOWED)


def test_amazon_carrier_ids_pass():
    # Labels bought through Amazon name their carrier by id, e.g. AMZN_US.
    assert share_payload(with_(carrier="AMZN_US"))["carrier"] == "AMZN_US"


def test_returns_a_new_dict():
    values = dict(GOOD)
    assert share_payload(values) is not values


@pytest.mark.parametrize(
    "key, value",
    [
        ("buyer_name", "Jane Example"),
        ("address", "1 Example Lane"),
        ("email", "someone@example.invalid"),
        ("phone", "+44 0000 000000"),
        ("postal_code", "ZZ1 1ZZ"),
    ],
)
def test_extra_key_refused_naming_key_not_value(key, value):
    with pytest.raises(ShareRefused) as info:
        share_payload(with_(**{key: value}))
    assert key in str(info.value)
    assert value not in str(info.value)


def test_key_that_is_itself_data_not_echoed():
    with pytest.raises(ShareRefused) as info:
        share_payload({**GOOD, "someone@example.invalid": "x"})
    assert "example.invalid" not in str(info.value)


@pytest.mark.parametrize("missing", ALLOWED)
def test_each_field_required(missing):
    values = dict(GOOD)
    del values[missing]
    with pytest.raises(ShareRefused, match=missing):
        share_payload(values)


@pytest.mark.parametrize(
    "field, value",
    [
        ("order_id", "902-0000001"),
        ("order_id", "someone@example.invalid"),
        ("tracking_number", "12 Example Street"),
        ("tracking_number", "someone@example.invalid"),
        ("tracking_number", "020-7946-0000"),
        ("tracking_number", "+44 20 7946 0000"),
        ("tracking_number", "ab"),
        ("carrier", "someone@example.invalid"),
        ("carrier", "Vans 07700 900000"),
        ("carrier", "0207-946-0000"),
        ("carrier", "12 Example Street"),
        ("carrier", "x" * 61),
        ("carrier", "Line\nbreak"),
    ],
)
def test_pii_looking_or_malformed_values_refused(field, value):
    with pytest.raises(ShareRefused) as info:
        share_payload(with_(**{field: value}))
    message = str(info.value)
    assert field in message
    assert value not in message
    assert value.strip()[:6] not in message


def test_non_text_refused():
    with pytest.raises(ShareRefused, match="text"):
        share_payload(with_(tracking_number=12345678))


@pytest.mark.parametrize(
    "field, value",
    [
        ("tracking_number", "1Z999AA10123456784"),
        ("tracking_number", "9400100000000000000000"),
        ("carrier", "DHL eCommerce"),
        ("carrier", "Bob's Vans (North) / Express"),
        ("carrier", "Royal Mail Tracked 24"),
    ],
)
def test_realistic_values_pass(field, value):
    assert share_payload(with_(**{field: value}))[field] == value


# --- send_share against a loopback server -----------------------------------


class Recorder(BaseHTTPRequestHandler):
    status = 204
    seen = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        type(self).seen.append(
            {
                "path": self.path,
                "headers": dict(self.headers),
                "body": self.rfile.read(length),
            }
        )
        body = f"server says no; echo Bearer {KEY}".encode() * 20
        self.send_response(type(self).status)
        self.send_header("Content-Length", str(len(body) if self.status >= 300 else 0))
        self.end_headers()
        if self.status >= 300:
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    handler = type("Handler", (Recorder,), {"status": 204, "seen": []})
    httpd = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd, handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def url_of(httpd):
    return f"http://127.0.0.1:{httpd.server_address[1]}/share"


def test_send_share_posts_exactly_three_keys_with_bearer(server):
    httpd, handler = server
    assert send_share(url_of(httpd), KEY, dict(GOOD)) is None
    (request,) = handler.seen
    assert request["path"] == "/share"
    assert request["headers"]["Authorization"] == f"Bearer {KEY}"
    assert request["headers"]["Content-Type"] == "application/json"
    assert json.loads(request["body"]) == GOOD


def test_send_share_refuses_before_sending(server):
    httpd, handler = server
    with pytest.raises(ShareRefused):
        send_share(url_of(httpd), KEY, with_(email="someone@example.invalid"))
    assert handler.seen == []


@pytest.mark.parametrize(
    "url", ["http://tracking.example.com/share", "ftp://127.0.0.1/x", "", None]
)
def test_send_share_refuses_unsafe_url(url):
    with pytest.raises(ShareRefused, match="URL"):
        send_share(url, KEY, dict(GOOD))


def test_send_share_raises_share_error_on_500(server):
    httpd, handler = server
    handler.status = 500
    with pytest.raises(ShareError) as info:
        send_share(url_of(httpd), KEY, dict(GOOD))
    assert info.value.status == 500
    message = str(info.value)
    assert "HTTP 500" in message
    assert KEY not in message
    assert len(message) < 300


def test_send_share_network_error():
    # Port 9 on loopback: nothing listens, the connection is refused.
    with pytest.raises(ShareError) as info:
        send_share("http://127.0.0.1:9/share", KEY, dict(GOOD), timeout=2)
    assert info.value.status is None
    assert KEY not in str(info.value)


@pytest.mark.parametrize("key", ["", None, "two words", "line\nbreak"])
def test_send_share_refuses_bad_key(key, server):
    httpd, handler = server
    with pytest.raises(ShareRefused, match="key"):
        send_share(url_of(httpd), key, dict(GOOD))
    assert handler.seen == []


def mock_client(*replies):
    calls = []

    def handler(request):
        calls.append(request)
        return replies[len(calls) - 1]

    return httpx.Client(transport=httpx.MockTransport(handler)), calls


def test_send_share_uses_given_client():
    client, calls = mock_client(httpx.Response(200))
    send_share("https://tracking.example.com/share/", KEY, GOOD, client=client)
    (request,) = calls
    assert str(request.url) == "https://tracking.example.com/share"
    assert request.method == "POST"
    assert json.loads(request.content) == GOOD
    assert request.headers["Authorization"] == f"Bearer {KEY}"


def test_send_share_does_not_follow_a_redirect():
    # A redirect could lead the bearer key to a host nobody configured.
    client, calls = mock_client(
        httpx.Response(302, headers={"Location": "https://elsewhere.example.com/"})
    )
    with pytest.raises(ShareError) as info:
        send_share("https://tracking.example.com/share", KEY, GOOD, client=client)
    assert info.value.status == 302
    assert len(calls) == 1


def test_send_share_error_names_no_url():
    client, _calls = mock_client(httpx.Response(503))
    url = "https://tracking.example.com/share?token=url-secret-0001"
    with pytest.raises(ShareError) as info:
        send_share(url, KEY, GOOD, client=client)
    assert info.value.status == 503
    assert "url-secret-0001" not in str(info.value)
