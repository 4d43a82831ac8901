"""Opaque page tokens that carry the query and the snapshot time, so every
page of one search sees the same orders however the clock moves meanwhile."""

import base64
import json

from .errors import invalid_input


def encode(state):
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token, name="paginationToken", required=("o",)):
    """The state behind ``token``; Amazon's 400 for anything it did not issue."""
    try:
        padded = token + "=" * (-len(token) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid_input(f"{name}: the token is invalid or expired") from exc
    if not isinstance(state, dict) or not isinstance(state.get("o"), int):
        raise invalid_input(f"{name}: the token is invalid or expired")
    if any(key not in state for key in required):
        raise invalid_input(f"{name}: the token is invalid or expired")
    return state
