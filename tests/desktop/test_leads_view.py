"""The leads table: model correctness, sorting, filtering, bulk actions and export on a real database."""
from __future__ import annotations

import csv
import json

import pytest
from PySide6.QtCore import QSettings, Qt
from windows import shown_in_window

from desktop import leads_model, leads_view, money, stage_dialogs
from desktop.leads_model import COLUMNS, LEAD_ID_ROLE, LeadsTableModel
from desktop.leads_view import LeadsView
from models import board, settings, stages
from models.tables import Activity, Lead, Member

pytestmark = pytest.mark.gui


@pytest.fixture
def view(demo_controller, qtbot):
    widget = LeadsView(demo_controller)
    qtbot.add_widget(widget)
    widget.resize(1200, 750)
    with qtbot.wait_signal(widget.loaded, timeout=5000):
        widget.show()
    return widget


def _column(title: str) -> int:
    return [c.title for c in COLUMNS].index(title)


def _names(view: LeadsView) -> list[str]:
    return [view.model.index(row, 0).data() for row in range(view.model.rowCount())]


def _select_open(view: LeadsView, count: int, exclude_stage: str | None = None) -> list[str]:
    """Select the first `count` open leads (optionally not in a stage); returns their ids."""
    view.status_filter.setCurrentIndex(view.status_filter.findData("open"))
    view.apply_filters()
    ids = [view.model.lead_id(row) for row in range(view.model.rowCount())
           if exclude_stage is None or view.model.index(row, _column("Stage")).data() != exclude_stage][:count]
    view.select_ids(ids)
    assert sorted(view.selected_ids()) == sorted(ids)
    return ids


def test_table_model_passes_qtmodeltester(view, qtmodeltester):
    """The table model is a well-behaved Qt item model, loaded, sorted and filtered."""
    assert view.model.rowCount() > 0
    qtmodeltester.check(view.model)
    view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.search.setText("a")
    view.apply_filters()
    qtmodeltester.check(view.model)
    qtmodeltester.check(LeadsTableModel(lambda ids, done: done([])))


def test_shows_every_live_lead(view):
    """Every live lead of the database is a row."""
    assert view.model.rowCount() == Lead.select().where(Lead.merged_into.is_null()).count() == 300
    assert view.count_label.text().startswith("300 leads")


def test_sorts_by_name_both_ways(view):
    """Clicking Name sorts rows by name, case-insensitively, ascending then descending."""
    view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    names = _names(view)
    assert names == sorted(names, key=str.casefold)
    view.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert _names(view) == sorted(names, key=str.casefold, reverse=True)


def test_sorts_by_value_with_empty_values_last(view):
    """Sorting by value orders the amounts; leads without a value come last."""
    view.table.sortByColumn([c.title for c in COLUMNS].index("Value"), Qt.SortOrder.AscendingOrder)
    values = [view.model._record(row)[board.VALUE] for row in range(view.model.rowCount())]
    known = [v for v in values if v is not None]
    assert known == sorted(known) and values[:len(known)] == known


def test_filters_by_text_stage_and_status(view, qtbot):
    """The text box (debounced) finds leads by name, email, phone or company; stage and status narrow further."""
    lead = Lead.select().where(Lead.email.is_null(False) & Lead.phone.is_null(False)).first()
    view.search.setText(lead.name.split()[-1].upper())
    qtbot.waitUntil(lambda: view.model.rowCount() < 300, timeout=3000)  # the debounce fires by itself
    assert lead.id in [view.model.lead_id(r) for r in range(view.model.rowCount())]
    assert all(lead.name.split()[-1].lower() in view.model._record(r)[board.HAYSTACK]
               for r in range(view.model.rowCount()))
    for text in (lead.email, lead.phone[-7:]):
        view.search.setText(text)
        view.apply_filters()
        assert lead.id in [view.model.lead_id(r) for r in range(view.model.rowCount())]
    view.search.clear()
    view.stage_filter.setCurrentIndex(view.stage_filter.findData("Quoted"))
    view.status_filter.setCurrentIndex(view.status_filter.findData("open"))
    view.apply_filters()
    expected = Lead.select().join(stages.Stage).where((stages.Stage.name == "Quoted") & (Lead.status == "open"))
    assert sorted(view.model.lead_id(r) for r in range(view.model.rowCount())) == sorted(x.id for x in expected)
    view.search.setText("no such lead anywhere")
    view.apply_filters()
    assert view.model.rowCount() == 0 and view.empty.isVisibleTo(view)


