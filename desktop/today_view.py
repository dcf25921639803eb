"""Today: who needs attention now, in sections, with one-click (and one-key) actions.

One tree model (section rows with their items as children) in a QTreeView; a delegate
paints each row (who, what, why) and, on the hovered or current row, the action icons.
No widget per row. Keys: arrows move, Enter opens, D done, S snooze, E email, C call,
K claims the lead, M switches between mine + unclaimed and everyone's, Ctrl+Z undoes the
last done/snooze.
"""
from __future__ import annotations

import logging
import time
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import quote

from PySide6.QtCore import QModelIndex, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeyEvent, QKeySequence, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from models import today_items

from . import resources, widgets
from .controller import Controller
from .today_model import ITEM_ROLE, TodayModel
from .today_paint import ACTIONS, TodayDelegate, action_available
from .widgets import LiveView, view_title

if TYPE_CHECKING:
    from models import followups, members

    from . import followup_dialogs

log = logging.getLogger("leadbook.desktop.today")

SCOPES = {False: "Everyone", True: "Mine + unclaimed"}  # the scope button's text, by "mine only"
EMPTY_TEXT = ("Nothing needs you today. New inquiries from your inboxes appear here — add an inbox in "
              "Settings, or press Ctrl+N to add a lead.")
NO_LEADS_TEXT = ("No leads yet. Connect the inbox your inquiries arrive in (Settings › Mail accounts) and they "
                 "appear here by themselves; press Ctrl+N to add a lead by hand, or import a spreadsheet with "
                 "`leadbook import FILE`.")


def mailto_url(address: str, subject: str) -> QUrl:
    """mailto:address?subject=... with the subject percent-encoded (spaces, &, ?, # and non-ASCII)."""
    return QUrl.fromEncoded(f"mailto:{quote(address, safe='@+')}?subject={quote(subject, safe='')}".encode())


