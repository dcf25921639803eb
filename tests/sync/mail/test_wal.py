"""The WAL copied back on a thread of its own during a capture pass (sync.mail.wal)."""
from __future__ import annotations

import time

from models.tables import database
from sync.mail import wal


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
