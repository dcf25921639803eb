"""The write path: synced rows cannot be written around models.writes, and every committed
change (and only a committed change) is in the outbox."""
from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import peewee as pw
import pytest

from models import backup, db, history, leads, members, stage_settings, stages, writes
from models.clock import now
from models.errors import RuleError
from models.tables import SYNCED, SYNCED_TABLES, Lead, Setting, WritePathError, database


def outbox(after: int = 0) -> list[tuple]:
    return database.execute_sql(
        "SELECT tbl, row_id, op, data FROM outbox WHERE seq > ? AND op != 'baseline' ORDER BY seq", [after]).fetchall()


def snapshot() -> dict[str, list[tuple]]:
    """Every synced row, table by table, in a stable order."""
    return {table: database.execute_sql(f'SELECT * FROM "{table}" ORDER BY id').fetchall()
            for table in sorted(SYNCED_TABLES)}


def test_every_synced_table_is_in_the_guard():
    """The authorizer's table list is exactly the synced models' tables."""
    assert {model._meta.table_name for model in SYNCED} == SYNCED_TABLES


@pytest.mark.parametrize("model", SYNCED, ids=lambda m: m.__name__)
def test_peewee_write_methods_raise_on_synced_tables(store, model):
    """create/insert/update/delete/save/bulk writes on a synced model raise instead of writing unrecorded."""
    row = model.select().first() or model()
    attempts = {
        "create": lambda: model.create(id="x"),
        "insert": lambda: model.insert(id="x").execute(),
        "insert_many": lambda: model.insert_many([{"id": "x"}]).execute(),
        "replace": lambda: model.replace(id="x").execute(),
        "update": lambda: model.update(updated_at=None).execute(),
        "delete": lambda: model.delete().execute(),
        "bulk_create": lambda: model.bulk_create([model(id="x")]),
        "bulk_update": lambda: model.bulk_update([row], fields=["updated_at"]),
        "get_or_create": lambda: model.get_or_create(id="x"),
        "save": lambda: row.save(),
        "delete_instance": lambda: row.delete_instance(),
    }
    before = snapshot()
    for name, attempt in attempts.items():
        with pytest.raises(WritePathError, match="models.writes"):
            attempt()
            pytest.fail(f"{model.__name__}.{name} wrote around the write path")
    assert snapshot() == before


@pytest.mark.parametrize("table", sorted(SYNCED_TABLES))
def test_raw_sql_writes_to_synced_tables_are_refused(store, table):
    """Even hand-written SQL cannot insert, update or delete a synced row: the connection's authorizer refuses."""
    leads.add_lead("Ada", email="ada@example.com")
    members.find_member("Bea")
    before = snapshot()
    for sql in (f'UPDATE "{table}" SET updated_at = NULL', f'DELETE FROM "{table}"',
                f'INSERT INTO "{table}" (id) VALUES (\'x\')'):
        with pytest.raises(pw.DatabaseError, match="not authorized"):
            database.execute_sql(sql)
    assert snapshot() == before


def test_unsynced_tables_stay_writable(store):
    """Per-machine tables (settings) are not guarded: the guard is exact, not a blanket."""
    Setting.insert(key="k", value="v").on_conflict_replace().execute()
    database.execute_sql("UPDATE setting SET value = 'w' WHERE key = 'k'")
    assert Setting.get_by_id("k").value == "w"


def test_a_rolled_back_transaction_leaves_no_record_and_tells_no_listener(store):
    """A write whose transaction rolls back is neither in the outbox nor heard by a listener."""
    heard: list[writes.Change] = []
    writes.listeners.append(heard.append)
    mark = writes.last_seq()
    try:
        with pytest.raises(RuntimeError), database.atomic():
            leads.add_lead("Gone", email="gone@example.com")
            assert outbox(mark)  # recorded inside the transaction...
            raise RuntimeError
        assert outbox(mark) == [] and heard == []  # ...and gone with it
        leads.add_lead("Kept", email="kept@example.com")
    finally:
        writes.listeners.remove(heard.append)
    assert {c.table for c in heard} == {"lead", "activity", "follow_up"}
    assert [c.fields["name"] for c in heard if c.table == "lead"] == ["Kept"]


