"""The encrypted backup archive (amazon_pii/core/backup_format.py)."""

import io
import os
import struct
import tracemalloc

import pytest

from amazon_pii.core import backup_format as bf
from amazon_pii.core.keyring import KeyRing

META = {"database": "shop", "created_at": "2026-12-06T10:00:00Z"}
SECRET_TEXT = b"Jane Q. Buyer, 12 Secret Lane"


def _kek():
    return os.urandom(32)


def _encrypt(plain, kek, chunk_size=64):
    out = io.BytesIO()
    writer = bf.ChunkWriter(out, "b1", kek, META, chunk_size)
    writer.write(plain)
    writer.close()
    return out.getvalue(), len(writer.header_bytes)


def _decrypt(blob, kek):
    stream = io.BytesIO(blob)
    header, header_bytes = bf.read_header(stream)
    reader = bf.ChunkReader(stream, header, header_bytes, kek)
    data = reader.read()
    reader.finish()
    return data


def _chunks(blob, header_len):
    """Split an archive into (header, [framed chunk bytes])."""
    chunks, pos = [], header_len
    while pos < len(blob):
        (size,) = struct.unpack(">I", blob[pos : pos + 4])
        chunks.append(blob[pos : pos + 4 + size])
        pos += 4 + size
    return blob[:header_len], chunks


