"""First run's "Try with demo data": the demo leads go to a folder of their own, never the user's."""
from __future__ import annotations

import sqlite3

from desktop import first_run
from desktop.first_run import DEMO_LEADS, FirstRunDialog
from models import settings
from models.preferences import needs_first_run
from models.tables import Lead


def test_demo_data_opens_in_its_own_folder(controller, qtbot, monkeypatch):
    """The demo leads land in "<folder> demo", opened in its own process; this folder stays empty but named."""
    launched = []
    monkeypatch.setattr(first_run, "launch", launched.append)
    dialog = FirstRunDialog(controller)
    qtbot.add_widget(dialog)
    dialog.name.setText("Sam Baker")
    with qtbot.wait_signal(dialog.demo_loaded, timeout=60000):
        dialog.demo_button.click()
    folder = controller.data_dir.with_name(controller.data_dir.name + " demo")
    assert launched == [folder] and dialog.demo_dir == folder
    assert Lead.select().count() == 0
    assert settings.get("user_name") == "Sam Baker" and not needs_first_run()
    with sqlite3.connect(folder / "leadbook.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM lead").fetchone()[0] == DEMO_LEADS
        assert conn.execute("SELECT value FROM setting WHERE key = 'demo_data'").fetchone() == ("1",)


def test_a_failed_demo_says_why(controller, qtbot, monkeypatch, tmp_path):
    """When the demo folder cannot be made, the dialog says so and its buttons work again."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(first_run, "launch", lambda folder: None)
    monkeypatch.setattr(controller, "data_dir", blocker / "Leadbook")  # a folder inside a file: cannot exist
    dialog = FirstRunDialog(controller)
    qtbot.add_widget(dialog)
    dialog.demo_button.click()
    qtbot.waitUntil(lambda: dialog.demo_button.isEnabled(), timeout=60000)
    assert "could not be added" in dialog.status.text() and dialog.demo_dir is None


def test_enter_on_the_name_starts_without_mail(controller, qtbot):
    """Typing a name and pressing Enter finishes the first run in one step: no mail form, the name kept."""
    from PySide6.QtCore import Qt

    dialog = FirstRunDialog(controller)
    qtbot.add_widget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.name.setFocus()
    qtbot.keyClicks(dialog.name, "Robin Hale")
    with qtbot.wait_signal(dialog.accepted, timeout=3000):
        qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    controller.wait()
    assert dialog.account_dialog is None
    assert settings.get("user_name") == "Robin Hale" and not needs_first_run()


def test_start_with_no_name_still_ends_the_first_run(controller, qtbot, monkeypatch):
    """Start with the name left blank signs as the computer account and does not ask again next time."""
    monkeypatch.setattr(settings, "user_name", lambda: "Robin from the computer")
    dialog = FirstRunDialog(controller)
    qtbot.add_widget(dialog)
    dialog.start_button.click()
    controller.wait()
    assert settings.get("user_name") == "Robin from the computer" and not needs_first_run()
