"""Leads: every lead in one sortable, filterable table (a lazy model: leads_model.py), with bulk actions
on the selection, a column chooser and erase with undo.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QPoint, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from models import board, bulk, erase, history
from models.board import StageInfo
from models.bulk import LeadTable
from models.plural import counted

from . import money, resources, stage_dialogs, widgets
from .controller import Controller
from .leads_model import COLUMNS, DUE_COLUMN, HEADER_KEY, LEAD_ID_ROLE, NAME_COLUMN, SHOWN, LeadsTableModel
from .progress import Progress, ProgressBar
from .widgets import LiveView, view_title

log = logging.getLogger("leadbook.desktop.leads")

UNCLAIM = "(nobody — unclaimed)"


def ask_owner(parent: QWidget, names: Sequence[str], count: int) -> str | None:
    """Who should own the leads: a member's name (a new name adds them), '' to unclaim, None to cancel."""
    items = [*names, UNCLAIM]
    text, ok = QInputDialog.getItem(parent, "Assign owner", f"Owner of the {count:,} selected leads:",
                                    items, 0, True)
    if not ok or not text.strip():
        return None
    return "" if text == UNCLAIM else text.strip()


def ask_export_path(parent: QWidget, count: int) -> str | None:
    filters = "CSV (*.csv);;Excel workbook (*.xlsx);;JSON (*.json)"
    path, chosen = QFileDialog.getSaveFileName(parent, f"Export {count:,} selected leads",
                                               str(Path.home() / "leads.csv"), filters)
    if not path:
        return None
    if not Path(path).suffix:
        path += {"Excel": ".xlsx", "JSON": ".json"}.get(chosen.split(" ")[0], ".csv")
    return path


# --- the view ----------------------------------------------------------------------------------

class LeadsTable(QTableView):
    opened = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.opened.emit(self.currentIndex().data(LEAD_ID_ROLE))
            return
        super().keyPressEvent(event)


