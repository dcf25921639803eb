"""The first-run screen: your name, then start (Enter), add an inbox first, or try demo data in a folder of its
own."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QProcess, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models import settings
from models.errors import LeadbookError

from .controller import Controller

DEMO_LEADS = 300


class FirstRunDialog(QDialog):
    demo_loaded = Signal()  # the demo data is in (tests)

    def __init__(self, controller: Controller, parent: QWidget | None = None, ssl_context: Any = None):
        super().__init__(parent)
        self.controller = controller
        self.ssl_context = ssl_context
        self.account_dialog = None
        self.demo_dir: Path | None = None  # set when the demo data opened in its own window
        self.setWindowTitle("Welcome to Leadbook")
        self.setModal(True)

        title = QLabel("Welcome to Leadbook")
        title.setProperty("role", "title")
        font = title.font()
        font.setPointSizeF(max(font.pointSizeF(), 9) * 1.6)
        title.setFont(font)
        intro = QLabel("Leadbook reads the inbox your inquiries arrive in and turns each one into a lead with a "
                       "next step, so every morning the Today list says who to answer, call or chase.")
        intro.setWordWrap(True)

        self.name = QLineEdit(placeholderText="e.g. Sam Baker")
        controller.read(lambda: settings.get("user_name") or "", self.name.setText)
        form = QFormLayout()
        form.addRow("Your name", self.name)

        # Enter starts: a name (or none) is all Leadbook needs; an inbox can follow from Settings.
        self.start_button = QPushButton("Start")
        self.start_button.setProperty("primary", True)
        self.start_button.setDefault(True)
        self.start_button.setToolTip("Open Leadbook now; add an inbox later in Settings (Ctrl+,)")
        self.start_button.clicked.connect(self.start)
        self.add_inbox_button = QPushButton("Add an inbox first…")
        self.add_inbox_button.setAutoDefault(False)
        self.add_inbox_button.setToolTip("Connect the mailbox your inquiries arrive in: each one becomes a lead")
        self.add_inbox_button.clicked.connect(self.add_inbox)
        self.demo_button = QPushButton("Try with demo data")
        self.demo_button.setAutoDefault(False)
        self.demo_button.setToolTip(f"Opens a separate “Leadbook demo” folder with {DEMO_LEADS} made-up leads; "
                                    "your own data folder stays empty")
        self.demo_button.clicked.connect(self.open_demo)
        buttons = QHBoxLayout()
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.add_inbox_button)
        buttons.addWidget(self.start_button)

        self.progress = QProgressBar()
        self.progress.setRange(0, DEMO_LEADS)
        self.progress.setVisible(False)
        self.status = QLabel("")
        self.status.setProperty("role", "hint")
        self.status.setWordWrap(True)

        hint = QLabel("Your mail password or sign-in goes to your system keychain; Leadbook only reads mail, never "
                      "changes or sends it.")
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(hint)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        for first, second in ((self.name, self.start_button), (self.start_button, self.add_inbox_button),
                              (self.add_inbox_button, self.demo_button)):
            QWidget.setTabOrder(first, second)
        self.resize(600, self.sizeHint().height())

    def _store_name(self) -> None:
        """The name typed, else the computer account's full name: either way this folder is set up."""
        name = self.name.text().strip()
        self.controller.write(lambda: settings.put("user_name", name or settings.user_name()))

    def start(self) -> None:
        self._store_name()
        self.accept()

    def add_inbox(self) -> None:
        from .account_dialog import AccountDialog

        self._store_name()
        dialog = AccountDialog(self.controller, self, ssl_context=self.ssl_context)
        dialog.saved.connect(lambda _name: self.accept())
        self.account_dialog = dialog
        dialog.open()

    def open_demo(self) -> None:
        """Fill a separate demo folder (never this one) and open Leadbook on it in its own process."""
        from models.demo import demo_folder  # not needed at start-up

        self._store_name()  # so this folder, still empty, does not ask again
        self._enable(False)
        self.progress.setRange(0, 0)  # busy: the demo data is made by another process
        self.progress.setVisible(True)
        folder = demo_folder(self.controller.data_dir)
        self.status.setText(f"Preparing {DEMO_LEADS} made-up leads in “{folder}”; your own data folder "
                            "stays empty.")
        self.controller.run(lambda: prepare_demo(folder), lambda _none: self._on_demo_done(folder),
                            failed=self._on_demo_failed)

    def _enable(self, enabled: bool) -> None:
        for button in (self.start_button, self.add_inbox_button, self.demo_button):
            button.setEnabled(enabled)

    def _on_demo_failed(self, error: str) -> None:
        self._enable(True)
        self.progress.setVisible(False)
        self.status.setText(f"The demo data could not be added: {error}")

    def _on_demo_done(self, folder: Path) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.status.setText(f"Opening the demo data in “{folder}”.")
        launch(folder)
        self.demo_dir = folder
        self.demo_loaded.emit()
        self.accept()


def prepare_demo(folder: Path) -> None:
    """Fill the demo folder with `leadbook demo` (another process: this one's database stays the user's),
    unless it already holds demo data."""
    if (folder / "leadbook.sqlite3").exists():
        return
    done = subprocess.run([sys.executable, "-m", "desktop", "--data-dir", str(folder), "demo",
                           "--leads", str(DEMO_LEADS)], capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise LeadbookError(done.stderr.strip().removeprefix("leadbook: ") or "making the demo data failed")


def launch(folder: Path) -> None:
    """Open Leadbook on another data folder, as its own process."""
    QProcess.startDetached(sys.executable, ["-m", "desktop", "--data-dir", str(folder)])
