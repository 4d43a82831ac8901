"""The audit chain's head, anchored outside the database
(docs/data-protection.md #13).

The chain detects an edited or removed row by the rows after it; deleting the
newest rows leaves nothing after them. So every committed seal writes its head
(position and hash) to a small file beside the key ring, only ever forward,
and the daily verification checks that the chain still holds that row with
that hash. Someone with only database access cannot move the anchor back.

File (JSON, mode 0600)::

    {"format": 1, "seq": 1234, "hash": "<64 hex>"}
"""

import fcntl
import json
import os

if __package__:
    from .keyring import write_private_atomically
else:  # imported by a core script run as a plain file (core/backup.py)
    from keyring import write_private_atomically

FORMAT = 1


class AnchorError(Exception):
    """The anchor file exists but cannot be read as an anchor."""


def read_anchor(path):
    """``(seq, hash)`` of the anchored head, or None when nothing is anchored."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        raise AnchorError(f"audit head file {path} is unreadable") from None
    seq, digest = data.get("seq"), data.get("hash")
    if data.get("format") != FORMAT or not isinstance(seq, int) or seq < 0:
        raise AnchorError(f"audit head file {path} is not an anchor")
    if not isinstance(digest, str) or len(digest) != 64:
        raise AnchorError(f"audit head file {path} is not an anchor")
    return seq, digest


def advance_anchor(path, seq, digest):
    """Anchor ``(seq, digest)`` unless the file already anchors a later
    position (seals of several workers may finish out of order). Returns the
    anchored head."""
    lock_fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(lock_fd, "r+", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            current = read_anchor(path)
        except AnchorError:
            current = None  # a torn write: the new head replaces it
        if current and current[0] >= seq:
            return current
        write_private_atomically(
            path,
            json.dumps({"format": FORMAT, "seq": seq, "hash": digest}),
            ".audit-head-",
        )
        return seq, digest


def reset_anchor(path, seq, digest):
    """Anchor ``(seq, digest)`` whatever the file held: only for a database
    that was just created from a restored backup (``core/backup.py``), whose
    chain starts at the restored head."""
    write_private_atomically(
        path,
        json.dumps({"format": FORMAT, "seq": seq, "hash": digest}),
        ".audit-head-",
    )
    return seq, digest


def anchor_problem(hashes_by_seq, anchor):
    """Why the sealed chain ``{seq: hash}`` contradicts ``anchor`` ('' when
    it holds the anchored row unchanged)."""
    if not anchor or anchor[0] == 0:
        return ""
    seq, digest = anchor
    found = hashes_by_seq.get(seq)
    if found is None:
        return f"head mismatch: the anchored row {seq} is gone (newest rows deleted)"
    if found != digest:
        return f"head mismatch: the anchored row {seq} was rewritten"
    return ""
