"""Encrypted backup archive: one file holding a database dump and its filestore
(docs/data-protection.md #5).

Layout::

    MAGIC(8) || FORMAT(1) || len(header)(4, big endian) || header (JSON)
    then chunks: len(ciphertext)(4) || AESGCM(file_key).encrypt(nonce, plain, aad)

* The header names the key-ring slot (namespace "backup", version, key
  fingerprint), a random salt, a random nonce prefix, the chunk size and the
  metadata (source database, created at, Odoo and module versions, sizes and
  sha256 of the plaintext parts). It is readable without the key (to say which
  key is needed) and authenticated by every chunk.
* ``file_key = HKDF-SHA256(backup KEK, salt)``: a fresh key per archive, so
  nonces never repeat across archives under one KEK.
* ``nonce = prefix(4) || chunk counter(8)``: a reordered, dropped or duplicated
  chunk fails authentication at its position.
* ``aad = header || final flag``: the last chunk is marked; a stream that ends
  without it (truncated) or goes on after it is refused.

Inside the encryption: a tar stream (``dump/database.dump``, the pg_dump
custom-format dump, then ``filestore/...``). Nothing of the key ring is ever
written: only its slot name and an 8-hex fingerprint.

Memory is bounded by one chunk on both sides: :class:`ChunkWriter` and
:class:`ChunkReader` are file objects that ``tarfile``'s stream modes use.
"""

import hashlib
import io
import json
import os
import struct
import tarfile
from pathlib import Path, PurePosixPath

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"AMZPIIBK"
FORMAT = 1
NAMESPACE = "backup"
CHUNK_SIZE = 1 << 20
MAX_HEADER = 1 << 20
_TAG = 16
_LEN = struct.Struct(">I")
_INFO = b"amazon_pii backup file key v1"
DUMP_MEMBER = "dump/database.dump"
FILESTORE_DIR = "filestore"


class BackupFormatError(Exception):
    """The archive is not one of ours, or is damaged, altered or truncated."""


class BackupKeyError(BackupFormatError):
    """The key ring cannot open this archive (missing or different key)."""


def key_fingerprint(key):
    # Same short identifier as keyring.fingerprint: names a key, reveals nothing.
    return hashlib.sha256(key).hexdigest()[:8]


def _file_key(kek, salt):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_INFO).derive(kek)


def _nonce(prefix, counter):
    return prefix + counter.to_bytes(8, "big")


def _aad(header_bytes, final):
    return header_bytes + (b"\x01" if final else b"\x00")


# -- header -----------------------------------------------------------------
def build_header(key_version, key, meta, chunk_size=CHUNK_SIZE):
    """Header bytes (as written and authenticated) for a new archive."""
    header = {
        "key_namespace": NAMESPACE,
        "key_version": key_version,
        "key_fingerprint": key_fingerprint(key),
        "salt": os.urandom(16).hex(),
        "nonce_prefix": os.urandom(4).hex(),
        "chunk_size": chunk_size,
        "meta": meta,
    }
    body = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    return MAGIC + bytes([FORMAT]) + _LEN.pack(len(body)) + body


def _read_exact(stream, size):
    data = stream.read(size)
    while data is not None and len(data) < size:
        more = stream.read(size - len(data))
        if not more:
            break
        data += more
    return data or b""


def read_header(stream):
    """``(header dict, header bytes)`` from the start of ``stream``."""
    lead = _read_exact(stream, len(MAGIC) + 1 + _LEN.size)
    if len(lead) < len(MAGIC) + 1 + _LEN.size or lead[: len(MAGIC)] != MAGIC:
        raise BackupFormatError("not an Amazon PII backup archive")
    if lead[len(MAGIC)] != FORMAT:
        raise BackupFormatError(f"unsupported backup format {lead[len(MAGIC)]}")
    (size,) = _LEN.unpack(lead[len(MAGIC) + 1 :])
    if size > MAX_HEADER:
        raise BackupFormatError("backup header is too large")
    body = _read_exact(stream, size)
    if len(body) != size:
        raise BackupFormatError("backup archive is truncated in its header")
    try:
        header = json.loads(body)
        salt = bytes.fromhex(header["salt"])
        prefix = bytes.fromhex(header["nonce_prefix"])
        chunk_size = int(header["chunk_size"])
        if not isinstance(header["key_version"], str):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise BackupFormatError("backup header is malformed") from None
    if len(salt) != 16 or len(prefix) != 4 or not 0 < chunk_size <= 64 << 20:
        raise BackupFormatError("backup header is malformed")
    if header.get("key_namespace") != NAMESPACE:
        raise BackupFormatError("backup header names another key namespace")
    return header, lead + body


