"""A full disk: the user reads "The disk is full", not the failed rollback that follows it, and nothing
of the change is half-written. On a real tiny filesystem (tmpfs, as root) and through SQLite's page limit."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest

from models import db, leads, stages
from models.errors import StoreError
from models.tables import Lead, database


def _many_leads() -> None:
    for n in range(5000):
        leads.add_lead(f"Lead {n}", email=f"lead{n}@example.com", message="A long inquiry. " * 200)


def _count() -> int:
    return database.execute_sql("SELECT count(*) FROM lead").fetchone()[0]


@pytest.fixture
def tiny_disk():
    """A 1 MB tmpfs mounted for the test (needs root, as on CI)."""
    folder = Path(tempfile.mkdtemp(prefix="leadbook-full-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()}): CI runs this as root")
    yield folder
    db.close_database()
    subprocess.run(["umount", "-l", str(folder)], check=True)
    folder.rmdir()


def test_a_full_filesystem_says_the_disk_is_full(tiny_disk):
    """Writing past a real 1 MB filesystem: "The disk is full", none of it stored; with space freed, writes work."""
    filler = tiny_disk / "filler"
    filler.write_bytes(b"\0" * 300_000)
    db.open_database(tiny_disk / "data")
    db.transaction(stages.ensure_defaults)
    db.transaction(leads.add_lead, "Before")
    with pytest.raises(StoreError, match=r"^The disk is full \(.*\): nothing of this change was saved") as caught:
        db.transaction(_many_leads)
    assert "rollback" not in str(caught.value)
    assert _count() == 1  # all or nothing
    filler.unlink()
    db.transaction(leads.add_lead, "After")
    assert sorted(lead.name for lead in Lead.select()) == ["After", "Before"]


def test_a_full_database_inside_a_savepoint_says_so_too(store):
    """SQLite's page limit (its "database or disk is full") inside nested atomic blocks: the same sentence."""
    pages = database.execute_sql("PRAGMA page_count").fetchone()[0]
    database.execute_sql(f"PRAGMA max_page_count = {pages + 5}")

    def nested() -> None:
        with database.atomic():  # a savepoint inside db.transaction's transaction
            _many_leads()

    with pytest.raises(StoreError, match="^The disk is full"):
        db.transaction(nested)
    assert _count() == 0 and not database.in_transaction()
    database.execute_sql("PRAGMA max_page_count = 1073741823")
    db.transaction(leads.add_lead, "After")
    assert _count() == 1
