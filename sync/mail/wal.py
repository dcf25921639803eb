"""The database's write-ahead log copied back on a thread of its own while a capture pass stores.

SQLite copies the WAL into the database file in the commit that leaves it over 1000 pages:
during a long pass that is every few batches, a few milliseconds each (0.2 s of a 6,600-message
pass), on the thread that stores and while it counts as holding the write lock. A passive
checkpoint from a second connection does the same copying beside it (SQLite releases the GIL
meanwhile) and never blocks a writer or a reader.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from models.tables import database

log = logging.getLogger("leadbook.mail")


EVERY = 0.1  # seconds between checkpoints: a pass writes ~1000 pages in about half a second


class Checkpoints:
    """A thread that copies back what the WAL holds every EVERY seconds, until stop()."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="leadbook-checkpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self._path, timeout=5, isolation_level=None)
        except sqlite3.Error:
            log.warning("no checkpoint connection; SQLite checkpoints in the commits", exc_info=True)
            return
        try:
            while not self._stop.wait(EVERY):
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:  # the next commit on any connection checkpoints instead
            log.warning("a checkpoint failed", exc_info=True)
        finally:
            connection.close()


@contextmanager
def checkpoints_aside() -> Iterator[None]:
    """This thread's commits leave the checkpoints to a Checkpoints thread (a database without a file
    keeps SQLite's own)."""
    path = database.database
    if not path or path == ":memory:" or not Path(path).exists():
        yield
        return
    every = database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0]
    database.execute_sql("PRAGMA wal_autocheckpoint = 0")
    checkpoints = Checkpoints(path)
    try:
        yield
    finally:
        checkpoints.stop()
        database.execute_sql(f"PRAGMA wal_autocheckpoint = {int(every)}")