# -- chunk streams ----------------------------------------------------------
class ChunkWriter(io.RawIOBase):
    """Write-only file object: buffers one chunk, encrypts and writes it.

    ``close()`` writes the final chunk (possibly empty); without it the
    archive reads as truncated, which is what an interrupted backup is."""

    def __init__(self, out, key_version, kek, meta, chunk_size=CHUNK_SIZE):
        super().__init__()
        self._out = out
        self.header_bytes = build_header(key_version, kek, meta, chunk_size)
        header, _ = read_header(io.BytesIO(self.header_bytes))
        self._cipher = AESGCM(_file_key(kek, bytes.fromhex(header["salt"])))
        self._prefix = bytes.fromhex(header["nonce_prefix"])
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._counter = 0
        self.bytes_in = 0
        out.write(self.header_bytes)

    def writable(self):
        return True

    def write(self, data):  # pylint: disable=method-required-super
        if self.closed:
            raise ValueError("write to a closed backup archive")
        self._buffer += data
        self.bytes_in += len(data)
        # Keep at least one byte back: the final chunk must carry the flag.
        while len(self._buffer) > self._chunk_size:
            self._emit(bytes(self._buffer[: self._chunk_size]), final=False)
            del self._buffer[: self._chunk_size]
        return len(data)

    def _emit(self, plain, final):
        sealed = self._cipher.encrypt(
            _nonce(self._prefix, self._counter), plain, _aad(self.header_bytes, final)
        )
        self._counter += 1
        self._out.write(_LEN.pack(len(sealed)) + sealed)

    def close(self):
        if not self.closed:
            self._emit(bytes(self._buffer), final=True)
            self._buffer.clear()
        return super().close()


class ChunkReader(io.RawIOBase):
    """Read-only file object over the decrypted chunks of ``stream`` (whose
    header was already read). Every byte it returns is authenticated; call
    :meth:`finish` to prove the archive was complete."""

    def __init__(self, stream, header, header_bytes, kek):
        super().__init__()
        if key_fingerprint(kek) != header.get("key_fingerprint"):
            raise BackupKeyError(
                f"the key ring's key {NAMESPACE}/{header['key_version']} is not "
                "the one this archive was made with"
            )
        self._stream = stream
        self._header_bytes = header_bytes
        self._cipher = AESGCM(_file_key(kek, bytes.fromhex(header["salt"])))
        self._prefix = bytes.fromhex(header["nonce_prefix"])
        self._max = int(header["chunk_size"]) + _TAG
        self._counter = 0
        self._plain = b""
        self._pos = 0
        self._done = False

    def readable(self):
        return True

    def _next_chunk(self):
        lead = _read_exact(self._stream, _LEN.size)
        if not lead:
            raise BackupFormatError("backup archive is truncated (no final chunk)")
        if len(lead) < _LEN.size:
            raise BackupFormatError("backup archive is truncated in a chunk")
        (size,) = _LEN.unpack(lead)
        if not _TAG <= size <= self._max:
            raise BackupFormatError(f"backup chunk {self._counter} is malformed")
        sealed = _read_exact(self._stream, size)
        if len(sealed) != size:
            raise BackupFormatError("backup archive is truncated in a chunk")
        nonce = _nonce(self._prefix, self._counter)
        for final in (False, True):
            try:
                plain = self._cipher.decrypt(
                    nonce, sealed, _aad(self._header_bytes, final)
                )
            except InvalidTag:
                continue
            self._counter += 1
            if final:
                self._done = True
                if self._stream.read(1):
                    raise BackupFormatError("data after the final backup chunk")
            return plain
        raise BackupFormatError(
            f"backup chunk {self._counter} failed authentication (wrong key, "
            "or the archive was altered or its chunks reordered)"
        )

    def readinto(self, buffer):
        # An offset into the chunk, not a slice: tarfile reads 10 KiB at a
        # time, and re-slicing a 1 MiB chunk each time copies it ~100 times.
        while self._pos >= len(self._plain) and not self._done:
            self._plain, self._pos = self._next_chunk(), 0
        size = min(len(buffer), len(self._plain) - self._pos)
        buffer[:size] = self._plain[self._pos : self._pos + size]
        self._pos += size
        return size

    def finish(self):
        """Read to the final chunk: BackupFormatError if it is missing."""
        while not self._done:
            self._next_chunk()
        self._plain, self._pos = b"", 0


