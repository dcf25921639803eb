"""An imported lead's mark (imported_at) travels as its other fields do: to a teammate by operations and in a
snapshot, so Insights there leave its first answer out too."""
from __future__ import annotations

import pytest
from test_replica import team

from models import db, importing, replica
from models.tables import database


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
