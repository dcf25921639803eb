"""Opening the database: pragmas, schema version, migrations, friendly errors."""
from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import peewee as pw

from . import migrations, stages, writes
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
    "journal_size_limit": 16_000_000,  # bytes the WAL file keeps when SQLite starts it over (after an import)
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


def open_store(folder: Path | str) -> Path:
    """open_database with the stages a new store starts with: how the window and the commands open theirs."""
    path = open_database(folder)
    transaction(stages.ensure_defaults)
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
