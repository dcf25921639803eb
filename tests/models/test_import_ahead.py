"""A big import's rows made ahead in a forked child (models.import_apply with models.forked): the very rows one
process makes, duplicates that arrive meanwhile still caught, owners found before, and the rows made here when
the child fails, hangs or cannot start."""
from __future__ import annotations

import contextlib
import json
import os
import time

import pytest

from models import db, forked, import_apply, importing, leads, stages, writes
from models.tables import Activity, FollowUp, Lead, Member, database

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


@pytest.fixture
def made_here(monkeypatch) -> list[int]:
    """How many batches this process made the rows of itself (the child's makes are not counted)."""
    real, here, parent = import_apply._Batch.make, [], os.getpid()

    def make(self, plan, indexes):
        if os.getpid() == parent:
            here.append(1)
        return real(self, plan, indexes)

    monkeypatch.setattr(import_apply._Batch, "make", make)
    return here


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


def test_rows_made_in_the_child_are_the_rows_made_here(file, monkeypatch, made_here):
    """The same leads, entries and steps, every batch's rows made by the child, each outbox record the row as
    stored."""
    here = imported(file, False, monkeypatch)
    assert len(made_here) == 4
    fresh(file.parent / "second")
    before = writes.last_seq()
    there = imported(file, True, monkeypatch)
    assert len(made_here) == 4 and there == here  # none more made here
    records = database.execute_sql("SELECT tbl, row_id, data FROM outbox WHERE seq > ? AND op = 'insert'",
                                   [before]).fetchall()
    assert len(records) > 30 and all(json.loads(data) == writes.stored_row(table, row_id)
                                     for table, row_id, data in records)
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


@pytest.mark.parametrize("trouble, own", [("fails", 4), ("fails later", 2), ("hangs", 4), ("cannot fork", 4)])
def test_without_the_childs_rows_they_are_made_here(file, monkeypatch, made_here, trouble, own):
    here = imported(file, False, monkeypatch)
    fresh(file.parent / "second")
    made_here.clear()
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
    assert time.monotonic() - started < 10 and len(made_here) == own


def pipes() -> list[str]:
    """This process's open pipes (SQLite keeps a closed connection's file open a while: not counted)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(FileNotFoundError):  # the listing's own
            found.append(os.readlink(f"/proc/self/fd/{fd}"))
    return sorted(name for name in found if name.startswith("pipe:"))


def test_a_cancelled_import_leaves_no_child_or_pipe_behind(file, monkeypatch):
    """Stopped after the first batch: everything taken back, the child stopped and waited for, no pipe left open."""
    monkeypatch.setattr(import_apply, "AHEAD_ROWS", 1)
    forks, real_fork = [], os.fork
    monkeypatch.setattr(forked.os, "fork", lambda: forks.append(pid := real_fork()) or pid)
    plan, asked = importing.plan_import(file), []
    before = pipes()
    result = importing.apply_import(plan, cancel=lambda: asked.append(1) or len(asked) > 1)
    assert result.cancelled and Lead.select().count() == 0 and Member.select().count() == 0
    assert pipes() == before
    with pytest.raises(ChildProcessError):
        os.waitpid(forks[0], os.WNOHANG)
