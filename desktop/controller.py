"""The controller between widgets and the store: the one way views get work done.

Views hand it Qt-free operations from models/ and sync/; it runs them off the UI thread
(queries on the read pool, writes on the one write thread, each write one transaction) and
hands the plain result back on the UI thread. It alone emits its signals: problems reach
the user through one bridge, `message`.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from models.errors import LeadbookError

from .tasks import TaskRunner

if TYPE_CHECKING:
    from models.today_items import Today

log = logging.getLogger("leadbook.desktop")
Done = Callable[[Any], None] | None
Failed = Callable[[str], None] | None


def _db():
    """models.db, loaded with the store (Controller.open_store): the window paints Today before the ORM loads."""
    from models import db

    return db


class Controller(QObject):
    data_changed = Signal()  # something in the store changed: views refresh in place
    lead_opened = Signal(str)  # a view asks to show a lead's detail
    view_opened = Signal(str)  # a view asks the window to show another view ("review", "insights")
    message = Signal(str, str)  # (level "info"|"error", one sentence): status bar and dialogs
    mail_status_changed = Signal(str)  # "checked 2 min ago", an account error

    def __init__(self, data_dir: Path, tasks: TaskRunner | None = None, parent: QObject | None = None,
                 first_today: tuple[bool, Today] | None = None):
        """first_today, Today as read before the window was built ((mine, Today), models.first_read), leaves the
        store closed until open_store(): work asked for meanwhile waits for it. Without, the store is open."""
        super().__init__(parent)
        self.data_dir = data_dir
        self.tasks = tasks or TaskRunner(parent=self)
        self._first_today = first_today
        self._waiting: list[tuple] | None = [] if first_today is not None else None

    def take_first_today(self) -> tuple[bool, Today] | None:
        """Today as read at start-up, once, and only while nothing has been written since."""
        first, self._first_today = self._first_today, None
        return first

    @property
    def store_open(self) -> bool:
        return self._waiting is None

    def open_store(self) -> None:
        """Open the data folder's store (LeadbookError when it cannot be), then run the work that waited."""
        _db().open_store(self.data_dir)
        waiting, self._waiting = self._waiting or [], None
        for work, finished, write in waiting:
            self.tasks.run(work, finished, write=write)

    def _submit(self, work: Callable[[], Any], finished: Callable[[Any, BaseException | None], None],
                write: bool = False) -> None:
        if self._waiting is not None:
            self._waiting.append((work, finished, write))
        else:
            self.tasks.run(work, finished, write=write)

    # --- work off the UI thread ---------------------------------------------------------------

    def read(self, func: Callable[[], Any], done: Done, failed: Failed = None) -> None:
        """Run a query off the UI thread and hand its result to done on the UI thread."""
        self._submit(lambda: _db().call(func), lambda result, error: self._finish(result, error, done, failed))

    def write(self, func: Callable[[], Any], done: Done = None, success: str | None = None,
              failed: Failed = None) -> None:
        """Run a domain operation as one transaction on the write thread; on success refresh every view.

        A form passes `failed` to show a rule or input error inline instead of in the message bridge.
        """
        self._first_today = None  # read before this write: out of date
        def finished(result: Any, error: BaseException | None) -> None:
            if self._finish(result, error, done, failed):
                if success:
                    self.inform(success)
                self.data_changed.emit()

        self._submit(lambda: _db().transaction(func), finished, write=True)

    def run(self, func: Callable[[], Any], done: Done = None, failed: Failed = None, *,
            changes_data: bool = False) -> None:
        """Run work that must not hold a transaction (the network, then a short write of its own)."""
        if changes_data:
            self._first_today = None  # read before these writes: out of date
        def finished(result: Any, error: BaseException | None) -> None:
            if self._finish(result, error, done, failed) and changes_data:
                self.data_changed.emit()

        self._submit(lambda: _db().call(func), finished, write=changes_data)

    def wait(self, msecs: int = 10_000) -> bool:
        """Let running work finish (at exit, in tests)."""
        return self.tasks.wait(msecs)

    # --- the signals, emitted only here -------------------------------------------------------

    def open_lead(self, lead_id: str) -> None:
        self.lead_opened.emit(lead_id)

    def open_view(self, key: str) -> None:
        self.view_opened.emit(key)

    def inform(self, text: str) -> None:
        self.message.emit("info", text)

    def warn(self, text: str) -> None:
        self.message.emit("error", text)

    def refresh(self) -> None:
        """The store changed behind the views' backs (mail capture, team sync): reload."""
        self.data_changed.emit()

    def report_mail_status(self, text: str) -> None:
        self.mail_status_changed.emit(text)

    def _finish(self, result: Any, error: BaseException | None, done: Done, failed: Failed) -> bool:
        if error is None:
            if done is not None:
                done(result)
            return True
        if isinstance(error, LeadbookError):
            text = str(error)
        else:
            log.error("unexpected error", exc_info=error)
            text = f"Something went wrong: {error}. Nothing was changed."
        if failed is not None:  # the form that asked shows it (and lets the user try again)
            failed(text)
        else:
            self.warn(text)
        return False
