"""Login with Amazon: refresh-token grant with a per-account token cache.

Tokens are cached per (seller id, client id, refresh token) so two sellers,
or two apps for one seller, never share an access token. A token is renewed
shortly before it expires; one thread refreshes while others wait. Tokens
and secrets never appear in logs or errors.
"""

import hashlib
import threading
import time

from .errors import PermanentError
from .redact import log
from .transport import LWA

REFUSALS = {
    "invalid_grant": (
        "Amazon refused the refresh token (invalid_grant): "
        "re-authorize the seller account"
    ),
    "invalid_client": (
        "Amazon refused the LWA client credentials (invalid_client): "
        "check the client id and secret (rotated or expired?)"
    ),
    "unauthorized_client": (
        "Amazon refused this app for the seller (unauthorized_client): "
        "re-authorize the seller account"
    ),
}


def account_key(seller_id, client_id, refresh_token):
    """Cache key of one authorization; holds no secret in clear."""
    raw = "\0".join((seller_id or "", client_id or "", refresh_token or ""))
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenCache:
    """Thread-safe ``key -> (access token, monotonic expiry)`` store."""

    def __init__(self):
        self._entries = {}
        self._locks = {}
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            return self._entries.get(key)

    def put(self, key, token, expires_at):
        with self._lock:
            self._entries[key] = (token, expires_at)

    def drop(self, key, token=None):
        """Forget ``key`` (only if it still holds ``token``, when given)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry and (token is None or entry[0] == token):
                del self._entries[key]

    def lock_for(self, key):
        with self._lock:
            return self._locks.setdefault(key, threading.Lock())


# One cache per process: every client of the same account shares its token.
TOKEN_CACHE = TokenCache()


class LwaTokenProvider:
    """Gives a valid access token for one seller authorization, or, with
    ``scope``, a grantless one of the application (LWA's
    ``client_credentials`` grant: the Notifications API's destinations)."""

    def __init__(
        self,
        *,
        transport,
        lwa_url,
        seller_id,
        client_id,
        client_secret,
        refresh_token,
        cache=TOKEN_CACHE,
        clock=time.monotonic,
        scope=None,
    ):
        self._transport = transport
        self._lwa_url = lwa_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self._cache = cache
        self._clock = clock
        self._scope = scope
        self._key = account_key(
            seller_id, client_id, f"grantless {scope}" if scope else refresh_token
        )
        self._last = None

    def __repr__(self):
        return f"LwaTokenProvider(account={self._key[:8]})"

    def _fresh(self, entry):
        return entry is not None and entry[1] > self._clock()

    def access_token(self):
        entry = self._cache.get(self._key)
        if not self._fresh(entry):
            with self._cache.lock_for(self._key):
                entry = self._cache.get(self._key)
                if not self._fresh(entry):
                    entry = self._grant()
        self._last = entry[0]
        return entry[0]

    def renew(self):
        """Ask LWA for a new access token now, whatever the cache holds:
        proves the credentials (``PermanentError`` when refused)."""
        with self._cache.lock_for(self._key):
            entry = self._grant()
        self._last = entry[0]

    def invalidate(self):
        """Drop the token last handed out (Amazon rejected it)."""
        self._cache.drop(self._key, self._last)

    def _grant(self):
        if self._scope:
            form = {"grant_type": "client_credentials", "scope": self._scope}
        else:
            form = {"grant_type": "refresh_token", "refresh_token": self._refresh_token}
        form.update(client_id=self._client_id, client_secret=self._client_secret)
        try:
            response = self._transport.request(LWA, "POST", self._lwa_url, data=form)
        except PermanentError as exc:
            if exc.status is None:  # never reached LWA (TLS, configuration)
                raise
            message = REFUSALS.get(exc.code, "Amazon refused the LWA token request")
            raise PermanentError(
                message,
                operation=LWA,
                status=exc.status,
                code=exc.code,
                request_id=exc.request_id,
            ) from None
        body = response.json() or {}
        token = body.get("access_token")
        if not token:
            raise PermanentError("LWA answered without an access token", operation=LWA)
        lifetime = float(body.get("expires_in") or 3600)
        # Renew before expiry: a minute early, or a tenth of short lifetimes.
        expires_at = self._clock() + lifetime - min(60.0, lifetime / 10)
        self._cache.put(self._key, token, expires_at)
        log.info("LWA access token renewed (account %s)", self._key[:8])
        return token, expires_at
