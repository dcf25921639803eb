"""Settings › Team: make or join a team through a synced folder, see its devices, leave it.

The passphrase goes from its field straight to the operation and the field is emptied: it is
never shown again, stored, or logged (the team key lives in the keychain).
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sync.team import rounds, team

from .controller import Controller
from .labels import hint, show_result
from .widgets import when_text

_ROOT = QModelIndex()
INTRO = ("Share this pipeline with your team through a folder you already sync (Dropbox, OneDrive, Google Drive, "
         "Syncthing or a network share). Each computer keeps its own database; only changes travel. One person "
         "creates the team, the others join it from a new data folder once the folder has synced to them.")


class DevicesModel(QAbstractTableModel):
    """The team's devices: who, which computer, last seen, and how far this one has applied theirs."""

    HEADERS = ("Member", "Device", "Last seen", "Applied", "Pending", "Held back")

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.devices: tuple[team.DeviceStatus, ...] = ()

    def set_devices(self, devices: tuple[team.DeviceStatus, ...]) -> None:
        self.beginResetModel()
        self.devices = devices
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.devices)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        d = self.devices[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return d.device_id
        return (d.member + (" (this computer)" if d.is_me else ""), d.device_id[:8],
                when_text(d.last_seen) or "never", str(d.applied), str(d.pending), str(d.held_back))[index.column()]


class TeamPane(QWidget):
    changed = Signal()  # a team was made, joined or left: the background sync starts or stops

    def __init__(self, controller: Controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.outcome: rounds.Outcome | None = None

        # not in a team: create or join
        self.folder = QLineEdit(placeholderText="a folder inside Dropbox, OneDrive, Google Drive, Syncthing or a share")
        self.choose_button = QPushButton("Choose…")
        self.choose_button.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.choose_button)
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password,
                                    placeholderText="optional: encrypts everything in the folder")
        self.member_name = QLineEdit(placeholderText="how teammates see you")
        self.email = QLineEdit(placeholderText="you@example.com (teammates' computers know you by it)")
        self.create_button = QPushButton("Create team")
        self.join_button = QPushButton("Join team")
        self.create_button.clicked.connect(lambda: self.start("create"))
        self.join_button.clicked.connect(lambda: self.start("join"))
        self.setup_result = hint("")
        form = QFormLayout()
        form.addRow("Team folder", folder_row)
        form.addRow("Passphrase", self.passphrase)
        form.addRow("", hint("With a passphrase the folder holds no readable names, emails or messages. Teammates "
                             "need the same one to join; it cannot be recovered if forgotten."))
        form.addRow("Your name", self.member_name)
        form.addRow("Your email", self.email)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.join_button)
        buttons.addWidget(self.create_button)
        setup = QWidget()
        setup_layout = QVBoxLayout(setup)
        setup_layout.addWidget(hint(INTRO))
        setup_layout.addLayout(form)
        setup_layout.addLayout(buttons)
        setup_layout.addWidget(self.setup_result)
        setup_layout.addStretch(1)

        # in a team: its state
        self.summary = QLabel(wordWrap=True)
        self.devices = DevicesModel(self)
        self.table = QTableView()
        self.table.setModel(self.devices)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionMode(QTableView.SelectionMode.NoSelection)
        self.notes = hint("")
        self.sync_button = QPushButton("Sync now")
        self.sync_button.clicked.connect(self.sync_now)
        self.leave_button = QPushButton("Leave team…")
        self.leave_button.clicked.connect(lambda: self.leave())
        joined = QWidget()
        joined_layout = QVBoxLayout(joined)
        joined_layout.addWidget(self.summary)
        joined_layout.addWidget(self.table, 1)
        joined_layout.addWidget(self.notes)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.leave_button)
        row.addWidget(self.sync_button)
        joined_layout.addLayout(row)

        self.pages = QStackedWidget()
        self.pages.addWidget(setup)
        self.pages.addWidget(joined)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    def reload(self) -> None:
        self.controller.read(rounds.setup, self._on_loaded)

    def _on_loaded(self, setup: rounds.TeamSetup) -> None:
        if not self.member_name.text():
            self.member_name.setText(setup.user_name)
        if not self.email.text():
            self.email.setText(setup.email)
        self.show_outcome(setup.outcome)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Team folder", self.folder.text() or str(Path.home()))
        if folder:
            self.folder.setText(folder)

    # --- create, join, leave --------------------------------------------------------------------

    def start(self, how: str) -> None:
        """Create or join the team in the chosen folder (off the UI thread: scrypt and the snapshot take time)."""
        folder, name = self.folder.text().strip(), self.member_name.text().strip()
        if not folder or not name:
            show_result(self.setup_result, False, "Choose the team folder and give your name first.")
            return
        passphrase = self.passphrase.text() or None
        self.passphrase.clear()
        operation = team.create if how == "create" else team.join
        self._busy(True)
        show_result(self.setup_result, None, "Making the team…" if how == "create" else "Joining the team…")
        self.controller.run(partial(operation, Path(folder).expanduser(), passphrase, name,
                                    self.email.text().strip() or None),
                            self._on_joined, self._on_setup_failed, changes_data=True)

    def _on_joined(self, status: team.TeamStatus) -> None:
        self._busy(False)
        self.show_outcome(rounds.Outcome(status.folder, status))
        self.controller.inform(f"This pipeline is now shared through {status.folder}.")
        self.changed.emit()

    def _on_setup_failed(self, text: str) -> None:
        self._busy(False)
        show_result(self.setup_result, False, text)

    def _busy(self, busy: bool) -> None:
        for button in (self.create_button, self.join_button, self.choose_button):
            button.setEnabled(not busy)

    def leave(self, confirm: bool = True) -> None:
        if confirm and QMessageBox.question(
                self, "Leave the team",
                "Stop syncing with the team? This computer keeps its leads as they are now, but joining again "
                "needs a new, empty data folder.") != QMessageBox.StandardButton.Yes:
            return
        self.controller.run(team.leave, self._on_left, lambda text: show_result(self.notes, False, text),
                            changes_data=True)

    def _on_left(self, _result: None) -> None:
        self.show_outcome(rounds.Outcome(None))
        show_result(self.setup_result, True, "You left the team: this computer no longer syncs.")
        self.changed.emit()

    def sync_now(self) -> None:
        self.sync_button.setEnabled(False)
        self.controller.run(rounds.sync_now, self._on_synced, self._on_sync_failed, changes_data=True)

    def _on_synced(self, outcome: rounds.Outcome) -> None:
        self.sync_button.setEnabled(True)
        self.show_outcome(outcome)

    def _on_sync_failed(self, text: str) -> None:
        self.sync_button.setEnabled(True)
        show_result(self.notes, False, text)

    # --- showing the team -------------------------------------------------------------------------

    def show_outcome(self, outcome: rounds.Outcome) -> None:
        self.outcome = outcome
        if outcome.folder is None:
            self.pages.setCurrentIndex(0)
            return
        self.pages.setCurrentIndex(1)
        status = outcome.status
        if status is None:
            self.summary.setText(f"Team folder: {outcome.folder}")
            self.devices.set_devices(())
        else:
            locked = "encrypted" if status.encrypted else "not encrypted"
            self.summary.setText(f"Team folder: {status.folder} — {locked}"
                                 f", last synced {when_text(status.last_round) or 'never'}.")
            self.devices.set_devices(status.devices)
        problems = [text for text in (outcome.problem, outcome.refused, status and status.clock_warning) if text]
        notes = []
        if status is not None:
            notes += [note for note in (status.conflicts_note(), status.foreign_note()) if note]
        show_result(self.notes, False if problems else None, "\n".join(problems + notes))
