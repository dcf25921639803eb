"""The .lbk file: records (JSON lists or objects) framed so that a half-synced file is never read.

Layout, all integers big-endian:
    header   MAGIC, version (2 bytes), flags (1 byte: bit 0 = encrypted), a random file id (16 bytes)
    chunks   length (4 bytes) + payload, payload = zlib(JSON lines) or, encrypted,
             nonce (12 bytes) + AES-GCM(zlib(JSON lines)) with AAD = header + the file's
             name in the team folder + chunk index + whether it is the last chunk, so a chunk
             moved from another file (or another write of this one), reordered or dropped fails
    footer   length of everything before it (8 bytes), its SHA-256, END
The header and footer never change shape: a newer version changes only the chunks, so a file
is checked (length and hash) before its version is believed. A chunk holds about CHUNK_BYTES of
JSON, so a snapshot streams through memory a chunk at a time. Every file is written under a
temporary name in its own folder, fsync'd and renamed: readers see a whole file or none.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import struct
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = 1
MAGIC = b"LBK\x1a"
END = b"\x1aKBL"
HEADER = struct.Struct(">4sHB16s")
FOOTER = struct.Struct(">Q32s4s")
LENGTH = struct.Struct(">I")
ENCRYPTED = 1
NONCE_BYTES = 12
CHUNK_BYTES = 1 << 20  # JSON per chunk before compression: bounds memory when streaming
MAX_CHUNK = 64 << 20  # a bigger chunk (one huge record, or a zip bomb) is refused
BLOCK = 1 << 20
TEMP_PREFIX = ".~"  # Dropbox does not upload names starting ".~"; no reader accepts them either

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


class Damaged(Exception):
    """Incomplete, corrupt, moved or not readable with this key: skipped now, maybe whole later."""


class NewerVersion(Exception):
    """A whole file written by a newer Leadbook."""


# --- writing --------------------------------------------------------------------------------------

@contextmanager
def replacing(path: Path) -> Iterator[IO[bytes]]:
    """A file to write that replaces `path` whole (temporary name, fsync, rename) or not at all."""
    temp = path.with_name(f"{TEMP_PREFIX}{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temp, "xb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the OS lets a folder be fsync'd (not on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write(path: Path, name: str, records: Iterable[Any], key: bytes | None) -> None:
    """Write `records` to `path`, streaming. `name` is the path relative to the team folder (bound into
    every encrypted chunk, so a file or chunk moved elsewhere does not decrypt)."""
    header = HEADER.pack(MAGIC, VERSION, ENCRYPTED if key else 0, os.urandom(16))
    cipher = AESGCM(key) if key else None
    digest = hashlib.sha256(header)
    length = len(header)
    with replacing(path) as out:
        out.write(header)
        for index, (data, last) in enumerate(_chunk_texts(records)):
            payload = zlib.compress(data, 6)
            if cipher is not None:
                nonce = os.urandom(NONCE_BYTES)
                payload = nonce + cipher.encrypt(nonce, payload, _aad(header, name, index, last))
            frame = LENGTH.pack(len(payload)) + payload
            out.write(frame)
            digest.update(frame)
            length += len(frame)
        out.write(FOOTER.pack(length, digest.digest(), END))


def _chunk_texts(records: Iterable[Any]) -> Iterator[tuple[bytes, bool]]:
    """JSON lines in pieces of about CHUNK_BYTES, each with whether it is the last (which may be empty)."""
    lines: list[bytes] = []
    size = 0
    for record in records:
        line = _encode(record).encode() + b"\n"
        if len(line) > MAX_CHUNK:
            raise ValueError(f"A record of {len(line):,} bytes is too big for a team file.")
        lines.append(line)
        size += len(line)
        if size >= CHUNK_BYTES:
            yield b"".join(lines), False
            lines, size = [], 0
    yield b"".join(lines), True


def _aad(header: bytes, name: str, index: int, last: bool) -> bytes:
    return header + name.encode() + b"\0" + struct.pack(">QB", index, last)


# --- reading --------------------------------------------------------------------------------------

def read(path: Path, name: str, key: bytes | None) -> list[Any] | None:
    """All records of a small file, or None when it is not whole and readable (yet)."""
    try:
        with open(path, "rb") as file:
            header, end = _verified(file, key)
            return [record for data in _chunks(file, header, end, name, key) for record in _records(data)]
    except (OSError, Damaged):
        return None


def stream(path: Path, name: str, key: bytes | None) -> Iterator[Any] | None:
    """The records of a big file one chunk at a time, or None when it is not whole and readable (yet).

    Every chunk is checked (hash, and decryption) before the first record is handed out; the file
    stays open until the iterator ends, so a sync tool replacing it meanwhile changes nothing."""
    try:
        file = open(path, "rb")
    except OSError:
        return None
    try:
        header, end = _verified(file, key)
        for _ in _chunks(file, header, end, name, key):
            pass
    except (OSError, Damaged):
        file.close()
        return None
    except BaseException:
        file.close()
        raise
    return _stream_records(file, header, end, name, key)


def _stream_records(file: IO[bytes], header: bytes, end: int, name: str, key: bytes | None) -> Iterator[Any]:
    with file:
        for data in _chunks(file, header, end, name, key):
            yield from _records(data)


def _verified(file: IO[bytes], key: bytes | None) -> tuple[bytes, int]:
    """(header, where the footer starts) of a file whose footer checks out (else Damaged or NewerVersion)."""
    size = os.fstat(file.fileno()).st_size
    if size < HEADER.size + FOOTER.size:
        raise Damaged
    file.seek(size - FOOTER.size)
    end, expected, mark = FOOTER.unpack(file.read(FOOTER.size))
    if mark != END or end != size - FOOTER.size:
        raise Damaged
    file.seek(0)
    digest = hashlib.sha256()
    left = end
    while left:
        block = file.read(min(BLOCK, left))
        if not block:
            raise Damaged
        digest.update(block)
        left -= len(block)
    if digest.digest() != expected:
        raise Damaged
    file.seek(0)
    header = file.read(HEADER.size)
    magic, version, flags, _file_id = HEADER.unpack(header)
    if magic != MAGIC or version < 1:
        raise Damaged
    if version > VERSION:
        raise NewerVersion
    if flags & ~ENCRYPTED or bool(flags & ENCRYPTED) != bool(key):
        raise Damaged  # a plain file in an encrypted team is not trusted; an encrypted one needs the key
    return header, end


def _chunks(file: IO[bytes], header: bytes, end: int, name: str, key: bytes | None) -> Iterator[bytes]:
    """The inflated chunks of a verified file (raises Damaged)."""
    cipher = AESGCM(key) if HEADER.unpack(header)[2] & ENCRYPTED else None  # _verified: then there is a key
    file.seek(HEADER.size)
    position, index = HEADER.size, 0
    while position < end:
        (size,) = LENGTH.unpack(file.read(LENGTH.size))
        position += LENGTH.size + size
        if position > end:
            raise Damaged
        payload = file.read(size)
        if cipher is not None:
            aad = _aad(header, name, index, position == end)
            try:
                payload = cipher.decrypt(payload[:NONCE_BYTES], payload[NONCE_BYTES:], aad)
            except (InvalidTag, ValueError):
                raise Damaged from None
        yield _decompress(payload)
        index += 1
    if index == 0:
        raise Damaged  # every file ends with a (possibly empty) last chunk


def _decompress(payload: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(payload, MAX_CHUNK)
    except zlib.error:
        raise Damaged from None
    if inflater.unconsumed_tail or not inflater.eof or inflater.unused_data:
        raise Damaged
    return data


def _records(data: bytes) -> list[Any]:
    # JSON escapes every newline inside a string, so the lines join into one array: one parse per chunk.
    try:
        return json.loads(b"[" + data[:-1].replace(b"\n", b",") + b"]") if data else []
    except ValueError:
        raise Damaged from None
