"""One lead: the header (name, stage, email and call links), the contact form, the stage and
next step, the timeline with notes, and merging duplicates.

Non-modal; several can be open at once. The dialog loads everything off the UI thread
(models.detail.load_detail) and hands each pane its part; the panes write through the
controller. It reloads when controller.data_changed fires; the contact form keeps edits
the user has not saved yet.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from html import escape

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from models import detail
from models.clock import to_local
from models.contacts import display_phone
from models.timeline import Candidate, LeadInfo, merge_candidates

from . import resources, widgets
from .controller import Controller
from .lead_contact import ContactForm
from .lead_step import StepPane
from .lead_timeline import TimelinePane
from .widgets import when_text


def open_url(url: str) -> bool:
    """Hand a mailto:/tel: link to the desktop (the user's mail client, phone app)."""
    return QDesktopServices.openUrl(QUrl(url))


class LeadHeader(QWidget):
    """The lead's name, a line on where it stands, and its email and phone as links."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
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
        self.links = QLabel(accessibleName="Email and call", openExternalLinks=False)
        self.links.setTextFormat(Qt.TextFormat.RichText)
        self.links.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                           | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.links.linkActivated.connect(open_url)
        head = QHBoxLayout(self)
        head.setContentsMargins(0, 0, 0, 0)
        names = QVBoxLayout()
        names.setSpacing(2)
        names.addWidget(self.title)
        names.addWidget(self.subtitle)
        head.addLayout(names, 1)
        head.addWidget(self.links, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def show_lead(self, info: LeadInfo) -> None:
        self.title.setText(info.name)
        status = {"won": "Won", "lost": f"Lost ({info.lost_reason})" if info.lost_reason else "Lost"}.get(info.status)
        parts = [status or info.stage, f"owner {info.owner}" if info.owner else "unclaimed",
                 f"received {when_text(info.created_at, with_time=False)}"]
        if info.source:
            parts.append(f"via {info.source}")
        self.subtitle.setText("  ·  ".join(parts))
        link = self.palette().color(QPalette.ColorRole.Link).name()
        links = []
        if info.email:
            links.append(f'<a style="color:{link}" href="mailto:{escape(info.email)}">✉ {escape(info.email)}</a>')
        if info.phone:
            links.append(f'<a style="color:{link}" href="tel:{escape(info.phone)}">☎ '
                         f'{escape(display_phone(info.phone))}</a>')
        self.links.setText("&nbsp;&nbsp;&nbsp;".join(links) if links else "<i>no email or phone yet</i>")
        self.links.setToolTip("Click to write an email or call" if links else "")


class MergeDialog(QDialog):
    """Pick a suggested duplicate to merge into this lead."""

    def __init__(self, name: str, candidates: Sequence[Candidate], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Merge with — {name}")
        self.resize(560, 360)
        layout = QVBoxLayout(self)
        intro = QLabel(f"Leads that may be the same person as <b>{escape(name)}</b>. The one you pick is merged "
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


class LeadDetailDialog(QDialog):
    """Everything about one lead, editable; closes nothing and blocks nothing (non-modal)."""

    loaded = Signal()

    def __init__(self, controller: Controller, lead_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.lead_id = lead_id
        self.info: LeadInfo | None = None
        self._generation = 0
        self._merge_dialog: MergeDialog | None = None
        self.setModal(False)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setWindowTitle("Lead")
        self.setWindowIcon(resources.icon("leads"))
        self.resize(1000, 680)
        self.setSizeGripEnabled(True)
        self.header = LeadHeader()
        self.contact = ContactForm(controller)
        self.step = StepPane(controller)
        self.timeline = TimelinePane(controller)
        self.merge_button = QPushButton("Merge with…")
        self.merge_button.setToolTip("Join a duplicate of this lead into it, keeping every activity")
        self.merge_button.clicked.connect(self.choose_merge)

        left = QWidget(minimumWidth=340)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 8, 0)
        column.addWidget(self.contact)
        column.addWidget(self.step)
        column.addWidget(self.merge_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addStretch(1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(self.timeline)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([400, 600])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 12, 14, 12)
        outer.setSpacing(8)
        outer.addWidget(self.header)
        outer.addWidget(splitter, 1)
        controller.data_changed.connect(self._on_data_changed)
        self.reload()

    def _on_data_changed(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._generation += 1
        self.controller.read(partial(detail.load_detail, self.lead_id), partial(self._on_loaded, self._generation))

    def _on_loaded(self, generation: int, data: detail.DetailData) -> None:
        if generation != self._generation:  # an older load finishing late is dropped
            return
        info = self.info = data.info
        self.lead_id = info.id  # merged into another lead: follow it
        self.setWindowTitle(f"{info.name} — Lead")
        self.header.show_lead(info)
        self.contact.show_lead(info, [name for _id, name in data.choices.owners], data.phone_region)
        self.step.show_lead(info, data.choices)
        self.timeline.show_entries(info.id, data.entries)
        self.loaded.emit()

    # --- merging ------------------------------------------------------------------------------

    def choose_merge(self) -> None:
        """Offer the suggested duplicates; the chosen one is merged into this lead after a confirmation."""
        if self.info is not None:
            self.controller.read(partial(merge_candidates, self.lead_id), self._on_candidates)

    def _on_candidates(self, candidates: list[Candidate]) -> None:
        assert self.info is not None
        dialog = self._merge_dialog = MergeDialog(self.info.name, candidates, self)
        names = {c.id: c for c in candidates}
        dialog.accepted.connect(lambda: self.merge_with(dialog.chosen(), names.get(dialog.chosen() or "")))
        dialog.open()

    def merge_with(self, other_id: str | None, candidate: Candidate | None = None, confirm: bool = True) -> None:
        if not other_id or self.info is None:
            return
        name, other = self.info.name, candidate.name if candidate else "the other lead"
        if confirm:
            answer = QMessageBox.question(
                self, "Merge leads",
                f"Merge {other} into {name}?\n\nEvery email, note, call and follow-up of {other} moves to "
                f"{name}, empty fields are filled in, and {other} disappears from the lists.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.controller.write(partial(detail.merge_into, self.lead_id, other_id),
                              success=f"Merged {other} into {name}.")
