"""Redaction of secrets and buyer PII from everything the layer logs.

All modules log through :data:`log`, whose filter redacts the formatted
message, so no log line of the layer can bypass redaction
(docs/data-protection.md #6, #21).
"""

import json
import logging
import re

MASK = "***"

_TOKEN = re.compile(r"(Atz[ar]\||Atz\.sprdt\||amzn1\.oa2-cs\.)[^\s\"'&,;)}\]]+")
_AWS_KEY = re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")
_FORM_SECRET = re.compile(
    r"((?:client_secret|refresh_token|access_token|x-amz-access-token)"
    r"[\"']?\s*[=:]\s*[\"']?)[^\s\"'&,;)}\]]+",
    re.IGNORECASE,
)
# A presigned URL's query string is a bearer credential: drop all of it.
_PRESIGNED = re.compile(
    r"(https?://[^\s\"'?]+)\?[^\s\"']*(?:X-Amz-|Signature=|AWSAccessKeyId=)[^\s\"']*",
    re.IGNORECASE,
)

# The Shipping API's address keys that carry the same data as registered
# Orders API fields.
SHIPPING_PII_KEYS = frozenset({"email", "phoneNumber"})
# Keys whose values are PII wherever they appear in a JSON document. The
# registry of buyer-data fields belongs to amazon_pii, whose core this package
# may not import: whoever loads the layer hands it over once with
# register_pii_fields() (the addon's __init__, the pure tests' conftest).
_pii_keys = set()


def register_pii_fields(fields):
    """Mask the JSON keys of ``fields`` (amazon_pii's registry: objects with
    ``.source_path``) and the Shipping API's equivalents in every payload."""
    _pii_keys.update(f.source_path.rpartition(".")[2] for f in fields)
    _pii_keys.update(SHIPPING_PII_KEYS)


def text(value):
    """``value`` as a string with tokens, secrets and presigned queries masked."""
    value = str(value)
    value = _PRESIGNED.sub(r"\1?" + MASK, value)
    value = _TOKEN.sub(r"\1" + MASK, value)
    value = _AWS_KEY.sub(r"\1" + MASK, value)
    return _FORM_SECRET.sub(r"\1" + MASK, value)


def payload(value):
    """A copy of a decoded JSON value with PII keys masked and strings redacted.

    Until the PII fields are registered nothing tells buyer data from the
    rest, so every string is masked: a forgotten registration hides too much,
    never too little.
    """
    if isinstance(value, dict):
        return {
            key: MASK if key in _pii_keys else payload(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [payload(item) for item in value]
    if isinstance(value, str):
        return text(value) if _pii_keys else MASK
    return value


def body(raw, limit=2000):
    """Loggable form of a response body (bytes or str): JSON-aware, truncated."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    try:
        shown = json.dumps(payload(json.loads(raw)), ensure_ascii=False)
    except ValueError:
        shown = text(raw)
    return shown[:limit]


class RedactingFilter(logging.Filter):
    """Formats the record once, redacted, so handlers never see raw args."""

    def filter(self, record):
        record.msg = text(record.getMessage())
        record.args = None
        return True


log = logging.getLogger("amazon_connector.spapi")
log.addFilter(RedactingFilter())
# httpx logs every request URL at INFO; presigned URLs carry credentials.
logging.getLogger("httpx").addFilter(RedactingFilter())
