"""Schema steps applied to databases made by older versions keep what those held."""
from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime

import mail_samples as samples
import pytest

from models import db, demo, insights, known, mail, migrations, stages
from models.tables import SenderRule, database
from sync.mail.classify import classify

RULES_STEP = migrations.STEPS.index(migrations.SYNCED_RULES)
AT = datetime(2026, 6, 1, 12, 0)


@pytest.fixture
def before_synced_rules(tmp_path):
    """A data folder at the schema before review rules were synced, with two rules, opened (so upgraded)."""
    raw = sqlite3.connect(tmp_path / db.DB_NAME)
    raw.executescript("".join(migrations.STEPS[:RULES_STEP]) + f"""
        INSERT INTO sender_rule VALUES ('@spam-agency.example', 'ignored', '2026-01-05 10:00:00');
        INSERT INTO sender_rule VALUES ('chris.park@partner-firm.example', 'lead', '2026-02-01 09:30:00');
        PRAGMA user_version = {RULES_STEP};""")
    raw.close()
    db.open_database(tmp_path)
    yield
    db.close_database()


def test_review_rules_survive_becoming_synced_rows(before_synced_rules):
    """Existing rules keep pattern, action and time, get UUID ids, and classification still follows them."""
    assert known.rules() == {"@spam-agency.example": "ignored", "chris.park@partner-firm.example": "lead"}
    rows = list(SenderRule.select().order_by(SenderRule.pattern))
    assert [str(r.created_at) for r in rows] == ["2026-01-05 10:00:00", "2026-02-01 09:30:00"]
    assert all(uuid.UUID(r.id).version == 4 and str(uuid.UUID(r.id)) == r.id for r in rows)
    assert rows[0].updated_at == rows[0].created_at
    verdict = classify(samples.personal(name="Dana Kim", email="dana@spam-agency.example"), known=mail.DbKnown())
    assert verdict.verdict == "ignored"
    assert classify(samples.personal(), known=mail.DbKnown()).verdict == "lead"


def test_migrated_rules_are_recorded_so_a_team_gets_them(before_synced_rules):
    """The copied rows are in the outbox as inserts (a device already in a team ships them)."""
    recorded = database.execute_sql("SELECT row_id, data FROM outbox WHERE tbl = 'sender_rule' AND op = 'insert'")
    assert {json.loads(data)["pattern"]: row_id for row_id, data in recorded} == {
        r.pattern: r.id for r in SenderRule.select()}


def test_a_new_decision_on_a_migrated_pattern_updates_its_row(before_synced_rules):
    """Deciding again on a migrated pattern changes that row's action instead of adding a second row."""
    with database.atomic():
        mail._set_rule("@spam-agency.example", "lead")
    assert SenderRule.select().where(SenderRule.pattern == "@spam-agency.example").count() == 1
    assert known.rules()["@spam-agency.example"] == "lead"


def test_insight_rows_are_filled_for_an_existing_database(tmp_path):
    """A database from before the insights' derived rows gets them for every lead and stay it holds."""
    db.open_database(tmp_path)
    stages.ensure_defaults()
    demo.generate(80, seed=5)
    before = insights.report_record(insights.report(insights.Filters(), at=AT))
    step = migrations.STEPS.index(migrations.INSIGHT_ROWS)
    objects = database.execute_sql("SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view', 'table') "
                                   "AND (name LIKE 'insight_lead%' OR name LIKE 'stage_stay%')").fetchall()
    for kind, name in sorted(objects, key=lambda o: o[0] == "table"):  # the table last: it drops its indexes
        database.execute_sql(f"DROP {kind} {name}")
    database.execute_sql("DROP INDEX lead_open_insights")
    database.execute_sql("DROP INDEX lead_insights")  # and what the later step IMPORTED adds, which runs again
    database.execute_sql("ALTER TABLE lead DROP COLUMN imported_at")
    database.execute_sql(f"PRAGMA user_version = {step}")
    db.close_database()
    db.open_database(tmp_path)
    try:
        for table in ("insight_lead", "stage_stay"):
            derived = database.execute_sql(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert derived and derived == database.execute_sql(f"SELECT count(*) FROM {table}_source").fetchone()[0]
        assert insights.report_record(insights.report(insights.Filters(), at=AT)) == before
    finally:
        db.close_database()
