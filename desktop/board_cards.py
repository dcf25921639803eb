"""The cards of a board column: their model (frozen `models.board.Card`s), how a card is painted and dragged.

Dragging a card carries its lead id as `application/x-leadbook-lead`.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QByteArray, QMimeData, QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from models.board import Card

from . import money
from .widgets import ListModel, error_color, muted_color, when_text

MIME_TYPE = "application/x-leadbook-lead"
CARD_ROLE = Qt.ItemDataRole.UserRole + 1
LEAD_ID_ROLE = Qt.ItemDataRole.UserRole + 2
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def lead_mime(lead_ids: Sequence[str]) -> QMimeData:
    """Mime data carrying lead ids (one per line) for drag and drop."""
    mime = QMimeData()
    mime.setData(MIME_TYPE, QByteArray("\n".join(lead_ids).encode()))
    return mime


def lead_ids_from(mime: QMimeData | None) -> list[str]:
    if mime is None or not mime.hasFormat(MIME_TYPE):
        return []
    return [part for part in bytes(mime.data(MIME_TYPE).data()).decode().split("\n") if part]


# --- the column model --------------------------------------------------------------------------

class CardListModel(ListModel):
    """The cards of one stage. A drop of lead ids here emits `dropped(lead_id, stage_id)`."""

    dropped = Signal(str, str)

    def __init__(self, stage_id: str, parent: Any = None):
        super().__init__(parent)
        self.stage_id = stage_id

    def item_data(self, card: Card, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return card.name
        if role == CARD_ROLE:
            return card
        if role == LEAD_ID_ROLE:
            return card.lead_id
        if role == Qt.ItemDataRole.ToolTipRole:
            return card_tooltip(card)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return card_tooltip(card).replace("\n", ", ")
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        ids = [self._items[i.row()].lead_id for i in indexes if i.isValid() and i.row() < len(self._items)]
        return lead_mime(ids[:1])  # one card at a time: each move may ask its own question

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: QModelIndex | QPersistentModelIndex) -> bool:
        ids = lead_ids_from(data)
        return bool(ids) and not any(card.lead_id in ids for card in self._items)

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: QModelIndex | QPersistentModelIndex) -> bool:
        if action == Qt.DropAction.IgnoreAction:
            return True
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        for lead_id in lead_ids_from(data):
            self.dropped.emit(lead_id, self.stage_id)
        # False: the source view must not remove the row itself; the refresh after the move does.
        return False


def days_text(days: int) -> str:
    return f"{days} day{'' if days == 1 else 's'} in this stage"


def card_tooltip(card: Card) -> str:
    lines = [card.name + (f" — {card.company}" if card.company else "")]
    if card.value is not None:
        lines.append(f"Value: {money.format_money(card.value)}")
    lines.append(days_text(card.days_in_stage))
    if card.next_title:
        lines.append(f"Next: {card.next_title}, {when_text(card.next_due)}" + (" (overdue)" if card.overdue else ""))
    else:
        lines.append("No next step")
    lines.append(f"Owner: {card.owner or 'unclaimed'}")
    if card.source:
        lines.append(f"Source: {card.source}")
    return "\n".join(lines)


# --- painting cards ----------------------------------------------------------------------------

class CardDelegate(QStyledItemDelegate):
    """Paints a card: name and value, company and days in stage, next step and its date."""

    MARGIN_X, MARGIN_Y, PAD = 6, 3, 8

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self._size: QSize | None = None

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        base = QFont(option.font)
        bold = QFont(base)
        bold.setWeight(QFont.Weight.DemiBold)
        small = QFont(base)
        if small.pointSizeF() > 0:
            small.setPointSizeF(max(7.0, small.pointSizeF() * 0.92))
        return base, bold, small

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        if self._size is None:
            base, bold, small = self._fonts(option)
            line = QFontMetrics(bold).height() + 3 * (QFontMetrics(small).height() + 3)
            self._size = QSize(200, line + 2 * (self.PAD + self.MARGIN_Y))
        return self._size

    @staticmethod
    def card_lines(card: Card, fm: QFontMetrics, width: int) -> tuple[str, str, str]:
        """Lines 3 and 4 as drawn at width: the next step (the whole line, elided at its end),
        its date, and the days in stage ("11 days in this stage", shortened only when it must be)."""
        step = ("→ " + card.next_title) if card.next_title is not None else "⚠ No next step"
        due = when_text(card.next_due) if card.next_title is not None else ""
        days = days_text(card.days_in_stage)
        room = width - fm.horizontalAdvance(due) - 8
        for text in (days, f"{card.days_in_stage} days here", f"{card.days_in_stage} d here"):
            if fm.horizontalAdvance(text) <= room:
                days = text
                break
        else:
            days = f"{card.days_in_stage} d"
        return fm.elidedText(step, Qt.TextElideMode.ElideRight, width), due, days

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        card: Card | None = index.data(CARD_ROLE)
        if card is None:
            return
        pal: QPalette = option.palette
        base, bold, small = self._fonts(option)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        box = option.rect.adjusted(self.MARGIN_X, self.MARGIN_Y, -self.MARGIN_X, -self.MARGIN_Y)
        border = pal.color(QPalette.ColorRole.Highlight) if selected else pal.color(QPalette.ColorRole.Mid)
        if hovered and not selected:
            border = pal.color(QPalette.ColorRole.Dark)
        painter.setPen(QPen(border, 2 if selected else 1))
        painter.setBrush(pal.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(box.adjusted(0, 0, -1, -1), 6, 6)
        red = error_color(pal)
        if card.overdue or card.next_title is None:  # a red edge: needs attention
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(red)
            painter.drawRoundedRect(QRect(box.left(), box.top() + 6, 3, box.height() - 12), 1.5, 1.5)

        inner = box.adjusted(self.PAD + 2, self.PAD - 2, -self.PAD, -self.PAD + 2)
        text = pal.color(QPalette.ColorRole.Text)
        muted = muted_color(pal)
        fm_bold, fm_small = QFontMetrics(bold), QFontMetrics(small)

        # line 1: name ........ value
        y = inner.top()
        value_text = money.format_money(card.value)
        value_width = fm_bold.horizontalAdvance(value_text) + 8 if value_text else 0
        painter.setFont(bold)
        painter.setPen(text)
        line1 = QRect(inner.left(), y, inner.width(), fm_bold.height())
        painter.drawText(line1.adjusted(0, 0, -value_width, 0), LEFT,
                         fm_bold.elidedText(card.name, Qt.TextElideMode.ElideRight, line1.width() - value_width))
        if value_text:
            painter.drawText(line1, RIGHT, value_text)

        # line 2: company · owner
        y += fm_bold.height() + 3
        painter.setFont(small)
        painter.setPen(muted)
        who = " · ".join(part for part in (card.company, card.owner or "unclaimed") if part)
        painter.drawText(QRect(inner.left(), y, inner.width(), fm_small.height()), LEFT,
                         fm_small.elidedText(who, Qt.TextElideMode.ElideRight, inner.width()))

        # line 3: the next step across the whole card; "No next step" in red
        step, due, days = self.card_lines(card, fm_small, inner.width())
        y += fm_small.height() + 3
        painter.setPen(red if card.next_title is None else text)
        painter.drawText(QRect(inner.left(), y, inner.width(), fm_small.height()), LEFT, step)

        # line 4: its date (red when overdue) ........ days in this stage
        y += fm_small.height() + 3
        line4 = QRect(inner.left(), y, inner.width(), fm_small.height())
        painter.setPen(red if card.overdue else muted)
        painter.drawText(line4, LEFT, due)
        painter.setPen(muted)
        painter.drawText(line4, RIGHT, days)
        painter.restore()


class CardListView(QListView):
    """A column's list: drags cards out, accepts lead drops, Enter opens the card."""

    opened = Signal(str)
    menu_requested = Signal(str, QPoint)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(200)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(False)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setMouseTracking(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.viewport().setAutoFillBackground(False)
        self.setItemDelegate(CardDelegate(self))
        self.doubleClicked.connect(self._on_double_clicked)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_context_menu)

    def _on_double_clicked(self, index: QModelIndex) -> None:
        lead_id = index.data(LEAD_ID_ROLE)
        if lead_id:
            self.opened.emit(lead_id)

    def _on_context_menu(self, pos: QPoint) -> None:
        lead_id = self.indexAt(pos).data(LEAD_ID_ROLE)
        if lead_id:
            self.menu_requested.emit(lead_id, self.viewport().mapToGlobal(pos))

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._on_double_clicked(self.currentIndex())
            return
        super().keyPressEvent(event)

    drop_target = Signal(bool)  # a card that may land here is being dragged over (True) or left (False)

    def dragEnterEvent(self, event: Any) -> None:
        super().dragEnterEvent(event)
        model = self.model()
        self.drop_target.emit(model.canDropMimeData(event.mimeData(), Qt.DropAction.MoveAction, -1, -1,
                                                    QModelIndex()))

    def dragLeaveEvent(self, event: Any) -> None:
        super().dragLeaveEvent(event)
        self.drop_target.emit(False)

    def dropEvent(self, event: Any) -> None:
        self.drop_target.emit(False)
        super().dropEvent(event)

    def show_card(self, lead_id: str) -> bool:
        """Select the lead's card and scroll it into view; False when it is not in this column."""
        model: CardListModel = self.model()
        for row, card in enumerate(model.items()):
            if card.lead_id == lead_id:
                index = model.index(row)
                self.setCurrentIndex(index)
                self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
                return True
        return False
