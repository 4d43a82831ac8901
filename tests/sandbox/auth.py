"""Login with Amazon's token endpoint and the access tokens it hands out.

Token strings carry LWA's real prefixes so redaction code sees realistic
values; they are assembled at runtime, never written down whole.
"""

import json
import secrets
import threading
import time
from urllib.parse import parse_qs

from .errors import ApiError

ACCESS_PREFIX = "Atza" + "|"
REFRESH_PREFIX = "Atzr" + "|"
# The scopes LWA grants with ``client_credentials`` (grantless operations).
NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"
ROTATION_SCOPE = "sellingpartnerapi::client_credential:rotation"
SCOPES = (NOTIFICATIONS_SCOPE, ROTATION_SCOPE)


def _lwa_error(status, error, description):
    return status, {"error": error, "error_description": description}


def _form(body, content_type):
    """LWA documents form encoding; JSON bodies are accepted as well."""
    text = body.decode("utf-8", "replace")
    if "application/json" in content_type:
        try:
            data = json.loads(text)
        except ValueError:
            return {}
        return {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return {k: v[-1] for k, v in parse_qs(text).items()}


class TokenIssuer:
    def __init__(
        self, client_id, client_secret, sellers, ttl=3600, clock=time.monotonic
    ):
        self.client_id = client_id
        # Valid client secrets, oldest first. Amazon's rotation
        # (rotateApplicationClientSecret) issues a new secret while the old
        # one stays valid until its own expiry, so for a while both work;
        # ``rotate_secret`` and ``retire_old_secrets`` replay that.
        self.client_secrets = [client_secret]
        self.sellers = dict(sellers)  # refresh token -> selling partner id
        self.ttl = ttl
        self._clock = clock
        # access token -> (seller id or None, expires at, grantless scopes)
        self._tokens = {}
        self._lock = threading.Lock()

    def token_endpoint(self, body, content_type):
        """POST /auth/o2/token -> (status, json body)."""
        if "application/x-www-form-urlencoded" not in (content_type or ""):
            form = {}
        else:
            form = {
                k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()
            }
        grant = form.get("grant_type")
        if not grant:
            return _lwa_error(
                400, "invalid_request", "The request is missing grant_type"
            )
        if grant not in ("refresh_token", "client_credentials"):
            return _lwa_error(
                400,
                "unsupported_grant_type",
                "The authorization grant type is not supported",
            )
        if form.get("client_id") != self.client_id or not self._secret_ok(
            form.get("client_secret", "")
        ):
            return _lwa_error(401, "invalid_client", "Client authentication failed")
        seller, scopes = None, frozenset()
        if grant == "refresh_token":
            refresh = form.get("refresh_token", "")
            seller = self.sellers.get(refresh)
            if seller is None:
                return _lwa_error(
                    400,
                    "invalid_grant",
                    "The request has an invalid grant parameter : refresh_token",
                )
        else:
            scopes = frozenset(form.get("scope", "").split())
            if not scopes or not scopes <= set(SCOPES):
                return _lwa_error(
                    400, "invalid_scope", "The request has an invalid scope"
                )
        token = ACCESS_PREFIX + secrets.token_urlsafe(48)
        with self._lock:
            self._tokens[token] = (seller, self._clock() + self.ttl, scopes)
        reply = {"access_token": token, "token_type": "bearer", "expires_in": self.ttl}
        if grant == "refresh_token":
            reply["refresh_token"] = form["refresh_token"]
        return 200, reply

    @property
    def client_secret(self):
        """The newest valid client secret."""
        with self._lock:
            return self.client_secrets[-1]

    def _secret_ok(self, given):
        with self._lock:
            valid = list(self.client_secrets)
        # Every candidate compared (no early exit): timing says nothing about
        # which secret matched.
        matches = [secrets.compare_digest(given, secret) for secret in valid]
        return any(matches)

    def rotate_secret(self, new_secret=None):
        """A new valid client secret (generated unless given); the previous
        ones stay valid until ``retire_old_secrets``. Returns it."""
        new_secret = new_secret or "sandbox-client-secret-" + secrets.token_hex(12)
        with self._lock:
            if new_secret not in self.client_secrets:
                self.client_secrets.append(new_secret)
            return new_secret

    def retire_old_secrets(self):
        """Only the newest client secret stays valid (the old one's grace
        period ended, or it expired): others get ``invalid_client``."""
        with self._lock:
            del self.client_secrets[:-1]
            return len(self.client_secrets)

    def seller_for(self, token):
        """The seller an SP-API call acts for, or ApiError 403 like Amazon."""
        if not token:
            raise ApiError(
                403, "Unauthorized", "Access to requested resource is denied.", ""
            )
        with self._lock:
            entry = self._tokens.get(token)
        if entry is None:
            raise ApiError(
                403,
                "Unauthorized",
                "Access to requested resource is denied.",
                "The access token you provided is revoked, malformed or invalid.",
            )
        seller, expires, _scopes = entry
        if self._clock() >= expires:
            raise ApiError(
                403,
                "Unauthorized",
                "Access to requested resource is denied.",
                "The access token you provided has expired.",
            )
        return seller or "grantless"

    def scopes_for(self, token):
        """The grantless scopes of a token (empty for a seller's token)."""
        with self._lock:
            entry = self._tokens.get(token)
        return entry[2] if entry else frozenset()

    def expire_all(self):
        with self._lock:
            self._tokens = {
                k: (s, 0.0, scopes) for k, (s, _, scopes) in self._tokens.items()
            }
