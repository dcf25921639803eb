"""The outbox is the whole story: replaying its records onto an empty database gives the same rows,
whatever sequence of domain operations (undo included) wrote them."""
from __future__ import annotations

import json
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import db, history, leads, stages, writes
from models.clock import now
from models.errors import LeadbookError
from models.tables import SYNCED_TABLES, database

OPERATIONS = ("add", "edit", "snooze", "done", "move", "note", "merge", "reply", "undo")
steps = st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 50), st.integers(0, 50)), max_size=14)


def snapshot() -> dict[str, list[tuple]]:
    return {table: database.execute_sql(f'SELECT * FROM "{table}" ORDER BY id').fetchall()
            for table in sorted(SYNCED_TABLES)}


def run(step: tuple[str, int, int], undos: list[history.Undo]) -> None:
    """One domain operation on the lead picked by the numbers; rule errors are part of the game."""
    kind, a, b = step
    live = [lead.id for lead in leads.live().order_by(leads.Lead.created_at, leads.Lead.id)]
    if kind == "add" or not live:
        leads.add_lead(f"Lead {a}", email=f"p{a % 7}@example.com" if b % 2 else None, company=f"Co {b}")
        return
    lead = leads.find_lead(live[a % len(live)])
    if kind == "undo":
        if undos:
            history.undo(undos.pop())
        return
    everything = stages.all_stages()
    operation = {
        "edit": lambda: leads.edit_lead(lead, company=f"Co {b}", value=float(b)),
        "snooze": lambda: leads.schedule_followup(lead, now() + timedelta(hours=b)),
        "done": lambda: leads.complete_followup(lead, outcome=f"outcome {b}", next_due=now() + timedelta(days=1)),
        "move": lambda: leads.move_lead(lead, everything[b % len(everything)], reason="Price", value=float(b)),
        "note": lambda: leads.add_note(lead, f"note {b}"),
        "merge": lambda: leads.merge_leads(lead, leads.find_lead(live[b % len(live)])),
        "reply": lambda: leads.record_response(lead, now()),
    }[kind]
    _, token = history.undoable(kind, operation)
    if token is not None:
        undos.append(token)


def replay(records: list[tuple]) -> None:
    with database.atomic():
        for table, row_id, op, data in records:
            if op == "insert":
                writes.insert_rows(table, [json.loads(data)])
            elif op == "update":
                writes.update_row(table, row_id, json.loads(data), stamp=False)
            elif op == "delete":
                writes.delete_row(table, row_id)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_replaying_the_outbox_onto_an_empty_database_gives_the_same_rows(sequence):
    """Any sequence of operations: the records alone rebuild every synced row exactly."""
    with tempfile.TemporaryDirectory() as folder:
        db.open_database(Path(folder) / "a")
        stages.ensure_defaults()
        undos: list[history.Undo] = []
        for step in sequence:
            try:
                with database.atomic():
                    run(step, undos)
            except LeadbookError:
                pass  # refused by a rule: rolled back, and so unrecorded
        expected = snapshot()
        records = database.execute_sql(
            "SELECT tbl, row_id, op, data FROM outbox WHERE op != 'baseline' ORDER BY seq").fetchall()
        db.open_database(Path(folder) / "b")
        try:
            replay(records)
            assert snapshot() == expected
        finally:
            db.close_database()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps, st.tuples(st.sampled_from(OPERATIONS[1:-1]), st.integers(0, 50), st.integers(0, 50)))
def test_undo_right_after_any_operation_restores_every_row(sequence, last):
    """Whatever came before, undoing the latest operation leaves every synced row as it was before it."""
    with tempfile.TemporaryDirectory() as folder:
        db.open_database(folder)
        try:
            stages.ensure_defaults()
            undos: list[history.Undo] = []
            for step in [*sequence, ("add", 1, 1)]:
                try:
                    with database.atomic():
                        run(step, undos)
                except LeadbookError:
                    pass
            before, undos = snapshot(), []
            try:
                with database.atomic():
                    run(last, undos)
            except LeadbookError:
                return
            if undos:
                with database.atomic():
                    history.undo(undos[0])
            assert snapshot() == before
        finally:
            db.close_database()
