"""The WAL copied back on a thread of its own during long writing (models.wal)."""
from __future__ import annotations

import sqlite3
import time

from models import wal
from models.tables import database


def test_a_pass_leaves_checkpoints_to_a_thread_of_their_own(store, monkeypatch):
    """Inside, this connection's commits never checkpoint, yet the database file takes the writes within
    moments; afterwards SQLite's own checkpoints are back."""
    monkeypatch.setattr(wal, "EVERY", 0.02)
    path = store / "leadbook.sqlite3"
    before = database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0]
    size = path.stat().st_size
    with wal.checkpoints_aside():
        assert database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        with database.atomic():
            database.execute_sql("CREATE TABLE filler (text)")
            database.cursor().executemany("INSERT INTO filler VALUES (?)", [("x" * 1000,)] * 2000)
        deadline = time.monotonic() + 5
        while path.stat().st_size <= size + 1_000_000 and time.monotonic() < deadline:  # a copy takes moments
            time.sleep(0.02)
        assert path.stat().st_size > size + 1_000_000  # copied into the file by the thread
    assert database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0] == before == 1000
    assert database.execute_sql("PRAGMA journal_size_limit").fetchone()[0] == 16_000_000  # the file cut back after


def test_catching_up_between_transactions_keeps_the_wal_small(store, monkeypatch):
    """A writer that begins its next transaction right after a commit never lets SQLite start the WAL
    over: without catch_up() between them the WAL grows by all it writes (here ~12 MB)."""
    monkeypatch.setattr(wal, "LIMIT", 1_000_000)  # bytes
    path = store / "leadbook.sqlite3-wal"
    database.execute_sql("CREATE TABLE filler (text)")
    with wal.checkpoints_aside():
        for _ in range(30):
            with database.atomic():
                database.cursor().executemany("INSERT INTO filler VALUES (?)", [("x" * 1000,)] * 400)
            wal.catch_up()
    assert database.execute_sql("SELECT count(*) FROM filler").fetchone()[0] == 12_000
    assert path.stat().st_size < 3_000_000  # a transaction writes ~0.5 MB


def test_without_its_thread_the_writer_copies_the_wal_back_itself(store, monkeypatch):
    """A checkpoint thread whose connection fails: catch_up() neither waits for it nor lets the WAL grow."""
    monkeypatch.setattr(wal, "LIMIT", 1_000_000)
    monkeypatch.setattr(wal.sqlite3, "connect", lambda *a, **k: (_ for _ in ()).throw(sqlite3.OperationalError("no")))
    path = store / "leadbook.sqlite3-wal"
    database.execute_sql("CREATE TABLE filler (text)")
    started = time.monotonic()
    with wal.checkpoints_aside():
        for _ in range(30):
            with database.atomic():
                database.cursor().executemany("INSERT INTO filler VALUES (?)", [("x" * 1000,)] * 400)
            wal.catch_up()
    assert time.monotonic() - started < 5 and path.stat().st_size < 3_000_000
