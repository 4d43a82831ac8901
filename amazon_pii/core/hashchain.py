"""Tamper-evident, append-only audit chain (docs/data-protection.md #13).

Each row stores only its own hash: ``hash_n = link(hash_{n-1}, record_n)``,
``hash_0``'s predecessor being ``GENESIS``. The whole record dict is hashed,
``id`` included, so it must be final before its hash is computed.

``verify`` recomputes every link in order from the *stored* previous hash, so
one problem points at the first row that no longer fits:

* an edited row fails its own link;
* a deleted row makes the next row fail (its predecessor is gone);
* a moved row fails, and so does the row that now follows it.

Deleting the newest rows leaves no gap; pass ``expected_head`` (the last hash,
anchored outside the table, e.g. in a periodic report) to catch truncation.
"""

import datetime
import decimal
import hashlib
import hmac
import json
import re

GENESIS = "0" * 64
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _json_default(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot hash a {type(value).__name__} in an audit record")


def canonical(record):
    """Sorted-key, whitespace-free UTF-8 JSON: one byte string per record."""
    return json.dumps(
        record,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=_json_default,
    ).encode("utf-8")


def link(prev_hash, record, key=None):
    """Hex SHA-256 of ``prev_hash || canonical(record)``; HMAC-SHA-256 with
    ``key``, so that only the key's holder can compute a valid link."""
    if not isinstance(prev_hash, str) or not _HEX64.match(prev_hash):
        raise ValueError("prev_hash must be 64 lowercase hex characters")
    return _digest(prev_hash, record, key)


def _digest(prev_hash, record, key=None):
    # No validation here: verify() must report a garbled stored hash, not crash.
    message = str(prev_hash).encode("utf-8") + canonical(record)
    if key:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


def verify(rows, expected_head=None):
    """Check ``[(record, stored_hash), ...]`` (or ``(record, stored_hash, key)``
    for keyed links) given in chain order.

    Returns a list of ``{"id", "position", "reason"}``; empty means intact.
    """
    problems = []
    prev = GENESIS
    prev_id = None
    for position, (record, stored, *key) in enumerate(rows):
        row_id = record.get("id")
        if prev_id is not None and _comparable(prev_id, row_id) and row_id <= prev_id:
            problems.append(
                {
                    "id": row_id,
                    "position": position,
                    "reason": f"out of order: id follows {prev_id}",
                }
            )
        if _digest(prev, record, key[0] if key else None) != stored:
            problems.append(
                {
                    "id": row_id,
                    "position": position,
                    "reason": "hash mismatch: row edited, or the row before it was "
                    "deleted or moved",
                }
            )
        prev, prev_id = stored, row_id
    if expected_head is not None and prev != expected_head:
        problems.append(
            {
                "id": prev_id,
                "position": None,
                "reason": "head mismatch: newest rows deleted or rewritten",
            }
        )
    return problems


def _comparable(a, b):
    return isinstance(a, int) and isinstance(b, int)


def row_key(audit_key):
    """The key of the per-row insert MACs, derived from the audit key so a row
    MAC can never be confused with a chain link."""
    return hmac.new(audit_key, b"amazon_pii/audit-row-mac/1", hashlib.sha256).digest()


def row_mac(audit_key, record):
    """MAC the audit service puts on a row when it inserts it: the seal
    chains only rows that carry a valid one, so a row inserted in SQL is
    never sealed as genuine."""
    return hmac.new(row_key(audit_key), canonical(record), hashlib.sha256).hexdigest()


def row_mac_ok(audit_key, record, mac):
    return isinstance(mac, str) and hmac.compare_digest(row_mac(audit_key, record), mac)
