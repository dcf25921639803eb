"""The leads behind a number: a list that opens each lead (Enter or a double click), with an optional
fix for the whole list (give each a next step) or for two chosen leads (merge them)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QDialog, QLabel, QListView, QPushButton, QVBoxLayout, QWidget

from models import board
from models.plural import counted

from .controller import Controller
from .widgets import ListModel, button_row

SHOWN = 500  # rows listed at most; the title says how many there are
B = board  # row positions: board.NAME, board.STAGE, ...


class RowModel(ListModel):
    def item_data(self, row: tuple, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            who = row[B.NAME] + (f" ({row[B.COMPANY]})" if row[B.COMPANY] else "")
            contact = row[B.EMAIL] or row[B.PHONE] or "no email or phone"
            return f"{who}  ·  {row[B.STAGE]}  ·  {contact}"
        if role == Qt.ItemDataRole.UserRole:
            return row[B.ID]
        return None


class LeadListDialog(QDialog):
    """title: what the leads are ("Leads stuck in Quoted"); fixes: (button text, what it does with the
    listed ids, or with the two selected ones when it says merge)."""

    def __init__(self, controller: Controller, title: str, lead_ids: Sequence[str],
                 fixes: Sequence[tuple[str, Callable[[list[str]], None]]] = (), parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.lead_ids = list(lead_ids)
        self.setWindowTitle(title)
        self.resize(620, 460)
        count = len(self.lead_ids)
        heading = QLabel(f"<b>{title}</b> — {counted(count, 'lead')}"
                         + (f", the first {SHOWN} listed" if count > SHOWN else ""))
        hint = QLabel("Enter or a double click opens a lead.")
        hint.setProperty("role", "hint")
        self.model = RowModel(self)
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.activated.connect(self._open)
        self.buttons: dict[str, QPushButton] = {}
        for text, action in fixes:
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(partial(self._fix, action, "merge" in text.lower()))
            self.buttons[text] = button
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(hint)
        layout.addWidget(self.list, 1)
        layout.addLayout(button_row(*self.buttons.values(), close))
        self.list.selectionModel().selectionChanged.connect(self._update)
        controller.read(partial(board.lead_rows, self.lead_ids[:SHOWN]), self._shown)

    def _shown(self, rows: list[tuple]) -> None:
        self.model.set_items(rows)
        if rows:
            self.list.setCurrentIndex(self.model.index(0, 0))
        self.list.setFocus()
        self._update()

    def selected_ids(self) -> list[str]:
        return [index.data(Qt.ItemDataRole.UserRole) for index in self.list.selectionModel().selectedRows()]

    def _update(self, *_args: Any) -> None:
        for text, button in self.buttons.items():
            button.setEnabled(len(self.selected_ids()) == 2 if "merge" in text.lower() else bool(self.lead_ids))
            if "merge" in text.lower():
                button.setToolTip("Select the two leads that are one person (Ctrl+click); the first is kept")

    def _open(self, index: QModelIndex) -> None:
        self.controller.open_lead(index.data(Qt.ItemDataRole.UserRole))

    def _fix(self, action: Callable[[list[str]], None], merge: bool) -> None:
        action(self.selected_ids() if merge else self.lead_ids)
        self.accept()
