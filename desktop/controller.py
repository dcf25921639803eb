"""The controller between widgets and the store: views call it, it emits coarse signals.

Reads and writes run through the TaskRunner so the UI thread never waits on the
database or the network. Problems reach the user through one bridge, `message`.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from models.errors import LeadbookError

from .tasks import TaskRunner

log = logging.getLogger("leadbook.desktop")


class Controller(QObject):
    data_changed = Signal()  # something in the store changed: views refresh in place
    lead_opened = Signal(str)  # a view asks to show a lead's detail
    message = Signal(str, str)  # (level "info"|"error", one sentence): status bar and dialogs
    mail_status_changed = Signal(str)  # "checked 2 min ago", an account error

    def __init__(self, data_dir: Path, tasks: TaskRunner | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.data_dir = data_dir
        self.tasks = tasks or TaskRunner(parent=self)

    def read(self, func: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run a query off the UI thread and hand its result to done on the UI thread."""
        self.tasks.run(func, lambda result, error: self._finish(result, error, done))

    def write(self, func: Callable[[], Any], done: Callable[[Any], None] | None = None,
              success: str | None = None, failed: Callable[[str], None] | None = None) -> None:
        """Run a domain operation on the write thread; on success refresh every view.

        A form passes `failed` to show a rule or input error inline instead of in a dialog.
        """
        def finished(result: Any, error: BaseException | None) -> None:
            if failed is not None and isinstance(error, LeadbookError):
                failed(str(error))
                return
            if self._finish(result, error, done) and success:
                self.message.emit("info", success)
            if error is None:
                self.data_changed.emit()

        self.tasks.run(func, finished, write=True)

    def open_lead(self, lead_id: str) -> None:
        self.lead_opened.emit(lead_id)

    def _finish(self, result: Any, error: BaseException | None, done: Callable[[Any], None] | None) -> bool:
        if error is None:
            if done is not None:
                done(result)
            return True
        if isinstance(error, LeadbookError):
            self.message.emit("error", str(error))
        else:
            log.error("unexpected error", exc_info=error)
            self.message.emit("error", f"Something went wrong: {error}. Nothing was changed.")
        return False
