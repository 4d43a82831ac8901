"""Where the layer may send requests: regional hosts, sandbox hosts, loopback.

Regional hosts come from python-amazon-sp-api's marketplace table, so a
marketplace id alone is enough to pick the right region. Plain ``http://``
is accepted only for loopback hosts (a local sandbox; docs/data-protection.md #7).
"""

import ipaddress
from urllib.parse import urlsplit

from sp_api.base.marketplaces import Marketplaces

from .errors import PermanentError

LWA_URL = "https://api.amazon.com/auth/o2/token"

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
