"""The Today view: its model, sections from real demo data, and the done/snooze/open/email actions."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from keyboard import tab_stops
from PySide6.QtCore import QModelIndex, Qt, QUrlQuery
from PySide6.QtGui import QDesktopServices

from desktop import followup_dialogs
from desktop.today_model import CONTACT_ROLE, ITEM_ROLE, TodayModel
from desktop.today_view import EMPTY_TEXT, TodayView, mailto_url
from models import leads, members, today, today_items, writes
from models.clock import local_day_bounds, now
from models.tables import FollowUp, Lead
from models.timeline import timeline

pytestmark = pytest.mark.gui


@pytest.fixture
def view(demo_controller, qtbot):
    widget = TodayView(demo_controller)
    qtbot.add_widget(widget)
    widget.resize(1100, 700)
    widget.show()
    widget.refresh()
    return widget


def _item_index(view: TodayView, section: str) -> QModelIndex:
    """The first row of a section, made current."""
    for item in view.model.today.sections[section]:
        index = view.model.find(item.lead_id, section)
        view.tree.setCurrentIndex(index)
        return index
    raise AssertionError(f"no {section} item in the demo data")


def _pending(lead_id: str) -> list[FollowUp]:
    return list(FollowUp.select().where((FollowUp.lead == lead_id) & FollowUp.done_at.is_null()))


def test_model_passes_qtmodeltester(demo, qtmodeltester):
    """The Today tree model keeps Qt's item-model contract."""
    model = TodayModel()
    model.set_today(today.today())
    assert model.rowCount() > 1  # checked with sections in
    qtmodeltester.check(model, force_py=True)


def test_sections_and_counts_from_demo_data(view):
    """Built from a real database, the view shows each non-empty section with the query's counts."""
    expected = today.today()
    model = view.model
    shown = [model.index(row, 0).data(Qt.ItemDataRole.UserRole + 2) for row in range(model.rowCount())]
    assert shown == [name for name in today_items.SECTIONS if expected.sections[name]]
    assert "respond_now" in shown and "overdue" in shown
    for row, name in enumerate(shown):
        header = model.index(row, 0)
        assert header.data(Qt.ItemDataRole.UserRole + 3) == expected.counts[name]
        assert model.rowCount(header) == len(expected.sections[name])
        assert f"({expected.counts[name]})" in header.data()
    assert view.summary.text() == f"{expected.total_due():,} to do"
    assert view.current_item() is not None  # the first row is ready for the keyboard


def test_done_with_next_step_writes_the_database(view, qtbot):
    """Done with a chosen next step ticks off the old follow-up and adds a pending one on that date."""
    _item_index(view, "overdue")
    item = view.current_item()
    old = _pending(item.lead_id)[0]
    qtbot.keyClick(view.tree, Qt.Key.Key_D)
    dialog = view.done_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.outcome.setText("Called, they need a week")
    dialog.next_title.setText("Call again")
    picked = date.today() + timedelta(days=5)
    dialog.choose(day=picked)
    with qtbot.wait_signal(view.loaded, timeout=2000):
        dialog.ok.click()
    assert FollowUp.get_by_id(old.id).done_at is not None
    assert FollowUp.get_by_id(old.id).outcome == "Called, they need a week"
    (new,) = _pending(item.lead_id)
    assert new.title == "Call again"
    assert local_day_bounds(picked)[0] <= new.due < local_day_bounds(picked)[1]
    assert view.undo_bar.isVisibleTo(view)


def test_done_closing_as_lost_needs_a_reason(view, qtbot):
    """Closing as Lost is refused without a reason and then records the chosen one."""
    _item_index(view, "overdue")
    item = view.current_item()
    view.act("done")
    dialog = view.done_dialog
    dialog.kind_group.button(dialog.LOST).setChecked(True)
    assert not dialog.ok.isEnabled()  # no reason chosen yet
    dialog.reason.setCurrentIndex(dialog.reason.findData("Went with a competitor"))
    assert dialog.ok.isEnabled()
    dialog.ok.click()
    lead = Lead.get_by_id(item.lead_id)
    assert (lead.status, lead.lost_reason) == ("lost", "Went with a competitor")
    assert _pending(item.lead_id) == []
    assert view.model.find(item.lead_id, "overdue") == QModelIndex()


