"""The process-wide PII key ring, read from outside the database
(docs/data-protection.md #5).

This layer only finds the key file (odoo.conf option ``amazon_pii_key_file``
wins over the environment variable ``AMAZON_PII_KEY_FILE``) and caches the
ring; ``core/keyring.py``'s ``load_keyring`` reads it. The file is re-read when
it changes, so a rotated key file is picked up without a restart.
"""

import os
import threading

from odoo.exceptions import UserError
from odoo.tools import config

from ..core import keyring as core_keyring
from ..core.errors import PIIError

_lock = threading.Lock()
_cache = {}


def key_file_path():
    """The configured key file: the odoo.conf option, else the environment."""
    return config.get(core_keyring.CONFIG_OPTION) or os.environ.get(
        core_keyring.ENV_VAR
    )


def audit_head_path(env):
    """Where the audit chain's head is anchored outside the database
    (``core/audit_anchor.py``): the odoo.conf option
    ``amazon_pii_audit_head_file``, else a file beside the key ring named for
    the database; None without a key ring."""
    configured = config.get("amazon_pii_audit_head_file")
    if configured:
        return configured
    path = key_file_path()
    return f"{path}.audit-head.{env.cr.dbname}.json" if path else None


def get_keyring(env):
    """The current KeyRing; UserError (with how to fix it) when unusable."""
    path = key_file_path()
    if not path:
        raise UserError(
            env._(
                "No Amazon PII key file is configured. %(hint)s",
                hint=core_keyring.GENERATE_HINT,
            )
        )
    try:
        stamp = os.stat(path).st_mtime_ns
        with _lock:
            cached = _cache.get(path)
            if cached and cached[0] == stamp:
                return cached[1]
            ring = core_keyring.load_keyring(path)
            _cache[path] = (stamp, ring)
            return ring
    except (PIIError, OSError) as exc:
        raise UserError(
            env._("The Amazon PII key ring is not usable: %(error)s", error=exc)
        ) from None


def keyring_status(env):
    """Key ring status for the settings screen: versions and fingerprints only."""
    try:
        return get_keyring(env).status()
    except UserError as exc:
        return {"error": exc.args[0]}