def test_listeners_hear_only_after_the_commit(store):
    """Inside the transaction nobody has heard yet; a rolled-back savepoint's writes are never announced."""
    heard: list[writes.Change] = []
    writes.listeners.append(heard.append)
    try:
        with database.atomic():
            lead, _ = leads.add_lead("Ann", email="ann@example.com")
            assert heard == []
            with pytest.raises(RuntimeError), database.atomic():
                leads.add_note(lead, "never happened")
                raise RuntimeError
        assert heard
    finally:
        writes.listeners.remove(heard.append)
    assert not [c for c in heard if c.table == "activity" and c.fields.get("summary") == "never happened"]
    assert not outbox() or all(json.loads(d).get("summary") != "never happened" for _t, _r, _o, d in outbox())


def test_an_update_records_the_changed_fields_with_their_old_values(store):
    """Field-level records: only what changed, the value before beside it; a no-op records nothing."""
    lead, _ = leads.add_lead("Cy", email="cy@example.com", company="Old Co")
    mark = writes.last_seq()
    writes.update(lead, company="New Co", name="Cy")
    rows = database.execute_sql("SELECT tbl, row_id, op, data, old FROM outbox WHERE seq > ?", [mark]).fetchall()
    assert len(rows) == 1
    table, row_id, op, data, old = rows[0]
    assert (table, row_id, op) == ("lead", lead.id, "update")
    assert json.loads(data).keys() == {"company", "updated_at"} and json.loads(data)["company"] == "New Co"
    assert json.loads(old)["company"] == "Old Co"
    writes.update(lead, company="New Co")
    assert writes.last_seq() == mark + 1  # the repeat changed nothing and recorded nothing


def test_an_update_compares_with_the_stored_row_not_a_stale_copy(store):
    """A stale in-memory row does not hide a real change."""
    lead, _ = leads.add_lead("Di", email="di@example.com", company="A")
    stale = Lead.get_by_id(lead.id)
    writes.update(lead, company="B")
    writes.update(stale, company="A")  # the copy still says A; the database says B
    assert Lead.get_by_id(lead.id).company == "A"


DOMAIN_OPERATIONS = {
    "add_lead": lambda lead: leads.add_lead("Eve", email="eve@example.com"),
    "edit_lead": lambda lead: leads.edit_lead(lead, company="Acme"),
    "schedule_followup": lambda lead: leads.schedule_followup(lead, now() + timedelta(days=3), "Call back"),
    "complete_followup": lambda lead: leads.complete_followup(lead, outcome="ok"),
    "move_lead": lambda lead: leads.move_lead(lead, stages.find_stage("Contacted")),
    "record_response": lambda lead: leads.record_response(lead, now()),
    "reopen_inquiry": lambda lead: leads.reopen_inquiry(lead, now()),
    "add_note": lambda lead: leads.add_note(lead, "called"),
    "merge_leads": lambda lead: leads.merge_leads(lead, leads.find_lead("twin@example.com")),
    "find_member": lambda lead: members.find_member("Newcomer"),
    "save_lost_reasons": lambda lead: stage_settings.save_lost_reasons(
        [stage_settings.ReasonEdit(None, "Too far away")]),
}


@pytest.mark.parametrize("operation", DOMAIN_OPERATIONS)
def test_every_domain_operation_is_recorded(store, operation):
    """Each rule that writes leaves records of exactly the rows it changed."""
    lead, _ = leads.add_lead("Fay", email="fay@example.com")
    leads.add_lead("Twin", email="twin@example.com")
    before, mark = snapshot(), writes.last_seq()
    DOMAIN_OPERATIONS[operation](leads.find_lead(lead.id))
    changed = {(table, row[0]) for table, rows in snapshot().items() for row in set(rows) - set(before[table])}
    gone = {(table, row[0]) for table, rows in before.items() for row in set(rows) - set(snapshot()[table])}
    recorded = {(table, row_id) for table, row_id, _op, _data in outbox(mark)}
    assert changed and changed | gone == recorded


def test_a_restore_is_a_new_baseline(store, tmp_path):
    """Restoring swaps every row outside the record, so the outbox says so."""
    leads.add_lead("Gil", email="gil@example.com")
    copy = backup.backup_to(tmp_path / "copy.sqlite3")
    backup.restore_from(store, copy)
    last = database.execute_sql("SELECT op, data FROM outbox ORDER BY seq DESC LIMIT 1").fetchone()
    assert last[0] == "baseline" and "copy.sqlite3" in json.loads(last[1])["why"]


