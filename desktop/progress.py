"""Work that runs off the UI thread, as far as it got: a counter the worker updates and a bar that reads it
(polled: the worker never touches Qt)."""
from __future__ import annotations

import threading

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressBar, QWidget


class Progress:
    """Shared with the worker: how far it got, and whether the user asked it to stop."""

    def __init__(self) -> None:
        self.done = self.total = 0
        self.stop = threading.Event()

    def __call__(self, done: int, total: int) -> None:  # the worker's progress callback
        self.done, self.total = done, total


class ProgressBar(QProgressBar):
    """Hidden until it follows a Progress; "N of M" once the worker has said how much there is."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.state: Progress | None = None
        self.setVisible(False)
        self._poll = QTimer(self, interval=100)
        self._poll.timeout.connect(self._show)

    def follow(self, state: Progress, text: str) -> None:
        self.state = state
        self.setRange(0, 0)
        self.setFormat(text)
        self.setVisible(True)
        self._poll.start()

    def stop(self) -> None:
        self._poll.stop()
        self.state = None
        self.setVisible(False)

    def _show(self) -> None:
        if self.state is not None and self.state.total:
            self.setRange(0, self.state.total)
            self.setValue(self.state.done)
            self.setFormat(f"{self.state.done:,} of {self.state.total:,}")
