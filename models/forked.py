"""Work done in a forked child while this process goes on (the machine's second core): an import cleans
half its rows there (import_cleaning.py) and makes new leads' rows ahead of the batches it writes
(import_apply.py).

The child only computes (no database, no Qt): it runs `work`, sends each answer it yields back pickled
through a pipe, and leaves by os._exit, so the parent's connection and exit handlers are never touched
from it. Its garbage collector is off: forked from a worker thread, it holds the other threads' objects
(their database connections among them) with no thread to own them, and collecting them would close
those connections under the parent. It runs ahead as far as the pipe holds. Without fork, or once the
child failed (its traceback is logged) or was late, the caller does the rest itself.
"""
from __future__ import annotations

import gc
import logging
import os
import pickle
import selectors
import signal
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

_LENGTH = 8  # bytes of each answer's length before it

log = logging.getLogger("leadbook.db")


class Failed(NamedTuple):
    """What a child sends instead of an answer when its work raised."""

    why: str  # the traceback


def _send(pipe: int, answer: Any) -> None:
    data = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
    out = memoryview(len(data).to_bytes(_LENGTH, "big") + data)
    while out:
        out = out[os.write(pipe, out):]


class Child:
    """A forked child sending what `work` yields; receive() takes the answers in order."""

    @classmethod
    def start(cls, work: Callable[[], Iterable[Any]]) -> Child | None:
        """None where there is no fork or no process to spare (a limit, no memory)."""
        if not hasattr(os, "fork"):
            return None
        try:
            return cls(work)
        except OSError:
            return None

    def __init__(self, work: Callable[[], Iterable[Any]]) -> None:
        self._pipe, write = os.pipe()
        gc.freeze()  # what exists now stays out of any collection in the child (and its pages are not copied)
        try:
            self._pid: int | None = os.fork()
        except OSError:
            gc.unfreeze()
            os.close(self._pipe)
            os.close(write)
            raise
        if self._pid == 0:
            status = 1
            try:
                gc.disable()
                os.close(self._pipe)
                try:
                    for answer in work():
                        _send(write, answer)
                except Exception:  # noqa: BLE001 - said to the parent, which logs it and does the work itself
                    _send(write, Failed(traceback.format_exc()))
                else:
                    status = 0  # all of it written
            finally:
                os._exit(status)
        gc.unfreeze()
        os.close(write)

    def receive(self, deadline: float, arrived: Callable[[], None] | None = None) -> Any | None:
        """The next answer, or None when there is none within `deadline` seconds or the child failed (it is then
        stopped, and every later receive() is None too). `arrived` runs once the answer is all here, before it
        is unpickled (to let go of what it replaces)."""
        if self._pid is None:
            return None
        until = time.monotonic() + deadline
        head = self._read(_LENGTH, until)
        data = self._read(int.from_bytes(head, "big"), until) if head is not None else None
        if data is None:
            self.stop()
            return None
        if arrived is not None:
            arrived()
        try:
            answer = pickle.loads(data)  # noqa: S301 - our own child's answer
        except Exception:  # noqa: BLE001 - a garbled answer is a failed child: the caller does the work
            answer = Failed("its answer could not be read")
        if isinstance(answer, Failed):
            log.warning("a forked child failed; this process does its work:\n%s", answer.why)
            self.stop()
            return None
        return answer

    def stop(self) -> None:
        """End the child (done, failed or no longer wanted) and collect it."""
        if self._pid is None:
            return
        pid, self._pid = self._pid, None
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(self._pipe)
        os.waitpid(pid, 0)

    def _read(self, size: int, until: float) -> bytearray | None:
        data = bytearray()
        with selectors.DefaultSelector() as ready:
            ready.register(self._pipe, selectors.EVENT_READ)
            while len(data) < size:
                if not ready.select(max(0.0, until - time.monotonic())):
                    return None  # late
                part = os.read(self._pipe, min(size - len(data), 1 << 20))
                if not part:
                    return None  # ended without (all of) it: failed
                data += part
        return data