def test_bulk_move_to_contacted_changes_the_database_and_ctrl_z_takes_it_back(view, qtbot):
    """Moving a selection to Contacted moves every selected lead and nothing else; Ctrl+Z puts each back."""
    ids = _select_open(view, 4, exclude_stage="Contacted")
    before = {i: Lead.get_by_id(i).stage_id for i in ids}
    contacted = stages.find_stage("Contacted")
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.move_selection(contacted.id)
    assert {Lead.get_by_id(i).stage_id for i in ids} == {contacted.id}
    assert sorted(view.selected_ids()) == sorted(ids), "the selection survives the refresh"
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.undo_action.trigger()
    assert {i: Lead.get_by_id(i).stage_id for i in ids} == before


def test_bulk_move_to_lost_asks_once_for_the_selection(view, qtbot, monkeypatch):
    """A bulk move to Lost asks for the reason once and closes every selected lead with it."""
    ids = _select_open(view, 3)
    asked = []

    def fake_exec(dialog):
        asked.append(dialog)
        dialog.reason.setCurrentIndex(dialog.reason.findText("Bad timing"))
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(stage_dialogs.MoveDialog, "exec", fake_exec)
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.move_selection(stages.find_stage("Lost").id)
    assert len(asked) == 1
    assert {(Lead.get_by_id(i).status, Lead.get_by_id(i).lost_reason) for i in ids} == {("lost", "Bad timing")}


def test_bulk_assign_owner_changes_the_database(view, qtbot, monkeypatch):
    """Assigning an owner to a selection sets it on every selected lead; a new name adds a team member; Ctrl+Z
    takes the last assignment back."""
    ids = _select_open(view, 5)
    monkeypatch.setattr(leads_view, "ask_owner", lambda parent, names, count: "Pat Newman")
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.assign_selection()
    pat = Member.get(Member.name == "Pat Newman")
    assert {Lead.get_by_id(i).owner_id for i in ids} == {pat.id}
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.assign_selection("")  # unclaim
    assert {Lead.get_by_id(i).owner_id for i in ids} == {None}
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.undo_action.trigger()  # the last assignment only
    assert {Lead.get_by_id(i).owner_id for i in ids} == {pat.id}


def test_export_selection_writes_only_the_selected_leads(view, tmp_path, monkeypatch):
    """Export selection writes exactly the selected leads, in the format the file name says."""
    ids = _select_open(view, 7)
    target = tmp_path / "chosen.csv"
    monkeypatch.setattr(leads_view, "ask_export_path", lambda parent, count: str(target))
    view.export_selection()
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["id"] for row in rows) == sorted(ids)
    view.export_selection(str(tmp_path / "chosen.json"))
    records = json.loads((tmp_path / "chosen.json").read_text(encoding="utf-8"))
    assert sorted(r["id"] for r in records) == sorted(ids)


def test_enter_and_double_click_open_the_lead(view, qtbot):
    """Enter on a row (and double-click) asks the controller to open that lead."""
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(2, 0))
    expected = view.model.index(2, 0).data(LEAD_ID_ROLE)
    with qtbot.wait_signal(view.controller.lead_opened, timeout=2000) as blocker:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert blocker.args == [expected]
    with qtbot.wait_signal(view.controller.lead_opened, timeout=2000) as blocker:
        view.table.doubleClicked.emit(view.model.index(3, 1))
    assert blocker.args == [view.model.lead_id(3)]


