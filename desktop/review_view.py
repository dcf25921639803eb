"""Review: mail that might be an inquiry (accept / reject in one key), and the ignored mail with reasons.

Two tabs over the same kind of table model (models.mail.MailSummary rows, loaded off the
UI thread). The message text is shown as plain text; a body that is HTML is shown through
a sanitised QTextBrowser that never loads anything from the network.
"""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from models import mail as mail_store
from models.mail import MailSummary, ReviewLists

from . import resources
from .controller import Controller
from .widgets import LiveView, view_title

_ROOT = QModelIndex()
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 1
FIELD_ORDER = ("name", "email", "phone", "company", "service")

REVIEW_EMPTY = ("Nothing to review.\n\nWhen a message might be an inquiry but Leadbook is not sure — a personal "
                "note without inquiry words, a sender it does not know — it waits here for you to accept it "
                "(it becomes a lead) or reject it (that sender is ignored from then on). Clear inquiries "
                "become leads on their own.")
NO_INBOX = ("No inbox is connected yet, so there is no mail to review.\n\nAdd your mail account in Settings "
            "(Ctrl+,): inquiries then become leads on their own, and anything unclear waits here.")
IGNORED_EMPTY = ("No mail has been ignored.\n\nNewsletters, auto-replies, receipts, bounces and other "
                 "notifications that Leadbook skips are listed here with the reason, so you can check that "
                 "nothing real was thrown away.")


# --- presentation helpers ----------------------------------------------------------------------------

def fields_text(fields: dict[str, Any]) -> str:
    return " · ".join(str(fields[k]) for k in FIELD_ORDER if fields.get(k))


def sender_text(item: MailSummary) -> str:
    if item.from_name and item.from_addr:
        return f"{item.from_name} <{item.from_addr}>"
    return item.from_name or item.from_addr or "(no sender)"


def local_time(value: datetime | None) -> str:
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    local = aware.astimezone()
    today = datetime.now().astimezone().date()
    if local.date() == today:
        return local.strftime("%H:%M")
    if local.year == today.year:
        return local.strftime("%d %b %H:%M")
    return local.strftime("%d %b %Y")


_HTML_START = re.compile(r"^\s*(<!doctype|<html|<body|<div|<p[\s>]|<table|<br)", re.IGNORECASE)
_DROP_BLOCKS = re.compile(r"<(script|style|iframe|object|embed|form|head|svg|video|audio)\b.*?</\1\s*>",
                          re.IGNORECASE | re.DOTALL)
_DROP_TAGS = re.compile(r"<(script|style|iframe|object|embed|link|meta|base|input|button|frame|frameset)\b[^>]*>",
                        re.IGNORECASE)
