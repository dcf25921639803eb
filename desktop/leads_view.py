"""Leads: every lead in one sortable, filterable table, with bulk actions on the selection.

The table model holds plain tuples (models.board.lead_table) loaded off the UI thread.
Sorting and filtering happen in the model on those rows in Python — no proxy model — so
100k leads stay fast: a filter is one list comprehension over precomputed lower-case text,
a sort is one list.sort with a precomputed key per column.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, partial
from operator import itemgetter
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QFont, QKeyEvent
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
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from models import board, bulk
from models.board import StageInfo
from models.bulk import LeadTable
from models.contacts import display_phone

from . import resources, stage_dialogs, widgets
from .controller import Controller
from .widgets import LiveView, error_color, format_money, view_title, when_text

log = logging.getLogger("leadbook.desktop.leads")

LEAD_ID_ROLE = Qt.ItemDataRole.UserRole + 2

B = board  # column positions in a row: board.NAME, board.EMAIL, ...


@lru_cache(maxsize=4096)
def _phone(e164: str) -> str:
    return display_phone(e164)


@lru_cache(maxsize=8192)
def _date(text: str) -> str:
    return when_text(datetime.fromisoformat(text), with_time=False)


def _folded(i: int) -> Callable[[tuple], Any]:
    return lambda row: row[i].casefold()


@dataclass(frozen=True)
class Column:
    title: str
    display: Callable[[tuple], Any]
    sort_key: Callable[[tuple], Any]  # never sees an empty value (see `field`)
    width: int
    right: bool = False
    field: int | None = None  # a nullable field: rows without it sort last in either order


def sort_rows(rows: list[tuple], column: Column, descending: bool) -> list[tuple]:
    """Sorted copy-free where possible: C-level keys (itemgetter) for most columns, empties last."""
    if column.field is None:
        rows.sort(key=column.sort_key, reverse=descending)
        return rows
    i = column.field
    present = [r for r in rows if r[i] is not None]
    missing = [r for r in rows if r[i] is None] if len(present) != len(rows) else []
    present.sort(key=column.sort_key, reverse=descending)
    return present + missing


COLUMNS: tuple[Column, ...] = (
    # Name sorts by the lower-cased search text, which starts with the lower-cased name.
    Column("Name", lambda r: r[B.NAME], itemgetter(B.HAYSTACK), 160),
    Column("Company", lambda r: r[B.COMPANY] or "", _folded(B.COMPANY), 130, field=B.COMPANY),
    Column("Stage", lambda r: r[B.STAGE], itemgetter(B.STAGE_POSITION, B.STAGE), 80),
    Column("Next step", lambda r: f"{_date(r[B.NEXT_DUE])} · {r[B.NEXT_TITLE]}" if r[B.NEXT_DUE] else "",
           itemgetter(B.NEXT_DUE), 215, field=B.NEXT_DUE),
    Column("Value", lambda r: format_money(r[B.VALUE]), itemgetter(B.VALUE), 85, right=True, field=B.VALUE),
    Column("Owner", lambda r: r[B.OWNER] or "unclaimed", _folded(B.OWNER), 90, field=B.OWNER),
    # Through the column chooser (a right click on the header):
    Column("Email", lambda r: r[B.EMAIL] or "", itemgetter(B.EMAIL), 190, field=B.EMAIL),
    Column("Phone", lambda r: _phone(r[B.PHONE]) if r[B.PHONE] else "", itemgetter(B.PHONE), 125, field=B.PHONE),
    Column("Source", lambda r: r[B.SOURCE] or "", _folded(B.SOURCE), 130, field=B.SOURCE),
    Column("Created", lambda r: _date(r[B.CREATED]), itemgetter(B.CREATED), 100),
    Column("Last activity", lambda r: _date(r[B.LAST_ACTIVITY]), itemgetter(B.LAST_ACTIVITY), 100),
)
NAME_COLUMN, DUE_COLUMN = 0, 3
SHOWN = 6  # the first six fit a 1024 px window; the rest are hidden until chosen
HEADER_KEY = "leads/header"  # widths, order, hidden columns and sort, in the window's QSettings file


class LeadsTableModel(QAbstractTableModel):
    """All leads as rows; filter and sort in Python over the loaded tuples."""

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self._all: list[tuple] = []
        self._rows: list[tuple] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._text = ""
        self._stage: str | None = None
        self._status: str | None = None
        self._now = ""

    # --- data in ------------------------------------------------------------------------------

    def set_rows(self, rows: list[tuple]) -> None:
        self.beginResetModel()
        self._all = rows
        self._now = _now_text()
        self._rows = self._derive()
        self.endResetModel()

    def set_filter(self, text: str = "", stage: str | None = None, status: str | None = None) -> None:
        text = text.strip().casefold()
        if (text, stage, status) == (self._text, self._stage, self._status):
            return
        self.beginResetModel()
        self._text, self._stage, self._status = text, stage, status
        self._rows = self._derive()
        self.endResetModel()

    def _derive(self) -> list[tuple]:
        rows = self._all
        if self._stage is not None:
            rows = [r for r in rows if r[B.STAGE] == self._stage]
        if self._status is not None:
            rows = [r for r in rows if r[B.STATUS] == self._status]
        if self._text:
            needle = self._text
            digits = "".join(ch for ch in needle if ch.isdigit())
            if len(digits) >= 4 and len(digits) >= len(needle.replace(" ", "").replace("+", "")) - 2:
                # a phone number as typed ("030 1234 56"): match the digits of the stored number
                rows = [r for r in rows if needle in r[B.HAYSTACK] or (r[B.PHONE] and digits in r[B.PHONE])]
            else:
                rows = [r for r in rows if needle in r[B.HAYSTACK]]
        elif rows is self._all:
            rows = list(rows)
        if self._sort is not None:
            column, order = self._sort
            rows = sort_rows(rows, COLUMNS[column], order == Qt.SortOrder.DescendingOrder)
        return rows

    # --- Qt model API -------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= column < len(COLUMNS)):
            return None
        record = self._rows[row]
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[column].display(record)
        if role == LEAD_ID_ROLE:
            return record[B.ID]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if COLUMNS[column].right:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.ForegroundRole and column == DUE_COLUMN:
            due = record[B.NEXT_DUE]
            if due and record[B.STATUS] == "open" and due < self._now:
                return error_color(self._palette())
            return None
        if role == Qt.ItemDataRole.FontRole and column == NAME_COLUMN:
            font = QFont()
            font.setWeight(QFont.Weight.DemiBold)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and column == DUE_COLUMN and record[B.NEXT_DUE]:
            return f"{record[B.NEXT_TITLE]}: {when_text(datetime.fromisoformat(record[B.NEXT_DUE]))}"
        return None

    @staticmethod
    def _palette() -> Any:
        from PySide6.QtWidgets import QApplication
        return QApplication.palette()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section].title
            if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[section].right:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS) or self._sort == (column, order):
            return  # QTableView.sortByColumn asks twice; the rows are already in this order
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        old_ids = [(self._rows[i.row()][B.ID], i.column()) if i.row() < len(self._rows) else None for i in old]
        self._sort = (column, order)
        self._rows = sort_rows(self._rows, COLUMNS[column], order == Qt.SortOrder.DescendingOrder)
        if old:
            wanted = {ref[0] for ref in old_ids if ref}
            where = {row[B.ID]: n for n, row in enumerate(self._rows) if row[B.ID] in wanted}
            self.changePersistentIndexList(old, [
                self.index(where[ref[0]], ref[1]) if ref and ref[0] in where else QModelIndex() for ref in old_ids])
        self.layoutChanged.emit()

    # --- reading ------------------------------------------------------------------------------

    def lead_id(self, row: int) -> str:
        return self._rows[row][B.ID]

    def row_of(self, lead_id: str) -> int:
        for n, row in enumerate(self._rows):
            if row[B.ID] == lead_id:
                return n
        return -1

    def total(self) -> int:
        return len(self._all)


def _now_text() -> str:
    from models.clock import now
    return now().isoformat(sep=" ")


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
        actions.addStretch(1)
        self.assign_button = QToolButton(text="Assign owner…")
        self.assign_button.clicked.connect(lambda: self.assign_selection())
        self.move_button = QToolButton(text="Move to")
        self.move_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.move_menu = QMenu(self.move_button)
        self.move_button.setMenu(self.move_menu)
        self.export_button = QToolButton(text="Export selection…")
        self.export_button.clicked.connect(lambda: self.export_selection())
        for button in (self.assign_button, self.move_button, self.export_button):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            actions.addWidget(button)
        outer.addLayout(actions)

        self.model = LeadsTableModel(self)
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
        self._update_actions()

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
        self.controller.read(bulk.load_leads, partial(self._on_loaded, self._generation))

    def _on_loaded(self, generation: int, result: LeadTable) -> None:
        if generation != self._generation:
            return
        choices, rows = result
        self._stages = {s.id: s for s in choices.stages}
        self._lost_reasons = choices.lost_reasons
        self._owners = [name for _id, name in choices.owners]
        widgets.set_currency(choices.currency)
        self._fill_stages(choices.stages)
        keep = self.selected_ids()
        current = self.table.currentIndex()
        current_id = current.data(LEAD_ID_ROLE) if current.isValid() else None
        self.model.set_rows(rows)
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
        keep = self.selected_ids()
        self.model.set_filter(self.search.text(), self.stage_filter.currentData(), self.status_filter.currentData())
        self._select(keep, None)
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.model.rowCount(), self.model.total()
        self.count_label.setText(f"{total:,} leads" if shown == total else f"{shown:,} of {total:,} leads")
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
        for button in (self.assign_button, self.move_button, self.export_button):
            button.setEnabled(count > 0)
        if count > 1:
            self.count_label.setText(self.count_label.text().split("  ·  ")[0] + f"  ·  {count:,} selected")
        else:
            self.count_label.setText(self.count_label.text().split("  ·  ")[0])

    # --- actions ------------------------------------------------------------------------------

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
        who = owner or "nobody"
        self.controller.write(partial(bulk.assign_owner, ids, owner), success=f"Assigned {len(ids):,} leads to {who}.")

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
        self.controller.write(partial(bulk.move_leads, ids, stage_id, answer.reason, answer.value),
                              success=f"Moved {what} to {stage.name}.")

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
                             lambda count: self.controller.inform(f"Exported {count:,} leads to {path}."))

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
        menu.addAction("Export selection…", lambda: self.export_selection())
        menu.popup(self.table.viewport().mapToGlobal(pos))
