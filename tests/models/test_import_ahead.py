"""A big import's rows made ahead in a forked child (models.import_apply with models.forked): the very rows one
process makes, duplicates that arrive meanwhile still caught, owners found before, and the rows made here when
the child fails, hangs or cannot start."""
from __future__ import annotations

import os
import time

import pytest

from models import db, forked, import_apply, importing, leads, stages
from models.tables import Activity, FollowUp, Lead, Member

ROWS = "".join(f"Person {i},p{i}@example.com,{'Sam Porter' if i % 4 == 0 else ''},{'Won' if i % 5 == 0 else ''},"
               f"{'VIP' if i % 3 == 0 else ''}\n" for i in range(12))


@pytest.fixture
def file(store, tmp_path, monkeypatch):
    """Twelve rows in four batches, with owners, stages and details."""
    monkeypatch.setattr(import_apply, "BATCH", 3)
    path = tmp_path / "big.csv"
    path.write_text("Name,Email,Owner,Status,Tags\n" + ROWS, encoding="utf-8")
    return path


def fresh(folder) -> None:
    db.close_database()
    db.open_database(folder)
    stages.ensure_defaults()


def imported(path, ahead: bool, monkeypatch) -> tuple[list, list, list]:
    """The import's leads, timeline entries and steps, without what differs by design (random ids, times)."""
    with monkeypatch.context() as m:
        m.setattr(import_apply, "AHEAD_ROWS", 1 if ahead else 10**9)
        importing.apply_import(importing.plan_import(path))
    names = {lead.id: lead.name for lead in Lead.select()}
    people = sorted((lead.name, lead.email, lead.stage.name, lead.status, lead.owner.name if lead.owner else None)
                    for lead in Lead.select())
    entries = sorted((names[a.lead_id], a.kind, a.summary, a.body) for a in Activity.select())
    steps = sorted((names[f.lead_id], f.title, f.done_at) for f in FollowUp.select())
    return people, entries, steps


def test_rows_made_in_the_child_are_the_rows_made_here(file, monkeypatch):
    forks = []
    real_fork = os.fork
    monkeypatch.setattr(forked.os, "fork", lambda: forks.append(1) or real_fork())
    here = imported(file, False, monkeypatch)
    assert forks == []
    fresh(file.parent / "second")
    there = imported(file, True, monkeypatch)
    assert forks == [1] and there == here
    assert len(here[0]) == 12 and ("Person 0", "Imported from big.csv, line 2", "Tags: VIP") in \
        [(name, summary, body) for name, kind, summary, body in here[1] if kind == "created"]
    assert Member.select().where(Member.name == "Sam Porter").count() == 1  # found once, before the child


def test_a_lead_that_arrives_meanwhile_is_not_written_twice(file, monkeypatch):
    """The child made its rows; under the write lock the new lead with that email turns the row into a skip."""
    monkeypatch.setattr(import_apply, "AHEAD_ROWS", 1)
    plan = importing.plan_import(file)
    leads.add_lead("Came by mail", email="p7@example.com")
    result = importing.apply_import(plan)
    assert (result.added, result.skipped) == (11, 1)
    assert [lead.name for lead in Lead.select().where(Lead.email == "p7@example.com")] == ["Came by mail"]
    assert not Activity.select().where(Activity.summary.contains("line 9")).exists()  # Person 7's rows: none


@pytest.mark.parametrize("trouble", ["fails", "fails later", "hangs", "cannot fork"])
def test_without_the_childs_rows_they_are_made_here(file, monkeypatch, trouble):
    here = imported(file, False, monkeypatch)
    fresh(file.parent / "second")
    if trouble == "fails":
        monkeypatch.setattr(forked.pickle, "dumps", lambda *_: 1 / 0)  # runs only in the child
    elif trouble == "fails later":  # after two batches: the rest made here, with ids of their own
        real, calls = forked.pickle.dumps, []
        monkeypatch.setattr(forked.pickle, "dumps", lambda *a: real(*a) if calls.append(1) or len(calls) < 3 else 1 / 0)
    elif trouble == "hangs":
        monkeypatch.setattr(import_apply, "AHEAD_SECONDS", 0.3)
        monkeypatch.setattr(forked.pickle, "dumps", lambda *_: time.sleep(60))
    else:
        monkeypatch.setattr(forked.os, "fork", lambda: (_ for _ in ()).throw(BlockingIOError(11, "no")))
    started = time.monotonic()
    assert imported(file, True, monkeypatch) == here
    assert time.monotonic() - started < 10
