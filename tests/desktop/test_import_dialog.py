"""File › Import…: the preview of a real export, placing a status word, the import with its progress
and undo, and export of every lead."""
from __future__ import annotations

from pathlib import Path

import pytest

from desktop.import_dialog import ImportDialog
from models import stages
from models.tables import Lead

pytestmark = pytest.mark.gui
FILES = Path(__file__).parents[1] / "models" / "import_files"


@pytest.fixture
def own_sheet(tmp_path) -> Path:
    path = tmp_path / "my leads.csv"
    path.write_text("Name,Email,Status\nAnna Berg,anna@berg.example,Warm\nBen Cole,ben@cole.example,Quoted\n"
                    "Cat Diaz,not-an-email,Warm\n", encoding="utf-8")
    return path


def _dialog(controller, qtbot, path: Path) -> ImportDialog:
    dialog = ImportDialog(controller, path)
    qtbot.add_widget(dialog)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=5000)
    return dialog


def test_a_google_contacts_export_is_recognised_and_imported_then_undone(controller, qtbot):
    """The preview names the export, the leads it makes and how they come in; Import adds them; Undo import
    takes them back."""
    dialog = _dialog(controller, qtbot, FILES / "google_contacts.csv")
    assert "Google Contacts" in dialog.profile.text()
    assert "they count as answered; each open one gets a next step" in dialog.summary.text()
    expected = sum(1 for row in dialog.plan.rows if row.action in ("add", "merge"))
    assert expected > 0 and dialog.import_button.text() == f"Import {expected:,} leads"
    with qtbot.wait_signal(dialog.finished_import, timeout=20000):
        dialog.import_button.click()
    assert Lead.select().count() == dialog.result.added == expected
    assert dialog.undo_button.isVisibleTo(dialog)
    with qtbot.wait_signal(dialog.finished_import, timeout=20000):
        dialog.undo_button.click()
    assert Lead.select().count() == 0


def test_an_unknown_status_word_can_be_placed_on_a_stage(controller, qtbot, own_sheet):
    """'Warm' is no stage: the preview lists it; choosing Contacted for it imports those leads there."""
    dialog = _dialog(controller, qtbot, own_sheet)
    assert dialog.words.isVisibleTo(dialog) and dialog.words.rowCount() == 1
    assert dialog.words.item(0, 0).text().startswith("Warm")
    box = dialog.words.cellWidget(0, 2)
    with qtbot.wait_signal(dialog.planned, timeout=5000):
        box.setCurrentIndex(box.findData("Contacted"))
    with qtbot.wait_signal(dialog.finished_import, timeout=20000):
        dialog.import_button.click()
    anna = Lead.get(Lead.email == "anna@berg.example")
    assert anna.stage_id == stages.find_stage("Contacted").id
    cat = Lead.get(Lead.name == "Cat Diaz")  # a bad cell blanks that field only
    assert cat.email is None and "not-an-email" in dialog.problems.toPlainText()


def test_a_column_can_be_left_out(controller, qtbot, own_sheet):
    """Choosing 'leave out' for a column re-plans without it."""
    dialog = _dialog(controller, qtbot, own_sheet)
    row = next(r for r in range(dialog.columns.rowCount()) if dialog.columns.item(r, 0).text() == "Email")
    box = dialog.columns.cellWidget(row, 1)
    with qtbot.wait_signal(dialog.planned, timeout=5000):
        box.setCurrentIndex(box.findData("ignore"))
    assert "Email" in dialog.plan.ignored and all("email" not in r.fields for r in dialog.plan.rows)


def test_a_file_that_cannot_be_read_says_why(controller, qtbot, tmp_path):
    """A file that is no spreadsheet gets a sentence in the dialog, and nothing to import."""
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    dialog = ImportDialog(controller, broken)
    qtbot.add_widget(dialog)
    qtbot.waitUntil(lambda: "cannot be imported" in dialog.profile.text(), timeout=5000)
    assert not dialog.import_button.isEnabled()


def test_export_all_writes_every_lead(window, qtbot, tmp_path, monkeypatch):
    """File › Export all leads writes a CSV with every lead of the store."""
    target = tmp_path / "all.csv"
    monkeypatch.setattr("desktop.window.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), "CSV (*.csv)"))
    window.export_action.trigger()
    qtbot.waitUntil(target.exists, timeout=10000)
    window.controller.wait()
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) - 1 >= Lead.select().where(Lead.merged_into.is_null()).count() > 0


def test_a_big_import_from_the_window_makes_its_rows_in_a_forked_child(store, qapp, qtbot, tmp_path, monkeypatch):
    """The window imports on its worker thread while the UI thread holds a connection of its own; the rows made
    by the forked child arrive, that connection still reads, and Undo import takes them back."""
    from desktop.controller import Controller
    from desktop.tasks import TaskRunner
    from models import forked, import_apply

    forks, fork = [], forked.os.fork
    monkeypatch.setattr(forked.os, "fork", lambda: forks.append(1) or fork())
    monkeypatch.setattr(import_apply, "AHEAD_ROWS", 1)
    monkeypatch.setattr(import_apply, "BATCH", 5)
    path = tmp_path / "big.csv"
    path.write_text("Name,Email\n" + "".join(f"P{i},p{i}@example.com\n" for i in range(40)), encoding="utf-8")
    assert Lead.select().count() == 0  # the UI thread's own connection is open
    controller = Controller(store, TaskRunner())
    dialog = _dialog(controller, qtbot, path)
    with qtbot.wait_signal(dialog.finished_import, timeout=20000):
        dialog.import_button.click()
    assert dialog.result.added == 40 and Lead.select().count() == 40 and forks == [1]
    with qtbot.wait_signal(dialog.finished_import, timeout=20000):
        dialog.undo_button.click()
    assert Lead.select().count() == 0
    controller.deleteLater()
