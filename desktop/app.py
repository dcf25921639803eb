"""Starting the desktop app: the only entry that loads Qt."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from models import backup, db, stages

from . import resources
from .controller import Controller
from .first_run import FirstRunDialog, needs_first_run
from .mail_watch import MailWatchers
from .tray import Tray
from .window import MainWindow

log = logging.getLogger("leadbook.desktop")


def create_app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Leadbook")
    app.setOrganizationName("Leadbook")
    app.setDesktopFileName("leadbook")
    app.setStyleSheet(resources.stylesheet())
    return app


def build(data_dir: Path) -> tuple[Controller, MainWindow]:
    """Open the store and build the window (no event loop: tests and screenshots use this)."""
    db.open_database(data_dir)
    stages.ensure_defaults()
    controller = Controller(data_dir)
    settings = QSettings(str(data_dir / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(controller, settings)
    return controller, window


def run(data_dir: Path) -> int:
    app = create_app()
    controller, window = build(data_dir)
    if needs_first_run():
        FirstRunDialog(controller, window).exec()
    window.show()
    watchers = MailWatchers(controller, window)
    window.tray = Tray(controller, window)
    app.aboutToQuit.connect(watchers.stop)
    QTimer.singleShot(0, watchers.start)
    # The rolling daily backup runs once the window is up, off the UI thread.
    QTimer.singleShot(2000, lambda: controller.tasks.run(lambda: backup.rolling_backup(data_dir), None, write=True))
    return app.exec()
