"""Share tracking with a third-party tracking provider, and nothing else.

Amazon's Data Protection Policy lets only the order id, the tracking number
and the carrier leave Odoo for such a service. :func:`share_payload` is the
one enforcement point: :func:`send_share` serialises only what it returns.
Error messages name the field and the reason, never the value or the key.

The call goes through ``spapi.transport.outbound_post`` (TLS 1.2+, no proxy
from the environment, no redirects, a timeout, the configured provider's host
as the only allowed one). URL problems raise :class:`ShareRefused` too
(converted from the layer's ``PermanentError``): both are configuration or
data the seller must fix, while :class:`ShareError` means the provider or the
network failed, which is worth trying again.
"""

import re
from urllib.parse import urlsplit

from .spapi.endpoints import check_url
from .spapi.errors import PermanentError, SPAPIError
from .spapi.transport import outbound_post

ALLOWED = ("order_id", "tracking_number", "carrier")

_PATTERNS = {
    "order_id": re.compile(r"\d{3}-\d{7}-\d{7}"),
    "tracking_number": re.compile(r"[A-Za-z0-9-]{4,40}"),
    # Amazon's carrier ids have underscores (AMZN_US).
    "carrier": re.compile(r"[A-Za-z0-9 .&'()/_-]{1,60}"),
}
_FORMATS = {
    "order_id": "an Amazon order id (3-7-7 digits)",
    "tracking_number": "4 to 40 letters, digits or hyphens",
    "carrier": "a carrier name of up to 60 letters, digits and . & ' ( ) / _ -",
}
_KEY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,40}")
_STREET = re.compile(
    r"\b\d+[a-z]?\s+\w+(\s+\w+)?\s+(street|st|road|rd|avenue|ave|lane|ln|drive|dr"
    r"|boulevard|blvd|way|close|court|ct|place|pl|strasse|straße|rue|via|calle)\b",
    re.IGNORECASE,
)
# Digits grouped by hyphens (020-7946-0958): a phone number, not a tracking
# number (those are one run, or letters and digits).
_GROUPED_DIGITS = re.compile(r"\d{2,5}(-\d{2,5}){1,4}")


class ShareRefused(ValueError):
    """Data or configuration that must not be sent; names no value."""


class ShareError(Exception):
    """The provider answered non-2xx, or the network failed."""

    def __init__(self, message, status=None):
        self.status = status
        super().__init__(message)


def share_payload(values):
    """Exactly ``{order_id, tracking_number, carrier}``, each checked."""
    if not isinstance(values, dict):
        raise ShareRefused("tracking share: values must be a mapping")
    for key in values:
        if key not in ALLOWED:
            raise ShareRefused(f"{_key_label(key)}: may not be shared (not allowed)")
    payload = {}
    for field in ALLOWED:
        value = values.get(field)
        if value is None or value == "":
            raise ShareRefused(f"{field}: missing")
        if not isinstance(value, str):
            raise ShareRefused(f"{field}: must be text")
        value = value.strip()
        if not _PATTERNS[field].fullmatch(value):
            raise ShareRefused(f"{field}: refused, expected {_FORMATS[field]}")
        reason = _pii_reason(field, value)
        if reason:
            raise ShareRefused(f"{field}: refused, looks like {reason}")
        payload[field] = value
    return payload


def _key_label(key):
    # A key is normally a field name; if it is anything else it could itself
    # be data (an address used as a key), so do not echo it.
    if isinstance(key, str) and _KEY_NAME.fullmatch(key):
        return f"field {key!r}"
    return "an unexpected field"


def _pii_reason(field, value):
    # The patterns already refuse "@" and spaces where they cannot belong;
    # these catch PII that happens to fit a pattern.
    if "@" in value:
        return "an email address"
    if _STREET.search(value):
        return "a street address"
    if field == "carrier" and sum(c.isdigit() for c in value) >= 7:
        return "a phone number"
    if field == "tracking_number" and _GROUPED_DIGITS.fullmatch(value):
        return "a phone number"
    return None


def send_share(url, key, values, *, client=None, timeout=10):
    """POST the checked payload as JSON with a bearer key; None on 2xx.

    ``client`` is an ``httpx.Client`` for tests (see ``outbound_post``).
    """
    try:
        url = check_url(url, "tracking provider")
    except PermanentError as exc:
        raise ShareRefused(exc.message) from None
    if not key or not isinstance(key, str) or not key.isprintable() or " " in key:
        raise ShareRefused("tracking provider key: missing or not a single token")
    payload = share_payload(values)
    try:
        outbound_post(
            url,
            payload,
            headers={"Authorization": f"Bearer {key}"},
            # The provider the administrator configured, and no other host.
            allowed_hosts=(urlsplit(url).hostname,),
            timeout=timeout,
            operation="tracking share",
            what="tracking provider",
            client=client,
        )
    except SPAPIError as exc:
        if exc.operation == "config":
            raise ShareRefused(exc.message) from None
        # Message only: it names no URL, and echoes no key (outbound_post).
        status = f"HTTP {exc.status}: " if exc.status else ""
        raise ShareError(
            f"tracking share failed: {status}{exc.message}", status=exc.status
        ) from None
