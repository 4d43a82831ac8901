"""Where the layer may send requests: regional hosts, sandbox hosts, loopback.

Regional hosts come from python-amazon-sp-api's marketplace table, so a
marketplace id alone is enough to pick the right region. Plain ``http://``
is accepted only for loopback hosts (a local sandbox; docs/data-protection.md #7).

:func:`check_account_url` is the stricter rule for the URLs a seller account
stores (docs/data-protection.md #7): Amazon's own hosts for the account's
region, the tracking provider host the server's configuration names, and a
loopback sandbox only when the server's configuration allows it. An
administrator's session alone can then never send credentials, tokens or
order ids to a host of its choosing.
"""

import ipaddress
import re
from urllib.parse import urlsplit

from sp_api.base.marketplaces import Marketplaces

from .errors import PermanentError

LWA_URL = "https://api.amazon.com/auth/o2/token"
LWA_PATH = "/auth/o2/token"
# Login with Amazon's token hosts per SP-API region: the global one, and the
# region's own (Amazon's LWA is served from .co.uk in Europe, .co.jp in the
# Far East).
LWA_HOSTS = {
    "NA": ("api.amazon.com",),
    "EU": ("api.amazon.com", "api.amazon.co.uk"),
    "FE": ("api.amazon.com", "api.amazon.co.jp"),
}

_AWS_REGION = {"us-east-1": "NA", "eu-west-1": "EU", "us-west-2": "FE"}
REGION_ENDPOINTS = {_AWS_REGION[m.region]: m.endpoint for m in Marketplaces}
SANDBOX_ENDPOINTS = {
    region: url.replace("https://", "https://sandbox.")
    for region, url in REGION_ENDPOINTS.items()
}
MARKETPLACE_REGIONS = {m.marketplace_id: _AWS_REGION[m.region] for m in Marketplaces}


def is_loopback(host):
    """True for ``localhost``, 127.0.0.0/8 and ::1."""
    host = (host or "").strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url, what="endpoint"):
    """``url`` without trailing slash if https, or http on a loopback host."""
    parts = urlsplit(url or "")
    if not parts.hostname:
        raise PermanentError(f"{what} URL has no host", operation="config")
    if parts.scheme == "https":
        return url.rstrip("/")
    if parts.scheme == "http" and is_loopback(parts.hostname):
        return url.rstrip("/")
    raise PermanentError(
        f"{what} URL refused: only https, or http on a loopback host",
        operation="config",
    )


def api_endpoint(region=None, endpoint_url=None, marketplace_ids=()):
    """The SP-API base URL: explicit URL, else region, else the marketplaces'."""
    if endpoint_url:
        return check_url(endpoint_url)
    if not region:
        regions = {MARKETPLACE_REGIONS.get(m) for m in marketplace_ids}
        if len(regions) != 1 or None in regions:
            raise PermanentError(
                "cannot infer one region from the marketplace ids; set region",
                operation="config",
            )
        region = regions.pop()
    try:
        return REGION_ENDPOINTS[region.upper()]
    except KeyError:
        raise PermanentError(
            f"unknown region {region!r} (NA, EU or FE)", operation="config"
        ) from None


ACCOUNT_URL_KINDS = {
    "endpoint": "SP-API endpoint",
    "lwa": "Login with Amazon",
    "tracking": "tracking provider",
    "llm": "language model endpoint",
    "sqs": "notification queue",
}
# An Amazon SQS queue URL: https://sqs.<region>.amazonaws.com/<account>/<name>.
SQS_HOST = re.compile(r"sqs\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com")
SQS_PATH = re.compile(r"/(\d{12})/([A-Za-z0-9_-]{1,80})")
# The server configuration options naming the hosts of the kinds whose hosts
# are the seller's choice, not Amazon's.
HOST_OPTIONS = {
    "tracking": "tracking provider hosts",
    "llm": "amazon_llm_endpoint_hosts",
}


def _hostname(url):
    return (urlsplit(url).hostname or "").lower()