def test_bulk_actions_are_disabled_without_a_selection(view):
    """Assign, move and export stay disabled until something is selected."""
    view.table.clearSelection()
    assert not any(b.isEnabled() for b in (view.assign_button, view.move_button, view.export_button))
    view.table.selectRow(0)
    assert all(b.isEnabled() for b in (view.assign_button, view.move_button, view.export_button))


def _shown(view: LeadsView) -> list[str]:
    header = view.table.horizontalHeader()
    return [COLUMNS[header.logicalIndex(v)].title for v in range(header.count())
            if not header.isSectionHidden(header.logicalIndex(v))]


@pytest.mark.parametrize("size", [(1200, 760), (1024, 640)])
def test_the_default_columns_fit_the_window_without_a_horizontal_scrollbar(window, qtbot, size):
    """At the default window size and at 1024×640 the six default columns fit: no horizontal scrollbar."""
    table_view = shown_in_window(window, qtbot, "leads", LeadsView, size)
    assert _shown(table_view) == ["Name", "Company", "Stage", "Next step", "Value", "Owner"]
    table = table_view.table
    assert not table.horizontalScrollBar().isVisible()
    header = table.horizontalHeader()
    assert header.length() <= table.viewport().width()
    owner = _column("Owner")
    assert header.sectionViewportPosition(owner) + header.sectionSize(owner) <= table.viewport().width()


def test_column_chooser_shows_hidden_columns_and_the_choice_and_widths_are_remembered(view, demo_controller,
                                                                                      qtbot):
    """The header's menu offers Source, Created, Email, Phone; a chosen column and a changed width come back
    in a new Leads view (QSettings in the data folder)."""
    menu = view.column_menu()
    titles = {action.text(): action for action in menu.actions()}
    assert {"Source", "Created", "Email", "Phone", "Value", "Owner"} <= set(titles) and "Name" not in titles
    assert not titles["Source"].isChecked()
    titles["Source"].trigger()
    assert "Source" in _shown(view)
    view.table.setColumnWidth(_column("Company"), 211)
    view.save_header()
    again = LeadsView(demo_controller)
    qtbot.add_widget(again)
    assert "Source" in _shown(again) and again.table.columnWidth(_column("Company")) == 211
    stored = QSettings(str(demo_controller.data_dir / "window.ini"), QSettings.Format.IniFormat)
    assert stored.value(leads_model.HEADER_KEY) is not None


def test_the_sort_column_is_shown_with_an_arrow(view):
    """The table opens sorted by a visible column under a visible sort arrow; clicking another moves it."""
    header = view.table.horizontalHeader()
    assert header.isSortIndicatorShown()
    sort = header.sortIndicatorSection()
    assert not header.isSectionHidden(sort)
    assert 0 <= header.sectionViewportPosition(sort) < view.table.viewport().width()  # on screen, not scrolled away
    view.table.sortByColumn(_column("Value"), Qt.SortOrder.DescendingOrder)
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (_column("Value"),
                                                                           Qt.SortOrder.DescendingOrder)


def test_values_show_with_the_currency(view, qtbot):
    """The Value column writes amounts with the currency setting's symbol."""
    settings.put("currency", "EUR")
    with qtbot.wait_signal(view.loaded, timeout=5000):
        view.refresh()
    values = [view.model.index(r, _column("Value")).data() for r in range(view.model.rowCount())]
    assert any(values) and all("€" in v for v in values if v)
    money.set_currency(None)  # the helper's state outlives this store


