"""Painting a Today row (who, what, why) and, on the hovered or current row, its action icons."""
from __future__ import annotations

import functools

from PySide6.QtCore import QEvent, QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QHelpEvent, QMouseEvent, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QToolTip

from models import today_items

from . import resources
from .today_model import CONTACT_ROLE, COUNT_ROLE, ITEM_ROLE, SECTION_ROLE

# (key, label, shortcut shown in tooltips)
ACTIONS = (("done", "Done", "D"), ("snooze", "Snooze", "S"), ("open", "Open", "Enter"),
           ("email", "Email", "E"), ("call", "Call", "C"), ("claim", "Claim", "K"))
OVERDUE_LIGHT, OVERDUE_DARK = QColor("#c62828"), QColor("#ff7b72")
AMBER_LIGHT, AMBER_DARK = QColor("#b26a00"), QColor("#f0b442")


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def urgency_color(urgency: str, dark: bool) -> QColor | None:
    """The reason's colour for models.today.urgency's verdict; None (calm): the muted text colour."""
    if urgency == "red":
        return OVERDUE_DARK if dark else OVERDUE_LIGHT
    if urgency == "amber":
        return AMBER_DARK if dark else AMBER_LIGHT
    return None


def action_available(item: today_items.TodayItem, key: str) -> bool:
    if key in ("done", "snooze"):
        return item.section != "done_today" and item.followup_id is not None
    if key == "email":
        return bool(item.email)
    if key == "call":
        return bool(item.phone)
    return True


@functools.lru_cache(maxsize=64)
def _tinted(name: str, width: int, height: int, rgba: int, dpr: float) -> QPixmap:
    pixmap = resources.icon(name).pixmap(QSize(width, height), dpr)
    painter = QPainter(pixmap)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
    painter.fillRect(pixmap.rect(), QColor.fromRgba(rgba))
    painter.end()
    return pixmap


def tinted(name: str, size: QSize, color: QColor, dpr: float) -> QPixmap:
    """An icon recoloured (for the selected row, where the mid-grey would not show)."""
    return _tinted(name, size.width(), size.height(), color.rgba(), dpr)