def test_the_outbox_migration_marks_a_baseline(tmp_path):
    """A database from before the outbox gets one baseline record: its earlier rows were never recorded."""
    from models import migrations

    conn = sqlite3.connect(tmp_path / db.DB_NAME)
    for step in migrations.STEPS[:2]:
        conn.executescript(step)
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    db.open_database(tmp_path)
    try:
        assert database.execute_sql("SELECT op FROM outbox").fetchall() == [("baseline",)]
    finally:
        db.close_database()


def test_undo_restores_exactly_the_state_before(store):
    """Undo of Done puts back every row as it was (the step, the stage, the timeline) in one go."""
    lead, _ = leads.add_lead("Hal", email="hal@example.com")
    before = snapshot()
    _, token = history.undoable("Done", leads.complete_followup, leads.find_lead(lead.id), outcome="answered")
    assert token is not None and snapshot() != before
    history.undo(token)
    assert snapshot() == before


def test_undo_refuses_when_the_rows_changed_since(store):
    """A lead edited after the operation is not silently rolled back over the edit."""
    lead, _ = leads.add_lead("Ida", email="ida@example.com")
    _, token = history.undoable("Contacted", leads.move_lead, leads.find_lead(lead.id), stages.find_stage("Contacted"))
    leads.edit_lead(leads.find_lead(lead.id), company="Edited")
    before = snapshot()
    with pytest.raises(RuleError, match="changed since"):
        history.undo(token)
    assert snapshot() == before


def test_an_operation_that_writes_nothing_has_nothing_to_undo(store):
    """undoable gives no token when nothing was written."""
    lead, _ = leads.add_lead("Jo", email="jo@example.com")
    _, token = history.undoable("Edit", leads.edit_lead, leads.find_lead(lead.id), name="Jo")
    assert token is None


def test_a_write_whose_record_fails_is_not_made(store):
    """Row and record commit together: when the outbox cannot be written, the row is not written either."""
    database.execute_sql("CREATE TEMP TRIGGER full_disk BEFORE INSERT ON main.outbox "
                         "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    try:
        with pytest.raises(pw.DatabaseError, match="disk is full"):
            writes.insert(Lead, name="Kai", stage=stages.first_stage(), created_at=now(), stage_changed_at=now(),
                          last_activity_at=now())
    finally:
        database.execute_sql("DROP TRIGGER temp.full_disk")
    assert not Lead.select().where(Lead.name == "Kai").exists()


def test_gathered_updates_are_one_update_with_one_record(store):
    """Three rules changing one lead inside gathered(): the row ends as three updates would leave it, with one
    record holding the columns that changed (their first values as old), which undo takes back at once."""
    lead, _ = leads.add_lead("Gathered", email="g@example.com")
    before, original = writes.last_seq(), writes.stored_row("lead", lead.id)
    later = now() + timedelta(hours=1)
    with database.atomic():
        with writes.gathered("lead"):
            writes.update(lead, company="First")
            writes.update(lead, company="Second", last_activity_at=later)
            writes.update(lead, service="Roof", company="Second")
    row = writes.stored_row("lead", lead.id)
    assert (row["company"], row["service"], row["last_activity_at"]) == ("Second", "Roof", str(later))
    ((table, row_id, op, data),) = outbox(before)
    data, old = json.loads(data), json.loads(database.execute_sql(
        "SELECT old FROM outbox WHERE seq > ?", [before]).fetchone()[0])
    assert (table, row_id, op) == ("lead", lead.id, "update")
    assert set(data) == {"company", "service", "last_activity_at", "updated_at"}
    assert old == {c: original[c] for c in data}
    history.undo(history.Undo("gathered", before + 1, writes.last_seq()))
    assert writes.stored_row("lead", lead.id) | {"updated_at": None} == original | {"updated_at": None}


def test_gathered_updates_are_dropped_with_an_error(store):
    """An error inside gathered() writes nothing it gathered (a caller's transaction would roll it back too)."""
    lead, _ = leads.add_lead("Dropped", email="d@example.com")
    before = writes.last_seq()
    with pytest.raises(RuntimeError):
        with writes.gathered("lead"):
            writes.update(lead, company="Never")
            raise RuntimeError("a rule failed")
    assert writes.last_seq() == before and writes.stored_row("lead", lead.id)["company"] is None
