import pytest

from amazon_connector.core.spapi import PermanentError
from amazon_connector.core.spapi.endpoints import (
    REGION_ENDPOINTS,
    SANDBOX_ENDPOINTS,
    api_endpoint,
    check_url,
    is_loopback,
)


def test_regions_and_sandbox_hosts():
    assert api_endpoint("NA") == "https://sellingpartnerapi-na.amazon.com"
    assert api_endpoint("eu") == "https://sellingpartnerapi-eu.amazon.com"
    assert api_endpoint("FE") == "https://sellingpartnerapi-fe.amazon.com"
    assert SANDBOX_ENDPOINTS["NA"] == "https://sandbox.sellingpartnerapi-na.amazon.com"
    assert set(REGION_ENDPOINTS) == {"NA", "EU", "FE"}


def test_region_inferred_from_marketplaces_or_refused_when_mixed():
    assert api_endpoint(marketplace_ids=["A1PA6795UKMFR9"]).endswith("-eu.amazon.com")
    with pytest.raises(PermanentError):
        api_endpoint(marketplace_ids=["ATVPDKIKX0DER", "A1PA6795UKMFR9"])
    with pytest.raises(PermanentError):
        api_endpoint("XX")


def test_explicit_endpoint_wins():
    url = "https://sandbox.sellingpartnerapi-eu.amazon.com/"
    assert api_endpoint("NA", url) == url.rstrip("/")


@pytest.mark.parametrize(
    "host", ["localhost", "127.0.0.1", "127.3.4.5", "::1", "[::1]", "LOCALHOST"]
)
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["example.com", "10.0.0.1", "128.0.0.1", "", None])
def test_non_loopback_hosts(host):
    assert not is_loopback(host)


def test_plain_http_only_on_loopback():
    assert check_url("http://127.0.0.1:8443") == "http://127.0.0.1:8443"
    assert check_url("http://localhost/") == "http://localhost"
    assert check_url("http://[::1]:9000") == "http://[::1]:9000"
    for url in ("http://example.com", "http://10.1.2.3", "ftp://127.0.0.1", "x"):
        with pytest.raises(PermanentError, match="refused|no host"):
            check_url(url)