_EVENT_ATTR = re.compile(r"""\s(on\w+|style|background|srcset)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)


def looks_like_html(text: str) -> bool:
    return bool(_HTML_START.match(text or ""))


def sanitise_html(text: str) -> str:
    """Keep the markup that reads well; drop scripts, styles, frames, forms, event handlers and images.

    Images are replaced by a marker (remote images are how senders track readers). The
    browser below refuses every non-data: resource anyway; this keeps the page tidy.
    """
    text = _DROP_BLOCKS.sub("", text)
    text = _DROP_TAGS.sub("", text)
    text = _IMG.sub("<i>[image not loaded]</i>", text)
    return _EVENT_ATTR.sub("", text)


class SafeBrowser(QTextBrowser):
    """A QTextBrowser that never fetches anything: no remote images, no stylesheets, no link following."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setOpenExternalLinks(False)
        self.setOpenLinks(False)
        self.blocked: list[str] = []  # what a message tried to load (tests)

    def loadResource(self, kind: int, name: QUrl | str) -> Any:  # noqa: N802 - Qt override
        url = name if isinstance(name, QUrl) else QUrl(str(name))
        if url.scheme() == "data":
            return super().loadResource(kind, url)
        self.blocked.append(url.toString())
        return None

    def show_message(self, text: str) -> None:
        if looks_like_html(text):
            self.setHtml(sanitise_html(text))
        else:
            self.setPlainText(text)


# --- the model ---------------------------------------------------------------------------------------

class MailTableModel(QAbstractTableModel):
    """Stored messages (MailSummary): received, from, subject, what was found, why."""

    HEADERS = ("Received", "From", "Subject", "Found", "Reason")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._items: list[MailSummary] = []

    def set_items(self, items: list[MailSummary]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item(self, row: int) -> MailSummary | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, message_id: str) -> int:
        for row, item in enumerate(self._items):
            if item.id == message_id:
                return row
        return -1

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.item(index.row())
        if item is None:
            return None
        column = index.column()
        if role == SUMMARY_ROLE:
            return item
        if role == Qt.ItemDataRole.DisplayRole:
            return (local_time(item.received_at), sender_text(item), item.subject or "(no subject)",
                    fields_text(item.fields) or "—", item.reason)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 1:
                return sender_text(item)
            if column == 3:
                return "\n".join(f"{k}: {item.fields[k]}" for k in FIELD_ORDER if item.fields.get(k)) or None
            if column == 4:
                return item.reason
            if column == 2:
                return item.excerpt or None
        return None


# --- one tab: list + message -------------------------------------------------------------------------

class MailPane(QWidget):
    """A message table over a detail pane (the sender, fields, reason and the text)."""

    current_changed = Signal()

    def __init__(self, controller: Controller, empty_text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.model = MailTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setFrameShape(QFrame.Shape.NoFrame)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        metrics = self.fontMetrics()
        em = metrics.height()
        self.table.setColumnWidth(0, metrics.horizontalAdvance("28 Sep 2024 ") + em)
        for column, width in ((1, 16), (2, 15), (3, 17)):
            self.table.setColumnWidth(column, width * em)

        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.browser = SafeBrowser()
        self.browser.setFrameShape(QFrame.Shape.NoFrame)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 6, 0, 0)
        detail_layout.addWidget(self.heading)
        detail_layout.addWidget(self.browser, 1)

        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.table)
        self.split.addWidget(detail)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)

        self.empty = QLabel(empty_text, objectName="emptyState")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.split)
        self.stack.addWidget(self.empty)

        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(self.buttons)
        layout.addWidget(self.stack, 1)
        self.setFocusProxy(self.table)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self._text_for: str | None = None

    def current(self) -> MailSummary | None:
        index = self.table.currentIndex()
        return self.model.item(index.row()) if index.isValid() else None

    def set_items(self, items: list[MailSummary], empty_text: str | None = None) -> None:
        keep = self.current()
        keep_row = self.table.currentIndex().row()
        self.model.set_items(items)
        if empty_text is not None:
            self.empty.setText(empty_text)
        self.stack.setCurrentWidget(self.empty if not items else self.split)
        if items:
            row = self.model.row_of(keep.id) if keep else -1
            if row < 0:
                row = min(max(keep_row, 0), len(items) - 1)
            self.table.setCurrentIndex(self.model.index(row, 0))
            self.table.selectRow(row)
        else:
            self._show(None)

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show(self.model.item(current.row()) if current.isValid() else None)
        self.current_changed.emit()

    def _show(self, item: MailSummary | None) -> None:
        if item is None:
            self.heading.setText("")
            self.browser.clear()
            self._text_for = None
            return
        esc = html.escape
        rows = [f"<b>{esc(item.subject or '(no subject)')}</b>",
                f"From {esc(sender_text(item))} · {esc(local_time(item.received_at))}"]
        found = [f"{esc(k.capitalize())}: {esc(str(item.fields[k]))}" for k in FIELD_ORDER if item.fields.get(k)]
        if found:
            rows.append("Found: " + " · ".join(found))
        rows.append(f"<i>Why it is here: {esc(item.reason)}</i>")
        self.heading.setText("<br>".join(rows))
        self.browser.setPlainText(item.excerpt)
        self._text_for = item.id
        self.controller.read(lambda i=item.id: mail_store.message_text(i),
                             lambda text, i=item.id: self._on_text(i, text))

    def _on_text(self, message_id: str, text: str) -> None:
        if self._text_for == message_id:
            self.browser.show_message(text or "(This message has no text.)")


# --- the view ------------------------------------------------------------------------------------------