def account_hosts(kind, region, provider_hosts=()):
    """The hosts a seller account's ``kind`` URL may name in ``region``."""
    region = (region or "").upper()
    if kind == "endpoint":
        urls = (REGION_ENDPOINTS.get(region), SANDBOX_ENDPOINTS.get(region))
        return tuple(_hostname(url) for url in urls if url)
    if kind == "lwa":
        return LWA_HOSTS.get(region, ())
    if kind in HOST_OPTIONS:
        return tuple(h.strip().lower() for h in provider_hosts if h and h.strip())
    if kind == "sqs":
        return ()  # any region's SQS host: checked by SQS_HOST
    raise ValueError(f"unknown account URL kind {kind!r}")


def check_account_url(url, kind, region, *, allow_local=False, provider_hosts=()):
    """``url`` (no trailing slash) if a seller account may store it, else
    ``PermanentError`` (operation ``"config"``) saying why, never quoting it.

    - ``kind`` ``"endpoint"``: https to the region's SP-API host or Amazon's
      sandbox host of the region; ``"lwa"``: https to Login with Amazon's
      token path on a host of the region; ``"tracking"`` and ``"llm"`` (a
      listing copy language model): https to one of ``provider_hosts`` (the
      server configuration's list); ``"sqs"``: an Amazon SQS queue URL,
      https to ``sqs.<region>.amazonaws.com/<account>/<queue>``.
    - A loopback host (local sandbox, http or https) only with ``allow_local``
      (the server configuration's switch), or, for ``"llm"``, when
      ``provider_hosts`` names it (an Ollama beside Odoo).
    - Never credentials in the URL, never a port other than 443 on a remote
      host.
    """
    what = ACCOUNT_URL_KINDS[kind]
    parts = urlsplit(url or "")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number
        host, port = None, None
    if not host:
        raise PermanentError(f"{what} URL has no host", operation="config")
    if parts.username or parts.password:
        raise PermanentError(
            f"{what} URL refused: no user or password in the URL", operation="config"
        )
    if kind == "sqs" and not SQS_PATH.fullmatch(parts.path.rstrip("/")):
        raise PermanentError(
            f"{what} URL refused: the path is /<AWS account number>/<queue name>",
            operation="config",
        )
    allowed = account_hosts(kind, region, provider_hosts)
    if is_loopback(host):
        if not (allow_local or (kind == "llm" and host.lower() in allowed)):
            named = f"names it ({HOST_OPTIONS['llm']}) or " if kind == "llm" else ""
            raise PermanentError(
                f"{what} URL refused: a local (loopback) host is allowed only "
                f"when the server's configuration file {named}enables local "
                "endpoints",
                operation="config",
            )
        return check_url(url, what)
    if parts.scheme != "https" or port not in (None, 443):
        raise PermanentError(
            f"{what} URL refused: https on the standard port only", operation="config"
        )
    if kind == "sqs":
        if not SQS_HOST.fullmatch(host.lower()):
            raise PermanentError(
                f"{what} URL refused: not an Amazon SQS host "
                "(sqs.<region>.amazonaws.com)",
                operation="config",
            )
    elif host.lower() not in allowed:
        if kind in HOST_OPTIONS:
            reason = (
                f"host not among the {HOST_OPTIONS[kind]} of the server's "
                "configuration file"
                if allowed
                else f"the server's configuration file names no {HOST_OPTIONS[kind]}"
            )
        else:
            reason = f"not an Amazon host of the {(region or '').upper()} region"
        raise PermanentError(f"{what} URL refused: {reason}", operation="config")
    if kind == "lwa" and parts.path.rstrip("/") != LWA_PATH:
        raise PermanentError(
            f"{what} URL refused: the token path is {LWA_PATH}", operation="config"
        )
    return check_url(url, what)


def sqs_queue(url, local_region="us-east-1"):
    """``(endpoint URL, AWS region, queue ARN)`` of a queue URL that
    :func:`check_account_url` accepted (kind ``"sqs"``). A local SQS server
    (moto) names no region: ``local_region`` is its default."""
    parts = urlsplit(url)
    account, name = SQS_PATH.fullmatch(parts.path.rstrip("/")).groups()
    found = SQS_HOST.fullmatch(parts.hostname.lower())
    region = found.group(1) if found else local_region
    endpoint = f"{parts.scheme}://{parts.netloc}"
    return endpoint, region, f"arn:aws:sqs:{region}:{account}:{name}"
