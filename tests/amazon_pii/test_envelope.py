import dataclasses
import json

import pytest

from amazon_pii.core.envelope import (
    Sealed,
    archive,
    binding,
    open_many,
    open_sealed,
    rewrap,
    seal,
    seal_many,
    shred,
    unarchive,
)
from amazon_pii.core.errors import KeyUnavailableError, TamperError
from amazon_pii.core.keyring import KeyRing

AAD = binding("sale.order", 42, "recipient_name", "e1")


@pytest.fixture
def ring():
    return KeyRing.generate()


def _flip(data, index):
    data = bytearray(data)
    data[index] ^= 0x01
    return bytes(data)


def test_binding_is_canonical_and_unambiguous():
    assert AAD == b"amazon_pii/1|sale.order|42|recipient_name|e1"
    with pytest.raises(ValueError):
        binding("sale.order", 4, "a|b", "e1")
    with pytest.raises(TypeError):
        binding("sale.order", "42", "recipient_name", "e1")
    with pytest.raises(TypeError):
        binding("sale.order", True, "recipient_name", "e1")


@pytest.mark.parametrize(
    "plaintext, expected",
    [
        ("Zoë Ångström", "Zoë Ångström".encode()),
        ("山田 太郎", "山田 太郎".encode()),
        (b"\x00\xffraw", b"\x00\xffraw"),
        ("", b""),
    ],
)
def test_round_trip(ring, plaintext, expected):
    sealed = seal(ring, plaintext, AAD)
    assert (sealed.kek_namespace, sealed.kek_version) == ("vault", "v1")
    assert open_sealed(ring, sealed, AAD) == expected
    if expected:
        assert expected not in sealed.ciphertext


def test_each_seal_uses_fresh_key_and_nonce(ring):
    one, two = seal(ring, "same", AAD), seal(ring, "same", AAD)
    assert one.wrapped_key != two.wrapped_key
    assert one.ciphertext != two.ciphertext
    assert len(one.wrapped_key) == 12 + 32 + 16


def test_repr_shows_no_bytes(ring):
    sealed = seal(ring, "Zoë", AAD)
    assert sealed.ciphertext.hex() not in repr(sealed)
    assert repr(sealed.wrapped_key) not in repr(sealed)


def test_other_ring_with_same_versions_is_tamper(ring):
    sealed = seal(ring, "x", AAD)
    with pytest.raises(TamperError):
        open_sealed(KeyRing.generate(), sealed, AAD)


def test_missing_version_is_key_unavailable(ring):
    sealed = seal(ring.with_new_version("vault"), "x", AAD)  # under v2
    with pytest.raises(KeyUnavailableError):
        open_sealed(ring, sealed, AAD)


@pytest.mark.parametrize("index", [0, 11, 12, -1, -16, -17])
def test_tampered_ciphertext_byte(ring, index):
    sealed = seal(ring, "Zoë Ångström", AAD)
    bad = dataclasses.replace(sealed, ciphertext=_flip(sealed.ciphertext, index))
    with pytest.raises(TamperError):
        open_sealed(ring, bad, AAD)


@pytest.mark.parametrize("index", [0, 12, -1])
def test_tampered_wrapped_key_byte(ring, index):
    sealed = seal(ring, "x", AAD)
    bad = dataclasses.replace(sealed, wrapped_key=_flip(sealed.wrapped_key, index))
    with pytest.raises(TamperError):
        open_sealed(ring, bad, AAD)


def test_truncated_blobs_are_tamper(ring):
    sealed = seal(ring, "x", AAD)
    for bad in (
        dataclasses.replace(sealed, ciphertext=sealed.ciphertext[:20]),
        dataclasses.replace(sealed, wrapped_key=sealed.wrapped_key[:-1]),
    ):
        with pytest.raises(TamperError):
            open_sealed(ring, bad, AAD)


@pytest.mark.parametrize(
    "other",
    [
        binding("sale.order", 43, "recipient_name", "e1"),
        binding("sale.order", 42, "buyer_name", "e1"),
        binding("res.partner", 42, "recipient_name", "e1"),
        binding("sale.order", 42, "recipient_name", "e2"),
    ],
)
def test_ciphertext_moved_to_other_owner_or_field_is_tamper(ring, other):
    sealed = seal(ring, "Zoë", AAD)
    with pytest.raises(TamperError):
        open_sealed(ring, sealed, other)


def test_swapped_wrapped_keys_or_payloads_are_tamper(ring):
    aad_b = binding("sale.order", 43, "recipient_name", "e2")
    a, b = seal(ring, "Alice", AAD), seal(ring, "Bob", aad_b)
    swaps = [
        (dataclasses.replace(a, wrapped_key=b.wrapped_key), AAD),
        (dataclasses.replace(b, wrapped_key=a.wrapped_key), aad_b),
        (dataclasses.replace(a, ciphertext=b.ciphertext), AAD),
    ]
    for sealed, aad in swaps:
        with pytest.raises(TamperError):
            open_sealed(ring, sealed, aad)


def test_relabelled_kek_version_is_tamper(ring):
    rotated = ring.with_new_version("vault")
    sealed = seal(rotated, "x", AAD)  # v2
    relabelled = dataclasses.replace(sealed, kek_version="v1")
    with pytest.raises(TamperError):
        open_sealed(rotated, relabelled, AAD)


