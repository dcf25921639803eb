"""An imported lead's mark (imported_at) travels as its other fields do: to a teammate by operations and in a
snapshot, so Insights there leave its first answer out too."""
from __future__ import annotations

import pytest
from test_replica import team

from models import db, importing, leads, replica
from models.tables import Lead, database


@pytest.fixture
def two(tmp_path):
    yield team(tmp_path, 2)
    db.close_database()


def marks() -> set[tuple]:
    """(name, imported_at, its insight band) of every lead."""
    return set(database.execute_sql(
        "SELECT l.name, l.imported_at, i.band FROM lead AS l JOIN insight_lead AS i ON i.lead = l.rowid").fetchall())


def test_imported_at_reaches_a_teammate_and_a_new_device(two, tmp_path):
    """Ops carry imported_at (band 4 there as here); a device joining later gets it from the snapshot."""
    a, b = two
    a.use()
    sheet = tmp_path / "in.csv"
    sheet.write_text("Name,Email,Status\nIda,ida@example.com,New\nKim,kim@example.com,Won\n", encoding="utf-8")
    importing.apply_import(importing.plan_import(sheet))
    here = marks()
    assert {(name, band) for name, imported, band in here if imported} == {("Ida", 4), ("Kim", 4)}
    a.ship()
    b.receive(a)
    assert marks() == here
    snapshot = list(replica.snapshot_records())
    team_member = type(a)(tmp_path / "late", snapshot)
    team_member.use()
    assert marks() == here


def names() -> list[str]:
    return sorted(name for (name,) in database.execute_sql("SELECT name FROM lead"))


def test_an_undone_import_imported_again_reaches_teammates_and_stays_once(two, tmp_path):
    """A teammate deleted the undone import's leads for good (a tombstone wins); importing the file again
    makes leads with ids never used, so they reach the teammate too, and a third import changes nothing."""
    a, b = two
    a.use()
    sheet = tmp_path / "in.csv"
    sheet.write_text("Name,Company\nIda,Ida's Bakery\nKim,\n", encoding="utf-8")  # no email or phone: fingerprints
    first = importing.apply_import(importing.plan_import(sheet))
    a.ship()
    b.receive(a)
    assert names() == ["Ida", "Kim"]
    a.use()
    importing.undo_import(first.undo)
    a.ship()
    b.receive(a)
    assert names() == []
    a.use()
    importing.apply_import(importing.plan_import(sheet))
    assert names() == ["Ida", "Kim"]
    a.ship()
    b.receive(a)
    assert names() == ["Ida", "Kim"]
    a.use()
    again = importing.plan_import(sheet)
    assert [row.action for row in again.rows] == ["skip", "skip"]


def test_an_import_undone_and_imported_again_before_shipping_lives_on_at_teammates(two, tmp_path):
    """Undo and import again before anything ships: the teammate gets the leads once, and they stay there
    through later edits (a delete and an insert of one id in one shipment would leave a tombstone behind)."""
    a, b = two
    a.use()
    sheet = tmp_path / "in.csv"
    sheet.write_text("Name,Company\nIda,Ida's Bakery\nKim,\n", encoding="utf-8")
    first = importing.apply_import(importing.plan_import(sheet))
    importing.undo_import(first.undo)
    importing.apply_import(importing.plan_import(sheet))
    a.ship()
    b.receive(a)
    assert names() == ["Ida", "Kim"]
    a.use()
    for lead in Lead.select():
        leads.edit_lead(lead, company="Renamed")
    a.ship()
    b.receive(a)
    assert names() == ["Ida", "Kim"]
    assert {lead.company for lead in Lead.select()} == {"Renamed"}