def tel_url(phone: str) -> QUrl:
    return QUrl.fromEncoded(f"tel:{quote(phone, safe='+')}".encode())


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
    painted = Signal()  # once: the first paint showing what Today loaded (the start opens the store after it)

    def __init__(self, controller: Controller, parent: QWidget | None = None):
        super().__init__(controller, parent)
        self.model = TodayModel(self)
        self._loading = False
        self._again = False
        self.load_ms = 0.0
        self._painted = False
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

        # last week in one line, from the first start of a week until closed
        self.look_back = QFrame(objectName="lookBack")
        self.look_back_label = QLabel()
        self.look_back_label.linkActivated.connect(lambda _link: self.controller.open_view("insights"))
        close = QToolButton(text="×", toolTip="Close until next week", autoRaise=True)
        close.clicked.connect(self._close_look_back)
        look_back_layout = QHBoxLayout(self.look_back)
        look_back_layout.setContentsMargins(8, 4, 4, 4)
        look_back_layout.addWidget(self.look_back_label, 1)
        look_back_layout.addWidget(close)
        self.look_back.setVisible(False)
        QTimer.singleShot(1500, self._load_look_back)  # after the first paint: a report's imports and query

        layout = QVBoxLayout(self)
        margin = self.fontMetrics().height()
        layout.setContentsMargins(margin, margin, margin, 0)
        layout.addLayout(header)
        layout.addWidget(self.look_back)
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

    # --- last week ---------------------------------------------------------------------------
    def _load_look_back(self) -> None:
        from models.look_back import weekly_look_back

        self.controller.read(weekly_look_back, self._show_look_back)

    def _show_look_back(self, result) -> None:
        if result is not None:
            self.look_back_label.setText(f"Last week: {result.text} · <a href='insights'>Open Insights</a>")
            self.look_back.setVisible(True)

    def _close_look_back(self) -> None:
        from models.look_back import dismiss_look_back

        self.look_back.setVisible(False)
        self.controller.write(dismiss_look_back)

    # --- loading -------------------------------------------------------------------------------
    def load(self) -> None:
        """Load Today off the UI thread and show it, keeping the current row where possible."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        started = time.perf_counter()
        first = self.controller.take_first_today()
        if first is not None:  # read while Qt loaded (models.first_read): shown now, the store opens after
            self._on_loaded(*first, started)
            return
        from models import members  # the store's modules load once Today has painted, here and below

        self.controller.read(members.my_today, lambda scoped: self._on_loaded(*scoped, started))

    def _on_loaded(self, mine: bool, result: today_items.Today, started: float) -> None:
        self.scope.setChecked(mine)
        self.scope.setText(SCOPES[mine])
        current = self.current_item()
        place = self.model.place(self.tree.currentIndex())
        had_focus = self.tree.hasFocus()
        self.model.set_today(result)
        if not result.contacts and any(result.sections.values()):  # read after this paint: the phone
            from models.today import contact_lines  # formatter's import would hold the paint back

            QTimer.singleShot(0, partial(self.controller.read, partial(contact_lines, result),
                                         partial(self.model.set_contacts, result)))
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
        if not self._painted:
            self.update()  # the whole view, so the paint that says "painted" follows this load
        self.loaded.emit()
        if self._again:
            self._again = False
            self.refresh()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if not self._painted and self.model.today is not None:
            self._painted = True
            QTimer.singleShot(0, self.painted.emit)  # once the list has painted too, in this same pass

    # --- the current row -----------------------------------------------------------------------
    def current_item(self) -> today_items.TodayItem | None:
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
        from models import members

        self.controller.write(partial(members.show_mine_today, mine))

    def _claim(self, item: today_items.TodayItem) -> None:
        from models import members

        self.controller.write(partial(members.claim, item.lead_id), self._on_claimed)

    def _on_claimed(self, claimed: members.Claimed) -> None:
        was = f" (was {claimed.previous_owner}'s)" if claimed.previous_owner else ""
        self.controller.inform(f"{claimed.lead_name} is now yours{was}." if claimed.changed
                               else f"{claimed.lead_name} is already yours.")

    def _open(self, item: today_items.TodayItem) -> None:
        self.controller.open_lead(item.lead_id)

    def _email(self, item: today_items.TodayItem) -> None:
        from models.detail import reply_subject  # loads the lead detail's modules: not needed to paint Today

        address = item.email or ""
        self.controller.read(partial(reply_subject, item.lead_id),
                             lambda subject: self._open_url(mailto_url(address, subject)))

    def _call(self, item: today_items.TodayItem) -> None:
        self._open_url(tel_url(item.phone or ""))

    def _open_url(self, url: QUrl) -> None:
        if not QDesktopServices.openUrl(url):
            self.controller.warn(f"No program is set up to open {url.scheme()}: links.")

    def _done(self, item: today_items.TodayItem) -> None:
        from . import followup_dialogs  # on first use: Today paints without the dialogs' imports

        dialog = followup_dialogs.DoneDialog(self.controller, item.lead_id, item.name, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._complete(item, dialog.choice()))
        self.done_dialog = dialog
        dialog.destroyed.connect(lambda: setattr(self, "done_dialog", None))
        dialog.open()

    def _complete(self, item: today_items.TodayItem, choice: followups.DoneChoice) -> None:
        from models import followups

        success = (f"{item.name} closed as {choice.close}." if choice.close else f"Done: {item.name}.")
        self.controller.write(partial(followups.complete, item.lead_id, choice), self._offer_undo,
                              success=success)

    def _snooze(self, item: today_items.TodayItem) -> None:
        from . import followup_dialogs

        menu = followup_dialogs.SnoozeMenu(self)
        menu.chosen.connect(lambda due: self.snooze_to(item, due))
        self.snooze_menu = menu
        rect = self.tree.visualRect(self.tree.currentIndex())
        menu.popup(self.tree.viewport().mapToGlobal(rect.center()))

    def snooze_to(self, item: today_items.TodayItem, due) -> None:
        from models import followups

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
        from models import followups

        self.controller.write(partial(followups.undo, info), success=f"Undone: {info.text}.")
