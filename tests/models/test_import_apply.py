"""Applying an import: short transactions, progress and cancel, undo of the whole import, re-importing the same
file changes nothing, created dates kept."""
from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime, timedelta

import pytest

from models import db, export, import_apply, importing, leads, stages, today, writes
from models.errors import RuleError
from models.tables import Activity, FollowUp, Lead

ROWS = "".join(f"Person {i},Firma {i % 3},,\n" for i in range(7))  # no email, no phone


@pytest.fixture
def small_batches(store, monkeypatch):
    monkeypatch.setattr(import_apply, "BATCH", 3)
    return store


def csv_file(tmp_path, text: str, name: str = "p.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reimporting_the_same_file_changes_nothing(store, tmp_path):
    """Leads with neither email nor phone are found again by their row's fingerprint, even in merge mode."""
    path = csv_file(tmp_path, "Name,Company,Email,Phone\n" + ROWS + "Person 0,Firma 0,,\n")
    first = importing.apply_import(importing.plan_import(path))
    assert (first.added, first.skipped) == (7, 1)  # the last row repeats the first
    before = writes.last_seq()
    for mode in ("skip", "merge"):
        plan = importing.plan_import(path, duplicates=mode)
        assert {r.action for r in plan.rows} == {"skip"}
        assert plan.rows[0].duplicate_reason == "same row as Person 0 (imported before)"
        importing.apply_import(plan)
    assert writes.last_seq() == before and Lead.select().count() == 7


def test_a_changed_row_is_a_new_lead_and_a_merged_lead_is_found(store, tmp_path):
    """A row that differs is imported; a row whose lead was merged into another is a duplicate of that one."""
    path = csv_file(tmp_path, "Name,Company\nAda,X\nBob,Y\n")
    importing.apply_import(importing.plan_import(path))
    ada, bob = Lead.get(Lead.name == "Ada"), Lead.get(Lead.name == "Bob")
    leads.merge_leads(bob, ada)
    plan = importing.plan_import(csv_file(tmp_path, "Name,Company\nAda,X\nBob,Y\nCy,Z\n"))
    assert [(r.action, r.duplicate_of) for r in plan.rows] == [("skip", bob.id), ("skip", bob.id), ("add", None)]


def test_created_date_is_the_received_time_not_a_response(store, tmp_path, monkeypatch):
    """A created date becomes the lead's received time; the first answer and imported_at are the import's moment."""
    moment = datetime(2026, 6, 1, 12, 0)
    monkeypatch.setattr(import_apply, "now", lambda: moment)
    importing.apply_import(importing.plan_import(csv_file(tmp_path, "Name,Created\nOld,2023-05-04 10:30\nNew\n")))
    old, new = Lead.get(Lead.name == "Old"), Lead.get(Lead.name == "New")
    assert old.created_at.date() == datetime(2023, 5, 4).date() and new.created_at == moment
    assert {(lead.first_response_at, lead.imported_at) for lead in (old, new)} == {(moment, moment)}
    assert export.lead_record(old)["imported_at"] == "2026-06-01T12:00:00Z"


def test_imported_leads_are_moved_into_their_stage_at_the_import(store, tmp_path, monkeypatch):
    """Every open lead, New included, gets "Follow up" after its stage's interval from the import, never "Respond
    to inquiry"; closed ones no step; so Today's "Respond now" stays empty."""
    moment = datetime(2026, 6, 1, 12, 0)
    monkeypatch.setattr(import_apply, "now", lambda: moment)
    path = csv_file(tmp_path, "Name,Email,Status,Created\n"
                              "Nia,nia@example.com,New,2026-05-31 09:00\nNed,ned@example.com,,\n"
                              "Cal,cal@example.com,Contacted,2026-05-20 09:00\nQuin,quin@example.com,Quoted,\n"
                              "Wes,wes@example.com,Won,\nLou,lou@example.com,Lost,\n")
    importing.apply_import(importing.plan_import(path))
    steps = {(f.lead.name, f.title, f.due, f.done_at) for f in FollowUp.select()}
    days = {stage.name: stage.followup_days for stage in stages.all_stages()}
    assert steps == {(name, leads.FOLLOW_UP, moment + timedelta(days=days[stage]), None)
                     for name, stage in (("Nia", "New"), ("Ned", "New"), ("Cal", "Contacted"), ("Quin", "Quoted"))}
    assert today.today(at=moment).sections["respond_now"] == []
    assert today.today(at=moment + timedelta(days=30)).sections["respond_now"] == []


def test_batches_release_the_write_lock_and_report_progress(small_batches, tmp_path):
    """Between batches another connection can write (the window is not locked out); progress counts rows."""
    path = csv_file(tmp_path, "Name,Company,Email,Phone\n" + ROWS)
    seen = []

    def progress(done: int, total: int) -> None:
        other = sqlite3.connect(small_batches / db.DB_NAME, timeout=0)
        other.execute("BEGIN IMMEDIATE")  # raises 'database is locked' while the import holds the lock
        other.rollback()
        other.close()
        seen.append((done, total))

    result = importing.apply_import(importing.plan_import(path), progress=progress)
    assert seen == [(3, 7), (6, 7), (7, 7)] and result.added == 7
    assert len(result.undo.batches) == 3


def test_undo_takes_the_whole_import_back(small_batches, tmp_path):
    """Undo removes every lead, entry and step the import wrote, over all batches; again, it refuses."""
    kept, _ = leads.add_lead("Kept", email="kept@example.com")
    path = csv_file(tmp_path, "Name,Company,Email,Phone,Status\n" + ROWS + "W,Q,w@example.com,,Won\n")
    result = importing.apply_import(importing.plan_import(path))
    assert Lead.select().count() == 9
    importing.undo_import(result.undo)
    assert [lead.name for lead in Lead.select()] == ["Kept"]
    assert {a.lead_id for a in Activity.select()} == {kept.id} and {f.lead_id for f in FollowUp.select()} == {kept.id}
    with pytest.raises(RuleError, match="There is nothing left to undo"):
        importing.undo_import(result.undo)


def test_undo_refuses_when_an_imported_lead_changed_since(small_batches, tmp_path):
    """A lead edited after the import is not silently lost: undo refuses and changes nothing."""
    result = importing.apply_import(importing.plan_import(csv_file(tmp_path, "Name,Company,Email,Phone\n" + ROWS)))
    leads.edit_lead(Lead.get(Lead.name == "Person 5"), company="Changed")
    with pytest.raises(RuleError, match="cannot be undone: some of its leads were changed since"):
        importing.undo_import(result.undo)
    assert Lead.select().count() == 7


def test_undo_refuses_when_an_imported_lead_has_a_new_entry(small_batches, tmp_path):
    """A note added to an imported lead would be lost: undo refuses before anything changes."""
    result = importing.apply_import(importing.plan_import(csv_file(tmp_path, "Name,Company,Email,Phone\n" + ROWS)))
    leads.log(Lead.get(Lead.name == "Person 1"), "note", "Called back")
    with pytest.raises(RuleError, match="cannot be undone"):
        importing.undo_import(result.undo)
    assert Lead.select().count() == 7


def test_undo_goes_batch_by_batch_and_ignores_other_work(small_batches, tmp_path):
    """Undo releases the write lock between batches and reports progress; a lead added by other work
    meanwhile stays."""
    result = importing.apply_import(importing.plan_import(csv_file(tmp_path, "Name,Company,Email,Phone\n" + ROWS)))
    other, _ = leads.add_lead("Mail Lead", email="mail@example.com")
    seen = []

    def progress(done: int, total: int) -> None:
        lock = sqlite3.connect(small_batches / db.DB_NAME, timeout=0)
        lock.execute("BEGIN IMMEDIATE")
        lock.rollback()
        lock.close()
        seen.append((done, total))

    importing.undo_import(result.undo, progress=progress)
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert [lead.id for lead in Lead.select()] == [other.id]


def test_cancel_between_batches_leaves_nothing(small_batches, tmp_path):
    """Cancelling after the first batch takes back what was written: nothing of the import remains."""
    calls = []
    result = importing.apply_import(importing.plan_import(csv_file(tmp_path, "Name,Company,Email,Phone\n" + ROWS)),
                                    cancel=lambda: calls.append(1) or len(calls) > 1)
    assert result.cancelled and result.added == 0 and Lead.select().count() == 0


def test_a_failure_in_a_later_batch_takes_back_the_earlier_ones(small_batches, tmp_path, monkeypatch):
    """An error in the third batch leaves no lead of the first two behind, and the error is raised."""
    real, count = writes.insert_prepared, []

    def failing(prepared):
        if prepared.table == "lead":
            count.append(1)
            if len(count) == 3:
                raise RuntimeError("disk full")
        return real(prepared)

    monkeypatch.setattr(writes, "insert_prepared", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        importing.apply_import(importing.plan_import(csv_file(tmp_path, "Name,Company,Email,Phone\n" + ROWS)))
    assert Lead.select().count() == 0 and Activity.select().count() == 0


def test_a_row_repeating_an_earlier_one_merges_into_its_lead_whatever_the_write_order(small_batches, tmp_path):
    """New leads are written in id order, not file order: a later row with the same email still finds the lead
    its earlier row made, and fills its empty phone, in whatever batch either lands."""
    rows = "".join(f"Person {i},p{i}@example.com,\n" for i in range(7))
    path = csv_file(tmp_path, "Name,Email,Phone\n" + rows + "Person 3 again,p3@example.com,+49 30 1234567\n")
    result = importing.apply_import(importing.plan_import(path, duplicates="merge"))
    assert (result.added, result.merged) == (7, 1)
    lead = Lead.get(Lead.email == "p3@example.com")
    assert lead.phone == "+49301234567"
    assert Activity.select().where(Activity.lead == lead, Activity.summary.contains("line 9")).count() == 1


def test_a_merge_weighs_more_than_a_new_lead_in_a_batch(small_batches, tmp_path, monkeypatch):
    """New leads fill a batch row for row; a merged row counts MERGE_COST, so batches of merges are shorter."""
    monkeypatch.setattr(import_apply, "MERGE_COST", 3)
    rows = "".join(f"Person {i},p{i}@example.com\n" for i in range(4))
    again = "".join(f"Again {i},p{i}@example.com\n" for i in range(3))
    seen = []
    result = importing.apply_import(importing.plan_import(csv_file(tmp_path, "Name,Email\n" + rows + again),
                                                          duplicates="merge"),
                                    progress=lambda done, total: seen.append((done, total)))
    assert seen == [(3, 7), (5, 7), (6, 7), (7, 7)] and (result.added, result.merged) == (4, 3)


def test_undo_goes_in_pieces_of_records_newest_first(small_batches, tmp_path, monkeypatch):
    """An import batch is taken back in transactions of UNDO_RECORDS records, newest first, so a lead's
    entries and steps go before it and a merge is undone before the lead it filled: nothing is left."""
    monkeypatch.setattr(import_apply, "UNDO_RECORDS", 2)
    rows = "".join(f"Person {i},p{i}@example.com,\n" for i in range(4)) + "Again,p1@example.com,+49 30 1234567\n"
    result = importing.apply_import(importing.plan_import(csv_file(tmp_path, "Name,Email,Phone\n" + rows),
                                                          duplicates="merge"))
    records = sum(token.last - token.first + 1 for token in result.undo.batches)
    seen = []
    importing.undo_import(result.undo, progress=lambda done, total: seen.append((done, total)))
    assert len(seen) >= records // 2 and seen[-1][0] == seen[-1][1]
    assert Lead.select().count() == Activity.select().count() == FollowUp.select().count() == 0


def test_a_row_keeps_the_fingerprint_earlier_versions_gave_it():
    """The id a row's lead gets never changes between versions, or re-importing an old file would duplicate it."""
    from models.import_rows import fingerprint_id

    cells = ["Jürgen", "Alt", "Ölmühle", ""]
    assert fingerprint_id({"name": "Jürgen Alt", "company": "Ölmühle"}, cells) == "5a93e1ce-c4f5-5c7f-ad91-8190158d353b"


def test_entry_and_step_ids_sort_beside_their_lead(store, tmp_path):
    """So a batch fills neighbouring index pages: every id of an imported lead's rows starts as the lead's does; the
    "created" entry's is still derived from the lead's id (the same on every machine), the others random uuid4s."""
    importing.apply_import(importing.plan_import(csv_file(tmp_path, "Name,Email,Tags\nAda,ada@example.com,VIP\n")))
    lead = Lead.get(Lead.name == "Ada")
    rows = list(Activity.select().where(Activity.lead == lead.id)) + list(FollowUp.select())
    assert len(rows) == 2 and {row.id[:8] for row in rows} == {lead.id[:8]}  # the entry (with the tags) and the step
    created = next(row for row in rows if getattr(row, "kind", None) == "created")
    assert created.id == lead.id[:8] + str(uuid.uuid5(uuid.UUID(lead.id), "created"))[8:]
    assert {uuid.UUID(row.id).version for row in rows if row is not created} == {4}


def test_the_records_of_an_import_hold_its_rows_as_stored(store, tmp_path):
    """Team sync and undo replay the outbox: each record of an imported lead, entry and step is the row as SQLite
    holds it, times as its text (not another ISO form)."""
    before = writes.last_seq()
    importing.apply_import(importing.plan_import(csv_file(tmp_path, "Name,Email,Created,Value,Tags\n"
                                                                    "Ada,ada@example.com,2023-05-04 10:30,1800,VIP\n")))
    records = db.database.execute_sql("SELECT tbl, row_id, data FROM outbox WHERE seq > ? AND op = 'insert'",
                                      [before]).fetchall()
    assert sorted(table for table, _, _ in records) == ["activity", "activity", "follow_up", "lead"]
    for table, row_id, data in records:
        assert json.loads(data) == writes.stored_row(table, row_id)
