"""The window's first read, in a process of its own (models.first_read)."""
from __future__ import annotations

import os
import time

from models import leads, settings
from models.first_read import ReadAhead, first_screen
from models.tables import Lead, database


def test_a_read_ahead_answers_from_another_process_and_leaves_this_connection_alone(store):
    """The read runs in a child with its own read-only connection; the parent's connection, open while it
    forked, still reads and writes afterwards."""
    leads.add_lead("Early Bird", email="early@example.com")
    ahead = ReadAhead(store, lambda: ([lead.name for lead in Lead.select()], os.getpid()))
    names, pid = ahead.answer()
    assert names == ["Early Bird"] and pid != os.getpid()
    leads.add_lead("Late Owl", email="late@example.com")
    assert Lead.select().count() == 2


def test_no_answer_leaves_the_window_to_its_usual_start(store, tmp_path):
    """No database yet (and none made by the child), an older schema (the parent's to upgrade), a query that
    fails in the child, or a child that stalls past the deadline: no answer, and no waiting past it."""
    assert ReadAhead(tmp_path / "new", lambda: "read").answer() is None
    assert not (tmp_path / "new").exists()

    current = database.execute_sql("PRAGMA user_version").fetchone()[0]
    database.execute_sql(f"PRAGMA user_version = {current - 1}")
    try:
        assert ReadAhead(store, lambda: "read").answer() is None
    finally:
        database.execute_sql(f"PRAGMA user_version = {current}")
    assert ReadAhead(store, lambda: "read").answer() == "read"

    assert ReadAhead(store, lambda: database.execute_sql("SELECT name FROM nowhere")).answer() is None

    stalled = ReadAhead(store, lambda: time.sleep(30))
    stalled.DEADLINE = 0.5
    started = time.monotonic()
    assert stalled.answer() is None and time.monotonic() - started < 5


def test_the_first_screen_is_today_with_its_contact_lines_unless_the_first_run_comes_first(store):
    """A folder nobody has set up gets no first screen (the first-run dialog comes first); afterwards it is
    Today as this machine sees it, every item with its contact line."""
    assert first_screen() is None
    settings.put("user_name", "Dana")
    leads.add_lead("Ada Phone", phone="+49 30 1234567")
    mine, result = first_screen()
    item = result.sections["respond_now"][0]
    assert mine is False and item.name == "Ada Phone"
    assert result.contacts == {item.lead_id: "+49 30 1234567"}