def test_snooze_tomorrow_moves_the_due_date(view, qtbot):
    """S opens the snooze menu; Tomorrow moves the pending step to 09:00 tomorrow."""
    _item_index(view, "overdue")
    item = view.current_item()
    qtbot.keyClick(view.tree, Qt.Key.Key_S)
    menu = view.snooze_menu
    assert menu is not None
    menu.action_for("tomorrow").trigger()
    menu.close()
    (pending,) = _pending(item.lead_id)
    assert pending.due == followup_dialogs.at_workday_start(date.today() + timedelta(days=1))
    assert view.model.find(item.lead_id, "overdue") == QModelIndex()


def test_undo_restores_a_snoozed_step(view, qtbot):
    """Ctrl+Z after a snooze puts the follow-up back on its old date."""
    _item_index(view, "overdue")
    item = view.current_item()
    before = _pending(item.lead_id)[0]
    view.snooze_to(item, followup_dialogs.at_workday_start(date.today() + timedelta(days=3)))
    assert _pending(item.lead_id)[0].due != before.due
    view.tree.setFocus()
    qtbot.keyClick(view.tree, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    after = _pending(item.lead_id)[0]
    assert (after.id, after.due, after.title) == (before.id, before.due, before.title)
    assert view.model.find(item.lead_id, "overdue").isValid()


def test_undo_after_responding_puts_the_inquiry_back(view, qtbot):
    """Ctrl+Z after ticking off "Respond to inquiry" returns the lead to New, unanswered, in Respond now."""
    _item_index(view, "respond_now")
    item = view.current_item()
    view.act("done")
    with qtbot.wait_signal(view.loaded, timeout=2000):
        view.done_dialog.ok.click()
    lead = Lead.get_by_id(item.lead_id)
    assert lead.first_response_at is not None and lead.stage.name == "Contacted"
    view.tree.setFocus()
    with qtbot.wait_signal(view.loaded, timeout=2000):
        qtbot.keyClick(view.tree, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    lead = Lead.get_by_id(item.lead_id)
    assert lead.first_response_at is None and lead.stage.name == "New"
    assert [f.title for f in _pending(item.lead_id)] == ["Respond to inquiry"]
    assert view.model.find(item.lead_id, "respond_now").isValid()


def test_enter_opens_the_lead(view, qtbot):
    """Enter on a row emits controller.lead_opened with that row's lead id."""
    _item_index(view, "respond_now")
    item = view.current_item()
    with qtbot.wait_signal(view.controller.lead_opened, timeout=1000) as blocker:
        qtbot.keyClick(view.tree, Qt.Key.Key_Return)
    assert blocker.args == [item.lead_id]


def test_arrow_keys_skip_section_headers(view, qtbot):
    """Down from the last row of a section lands on the first row of the next one."""
    model = view.model
    first_section = model.index(0, 0)
    last = model.index(model.rowCount(first_section) - 1, 0, first_section)
    view.tree.setCurrentIndex(last)
    qtbot.keyClick(view.tree, Qt.Key.Key_Down)
    current = view.tree.currentIndex()
    assert current.parent() == model.index(1, 0) and current.row() == 0


def test_email_action_builds_a_reply_mailto(view, qtbot, monkeypatch):
    """E opens the mail client on mailto:<address>?subject=Re: …, properly encoded."""
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    index = next(view.model.find(i.lead_id, "respond_now") for i in view.model.today.sections["respond_now"]
                 if i.email)
    view.tree.setCurrentIndex(index)
    item = index.data(ITEM_ROLE)
    qtbot.keyClick(view.tree, Qt.Key.Key_E)
    (url,) = opened
    assert url.scheme() == "mailto" and url.path() == item.email
    subject = QUrlQuery(url).queryItemValue("subject", QUrl_decoded())
    assert subject.startswith("Re: ")
    assert " " not in url.toString(QUrl_encoded())  # spaces are percent-encoded


def test_mailto_url_encodes_awkward_subjects():
    """Ampersands, question marks, hashes and umlauts survive the mailto round trip."""
    url = mailto_url("anna@example.com", "Re: Küche & Bad? #2")
    encoded = bytes(url.toEncoded()).decode()
    assert encoded == "mailto:anna@example.com?subject=Re%3A%20K%C3%BCche%20%26%20Bad%3F%20%232"
    assert QUrlQuery(url).queryItemValue("subject", QUrl_decoded()) == "Re: Küche & Bad? #2"


def test_call_action_opens_tel(view, qtbot, monkeypatch):
    """C dials the row's phone number through a tel: link."""
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    index = next(view.model.find(i.lead_id, s) for s in today_items.SECTIONS[:-1]
                 for i in view.model.today.sections[s] if i.phone)
    view.tree.setCurrentIndex(index)
    qtbot.keyClick(view.tree, Qt.Key.Key_C)
    assert [u.toString() for u in opened] == [f"tel:{index.data(ITEM_ROLE).phone}"]


def test_empty_today_says_what_to_do(controller, qtbot):
    """With nothing to do, Today says so and points at Settings and Ctrl+N."""
    lead, _ = leads.add_lead("Later", email="later@example.com", received_at=now() - timedelta(days=3))
    leads.complete_followup(lead, next_due=now() + timedelta(days=3))  # answered, next step in three days
    done = FollowUp.get((FollowUp.lead == lead.id) & FollowUp.done_at.is_null(False))
    writes.update(done, done_at=now() - timedelta(days=2))  # and not today: nothing due, nothing done today
    widget = TodayView(controller)
    qtbot.add_widget(widget)
    widget.show()
    widget.refresh()
    assert widget.stack.currentWidget() is widget.empty
    assert widget.empty.text() == EMPTY_TEXT
    assert "Ctrl+N" in widget.empty.text()


def test_data_change_while_hidden_waits_for_show(controller, qtbot):
    """A change while Today is hidden is loaded when it is shown again, not before."""
    widget = TodayView(controller)
    qtbot.add_widget(widget)
    widget.show()
    widget.refresh()
    widget.hide()
    leads.add_lead("Nora Neu", email="nora@example.com")
    controller.refresh()
    assert widget.model.is_empty()
    with qtbot.wait_signal(widget.loaded, timeout=1000):
        widget.show()
    assert widget.model.today.counts["respond_now"] == 1


def QUrl_decoded():
    from PySide6.QtCore import QUrl

    return QUrl.ComponentFormattingOption.FullyDecoded


def QUrl_encoded():
    from PySide6.QtCore import QUrl

    return QUrl.ComponentFormattingOption.FullyEncoded


def test_an_empty_database_says_how_to_get_leads_in(controller, qtbot):
    """No leads at all: Today says so and names the three ways in, not 'nothing to do'."""
    widget = TodayView(controller)
    qtbot.add_widget(widget)
    widget.show()
    widget.refresh()
    assert widget.stack.currentWidget() is widget.empty
    text = widget.empty.text()
    assert text.startswith("No leads yet") and "Mail accounts" in text and "Ctrl+N" in text and "import" in text


def test_k_claims_the_current_lead(view, qtbot):
    """K makes the selected lead mine (a member made from my name the first time), on its timeline too."""
    _item_index(view, "overdue")
    item = view.current_item()
    owner = Lead.get_by_id(item.lead_id).owner
    was = f" (was {owner.name}'s)" if owner else ""
    with qtbot.wait_signal(view.controller.message, timeout=5000) as said:
        qtbot.keyClick(view.tree, Qt.Key.Key_K)
    me = members.my_member_id()
    assert me and Lead.get_by_id(item.lead_id).owner_id == me
    assert said.args == ["info", f"{item.name} is now yours{was}."]
    assert timeline(item.lead_id)[0].summary.startswith("Claimed by ")


def test_m_switches_between_mine_and_everyone(view, qtbot):
    """M shows only my leads and unclaimed ones (as the query does for my member), M again everyone's."""
    _item_index(view, "respond_now")
    qtbot.keyClick(view.tree, Qt.Key.Key_K)  # one lead is mine now
    everyone = today.today()
    with qtbot.wait_signal(view.loaded, timeout=5000):
        qtbot.keyClick(view.tree, Qt.Key.Key_M)
    mine = today.today(owner=members.my_member_id())
    assert view.scope.isChecked() and view.scope.text() == "Mine + unclaimed"
    assert view.model.today == mine and mine.total_due() < everyone.total_due()
    assert members.my_today()[0]  # remembered for this computer
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.scope.click()
    assert not view.scope.isChecked() and view.model.today == today.today()


def _next_in_section(view: TodayView) -> str:
    """The lead listed right after the current row in its section."""
    item = view.current_item()
    listed = [i.lead_id for i in view.model.today.sections[item.section]]
    return listed[listed.index(item.lead_id) + 1]


@pytest.fixture
def inquiries(view, qtbot):
    """Four fresh inquiries on top of the demo data, the oldest current."""
    for minutes in (40, 30, 20, 10):
        leads.add_lead(f"Inquiry {minutes}", email=f"i{minutes}@example.com",
                       received_at=now() - timedelta(minutes=minutes))
    with qtbot.wait_signal(view.loaded, timeout=2000):
        view.refresh()
    view.tree.setCurrentIndex(view.model.first_item())
    assert view.current_item().section == "respond_now"
    return view


def test_d_d_d_clears_the_list_from_the_top(inquiries, qtbot):
    """Done three times with D (Enter in the dialog): each time the row that took its place is current."""
    view = inquiries
    view.tree.setFocus()
    for _ in range(3):
        item, following = view.current_item(), _next_in_section(view)
        qtbot.keyClick(view.tree, Qt.Key.Key_D)
        with qtbot.wait_signal(view.loaded, timeout=2000):
            qtbot.keyClick(view.done_dialog.outcome, Qt.Key.Key_Return)
        assert view.current_item().lead_id == following
        assert view.current_item().section == item.section
        assert view.buttons["done"].isEnabled() and view.buttons["snooze"].isEnabled()
    done = [i.lead_id for i in view.model.today.sections["done_today"]]
    everywhere = [i.lead_id for items in view.model.today.sections.values() for i in items]
    assert len(everywhere) == len(set(everywhere)) and done


def test_snooze_menu_enter_picks_later_today_and_moves_on(inquiries, qtbot):
    """S then Enter snoozes to later today: the inquiry goes to Upcoming and the next row is current."""
    view = inquiries
    view.tree.setFocus()
    item, following = view.current_item(), _next_in_section(view)
    assert item.section == "respond_now"
    qtbot.keyClick(view.tree, Qt.Key.Key_S)
    menu = view.snooze_menu
    assert menu.activeAction() is menu.action_for("later")
    with qtbot.wait_signal(view.loaded, timeout=2000):
        qtbot.keyClick(menu, Qt.Key.Key_Return)
    assert view.model.find(item.lead_id, "respond_now") == QModelIndex()
    assert view.model.find(item.lead_id, "upcoming").isValid()
    assert view.current_item().lead_id == following and view.buttons["snooze"].isEnabled()


def test_undo_after_done_lists_the_lead_once(view, qtbot):
    """A lead answered this morning, its step due now: Done then undo puts it back under Due today only."""
    lead, _ = leads.add_lead("Answered", email="answered@example.com")
    leads.complete_followup(lead, next_due=now() - timedelta(minutes=1))  # the first step done today
    with qtbot.wait_signal(view.loaded, timeout=2000):
        view.refresh()
    view.tree.setCurrentIndex(view.model.find(lead.id, "due_today"))
    view.act("done")
    with qtbot.wait_signal(view.loaded, timeout=2000):
        view.done_dialog.ok.click()
    assert view.model.find(lead.id, "done_today").isValid()
    with qtbot.wait_signal(view.loaded, timeout=2000):
        view.undo()
    assert view.model.find(lead.id, "due_today").isValid()
    assert view.model.find(lead.id, "done_today") == QModelIndex()


def test_snooze_times_later_today_tomorrow_next_week():
    """Later today is +3 h or 17:00 if later; tomorrow and next week start at 09:00."""
    from datetime import datetime, timezone
    zone = timezone(timedelta(hours=1))
    morning = datetime(2026, 12, 1, 10, 20, tzinfo=zone)  # a Tuesday
    times = {key: when for key, _label, when in followup_dialogs.snooze_times(morning)}
    assert times["later"] == datetime(2026, 12, 1, 17, 0, tzinfo=zone)
    assert times["tomorrow"] == datetime(2026, 12, 2, 9, 0, tzinfo=zone)
    assert times["nextweek"] == datetime(2026, 12, 7, 9, 0, tzinfo=zone)
    evening = {key: when for key, _label, when in followup_dialogs.snooze_times(morning.replace(hour=15))}
    assert evening["later"] == datetime(2026, 12, 1, 18, 20, tzinfo=zone)


def test_pick_snoozes_to_a_chosen_date_and_time(view, qtbot):
    """Pick… asks for a day and a time; the step falls due then."""
    from datetime import datetime

    from PySide6.QtCore import QDate, QTime

    from models.clock import to_utc
    item = view.current_item()
    view.act("snooze")
    view.snooze_menu.action_for("pick").trigger()
    dialog = view.snooze_menu.date_dialog
    day = date.today() + timedelta(days=4)
    dialog.calendar.setSelectedDate(QDate(day))
    dialog.time.setTime(QTime(14, 30))
    dialog.accept()
    (step,) = _pending(item.lead_id)
    assert step.due == to_utc(datetime(day.year, day.month, day.day, 14, 30).astimezone())


def test_a_fresh_inquiry_is_painted_calm(view):
    """The reason colour follows today.urgency: calm is the muted text, amber and red stand out."""
    from desktop.today_paint import OVERDUE_LIGHT, urgency_color
    assert urgency_color("calm", False) is None and urgency_color("red", False) == OVERDUE_LIGHT
    assert urgency_color("amber", False) not in (None, OVERDUE_LIGHT)


def test_a_phone_only_lead_shows_its_number_formatted(view, qtbot):
    """Rows without an email show the phone as people read it (+49 30 …), formatted off the UI thread."""
    from models.contacts import display_phone

    phone_only = [(section, item) for section, items in view.model.today.sections.items() for item in items
                  if not item.email and item.phone]
    assert phone_only, "the demo data has leads with a phone and no email"
    section, item = phone_only[0]
    index = view.model.find(item.lead_id, section)
    qtbot.waitUntil(lambda: index.data(CONTACT_ROLE) == display_phone(item.phone), timeout=3000)
    assert " " in index.data(CONTACT_ROLE) and index.data(CONTACT_ROLE) != item.phone


def test_the_done_dialog_is_walked_top_to_bottom_with_tab(view, qtbot):
    """Tab goes outcome → kind (arrows pick Won or Lost) → next step → when → Done → Cancel, then round again."""
    _item_index(view, "overdue")
    qtbot.keyClick(view.tree, Qt.Key.Key_D)
    dialog = view.done_dialog
    ok, cancel = (dialog.buttons.button(b) for b in (dialog.buttons.StandardButton.Ok,
                                                      dialog.buttons.StandardButton.Cancel))
    assert tab_stops(qtbot, dialog.outcome, 7) == [dialog.outcome, dialog.kind_group.button(dialog.NEXT),
                                                   dialog.next_title, dialog.when, ok, cancel, dialog.outcome]
    dialog.reject()


def test_the_first_load_shows_todays_read_ahead_and_says_when_it_is_on_screen(demo, qtbot):
    """Started with Today already read (the window's start-up), the view shows that read at once, without
    the store; `painted` follows its first paint (the store opens then), and later loads read from the store."""
    from desktop.controller import Controller
    from desktop.tasks import TaskRunner

    mine, real = members.my_today()
    first = real.sections["respond_now"][0]
    only_one = today_items.Today(sections={"due_today": [first]}, counts={"due_today": 1},
                                 contacts={first.lead_id: "read ahead with Today"})
    ctrl = Controller(demo, TaskRunner(synchronous=True), first_today=(mine, only_one))
    widget = TodayView(ctrl)
    qtbot.add_widget(widget)
    with qtbot.wait_signal(widget.painted, timeout=3000):
        widget.show()
        assert widget.model.today.counts == {"due_today": 1}  # shown before any paint
    assert widget.model.data(widget.model.find(first.lead_id, "due_today"), CONTACT_ROLE) == "read ahead with Today"
    widget.refresh()
    assert widget.model.today.counts == {"due_today": 1}  # the read waits for the store
    ctrl.open_store()
    assert widget.model.today.counts == real.counts
    with qtbot.assert_not_emitted(widget.painted, wait=100):
        widget.update()  # once only


def test_painted_waits_for_the_paint_that_shows_a_read_finished_after_the_first(demo, qtbot):
    """Read on a worker thread, Today first paints empty-handed; `painted` still comes, with the items."""
    from desktop.controller import Controller

    ctrl = Controller(demo)
    widget = TodayView(ctrl)
    qtbot.add_widget(widget)
    shown = []
    widget.painted.connect(lambda: shown.append(widget.model.rowCount()))
    widget.show()
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert shown[0] > 0
    ctrl.wait()
    ctrl.deleteLater()