def test_chunk_round_trip_and_no_plaintext_in_archive():
    kek = _kek()
    plain = SECRET_TEXT * 50  # several 64-byte chunks
    blob, header_len = _encrypt(plain, kek)
    # Bug caught: plaintext copied into the archive (e.g. unencrypted tail).
    assert SECRET_TEXT[:12] in plain and SECRET_TEXT[:12] not in blob
    assert len(_chunks(blob, header_len)[1]) == -(-len(plain) // 64)
    assert _decrypt(blob, kek) == plain


@pytest.mark.parametrize("size", [0, 1, 64, 65, 128])
def test_chunk_boundaries(size):
    # Empty input and exact multiples of the chunk size still end in a final chunk.
    kek = _kek()
    plain = os.urandom(size)
    assert _decrypt(_encrypt(plain, kek)[0], kek) == plain


def test_wrong_key_is_refused_clearly():
    blob, _ = _encrypt(SECRET_TEXT * 5, _kek())
    with pytest.raises(bf.BackupKeyError, match="not the one this archive"):
        _decrypt(blob, _kek())


def test_wrong_key_with_forged_fingerprint_fails_authentication():
    # Bug caught: trusting the header's fingerprint instead of the tag.
    kek, other = _kek(), _kek()
    blob, _ = _encrypt(SECRET_TEXT * 5, kek)
    forged = blob.replace(
        bf.key_fingerprint(kek).encode(), bf.key_fingerprint(other).encode()
    )
    assert forged != blob
    with pytest.raises(bf.BackupFormatError, match="failed authentication"):
        _decrypt(forged, other)


def test_truncation_at_a_chunk_boundary_is_detected():
    kek = _kek()
    blob, header_len = _encrypt(SECRET_TEXT * 10, kek)
    header, chunks = _chunks(blob, header_len)
    assert len(chunks) >= 3
    # Bug caught: a reader that treats end of file as a clean end.
    with pytest.raises(bf.BackupFormatError, match="truncated"):
        _decrypt(header + b"".join(chunks[:-1]), kek)


def test_truncation_inside_a_chunk_is_detected():
    kek = _kek()
    blob, _ = _encrypt(SECRET_TEXT * 10, kek)
    with pytest.raises(bf.BackupFormatError, match="truncated"):
        _decrypt(blob[:-5], kek)


def test_data_after_the_final_chunk_is_refused():
    kek = _kek()
    blob, header_len = _encrypt(SECRET_TEXT * 10, kek)
    _header, chunks = _chunks(blob, header_len)
    with pytest.raises(bf.BackupFormatError, match="after the final"):
        _decrypt(blob + chunks[0], kek)


@pytest.mark.parametrize("where", ["header_meta", "chunk_body", "last_byte"])
def test_bit_flip_is_detected(where):
    kek = _kek()
    blob, header_len = _encrypt(SECRET_TEXT * 10, kek)
    position = {
        "header_meta": blob.index(b"shop"),  # metadata is authenticated
        "chunk_body": header_len + 20,
        "last_byte": len(blob) - 1,
    }[where]
    flipped = bytearray(blob)
    flipped[position] ^= 0x01
    with pytest.raises(bf.BackupFormatError):
        _decrypt(bytes(flipped), kek)


def test_reordered_chunks_are_detected():
    kek = _kek()
    blob, header_len = _encrypt(SECRET_TEXT * 10, kek)
    header, chunks = _chunks(blob, header_len)
    swapped = [chunks[1], chunks[0], *chunks[2:]]
    with pytest.raises(bf.BackupFormatError, match="chunk 0 failed"):
        _decrypt(header + b"".join(swapped), kek)


def test_chunk_from_another_archive_is_refused():
    # Same key, other archive: its salt (file key) and header differ.
    kek = _kek()
    blob, header_len = _encrypt(SECRET_TEXT * 10, kek)
    other, other_len = _encrypt(SECRET_TEXT * 10, kek)
    header, chunks = _chunks(blob, header_len)
    foreign = _chunks(other, other_len)[1]
    with pytest.raises(bf.BackupFormatError, match="chunk 0 failed"):
        _decrypt(header + foreign[0] + b"".join(chunks[1:]), kek)


def test_not_an_archive():
    with pytest.raises(bf.BackupFormatError, match="not an Amazon PII backup"):
        bf.read_header(io.BytesIO(b"PGDMP\x01\x0e\x00" + b"\x00" * 40))


def _make_filestore(root):
    (root / "ab").mkdir(parents=True)
    (root / "ab" / "ab12cd").write_bytes(b"attachment one " + SECRET_TEXT)
    (root / "ff").mkdir()
    (root / "ff" / "ff9900").write_bytes(os.urandom(3000))


def _archive(tmp_path, filestore, ring, chunk_size=1024):
    dump = tmp_path / "database.dump"
    dump.write_bytes(b"PGDMP" + SECRET_TEXT * 100)
    out = tmp_path / "shop.amzbak"
    with open(out, "wb") as handle:
        header = bf.write_archive(
            handle,
            ring.active_version("backup"),
            ring.kek("backup", ring.active_version("backup")),
            META,
            dump,
            filestore,
            chunk_size,
        )
    return dump, out, header


def test_archive_round_trip_with_filestore(tmp_path):
    ring = KeyRing.generate()
    filestore = tmp_path / "filestore_src"
    _make_filestore(filestore)
    dump, out, header = _archive(tmp_path, filestore, ring)
    data = out.read_bytes()
    assert SECRET_TEXT not in data
    assert header["meta"]["database"] == "shop"
    assert header["meta"]["filestore"]["files"] == 2
    assert header["meta"]["dump"]["size"] == dump.stat().st_size

    dest = tmp_path / "restored"
    with open(out, "rb") as handle:
        got = bf.read_archive(handle, lambda v: ring.kek("backup", v), dest)
    assert got["meta"] == header["meta"]
    assert (dest / "dump" / "database.dump").read_bytes() == dump.read_bytes()
    for rel in ("ab/ab12cd", "ff/ff9900"):
        assert (dest / "filestore" / rel).read_bytes() == (filestore / rel).read_bytes()


def test_archive_with_empty_or_missing_filestore(tmp_path):
    ring = KeyRing.generate()
    empty = tmp_path / "empty"
    empty.mkdir()
    for filestore in (empty, tmp_path / "absent"):
        _dump, out, header = _archive(tmp_path, filestore, ring)
        assert header["meta"]["filestore"]["files"] == 0
        dest = tmp_path / f"restored_{filestore.name}"
        with open(out, "rb") as handle:
            bf.read_archive(handle, lambda v: ring.kek("backup", v), dest)
        assert (dest / "dump" / "database.dump").is_file()
        assert not (dest / "filestore").exists() or not any(
            (dest / "filestore").iterdir()
        )


def test_archive_is_not_readable_with_the_vault_key(tmp_path):
    # The backup namespace exists so the vault's key alone cannot open a backup.
    ring = KeyRing.generate()
    _dump, out, _header = _archive(tmp_path, None, ring)
    with open(out, "rb") as handle, pytest.raises(bf.BackupKeyError):
        bf.read_archive(handle, lambda v: ring.kek("vault", "v1"), tmp_path / "x")


def test_truncated_archive_restores_nothing_usable(tmp_path):
    ring = KeyRing.generate()
    _dump, out, _header = _archive(tmp_path, None, ring, chunk_size=256)
    data = out.read_bytes()
    out.write_bytes(data[: len(data) // 2])
    with open(out, "rb") as handle, pytest.raises(bf.BackupFormatError):
        bf.read_archive(handle, lambda v: ring.kek("backup", v), tmp_path / "r")


class _Counting(io.RawIOBase):
    """A sink that keeps only a count (so memory measures the writer)."""

    def __init__(self):
        super().__init__()
        self.size = 0

    def writable(self):
        return True

    def write(self, data):
        self.size += len(data)
        return len(data)


class _Source(io.RawIOBase):
    """``total`` bytes of pseudo-random data produced on demand."""

    def __init__(self, total):
        super().__init__()
        self.left = total
        self.block = os.urandom(1 << 16)

    def readable(self):
        return True

    def readinto(self, buffer):
        size = min(len(buffer), self.left, len(self.block))
        buffer[:size] = self.block[:size]
        self.left -= size
        return size


def test_big_input_is_streamed_in_bounded_memory():
    # 48 MiB through 1 MiB chunks: peak allocation stays a few chunks, so a
    # many-gigabyte dump never has to fit in memory (bug caught: buffering
    # the whole stream before encrypting).
    total = 48 << 20
    kek = _kek()
    sink = _Counting()
    tracemalloc.start()
    try:
        writer = bf.ChunkWriter(sink, "b1", kek, META)
        source = _Source(total)
        while block := source.read(1 << 16):
            writer.write(block)
        writer.close()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sink.size > total
    assert peak < 8 << 20, f"peak {peak} bytes"


def test_big_archive_is_read_in_bounded_memory(tmp_path):
    # The restore side: 48 MiB decrypted through tarfile-sized reads keeps a
    # chunk or two in memory, never the archive.
    total = 48 << 20
    kek = _kek()
    path = tmp_path / "big.amzbak"
    with open(path, "wb") as handle:
        writer = bf.ChunkWriter(handle, "b1", kek, META)
        source = _Source(total)
        while block := source.read(1 << 16):
            writer.write(block)
        writer.close()
    seen = 0
    tracemalloc.start()
    try:
        with open(path, "rb") as handle:
            header, header_bytes = bf.read_header(handle)
            reader = bf.ChunkReader(handle, header, header_bytes, kek)
            while block := reader.read(10240):
                seen += len(block)
            reader.finish()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == total
    assert peak < 8 << 20, f"peak {peak} bytes"
