"""The shell around the views: quick switcher, new lead form, tray badge, search."""
from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from desktop.lead_form import NewLeadDialog
from desktop.switcher import HitModel, QuickSwitcher
from desktop.tray import Tray, badge_icon
from models import leads, search, today
from models.contacts import display_phone
from models.tables import Lead

pytestmark = pytest.mark.gui


@pytest.fixture
def host(qtbot):
    window = QMainWindow()
    qtbot.add_widget(window)
    window.resize(1000, 700)
    window.show()
    return window


@pytest.fixture
def switcher(demo_controller, host, qtbot):
    widget = QuickSwitcher(demo_controller, host)
    qtbot.add_widget(widget)
    widget.popup()
    return widget


def _type(qtbot, switcher: QuickSwitcher, text: str) -> list[str]:
    """Type into the switcher, wait for the debounced query, return the ids shown."""
    with qtbot.wait_signal(switcher.results_shown, timeout=2000):
        qtbot.keyClicks(switcher.edit, text)
    return [hit.id for hit in switcher.model.items()]


def _unique_lead(**where) -> Lead:
    """A demo lead whose last name and email are its own."""
    names: dict[str, int] = {}
    for lead in Lead.select():
        last = lead.name.split()[-1].lower()
        names[last] = names.get(last, 0) + 1
    return next(lead for lead in Lead.select().where(Lead.email.is_null(False), Lead.phone.is_null(False))
                if names[lead.name.split()[-1].lower()] == 1)


def test_switcher_finds_by_part_of_the_name(switcher, qtbot):
    """Typing part of a last name finds the lead."""
    lead = _unique_lead()
    last = lead.name.split()[-1]
    assert lead.id in _type(qtbot, switcher, last[: max(3, len(last) - 1)])


def test_switcher_finds_by_email_and_enter_opens(switcher, qtbot):
    """An email address finds its lead first, and Enter opens it and closes the switcher."""
    lead = _unique_lead()
    assert _type(qtbot, switcher, lead.email)[0] == lead.id
    with qtbot.wait_signal(switcher.controller.lead_opened, timeout=1000) as blocker:
        qtbot.keyClick(switcher.edit, Qt.Key.Key_Return)
    assert blocker.args == [lead.id]
    assert not switcher.isVisible()


def test_switcher_finds_by_phone_typed_with_spaces(switcher, qtbot):
    """A phone number typed with spaces (+49 30 1234567) finds the lead stored as E.164."""
    lead = _unique_lead()
    typed = display_phone(lead.phone)
    assert " " in typed
    assert _type(qtbot, switcher, typed)[0] == lead.id


def test_switcher_escape_closes(switcher, qtbot):
    """Esc closes the switcher without opening anything."""
    qtbot.keyClick(switcher.edit, Qt.Key.Key_Escape)
    assert not switcher.isVisible()


def test_switcher_model_passes_qtmodeltester(demo, qtmodeltester):
    """The switcher's list model keeps Qt's item-model contract."""
    model = HitModel()
    model.set_items(search.find_leads("an"))
    assert model.rowCount() > 1  # checked with hits in
    qtmodeltester.check(model, force_py=True)


def test_search_ranks_exact_and_prefix_matches(store):
    """find_leads: exact email first, name prefixes before substrings, never a merged lead."""
    anna, _ = leads.add_lead("Anna Schmidt", email="anna@schmidt.de", phone="+49 30 1234567", company="Bäckerei")
    hanna, _ = leads.add_lead("Hanna Berg", email="hb@example.com")
    twin, _ = leads.add_lead("Anna Twin", email="twin@example.com")
    leads.merge_leads(anna, twin)
    assert [h.id for h in search.find_leads("anna@schmidt.de")] == [anna.id]
    assert [h.name for h in search.find_leads("ann")] == ["Anna Schmidt", "Hanna Berg"]
    assert [h.id for h in search.find_leads("schmi")] == [anna.id]
    assert [h.id for h in search.find_leads("030 1234567")] == [anna.id] or \
        [h.id for h in search.find_leads("+49 30 1234567")] == [anna.id]
    assert [h.id for h in search.find_leads("1234567")] == [anna.id]
    assert search.find_leads("   ") == []
    assert search.find_leads("100%_") == []


def test_search_is_fast_on_demo_data(demo):
    """Prefix lookups stay well under the debounce interval (the 100k figure is in the report)."""
    search.find_leads("a")  # creates the indexes once
    started = time.perf_counter()
    for text in ("an", "mar", "gmail", "+1", "zzzq"):
        search.find_leads(text)
    assert (time.perf_counter() - started) / 5 < 0.05


def test_new_lead_warns_about_a_duplicate(demo_controller, qtbot):
    """Typing an open lead's email shows who has it and that the inquiry joins their timeline."""
    twin = Lead.select().where(Lead.status == "open", Lead.email.is_null(False)).first()
    dialog = NewLeadDialog(demo_controller)
    qtbot.add_widget(dialog)
    dialog.show()
    dialog.name.setText("Someone Else")
    qtbot.keyClicks(dialog.email, twin.email.upper())
    qtbot.waitUntil(dialog.warning.isVisible, timeout=2000)
    text = dialog.warning.text()
    assert twin.name in text and f"(open, {twin.stage.name})" in text and "their timeline" in text
    assert dialog.save_button.text() == f"Add to {twin.name}"


