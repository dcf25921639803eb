"""Starting the desktop app: the only entry that loads Qt."""
from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from models.errors import LeadbookError

from . import resources
from .controller import Controller
from .window import MainWindow

if TYPE_CHECKING:
    from models.first_read import ReadAhead
    from models.today_items import Today

log = logging.getLogger("leadbook.desktop")


def create_app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Leadbook")
    app.setOrganizationName("Leadbook")
    app.setDesktopFileName("leadbook")
    app.setStyleSheet(resources.stylesheet())
    return app


def build(data_dir: Path, first_today: tuple[bool, Today] | None = None) -> tuple[Controller, MainWindow]:
    """The controller and the window (no event loop: tests and screenshots use this). With first_today,
    Today as read before Qt loaded (models.first_read), the store stays closed for run() to open once
    Today has painted; without, it opens now."""
    controller = Controller(data_dir, first_today=first_today)
    if first_today is None:
        controller.open_store()
    settings = QSettings(str(data_dir / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(controller, settings)
    return controller, window


def report_painted() -> None:
    """LEADBOOK_EXIT_AFTER_PAINT=1 (the start-up benchmark), once Today has painted what it loaded: print
    "painted <seconds since LEADBOOK_SPAWNED_AT>" (the benchmark's spawn time: the kernel's own start time
    counts in 10 ms ticks, a tenth of an empty window's start) and quit."""
    print(f"painted {time.time() - float(os.environ['LEADBOOK_SPAWNED_AT']):.4f}", flush=True)
    QApplication.quit()


OPEN_AT_THE_LATEST_MS = 2000  # a window that opens hidden (another desktop, minimised) paints nothing


def open_store_when_shown(controller: Controller, window: MainWindow) -> None:
    """The ORM and the store load once Today is on screen (or after OPEN_AT_THE_LATEST_MS), the background
    work after them."""
    def open_once() -> None:
        if not controller.store_open:
            open_store_and_start(controller, window)

    window.view("today").painted.connect(open_once)
    QTimer.singleShot(OPEN_AT_THE_LATEST_MS, window, open_once)


def open_store_and_start(controller: Controller, window: MainWindow) -> None:
    """Open the store behind a window already showing Today and start the background work; a store that
    cannot be opened is said in a window, and the app quits."""
    try:
        controller.open_store()
    except LeadbookError as exc:
        QMessageBox.critical(window, "Leadbook cannot open its data", str(exc))
        QApplication.exit(1)
        return
    start_background(controller, window)


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


def needs_first_run() -> bool:
    from models import db, preferences  # only when the read ahead gave no answer

    return db.call(preferences.needs_first_run)


def run(data_dir: Path, ahead: ReadAhead | None = None) -> int:
    """The app, Today shown first; ahead reads it while Qt loads (the command line starts it)."""
    app = create_app()
    first = ahead.answer() if ahead else None  # None: no answer, or the first run comes first
    try:
        controller, window = build(data_dir, first)
        first_run = first is None and needs_first_run()  # the read ahead said so when it answered
    except LeadbookError as exc:  # a newer, locked or damaged database: say so in a window
        QMessageBox.critical(None, "Leadbook cannot open its data", str(exc))
        return 1
    if first_run:
        from .first_run import FirstRunDialog

        dialog = FirstRunDialog(controller, window)
        dialog.exec()
        if dialog.demo_dir is not None:
            return 0  # the demo data opened in a window (and process) of its own
    today = window.view("today")
    if os.environ.get("LEADBOOK_EXIT_AFTER_PAINT"):
        today.painted.connect(report_painted)  # connected first: its figure leaves out what follows
    if first is None:
        start_background(controller, window)
    else:
        open_store_when_shown(controller, window)
    window.show()
    app.aboutToQuit.connect(controller.wait)  # let running reads and writes finish
    return app.exec()


HOUSEKEEPING_EVERY_MS = 3_600_000  # a window left open for days still backs up and counts each day


def start_background(controller: Controller, window: MainWindow) -> None:
    """Mail, tray and team sync, once Today has painted: their imports (keyring, imapclient, the
    classifier) would otherwise double the time to the first useful window. Housekeeping after them and
    every hour, off the UI thread (the outbox would otherwise grow as large as the data)."""
    def keep_house() -> None:
        controller.run(lambda: housekeeping(controller.data_dir))

    QTimer.singleShot(300, window, lambda: start_mail_watch(controller, window))  # dropped with the window
    QTimer.singleShot(1000, window, lambda: start_team_watch(controller, window))
    QTimer.singleShot(2000, window, keep_house)
    window.housekeeping = QTimer(window, interval=HOUSEKEEPING_EVERY_MS)
    window.housekeeping.timeout.connect(keep_house)
    window.housekeeping.start()
