"""What every view shares: headings, the live-view base, colours, times and amounts as shown."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QAction, QColor, QKeySequence, QPalette, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from models.clock import to_local

if TYPE_CHECKING:
    from .controller import Controller


def view_title(text: str) -> QLabel:
    """A view's heading ("Today", "Board"…): larger than the body text, bold by the stylesheet."""
    title = QLabel(text)
    title.setProperty("role", "title")
    font = title.font()
    font.setPointSizeF(max(font.pointSizeF(), 9) * 1.6)
    title.setFont(font)
    return title


class ListModel(QAbstractListModel):
    """A list model over plain items (cards, hits, timeline entries); a subclass says what each role shows."""

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self._items: list[Any] = []

    def set_items(self, items: list[Any]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def items(self) -> list[Any]:
        return self._items

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        return self.item_data(self._items[index.row()], role)

    def item_data(self, item: Any, role: int) -> Any:
        raise NotImplementedError


class LiveView(QWidget):
    """A view over the store: reloads when data changes while it is shown, else on its next show.

    Subclasses implement load() (start a read off the UI thread); callers use refresh().
    """

    def __init__(self, controller: Controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self._stale = True
        controller.data_changed.connect(self._on_data_changed)

    def refresh(self) -> None:
        self._stale = False
        self.load()

    def load(self) -> None:
        raise NotImplementedError

    def _on_data_changed(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._stale:
            self.refresh()


# --- look: palette-based, so light and dark themes both read well ---------------------------------

MUTED_ROLE = QPalette.ColorRole.PlaceholderText


def is_dark(pal: QPalette) -> bool:
    return pal.color(QPalette.ColorRole.Base).lightness() < 128


def error_color(pal: QPalette) -> QColor:
    return QColor("#ff6b6b") if is_dark(pal) else QColor("#c62828")


def muted_color(pal: QPalette) -> QColor:
    return pal.color(MUTED_ROLE)


def button_row(*buttons: QWidget) -> QHBoxLayout:
    """Buttons side by side at the right edge, the last one the main action."""
    row = QHBoxLayout()
    row.addStretch(1)
    for button in buttons:
        row.addWidget(button)
    return row


def make_error_label(label: QLabel) -> None:
    pal = label.palette()
    pal.setColor(QPalette.ColorRole.WindowText, error_color(pal))
    label.setPalette(pal)


def when_text(value: datetime | None, with_time: bool = True) -> str:
    """'Today 14:00', 'Tomorrow', 'Mon 3 Mar', '3 Mar 2023': short local time for lists."""
    if value is None:
        return ""
    moment = to_local(value)
    today = datetime.now().astimezone().date()
    days = (moment.date() - today).days
    clock = f" {moment:%H:%M}" if with_time else ""
    if days == 0:
        return "Today" + clock
    if days == 1:
        return "Tomorrow" + clock
    if days == -1:
        return "Yesterday" + clock
    if abs(days) < 180:
        return f"{moment:%a} {moment.day} {moment:%b}" + clock
    return f"{moment.day} {moment:%b %Y}"


def format_amount(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def view_action(view: QWidget, text: str, key: QKeySequence.StandardKey, slot: Callable[[], None],
                enabled: bool = True) -> QAction:
    """A keyboard action that works while focus is anywhere inside the view (Ctrl+Z, Delete…)."""
    action = QAction(text, view)
    action.setShortcut(QKeySequence(key))
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.triggered.connect(slot)
    action.setEnabled(enabled)
    view.addAction(action)
    return action
