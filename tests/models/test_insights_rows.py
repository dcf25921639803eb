"""Insights' derived rows (insight_lead, stage_stay) stay equal to what the leads and their timelines say.

Each table is compared with its view, which computes the same rows from lead and activity directly,
after writes from every path: the domain rules, undo-style column writes, and team sync's remote mode.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from models import demo, importing, insights, leads, stages, writes
from models.tables import Activity, database

TABLES = ("insight_lead", "stage_stay")


def rows(name: str) -> list[tuple]:
    """Every row, in the order of all its columns."""
    width = len(database.execute_sql(f"SELECT * FROM {name} LIMIT 0").description)
    return database.execute_sql(f"SELECT * FROM {name} ORDER BY {', '.join(map(str, range(1, width + 1)))}").fetchall()


def assert_derived_rows_current() -> None:
    for table in TABLES:
        assert rows(table) == rows(f"{table}_source"), table


@pytest.fixture
def demo_leads(store):
    demo.generate(120, seed=3)
    assert rows("stage_stay"), "the demo leads have stage changes"
    return store


def test_rows_follow_the_domain_rules(demo_leads):
    """Moving, answering, editing, closing and merging leads keeps every derived row current."""
    live = list(leads.live().where(leads.Lead.status == "open").limit(4))
    a, b, c, d = live
    leads.move_lead(a, stages.find_stage("Quoted"))
    leads.record_response(b, datetime(2026, 1, 1, 9, 0))
    leads.edit_lead(c, source="Referral", email=None, phone=None)
    leads.move_lead(d, stages.closing_stage("won"), value=900)
    leads.merge_leads(leads.find_lead(a.id), leads.find_lead(c.id))
    assert_derived_rows_current()
    assert not database.execute_sql("SELECT 1 FROM stage_stay WHERE lead_id = ?", (c.id,)).fetchall()


def test_rows_follow_column_writes_and_remote_changes(demo_leads):
    """Team sync's remote mode and raw column writes (as undo makes them) mend the rows too: a stage entry
    inserted before the others, one whose time changes, one deleted, a lead's received time and owner."""
    lead = leads.live().where(leads.Lead.status == "open").first()
    entries = list(Activity.select().where((Activity.lead == lead.id) & (Activity.kind == "stage"))
                   .order_by(Activity.at))
    with writes.remote():
        writes.insert_rows("activity", [{
            "id": "00000000-0000-4000-8000-000000000001", "updated_at": "2026-01-01 00:00:00", "lead_id": lead.id,
            "kind": "stage", "at": str(lead.created_at + timedelta(minutes=5)), "author": "Sam",
            "summary": "New → Contacted", "body": None, "message_id": None}])
        writes.update_row("lead", lead.id, {"created_at": str(lead.created_at - timedelta(days=2))}, stamp=False)
    assert_derived_rows_current()
    if entries:
        writes.update_row("activity", entries[0].id, {"at": str(entries[0].at + timedelta(hours=3))})
        writes.delete_row("activity", entries[-1].id)
    writes.update_row("lead", lead.id, {"source": "Trade fair", "owner_id": None})
    writes.delete_row("activity", "00000000-0000-4000-8000-000000000001")
    assert_derived_rows_current()


def test_stage_medians_and_their_leads_come_from_the_stays(demo_leads):
    """A stage's median days is a stay's length in stage_stay, and its leads are the leads of those stays."""
    report = insights.report(insights.Filters())
    stage = next(s for s in report.stages if s.median_days is not None)
    days = [d for (d,) in database.execute_sql("SELECT days FROM stage_stay WHERE stage = ? ORDER BY days",
                                               (stage.stage,))]
    middle = (days[(len(days) - 1) // 2] + days[len(days) // 2]) / 2
    assert stage.median_days == pytest.approx(middle)
    behind = insights.leads_behind(insights.Filters(), "stages.median_days", stage.stage, at=report.at)
    assert set(behind) == {lead for (lead,) in database.execute_sql(
        "SELECT lead_id FROM stage_stay WHERE stage = ?", (stage.stage,))}


def test_rows_follow_an_import_its_undo_and_a_merge(demo_leads, tmp_path):
    """Imported leads (new and past New, open and closed) get their rows, undo takes them away, and a merge or a
    remote write that only marks a lead imported mends its row (band 4, no secs)."""
    sheet = tmp_path / "in.csv"
    sheet.write_text("Name,Email,Status,Created\nIda,ida@example.com,New,2025-01-02 10:00\n"
                     "Jon,jon@example.com,Contacted,\nKim,kim@example.com,Won,2025-01-03 10:00\n"
                     "Lea,lea@example.com,Lost,\n", encoding="utf-8")
    done = importing.apply_import(importing.plan_import(sheet))
    assert_derived_rows_current()
    assert database.execute_sql("SELECT count(*) FROM insight_lead WHERE band = 4 AND secs IS NULL").fetchone() == (4,)
    importing.undo_import(done.undo)
    assert_derived_rows_current()
    importing.apply_import(importing.plan_import(sheet))
    answered = leads.live().where(leads.Lead.first_response_at.is_null(False) & leads.Lead.imported_at.is_null())
    keep, other = answered.order_by(leads.Lead.created_at).first(), leads.find_lead("Jon")
    leads.merge_leads(keep, other)  # keeps its own received and answer times: only imported_at changes
    assert leads.find_lead(keep.id).imported_at == other.imported_at
    assert_derived_rows_current()
    lead = answered.first()
    with writes.remote():
        writes.update_row("lead", lead.id, {"imported_at": "2026-01-01 00:00:00"}, stamp=False)
    assert_derived_rows_current()
    assert database.execute_sql("SELECT band FROM insight_lead WHERE lead = (SELECT rowid FROM lead WHERE id = ?)",
                                (lead.id,)).fetchone() == (4,)


def test_rows_made_in_bulk_stand_the_triggers_aside_only_inside(store):
    """Leads inserted inside get their rows at the end; the guard never outlives the block, even after an error,
    and the block refuses to run outside a write transaction."""
    with pytest.raises(RuntimeError):
        with insights.rows_made_in_bulk():
            pass
    with database.atomic():
        with insights.rows_made_in_bulk():
            leads.add_lead("Bo", email="bo@example.com")
            assert rows("insight_lead") == []  # the trigger stood aside
        with pytest.raises(ValueError), insights.rows_made_in_bulk():
            raise ValueError
    assert not database.execute_sql("SELECT 1 FROM setting WHERE key = ?", (insights.BULK_GUARD,)).fetchall()
    assert len(rows("insight_lead")) == 1
    assert_derived_rows_current()