def test_the_model_holds_ids_and_fetches_rows_a_page_at_a_time(qtbot):
    """Rows are fetched only for the pages shown, through the fetch callback (asynchronously: a row
    shows empty until its page arrives, then dataChanged); old pages are dropped."""
    asked: list[tuple[list[str], object]] = []
    model = LeadsTableModel(lambda ids, done: asked.append((ids, done)))
    ids = [f"id{n}" for n in range(leads_model.PAGE * (leads_model.PAGES_KEPT + 2))]
    model.set_ids(ids, len(ids), board.LeadQuery())
    assert model.rowCount() == len(ids) and not asked
    assert model.index(5, 0).data() is None and model.index(6, 0).data() is None  # one request per page
    assert len(asked) == 1 and asked[0][0] == ids[:leads_model.PAGE]
    row = [None] * 16
    with qtbot.wait_signal(model.dataChanged):
        asked[0][1]([tuple([i, f"Name {i}", *row[2:]]) for i in asked[0][0]])
    assert model.index(5, 0).data() == "Name id5" and model.index(5, 0).data(LEAD_ID_ROLE) == "id5"
    for page in range(1, leads_model.PAGES_KEPT + 2):  # walk down the table: the first page is dropped
        model.index(page * leads_model.PAGE, 0).data()
        asked[-1][1]([tuple([i, i, *row[2:]]) for i in asked[-1][0]])
    assert len(model._pages) == leads_model.PAGES_KEPT and 0 not in model._pages
    model.set_ids(ids[:10], 10, board.LeadQuery(text="x"))
    asked[1][1]([tuple([i, i, *row[2:]]) for i in asked[1][0]])  # a late page of the old result is dropped
    assert model._pages == {}


def test_sorting_keeps_the_selection(view, qtbot):
    """A new order (sorted in SQL) keeps the selected leads selected."""
    ids = _select_open(view, 3)
    view.table.sortByColumn(_column("Name"), Qt.SortOrder.DescendingOrder)
    assert sorted(view.selected_ids()) == sorted(ids)


def test_delete_erases_the_current_lead_and_ctrl_z_brings_it_back(view, qtbot):
    """Delete (confirmed) erases the lead with its timeline; Ctrl+Z restores it while the window is open."""
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(0, 0))
    lead_id = view.model.lead_id(0)
    timeline = Activity.select().where(Activity.lead == lead_id).count()
    view.erase_current(confirm=False)
    assert not Lead.select().where(Lead.id == lead_id).exists()
    assert not Activity.select().where(Activity.lead == lead_id).exists()
    assert view.undo_action.isEnabled()
    view.undo_action.trigger()
    assert Lead.select().where(Lead.id == lead_id).exists()
    assert Activity.select().where(Activity.lead == lead_id).count() == timeline
    assert not view.undo_action.isEnabled()


def test_next_step_puts_off_the_selected_leads_steps_and_ctrl_z_takes_it_back(view, qtbot):
    """Select leads, Next step › Next week: each open one's step falls due then; Ctrl+Z restores every step."""
    from models.tables import FollowUp

    def pending(ids: list[str]) -> dict[str, object]:
        return {f.lead_id: f.due for f in FollowUp.select().where(FollowUp.lead.in_(ids) & FollowUp.done_at.is_null())}

    ids = [view.model.lead_id(row) for row in range(3)]
    view.select_ids(ids)
    assert view.step_button.isEnabled()
    before = pending(ids)
    view.step_button.click()
    menu = view.step_popup
    assert menu.isVisible() and menu.activeAction() is menu.actions()[0]
    next_week = menu.action_for("nextweek")
    with qtbot.wait_signal(menu.chosen):
        next_week.trigger()
    after = pending(ids)
    assert set(after) == set(before) and len(set(after.values())) == 1 and set(after.values()) != set(before.values())
    view.undo_action.trigger()
    assert pending(ids) == before


def test_a_bulk_change_that_fails_says_so_and_hides_its_progress(view, qtbot, monkeypatch):
    """A failed change to the selection is said in one sentence, and its progress bar goes away."""
    from models.errors import StoreError

    def failing(lead_ids, owner, progress):
        progress(0, len(lead_ids))
        raise StoreError("The disk is full: nothing of this change was saved.")

    _select_open(view, 3)
    monkeypatch.setattr(leads_view.bulk, "assign_in_steps", failing)
    with qtbot.wait_signal(view.controller.message, timeout=2000) as said:
        view.assign_selection("Pat Newman")
    assert said.args == ["error", "The disk is full: nothing of this change was saved."]
    assert not view.progress.isVisibleTo(view)
