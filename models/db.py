"""Opening the database: pragmas, schema version, migrations, friendly errors."""
from __future__ import annotations

import logging
import os
import pickle
import select
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import peewee as pw

from . import migrations, writes
from .errors import StoreError
from .tables import database

log = logging.getLogger("leadbook.db")
T = TypeVar("T")

DB_NAME = "leadbook.sqlite3"
RESTORED = "restored_from"  # a setting a restored copy carries until its baseline is recorded
PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": "normal",  # safe with WAL: a power cut loses at most the last commit
    "cache_size": -16_000,  # 16 MB per connection: the UI, two readers and the writer each have one
    "temp_store": "memory",
}


def schema_version() -> int:
    return len(migrations.STEPS)


def open_database(folder: Path | str, *, migrate: bool = True) -> Path:
    """Open (creating if needed) the database in a data folder and bring it up to date."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DB_NAME
    close_database()
    database.init(str(path), pragmas=PRAGMAS)
    try:
        database.connect()
        if migrate:
            upgrade()
            _finish_restore()
        _ensure_statistics()
    except StoreError:
        database.close()
        raise
    except pw.DatabaseError as exc:
        database.close()
        raise translate(exc, path) from None
    return path


def close_database() -> None:
    if not database.is_closed():
        database.execute_sql("PRAGMA optimize")  # keeps the planner's statistics current, cheaply
        database.close()


def _ensure_statistics() -> None:
    """Give the query planner statistics once: without them it can pick a useless index
    (Today's "respond now" scanned every lead by date instead of the few unanswered ones)."""
    if not database.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        database.execute_sql("PRAGMA analysis_limit = 400")  # a sample: milliseconds even at 100k leads
        database.execute_sql("ANALYZE")


def _finish_restore() -> None:
    """A restored database's rows changed wholesale outside the record: team sync starts again from them.

    The mark came in with the restored file itself, so a restore killed after the swap still
    gets its baseline here, at the next start.
    """
    mark = database.execute_sql("SELECT value FROM setting WHERE key = ?", (RESTORED,)).fetchone()
    if mark is not None:
        with database.atomic("IMMEDIATE"):
            writes.baseline(mark[0])
            database.execute_sql("DELETE FROM setting WHERE key = ?", (RESTORED,))


def upgrade() -> None:
    """Apply the missing migrations in order, each in its own transaction."""
    current = database.execute_sql("PRAGMA user_version").fetchone()[0]
    target = schema_version()
    if current > target:
        raise StoreError(
            f"This database was written by a newer Leadbook (schema {current}, this version knows "
            f"{target}): update Leadbook to open it."
        )
    for number in range(current, target):
        log.info("migrating database schema %d -> %d", number, number + 1)
        with database.atomic("IMMEDIATE"):
            for statement in _statements(migrations.STEPS[number]):
                database.execute_sql(statement)
            database.execute_sql(f"PRAGMA user_version = {number + 1}")


def _statements(script: str) -> list[str]:
    parts, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            parts.append(buffer.strip())
            buffer = ""
    return [p for p in parts if p]


# What a ROLLBACK says when SQLite has already rolled the transaction back itself, as it does
# on a full disk: the error that caused it is the one to report.
_MASKS = ("cannot rollback - no transaction is active", "cannot commit - no transaction is active",
          "no such savepoint")


def real_error(exc: BaseException) -> BaseException:
    """The error a failed rollback hides (it is the rollback's __context__), else exc itself."""
    while any(mask in str(exc) for mask in _MASKS) and exc.__context__ is not None:
        exc = exc.__context__
    return exc


def translate(exc: BaseException, path: Path | str | None = None) -> StoreError:
    """One clear sentence for a low-level database error."""
    text = str(real_error(exc))
    where = f" ({path})" if path else ""
    if "database or disk is full" in text or "No space left" in text:
        return StoreError(f"The disk is full{where}: nothing of this change was saved. Free some space and try "
                          "again.")
    if "locked" in text or "busy" in text:
        return StoreError(
            f"The database{where} is locked by another program (another Leadbook window?): close it and try again."
        )
    if "not a database" in text or "malformed" in text:
        return StoreError(f"The database file{where} is damaged or not a Leadbook database: {text}.")
    if "readonly" in text or "unable to open" in text:
        return StoreError(f"The database{where} cannot be written: {text}.")
    return StoreError(f"Database error{where}: {text}.")


def call(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a query or operation; a database failure comes out as a StoreError with one clear sentence."""
    try:
        return func(*args, **kwargs)
    except (pw.DatabaseError, sqlite3.Error) as exc:
        raise translate(exc, database.database) from exc


class ReadAhead:
    """A query started now, its result taken later (once): the window starts Today's read before Qt loads.

    Where the system can fork, a child process with a connection of its own runs it on the other core
    (a thread would wait for the GIL that loading Qt's libraries holds); the answer comes back pickled
    through a pipe. Elsewhere, or if the child gives no answer in time, the query runs where the result is
    taken. A connection this process holds is left alone in the child: SQLite forbids using one across a
    fork.
    """

    DEADLINE = 10.0  # seconds: a child held up longer (a locked database) is not waited for

    def __init__(self, folder: Path, func: Callable[[], Any]) -> None:
        self._func = func
        self._pid, self._pipe = 0, -1
        if hasattr(os, "fork") and (folder / DB_NAME).exists():
            read, write = os.pipe()
            self._pid = os.fork()
            if self._pid == 0:
                os.close(read)
                self._answer(folder, func, write)
            os.close(write)
            self._pipe = read

    @staticmethod
    def _answer(folder: Path, func: Callable[[], Any], pipe: int) -> None:
        """In the child: open the store read-only as it is (an older schema is the parent's to upgrade),
        run func, write its pickled result, and leave without running the parent's exit handlers."""
        try:
            inherited = database._state.conn  # noqa: F841 - kept, never closed: SQLite forbids using it here
            database._state.reset()
            database.init(f"file:{folder / DB_NAME}?mode=ro", uri=True, pragmas={"cache_size": PRAGMAS["cache_size"]})
            if database.execute_sql("PRAGMA user_version").fetchone()[0] == schema_version():
                data = memoryview(pickle.dumps(func(), pickle.HIGHEST_PROTOCOL))
                while data:
                    data = data[os.write(pipe, data):]
        finally:
            os._exit(0)

    def result(self) -> Any:
        if self._pid:
            answer = self._collect()
            if answer is not None:
                return answer
        return call(self._func)

    def _collect(self) -> Any:
        """The child's answer, or None when it gave none within the deadline."""
        chunks, deadline = [], time.monotonic() + self.DEADLINE
        try:
            while select.select([self._pipe], [], [], max(0.0, deadline - time.monotonic()))[0]:
                chunk = os.read(self._pipe, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
            else:
                os.kill(self._pid, signal.SIGKILL)
        finally:
            os.close(self._pipe)
            os.waitpid(self._pid, 0)
            self._pid = 0
        try:
            return pickle.loads(b"".join(chunks)) if chunks else None
        except (pickle.UnpicklingError, EOFError):  # a child killed half-way
            return None


def released(result: T) -> T:
    """result, once this connection has handed its page cache back (after a read that filled it with
    pages later queries seldom need: the board's open leads, the whole lead list), so the window stays
    within its memory budget; the next query on this connection reads what it needs again."""
    database.execute_sql("PRAGMA shrink_memory")
    return result


def transaction(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run an operation in one write transaction: all of it is committed, or none of it."""
    def run() -> T:
        with database.atomic("IMMEDIATE"):
            return func(*args, **kwargs)
    return call(run)
