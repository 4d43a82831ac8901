"""Redaction of secrets and buyer PII from everything the layer logs.

All modules log through :data:`log`, whose filter redacts the formatted
message, so no log line of the layer can bypass redaction (rules 2 and 6).
"""

import json
import logging
import re

from amazon_pii.core.registry import FIELDS

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

# Keys whose values are PII wherever they appear in a JSON document: the
# leaves of every registered Orders API field, plus the Shipping API's
# address keys that carry the same data.
PII_KEYS = frozenset(f.source_path.rpartition(".")[2] for f in FIELDS) | {
    "email",
    "phoneNumber",
}


def text(value):
    """``value`` as a string with tokens, secrets and presigned queries masked."""
    value = str(value)
    value = _PRESIGNED.sub(r"\1?" + MASK, value)
    value = _TOKEN.sub(r"\1" + MASK, value)
    value = _AWS_KEY.sub(r"\1" + MASK, value)
    return _FORM_SECRET.sub(r"\1" + MASK, value)


def payload(value):
    """A copy of a decoded JSON value with PII keys masked and strings redacted."""
    if isinstance(value, dict):
        return {
            key: MASK if key in PII_KEYS else payload(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [payload(item) for item in value]
    if isinstance(value, str):
        return text(value)
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
