"""Today: who needs attention now, in sections, with one-click (and one-key) actions.

One tree model (section rows with their items as children) in a QTreeView; a delegate
paints each row (who, what, why) and, on the hovered or current row, the action icons.
No widget per row. Keys: arrows move, Enter opens, D done, S snooze, E email, C call,
K claims the lead, M switches between mine + unclaimed and everyone's, Ctrl+Z undoes the
last done/snooze.
"""
from __future__ import annotations

import functools
import logging
import time
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import quote

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QToolTip,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from models import followups, members
from models import today as today_query
from models.contacts import display_phone

from . import resources, widgets
from .controller import Controller
from .widgets import LiveView, view_title

if TYPE_CHECKING:
    from . import followup_dialogs

log = logging.getLogger("leadbook.desktop.today")
_ROOT = QModelIndex()

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1  # the TodayItem (items only)
SECTION_ROLE = Qt.ItemDataRole.UserRole + 2  # the section key ("overdue")
COUNT_ROLE = Qt.ItemDataRole.UserRole + 3  # how many in the section (headers)
CONTACT_ROLE = Qt.ItemDataRole.UserRole + 4  # the email, else the phone formatted to read (items)

# (key, label, shortcut shown in tooltips)
ACTIONS = (("done", "Done", "D"), ("snooze", "Snooze", "S"), ("open", "Open", "Enter"),
           ("email", "Email", "E"), ("call", "Call", "C"), ("claim", "Claim", "K"))
SCOPES = {False: "Everyone", True: "Mine + unclaimed"}  # the scope button's text, by "mine only"
EMPTY_TEXT = ("Nothing needs you today. New inquiries from your inboxes appear here — add an inbox in "
              "Settings, or press Ctrl+N to add a lead.")
NO_LEADS_TEXT = ("No leads yet. Connect the inbox your inquiries arrive in (Settings › Mail accounts) and they "
                 "appear here by themselves; press Ctrl+N to add a lead by hand, or import a spreadsheet with "
                 "`leadbook import FILE`.")
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


def action_available(item: today_query.TodayItem, key: str) -> bool:
    if key in ("done", "snooze"):
        return item.section != "done_today" and item.followup_id is not None
    if key == "email":
        return bool(item.email)
    if key == "call":
        return bool(item.phone)
    return True


def mailto_url(address: str, subject: str) -> QUrl:
    """mailto:address?subject=... with the subject percent-encoded (spaces, &, ?, # and non-ASCII)."""
    return QUrl.fromEncoded(f"mailto:{quote(address, safe='@+')}?subject={quote(subject, safe='')}".encode())


def tel_url(phone: str) -> QUrl:
    return QUrl.fromEncoded(f"tel:{quote(phone, safe='+')}".encode())


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


# --- the model ----------------------------------------------------------------------------------

def contact_lines(result: today_query.Today) -> dict[str, str]:
    """Each lead's contact line with phones formatted to read. Read off the UI thread once Today shows
    (the phone formatter takes ~20 ms to load), so until then a phone shows as stored, +4930123456."""
    return {item.lead_id: item.email or display_phone(item.phone)
            for items in result.sections.values() for item in items}


