"""The Leads table's model: its columns and a lazy model over the matching lead ids.

SQL filters and sorts (models.board.lead_ids, off the UI thread); the model holds only the ids and
fetches rows a page at a time as they are shown (models.board.lead_rows), so 100k leads never sit in
Python as 100k tuples.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, partial
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont

from models import board
from models.contacts import display_phone

from . import money
from .widgets import error_color, when_text

LEAD_ID_ROLE = Qt.ItemDataRole.UserRole + 2

B = board  # column positions in a row: board.NAME, board.EMAIL, ...


@lru_cache(maxsize=4096)
def _phone(e164: str) -> str:
    return display_phone(e164)


@lru_cache(maxsize=8192)
def _date(text: str) -> str:
    return when_text(datetime.fromisoformat(text), with_time=False)


@dataclass(frozen=True)
class Column:
    title: str
    display: Callable[[tuple], Any]
    sort: int  # the row field models.board.lead_ids orders by
    width: int
    right: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("Name", lambda r: r[B.NAME], B.NAME, 160),
    Column("Company", lambda r: r[B.COMPANY] or "", B.COMPANY, 130),
    Column("Stage", lambda r: r[B.STAGE], B.STAGE_POSITION, 80),
    Column("Next step", lambda r: f"{_date(r[B.NEXT_DUE])} · {r[B.NEXT_TITLE]}" if r[B.NEXT_DUE] else "",
           B.NEXT_DUE, 215),
    Column("Value", lambda r: money.format_money(r[B.VALUE]), B.VALUE, 85, right=True),
    Column("Owner", lambda r: r[B.OWNER] or "unclaimed", B.OWNER, 90),
    # Through the column chooser (a right click on the header):
    Column("Email", lambda r: r[B.EMAIL] or "", B.EMAIL, 190),
    Column("Phone", lambda r: _phone(r[B.PHONE]) if r[B.PHONE] else "", B.PHONE, 125),
    Column("Source", lambda r: r[B.SOURCE] or "", B.SOURCE, 130),
    Column("Created", lambda r: _date(r[B.CREATED]), B.CREATED, 100),
    Column("Last activity", lambda r: _date(r[B.LAST_ACTIVITY]), B.LAST_ACTIVITY, 100),
)
NAME_COLUMN, DUE_COLUMN = 0, 3
SHOWN = 6  # the first six fit a 1024 px window; the rest are hidden until chosen
HEADER_KEY = "leads/header"  # widths, order, hidden columns and sort, in the window's QSettings file
PAGE = 200  # rows fetched at once
PAGES_KEPT = 20  # pages held (the rows around what is on screen); older ones are dropped


def _now_text() -> str:
    from models.clock import now
    return now().isoformat(sep=" ")


class LeadsTableModel(QAbstractTableModel):
    """The leads a query matches, lazily: it holds their ids (filtered and sorted in SQL by
    models.board.lead_ids) and a few pages of rows, fetched through `fetch(ids, done)` as they are
    shown; a row not fetched yet shows empty until its page arrives. 100k leads are 100k ids, not
    100k tuples."""

    def __init__(self, fetch: Callable[[list[str], Callable[[list[tuple]], None]], None], parent: Any = None):
        super().__init__(parent)
        self._fetch = fetch
        self._ids: list[str] = []
        self._total = 0
        self._pages: dict[int, dict[str, tuple]] = {}  # page number -> rows by id (insertion order: age)
        self._asked: set[int] = set()
        self._generation = 0  # a page fetched for an older id list is dropped
        self.query = board.LeadQuery()  # what the rows show
        self.wanted = self.query  # what the view should load next (a new sort or filter)
        self._now = ""

    # --- data in ------------------------------------------------------------------------------

    def set_ids(self, ids: list[str], total: int, query: board.LeadQuery) -> None:
        """A new result: the rows are fetched again as they are shown. A new order of the same leads
        keeps the selection (persistent indexes follow their lead); anything else resets the model."""
        reorder = (len(ids) == len(self._ids) and query._replace(sort=0, descending=False)
                   == self.query._replace(sort=0, descending=False) and set(ids) == set(self._ids))
        if reorder:
            self.layoutAboutToBeChanged.emit()
            old = self.persistentIndexList()
            old_ids = [(self._ids[i.row()], i.column()) if i.row() < len(self._ids) else None for i in old]
        else:
            self.beginResetModel()
        self._ids, self._total, self.query = ids, total, query
        self._pages, self._asked = {}, set()
        self._generation += 1
        self._now = _now_text()
        if reorder:
            where = {lead_id: n for n, lead_id in enumerate(ids)}
            self.changePersistentIndexList(old, [
                self.index(where[ref[0]], ref[1]) if ref and ref[0] in where else QModelIndex() for ref in old_ids])
            self.layoutChanged.emit()
        else:
            self.endResetModel()

    def _record(self, row: int) -> tuple | None:
        page = row // PAGE
        rows = self._pages.get(page)
        if rows is None:
            self._ask(page)
            rows = self._pages.get(page)  # a synchronous fetch (tests) has filled it already
            if rows is None:
                return None
        return rows.get(self._ids[row])

    def _ask(self, page: int) -> None:
        if page in self._asked:
            return
        self._asked.add(page)
        self._fetch(self._ids[page * PAGE:(page + 1) * PAGE], partial(self._arrived, self._generation, page))

    def _arrived(self, generation: int, page: int, rows: list[tuple]) -> None:
        if generation != self._generation:
            return
        self._pages[page] = {row[B.ID]: row for row in rows}
        while len(self._pages) > PAGES_KEPT:
            oldest = next(iter(self._pages))
            del self._pages[oldest]
            self._asked.discard(oldest)
        first, last = page * PAGE, min(len(self._ids), (page + 1) * PAGE) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    # --- Qt model API -------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._ids) and 0 <= column < len(COLUMNS)):
            return None
        if role == LEAD_ID_ROLE:
            return self._ids[row]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if COLUMNS[column].right:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.FontRole and column == NAME_COLUMN:
            font = QFont()
            font.setWeight(QFont.Weight.DemiBold)
            return font
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole):
            return None
        record = self._record(row)
        if record is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[column].display(record)
        if role == Qt.ItemDataRole.ForegroundRole and column == DUE_COLUMN:
            due = record[B.NEXT_DUE]
            if due and record[B.STATUS] == "open" and due < self._now:
                return error_color(self._palette())
            return None
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

    wanted_changed = Signal()  # a new sort or filter: the view loads the ids again

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(COLUMNS):
            self._want(self.wanted._replace(sort=COLUMNS[column].sort,
                                            descending=order == Qt.SortOrder.DescendingOrder))

    def set_filter(self, text: str = "", stage: str | None = None, status: str | None = None) -> None:
        self._want(self.wanted._replace(text=text.strip().casefold(), stage=stage, status=status))

    def _want(self, query: board.LeadQuery) -> None:
        if query != self.wanted:  # QTableView.sortByColumn asks twice
            self.wanted = query
            self.wanted_changed.emit()

    # --- reading ------------------------------------------------------------------------------

    def lead_id(self, row: int) -> str:
        return self._ids[row]

    def row_of(self, lead_id: str) -> int:
        try:
            return self._ids.index(lead_id)
        except ValueError:
            return -1

    def total(self) -> int:
        return self._total
