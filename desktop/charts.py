"""A horizontal bar chart drawn with QPainter: a label, a bar and its figure per row; every bar opens
the leads behind it (click, or Up/Down then Enter).

Drawn by hand rather than with QtCharts: a handful of bars needs ~150 lines, while QtCharts
comes with PySide6-Addons, several times the size of everything else Leadbook installs.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

ROW = 26  # px per bar
GAP = 6


@dataclass(frozen=True)
class Bar:
    key: str  # what activated() carries: a source, a bucket, a reason, a stage
    label: str
    value: float  # the bar's length, against the longest bar in the chart (or `scale`)
    text: str  # the figure written after the bar: "32 leads · 5 won"
    part: float | None = None  # a darker first part of the bar (won of received), same unit as value
    tip: str = ""


class BarChart(QWidget):
    activated = Signal(str)  # the key of the bar clicked, or chosen with the keyboard

    def __init__(self, empty_text: str = "Nothing to show for this period.", parent: QWidget | None = None):
        super().__init__(parent)
        self.empty_text = empty_text
        self.bars: list[Bar] = []
        self.scale: float | None = None  # None: the longest bar fills the width
        self.current = -1
        self._hover = -1
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_bars(self, bars: list[Bar], scale: float | None = None) -> None:
        self.bars, self.scale = list(bars), scale
        self.current = min(self.current, len(self.bars) - 1)
        self.setAccessibleDescription("; ".join(f"{b.label}: {b.text}" for b in self.bars) or self.empty_text)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(360, max(1, len(self.bars)) * (ROW + GAP) + GAP)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(240, self.sizeHint().height())

    def bar_rect(self, row: int) -> QRect:
        """The clickable band of a row (label, bar and figure)."""
        return QRect(0, GAP + row * (ROW + GAP), self.width(), ROW)

    def _row_at(self, y: int) -> int:
        row = (y - GAP) // (ROW + GAP)
        return row if 0 <= row < len(self.bars) and self.bar_rect(row).contains(1, y) else -1

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        if not self.bars:
            painter.setPen(palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.empty_text)
            return
        metrics = painter.fontMetrics()
        label_width = min(max(metrics.horizontalAdvance(b.label) for b in self.bars) + 12, self.width() // 3)
        text_width = min(max(metrics.horizontalAdvance(b.text) for b in self.bars) + 12, self.width() // 3)
        room = max(self.width() - label_width - text_width, 10)
        top = self.scale or max((b.value for b in self.bars), default=0) or 1
        accent = palette.color(QPalette.ColorRole.Highlight)
        light = QColor(accent)
        light.setAlphaF(0.35)
        for row, bar in enumerate(self.bars):
            band = self.bar_rect(row)
            if row in (self.current, self._hover):
                shade = QColor(accent)
                shade.setAlphaF(0.12 if row == self._hover and row != self.current else 0.2)
                painter.fillRect(band, shade)
            painter.setPen(text)
            painter.drawText(QRect(4, band.top(), label_width - 8, ROW), Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(bar.label, Qt.TextElideMode.ElideRight, label_width - 8))
            length = max(round(room * min(bar.value / top, 1.0)), 2 if bar.value else 0)
            whole = QRect(label_width, band.top() + 5, length, ROW - 10)
            painter.fillRect(whole, light if bar.part is not None else accent)
            if bar.part:
                painter.fillRect(QRect(whole.left(), whole.top(), round(room * min(bar.part / top, 1.0)),
                                       whole.height()), accent)
            painter.drawText(QRect(whole.right() + 8, band.top(), text_width, ROW), Qt.AlignmentFlag.AlignVCenter,
                             bar.text)
        if self.hasFocus() and self.current < 0:
            painter.setPen(accent)
            painter.drawRect(self.rect().adjusted(0, 0, -1, -1))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        row = self._row_at(int(event.position().y()))
        if row != self._hover:
            self._hover = row
            self.setCursor(Qt.CursorShape.PointingHandCursor if row >= 0 else Qt.CursorShape.ArrowCursor)
            self.update()
        if row >= 0:
            QToolTip.showText(event.globalPosition().toPoint(), self.bars[row].tip or "Click to see these leads",
                              self)

    def leaveEvent(self, event) -> None:  # noqa: N802
        self._hover = -1
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        row = self._row_at(int(event.position().y()))
        if row >= 0 and event.button() == Qt.MouseButton.LeftButton:
            self.current = row
            self.update()
            self.activated.emit(self.bars[row].key)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.bars:
            step = 1 if key == Qt.Key.Key_Down else -1
            self.current = max(0, min(len(self.bars) - 1, self.current + step))
            self.update()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and 0 <= self.current < len(self.bars):
            self.activated.emit(self.bars[self.current].key)
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        if self.current < 0 and self.bars:
            self.current = 0
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        self.update()
        super().focusOutEvent(event)