def test_new_lead_validates_and_saves(demo_controller, qtbot):
    """A bad email blocks saving; a good form saves a normalised lead and opens it."""
    dialog = NewLeadDialog(demo_controller)
    qtbot.add_widget(dialog)
    dialog.show()
    dialog.name.setText("Greta Neumann")
    dialog.email.setText("greta@")
    assert not dialog.save_button.isEnabled() and dialog.email_error.isVisibleTo(dialog)
    dialog.email.setText("Greta@Neumann-Bau.DE")
    dialog.phone.setText("+49 170 1234567")
    dialog.company.setText("Neumann Bau")
    assert dialog.save_button.isEnabled() and not dialog.email_error.isVisibleTo(dialog)
    with qtbot.wait_signal(demo_controller.lead_opened, timeout=2000) as blocker:
        dialog.save_button.click()
    lead = Lead.get_by_id(blocker.args[0])
    assert (lead.name, lead.email, lead.phone, lead.company) == (
        "Greta Neumann", "greta@neumann-bau.de", "+491701234567", "Neumann Bau")
    assert dialog.result() == NewLeadDialog.DialogCode.Accepted


def test_new_lead_save_failure_is_shown_in_the_form(demo_controller, qtbot, monkeypatch):
    """A save the rules refuse is explained beside the form, which stays open for another try."""
    from desktop import lead_form
    from models.errors import RuleError

    def refuse(fields):
        raise RuleError("That inquiry was already added.")

    monkeypatch.setattr(lead_form, "save_lead", refuse)
    dialog = NewLeadDialog(demo_controller)
    qtbot.add_widget(dialog)
    dialog.show()
    dialog.name.setText("Greta Neumann")
    dialog.save_button.click()
    assert dialog.warning.isVisible() and "already added. Nothing was saved." in dialog.warning.text()
    assert dialog.save_button.isEnabled() and dialog.result() != NewLeadDialog.DialogCode.Accepted
    assert not Lead.select().where(Lead.name == "Greta Neumann").exists()


def test_tray_count_equals_total_due(demo_controller, host, qtbot):
    """The tray's count is Today's total due, and follows data changes."""
    tray = Tray(demo_controller, host)
    assert tray.count == today.today().total_due() > 0
    leads.add_lead("Fresh Inquiry", email="fresh@example.com")
    with qtbot.wait_signal(tray.count_changed, timeout=1000):
        demo_controller.refresh()
    assert tray.count == today.today().total_due()
    assert not badge_icon(tray.count, urgent=True).isNull()


def test_tray_notify_falls_back_to_the_status_bar(demo_controller, host, qtbot):
    """Without a system tray a notification still reaches the user through controller.message."""
    tray = Tray(demo_controller, host)
    if tray.icon is not None:
        pytest.skip("a real system tray is available here")
    with qtbot.wait_signal(demo_controller.message, timeout=1000) as blocker:
        tray.notify("New inquiry", "Anna Schmidt: kitchen renovation")
    assert blocker.args == ["info", "New inquiry: Anna Schmidt: kitchen renovation"]


def test_main_window_opens_on_today(window, qtbot):
    """The main window starts on Today with demo rows, and Ctrl+K opens the switcher."""
    window.show()
    view = window.view("today")
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=2000)
    assert window.stack.currentWidget() is view
    window.switch_action.trigger()
    assert window.switcher.isVisible()


def test_stylesheet_and_icons_load(demo_controller, qapp, qtbot):
    """Every icon the views use exists, and the stylesheet applies without a Qt warning."""
    from desktop import resources
    from desktop.today_view import TodayView

    names = ["leadbook", "today", "board", "leads", "review", "insights", "add", "search", "done", "snooze",
             "open", "email", "call", "settings", "note", "won", "lost", "mail", "warning"]
    assert all(not resources.icon(name).pixmap(24, 24).isNull() for name in names)
    qapp.setStyleSheet(resources.stylesheet())
    try:
        view = TodayView(demo_controller)
        qtbot.add_widget(view)
        view.show()
        view.refresh()
        dialog = NewLeadDialog(demo_controller)
        qtbot.add_widget(dialog)
        dialog.show()
        dialog.email.setText("not-an-email")
        assert view.grab().width() > 0
    finally:
        qapp.setStyleSheet("")


def test_a_database_it_cannot_open_is_explained_in_a_window(tmp_path, qapp, monkeypatch):
    """Started on a database from a newer Leadbook, the app shows the one-sentence reason and exits 1."""
    import sqlite3

    from PySide6.QtWidgets import QMessageBox

    from desktop import app as desktop_app

    con = sqlite3.connect(tmp_path / "leadbook.sqlite3")
    con.execute("PRAGMA user_version = 99")
    con.close()
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    assert desktop_app.run(tmp_path) == 1
    assert len(shown) == 1 and "newer Leadbook" in shown[0]


def test_a_demo_folder_says_so_in_the_title(window, qtbot):
    """Demo data (made by `leadbook demo`) is labelled in the window title; a real folder is plain 'Leadbook'."""
    from desktop.window import DEMO_TITLE

    window.show()
    qtbot.waitUntil(lambda: window.windowTitle() == DEMO_TITLE, timeout=3000)


def test_a_real_folder_keeps_the_plain_title(controller, qtbot):
    """A folder without demo data is titled plain 'Leadbook'."""
    from PySide6.QtCore import QSettings

    from desktop.window import MainWindow

    win = MainWindow(controller, QSettings(str(controller.data_dir / "window.ini"), QSettings.Format.IniFormat))
    qtbot.add_widget(win)
    win.show()
    qtbot.wait(50)
    controller.wait()
    assert win.windowTitle() == "Leadbook"
