"""The two functions through which the add-ons talk HTTP.

``Transport.request`` carries every SP-API and Login with Amazon call: TLS
1.2+ (optional CA file for a local sandbox), connect and read timeouts, the
seller's token bucket, bounded retries with jittered exponential backoff on
429/5xx/timeouts/broken bodies (``Retry-After`` honoured); it ends either
with a 2xx response or one of the two errors.

``outbound_post`` carries one call to a service that is not Amazon (the
seller's tracking provider): same client configuration (TLS floor, no proxy
from the environment, no redirects, URL rules of ``endpoints``), a host
allow-list and a timeout, no retries (its caller owns them), and the same
two errors.
"""

import json
import random
import re
import ssl
import time
from collections import Counter
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from . import redact
from .endpoints import check_url
from .errors import PermanentError, RetryableError, SPAPIError
from .redact import log
from .usage_plans import USAGE_PLANS

LWA = "lwa.token"  # the operation name of token requests (auth.py)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Operations whose requests or responses carry buyer data: Amazon's free-text
# error message may echo it, so only its code and request id are kept.
# (confirmShipment is not one: it sends only item ids, carrier and tracking
# number, and the seller needs Amazon's reason when it refuses them.)
# (MCF: the preview and the order carry the destination address, and the
# order's details return it.)
PII_OPERATIONS = frozenset(
    {
        "searchOrders",
        "getOrder",
        "getRates",
        "purchaseShipment",
        "getFulfillmentPreview",
        "createFulfillmentOrder",
        "getFulfillmentOrder",
    }
)
# Not safe to repeat once Amazon may have acted: a timeout or 5xx after the
# request was sent is reported, not retried (429 and unsent requests are).
# An MCF order left unsure this way is looked up by its id before any resend.
NON_IDEMPOTENT = frozenset({"createFeed", "confirmShipment", "createFulfillmentOrder"})
USER_AGENT = "odoo-amazon-connector/18.0 (Language=Python)"
CONNECT_FAILURES = (httpx.ConnectError, httpx.ConnectTimeout)
# Header names whose values are credentials: masked wherever a reply echoes them.
_CREDENTIAL_HEADER = re.compile(
    r"auth|key|token|secret|cookie|signature", re.IGNORECASE
)
_MAX_ECHO = 200  # characters of a non-Amazon error body kept in the message
# Largest body read from a reply: an API answer (JSON) or a downloaded
# document (report, feed result, schema). A larger one is refused before it
# is read into memory (a broken or hostile server cannot exhaust it).
MAX_JSON_BODY = 32 * 1024 * 1024
MAX_DOCUMENT_BODY = 512 * 1024 * 1024


def read_limited(http, request, limit, operation):
    """Send ``request`` and read its reply's body up to ``limit`` bytes: a
    complete ``httpx.Response``, or ``PermanentError`` naming the operation
    and the limit when the server announces or sends more."""
    raw = http.send(request, stream=True)
    try:
        announced = raw.headers.get("content-length", "")
        if announced.isdigit() and int(announced) > limit:
            raise _too_large(operation, limit)
        body, size = [], 0
        for chunk in raw.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise _too_large(operation, limit)
            body.append(chunk)
    finally:
        raw.close()
    return httpx.Response(
        raw.status_code,
        headers=raw.headers,
        content=b"".join(body),
        request=request,
    )


def _too_large(operation, limit):
    return PermanentError(
        f"the reply is larger than the {limit:,} bytes allowed: refused",
        operation=operation,
    )


@dataclass(frozen=True)
class RetryPolicy:
    """Retries stop at ``max_attempts`` calls or ``max_total`` seconds."""

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_total: float = 60.0


def backoff_delay(retry, policy, rand=random.random):
    """Delay before retry number ``retry`` (1-based), with equal jitter.

    Half of the exponential step is fixed and half random, so concurrent
    clients spread out yet never retry immediately.
    """
    step = min(policy.max_delay, policy.base_delay * 2 ** (retry - 1))
    return step / 2 + rand() * step / 2


def parse_retry_after(value, now=time.time):
    """Seconds from a ``Retry-After`` header (delta or HTTP date), else None."""
    if not value:
        return None
    if value.strip().replace(".", "", 1).isdigit():
        return max(0.0, float(value))
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now())
    except (TypeError, ValueError):
        return None