class ReviewView(LiveView):
    """The Review tab (accept A / reject R) and the Ignored mail tab (make it a lead)."""

    loaded = Signal()  # a refresh has been applied (tests)
    lead_accepted = Signal(str)  # the id of a lead made from a message

    def __init__(self, controller: Controller, parent: QWidget | None = None):
        super().__init__(controller, parent)
        self._generation = 0

        title = view_title("Review")
        self.summary = QLabel("")
        self.summary.setProperty("role", "subtitle")
        header = QHBoxLayout()
        header.addWidget(title)
        header.addSpacing(12)
        header.addWidget(self.summary, 0, Qt.AlignmentFlag.AlignBottom)
        header.addStretch(1)

        # the "Might be inquiries" tab
        self.review = MailPane(controller, REVIEW_EMPTY)
        self.accept_button = QPushButton("Accept as lead")
        self.accept_button.setProperty("primary", True)
        self.accept_button.setToolTip("This is an inquiry: make it a lead and trust this sender from now on (A)")
        self.accept_button.clicked.connect(self.accept_current)
        self.reject_button = QToolButton()
        self.reject_button.setText("Reject")
        self.reject_button.setIcon(resources.icon("lost"))
        self.reject_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.reject_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.reject_button.setToolTip("Not an inquiry: ignore mail from this sender's domain from now on (R)")
        self.reject_button.clicked.connect(lambda: self.reject_current("domain"))
        menu = QMenu(self.reject_button)
        self.reject_domain_action = menu.addAction("Ignore the whole domain", lambda: self.reject_current("domain"))
        self.reject_address_action = menu.addAction("Ignore only this address (Shift+R)",
                                                    lambda: self.reject_current("address"))
        self.reject_button.setMenu(menu)
        self.review.buttons.addWidget(self.accept_button)
        self.review.buttons.addWidget(self.reject_button)
        hint = QLabel("A accept · R reject the domain · Shift+R reject the address")
        hint.setProperty("role", "hint")
        self.review.buttons.addStretch(1)
        self.review.buttons.addWidget(hint)

        # the "Ignored mail" tab
        self.ignored = MailPane(controller, IGNORED_EMPTY)
        self.make_lead_button = QPushButton(resources.icon("add"), "Make this a lead")
        self.make_lead_button.setToolTip("This was a real inquiry: make it a lead and trust this sender (L)")
        self.make_lead_button.clicked.connect(self.make_lead_current)
        ignored_hint = QLabel("The latest ignored messages, with the reason each was skipped")
        ignored_hint.setProperty("role", "hint")
        self.ignored.buttons.addWidget(self.make_lead_button)
        self.ignored.buttons.addStretch(1)
        self.ignored.buttons.addWidget(ignored_hint)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.review, "Might be inquiries")
        self.tabs.addTab(self.ignored, "Ignored mail")

        # "Accepted: … is now a lead — Open"
        self.done_bar = QFrame(objectName="undoBar")
        self.done_label = QLabel()
        self.open_button = QPushButton("Open lead")
        self.open_button.clicked.connect(self._open_accepted)
        bar = QHBoxLayout(self.done_bar)
        bar.addWidget(self.done_label, 1)
        bar.addWidget(self.open_button)
        self.done_bar.setVisible(False)
        self._accepted: str | None = None

        layout = QVBoxLayout(self)
        margin = self.fontMetrics().height()
        layout.setContentsMargins(margin, margin, margin, 0)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.done_bar)
        self.setFocusProxy(self.tabs)

        def shortcut(keys: str, slot, pane: QWidget) -> QAction:
            act = QAction(self)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            pane.addAction(act)
            return act

        self.accept_action = shortcut("A", self.accept_current, self.review)
        self.reject_action = shortcut("R", lambda: self.reject_current("domain"), self.review)
        self.reject_address_shortcut = shortcut("Shift+R", lambda: self.reject_current("address"), self.review)
        self.make_lead_action = shortcut("L", self.make_lead_current, self.ignored)

        self.review.current_changed.connect(self._update_buttons)
        self.ignored.current_changed.connect(self._update_buttons)
        self._update_buttons()

    # --- loading ---------------------------------------------------------------------------------
    def load(self) -> None:
        self._generation += 1
        generation = self._generation
        self.controller.read(mail_store.load_review, lambda lists: self._on_loaded(generation, lists))

    def _on_loaded(self, generation: int, lists: ReviewLists) -> None:
        if generation != self._generation:
            return
        queue = lists.queue
        self.review.set_items(queue, REVIEW_EMPTY if lists.has_accounts or lists.ignored else NO_INBOX)
        self.ignored.set_items(lists.ignored)
        self.summary.setText(f"{len(queue)} to decide" if queue else "nothing to decide")
        self.tabs.setTabText(0, f"Might be inquiries ({len(queue)})" if queue else "Might be inquiries")
        self._update_buttons()
        self.loaded.emit()

    def _update_buttons(self) -> None:
        has_review = self.review.current() is not None
        self.accept_button.setEnabled(has_review)
        self.reject_button.setEnabled(has_review)
        self.make_lead_button.setEnabled(self.ignored.current() is not None)

    # --- actions ---------------------------------------------------------------------------------
    def accept_current(self) -> None:
        self._make_lead(self.review.current(), "Accepted: {who} is now a lead.")

    def reject_current(self, scope: str = "domain") -> None:
        item = self.review.current()
        if item is None:
            return
        self.controller.write(lambda: mail_store.reject_review(item.id, scope), self._on_rejected)

    def make_lead_current(self) -> None:
        self._make_lead(self.ignored.current(), "{who} is now a lead.")

    def _make_lead(self, item: MailSummary | None, text: str) -> None:
        """Accept a message (waiting for review, or ignored) as a lead; its sender becomes a lead rule."""
        if item is None:
            return
        who = item.from_name or item.from_addr or "The sender"
        self.controller.write(lambda: mail_store.accept_review(item.id).id,
                              lambda lead_id: self._on_accepted(lead_id, text.format(who=who)))

    def _on_accepted(self, lead_id: str, text: str) -> None:
        self._accepted = lead_id
        self.done_label.setText(text + " Mail from this sender will become leads from now on.")
        self.open_button.setVisible(True)
        self.done_bar.setVisible(True)
        self.lead_accepted.emit(lead_id)

    def _on_rejected(self, pattern: str) -> None:
        self._accepted = None
        self.done_label.setText(f"Rejected: mail from {pattern} is ignored from now on "
                                "(see it under Ignored mail).")
        self.done_bar.setVisible(True)
        self.open_button.setVisible(False)

    def _open_accepted(self) -> None:
        if self._accepted:
            self.controller.open_lead(self._accepted)
        self.done_bar.setVisible(False)
