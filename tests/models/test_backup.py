"""Backups: online copies of the open database, daily rotation, checked restores that never lose data."""
from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta

import pytest

from models import backup, db, leads
from models.errors import InvalidInput
from models.tables import Lead


def add(count: int, prefix: str = "p") -> None:
    for i in range(count):
        leads.add_lead(f"Person {prefix}{i}", email=f"{prefix}{i}@example.com")


def lead_count() -> int:
    return leads.live().count()


def test_backup_to_a_folder_uses_a_dated_name(store, tmp_path):
    """A backup into a folder is named leadbook-YYYYMMDD-HHMMSS.sqlite3 and holds every lead, WAL included."""
    add(3)
    path = backup.backup_to(tmp_path / "out")
    assert re.fullmatch(r"leadbook-\d{8}-\d{6}\.sqlite3", path.name)
    assert path.parent == tmp_path / "out"
    assert backup.check_backup(path) == 3
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file, no -wal beside it
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_backup_restore_round_trip(store, tmp_path):
    """Restoring a backup brings back its leads; the replaced database is kept as a safety copy."""
    add(2, "old")
    saved = backup.backup_to(tmp_path / "saved.sqlite3")
    add(3, "new")
    assert lead_count() == 5
    assert backup.restore_from(store, saved) == 2
    assert sorted(lead.name for lead in Lead.select()) == ["Person old0", "Person old1"]
    [safety] = (store / "backups").glob("before-restore-*.sqlite3")
    assert backup.check_backup(safety) == 5
    leads.add_lead("After restore")  # the reopened database is writable
    assert lead_count() == 3


def corrupt(path, tmp_path):
    """A copy of a real backup with its data pages overwritten."""
    data = bytearray(path.read_bytes())
    data[4096 * 2:] = b"\xde\xad\xbe\xef" * ((len(data) - 4096 * 2) // 4)
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(bytes(data))
    return damaged


def newer(path, tmp_path):
    """A copy of a real backup claiming a schema from the future."""
    future = tmp_path / "future.sqlite3"
    future.write_bytes(path.read_bytes())
    with sqlite3.connect(future) as conn:
        conn.execute(f"PRAGMA user_version = {db.schema_version() + 5}")
    return future


def foreign(path, tmp_path):
    """An SQLite database from some other program."""
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)")
    return other


def garbage(path, tmp_path):
    """A file that is not a database at all."""
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is a text file, not SQLite\n" * 200)
    return junk


@pytest.mark.parametrize("make, message", [
    (corrupt, "damaged.sqlite3 is (damaged|not a database or it is damaged)"),
    (newer, r"future.sqlite3 was written by a newer Leadbook \(schema \d+, this version knows \d+\)"),
    (foreign, "other.sqlite3 is an SQLite database but not a Leadbook database"),
    (garbage, "junk.sqlite3 is not a database or it is damaged"),
    (lambda path, tmp_path: tmp_path / "missing.sqlite3", "There is no backup file .*missing.sqlite3"),
])
def test_restore_refuses_a_bad_file_and_keeps_the_database(store, tmp_path, make, message):
    """A damaged, newer, foreign, non-database or missing file is refused and the current data stays."""
    add(300)  # enough leads that the damaged copy has data pages to break
    bad = make(backup.backup_to(tmp_path / "good.sqlite3"), tmp_path)
    with pytest.raises(InvalidInput, match=message):
        backup.restore_from(store, bad)
    assert lead_count() == 300
    assert not (store / "backups").exists()  # nothing was replaced, so no safety copy was needed
    leads.add_lead("Still works")
    assert lead_count() == 301


def test_check_backup_does_not_touch_the_file(store, tmp_path):
    """Checking opens the file read-only: its bytes are unchanged afterwards."""
    add(1)
    path = backup.backup_to(tmp_path / "b.sqlite3")
    before = path.read_bytes()
    assert backup.check_backup(path) == 1
    assert path.read_bytes() == before


def test_rolling_backup_keeps_the_newest_fourteen(store):
    """One backup a day: a second call the same day does nothing, and only the newest 14 days stay."""
    folder = store / "backups"
    folder.mkdir()
    for days in range(1, 21):
        (folder / f"daily-{date.today() - timedelta(days=days):%Y-%m-%d}.sqlite3").write_bytes(b"old")
    (folder / "leadbook-20240101-120000.sqlite3").write_bytes(b"manual")  # other backups are left alone
    made = backup.rolling_backup(store)
    assert made == folder / f"daily-{date.today():%Y-%m-%d}.sqlite3"
    daily = sorted(p.name for p in folder.glob("daily-*.sqlite3"))
    assert len(daily) == 14
    assert daily[0] == f"daily-{date.today() - timedelta(days=13):%Y-%m-%d}.sqlite3"
    assert daily[-1] == made.name
    assert (folder / "leadbook-20240101-120000.sqlite3").exists()
    assert backup.rolling_backup(store) is None
    assert len(list(folder.glob("daily-*.sqlite3"))) == 14


def test_restoring_an_older_backup_migrates_it(store, tmp_path):
    """A backup from schema version 1 is restored and brought up to the current schema."""
    from models import migrations

    old = tmp_path / "v1.sqlite3"
    with sqlite3.connect(old) as conn:
        conn.executescript(migrations.STEPS[0])
        conn.execute("INSERT INTO stage VALUES ('s1', NULL, 'New', 0, '', 'open', 0, 2, '')")
        conn.execute("INSERT INTO lead (id, name, stage_id, status, created_at, stage_changed_at, last_activity_at) "
                     "VALUES ('l1', 'Old Lead', 's1', 'open', '2024-01-01 09:00:00', '2024-01-01 09:00:00', "
                     "'2024-01-01 09:00:00')")
        conn.execute("PRAGMA user_version = 1")
    assert backup.restore_from(store, old) == 1
    assert Lead.get_by_id("l1").name == "Old Lead"
    assert db.database.execute_sql("PRAGMA user_version").fetchone()[0] == db.schema_version()
