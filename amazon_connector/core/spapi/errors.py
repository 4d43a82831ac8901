"""The only two error kinds that leave the SP-API layer.

Callers decide one thing: try again later (``RetryableError``) or record a
failure that needs a human or a code change (``PermanentError``). Messages
are redacted: no token, secret or buyer data ever reaches ``str()``/``repr``.
"""

from .redact import text as _redact

_MAX_MESSAGE = 300


class SPAPIError(Exception):
    """Base class; carries what support needs to trace a call at Amazon."""

    def __init__(
        self,
        message,
        *,
        operation=None,
        status=None,
        code=None,
        request_id=None,
        retry_after=None,
    ):
        self.message = _redact(str(message or ""))[:_MAX_MESSAGE]
        self.operation = operation
        self.status = status
        self.code = _redact(str(code))[:80] if code else None
        self.request_id = request_id
        self.retry_after = retry_after
        super().__init__(str(self))

    def __str__(self):
        parts = [self.operation or "sp-api"]
        if self.status:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(self.code)
        text = " ".join(parts) + ": " + self.message
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text

    def __repr__(self):
        return f"{type(self).__name__}({str(self)!r})"


class RetryableError(SPAPIError):
    """Transient: throttling, server faults, timeouts, exhausted retries."""


class PermanentError(SPAPIError):
    """Will fail again unchanged: bad request, refused credentials, not found."""