def test_rotation_rewrap_and_retire(ring):
    old = seal(ring, "Zoë", AAD)
    aad_2 = binding("sale.order", 7, "phone", "e9")
    untouched = seal(ring, "+49 30 1234567", aad_2)
    rotated = ring.with_new_version("vault")

    new = rewrap(rotated, old, AAD)
    assert new.kek_version == "v2" and new.kek_namespace == "vault"
    assert new.ciphertext == old.ciphertext  # payload never re-encrypted
    assert new.wrapped_key != old.wrapped_key
    assert open_sealed(rotated, new, AAD) == "Zoë".encode()
    assert rewrap(rotated, new, AAD) is new  # already current: nothing to write

    retired = rotated.without_version("vault", "v1")
    assert open_sealed(retired, new, AAD) == "Zoë".encode()
    with pytest.raises(KeyUnavailableError):
        open_sealed(retired, untouched, aad_2)
    with pytest.raises(KeyUnavailableError):
        rewrap(retired, untouched, aad_2)


def test_rewrap_refuses_wrong_binding(ring):
    sealed = seal(ring, "x", AAD)
    rotated = ring.with_new_version("vault")
    other = binding("sale.order", 43, "recipient_name", "e1")
    with pytest.raises(TamperError):
        rewrap(rotated, sealed, other)
    with pytest.raises(TamperError):
        rewrap(ring, sealed, other)  # even when already current


def test_shred_makes_entry_unrecoverable(ring):
    sealed = seal(ring, "Zoë", AAD)
    shredded = shred(sealed)
    assert shredded.wrapped_key == b"" and shredded.ciphertext == sealed.ciphertext
    assert open_sealed(ring, sealed, AAD) == "Zoë".encode()  # original is a copy
    for call in (
        lambda: open_sealed(ring, shredded, AAD),
        lambda: rewrap(ring.with_new_version("vault"), shredded, AAD),
        lambda: archive(ring, shredded, AAD),
        lambda: open_many(ring, [(shredded, AAD)]),
    ):
        with pytest.raises(KeyUnavailableError, match="data key destroyed"):
            call()


def test_archive_round_trip_and_isolation(ring):
    sealed = seal(ring, "山田 太郎", AAD)
    archived = archive(ring, sealed, AAD)
    assert (archived.kek_namespace, archived.kek_version) == ("archive", "a1")
    assert archived.ciphertext == sealed.ciphertext
    assert open_sealed(ring, archived, AAD) == "山田 太郎".encode()

    data = json.loads(ring.to_json())
    vault_only = KeyRing.from_mapping({k: v for k, v in data.items() if k != "archive"})
    with pytest.raises(KeyUnavailableError):
        open_sealed(vault_only, archived, AAD)
    # Pretending the archived key is a vault key does not help either.
    disguised = dataclasses.replace(archived, kek_namespace="vault", kek_version="v1")
    with pytest.raises(TamperError):
        open_sealed(vault_only, disguised, AAD)

    rotated = ring.with_new_version("vault")
    back = unarchive(rotated, archived, AAD)
    assert (back.kek_namespace, back.kek_version) == ("vault", "v2")
    assert back.ciphertext == sealed.ciphertext
    assert open_sealed(rotated, back, AAD) == "山田 太郎".encode()


class _CountingRing:
    """Delegates to a real ring and counts KEK look-ups."""

    def __init__(self, ring):
        self.ring, self.calls = ring, 0

    def active_version(self, namespace):
        return self.ring.active_version(namespace)

    def kek(self, namespace, version):
        self.calls += 1
        return self.ring.kek(namespace, version)


def test_batches_round_trip_and_build_kek_cipher_once(ring):
    items = [
        (f"name {i} Zoë", binding("sale.order", i, "buyer_name", "e"))
        for i in range(50)
    ]
    counting = _CountingRing(ring)
    sealed = seal_many(counting, items)
    assert counting.calls == 1
    assert all(isinstance(s, Sealed) for s in sealed)

    counting = _CountingRing(ring)
    opened = open_many(counting, list(zip(sealed, (a for _, a in items), strict=True)))
    assert counting.calls == 1
    assert opened == [p.encode() for p, _ in items]


def test_open_many_mixed_versions_and_tamper(ring):
    aads = [binding("sale.order", i, "phone", "e") for i in range(4)]
    first = seal_many(ring, [("a", aads[0]), ("b", aads[1])])
    rotated = ring.with_new_version("vault")
    second = seal_many(rotated, [("c", aads[2]), ("d", aads[3])])
    pairs = list(zip(first + second, aads, strict=True))
    assert open_many(rotated, pairs) == [b"a", b"b", b"c", b"d"]
    pairs[2] = (pairs[2][0], aads[3])
    with pytest.raises(TamperError):
        open_many(rotated, pairs)


def test_no_plaintext_or_key_in_errors(ring):
    sealed = seal(ring, "Zoë Secret", AAD)
    with pytest.raises(TamperError) as info:
        open_sealed(ring, sealed, binding("x", 1, "y", "z"))
    assert "Zoë" not in str(info.value)
    assert ring.kek("vault", "v1").hex() not in str(info.value)
