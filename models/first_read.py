"""The window's first read, started before Qt loads, in a process of its own.

Where the system can fork, a child process runs it on the other core (a thread would wait for the
GIL that loading Qt's libraries holds) and the answer comes back pickled through a pipe. Nothing
here imports peewee or the models at the top: the child imports them, and the window paints Today
from the answer before it loads them itself (~40 ms of its start otherwise). No answer (no fork, no
database yet, an older schema, a failure, the deadline passed) leaves the window to its usual start.
"""
from __future__ import annotations

import logging
import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .today_items import Today

log = logging.getLogger("leadbook.db")


class ReadAhead:
    """func run now in a child with a read-only connection of its own, its answer taken later (once)."""

    DEADLINE = 10.0  # seconds: a child held up longer (a locked database) is not waited for

    def __init__(self, folder: Path, func: Callable[[], Any]) -> None:
        self._pid, self._pipe = 0, -1
        if hasattr(os, "fork"):
            read, write = os.pipe()
            self._pid = os.fork()
            if self._pid == 0:
                os.close(read)
                self._answer(folder, func, write)
            os.close(write)
            self._pipe = read

    @staticmethod
    def _answer(folder: Path, func: Callable[[], Any], pipe: int) -> None:
        """In the child: open the store read-only as it is (none yet is the first run's to make, an older
        schema the parent's to upgrade), run func, write its pickled result, and leave without running the
        parent's exit handlers. A connection the parent holds is left alone: SQLite forbids using one
        across a fork."""
        try:
            from .db import DB_NAME, PRAGMAS, schema_version
            from .tables import database

            inherited = database._state.conn  # noqa: F841 - kept, never closed
            database._state.reset()
            database.init(f"file:{folder / DB_NAME}?mode=ro", uri=True, pragmas={"cache_size": PRAGMAS["cache_size"]})
            if database.execute_sql("PRAGMA user_version").fetchone()[0] == schema_version():
                data = memoryview(pickle.dumps(func(), pickle.HIGHEST_PROTOCOL))
                while data:
                    data = data[os.write(pipe, data):]
        except BaseException:
            log.debug("the read ahead failed; the window reads where it runs", exc_info=True)
        finally:
            os._exit(0)

    def answer(self) -> Any | None:
        """The child's answer, or None when it gave none within the deadline."""
        if not self._pid:
            return None
        chunks, deadline = [], time.monotonic() + self.DEADLINE
        try:
            while select.select([self._pipe], [], [], max(0.0, deadline - time.monotonic()))[0]:
                chunk = os.read(self._pipe, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
            else:
                os.kill(self._pid, signal.SIGKILL)
        finally:
            os.close(self._pipe)
            os.waitpid(self._pid, 0)
            self._pid = 0
        try:
            return pickle.loads(b"".join(chunks)) if chunks else None
        except (pickle.UnpicklingError, EOFError):  # a child killed half-way
            return None


def first_screen() -> tuple[bool, Today] | None:
    """What the window shows first: (mine, Today) with contact lines, or None while the first-run
    dialog must come first."""
    from . import members, preferences

    return None if preferences.needs_first_run() else members.my_today(contacts=True)
