import pytest

from amazon_connector.core.spapi import PermanentError
from amazon_connector.core.spapi.endpoints import (
    LWA_URL,
    REGION_ENDPOINTS,
    SANDBOX_ENDPOINTS,
    account_hosts,
    api_endpoint,
    check_account_url,
    check_url,
    is_loopback,
    sqs_queue,
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


# -- URLs a seller account stores (docs/data-protection.md #7) ---------------


@pytest.mark.parametrize(
    "region,url",
    [
        ("na", "https://sellingpartnerapi-na.amazon.com"),
        ("NA", "https://sandbox.sellingpartnerapi-na.amazon.com/"),
        ("eu", "https://sellingpartnerapi-eu.amazon.com"),
        ("fe", "https://sandbox.sellingpartnerapi-fe.amazon.com:443"),
    ],
)
def test_account_endpoint_accepts_the_regions_amazon_hosts(region, url):
    assert check_account_url(url, "endpoint", region) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "https://sellingpartnerapi-eu.amazon.com",  # another region's host
        "https://sellingpartnerapi-na.amazon.com.evil.example",
        "https://evil.example/sellingpartnerapi-na.amazon.com",
        "https://sellingpartnerapi-na.amazon.com:8443",
        "http://sellingpartnerapi-na.amazon.com",
        "https://user:pw@sellingpartnerapi-na.amazon.com",
        "https://10.0.0.5",
        "https://sellingpartnerapi-na.amazon.com:notaport",
        "",
    ],
)
def test_account_endpoint_refuses_any_other_host(url):
    with pytest.raises(PermanentError, match="refused|no host") as caught:
        check_account_url(url, "endpoint", "na", allow_local=True)
    assert caught.value.operation == "config"
    if url:
        assert url not in str(caught.value)  # the message never quotes it


def test_lwa_only_amazons_token_endpoint_of_the_region():
    assert check_account_url(LWA_URL, "lwa", "na") == LWA_URL
    uk = "https://api.amazon.co.uk/auth/o2/token"
    assert check_account_url(uk, "lwa", "eu") == uk
    for url, region in (
        (uk, "na"),  # Europe's LWA host for a North American account
        ("https://api.amazon.co.jp/auth/o2/token", "eu"),
        ("https://api.amazon.com/auth/o2/other", "na"),
        ("https://attacker.example/auth/o2/token", "na"),
        ("https://api.amazon.com.attacker.example/auth/o2/token", "na"),
    ):
        with pytest.raises(PermanentError, match="refused"):
            check_account_url(url, "lwa", region, allow_local=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8443",
        "https://localhost:9000/auth/o2/token",
        "http://[::1]:7000/track",
    ],
)
def test_loopback_sandbox_only_when_the_configuration_allows_it(url):
    for kind in ("endpoint", "lwa", "tracking"):
        with pytest.raises(PermanentError, match="configuration file enables"):
            check_account_url(url, kind, "na")
        assert check_account_url(url, kind, "na", allow_local=True) == url


def test_tracking_provider_only_on_the_configured_hosts():
    url = "https://track.example.com/hook"
    with pytest.raises(PermanentError, match="names no tracking provider host"):
        check_account_url(url, "tracking", "na")
    hosts = ("Track.Example.com", " other.example ")
    assert check_account_url(url, "tracking", "na", provider_hosts=hosts) == url
    for bad in (
        "https://evil.example/hook",
        "http://track.example.com/hook",
        "https://track.example.com.evil.example/hook",
    ):
        with pytest.raises(PermanentError, match="refused"):
            check_account_url(bad, "tracking", "na", provider_hosts=hosts)
    assert account_hosts("tracking", "na", hosts) == (
        "track.example.com",
        "other.example",
    )


def test_language_model_endpoint_on_the_configured_hosts_only():
    hosts = ("ollama.example.com", "127.0.0.1")
    good = "https://ollama.example.com/v1"
    assert check_account_url(good, "llm", None, provider_hosts=hosts) == good
    # An Ollama beside Odoo the configuration names: plain http, no switch.
    local = "http://127.0.0.1:11434/v1"
    assert check_account_url(local, "llm", None, provider_hosts=hosts) == local
    with pytest.raises(PermanentError, match="names it"):
        check_account_url(
            "http://localhost:11434/v1", "llm", None, provider_hosts=hosts
        )
    for bad in (
        "https://evil.example/v1",
        "http://ollama.example.com/v1",
        "https://ollama.example.com:8443/v1",
        # Bug: a port that is not a number escaped as ValueError (a 500).
        "https://ollama.example.com:port/v1",
        "https://key:secret@ollama.example.com/v1",
    ):
        with pytest.raises(PermanentError, match="language model endpoint URL"):
            check_account_url(bad, "llm", None, provider_hosts=hosts)


def test_notification_queue_is_an_sqs_queue_url():
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/amazon-notifications"
    assert check_account_url(url, "sqs", None) == url
    assert sqs_queue(url) == (
        "https://sqs.eu-west-1.amazonaws.com",
        "eu-west-1",
        "arn:aws:sqs:eu-west-1:123456789012:amazon-notifications",
    )
    local = "http://127.0.0.1:5000/123456789012/amazon-notifications"
    with pytest.raises(PermanentError, match="enables local"):
        check_account_url(local, "sqs", None)
    assert check_account_url(local, "sqs", None, allow_local=True) == local
    assert sqs_queue(local)[1:] == (
        "us-east-1",
        "arn:aws:sqs:us-east-1:123456789012:amazon-notifications",
    )
    for bad in (
        # Bug caught: a lookalike host receiving the AWS credentials.
        "https://sqs.eu-west-1.amazonaws.com.evil.example/123456789012/q",
        "https://evil.example/123456789012/q",
        "http://sqs.eu-west-1.amazonaws.com/123456789012/q",
        "https://sqs.eu-west-1.amazonaws.com/notanaccount/q",
        "https://sqs.eu-west-1.amazonaws.com/123456789012/",
    ):
        with pytest.raises(PermanentError, match="notification queue URL"):
            check_account_url(bad, "sqs", None)