class LeadsView(LiveView):
    """All leads; bulk assign owner, move, export the selection. Enter or double-click opens a lead."""

    loaded = Signal()

    def __init__(self, controller: Controller, parent: QWidget | None = None):
        super().__init__(controller, parent)
        self._generation = 0
        self.setObjectName("leadsView")
        self._stages: dict[str, StageInfo] = {}
        self._lost_reasons: tuple[str, ...] = ()
        self._owners: list[str] = []
        self._debounce = QTimer(self, singleShot=True, interval=200)
        self._debounce.timeout.connect(self.apply_filters)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 12)
        outer.setSpacing(8)
        bar = QHBoxLayout()
        title = view_title("Leads")
        bar.addWidget(title)
        bar.addSpacing(12)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter by name, email, phone or company")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(resources.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setAccessibleName("Filter leads")
        self.search.setMinimumWidth(280)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        bar.addWidget(self.search, 1)
        self.stage_filter = QComboBox()
        self.stage_filter.setAccessibleName("Filter by stage")
        self.stage_filter.addItem("All stages", None)
        self.stage_filter.activated.connect(lambda _i: self.apply_filters())
        bar.addWidget(self.stage_filter)
        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName("Filter by status")
        for text, value in (("Open and closed", None), ("Open", "open"), ("Won", "won"), ("Lost", "lost")):
            self.status_filter.addItem(text, value)
        self.status_filter.activated.connect(lambda _i: self.apply_filters())
        bar.addWidget(self.status_filter)
        outer.addLayout(bar)

        actions = QHBoxLayout()
        self.count_label = QLabel()
        self.count_label.setForegroundRole(widgets.MUTED_ROLE)
        actions.addWidget(self.count_label)
        self.progress = ProgressBar()  # a change to a big selection, as far as it got
        self.progress.setFixedWidth(self.fontMetrics().horizontalAdvance("0") * 24)  # "12,345 of 50,000"
        actions.addWidget(self.progress)
        actions.addStretch(1)
        self.assign_button = QToolButton(text="Assign owner…")
        self.assign_button.clicked.connect(lambda: self.assign_selection())
        self.move_button = QToolButton(text="Move to")
        self.move_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.move_menu = QMenu(self.move_button)
        self.move_button.setMenu(self.move_menu)
        self.step_button = QToolButton(text="Next step…", toolTip="Put off the selected leads' next steps")
        self.step_button.clicked.connect(lambda: self.step_menu().popup(
            self.step_button.mapToGlobal(self.step_button.rect().bottomLeft())))
        self.step_popup: QMenu | None = None  # the last one shown
        self.export_button = QToolButton(text="Export selection…")
        self.export_button.clicked.connect(lambda: self.export_selection())
        self.bulk_buttons = (self.assign_button, self.move_button, self.step_button, self.export_button)
        for button in self.bulk_buttons:
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            actions.addWidget(button)
        outer.addLayout(actions)

        self.model = LeadsTableModel(self._fetch_rows, self)
        self.table = LeadsTable(self)
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        # What needs doing soonest first (overdue on top), under a visible arrow: Created is hidden by default.
        self.table.sortByColumn(DUE_COLUMN, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSortIndicatorShown(True)
        header.setSectionsMovable(True)
        header.setMinimumSectionSize(48)
        for number, column in enumerate(COLUMNS):
            self.table.setColumnWidth(number, column.width)
            self.table.setColumnHidden(number, number >= SHOWN)
        self._settings = QSettings(str(controller.data_dir / "window.ini"), QSettings.Format.IniFormat)
        state = self._settings.value(HEADER_KEY)
        if state is not None:
            header.restoreState(state)
        self._save_header = QTimer(self, singleShot=True, interval=300)
        self._save_header.timeout.connect(self.save_header)
        for signal in (header.sectionResized, header.sectionMoved, header.sortIndicatorChanged):
            signal.connect(lambda *_: self._save_header.start())
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(lambda pos: self.column_menu().popup(header.mapToGlobal(pos)))
        self.table.doubleClicked.connect(lambda index: self._open(index.data(LEAD_ID_ROLE)))
        self.table.opened.connect(self._open)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._on_context_menu)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.model.modelReset.connect(self._update_actions)
        outer.addWidget(self.table, 1)
        self.empty = QLabel("No leads match.", self.table.viewport())
        self.empty.setForegroundRole(widgets.MUTED_ROLE)
        self.empty.move(16, 16)
        self.empty.resize(400, 30)
        self.empty.hide()
        self._undo: Callable[[], None] | None = None  # takes the last erase or next-step change back (Ctrl+Z)
        self.erase_action = widgets.view_action(self, "Erase lead…", QKeySequence.StandardKey.Delete,
                                                self.erase_current)
        self.undo_action = widgets.view_action(self, "Undo", QKeySequence.StandardKey.Undo, self.undo,
                                               enabled=False)
        self._update_actions()
        self.model.wanted_changed.connect(self.load)  # after the initial sort: the first show loads

    # --- columns ------------------------------------------------------------------------------

    def column_menu(self) -> QMenu:
        """The column chooser (a right click on the header): every column but Name, ticked when shown."""
        menu = QMenu(self)
        for number, column in enumerate(COLUMNS):
            if number == NAME_COLUMN:
                continue
            action = menu.addAction(column.title)
            action.setCheckable(True)
            action.setChecked(not self.table.isColumnHidden(number))
            action.toggled.connect(partial(self.show_column, number))
        return menu

    def show_column(self, number: int, shown: bool) -> None:
        self.table.setColumnHidden(number, not shown)
        if shown and self.table.columnWidth(number) < COLUMNS[number].width // 2:
            self.table.setColumnWidth(number, COLUMNS[number].width)
        self.save_header()

    def save_header(self) -> None:
        """Remember widths, order, hidden columns and sort (restored when the view is built)."""
        self._save_header.stop()
        self._settings.setValue(HEADER_KEY, self.table.horizontalHeader().saveState())

    # --- loading ------------------------------------------------------------------------------

    def load(self) -> None:
        self._generation += 1
        query = self.model.wanted
        self.controller.read(partial(bulk.load_leads, query), partial(self._on_loaded, self._generation, query))

    def _fetch_rows(self, ids: list[str], done: Callable[[list[tuple]], None]) -> None:
        self.controller.read(partial(board.lead_rows, ids), done)

    def _on_loaded(self, generation: int, query: board.LeadQuery, result: LeadTable) -> None:
        if generation != self._generation:
            return
        choices, ids, total = result
        self._stages = {s.id: s for s in choices.stages}
        self._lost_reasons = choices.lost_reasons
        self._owners = [name for _id, name in choices.owners]
        money.set_currency(choices.currency)
        self._fill_stages(choices.stages)
        keep = self.selected_ids()
        current = self.table.currentIndex()
        current_id = current.data(LEAD_ID_ROLE) if current.isValid() else None
        self.model.set_ids(ids, total, query)
        self._select(keep, current_id)
        self._update_count()
        self.loaded.emit()

    def _fill_stages(self, stages: Sequence[StageInfo]) -> None:
        names = [s.name for s in stages]
        if [self.stage_filter.itemText(i) for i in range(1, self.stage_filter.count())] != names:
            current = self.stage_filter.currentData()
            self.stage_filter.clear()
            self.stage_filter.addItem("All stages", None)
            for name in names:
                self.stage_filter.addItem(name, name)
            self.stage_filter.setCurrentIndex(max(0, self.stage_filter.findData(current)) if current else 0)
        self.move_menu.clear()
        for stage in stages:
            action = self.move_menu.addAction(stage.name)
            action.triggered.connect(lambda _=False, sid=stage.id: self.move_selection(sid))

    def apply_filters(self) -> None:
        """Apply the text, stage and status filters now (the text box debounces into this)."""
        self._debounce.stop()
        self.model.set_filter(self.search.text(), self.stage_filter.currentData(), self.status_filter.currentData())

    def _update_count(self) -> None:
        shown, total = self.model.rowCount(), self.model.total()
        self.count_label.setText(counted(total, "lead") if shown == total else f"{shown:,} of {counted(total, 'lead')}")
        self.empty.setVisible(shown == 0)
        self.empty.setText("No leads yet: add one with New lead (Ctrl+N), or import a spreadsheet."
                           if total == 0 else "No leads match the filter.")
        self.empty.adjustSize()

    # --- selection ----------------------------------------------------------------------------

    def selected_ids(self) -> list[str]:
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.model.lead_id(row) for row in rows]

    def _select(self, lead_ids: Sequence[str], current_id: str | None) -> None:
        if not lead_ids and not current_id:
            return
        wanted = set(lead_ids)
        rows = [n for n in range(self.model.rowCount()) if self.model.lead_id(n) in wanted] if wanted else []
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        start = prev = None
        for row in rows + [None]:
            if start is not None and (row is None or row != prev + 1):
                selection.select(self.model.index(start, 0), self.model.index(prev, last))
                start = None
            if row is not None and start is None:
                start = row
            prev = row
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.table.selectionModel().select(selection, flags)
        if current_id:
            row = self.model.row_of(current_id)
            if row >= 0:
                self.table.selectionModel().setCurrentIndex(self.model.index(row, 0),
                                                            QItemSelectionModel.SelectionFlag.NoUpdate)

    def select_ids(self, lead_ids: Sequence[str]) -> None:
        self._select(lead_ids, None)

    def _update_actions(self) -> None:
        count = len(self.table.selectionModel().selectedRows()) if self.table.selectionModel() else 0
        for button in self.bulk_buttons:
            button.setEnabled(count > 0)
        if count > 1:
            self.count_label.setText(self.count_label.text().split("  ·  ")[0] + f"  ·  {count:,} selected")
        else:
            self.count_label.setText(self.count_label.text().split("  ·  ")[0])

    # --- actions ------------------------------------------------------------------------------

    def erase_current(self, confirm: bool = True) -> None:
        """Erase the current lead with its timeline and stored mail (a data-protection request), after asking."""
        index = self.table.currentIndex()
        lead_id = index.data(LEAD_ID_ROLE) if index.isValid() else None
        if not lead_id:
            return
        name = index.siblingAtColumn(0).data() or "this lead"
        if confirm and QMessageBox.question(
                self, "Erase lead", f"Erase {name} with the whole timeline and stored mail?\n\n"
                f"{erase.MAIL_STAYS_ERASED} (Ctrl+Z, until you close Leadbook.)") != QMessageBox.StandardButton.Yes:
            return
        self.controller.write(partial(erase.erase_lead, lead_id), self._on_erased)

    def _on_erased(self, erased: erase.Erased) -> None:
        self._offer_undo(partial(self.controller.write, partial(erase.restore, erased),
                                 success=f"Restored {erased.name}."))
        self.controller.inform(f"Erased {erased.name}: {erased.activities:,} timeline entries, {erased.mails:,} "
                               "stored mails. Ctrl+Z to undo.")

    def _offer_undo(self, undo: Callable[[], None] | None) -> None:
        self._undo = undo
        self.undo_action.setEnabled(undo is not None)

    def undo(self) -> None:
        undo, self._undo = self._undo, None
        self.undo_action.setEnabled(False)
        if undo is not None:
            undo()

    def step_menu(self) -> QMenu:
        """Later today, tomorrow, next week or a picked day, reckoned from now (the view may stay open for days)."""
        from .followup_dialogs import SnoozeMenu

        if self.step_popup is not None:
            self.step_popup.deleteLater()
        self.step_popup = SnoozeMenu(self)
        self.step_popup.setTitle("Next step")
        self.step_popup.chosen.connect(self.reschedule_selection)
        return self.step_popup

    def reschedule_selection(self, due: datetime) -> None:
        """Move the selected open leads' next steps to due, with Ctrl+Z to take it back."""
        ids = self.selected_ids()
        if ids:
            self._in_steps(partial(bulk.reschedule, ids, due))

    def _in_steps(self, work: Callable[..., bulk.InSteps]) -> None:
        """A change to the selection in short transactions of its own (run, not write: capture may store mail
        in between), its progress shown, with Ctrl+Z to take all of it back."""
        state = Progress()
        self.progress.follow(state, "Working…")
        self.controller.run(partial(work, progress=state), self._on_done_in_steps, self._on_failed_in_steps,
                            changes_data=True)

    def _on_failed_in_steps(self, error: str) -> None:
        self.progress.stop()
        self.controller.warn(error)  # all or nothing: the steps done before were taken back

    def _on_done_in_steps(self, done: bulk.InSteps) -> None:
        self.progress.stop()
        if not done.undos:
            self.controller.inform(done.text)
            return
        self._offer_undo(partial(self._undo_all, done))
        self.controller.inform(f"{done.text}. Ctrl+Z to undo.")

    def _undo_all(self, done: bulk.InSteps) -> None:
        for token in reversed(done.undos):  # the write thread takes them in this order
            self.controller.write(partial(history.undo, token),
                                  success=f"Undone: {done.text}." if token is done.undos[0] else None)

    def _open(self, lead_id: str | None) -> None:
        if lead_id:
            self.controller.open_lead(lead_id)

    def assign_selection(self, owner: str | None = None) -> None:
        """Assign the selected leads to owner (asks when None; '' unclaims them)."""
        ids = self.selected_ids()
        if not ids:
            return
        if owner is None:
            owner = ask_owner(self, self._owners, len(ids))
            if owner is None:
                return
        self._in_steps(partial(bulk.assign_in_steps, ids, owner))

    def move_selection(self, stage_id: str) -> None:
        """Move the selected leads to a stage, asking once for what that stage needs."""
        ids = self.selected_ids()
        stage = self._stages.get(stage_id)
        if not ids or stage is None:
            return
        what = self.model.data(self.table.selectionModel().selectedRows()[0]) if len(ids) == 1 else \
            f"{len(ids):,} leads"
        answer = stage_dialogs.ask_move(self, stage, self._lost_reasons, what, count=len(ids))
        if answer is None:
            return
        self._in_steps(partial(bulk.move_in_steps, ids, stage_id, answer.reason, answer.value))

    def export_selection(self, path: str | None = None) -> None:
        """Export the selected leads to path (asks with a file dialog when None); format by extension."""
        ids = self.selected_ids()
        if not ids:
            return
        if path is None:
            path = ask_export_path(self, len(ids))
            if path is None:
                return

        self.controller.read(partial(bulk.export_selected, path, ids),
                             lambda count: self.controller.inform(f"Exported {counted(count, 'lead')} to {path}."))

    def _on_context_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        if not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            self.table.selectRow(index.row())
        menu = QMenu(self)
        count = len(self.selected_ids())
        if count == 1:
            open_action = QAction(resources.icon("open"), "Open", menu)
            open_action.triggered.connect(lambda: self._open(index.data(LEAD_ID_ROLE)))
            menu.addAction(open_action)
            menu.addSeparator()
        menu.addAction("Assign owner…", lambda: self.assign_selection())
        move = menu.addMenu("Move to")
        for stage in sorted(self._stages.values(), key=lambda s: s.position):
            move.addAction(stage.name, lambda sid=stage.id: self.move_selection(sid))
        menu.addMenu(self.step_menu())
        menu.addAction("Export selection…", lambda: self.export_selection())
        if count == 1:
            menu.addSeparator()
            menu.addAction("Erase lead…", lambda: self.erase_current())
        menu.popup(self.table.viewport().mapToGlobal(pos))
