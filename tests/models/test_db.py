"""Opening the database: migrations, newer schemas refused, locks reported clearly."""
from __future__ import annotations

import sqlite3

import peewee as pw
import pytest

from models import db, leads, migrations
from models.errors import StoreError
from models.tables import Lead, MailMessage


def test_fresh_database_is_current_with_wal(tmp_path):
    """A new data folder gets the latest schema version, WAL mode and foreign keys."""
    path = db.open_database(tmp_path)
    try:
        con = db.database
        assert con.execute_sql("PRAGMA user_version").fetchone()[0] == len(migrations.STEPS)
        assert con.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        db.close_database()
    assert path.exists()


def test_migrates_an_older_schema_keeping_data(tmp_path):
    """A version-1 database with a lead upgrades to the current schema and keeps its rows."""
    raw = sqlite3.connect(tmp_path / db.DB_NAME)
    raw.executescript(migrations.STEPS[0] + """
        INSERT INTO stage VALUES ('s1', NULL, 'New', 0, 'Inquiry received.', 'open', 0, 2, '');
        INSERT INTO lead (id, name, email, stage_id, status, created_at, stage_changed_at, last_activity_at)
          VALUES ('l1', 'Old Timer', 'old@example.com', 's1', 'open', '2025-01-02 10:00:00',
                  '2025-01-02 10:00:00', '2025-01-02 10:00:00');
        PRAGMA user_version = 1;""")
    raw.close()
    db.open_database(tmp_path)
    try:
        assert Lead.get_by_id("l1").email == "old@example.com"
        assert MailMessage.select().count() == 0  # the table added by step 2 now exists
        assert db.database.execute_sql("PRAGMA user_version").fetchone()[0] == len(migrations.STEPS)
    finally:
        db.close_database()


def test_newer_schema_is_refused(tmp_path):
    """A database written by a newer Leadbook is refused with a clear sentence and left as it was."""
    db.open_database(tmp_path)
    db.close_database()
    raw = sqlite3.connect(tmp_path / db.DB_NAME)
    raw.execute("PRAGMA user_version = 99")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match="newer Leadbook"):
        db.open_database(tmp_path)
    raw = sqlite3.connect(tmp_path / db.DB_NAME)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 99
    raw.close()


def test_not_a_database_is_a_clear_error(tmp_path):
    """A garbage file where the database should be gives one sentence, not a traceback."""
    (tmp_path / db.DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="damaged or not a Leadbook database"):
        db.open_database(tmp_path)


def test_locked_database_is_reported(store, monkeypatch):
    """A write while another program holds the write lock fails cleanly after the busy timeout."""
    db.database.execute_sql("PRAGMA busy_timeout = 100")
    other = sqlite3.connect(store / db.DB_NAME)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(pw.OperationalError, match="locked") as info:
            leads.add_lead("Blocked", email="blocked@example.com")
        assert "locked" in str(db.translate(info.value))
        with pytest.raises(StoreError, match="locked"):  # what the window and the command line are given
            db.transaction(leads.add_lead, "Blocked", email="blocked@example.com")
    finally:
        other.rollback()
        other.close()
    assert Lead.select().count() == 0
