"""The .lbk format: a file is read whole or not at all, and encrypted files reveal nothing."""
from __future__ import annotations

import hashlib
import tracemalloc
import zlib
from pathlib import Path

import pytest

from sync.team import files

KEY = bytes(range(32))
NAME = "devices/0b9e6a4e-3c1d-4c1e-9a57-6f1f0c1f2a3b/ops-00000001.lbk"
MARKER = "Zacharias Quell"
RECORDS = [
    ["0001764480000000-0000-dev", "lead", "L1", "name", MARKER, None],
    ["0001764480000000-0001-dev", "lead", "L1", "email", "zq-marker@example.com", None],
    ["0001764480000000-0002-dev", "activity", "A1", "body", "Roof leaking\nnear the chimney ✓", None],
    {"state": True, "positions": {"x": 3}},
]


def written(tmp_path: Path, key: bytes | None, records=RECORDS, name: str = NAME) -> Path:
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / Path(name).name
    files.write(path, name, records, key)
    return path


def both(path: Path, name: str = NAME, key: bytes | None = KEY) -> tuple:
    """What the whole reader and the streaming reader make of a file."""
    stream = files.stream(path, name, key)
    return files.read(path, name, key), None if stream is None else list(stream)


def frames(data: bytes) -> tuple[bytes, list[bytes]]:
    """(header, chunk frames) of a file's bytes."""
    body = data[:-files.FOOTER.size]
    position, found = files.HEADER.size, []
    while position < len(body):
        (size,) = files.LENGTH.unpack_from(body, position)
        found.append(body[position:position + files.LENGTH.size + size])
        position += files.LENGTH.size + size
    return body[:files.HEADER.size], found


def reframed(header: bytes, chunks: list[bytes]) -> bytes:
    """A file with a footer that checks out around these bytes, as a careful forger would make it."""
    body = header + b"".join(chunks)
    return body + files.FOOTER.pack(len(body), hashlib.sha256(body).digest(), files.END)


@pytest.mark.parametrize("key", [None, KEY], ids=["plain", "encrypted"])
def test_records_round_trip(tmp_path, key):
    """What is written is read back exactly, whole and streamed, plain and encrypted; no temporary file stays."""
    path = written(tmp_path, key)
    assert both(path, key=key) == (RECORDS, RECORDS)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_an_empty_file_round_trips(tmp_path):
    """No records is a valid file (one empty last chunk), not an unreadable one."""
    assert both(written(tmp_path, KEY, [])) == ([], [])


def test_many_chunks_round_trip(tmp_path):
    """Records spanning several chunks come back in order."""
    records = [["op", n, "x" * 200] for n in range(15_000)]  # about 3 MB of JSON
    path = written(tmp_path, KEY, records)
    assert len(frames(path.read_bytes())[1]) >= 3
    assert both(path) == (records, records)


def visible(data: bytes) -> bytes:
    """What anyone can read in a file without a key: its bytes, and every chunk (after a nonce or not) inflated."""
    seen = [data]
    for frame in frames(data)[1]:
        for start in (files.LENGTH.size, files.LENGTH.size + files.NONCE_BYTES):
            try:
                seen.append(zlib.decompress(frame[start:]))
            except zlib.error:
                pass
    return b"".join(seen)


def test_encrypted_bytes_reveal_nothing_and_need_the_key(tmp_path):
    """Without the key no name or email shows in the bytes, even inflated, and the file reads as None."""
    assert MARKER.encode() in visible(written(tmp_path / "plain", None).read_bytes())  # the search can see
    path = written(tmp_path, KEY)
    shown = visible(path.read_bytes())
    for secret in (MARKER, "Zacharias", "zq-marker", "chimney", "lead"):
        assert secret.encode() not in shown
    assert both(path, key=None) == (None, None)
    assert both(path, key=bytes(32)) == (None, None)


def test_a_plain_file_is_not_trusted_in_an_encrypted_team(tmp_path):
    """A reader with a key refuses an unencrypted file: anyone could have written it."""
    assert both(written(tmp_path, None), key=KEY) == (None, None)


