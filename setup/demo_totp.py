"""The demo administrator's second factor: a TOTP secret the demo enrols and
prints, and the current code, so reveals, rates and labels work in the
browser without an authenticator app at hand.

    python3 setup/demo.py --totp-code     # prints the code valid now

Codes follow RFC 6238 as Odoo's auth_totp checks them (HMAC-SHA1, 6 digits,
30-second steps). The secret is the demo database's only: it is written to
``.run/<db>-admin-totp.txt`` (mode 0600) beside the demo's other local
state, never anywhere else.
"""

import base64
import hashlib
import hmac
import os
import struct
import time
from pathlib import Path

DIGITS = 6
TIMESTEP = 30


def new_secret():
    """A 160-bit secret in base32, as authenticator apps take it."""
    return base64.b32encode(os.urandom(20)).decode()


def code(secret, at=None):
    """The code an authenticator app shows for ``secret`` at ``at``."""
    key = base64.b32decode(secret.replace(" ", "").upper())
    counter = int((time.time() if at is None else at) // TIMESTEP)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**DIGITS:0{DIGITS}d}"


def secret_file(run_dir, db):
    return Path(run_dir) / f"{db}-admin-totp.txt"


def save(run_dir, db, secret):
    path = secret_file(run_dir, db)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secret + "\n")
    return path


def load(run_dir, db):
    path = secret_file(run_dir, db)
    if not path.is_file():
        return None
    return path.read_text(encoding="ascii").strip()
