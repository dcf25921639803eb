"""Running work off the UI thread (after Picard's run_task).

`run(func, callback)` executes func on a pool thread and calls callback(result, error)
back on the UI thread. Writes go to a one-thread pool so they never race each other.
Tests pass synchronous=True to run everything inline.
"""
from __future__ import annotations

import functools
import itertools
import logging
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger("leadbook.tasks")
Callback = Callable[[Any, BaseException | None], None]


# A task that sorts 100k rows or reads a page of leads frees its memory, but glibc keeps the pages for
# later: the window's resident memory would stay ~50 MB above what it uses. Trimming costs 0.1-2 ms,
# on the worker thread.
@functools.cache  # looked up when the first task ends: ctypes' import need not come before the first paint
def _heap_trimmer() -> Callable[[int], int] | None:
    """glibc's malloc_trim, where there is one (Linux with glibc; not musl, macOS or Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


class _Relay(QObject):
    finished = Signal(int, object, object)  # task number, result, error


class _Task(QRunnable):
    def __init__(self, number: int, func: Callable[[], Any], relay: _Relay):
        super().__init__()
        self.number, self.func, self.relay = number, func, relay

    def run(self) -> None:
        try:
            result, error = self.func(), None
        except BaseException as exc:  # reported to the callback on the UI thread
            result, error = None, exc
        trim = _heap_trimmer()
        if trim is not None:
            trim(0)
        try:
            self.relay.finished.emit(self.number, result, error)
        except RuntimeError:  # the app quit while this ran: nobody is left to take the result
            log.debug("task %d finished after shutdown", self.number)


class TaskRunner(QObject):
    def __init__(self, synchronous: bool = False, parent: QObject | None = None):
        super().__init__(parent)
        self.synchronous = synchronous
        self._reads = QThreadPool(self)
        self._reads.setMaxThreadCount(2)
        self._writes = QThreadPool(self)
        self._writes.setMaxThreadCount(1)
        self._relay = _Relay()
        self._relay.finished.connect(self._on_finished)  # queued: the relay lives on the UI thread
        self._callbacks: dict[int, Callback | None] = {}
        self._numbers = itertools.count()

    def run(self, func: Callable[[], Any], callback: Callback | None = None, *, write: bool = False) -> None:
        if self.synchronous:
            try:
                result, error = func(), None
            except Exception as exc:
                result, error = None, exc
            self._deliver(callback, result, error)
            return
        number = next(self._numbers)
        self._callbacks[number] = callback
        (self._writes if write else self._reads).start(_Task(number, func, self._relay))

    @Slot(int, object, object)
    def _on_finished(self, number: int, result: Any, error: BaseException | None) -> None:
        self._deliver(self._callbacks.pop(number, None), result, error)

    @staticmethod
    def _deliver(callback: Callback | None, result: Any, error: BaseException | None) -> None:
        if callback is not None:
            callback(result, error)
        elif error is not None:
            log.error("background task failed", exc_info=error)

    def wait(self, msecs: int = 10_000) -> bool:
        """Let running work finish (at exit, in tests)."""
        return self._reads.waitForDone(msecs) and self._writes.waitForDone(msecs)
