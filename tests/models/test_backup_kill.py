"""A backup or restore killed half-way: no temporary file stays behind after the next start or restore,
and a restore killed right after its swap still tells team sync that the rows changed (its baseline)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from models import backup, db, leads, stages
from models.tables import database

ROOT = Path(__file__).resolve().parents[2]

# A restore's copy, killed while it writes: the backup API is slowed down to a page at a time.
KILLED_COPY = """
import sqlite3, sys, time
from pathlib import Path
from models import backup
source = sqlite3.connect(sys.argv[1])
dest = Path(sys.argv[2])

class Slow:
    def backup(self, target):
        source.backup(target, pages=1, progress=lambda *_: time.sleep(0.2))

print("copying", flush=True)
backup._copy(Slow(), dest)
"""


def _baselines() -> list[dict[str, str]]:
    return [json.loads(data)
            for (data,) in database.execute_sql("SELECT data FROM outbox WHERE op = 'baseline' ORDER BY seq")]


def test_temporaries_of_a_killed_copy_are_removed_at_the_next_start(store, tmp_path):
    """kill -9 during a copy leaves .NAME.PID.tmp; the next start (rolling backup) and restore remove it."""
    for n in range(30):
        leads.add_lead(f"Lead {n}", message="text " * 500)
    saved = backup.backup_to(tmp_path / "saved.sqlite3")
    proc = subprocess.Popen([sys.executable, "-c", KILLED_COPY, str(saved), str(store / db.DB_NAME)],
                            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.PIPE)
    assert proc.stdout.readline() == b"copying\n"
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    left = list(store.glob(".*.tmp*"))
    assert left and all(f".{proc.pid}.tmp" in p.name for p in left)  # the half state a kill leaves
    backup.rolling_backup(store)
    assert not list(store.glob(".*.tmp*")) and backup.check_backup(store / db.DB_NAME) == 30

    stale = store / backup.BACKUPS / f".before-restore-x.sqlite3.{proc.pid}.tmp"
    stale.write_bytes(b"half a copy")
    mine = store / f".other.sqlite3.{os.getpid()}.tmp"  # a copy this process is still writing: kept
    mine.write_bytes(b"in progress")
    assert backup.restore_from(store, saved) == 30
    assert not stale.exists() and mine.exists()


def test_a_restore_killed_after_its_swap_records_its_baseline_at_the_next_start(store, tmp_path):
    """The restored file carries its mark: opening it records the baseline once and drops the mark."""
    leads.add_lead("Kept in the backup")
    saved = backup.backup_to(tmp_path / "saved.sqlite3")
    leads.add_lead("Written after the backup")
    before = len(_baselines())
    db.close_database()
    with closing(backup._readonly(saved)) as conn:  # what restore_from does, up to the swap; then it dies
        backup._copy(conn, store / db.DB_NAME, mark="restored from the backup saved.sqlite3")
    db.open_database(store)  # the next start
    assert [lead.name for lead in leads.live()] == ["Kept in the backup"]
    assert _baselines()[before:] == [{"why": "restored from the backup saved.sqlite3"}]
    assert database.execute_sql("SELECT 1 FROM setting WHERE key = ?", (db.RESTORED,)).fetchone() is None
    db.close_database()
    db.open_database(store)
    stages.ensure_defaults()
    assert len(_baselines()) == before + 1  # once


def test_a_whole_restore_records_one_baseline(store, tmp_path):
    """restore_from, start to end: one baseline naming the backup, no mark left."""
    leads.add_lead("One")
    saved = backup.backup_to(tmp_path / "saved.sqlite3")
    before = len(_baselines())
    backup.restore_from(store, saved)
    assert _baselines()[before:] == [{"why": "restored from the backup saved.sqlite3"}]
    assert database.execute_sql("SELECT count(*) FROM setting WHERE key = ?", (db.RESTORED,)).fetchone()[0] == 0
