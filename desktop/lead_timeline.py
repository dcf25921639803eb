"""The lead's timeline: an item model over plain entries, its delegate, and the pane that
shows it with the full text of the chosen entry and a box for notes and calls.

Mail text is shown as plain text only (QPlainTextEdit): no HTML, so no remote content
is ever loaded.
"""
from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from models import detail
from models.clock import to_local
from models.timeline import KIND_TITLES, Entry

from . import resources
from .controller import Controller
from .widgets import ListModel, button_row, error_color, muted_color, when_text

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_ICONS = {
    "created": "mail", "email_in": "mail", "email_out": "email", "call": "call", "note": "note",
    "meeting": "today", "stage": "board", "edit": "settings", "followup": "done", "merge": "leads",
    "conflict": "warning", "claim": "leads",
}


class TimelineModel(ListModel):
    def item_data(self, entry: Entry, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.summary
        if role == ENTRY_ROLE:
            return entry
        if role == Qt.ItemDataRole.DecorationRole:
            return resources.icon(KIND_ICONS.get(entry.kind, "note"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{KIND_TITLES.get(entry.kind, entry.kind)} · {to_local(entry.at):%Y-%m-%d %H:%M}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{KIND_TITLES.get(entry.kind, entry.kind)}, {when_text(entry.at)}, {entry.summary}"
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def _summary_line(entry: Entry) -> str:
    """The summary, unless it only repeats the kind ("Note", "Call")."""
    if entry.summary.strip().lower() in (KIND_TITLES.get(entry.kind, entry.kind).lower(), entry.kind):
        return ""
    return entry.summary


def _preview(body: str | None, limit: int = 400) -> str:
    if not body:
        return ""
    text = " ".join(body.split())
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


class TimelineDelegate(QStyledItemDelegate):
    """Icon, kind and local time, author; the summary; up to three lines of the body."""

    ICON, PAD, BODY_LINES = 18, 8, 3

    def __init__(self, view: QListView):
        super().__init__(view)
        self.view = view

    def _text_width(self) -> int:
        return max(120, self.view.viewport().width() - self.ICON - 3 * self.PAD)

    def _body_height(self, fm: QFontMetrics, body: str) -> int:
        if not body:
            return 0
        rect = fm.boundingRect(QRect(0, 0, self._text_width(), 10_000), Qt.TextFlag.TextWordWrap, body)
        return min(rect.height(), fm.lineSpacing() * self.BODY_LINES)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        entry: Entry | None = index.data(ENTRY_ROLE)
        fm = QFontMetrics(option.font)
        height = 2 * self.PAD + fm.height() + 2
        if entry is not None and _summary_line(entry):
            height += fm.height()
        if entry is not None and entry.body:
            height += self._body_height(fm, _preview(entry.body)) + 4
        return QSize(self._text_width(), height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        entry: Entry | None = index.data(ENTRY_ROLE)
        if entry is None:
            return
        pal: QPalette = option.palette
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(option.rect, pal.color(QPalette.ColorRole.AlternateBase))
            painter.fillRect(QRect(option.rect.left(), option.rect.top(), 3, option.rect.height()),
                             pal.color(QPalette.ColorRole.Highlight))
        painter.setPen(pal.color(QPalette.ColorRole.Midlight))
        painter.drawLine(option.rect.left() + self.PAD, option.rect.bottom(), option.rect.right() - self.PAD,
                         option.rect.bottom())
        fm = QFontMetrics(option.font)
        left = option.rect.left() + self.PAD
        top = option.rect.top() + self.PAD
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        if icon is not None:
            icon.paint(painter, QRect(left, top, self.ICON, self.ICON))
        x = left + self.ICON + self.PAD
        width = option.rect.right() - self.PAD - x
        bold = QFont(option.font)
        bold.setWeight(QFont.Weight.DemiBold)
        small = QFont(option.font)
        kind = KIND_TITLES.get(entry.kind, entry.kind)
        meta = when_text(entry.at) + (f" · {entry.author}" if entry.author else "")
        painter.setFont(bold)
        painter.setPen(pal.color(QPalette.ColorRole.Text))
        kind_width = QFontMetrics(bold).horizontalAdvance(kind) + 10
        painter.drawText(QRect(x, top, kind_width, fm.height()), Qt.AlignmentFlag.AlignLeft, kind)
        painter.setFont(small)
        painter.setPen(muted_color(pal))
        painter.drawText(QRect(x + kind_width, top, width - kind_width, fm.height()), Qt.AlignmentFlag.AlignRight,
                         fm.elidedText(meta, Qt.TextElideMode.ElideLeft, width - kind_width))
        top += fm.height() + 2
        summary = _summary_line(entry)
        if summary:
            painter.setPen(error_color(pal) if entry.kind == "conflict" else pal.color(QPalette.ColorRole.Text))
            painter.drawText(QRect(x, top, width, fm.height()), Qt.AlignmentFlag.AlignLeft,
                             fm.elidedText(summary, Qt.TextElideMode.ElideRight, width))
            top += fm.height()
        top += 4
        body = _preview(entry.body)
        if body:
            height = self._body_height(fm, body)
            painter.setPen(pal.color(QPalette.ColorRole.Text) if not summary else muted_color(pal))
            painter.setClipRect(QRect(x, top, width, height))
            painter.drawText(QRect(x, top, width, height + fm.lineSpacing()), Qt.TextFlag.TextWordWrap, body)
        painter.restore()


class TimelineView(QListView):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setWordWrap(True)
        self.setItemDelegate(TimelineDelegate(self))
        self.setAccessibleName("Timeline")

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.scheduleDelayedItemsLayout()  # wrapped bodies change height with the width


class TimelinePane(QWidget):
    """The timeline, the chosen entry in full, and the note box ("Add note", "Log call")."""

    def __init__(self, controller: Controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.lead_id: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        heading = QLabel("Timeline")
        heading.setProperty("role", "title")
        font = heading.font()
        font.setWeight(QFont.Weight.DemiBold)
        heading.setFont(font)
        layout.addWidget(heading)
        self.model = TimelineModel(self)
        self.view = TimelineView()
        self.view.setModel(self.model)
        self.view.selectionModel().currentChanged.connect(self._on_entry_selected)
        self.body = QPlainTextEdit()
        self.body.setReadOnly(True)
        self.body.setPlaceholderText("Select an entry to read all of it.")
        self.body.setAccessibleName("Entry text")
        inner = QSplitter(Qt.Orientation.Vertical)
        inner.setChildrenCollapsible(False)
        inner.addWidget(self.view)
        inner.addWidget(self.body)
        inner.setStretchFactor(0, 3)
        inner.setStretchFactor(1, 1)
        inner.setSizes([380, 140])
        layout.addWidget(inner, 1)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("Write a note, or what was said on a call…")
        self.note.setAccessibleName("Note text")
        self.note.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 16)
        self.note.textChanged.connect(self._update_note_buttons)
        self.add_note_button = QPushButton(resources.icon("note"), "Add note")
        self.add_note_button.clicked.connect(partial(self.add_note, "note"))
        self.log_call_button = QPushButton(resources.icon("call"), "Log call")
        self.log_call_button.clicked.connect(partial(self.add_note, "call"))
        layout.addWidget(self.note)
        layout.addLayout(button_row(self.log_call_button, self.add_note_button))
        self._update_note_buttons()

    def show_entries(self, lead_id: str, entries: list[Entry]) -> None:
        """Show the lead's entries, keeping the chosen one chosen."""
        self.lead_id = lead_id
        current = self.view.currentIndex()
        current_id = current.data(ENTRY_ROLE).id if current.isValid() else None
        self.model.set_items(entries)
        rows = [row for row, entry in enumerate(entries) if entry.id == current_id]
        if rows:
            self.view.setCurrentIndex(self.model.index(rows[0]))

    def _update_note_buttons(self) -> None:
        has_text = bool(self.note.toPlainText().strip())
        self.add_note_button.setEnabled(has_text)
        self.log_call_button.setEnabled(has_text)

    def add_note(self, kind: str = "note") -> None:
        text = self.note.toPlainText().strip()
        if text and self.lead_id:
            self.controller.write(partial(detail.add_note, self.lead_id, text, kind), lambda _id: self.note.clear())

    def _on_entry_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry: Entry | None = current.data(ENTRY_ROLE) if current.isValid() else None
        if entry is None:
            self.body.clear()
            return
        head = f"{KIND_TITLES.get(entry.kind, entry.kind)} — {to_local(entry.at):%a %d %b %Y %H:%M}"
        if entry.author:
            head += f" — {entry.author}"
        self.body.setPlainText(f"{head}\n{entry.summary}\n\n{entry.body or ''}".rstrip())
