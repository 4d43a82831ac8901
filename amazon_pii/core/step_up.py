"""Step-up two-factor authentication (docs/data-protection.md #10).

Enrolling TOTP once is not enough to reveal buyer data: the web session that
asks must itself have passed the second factor recently. The Odoo layer
records, in the session, when and for whom a TOTP code was last verified
(``mark``), and gathers the facts of the current request; this module decides.

Requests authenticated by an API key (XML-RPC, JSON-RPC, bearer tokens) and
code running outside any web request have no session that could have passed
the second factor: they are refused, with a reason that says so.
"""

from dataclasses import dataclass

DEFAULT_HOURS = 12
SESSION_KEY = "amazon_pii_2fa"
# A mark a little in the future is clock skew between workers; more is forged
# or a broken clock, and never counts.
_SKEW_SECONDS = 60

NO_SESSION = (
    "Revealing Amazon buyer data needs an interactive web session that passed "
    "two-factor authentication; this request has none (an XML-RPC or JSON-RPC "
    "call authenticated by an API key, server code, a scheduled action)."
)
API_KEY = (
    "Revealing Amazon buyer data is refused to requests authenticated by an "
    "API key (XML-RPC, JSON-RPC or a bearer token): sign in to Odoo in a "
    "browser with your authentication code instead."
)


def stale_hint(hours):
    return (
        "Revealing Amazon buyer data needs a two-factor authentication code "
        f"confirmed in this session within the last {hours} hours: confirm your "
        "authentication code, then try again."
    )


@dataclass(frozen=True)
class RequestFacts:
    has_request: bool
    api_key: bool  # authenticated by an API key rather than the session
    session_uid: object  # the session's logged-in user id, or None
    uid: int  # the user asking for the reveal
    mark: object  # the session's record of its last verified code, or None


def new_mark(uid, now):
    """What the session keeps when ``uid`` verified a TOTP code at ``now``
    (seconds since the epoch)."""
    return {"uid": uid, "at": float(now)}


def refusal(facts, now, hours=DEFAULT_HOURS):
    """``(kind, reason)``: kind is '' when the session stepped up recently,
    else ``no_session``, ``api_key`` or ``stale`` (the only kind a person can
    fix by confirming a code now)."""
    if not facts.has_request:
        return "no_session", NO_SESSION
    if facts.api_key:
        return "api_key", API_KEY
    if not facts.session_uid or facts.session_uid != facts.uid:
        return "no_session", NO_SESSION
    mark = facts.mark if isinstance(facts.mark, dict) else {}
    at = mark.get("at")
    if mark.get("uid") != facts.uid or not isinstance(at, (int, float)):
        return "stale", stale_hint(hours)
    if not now - hours * 3600 <= at <= now + _SKEW_SECONDS:
        return "stale", stale_hint(hours)
    return "", ""
