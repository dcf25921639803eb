"""Starting the desktop app: the only entry that loads Qt."""
from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from models import db, stages
from models.errors import LeadbookError
from models.preferences import needs_first_run

from . import resources
from .controller import Controller
from .window import MainWindow

log = logging.getLogger("leadbook.desktop")


def create_app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Leadbook")
    app.setOrganizationName("Leadbook")
    app.setDesktopFileName("leadbook")
    app.setStyleSheet(resources.stylesheet())
    return app


def build(data_dir: Path, first_today: db.ReadAhead | None = None) -> tuple[Controller, MainWindow]:
    """Open the store and build the window (no event loop: tests and screenshots use this); first_today is
    Today's read when it already runs (the window's start)."""
    db.open_database(data_dir)
    db.transaction(stages.ensure_defaults)
    controller = Controller(data_dir, first_today=first_today)
    settings = QSettings(str(data_dir / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(controller, settings)
    return controller, window


def seconds_since_spawned() -> float:
    """Wall time since the benchmark spawned this process: it passes the moment in LEADBOOK_SPAWNED_AT (the
    kernel's own start time counts in 10 ms ticks, a tenth of an empty window's start)."""
    return time.time() - float(os.environ["LEADBOOK_SPAWNED_AT"])


class ExitAfterPaint(QObject):
    """LEADBOOK_EXIT_AFTER_PAINT=1 (the start-up benchmark): once Today has loaded and painted, print
    "painted <seconds since LEADBOOK_SPAWNED_AT>" and quit."""

    def __init__(self, view) -> None:
        super().__init__(view)
        self._loaded = self._done = False
        view.loaded.connect(self._on_loaded)
        # A viewport made here: asking Qt for its own would make PySide6 load every widget class's Python
        # type (~10 ms) to find the viewport's, a cost the empty window's probe does not pay either.
        view.tree.setViewport(QWidget())
        for widget in (view.tree.viewport(), view.empty):
            widget.installEventFilter(self)

    def _on_loaded(self) -> None:
        self._loaded = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if self._loaded and not self._done and event.type() == QEvent.Type.Paint:
            self._done = True
            QTimer.singleShot(0, self._finish)  # after this paint has completed
        return False

    def _finish(self) -> None:
        print(f"painted {seconds_since_spawned():.4f}", flush=True)
        QApplication.quit()


def housekeeping(data_dir: Path) -> None:
    """The rolling daily backup, outbox records past any undo and already shipped, and today's overdue count
    for Insights' follow-up discipline over time."""
    from models import backup, overdue_history, replica  # their imports wait until the window is up

    backup.rolling_backup(data_dir)
    replica.prune_outbox()
    overdue_history.record_day()


def start_mail_watch(controller: Controller, window: MainWindow) -> None:
    """Mail capture in the background, its state in the status bar; the tray icon with it."""
    from .mail_watch import MailWatchers
    from .tray import Tray

    watchers = MailWatchers(controller, window)
    window.mail_watchers = watchers
    window.tray = Tray(controller, window)
    QApplication.instance().aboutToQuit.connect(watchers.stop)
    watchers.start()


def start_team_watch(controller: Controller, window: MainWindow) -> None:
    """Team sync in the background, its state in the status bar."""
    from .team_watch import TeamWatch

    watch = TeamWatch(controller, window)
    window.team_watch = watch
    window.statusBar().insertPermanentWidget(0, watch.label)
    QApplication.instance().aboutToQuit.connect(watch.stop)
    watch.start()


def run(data_dir: Path, first_today: db.ReadAhead | None = None) -> int:
    app = create_app()
    try:
        controller, window = build(data_dir, first_today)
        first_run = db.call(needs_first_run)
    except LeadbookError as exc:  # a newer, locked or damaged database: say so in a window
        QMessageBox.critical(None, "Leadbook cannot open its data", str(exc))
        return 1
    if first_run:
        from .first_run import FirstRunDialog

        dialog = FirstRunDialog(controller, window)
        dialog.exec()
        if dialog.demo_dir is not None:
            return 0  # the demo data opened in a window (and process) of its own
    if os.environ.get("LEADBOOK_EXIT_AFTER_PAINT"):
        window._exit_probe = ExitAfterPaint(window.view("today"))
    window.show()
    app.aboutToQuit.connect(controller.wait)  # let running reads and writes finish
    # Mail, tray and team sync start once Today has painted: their imports (keyring, imapclient, the
    # classifier) would otherwise double the time to the first useful window.
    QTimer.singleShot(300, lambda: start_mail_watch(controller, window))
    QTimer.singleShot(1000, lambda: start_team_watch(controller, window))
    # Housekeeping once the window is up, off the UI thread (the outbox would otherwise grow as large as
    # the data).
    QTimer.singleShot(2000, lambda: controller.run(lambda: housekeeping(data_dir)))
    return app.exec()
