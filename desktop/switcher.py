"""The quick switcher (Ctrl+K): type part of a name, an email, a phone number or a company.

Typing is debounced (120 ms); the query runs off the UI thread and late answers to
old text are dropped. Up/Down move, Enter (or a click) opens the lead, Esc closes.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from models.contacts import display_phone
from models.search import LeadHit, find_leads

from . import resources
from .controller import Controller
from .widgets import ListModel

HIT_ROLE = Qt.ItemDataRole.UserRole + 1
LIMIT = 20
_ROOT = QModelIndex()


class HitModel(ListModel):
    def item_data(self, hit: LeadHit, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return hit.name + (f" ({hit.company})" if hit.company else "")
        if role == Qt.ItemDataRole.ToolTipRole:
            return details(hit)
        if role == HIT_ROLE:
            return hit
        return None


def details(hit: LeadHit) -> str:
    state = hit.stage if hit.status == "open" else hit.status.capitalize()
    return "  ·  ".join(p for p in (hit.email or "", display_phone(hit.phone), state) if p)


class HitDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        fm = QFontMetrics(option.font)
        return QSize(200, fm.height() * 2 + fm.height() // 2 + 6)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        hit: LeadHit = index.data(HIT_ROLE)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = option.widget
        if widget is not None:
            widget.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        color = option.palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        muted = QColor(color)
        muted.setAlphaF(0.7)
        fm = QFontMetrics(option.font)
        pad = fm.height() // 3
        rect = option.rect.adjusted(pad * 2, pad, -pad * 2, -pad)
        painter.save()
        bold = QFont(option.font)
        bold.setWeight(QFont.Weight.DemiBold)
        bfm = QFontMetrics(bold)
        painter.setFont(bold)
        painter.setPen(color)
        line1 = QRect(rect.left(), rect.top(), rect.width(), fm.height())
        name = bfm.elidedText(hit.name, Qt.TextElideMode.ElideRight, line1.width())
        painter.drawText(line1, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        used = bfm.horizontalAdvance(name) + pad
        painter.setFont(option.font)
        painter.setPen(muted)
        if hit.company and used < line1.width():
            painter.drawText(line1.adjusted(used, 0, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             fm.elidedText(hit.company, Qt.TextElideMode.ElideRight, line1.width() - used))
        line2 = QRect(rect.left(), line1.bottom() + pad // 2, rect.width(), fm.height())
        painter.drawText(line2, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         fm.elidedText(details(hit), Qt.TextElideMode.ElideRight, line2.width()))
        painter.restore()


class QuickSwitcher(QFrame):
    """A frameless popup over the window: a search field and the matching leads."""

    results_shown = Signal()  # after a query's answer is in the list (tests)

    def __init__(self, controller: Controller, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Popup | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("switcher")
        self.controller = controller
        self._sequence = 0
        self.query_text = ""

        self.edit = QLineEdit(placeholderText="Find a lead: name, email, phone or company")
        self.edit.addAction(resources.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.edit.setClearButtonEnabled(True)
        self.edit.installEventFilter(self)
        self.model = HitModel(self)
        self.list = QListView(objectName="switcherList")
        self.list.setModel(self.model)
        self.list.setItemDelegate(HitDelegate(self.list))
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.setUniformItemSizes(True)
        self.list.clicked.connect(self.open_index)
        self.hint = QLabel("", visible=False)
        self.hint.setProperty("role", "hint")
        self.hint.setContentsMargins(12, 6, 12, 6)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(1, 1, 1, 1)
        layout.setSpacing(0)
        layout.addWidget(self.edit)
        layout.addWidget(self.list)
        layout.addWidget(self.hint)

        self._timer = QTimer(self, singleShot=True, interval=120)
        self._timer.timeout.connect(self.search_now)
        self.edit.textChanged.connect(self._on_text_changed)

    def popup(self) -> None:
        """Show over the top of the window, ready to type."""
        host = self.parentWidget().window() if self.parentWidget() else None
        em = self.fontMetrics().height()
        width = min(em * 36, int(host.width() * 0.7)) if host else em * 36
        self.setFixedWidth(width)
        if host is not None:
            top_left = host.mapToGlobal(host.rect().topLeft())
            self.move(top_left.x() + (host.width() - width) // 2, top_left.y() + em * 4)
        self.edit.clear()
        self.model.set_items([])
        self._fit()
        self.show()
        self.raise_()
        self.activateWindow()
        self.edit.setFocus()

    def _on_text_changed(self, _text: str) -> None:
        self._timer.start()

    def search_now(self) -> None:
        """Query for the current text now (the debounce timer calls this)."""
        self._timer.stop()
        text = self.edit.text().strip()
        self._sequence += 1
        number = self._sequence
        if not text:
            self._on_results(number, text, [])
            return
        self.controller.read(lambda: find_leads(text, LIMIT), lambda hits: self._on_results(number, text, hits))

    def _on_results(self, number: int, text: str, hits: list[LeadHit]) -> None:
        if number != self._sequence:
            return  # an answer to text the user has already changed
        self.query_text = text
        self.model.set_items(hits)
        if hits:
            self.list.setCurrentIndex(self.model.index(0, 0))
        self.hint.setText(f"No lead matches “{text}”." if text and not hits else "")
        self.hint.setVisible(bool(text) and not hits)
        self._fit()
        self.results_shown.emit()

    def _fit(self) -> None:
        rows = min(self.model.rowCount(), 8)
        row_h = self.list.sizeHintForRow(0) if rows else 0
        self.list.setVisible(rows > 0)
        self.list.setFixedHeight(rows * row_h + 2 * self.list.frameWidth() + (4 if rows else 0))
        self.adjustSize()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                self._move(key)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self._timer.isActive():
                    self.search_now()  # typed and hit Enter before the debounce fired
                self.open_index(self.list.currentIndex())
                return True
            if key == Qt.Key.Key_Escape:
                self.hide()
                return True
        return super().eventFilter(watched, event)

    def _move(self, key: int) -> None:
        count = self.model.rowCount()
        if not count:
            return
        row = self.list.currentIndex().row()
        step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 8, Qt.Key.Key_PageUp: -8}[key]
        self.list.setCurrentIndex(self.model.index(max(0, min(count - 1, row + step)), 0))

    def open_index(self, index: QModelIndex) -> None:
        hit = index.data(HIT_ROLE) if index.isValid() else None
        if hit is None:
            return
        self.hide()
        self.controller.open_lead(hit.id)
