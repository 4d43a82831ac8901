"""The sandbox process: READY line, LWA token endpoint, access tokens, TLS."""

import socket
import ssl
import subprocess
import sys
import time
import warnings

import httpx
import pytest
from sandbox_fixtures import (  # noqa: F401
    SpClient,
    fetch_token,
    sandbox_fixture,
    sp_fixture,
)

from tests.sandbox import tls
from tests.sandbox.fixture import ROOT, running_sandbox

ORDERS = "/orders/2026-01-01/orders"


def test_ready_line_names_a_free_loopback_port(sandbox):
    assert sandbox.base_url.startswith("http://127.0.0.1:")
    port = int(sandbox.base_url.rsplit(":", 1)[1])
    assert port > 0
    assert httpx.get(sandbox.base_url + "/_sandbox/health").json()["ok"] is True


def test_stdout_holds_exactly_the_ready_line():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.sandbox", "--port", "0", "--orders", "3"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        first = process.stdout.readline()
        assert first.startswith("READY http://127.0.0.1:")
    finally:
        process.terminate()
        rest, _ = process.communicate(timeout=10)
    assert rest == ""
    assert process.returncode == 0


def test_non_loopback_host_is_refused():
    result = subprocess.run(
        [sys.executable, "-m", "tests.sandbox", "--host", "0.0.0.0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert result.returncode == 2
    assert "loopback" in result.stderr
    assert result.stdout == ""


def test_credentials_are_the_documented_defaults(sandbox):
    creds = sandbox.credentials
    assert creds["client_id"] == "sandbox-client-id"
    assert creds["client_secret"] == "sandbox-client-secret"
    assert creds["refresh_token"] == "sandbox-refresh-token"
    assert creds["seller_id"] == "A1SANDBOXSELLER"
    assert creds["token_url"] == sandbox.base_url + "/auth/o2/token"


def test_lwa_grants_a_bearer_token(sandbox):
    reply = fetch_token(sandbox)
    assert reply.status_code == 200
    body = reply.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"] == sandbox.credentials["refresh_token"]
    assert body["access_token"].startswith("Atza" + "|")


def test_lwa_rejects_a_wrong_client(sandbox):
    reply = fetch_token(sandbox, client_secret="not-the-secret")
    assert reply.status_code == 401
    assert reply.json()["error"] == "invalid_client"
    reply = fetch_token(sandbox, client_id="someone-else")
    assert reply.status_code == 401
    assert reply.json()["error"] == "invalid_client"


def test_lwa_rejects_a_wrong_refresh_token(sandbox):
    reply = fetch_token(sandbox, refresh_token="revoked-refresh-token")
    assert reply.status_code == 400
    assert reply.json()["error"] == "invalid_grant"


def test_lwa_rejects_an_unknown_grant_type(sandbox):
    reply = fetch_token(sandbox, grant_type="password")
    assert reply.status_code == 400
    assert reply.json()["error"] == "unsupported_grant_type"


def test_stats_count_token_requests(sandbox):
    before = sandbox.stats()["lwa"]
    fetch_token(sandbox)
    fetch_token(sandbox, refresh_token="revoked-refresh-token")
    after = sandbox.stats()["lwa"]
    assert after["issued"] == before.get("issued", 0) + 1
    assert after["invalid_grant"] == before.get("invalid_grant", 0) + 1


def _denied(reply):
    assert reply.status_code == 403
    error = reply.json()["errors"][0]
    assert error["code"] == "Unauthorized"
    assert reply.headers["x-amzn-RequestId"]
    return error


def test_calls_without_or_with_unknown_token_are_unauthorized(sandbox, sp):
    params = {"createdAfter": "2026-01-01T00:00:00Z"}
    _denied(sp.http.get(ORDERS, params=params))
    bad = {"x-amz-access-token": "Atza" + "|not-issued-by-this-sandbox"}
    error = _denied(sp.http.get(ORDERS, params=params, headers=bad))
    assert "invalid" in error["details"]


def test_expired_tokens_are_refused_until_refreshed(sandbox):
    client = SpClient(sandbox)
    params = {"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": 1}
    assert client.get(ORDERS, **params).status_code == 200
    sandbox.expire_tokens()
    error = _denied(client.get(ORDERS, **params))
    assert "expired" in error["details"]
    client.renew()
    assert client.get(ORDERS, **params).status_code == 200
    client.close()


def test_token_lifetime_follows_token_ttl():
    with running_sandbox(orders=3, token_ttl=2) as short:
        client = SpClient(short)
        reply = fetch_token(short)
        assert reply.json()["expires_in"] == 2
        params = {"createdAfter": "2026-01-01T00:00:00Z"}
        assert client.get(ORDERS, **params).status_code == 200
        time.sleep(2.1)
        assert "expired" in _denied(client.get(ORDERS, **params))["details"]
        client.close()


def test_every_response_carries_a_request_id(sandbox, sp):
    reply = sp.get("/no/such/operation")
    assert reply.status_code == 404
    assert reply.json()["errors"][0]["code"] == "NotFound"
    assert reply.headers["x-amzn-RequestId"]
    reply = sp.get(ORDERS, createdAfter="2026-01-01T00:00:00Z", maxResultsPerPage=1)
    assert reply.headers["x-amzn-RequestId"]
    assert float(reply.headers["x-amzn-RateLimit-Limit"]) > 0


def test_several_sellers_get_their_own_tokens():
    with running_sandbox(orders=3, sellers=2) as multi:
        sellers = multi.credentials["sellers"]
        ids = [s["seller_id"] for s in sellers]
        assert ids == ["A1SANDBOXSELLER", "A1SANDBOXSELLER2"]
        second = SpClient(multi, refresh_token=sellers[1]["refresh_token"])
        path = "/listings/2021-08-01/items/A1SANDBOXSELLER/SBX-001"
        reply = second.get(path, marketplaceIds="ATVPDKIKX0DER")
        assert reply.status_code == 403  # one seller cannot read another's listings
        # Each seller has orders of its own, and sees only those.
        first = SpClient(multi)
        query = {"createdAfter": "2020-01-01T00:00:00Z"}
        mine = {o["orderId"] for o in first.get(ORDERS, **query).json()["orders"]}
        theirs = {o["orderId"] for o in second.get(ORDERS, **query).json()["orders"]}
        assert mine and theirs and not mine & theirs
        truth = multi.dataset(seller="A1SANDBOXSELLER2")["orders"]
        assert theirs == {o["orderId"] for o in truth}
        first.close()
        second.close()


@pytest.fixture(scope="module")
def tls_sandbox():
    with running_sandbox(orders=3, tls=True) as instance:
        yield instance


def test_tls_mode_serves_https_with_the_generated_ca(tls_sandbox):
    assert tls_sandbox.base_url.startswith("https://127.0.0.1:")
    assert tls_sandbox.ca_file.name == "ca.pem" and tls_sandbox.ca_file.is_file()
    url = tls_sandbox.base_url + "/_sandbox/health"
    reply = httpx.get(url, verify=tls_sandbox.ssl_context)
    assert reply.status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)  # the system CAs do not know the sandbox's CA
    client = SpClient(tls_sandbox)
    reply = client.get(ORDERS, createdAfter="2026-01-01T00:00:00Z")
    assert reply.status_code == 200
    client.close()


def test_server_context_requires_tls_1_2(tmp_path):
    context, paths = tls.server_context(tmp_path)
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ca.pem",
        "server-key.pem",
        "server.pem",
    ]
    assert paths["ca.pem"].read_text().startswith("-----BEGIN CERTIFICATE-----")


def _handshake(base_url, context):
    host, port = base_url.removeprefix("https://").rsplit(":", 1)
    with (
        socket.create_connection((host, int(port)), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        return tls.version()


def test_tls_below_1_2_is_refused(tls_sandbox):
    modern = ssl.create_default_context(cafile=str(tls_sandbox.ca_file))
    modern.maximum_version = ssl.TLSVersion.TLSv1_2
    assert _handshake(tls_sandbox.base_url, modern) == "TLSv1.2"
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(str(tls_sandbox.ca_file))
    old.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():  # TLS 1.0/1.1 are deprecated: that is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises((ssl.SSLError, ConnectionError)):
        _handshake(tls_sandbox.base_url, old)


def test_without_models_the_sandbox_still_serves_generated_data(tmp_path):
    with running_sandbox(orders=5, models_dir=tmp_path / "absent") as bare:
        assert "validation" in "".join(bare.stderr)
        client = SpClient(bare)
        reply = client.get(ORDERS, createdAfter="2026-01-01T00:00:00Z")
        assert reply.status_code == 200
        assert len(reply.json()["orders"]) == 5
        client.close()