@pytest.mark.parametrize("key", [None, KEY], ids=["plain", "encrypted"])
def test_a_truncated_file_reads_as_none_at_every_cut(tmp_path, key):
    """A half-synced file, cut at any byte, is None: no exception, no partial records."""
    whole = written(tmp_path, key, RECORDS[:2]).read_bytes()
    cut = tmp_path / "cut.lbk"
    for length in range(len(whole)):
        cut.write_bytes(whole[:length])
        assert both(cut, key=key) == (None, None), length


@pytest.mark.parametrize("key", [None, KEY], ids=["plain", "encrypted"])
def test_a_flipped_byte_reads_as_none(tmp_path, key):
    """Any single changed byte (header, chunk or footer) makes the file None."""
    whole = written(tmp_path, key, RECORDS[:2]).read_bytes()
    bad = tmp_path / "bad.lbk"
    for position in range(len(whole)):
        bad.write_bytes(whole[:position] + bytes([whole[position] ^ 0x20]) + whole[position + 1:])
        assert both(bad, key=key) == (None, None), position


def test_a_moved_file_or_chunk_does_not_decrypt(tmp_path):
    """A chunk from another file (or another write of this one), chunks reordered or dropped, or the file
    under another name: None, even with a footer recomputed to match."""
    records = [["op", n, "y" * 200] for n in range(15_000)]
    ours = written(tmp_path / "a", KEY, records)
    header, chunks = frames(ours.read_bytes())
    _, rewrite = frames(written(tmp_path / "b", KEY, records).read_bytes())
    _, other = frames(written(tmp_path / "c", KEY, records, NAME.replace("ops-", "snapshot-")).read_bytes())
    forged = tmp_path / "forged.lbk"
    for bad in ([rewrite[0], *chunks[1:]], [other[0], *chunks[1:]], [chunks[1], chunks[0], *chunks[2:]], chunks[:-1],
                chunks[1:]):
        forged.write_bytes(reframed(header, bad))
        assert both(forged) == (None, None)
    forged.write_bytes(reframed(header, chunks))
    assert files.read(forged, NAME, KEY) == records  # the forging itself is faithful
    assert files.read(ours, NAME.replace("ops-00000001", "ops-00000002"), KEY) is None


def test_a_newer_version_is_refused_not_misread(tmp_path):
    """A whole file from a newer Leadbook raises NewerVersion; the same bytes damaged are just None."""
    header, chunks = frames(written(tmp_path, None).read_bytes())
    newer = tmp_path / "newer.lbk"
    newer.write_bytes(reframed(files.HEADER.pack(files.MAGIC, files.VERSION + 1, 0, bytes(16)), chunks))
    with pytest.raises(files.NewerVersion):
        files.read(newer, NAME, None)
    with pytest.raises(files.NewerVersion):
        files.stream(newer, NAME, None)
    newer.write_bytes(newer.read_bytes()[:-1])
    assert files.read(newer, NAME, None) is None


def test_an_interrupted_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    """A write that fails halfway leaves the previous file whole and nothing else behind."""
    path = written(tmp_path, KEY)

    def failing():
        yield from RECORDS
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        files.write(path, NAME, failing(), KEY)
    assert files.read(path, NAME, KEY) == RECORDS
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_big_snapshot_streams_in_bounded_memory(tmp_path):
    """200,000 records written from a generator and read back one by one stay far below the data's size."""
    count = 200_000

    def rows():
        for n in range(count):
            yield [f"{n:013d}-0000-device", "lead", f"lead-{n}", "email", f"person{n}@example.com", None]

    tracemalloc.start()
    try:
        path = written(tmp_path, KEY, rows(), NAME.replace("ops-00000001", "snapshot-00000001"))
        stream = files.stream(path, NAME.replace("ops-00000001", "snapshot-00000001"), KEY)
        assert stream is not None
        seen = sum(1 for record in stream if record[3] == "email")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seen == count
    assert peak < 50 * 2**20, peak  # the records themselves are about 60 MB as Python lists