def ssl_context(ca_file=None):
    """Verifying client context refusing anything below TLS 1.2
    (docs/data-protection.md #7)."""
    context = ssl.create_default_context(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def http_client(context, timeout):
    """The httpx client of every outbound call, verifying with ``context``.

    trust_env=False: no proxy from the environment ever sees a token or a
    key; no redirects: a 3xx could lead a credential somewhere unchecked.
    """
    return httpx.Client(
        verify=context,
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )


def error_from_response(operation, status, content, headers):
    """Map a non-2xx response to ``RetryableError`` or ``PermanentError``."""
    code, message = None, None
    try:
        data = json.loads(content or b"null")
    except ValueError:
        data = None
    if isinstance(data, dict):
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            code, message = errors[0].get("code"), errors[0].get("message")
        elif "error" in data:  # Login with Amazon shape
            code, message = data.get("error"), data.get("error_description")
        else:
            code, message = data.get("code"), data.get("message")
    kind = RetryableError if status in RETRY_STATUSES else PermanentError
    if operation in PII_OPERATIONS and message:
        message = "Amazon's message withheld: this operation carries buyer data"
    return kind(
        message or f"HTTP {status}",
        operation=operation,
        status=status,
        code=code,
        request_id=headers.get("x-amzn-RequestId"),
        retry_after=parse_retry_after(headers.get("Retry-After")),
    )


@dataclass(frozen=True)
class Response:
    status: int
    headers: httpx.Headers
    content: bytes
    request_id: str | None

    def json(self):
        return json.loads(self.content) if self.content else None


class Transport:
    """Holds the HTTP connection pool and the policies of one seller account."""

    def __init__(
        self,
        *,
        seller_id=None,
        ca_file=None,
        connect_timeout=5.0,
        read_timeout=30.0,
        retry=None,
        limiter=None,
        http=None,
        sleep=time.sleep,
        clock=time.monotonic,
        rand=random.random,
    ):
        self.seller_id = seller_id
        self.retry = retry or RetryPolicy()
        self.limiter = limiter
        self.timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self.ssl_context = ssl_context(ca_file)
        self._http = http or http_client(self.ssl_context, self.timeout)
        self._sleep = sleep
        self._clock = clock
        self._rand = rand
        # What sync logs report: HTTP attempts made and 429s received.
        self.counters = Counter()

    def close(self):
        self._http.close()

    def request(
        self,
        operation,
        method,
        url,
        *,
        params=None,
        json_body=None,
        data=None,
        content=None,
        headers=None,
        token=None,
        expect_json=True,
        expected=(),
    ):
        """Send one logical call, retrying transient failures; return ``Response``.

        ``token`` provides ``access_token()`` and ``invalidate()``: a 403 is
        retried once with a fresh token (Amazon's answer to an expired one).
        ``expected``: HTTP statuses that answer the caller's question (a 404
        when asking whether a SKU is listed): still raised as
        ``PermanentError``, but not logged as a failure.
        """
        url = check_url(url)
        policy = self.retry
        deadline = self._clock() + policy.max_total
        limited = self.limiter is not None and operation in USAGE_PLANS
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            if limited:
                remaining = max(0.0, deadline - self._clock())
                self.limiter.acquire(self.seller_id, operation, max_wait=remaining)
            send_headers = {"user-agent": USER_AGENT, **(headers or {})}
            if token is not None:
                send_headers["x-amz-access-token"] = token.access_token()
            # No attempt may outlive the retry budget.
            remaining = max(0.1, deadline - self._clock())
            timeout = httpx.Timeout(
                min(self.timeout.read, remaining),
                connect=min(self.timeout.connect, remaining),
            )
            sent = True
            try:
                raw = read_limited(
                    self._http,
                    self._http.build_request(
                        method,
                        url,
                        params=params,
                        json=json_body,
                        data=data,
                        content=content,
                        headers=send_headers,
                        timeout=timeout,
                    ),
                    MAX_JSON_BODY if expect_json else MAX_DOCUMENT_BODY,
                    operation,
                )
            except httpx.TransportError as exc:
                failure = network_failure(exc, operation)
                if isinstance(failure, PermanentError):
                    raise failure from None
                # A connection never made reached nothing: always safe to retry.
                sent = not isinstance(exc, CONNECT_FAILURES)
            else:
                # SP-API calls and Login with Amazon token calls apart.
                self.counters["token_calls" if operation == LWA else "calls"] += 1
                self.counters["throttled"] += raw.status_code == 429
                result = self._check(operation, raw, expect_json, limited)
                if isinstance(result, Response):
                    return result
                failure = result
                if raw.status_code == 403 and token is not None and not refreshed:
                    refreshed = True
                    token.invalidate()
                    log.info("%s: HTTP 403, retrying once with a new token", operation)
                    continue
                if isinstance(failure, PermanentError):
                    if raw.status_code in expected:
                        log.info("%s: HTTP %s, as asked", operation, raw.status_code)
                    else:
                        log.warning("permanent failure: %s", failure)
                    raise failure
                sent = raw.status_code != 429  # a 429 was refused before acting
            if sent and operation in NON_IDEMPOTENT:
                # Amazon may have acted: the caller checks before repeating.
                log.warning("%s; not retried (not idempotent)", failure)
                raise failure
            self._wait_or_give_up(failure, attempt, deadline)

    def _check(self, operation, raw, expect_json, limited):
        """A ``Response`` for a usable 2xx, else the error it amounts to."""
        headers = raw.headers
        request_id = headers.get("x-amzn-RequestId")
        if limited:
            self.limiter.observe(self.seller_id, operation, raw.status_code, headers)
        log.debug(
            "%s %s %s -> %s (request id %s)",
            operation,
            raw.request.method,
            raw.request.url,
            raw.status_code,
            request_id,
        )
        if not 200 <= raw.status_code < 300:
            if operation not in PII_OPERATIONS:  # error text may echo buyer data
                log.debug("%s error body: %s", operation, redact.body(raw.content))
            return error_from_response(operation, raw.status_code, raw.content, headers)
        if expect_json and raw.content:
            try:
                json.loads(raw.content)
            except ValueError:
                return RetryableError(
                    "malformed or truncated JSON body",
                    operation=operation,
                    status=raw.status_code,
                    request_id=request_id,
                )
        return Response(raw.status_code, headers, raw.content, request_id)

    def _wait_or_give_up(self, failure, attempt, deadline):
        policy = self.retry
        if attempt >= policy.max_attempts:
            raise _exhausted(failure, f"gave up after {attempt} attempts")
        delay = max(
            backoff_delay(attempt, policy, self._rand), failure.retry_after or 0.0
        )
        if self._clock() + delay > deadline:
            raise _exhausted(failure, f"retry budget of {policy.max_total}s spent")
        log.warning(
            "%s; retry %d/%d in %.2fs",
            failure,
            attempt,
            policy.max_attempts - 1,
            delay,
        )
        self._sleep(delay)


def outbound_post(
    url,
    json_body,
    *,
    headers,
    allowed_hosts,
    timeout=10.0,
    operation="outbound",
    what="outbound",
    client=None,
):
    """POST ``json_body`` once to a service that is not Amazon; ``Response`` on 2xx.

    The one way out for such calls (the seller's tracking provider): the
    client of :func:`http_client` (TLS 1.2+, no proxy from the environment,
    no redirects), ``timeout`` seconds for each phase, no retries (the
    caller keeps its own retry state), and the two error kinds:

    - ``PermanentError`` with operation ``"config"`` before any connection
      when the URL breaks the rules of ``endpoints.check_url`` (its message
      starts with ``what``) or its host is not one of ``allowed_hosts``;
    - ``RetryableError`` for a failed connection, a timeout, 429 or 5xx;
    - ``PermanentError`` for a refused TLS handshake or any other non-2xx.

    An error's message never holds the URL (it may carry a token) and keeps
    at most 200 characters of the reply, redacted like the layer's logs and
    with the values of credential headers we sent masked (a provider may
    echo them). ``client`` is an ``httpx.Client`` for tests.
    """
    url = check_url(url, what)
    allowed = {host.lower() for host in allowed_hosts}
    if urlsplit(url).hostname.lower() not in allowed:
        raise PermanentError(
            f"{what} URL refused: host not allowed", operation="config"
        )
    own = client is None
    if own:
        client = http_client(ssl_context(), httpx.Timeout(timeout))
    try:
        raw = read_limited(
            client,
            client.build_request(
                "POST",
                url,
                json=json_body,
                headers={"user-agent": USER_AGENT, **headers},
                timeout=httpx.Timeout(timeout),
            ),
            MAX_JSON_BODY,
            operation,
        )
    except httpx.TransportError as exc:
        raise network_failure(exc, operation) from None
    finally:
        if own:
            client.close()
    if 200 <= raw.status_code < 300:
        return Response(raw.status_code, raw.headers, raw.content, None)
    echo = raw.content.decode("utf-8", errors="replace")
    for name, value in headers.items():
        if _CREDENTIAL_HEADER.search(name):
            # The whole value, and a scheme's credential ("Bearer <key>").
            for secret in (value, *value.split()):
                if len(secret) >= 8:
                    echo = echo.replace(secret, redact.MASK)
    kind = RetryableError if raw.status_code in RETRY_STATUSES else PermanentError
    raise kind(
        redact.body(echo, limit=_MAX_ECHO) or "empty reply",
        operation=operation,
        status=raw.status_code,
        retry_after=parse_retry_after(raw.headers.get("Retry-After")),
    )


def network_failure(exc, operation):
    """The error an ``httpx.TransportError`` amounts to.

    A refused certificate or protocol will not heal by itself (permanent);
    connection failures and timeouts may (retryable).
    """
    name = type(exc).__name__
    if isinstance(exc, httpx.TimeoutException) and not isinstance(
        exc, CONNECT_FAILURES
    ):
        return RetryableError(f"timeout ({name})", operation=operation)
    reason = _tls_failure(exc)
    if reason:
        return PermanentError(f"TLS handshake failed: {reason}", operation=operation)
    return RetryableError(f"connection failed ({name})", operation=operation)


def _tls_failure(exc):
    """The ``ssl.SSLError`` reason behind a transport error, else None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ssl.SSLError):
            return getattr(exc, "reason", None) or type(exc).__name__
        exc = exc.__cause__ or exc.__context__
    return None


def _exhausted(failure: SPAPIError, why):
    return RetryableError(
        f"{why}; last error: {failure.message}",
        operation=failure.operation,
        status=failure.status,
        code=failure.code,
        request_id=failure.request_id,
        retry_after=failure.retry_after,
    )
