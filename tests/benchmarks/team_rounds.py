"""Team sync rounds against the budget: an idle round with 50 device files present, a new device joining
a 100,000-lead team, and the shared folder's size per 1,000 leads and after 10,000 edits of one field.

    python tests/benchmarks/run.py --only team [--data-dir FOLDER_WITH_DEMO_LEADS]

Not collected by pytest (no test_ names).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from models import db, demo, leads, stages, writes
from models.tables import Lead
from sync.team import team

IDLE_BUDGET_MS, JOIN_BUDGET_S = 20.0, 30.0


def _open(folder: Path) -> None:
    db.open_database(folder)
    stages.ensure_defaults()


def _pair(tmp: Path) -> tuple[Path, Path, Path]:
    """(shared folder, Ann's data folder, Ben's): Ann made a team with one lead, Ben joined."""
    shared, ann, ben = tmp / "shared", tmp / "ann", tmp / "ben"
    _open(ann)
    leads.add_lead("Ana Lima", email="ana@example.com")
    team.create(shared, None, "Ann", None)
    db.close_database()
    _open(ben)
    team.join(shared, None, "Ben", None)
    db.close_database()
    return shared, ann, ben


def idle_round(tmp: Path) -> float:
    """Median ms of a round with nothing new, after two devices exchanged 25 segments each."""
    shared, ann, ben = _pair(tmp)
    team.SNAPSHOT_EVERY = 10_000  # keep every segment: 50 device files to look at
    for n in range(25):
        for who in (ann, ben):
            _open(who)
            writes.update(Lead.get(Lead.name == "Ana Lima"), company=f"Edit {n}")
            team.sync_round()
            db.close_database()
    _open(ann)
    team.sync_round()
    files = len(list(shared.rglob("*.lbk")))
    times = []
    for _ in range(30):
        start = time.perf_counter()
        team.sync_round()
        times.append((time.perf_counter() - start) * 1000)
    db.close_database()
    print(f"  ({files} .lbk files in the folder)")
    return statistics.median(times)


def join_big(tmp: Path, source: Path | None, count: int) -> tuple[float, float, int, int]:
    """(seconds to create, seconds to join, folder bytes, leads) for a team made from `count` demo leads."""
    ann, ben, shared = tmp / "ann", tmp / "ben", tmp / "shared-big"
    ann.mkdir(parents=True)
    if source and (source / db.DB_NAME).exists():
        for name in (db.DB_NAME, db.DB_NAME + "-wal"):
            if (source / name).exists():
                shutil.copy(source / name, ann / name)
        _open(ann)
    else:
        _open(ann)
        demo.generate(count)
    total = Lead.select().count()
    start = time.perf_counter()
    team.create(shared, None, "Ann", None)
    created = time.perf_counter() - start
    db.close_database()
    _open(ben)
    start = time.perf_counter()
    team.join(shared, None, "Ben", None)
    joined = time.perf_counter() - start
    same = Lead.select().count()
    db.close_database()
    assert same == total, (same, total)
    return created, joined, sum(p.stat().st_size for p in shared.rglob("*") if p.is_file()), total


def ten_thousand_edits(tmp: Path) -> tuple[int, int]:
    """(folder bytes after joining, after 10,000 edits of one field synced in 100 rounds)."""
    shared, ann, ben = _pair(tmp)
    team.SNAPSHOT_EVERY = 20
    size = lambda: sum(p.stat().st_size for p in shared.rglob("*") if p.is_file())  # noqa: E731
    before = size()
    for batch in range(100):
        for who in (ann, ben):
            _open(who)
            if who == ann:
                lead = Lead.get(Lead.name == "Ana Lima")
                for n in range(100):
                    writes.update(lead, company=f"Edit {batch * 100 + n}")
            team.sync_round()
            db.close_database()
    return before, size()


def section_team(args: argparse.Namespace) -> bool:
    snapshot_every = team.SNAPSHOT_EVERY
    with tempfile.TemporaryDirectory(prefix="leadbook-team-") as tmp:
        try:
            idle = idle_round(Path(tmp) / "idle")
            before, after = ten_thousand_edits(Path(tmp) / "edits")
            created, joined, size, total = join_big(Path(tmp) / "big", Path(args.data_dir) if args.data_dir else None,
                                                    args.leads)
        finally:
            team.SNAPSHOT_EVERY = snapshot_every
    rows = [
        ("idle round, 50 device files", f"{idle:.1f} ms", f"<= {IDLE_BUDGET_MS:.0f} ms", idle <= IDLE_BUDGET_MS),
        (f"create a team from {total:,} leads", f"{created:.1f} s", "(shown only)", None),
        (f"join a {total:,}-lead team", f"{joined:.1f} s", f"<= {JOIN_BUDGET_S:.0f} s", joined <= JOIN_BUDGET_S),
        ("folder per 1,000 leads (snapshot, with their timelines)", f"{size / total:.1f} KB", "", None),
        ("folder after joining / after 10,000 edits of one field", f"{before:,} / {after:,} B", "bounded",
         after < before * 3),
    ]
    print("\n== team ==")
    for name, value, target, ok in rows:
        print(f"{name:58} | {value:>18} | {target:>10} | {'' if ok is None else 'yes' if ok else 'NO'}")
    return all(ok is not False for *_, ok in rows)