# -- archive contents -------------------------------------------------------
def file_digest(path, block=CHUNK_SIZE):
    """``(size, sha256 hex)`` of a file, read in bounded blocks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while data := handle.read(block):
            digest.update(data)
            size += len(data)
    return size, digest.hexdigest()


def filestore_digest(root):
    """``(file count, total size, sha256)`` over the filestore's relative
    paths and contents, in sorted order (an independent check after restore)."""
    digest, count, total = hashlib.sha256(), 0, 0
    if not root or not Path(root).is_dir():
        return 0, 0, digest.hexdigest()
    root = Path(root)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        size, sha = file_digest(path)
        digest.update(f"{rel}\0{size}\0{sha}\n".encode())
        count += 1
        total += size
    return count, total, digest.hexdigest()


def write_archive(
    out, key_version, kek, meta, dump_path, filestore, chunk_size=CHUNK_SIZE
):
    """Write a whole archive to the binary stream ``out``. ``meta`` is
    completed with the sizes and sha256 of the dump and the filestore.
    Returns the header dict."""
    size, sha = file_digest(dump_path)
    count, total, fs_sha = filestore_digest(filestore)
    meta = dict(
        meta,
        dump={"size": size, "sha256": sha},
        filestore={"files": count, "size": total, "sha256": fs_sha},
    )
    writer = ChunkWriter(out, key_version, kek, meta, chunk_size)
    with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        tar.add(dump_path, arcname=DUMP_MEMBER, recursive=False)
        if filestore and Path(filestore).is_dir():
            # Sorted: the same filestore gives the same tar stream.
            for path in sorted(Path(filestore).rglob("*")):
                if path.is_file() and not path.is_symlink():
                    rel = path.relative_to(filestore).as_posix()
                    tar.add(path, arcname=f"{FILESTORE_DIR}/{rel}", recursive=False)
    writer.close()
    header, _ = read_header(io.BytesIO(writer.header_bytes))
    return header


def _safe_member(member):
    name = PurePosixPath(member.name)
    if name.is_absolute() or ".." in name.parts or not member.isfile():
        return False
    return member.name == DUMP_MEMBER or name.parts[0] == FILESTORE_DIR


def read_archive(stream, keyring_kek, dest):
    """Decrypt and unpack the archive in ``stream`` under the directory
    ``dest``: ``dest/dump/database.dump`` and ``dest/filestore/...``.

    ``keyring_kek(version)`` returns the backup KEK of that version (raising
    when the ring lacks it). Checks the final chunk and the sha256 of both
    parts against the (authenticated) header; returns the header dict."""
    header, header_bytes = read_header(stream)
    kek = keyring_kek(header["key_version"])
    reader = ChunkReader(stream, header, header_bytes, kek)
    dest = Path(dest)
    try:
        with tarfile.open(fileobj=reader, mode="r|") as tar:
            for member in tar:
                if not _safe_member(member):
                    raise BackupFormatError(f"unexpected member {member.name!r}")
                tar.extract(member, dest, filter="data")
        reader.finish()
    except tarfile.TarError as exc:
        raise BackupFormatError(f"backup contents are not a valid tar: {exc}") from None
    meta = header["meta"]
    dump = dest / DUMP_MEMBER
    if not dump.is_file() or file_digest(dump) != (
        meta["dump"]["size"],
        meta["dump"]["sha256"],
    ):
        raise BackupFormatError("restored dump does not match the archive's sha256")
    count, total, fs_sha = filestore_digest(dest / FILESTORE_DIR)
    expected = meta["filestore"]
    if (count, total, fs_sha) != (
        expected["files"],
        expected["size"],
        expected["sha256"],
    ):
        raise BackupFormatError(
            "restored filestore does not match the archive's sha256"
        )
    return header
