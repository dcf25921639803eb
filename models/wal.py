"""The database's write-ahead log copied back on a thread of its own during long writing (a capture
pass, an import).

SQLite copies the WAL into the database file in the commit that leaves it over 1000 pages:
during a long pass that is every few batches, a few milliseconds each (0.2 s of a 6,600-message
pass; an import of 50,000 rows writes ~300 MB to the WAL), on the thread that writes and while it
counts as holding the write lock. A passive checkpoint from a second connection does the same
copying beside it (SQLite releases the GIL meanwhile, so it takes the machine's second core) and
never blocks a writer or a reader.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .tables import database

log = logging.getLogger("leadbook.db")


EVERY = 0.1  # seconds between checkpoints: a pass writes ~1000 pages in about half a second, an import in 0.1 s
LIMIT = 16_000_000  # bytes of WAL after which the writer lets the copying catch up between two transactions
WAIT = 5.0  # seconds the writer waits for that at most

_aside = threading.local()  # this thread's Checkpoints, inside checkpoints_aside()


class Checkpoints:
    """A thread that copies back what the WAL holds every EVERY seconds, until stop().

    SQLite starts the WAL over only for a writer whose transaction begins with nothing left to
    copy; a writer that begins its next transaction right after a commit never does, and the WAL
    would grow by all it writes (an import of 50,000 rows: 360 MB). So catch_up(), between two
    transactions, waits for a copy begun after the commit whenever the WAL file has grown past LIMIT
    (a WAL started over is written from its beginning again, in the file as it is)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._stop = threading.Event()
        self._wanted = threading.Event()
        self._progress = threading.Condition()
        self._started = self._finished = 0  # checkpoints begun and done
        self._size = 0  # of the WAL file at the last catch_up()
        self._gone = False  # the thread ended (stopped, or its connection failed)
        self._thread = threading.Thread(target=self._run, name="leadbook-checkpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wanted.set()
        self._thread.join()

    def catch_up(self) -> bool:
        """False when a copy is due and this thread is gone (its connection failed): the writer copies."""
        try:
            size = os.path.getsize(self._path + "-wal")
        except OSError:
            return True
        grew, self._size = size > self._size, size
        if not grew or size < LIMIT:
            return True
        with self._progress:
            after = self._started + 1
            self._wanted.set()
            self._progress.wait_for(lambda: self._finished >= after or self._gone, timeout=WAIT)
            return not self._gone

    def _run(self) -> None:
        connection = None
        try:
            connection = sqlite3.connect(self._path, timeout=5, isolation_level=None)
            while True:
                self._wanted.wait(EVERY)
                self._wanted.clear()
                if self._stop.is_set():
                    return
                with self._progress:
                    self._started += 1
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                with self._progress:
                    self._finished += 1
                    self._progress.notify_all()
        except sqlite3.Error:  # catch_up() has the writer copy instead
            log.warning("the checkpoint thread failed; the writer copies the WAL back itself", exc_info=True)
        finally:
            if connection is not None:
                connection.close()
            with self._progress:
                self._gone = True
                self._progress.notify_all()


def catch_up() -> None:
    """Call between two of this thread's write transactions inside checkpoints_aside(): keeps the WAL
    from growing without end (Checkpoints)."""
    checkpoints = getattr(_aside, "checkpoints", None)
    if checkpoints is not None and not checkpoints.catch_up():
        database.execute_sql("PRAGMA wal_checkpoint(PASSIVE)")


@contextmanager
def checkpoints_aside() -> Iterator[None]:
    """This thread's commits leave the checkpoints to a Checkpoints thread (a database without a file
    keeps SQLite's own)."""
    path = database.database
    if not path or path == ":memory:" or not Path(path).exists():
        yield
        return
    every = database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0]
    limit = database.execute_sql("PRAGMA journal_size_limit").fetchone()[0]
    database.execute_sql("PRAGMA wal_autocheckpoint = 0")
    database.execute_sql("PRAGMA journal_size_limit = -1")  # cutting the file at each new start costs 5% of an import
    before, _aside.checkpoints = getattr(_aside, "checkpoints", None), Checkpoints(path)
    checkpoints = _aside.checkpoints
    try:
        yield
    finally:
        _aside.checkpoints = before
        checkpoints.stop()
        database.execute_sql(f"PRAGMA wal_autocheckpoint = {int(every)}")
        database.execute_sql(f"PRAGMA journal_size_limit = {int(limit)}")
