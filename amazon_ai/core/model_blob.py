"""Authenticated storage of a trained model blob (docs/data-protection.md #17).

The risk model is stored in the database as a pickle-based blob. Anyone who
can write that field (an administrator over RPC, SQL access) could swap in a
model that scores fraud as safe, or a pickle that does worse when loaded. So
the blob is stored signed: ``MAGIC || version || "\\n" || HMAC-SHA-256 || blob``
with a key from the PII key ring (outside the database), and ``open_blob``
refuses any blob whose MAC does not match before a byte of it is unpickled.
"""

import hashlib
import hmac

MAGIC = b"AMZRISK1:"
_MAC_SIZE = 32


class BlobRefused(ValueError):
    """The stored blob is not one this service signed (changed or forged)."""


def blob_key(ring_key):
    """The signing key, derived from a key-ring key for this one purpose."""
    return hmac.new(ring_key, b"amazon_ai/risk-model-blob/1", hashlib.sha256).digest()


def _mac(key, header, blob):
    return hmac.new(blob_key(key), header + blob, hashlib.sha256).digest()


def sign_blob(blob, version, key):
    """``blob`` signed under key-ring key ``key`` of version ``version``."""
    if not version or b"\n" in version.encode() or b":" in version.encode():
        raise ValueError("invalid key version")
    header = MAGIC + version.encode("ascii") + b"\n"
    return header + _mac(key, header, bytes(blob)) + bytes(blob)


def open_blob(signed, key_for_version):
    """The blob inside ``signed``; ``key_for_version(version)`` returns the
    key-ring key of that version or None. BlobRefused on any mismatch."""
    signed = bytes(signed)
    if not signed.startswith(MAGIC):
        raise BlobRefused("the risk model blob is not signed")
    version, sep, rest = signed[len(MAGIC) :].partition(b"\n")
    if not sep or len(rest) < _MAC_SIZE:
        raise BlobRefused("the risk model blob is truncated")
    key = key_for_version(version.decode("ascii", "replace"))
    if not key:
        raise BlobRefused("the risk model blob's signing key is unavailable")
    mac, blob = rest[:_MAC_SIZE], rest[_MAC_SIZE:]
    header = signed[: len(MAGIC) + len(version) + 1]
    if not hmac.compare_digest(mac, _mac(key, header, blob)):
        raise BlobRefused("the risk model blob was changed after it was signed")
    return blob
