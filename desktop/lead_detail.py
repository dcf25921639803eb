"""One lead: contact data, stage, next step, the timeline, notes, merging duplicates.

Non-modal; several can be open at once. Everything is read off the UI thread
(models.timeline) and written through the controller; the dialog reloads when
controller.data_changed fires, keeping edits the user has not saved yet.

Mail text is shown as plain text only (QPlainTextEdit): no HTML, so no remote content
is ever loaded.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QDesktopServices, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from models import leads, members, settings
from models.board import Choices, choices
from models.clock import now, to_local, to_utc
from models.contacts import display_phone, normalise_email, normalise_phone
from models.errors import InvalidInput
from models.tables import database
from models.timeline import KIND_TITLES, Candidate, Entry, LeadInfo, lead_info, merge_candidates, timeline

from . import resources, stage_dialogs, widgets
from .controller import Controller
from .widgets import error_color, format_amount, muted_color, when_text

log = logging.getLogger("leadbook.desktop.detail")

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_ICONS = {
    "created": "mail", "email_in": "mail", "email_out": "email", "call": "call", "note": "note",
    "meeting": "today", "stage": "board", "edit": "settings", "followup": "done", "merge": "leads",
    "conflict": "warning",
}


# --- plain data and the operations run through the controller -----------------------------------

@dataclass(frozen=True)
class DetailData:
    info: LeadInfo
    entries: list[Entry]
    choices: Choices
    phone_region: str


def load_detail(lead_id: str) -> DetailData:
    info = lead_info(lead_id)
    return DetailData(info, timeline(info.id), choices(), settings.phone_region())


def save_fields(lead_id: str, fields: dict[str, Any], owner: str | None) -> None:
    """Save edited fields (owner by name, '' = unclaimed, None = unchanged) in one transaction."""
    with database.atomic("IMMEDIATE"):
        lead = leads.find_lead(lead_id)
        if owner is not None:
            fields = dict(fields, owner=members.find_member(owner) if owner else None)
        leads.edit_lead(lead, **fields)


def save_next_step(lead_id: str, due: datetime, title: str) -> None:
    leads.schedule_followup(leads.find_lead(lead_id), due, title.strip() or None)


def add_note(lead_id: str, text: str, kind: str) -> None:
    leads.add_note(leads.find_lead(lead_id), text, kind=kind)


def merge_into(keep_id: str, other_id: str) -> str:
    return leads.merge_leads(leads.find_lead(keep_id), leads.find_lead(other_id)).id


# --- the timeline ------------------------------------------------------------------------------

class TimelineModel(QAbstractListModel):
    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self._entries: list[Entry] = []

    def set_entries(self, entries: list[Entry]) -> None:
        self.beginResetModel()
        self._entries = entries
        self.endResetModel()

    def entries(self) -> list[Entry]:
        return self._entries

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
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


# --- merging -----------------------------------------------------------------------------------

class MergeDialog(QDialog):
    """Pick a suggested duplicate to merge into this lead."""

    def __init__(self, name: str, candidates: Sequence[Candidate], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Merge with — {name}")
        self.resize(560, 360)
        layout = QVBoxLayout(self)
        intro = QLabel(f"Leads that may be the same person as <b>{_escape(name)}</b>. The one you pick is merged "
                       f"into this lead: every email, note, call and follow-up moves here.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = QListWidget()
        for candidate in candidates:
            contact = " · ".join(p for p in (candidate.email, display_phone(candidate.phone), candidate.company) if p)
            item = QListWidgetItem(f"{candidate.name}  —  {candidate.stage} ({candidate.status}), "
                                   f"since {to_local(candidate.created_at):%d %b %Y}\n{contact}  [{candidate.why}]")
            item.setData(Qt.ItemDataRole.UserRole, candidate.id)
            self.list.addItem(item)
        if not candidates:
            self.list.addItem("No likely duplicates: no other lead shares this email, phone or name.")
            self.list.setEnabled(False)
        else:
            self.list.setCurrentRow(0)
        layout.addWidget(self.list, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Merge…")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(candidates))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _i: self.accept())
        layout.addWidget(self.buttons)

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None


# --- the dialog --------------------------------------------------------------------------------

def open_url(url: str) -> bool:
    """Hand a mailto:/tel: link to the desktop (the user's mail client, phone app)."""
    return QDesktopServices.openUrl(QUrl(url))


class LeadDetailDialog(QDialog):
    """Everything about one lead, editable; closes nothing and blocks nothing (non-modal)."""

    loaded = Signal()

    FIELDS = ("name", "company", "email", "phone", "value", "source")

    def __init__(self, controller: Controller, lead_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.lead_id = lead_id
        self.info: LeadInfo | None = None
        self._choices: Choices | None = None
        self._region = "US"
        self._dirty = False
        self._filling = False
        self._generation = 0
        self._merge_dialog: MergeDialog | None = None
        self._done_dialog: QDialog | None = None
        self.setModal(False)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setWindowTitle("Lead")
        self.setWindowIcon(resources.icon("leads"))
        self.resize(1000, 680)
        self.setSizeGripEnabled(True)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 12, 14, 12)
        outer.setSpacing(8)
        self.title = QLabel()
        self.title.setProperty("role", "title")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setWeight(QFont.Weight.DemiBold)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel()
        self.subtitle.setProperty("role", "subtitle")
        self.subtitle.setForegroundRole(widgets.MUTED_ROLE)
        self.links = QLabel()
        self.links.setTextFormat(Qt.TextFormat.RichText)
        self.links.setOpenExternalLinks(False)
        self.links.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                           | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.links.linkActivated.connect(open_url)
        self.links.setAccessibleName("Email and call")
        head = QHBoxLayout()
        names = QVBoxLayout()
        names.setSpacing(2)
        names.addWidget(self.title)
        names.addWidget(self.subtitle)
        head.addLayout(names, 1)
        head.addWidget(self.links, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        outer.addLayout(head)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        outer.addWidget(splitter, 1)
        splitter.addWidget(self._build_left())
        splitter.addWidget(self._build_right())
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([400, 600])

        controller.data_changed.connect(self._on_data_changed)
        self.reload()

    # --- building -----------------------------------------------------------------------------

    def _build_left(self) -> QWidget:
        panel = QWidget()
        panel.setMinimumWidth(340)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 8, 0)

        contact = QGroupBox("Contact")
        form = QFormLayout(contact)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.edits: dict[str, QLineEdit] = {}
        self.field_errors: dict[str, QLabel] = {}
        labels = {"name": "Name", "company": "Company", "email": "Email", "phone": "Phone", "value": "Value",
                  "source": "Source"}
        for name in self.FIELDS:
            edit = QLineEdit()
            edit.setObjectName(f"field_{name}")
            edit.textEdited.connect(self._on_edited)
            edit.editingFinished.connect(partial(self._check_field, name))
            self.edits[name] = edit
            error = QLabel()
            error.setProperty("role", "error")
            widgets.make_error_label(error)
            error.setWordWrap(True)
            error.hide()
            self.field_errors[name] = error
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(edit)
            box.addWidget(error)
            form.addRow(labels[name] + ":", box)
        self.edits["phone"].setPlaceholderText("e.g. +49 30 1234567")
        self.edits["value"].setPlaceholderText("e.g. 1200")
        self.owner = QComboBox()
        self.owner.setEditable(True)
        self.owner.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.owner.lineEdit().setPlaceholderText("unclaimed — type a name to assign")
        self.owner.lineEdit().textEdited.connect(self._on_edited)
        self.owner.activated.connect(lambda _i: self._on_edited())
        form.addRow("Owner:", self.owner)
        self.form_error = QLabel()
        self.form_error.setProperty("role", "error")
        widgets.make_error_label(self.form_error)
        self.form_error.setWordWrap(True)
        self.form_error.hide()
        form.addRow(self.form_error)
        self.save_button = QPushButton("Save changes")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Revert")
        self.revert_button.setEnabled(False)
        self.revert_button.clicked.connect(self._revert)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.revert_button)
        row.addWidget(self.save_button)
        form.addRow(row)
        layout.addWidget(contact)

        pipeline = QGroupBox("Stage and next step")
        pform = QFormLayout(pipeline)
        pform.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.stage = QComboBox()
        self.stage.setAccessibleName("Stage")
        self.stage.activated.connect(self._on_stage_chosen)
        pform.addRow("Stage:", self.stage)
        self.next_title = QLineEdit()
        self.next_title.setPlaceholderText("What is the next step?")
        self.next_due = QDateTimeEdit()
        self.next_due.setCalendarPopup(True)
        self.next_due.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        self.next_title.textEdited.connect(lambda _t: self._next_edited())
        self.next_due.dateTimeChanged.connect(lambda _d: self._next_edited())
        pform.addRow("Next step:", self.next_title)
        pform.addRow("Due:", self.next_due)
        self.next_state = QLabel()
        self.next_state.setWordWrap(True)
        pform.addRow(self.next_state)
        self.save_next_button = QPushButton("Save next step")
        self.save_next_button.setEnabled(False)
        self.save_next_button.clicked.connect(self.save_next)
        self.done_button = QPushButton(resources.icon("done"), "Done…")
        self.done_button.setToolTip("Tick off this step: say what happened and what comes next, or close the lead")
        self.done_button.clicked.connect(self.done_step)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_next_button)
        row.addWidget(self.done_button)
        pform.addRow(row)
        layout.addWidget(pipeline)

        self.merge_button = QPushButton("Merge with…")
        self.merge_button.setToolTip("Join a duplicate of this lead into it, keeping every activity")
        self.merge_button.clicked.connect(self.choose_merge)
        row = QHBoxLayout()
        row.addWidget(self.merge_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        return panel

    def _build_right(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(8, 0, 0, 0)
        heading = QLabel("Timeline")
        heading.setProperty("role", "title")
        font = heading.font()
        font.setWeight(QFont.Weight.DemiBold)
        heading.setFont(font)
        layout.addWidget(heading)
        self.timeline_model = TimelineModel(self)
        self.timeline = TimelineView()
        self.timeline.setModel(self.timeline_model)
        self.timeline.selectionModel().currentChanged.connect(self._on_entry_selected)
        self.body = QPlainTextEdit()
        self.body.setReadOnly(True)
        self.body.setPlaceholderText("Select an entry to read all of it.")
        self.body.setAccessibleName("Entry text")
        inner = QSplitter(Qt.Orientation.Vertical)
        inner.setChildrenCollapsible(False)
        inner.addWidget(self.timeline)
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
        self.add_note_button.clicked.connect(lambda: self.add_note("note"))
        self.log_call_button = QPushButton(resources.icon("call"), "Log call")
        self.log_call_button.clicked.connect(lambda: self.add_note("call"))
        layout.addWidget(self.note)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.log_call_button)
        row.addWidget(self.add_note_button)
        layout.addLayout(row)
        self._update_note_buttons()
        return panel

    # --- loading ------------------------------------------------------------------------------

    def _on_data_changed(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._generation += 1
        self.controller.read(partial(load_detail, self.lead_id), partial(self._on_loaded, self._generation))

    def _on_loaded(self, generation: int, data: DetailData) -> None:
        if generation != self._generation:
            return
        info = data.info
        self.lead_id = info.id  # merged into another lead: follow it
        self.info = info
        self._choices = data.choices
        self._region = data.phone_region
        self.setWindowTitle(f"{info.name} — Lead")
        self.title.setText(info.name)
        status = {"won": "Won", "lost": f"Lost ({info.lost_reason})" if info.lost_reason else "Lost"}.get(info.status)
        parts = [status or info.stage, f"owner {info.owner}" if info.owner else "unclaimed",
                 f"received {when_text(info.created_at, with_time=False)}"]
        if info.source:
            parts.append(f"via {info.source}")
        self.subtitle.setText("  ·  ".join(parts))
        self._fill_links(info)
        if not self._dirty:
            self._fill_form(info)
        self._fill_stage(info, data.choices)
        self._fill_next(info)
        current = self.timeline.currentIndex()
        current_id = current.data(ENTRY_ROLE).id if current.isValid() else None
        self.timeline_model.set_entries(data.entries)
        if current_id:
            for row, entry in enumerate(data.entries):
                if entry.id == current_id:
                    self.timeline.setCurrentIndex(self.timeline_model.index(row))
                    break
        self.loaded.emit()

    def _fill_links(self, info: LeadInfo) -> None:
        pal = self.palette()
        link = pal.color(QPalette.ColorRole.Link).name()
        parts = []
        if info.email:
            parts.append(f'<a style="color:{link}" href="mailto:{_escape(info.email)}">✉ {_escape(info.email)}</a>')
        if info.phone:
            parts.append(f'<a style="color:{link}" href="tel:{_escape(info.phone)}">☎ '
                         f'{_escape(display_phone(info.phone))}</a>')
        self.links.setText("&nbsp;&nbsp;&nbsp;".join(parts) if parts else
                           "<i>no email or phone yet</i>")
        self.links.setToolTip("Click to write an email or call" if parts else "")

    def _fill_form(self, info: LeadInfo) -> None:
        self._filling = True
        values = {"name": info.name, "company": info.company, "email": info.email,
                  "phone": display_phone(info.phone), "value": format_amount(info.value).replace(",", ""),
                  "source": info.source}
        for name, edit in self.edits.items():
            edit.setText(values[name] or "")
            self._set_field_error(name, None)
        self.owner.clear()
        self.owner.addItems([name for _id, name in (self._choices.owners if self._choices else ())])
        self.owner.setCurrentIndex(self.owner.findText(info.owner) if info.owner else -1)
        self.owner.setEditText(info.owner or "")
        self.form_error.hide()
        self._filling = False
        self._set_dirty(False)

    def _fill_stage(self, info: LeadInfo, choices_: Choices) -> None:
        self.stage.blockSignals(True)
        self.stage.clear()
        for stage in choices_.stages:
            self.stage.addItem(stage.name, stage.id)
            self.stage.setItemData(self.stage.count() - 1, stage.definition, Qt.ItemDataRole.ToolTipRole)
        self.stage.setCurrentIndex(self.stage.findData(info.stage_id))
        self.stage.blockSignals(False)

    def _fill_next(self, info: LeadInfo) -> None:
        is_open = info.status == "open"
        for widget in (self.next_title, self.next_due, self.done_button):
            widget.setEnabled(is_open)
        self.next_due.blockSignals(True)
        if info.next_step is not None:
            self.next_title.setText(info.next_step.title)
            self.next_due.setDateTime(to_local(info.next_step.due).replace(tzinfo=None))
            overdue = info.next_step.due < now()
            self.next_state.setText("Overdue." if overdue else "")
            widgets.make_error_label(self.next_state)
        else:
            self.next_title.clear()
            self.next_due.setDateTime(datetime.now().replace(second=0, microsecond=0) + timedelta(days=1))
            if is_open:
                self.next_state.setText("No next step: every open lead needs one. Set it and save.")
                widgets.make_error_label(self.next_state)
            else:
                self.next_state.setText(f"Closed as {info.status}: no next step. Move it to an open stage "
                                        "to work on it again.")
                self.next_state.setPalette(self.palette())
        self.next_due.blockSignals(False)
        self.save_next_button.setEnabled(is_open and info.next_step is None)

    # --- editing the contact ------------------------------------------------------------------

    def _on_edited(self, *_args: Any) -> None:
        if not self._filling:
            self._set_dirty(True)

    def _set_dirty(self, dirty: bool) -> None:
        self._dirty = dirty
        self.save_button.setEnabled(dirty)
        self.save_button.setDefault(dirty)
        self.revert_button.setEnabled(dirty)

    def _revert(self) -> None:
        if self.info is not None:
            self._set_dirty(False)
            self._fill_form(self.info)

    def _set_field_error(self, name: str, text: str | None) -> None:
        edit, label = self.edits[name], self.field_errors[name]
        edit.setProperty("invalid", bool(text))
        edit.style().unpolish(edit)
        edit.style().polish(edit)
        label.setText(text or "")
        label.setVisible(bool(text))

    def _field_problem(self, name: str, text: str) -> str | None:
        try:
            if name == "email":
                normalise_email(text)
            elif name == "phone":
                normalise_phone(text, self._region)
            elif name == "value":
                amount = leads.parse_amount(text)
                if amount is not None and amount < 0:
                    return "A value cannot be negative."
            elif name == "name" and not text.strip():
                return "A lead needs a name."
        except InvalidInput as exc:
            return str(exc)
        return None

    def _check_field(self, name: str) -> bool:
        problem = self._field_problem(name, self.edits[name].text())
        self._set_field_error(name, problem)
        return problem is None

    def changed_fields(self) -> tuple[dict[str, Any], str | None]:
        """The edited contact fields (as models.leads.edit_lead takes them) and the owner (None: unchanged)."""
        info = self.info
        assert info is not None
        fields: dict[str, Any] = {}
        for name, edit in self.edits.items():
            text = edit.text().strip()
            if name == "value":
                amount = leads.parse_amount(text)
                if amount != info.value:
                    fields[name] = amount
            elif name == "phone":
                if text != display_phone(info.phone):
                    fields[name] = text
            elif text != (getattr(info, name) or ""):
                fields[name] = text
        owner_text = self.owner.currentText().strip()
        owner = owner_text if owner_text != (info.owner or "") else None
        return fields, owner

    def save(self) -> None:
        """Validate in place; save the changed fields through models.leads.edit_lead."""
        if self.info is None:
            return
        ok = all([self._check_field(name) for name in self.edits])
        if not ok:
            self.form_error.setText("Fix the marked fields; nothing was saved.")
            self.form_error.show()
            return
        fields, owner = self.changed_fields()
        if not fields and owner is None:
            self._set_dirty(False)
            return
        self.form_error.hide()
        self.controller.write(partial(save_fields, self.lead_id, fields, owner), self._on_saved,
                              failed=self._on_save_failed)

    def _on_saved(self, _result: None) -> None:
        self._set_dirty(False)  # the data_changed reload fills the form with the saved values

    def _on_save_failed(self, error: str) -> None:
        self.form_error.setText(error + " Nothing was saved.")
        self.form_error.show()

    # --- stage and next step ------------------------------------------------------------------

    def _on_stage_chosen(self, index: int) -> None:
        stage_id = self.stage.itemData(index)
        if self.info is None or self._choices is None or stage_id == self.info.stage_id:
            return
        self.move_to(stage_id)

    def move_to(self, stage_id: str) -> None:
        """Move the lead, asking only what the stage needs; cancelling restores the combo."""
        assert self.info is not None and self._choices is not None
        stage = next(s for s in self._choices.stages if s.id == stage_id)
        answer = stage_dialogs.ask_move(self, stage, self._choices.lost_reasons, self.info.name, self.info.value)
        if answer is None:
            self.stage.setCurrentIndex(self.stage.findData(self.info.stage_id))
            return
        self.controller.write(partial(stage_dialogs.apply_move, [self.lead_id], stage_id, answer),
                              success=f"Moved {self.info.name} to {stage.name}.")

    def _next_edited(self) -> None:
        if self.info is not None and self.info.status == "open":
            self.save_next_button.setEnabled(bool(self.next_title.text().strip()))

    def save_next(self) -> None:
        if self.info is None or self.info.status != "open":
            return
        title = self.next_title.text().strip()
        if not title:
            self.next_state.setText("Say what the next step is.")
            return
        due = to_utc(self.next_due.dateTime().toPython())
        self.controller.write(partial(save_next_step, self.lead_id, due, title),
                              success=f"Next step for {self.info.name} saved.")

    def done_step(self) -> None:
        """Tick off the pending step with the shared Done dialog (desktop/followup_dialogs)."""
        if self.info is None or self.info.status != "open":
            return
        from . import followup_dialogs

        dialog = followup_dialogs.DoneDialog(self.controller, self.lead_id, self.info.name, self)
        self._done_dialog = dialog
        lead_id = self.lead_id

        def accepted() -> None:
            self.controller.write(partial(followup_dialogs.complete, lead_id, dialog.choice()))

        dialog.accepted.connect(accepted)
        dialog.open()

    # --- notes --------------------------------------------------------------------------------

    def _update_note_buttons(self) -> None:
        has_text = bool(self.note.toPlainText().strip())
        self.add_note_button.setEnabled(has_text)
        self.log_call_button.setEnabled(has_text)

    def add_note(self, kind: str = "note") -> None:
        text = self.note.toPlainText().strip()
        if not text:
            return
        self.controller.write(partial(add_note, self.lead_id, text, kind), lambda _r: self.note.clear())

    def _on_entry_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry: Entry | None = current.data(ENTRY_ROLE) if current.isValid() else None
        if entry is None:
            self.body.clear()
            return
        head = f"{KIND_TITLES.get(entry.kind, entry.kind)} — {to_local(entry.at):%a %d %b %Y %H:%M}"
        if entry.author:
            head += f" — {entry.author}"
        self.body.setPlainText(f"{head}\n{entry.summary}\n\n{entry.body or ''}".rstrip())

    # --- merging ------------------------------------------------------------------------------

    def choose_merge(self) -> None:
        """Offer the suggested duplicates; the chosen one is merged into this lead after a confirmation."""
        if self.info is None:
            return
        self.controller.read(partial(merge_candidates, self.lead_id), self._on_candidates)

    def _on_candidates(self, candidates: list[Candidate]) -> None:
        assert self.info is not None
        dialog = MergeDialog(self.info.name, candidates, self)
        self._merge_dialog = dialog
        names = {c.id: c for c in candidates}
        dialog.accepted.connect(lambda: self.merge_with(dialog.chosen(), names.get(dialog.chosen() or "")))
        dialog.open()

    def merge_with(self, other_id: str | None, candidate: Candidate | None = None, confirm: bool = True) -> None:
        if not other_id or self.info is None:
            return
        other_name = candidate.name if candidate else "the other lead"
        if confirm:
            answer = QMessageBox.question(
                self, "Merge leads",
                f"Merge {other_name} into {self.info.name}?\n\nEvery email, note, call and follow-up of "
                f"{other_name} moves to {self.info.name}, empty fields are filled in, and {other_name} "
                f"disappears from the lists.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.controller.write(partial(merge_into, self.lead_id, other_id),
                              success=f"Merged {other_name} into {self.info.name}.")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")