class TodayDelegate(QStyledItemDelegate):
    """Paints section headers and two-line rows; action icons on the hovered/current row."""

    action_triggered = Signal(str, QModelIndex)

    def _metrics(self, option: QStyleOptionViewItem) -> tuple[QFontMetrics, int]:
        fm = QFontMetrics(option.font)
        return fm, max(4, fm.height() // 3)  # pad scales with the font (high DPI)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        fm, pad = self._metrics(option)
        if index.internalId() == 0:
            return QSize(200, int(fm.height() * 1.4) + 2 * pad + (pad if index.row() else 0))
        return QSize(200, 2 * fm.height() + 3 * pad)

    def action_rects(self, rect: QRect, option: QStyleOptionViewItem) -> list[tuple[str, QRect]]:
        fm, pad = self._metrics(option)
        size = int(fm.height() * 1.5)
        x = rect.right() - pad
        y = rect.top() + (rect.height() - size) // 2
        out = []
        for key, _label, _short in reversed(ACTIONS):
            x -= size
            out.append((key, QRect(x, y, size, size)))
            x -= pad // 2
        return list(reversed(out))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = option.widget
        style = widget.style() if widget else None
        fm, pad = self._metrics(option)
        palette = option.palette
        dark = is_dark(palette)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if index.internalId() == 0:
            self._paint_header(painter, option, index, fm, pad)
            painter.restore()
            return
        item: today_items.TodayItem = index.data(ITEM_ROLE)
        opt.text = ""
        if style:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        text_color = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        muted = QColor(text_color)
        muted.setAlphaF(0.68)
        rect = option.rect.adjusted(pad * 2, pad, -pad, -pad)
        show_actions = hovered or selected
        right = rect.right()
        if show_actions:
            rects = self.action_rects(option.rect, option)
            right = rects[0][1].left() - pad
            dpr = painter.device().devicePixelRatioF() if painter.device() else 1.0
            for key, r in rects:
                inner = QRect(0, 0, int(r.width() * 0.8), int(r.height() * 0.8))
                inner.moveCenter(r.center())
                painter.setOpacity(1.0 if action_available(item, key) else 0.25)
                if selected:  # the grey icons vanish on the highlight: draw them in its text colour
                    painter.drawPixmap(inner, tinted(key, inner.size(), text_color, dpr))
                else:
                    resources.icon(key).paint(painter, inner)
                painter.setOpacity(1.0)

        # why (right-aligned on the first line)
        reason_color = urgency_color(item.urgency, dark) or muted
        if selected:
            reason_color = text_color
        reason_font = QFont(option.font)
        if item.urgency == "red":
            reason_font.setBold(True)
        rfm = QFontMetrics(reason_font)
        reason_w = min(rfm.horizontalAdvance(item.reason) + pad, max(0, (right - rect.left()) // 3))
        line1 = QRect(rect.left(), rect.top(), right - rect.left(), fm.height())
        line2 = QRect(rect.left(), rect.top() + fm.height() + pad // 2, right - rect.left(), fm.height())
        reason_rect = QRect(right - reason_w, line1.top(), reason_w, fm.height())
        painter.setFont(reason_font)
        painter.setPen(reason_color)
        painter.drawText(reason_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         rfm.elidedText(item.reason, Qt.TextElideMode.ElideRight, reason_w))

        # who (bold name, muted company)
        name_font = QFont(option.font)
        name_font.setWeight(QFont.Weight.DemiBold)
        nfm = QFontMetrics(name_font)
        space = reason_rect.left() - pad - line1.left()
        name = nfm.elidedText(item.name, Qt.TextElideMode.ElideRight, max(0, space))
        painter.setFont(name_font)
        painter.setPen(text_color)
        painter.drawText(line1.adjusted(0, 0, -(line1.right() - reason_rect.left()), 0),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        used = nfm.horizontalAdvance(name)
        if item.company and space - used > fm.horizontalAdvance("  …"):
            painter.setFont(option.font)
            painter.setPen(muted)
            company_rect = QRect(line1.left() + used + pad, line1.top(), space - used - pad, fm.height())
            painter.drawText(company_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             fm.elidedText(item.company, Qt.TextElideMode.ElideRight, company_rect.width()))

        # what (the follow-up)
        painter.setFont(option.font)
        painter.setPen(muted)
        what = item.followup_title or ""
        contact = index.data(CONTACT_ROLE)
        if contact:
            what = f"{what}  ·  {contact}" if what else contact
        painter.drawText(line2, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         fm.elidedText(what, Qt.TextElideMode.ElideRight, line2.width()))
        painter.restore()

    def _paint_header(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex,
                      fm: QFontMetrics, pad: int) -> None:
        palette = QPalette(option.palette)
        palette.setCurrentColorGroup(QPalette.ColorGroup.Active)  # header rows are disabled, not dim
        name = index.data(SECTION_ROLE)
        count = index.data(COUNT_ROLE)
        font = QFont(option.font)
        font.setWeight(QFont.Weight.Bold)
        font.setPointSizeF(option.font.pointSizeF() * 1.05 if option.font.pointSizeF() > 0 else 10)
        hfm = QFontMetrics(font)
        rect = option.rect.adjusted(pad * 2, pad if index.row() else 0, -pad, 0)
        title = today_items.TITLES[name]
        color = palette.color(QPalette.ColorRole.Text)
        if name == "overdue":
            color = OVERDUE_DARK if is_dark(palette) else OVERDUE_LIGHT
        painter.setFont(font)
        painter.setPen(color)
        text_rect = QRect(rect.left(), rect.bottom() - pad - hfm.height(), rect.width(), hfm.height())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        # the count as a small pill
        label = f"{count:,}"
        w = fm.horizontalAdvance(label) + fm.height()
        pill = QRect(text_rect.left() + hfm.horizontalAdvance(title) + pad, text_rect.top(), w, hfm.height())
        pill_color = QColor(palette.color(QPalette.ColorRole.Text))
        pill_color.setAlphaF(0.1)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pill_color)
        painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        painter.setFont(option.font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)
        shown = index.model().rowCount(index)
        if shown < count:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            more = QRect(pill.right() + pad, text_rect.top(), rect.right() - pill.right() - pad, text_rect.height())
            painter.drawText(more, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             f"showing the first {shown:,}")
        line = QColor(palette.color(QPalette.ColorRole.Text))
        line.setAlphaF(0.12)
        painter.setPen(line)
        painter.drawLine(rect.left(), rect.bottom(), rect.right(), rect.bottom())

    def _action_at(self, option: QStyleOptionViewItem, index: QModelIndex, pos) -> str | None:
        if index.internalId() == 0:
            return None
        for key, rect in self.action_rects(option.rect, option):
            if rect.contains(pos):
                return key
        return None

    def editorEvent(self, event: QEvent, model, option: QStyleOptionViewItem, index: QModelIndex) -> bool:
        if event.type() in (QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonPress) and isinstance(
                event, QMouseEvent) and event.button() == Qt.MouseButton.LeftButton:
            key = self._action_at(option, index, event.position().toPoint())
            if key is not None:
                if event.type() == QEvent.Type.MouseButtonRelease:
                    item = index.data(ITEM_ROLE)
                    if item is not None and action_available(item, key):
                        self.action_triggered.emit(key, QModelIndex(index))
                return True  # clicks on the icons do not also change the selection
        return super().editorEvent(event, model, option, index)

    def helpEvent(self, event: QHelpEvent, view, option: QStyleOptionViewItem, index: QModelIndex) -> bool:
        key = self._action_at(option, index, event.pos())
        if key is not None:
            label, short = next((label, short) for k, label, short in ACTIONS if k == key)
            QToolTip.showText(event.globalPos(), f"{label} ({short})", view)
            return True
        return super().helpEvent(event, view, option, index)
