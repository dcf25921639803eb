"""Backups of the database: on demand, one a day kept for two weeks, checked before a restore.

Copies are made with SQLite's online backup API, never by copying the file: a WAL database
is only complete together with its -wal file, and the API gives a consistent snapshot while
the app keeps running. Every copy is written under a temporary name (.NAME.PID.tmp) and
renamed when done; what a killed process left behind is removed at the next start, backup
or restore. A restored copy carries a mark (db.RESTORED) inside it, renamed into place with
it, so the baseline team sync needs is recorded when the database next opens even if the
restore is killed right after the swap.
"""
from __future__ import annotations

import logging
import os
import re
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

from . import db
from .errors import InvalidInput, StoreError
from .tables import database

log = logging.getLogger("leadbook.backup")

BACKUPS = "backups"


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")  # local time: people read these names


def _copy(source: sqlite3.Connection, dest: Path, mark: str | None = None) -> Path:
    """Snapshot a connection's database into dest, complete or not at all (with `mark` as db.RESTORED in it)."""
    temp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    temp.unlink(missing_ok=True)
    try:
        target = sqlite3.connect(temp)
        try:
            source.backup(target)
            # A single self-contained file: the copy must not depend on a -wal beside it.
            target.execute("PRAGMA journal_mode = DELETE")
            if mark is not None:
                with target:
                    target.execute("INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)", (db.RESTORED, mark))
        finally:
            target.close()
        os.replace(temp, dest)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return dest


_TEMPORARY = re.compile(r"\..+\.sqlite3\.(\d+)\.tmp(?:-journal|-wal|-shm)?")  # what _copy writes


def clean_temporaries(*folders: Path) -> list[Path]:
    """Remove the temporary copies (.NAME.PID.tmp and their journals) of processes that are gone."""
    removed = []
    for folder in folders:
        for temp in Path(folder).glob(".*.tmp*"):
            found = _TEMPORARY.fullmatch(temp.name)
            if found and not _running(int(found.group(1))):
                log.info("removing %s, left by a backup or restore that was stopped", temp.name)
                temp.unlink(missing_ok=True)
                removed.append(temp)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def backup_to(dest: Path) -> Path:
    """Back up the open database to a file, or into a folder as leadbook-YYYYMMDD-HHMMSS.sqlite3."""
    dest = Path(dest)
    if dest.is_dir() or not dest.suffix:
        dest = dest / f"leadbook-{_stamp()}.sqlite3"
    dest.parent.mkdir(parents=True, exist_ok=True)
    clean_temporaries(dest.parent)
    try:
        return _copy(database.connection(), dest)
    except sqlite3.Error as exc:
        raise StoreError(f"The backup to {dest} failed: {exc}.") from None
    except OSError as exc:
        raise StoreError(f"The backup to {dest} failed: {exc.strerror or exc}.") from None


def rolling_backup(data_dir: Path, keep: int = 14) -> Path | None:
    """Today's daily backup, unless there is one; then only the newest `keep` daily backups stay."""
    folder = Path(data_dir) / BACKUPS
    clean_temporaries(data_dir, folder)  # the app's start: what a killed backup or restore left
    today = folder / f"daily-{datetime.now():%Y-%m-%d}.sqlite3"
    made = None
    if not today.exists():
        made = backup_to(today)
    # The ISO date in the name sorts oldest first.
    for old in sorted(folder.glob("daily-????-??-??.sqlite3"))[:-max(keep, 1)]:
        log.info("removing old daily backup %s", old.name)
        old.unlink(missing_ok=True)
    return made


def check_backup(path: Path) -> int:
    """Make sure a file is an intact Leadbook database this version can open; returns its lead count."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"There is no backup file {path}.")
    try:
        conn = _readonly(path)  # so checking a file can never change it
    except sqlite3.Error as exc:
        raise InvalidInput(f"{path.name} cannot be opened: {exc}.") from None
    try:
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise InvalidInput(f"{path.name} is damaged ({result}).")
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"lead", "stage"} <= tables:
            raise InvalidInput(f"{path.name} is an SQLite database but not a Leadbook database.")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > db.schema_version():
            raise InvalidInput(f"{path.name} was written by a newer Leadbook (schema {version}, this version "
                               f"knows {db.schema_version()}): update Leadbook to restore it.")
        return conn.execute("SELECT count(*) FROM lead WHERE merged_into IS NULL").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) or "malformed" in str(exc):
            raise InvalidInput(f"{path.name} is not a database or it is damaged.") from None
        raise InvalidInput(f"{path.name} cannot be read as a Leadbook database: {exc}.") from None
    finally:
        conn.close()


def restore_from(data_dir: Path, src: Path) -> int:
    """Replace the data folder's database with a checked backup; the old one is kept. Returns the lead count."""
    data_dir, src = Path(data_dir), Path(src)
    check_backup(src)
    clean_temporaries(data_dir, data_dir / BACKUPS)
    current = data_dir / db.DB_NAME
    safety = data_dir / BACKUPS / f"before-restore-{_stamp()}.sqlite3"
    if _is_open(current):
        backup_to(safety)
    elif current.exists():
        safety.parent.mkdir(parents=True, exist_ok=True)
        with closing(_readonly(current)) as conn:
            _copy(conn, safety)
    db.close_database()
    _drop_wal(current)
    with closing(_readonly(src)) as conn:  # the backup API reads a WAL-mode source together with its -wal
        _copy(conn, current, mark=f"restored from the backup {src.name}")
    try:
        db.open_database(data_dir)  # migrates an older backup; records the baseline its mark asks for
    except StoreError:
        if safety.exists():  # put the previous database back rather than leave the folder unusable
            _drop_wal(current)
            with closing(_readonly(safety)) as conn:
                _copy(conn, current)
            db.open_database(data_dir)
        raise
    return database.execute_sql("SELECT count(*) FROM lead WHERE merged_into IS NULL").fetchone()[0]


def _is_open(path: Path) -> bool:
    return not database.is_closed() and Path(database.database).resolve() == path.resolve()


def _drop_wal(path: Path) -> None:
    """A leftover -wal belongs to the old file and would be replayed into the one replacing it."""
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
