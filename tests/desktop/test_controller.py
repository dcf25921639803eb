"""The controller: one transaction a write, the project's own errors, its signals emitted only by itself."""
from __future__ import annotations

import pytest

from models import leads, writes
from models.errors import RuleError
from models.tables import Lead, database

pytestmark = pytest.mark.gui


def _signals(controller) -> tuple[list, list]:
    messages, changes = [], []
    controller.message.connect(lambda level, text: messages.append((level, text)))
    controller.data_changed.connect(lambda: changes.append(True))
    return messages, changes


def test_a_write_is_one_transaction(controller):
    """A write that fails half-way leaves nothing behind and refreshes nobody."""
    messages, changes = _signals(controller)

    def half_way() -> None:
        leads.add_lead("Half", email="half@example.com")
        raise RuleError("Stopped half-way.")

    controller.write(half_way)
    assert not Lead.select().where(Lead.name == "Half").exists()
    assert messages == [("error", "Stopped half-way.")] and changes == []


def test_a_database_failure_arrives_as_one_sentence(controller):
    """A peewee/sqlite error becomes the project's StoreError text, not a traceback."""
    messages, _ = _signals(controller)
    controller.read(lambda: database.execute_sql("SELECT * FROM no_such_table"), lambda _r: None)
    assert len(messages) == 1 and messages[0][0] == "error"
    assert messages[0][1].startswith("Database error") and "no_such_table" in messages[0][1]


def test_failed_hears_every_error_and_success_refreshes(controller):
    """A form's failed callback gets rule errors and unexpected ones; a success informs and refreshes."""
    messages, changes = _signals(controller)
    seen: list[str] = []
    controller.write(lambda: 1 / 0, failed=seen.append)
    controller.write(lambda: writes.last_seq(), success="Saved.")
    assert len(seen) == 1 and "division by zero" in seen[0] and "Nothing was changed" in seen[0]
    assert messages == [("info", "Saved.")] and changes == [True]


def test_todays_read_ahead_is_taken_once_and_dropped_by_a_write(store, qapp):
    """The start-up read of Today is handed to the first taker only, and a write makes it stale: after one
    the view must read again."""
    from desktop.controller import Controller
    from desktop.tasks import TaskRunner

    ctrl = Controller(store, TaskRunner(synchronous=True), first_today="today as read at start")
    assert ctrl.take_first_today() == "today as read at start" and ctrl.take_first_today() is None

    for work in (lambda c: c.write(lambda: leads.add_lead("Written", email="w@example.com")),
                 lambda c: c.run(lambda: None, changes_data=True)):  # a mail pass writes in transactions of its own
        ctrl = Controller(store, TaskRunner(synchronous=True), first_today="stale")
        work(ctrl)
        assert ctrl.take_first_today() is None
    ctrl.deleteLater()


def test_work_asked_before_the_store_opens_waits_for_it(store, qapp):
    """Started with Today read ahead, the store opens only when asked (after Today's first paint): reads,
    writes and runs asked for before then run once it is open, in order, each finishing as usual."""
    from desktop.controller import Controller
    from desktop.tasks import TaskRunner
    from models import db

    db.close_database()
    ctrl = Controller(store, TaskRunner(synchronous=True), first_today=(False, None))
    done = []
    ctrl.read(lambda: Lead.select().count(), lambda count: done.append(("read", count)))
    ctrl.write(lambda: leads.add_lead("Waited", email="waited@example.com"), lambda _lead: done.append("write"))
    ctrl.run(lambda: Lead.select().count(), lambda count: done.append(("run", count)))
    assert done == [] and database.is_closed()
    ctrl.open_store()
    assert done == [("read", 0), "write", ("run", 1)]
    ctrl.read(lambda: "now", done.append)
    assert done[-1] == "now"
    ctrl.deleteLater()
