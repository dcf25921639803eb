"""Today's item model: section rows with their items as children, one column; plain data in, roles out."""
from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt

from models import today_items

_ROOT = QModelIndex()

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1  # the TodayItem (items only)
SECTION_ROLE = Qt.ItemDataRole.UserRole + 2  # the section key ("overdue")
COUNT_ROLE = Qt.ItemDataRole.UserRole + 3  # how many in the section (headers)
CONTACT_ROLE = Qt.ItemDataRole.UserRole + 4  # the email, else the phone formatted to read (items)
# Qt asks for these once per row per layout (a thousand times to show Today): combined once, not per call.
_ITEM_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_NO_FLAGS = Qt.ItemFlag.NoItemFlags


class TodayModel(QAbstractItemModel):
    """Sections (top level, not selectable) with their items as children; one column."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._sections: list[tuple[str, int, list[today_items.TodayItem]]] = []
        self.today: today_items.Today | None = None

    def set_today(self, result: today_items.Today) -> None:
        self.beginResetModel()
        self.today = result
        self._sections = [(name, result.counts.get(name, 0), result.sections.get(name, []))
                          for name in today_items.SECTIONS if result.sections.get(name)]
        self.endResetModel()

    def set_contacts(self, result: today_items.Today, contacts: dict[str, str]) -> None:
        if result is self.today:  # not a late answer for an older Today
            result.contacts = contacts
            for row, (_name, _count, items) in enumerate(self._sections):
                section = self.index(row, 0)
                self.dataChanged.emit(self.index(0, 0, section), self.index(len(items) - 1, 0, section))

    def total_due(self) -> int:
        return self.today.total_due() if self.today else 0

    def is_empty(self) -> bool:
        return not self._sections

    # structure: internalId 0 = a section row; n > 0 = an item of section n - 1
    def index(self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> QModelIndex:
        if column != 0 or row < 0 or row >= self.rowCount(parent):  # hasIndex() would ask two virtuals
            return QModelIndex()
        return self.createIndex(row, 0, parent.row() + 1 if parent.isValid() else 0)

    def parent(self, child: QModelIndex | QPersistentModelIndex = _ROOT) -> QModelIndex:  # type: ignore[override]
        if not child.isValid() or child.internalId() == 0:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, 0)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        if not parent.isValid():
            return len(self._sections)
        if parent.column() != 0 or parent.internalId() != 0:
            return 0
        return len(self._sections[parent.row()][2])

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 1

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid() or index.internalId() == 0:
            return _NO_FLAGS  # headers: arrow keys skip them
        return _ITEM_FLAGS

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if index.internalId() == 0:
            name, count, _items = self._sections[index.row()]
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return f"{today_items.TITLES[name]} ({count})"
            if role == SECTION_ROLE:
                return name
            if role == COUNT_ROLE:
                return count
            return None
        name, _count, items = self._sections[index.internalId() - 1]
        item = items[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            who = item.name + (f" ({item.company})" if item.company else "")
            return f"{who} — {item.followup_title or ''} — {item.reason}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.reason
        if role == ITEM_ROLE:
            return item
        if role == CONTACT_ROLE:
            return self.today.contacts.get(item.lead_id) or item.email or item.phone or ""
        if role == SECTION_ROLE:
            return name
        return None

    def find(self, lead_id: str, section: str | None = None) -> QModelIndex:
        """The first row of a lead (in a section, if given)."""
        for number, (name, _count, items) in enumerate(self._sections):
            if section and name != section:
                continue
            for row, item in enumerate(items):
                if item.lead_id == lead_id:
                    return self.index(row, 0, self.index(number, 0))
        return QModelIndex()

    def place(self, index: QModelIndex) -> tuple[str, int] | None:
        """(section, row) of an item row."""
        if not index.isValid() or index.internalId() == 0:
            return None
        return self._sections[index.internalId() - 1][0], index.row()

    def at_place(self, section: str, row: int) -> QModelIndex:
        """The item now at (section, row): else the next one down, else the last one above it."""
        names = [name for name, _count, _items in self._sections]
        order = list(today_items.SECTIONS)
        for number, (name, _count, items) in enumerate(self._sections):
            if name == section and row < len(items):
                return self.index(row, 0, self.index(number, 0))
            if order.index(name) > order.index(section) and name != "done_today":
                return self.index(0, 0, self.index(number, 0))
        earlier = [n for n, name in enumerate(names) if order.index(name) <= order.index(section)]
        if earlier:
            parent = self.index(earlier[-1], 0)
            return self.index(self.rowCount(parent) - 1, 0, parent)
        return QModelIndex()

    def first_item(self) -> QModelIndex:
        for number in range(len(self._sections)):
            parent = self.index(number, 0)
            if self.rowCount(parent):
                return self.index(0, 0, parent)
        return QModelIndex()
