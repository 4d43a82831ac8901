"""AES-256-GCM envelope encryption for vault entries (docs/data-protection.md #5).

Each entry gets a fresh 32-byte data key (DEK). The payload is encrypted with
the DEK; the DEK is wrapped by a versioned KEK from the key ring. Hence:

* rotation re-wraps 60 bytes per entry and never touches the payload;
* destroying one wrapped key shreds one entry (crypto-shredding);
* both layers authenticate ``binding(...)``, so a ciphertext or a wrapped key
  moved to another owner, field or entry fails with ``TamperError``.

Layouts: ``wrapped_key = nonce(12) || AESGCM(kek).encrypt(nonce, dek, wrap_aad)``
and ``ciphertext = nonce(12) || AESGCM(dek).encrypt(nonce, plaintext, aad)``.
"""

import os
from dataclasses import dataclass, replace

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import KeyUnavailableError, TamperError

NONCE_SIZE = 12
KEY_SIZE = 32
_TAG_SIZE = 16
_WRAPPED_SIZE = NONCE_SIZE + KEY_SIZE + _TAG_SIZE
_BINDING_VERSION = b"amazon_pii/1"


@dataclass(frozen=True)
class Sealed:
    """One encrypted entry as stored by the vault (all fields are opaque bytes)."""

    kek_namespace: str
    kek_version: str
    wrapped_key: bytes
    ciphertext: bytes

    def __repr__(self):  # sizes only: the blobs are useless but noisy in logs
        return (
            f"Sealed({self.kek_namespace}/{self.kek_version}, "
            f"wrapped_key={len(self.wrapped_key)}B, ciphertext={len(self.ciphertext)}B)"
        )


def binding(owner_model, owner_id, field, entry_ref):
    """Canonical associated data tying a ciphertext to its owner, field and entry."""
    if isinstance(owner_id, bool) or not isinstance(owner_id, int):
        raise TypeError("owner_id must be an int")
    parts = (owner_model, str(owner_id), field, entry_ref)
    for part in parts:
        if not isinstance(part, str) or "|" in part:
            raise ValueError("binding parts must be strings without '|'")
    return b"|".join((_BINDING_VERSION, *(p.encode("utf-8") for p in parts)))


def _wrap_aad(namespace, version, aad):
    # The KEK slot is authenticated too, so relabelling a wrapped key fails.
    return b"wrap|%s|%s|%s" % (namespace.encode(), version.encode(), aad)


def _to_bytes(plaintext):
    return plaintext.encode("utf-8") if isinstance(plaintext, str) else bytes(plaintext)


def _seal_one(kek_cipher, namespace, version, plaintext, aad):
    dek = AESGCM.generate_key(bit_length=256)
    key_nonce, data_nonce = os.urandom(NONCE_SIZE), os.urandom(NONCE_SIZE)
    wrapped = key_nonce + kek_cipher.encrypt(
        key_nonce, dek, _wrap_aad(namespace, version, aad)
    )
    ciphertext = data_nonce + AESGCM(dek).encrypt(data_nonce, _to_bytes(plaintext), aad)
    return Sealed(namespace, version, wrapped, ciphertext)


def _unwrap(kek_cipher, sealed, aad):
    if not sealed.wrapped_key:
        raise KeyUnavailableError("data key destroyed")
    if len(sealed.wrapped_key) != _WRAPPED_SIZE:
        raise TamperError("wrapped key has the wrong length")
    nonce, body = sealed.wrapped_key[:NONCE_SIZE], sealed.wrapped_key[NONCE_SIZE:]
    try:
        return kek_cipher.decrypt(
            nonce, body, _wrap_aad(sealed.kek_namespace, sealed.kek_version, aad)
        )
    except InvalidTag:
        raise TamperError("wrapped key failed authentication") from None


def _open_one(kek_cipher, sealed, aad):
    dek = _unwrap(kek_cipher, sealed, aad)
    if len(sealed.ciphertext) < NONCE_SIZE + _TAG_SIZE:
        raise TamperError("ciphertext is truncated")
    nonce, body = sealed.ciphertext[:NONCE_SIZE], sealed.ciphertext[NONCE_SIZE:]
    try:
        return AESGCM(dek).decrypt(nonce, body, aad)
    except InvalidTag:
        raise TamperError("ciphertext failed authentication") from None


class _KekCache(dict):
    """One AESGCM(kek) per (namespace, version) for the life of a batch."""

    def __init__(self, keyring):
        super().__init__()
        self.keyring = keyring

    def __missing__(self, slot):
        cipher = self[slot] = AESGCM(self.keyring.kek(*slot))
        return cipher


def seal(keyring, plaintext, aad, namespace="vault"):
    """Encrypt ``plaintext`` (str as UTF-8, or bytes) under the active KEK."""
    version = keyring.active_version(namespace)
    return _seal_one(
        AESGCM(keyring.kek(namespace, version)), namespace, version, plaintext, aad
    )


def open_sealed(keyring, sealed, aad):
    """Decrypt to bytes. TamperError if anything changed, KeyUnavailableError
    if the KEK version is gone or the entry was shredded."""
    if not sealed.wrapped_key:
        raise KeyUnavailableError("data key destroyed")
    kek = keyring.kek(sealed.kek_namespace, sealed.kek_version)
    return _open_one(AESGCM(kek), sealed, aad)


def seal_many(keyring, items, namespace="vault"):
    """Seal ``[(plaintext, aad), ...]`` with one KEK cipher for the whole batch."""
    version = keyring.active_version(namespace)
    kek_cipher = AESGCM(keyring.kek(namespace, version))
    return [_seal_one(kek_cipher, namespace, version, p, a) for p, a in items]


def open_many(keyring, items):
    """Open ``[(sealed, aad), ...]``; the first failure raises for the batch."""
    ciphers = _KekCache(keyring)
    out = []
    for sealed, aad in items:
        if not sealed.wrapped_key:
            raise KeyUnavailableError("data key destroyed")
        out.append(
            _open_one(ciphers[sealed.kek_namespace, sealed.kek_version], sealed, aad)
        )
    return out


def rewrap(keyring, sealed, aad, namespace=None):
    """Re-wrap only the data key under the active KEK of ``namespace`` (default:
    the entry's own). The payload ciphertext is returned byte-for-byte."""
    if not sealed.wrapped_key:
        raise KeyUnavailableError("data key destroyed")
    namespace = namespace or sealed.kek_namespace
    version = keyring.active_version(namespace)
    # Unwrap even when nothing changes, so rewrap never blesses a forgery.
    dek = _unwrap(
        AESGCM(keyring.kek(sealed.kek_namespace, sealed.kek_version)), sealed, aad
    )
    if (namespace, version) == (sealed.kek_namespace, sealed.kek_version):
        return sealed
    nonce = os.urandom(NONCE_SIZE)
    wrapped = nonce + AESGCM(keyring.kek(namespace, version)).encrypt(
        nonce, dek, _wrap_aad(namespace, version, aad)
    )
    return replace(
        sealed, kek_namespace=namespace, kek_version=version, wrapped_key=wrapped
    )


def shred(sealed):
    """Destroy the wrapped data key: the payload becomes unrecoverable."""
    return replace(sealed, wrapped_key=b"")


def archive(keyring, sealed, aad):
    """Move an entry under the active archive KEK (legal hold; payload untouched)."""
    return rewrap(keyring, sealed, aad, namespace="archive")


def unarchive(keyring, sealed, aad):
    """Bring an archived entry back under the active vault KEK."""
    return rewrap(keyring, sealed, aad, namespace="vault")