class TodayModel(QAbstractItemModel):
    """Sections (top level, not selectable) with their items as children; one column."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._sections: list[tuple[str, int, list[today_query.TodayItem]]] = []
        self.today: today_query.Today | None = None
        self._contacts: dict[str, str] = {}

    def set_today(self, result: today_query.Today) -> None:
        self.beginResetModel()
        self.today = result
        self._contacts = {}
        self._sections = [(name, result.counts.get(name, 0), result.sections.get(name, []))
                          for name in today_query.SECTIONS if result.sections.get(name)]
        self.endResetModel()

    def set_contacts(self, result: today_query.Today, contacts: dict[str, str]) -> None:
        if result is self.today:  # not a late answer for an older Today
            self._contacts = contacts
            for row, (_name, _count, items) in enumerate(self._sections):
                section = self.index(row, 0)
                self.dataChanged.emit(self.index(0, 0, section), self.index(len(items) - 1, 0, section))

    def total_due(self) -> int:
        return self.today.total_due() if self.today else 0

    def is_empty(self) -> bool:
        return not self._sections

    # structure: internalId 0 = a section row; n > 0 = an item of section n - 1
    def index(self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

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
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.internalId() == 0:
            return Qt.ItemFlag.NoItemFlags  # headers: arrow keys skip them
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if index.internalId() == 0:
            name, count, _items = self._sections[index.row()]
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return f"{today_query.TITLES[name]} ({count})"
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
            return self._contacts.get(item.lead_id) or item.email or item.phone or ""
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
        order = list(today_query.SECTIONS)
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


# --- painting -----------------------------------------------------------------------------------

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
        item: today_query.TodayItem = index.data(ITEM_ROLE)
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
        title = today_query.TITLES[name]
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


class TodayTree(QTreeView):
    """The list, with the keyboard shortcuts of the Today checklist."""

    key_action = Signal(str)  # "open", "done", "snooze", "email", "call", "claim", "mine"

    KEYS = {Qt.Key.Key_Return: "open", Qt.Key.Key_Enter: "open", Qt.Key.Key_D: "done", Qt.Key.Key_S: "snooze",
            Qt.Key.Key_E: "email", Qt.Key.Key_C: "call", Qt.Key.Key_K: "claim", Qt.Key.Key_M: "mine"}

    def keyPressEvent(self, event: QKeyEvent) -> None:
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        key = self.KEYS.get(Qt.Key(event.key()))
        if key is not None and mods == Qt.KeyboardModifier.NoModifier:
            self.key_action.emit(key)
            event.accept()
            return
        super().keyPressEvent(event)


# --- the view -----------------------------------------------------------------------------------

class TodayView(LiveView):
    loaded = Signal()  # a refresh has been applied to the model (tests, benchmarks)

    def __init__(self, controller: Controller, parent: QWidget | None = None):
        super().__init__(controller, parent)
        self.model = TodayModel(self)
        self._loading = False
        self._again = False
        self.load_ms = 0.0
        self.done_dialog: followup_dialogs.DoneDialog | None = None
        self.snooze_menu: followup_dialogs.SnoozeMenu | None = None
        self._undo: followups.Undo | None = None

        self.title = view_title("Today")
        self.summary = QLabel("")
        self.summary.setProperty("role", "subtitle")

        self.tree = TodayTree(objectName="todayList")
        self.tree.setModel(self.model)
        self.delegate = TodayDelegate(self.tree)
        self.tree.setItemDelegate(self.delegate)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setItemsExpandable(False)
        self.tree.setIndentation(0)
        self.tree.setUniformRowHeights(False)
        self.tree.setMouseTracking(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.tree.setFrameShape(QFrame.Shape.NoFrame)
        self.tree.doubleClicked.connect(lambda index: self.act("open", index))
        self.tree.key_action.connect(self.act)
        self.delegate.action_triggered.connect(self.act)
        self.model.modelReset.connect(self.tree.expandAll)

        # toolbar: the actions on the current row
        self.buttons: dict[str, QToolButton] = {}
        bar = QHBoxLayout()
        bar.setSpacing(4)
        for key, label, short in ACTIONS:
            button = QToolButton(text=label)
            button.setIcon(resources.icon(key))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setToolTip(f"{label} ({short})")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, k=key: self.act(k))
            self.buttons[key] = button
            bar.addWidget(button)
        bar.addStretch(1)
        self.scope = QToolButton(text=SCOPES[False], checkable=True, objectName="todayScope")
        self.scope.setToolTip("Show only your leads and unclaimed ones, or everyone's (M)")
        self.scope.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scope.clicked.connect(self.show_mine)
        bar.addWidget(self.scope)

        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addSpacing(12)
        header.addWidget(self.summary, 0, Qt.AlignmentFlag.AlignBottom)
        header.addStretch(1)

        self.empty = QLabel(EMPTY_TEXT, objectName="emptyState")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tree)
        self.stack.addWidget(self.empty)

        # the undo bar: "Done: … — Undo"
        self.undo_bar = QFrame(objectName="undoBar")
        self.undo_label = QLabel()
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Undo (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo)
        undo_layout = QHBoxLayout(self.undo_bar)
        undo_layout.addWidget(self.undo_label, 1)
        undo_layout.addWidget(self.undo_button)
        self.undo_bar.setVisible(False)
        self.undo_action = widgets.view_action(self, "Undo", QKeySequence.StandardKey.Undo, self.undo, enabled=False)
        self._undo_timer = QTimer(self, singleShot=True, interval=30_000)
        self._undo_timer.timeout.connect(self._hide_undo)

        layout = QVBoxLayout(self)
        margin = self.fontMetrics().height()
        layout.setContentsMargins(margin, margin, margin, 0)
        layout.addLayout(header)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.undo_bar)
        self.setFocusProxy(self.tree)

        self.tree.selectionModel().currentChanged.connect(self._update_buttons)
        self._update_buttons()
        # "waiting 3 h" grows while the window is open: re-read every minute when visible.
        self._tick = QTimer(self, interval=60_000)
        self._tick.timeout.connect(self._on_data_changed)
        self._tick.start()

    # --- loading -------------------------------------------------------------------------------
    def load(self) -> None:
        """Load Today off the UI thread and show it, keeping the current row where possible."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        started = time.perf_counter()
        self.controller.read(members.my_today, lambda scoped: self._on_loaded(*scoped, started))

    def _on_loaded(self, mine: bool, result: today_query.Today, started: float) -> None:
        self.scope.setChecked(mine)
        self.scope.setText(SCOPES[mine])
        current = self.current_item()
        place = self.model.place(self.tree.currentIndex())
        had_focus = self.tree.hasFocus()
        self.model.set_today(result)
        self.controller.read(partial(contact_lines, result), partial(self.model.set_contacts, result))
        self.load_ms = (time.perf_counter() - started) * 1000
        self._loading = False
        total = result.total_due()
        self.summary.setText("nothing to do" if total == 0 else f"{total:,} to do")
        self.empty.setText(EMPTY_TEXT if result.has_leads else NO_LEADS_TEXT)
        self.stack.setCurrentWidget(self.empty if self.model.is_empty() else self.tree)
        index = QModelIndex()
        if current is not None:
            index = self.model.find(current.lead_id, current.section)
            if not index.isValid() and place is not None:  # done or snoozed: the row that took its place
                index = self.model.at_place(*place)
        if not index.isValid():
            index = self.model.first_item()
        if index.isValid():
            self.tree.setCurrentIndex(index)
        if had_focus:
            self.tree.setFocus()
        self._update_buttons()
        log.debug("today loaded in %.1f ms", self.load_ms)
        self.loaded.emit()
        if self._again:
            self._again = False
            self.refresh()

    # --- the current row -----------------------------------------------------------------------
    def current_item(self) -> today_query.TodayItem | None:
        return self.tree.currentIndex().data(ITEM_ROLE) if self.tree.currentIndex().isValid() else None

    def _update_buttons(self, *_args) -> None:
        item = self.current_item()
        for key, button in self.buttons.items():
            button.setEnabled(item is not None and action_available(item, key))

    def act(self, key: str, index: QModelIndex | None = None) -> None:
        """Run an action (done, snooze, open, email, call, claim) on a row (default: the current one)."""
        if key == "mine":
            self.show_mine(not self.scope.isChecked())
            return
        if index is not None and index.isValid():
            self.tree.setCurrentIndex(index)
        item = self.current_item()
        if item is None or not action_available(item, key):
            return
        getattr(self, f"_{key}")(item)

    def show_mine(self, mine: bool) -> None:
        """Mine + unclaimed (True) or everyone's (False), remembered for this computer."""
        self.scope.setChecked(mine)
        self.scope.setText(SCOPES[mine])
        self.controller.write(partial(members.show_mine_today, mine))

    def _claim(self, item: today_query.TodayItem) -> None:
        self.controller.write(partial(members.claim, item.lead_id), self._on_claimed)

    def _on_claimed(self, claimed: members.Claimed) -> None:
        was = f" (was {claimed.previous_owner}'s)" if claimed.previous_owner else ""
        self.controller.inform(f"{claimed.lead_name} is now yours{was}." if claimed.changed
                               else f"{claimed.lead_name} is already yours.")

    def _open(self, item: today_query.TodayItem) -> None:
        self.controller.open_lead(item.lead_id)

    def _email(self, item: today_query.TodayItem) -> None:
        from models.detail import reply_subject  # loads the lead detail's modules: not needed to paint Today

        address = item.email or ""
        self.controller.read(partial(reply_subject, item.lead_id),
                             lambda subject: self._open_url(mailto_url(address, subject)))

    def _call(self, item: today_query.TodayItem) -> None:
        self._open_url(tel_url(item.phone or ""))

    def _open_url(self, url: QUrl) -> None:
        if not QDesktopServices.openUrl(url):
            self.controller.warn(f"No program is set up to open {url.scheme()}: links.")

    def _done(self, item: today_query.TodayItem) -> None:
        from . import followup_dialogs  # on first use: Today paints without the dialogs' imports

        dialog = followup_dialogs.DoneDialog(self.controller, item.lead_id, item.name, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._complete(item, dialog.choice()))
        self.done_dialog = dialog
        dialog.destroyed.connect(lambda: setattr(self, "done_dialog", None))
        dialog.open()

    def _complete(self, item: today_query.TodayItem, choice: followups.DoneChoice) -> None:
        success = (f"{item.name} closed as {choice.close}." if choice.close else f"Done: {item.name}.")
        self.controller.write(partial(followups.complete, item.lead_id, choice), self._offer_undo,
                              success=success)

    def _snooze(self, item: today_query.TodayItem) -> None:
        from . import followup_dialogs

        menu = followup_dialogs.SnoozeMenu(self)
        menu.chosen.connect(lambda due: self.snooze_to(item, due))
        self.snooze_menu = menu
        rect = self.tree.visualRect(self.tree.currentIndex())
        menu.popup(self.tree.viewport().mapToGlobal(rect.center()))

    def snooze_to(self, item: today_query.TodayItem, due) -> None:
        self.controller.write(partial(followups.snooze, item.lead_id, due), self._offer_undo)

    # --- undo ----------------------------------------------------------------------------------
    def _offer_undo(self, info: followups.Undo | None) -> None:
        self._undo = info
        if info is None:
            self._hide_undo()
            return
        self.undo_label.setText(info.text)
        self.undo_bar.setVisible(True)
        self.undo_action.setEnabled(True)
        self._undo_timer.start()
        self.controller.inform(f"{info.text} — Ctrl+Z to undo.")

    def _hide_undo(self) -> None:
        self.undo_bar.setVisible(False)
        self.undo_action.setEnabled(False)

    def undo(self) -> None:
        info = self._undo
        if info is None:
            return
        self._undo = None
        self._hide_undo()
        self.controller.write(partial(followups.undo, info), success=f"Undone: {info.text}.")
