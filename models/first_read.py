"""The window's first read, started before Qt loads, in a process of its own.

Where the system can fork, a child process runs it on the other core (a thread would wait for the
GIL that loading Qt's libraries holds) and the answer comes back pickled through a pipe. Nothing
here imports peewee or the models at the top: the child imports them, and the window paints Today
from the answer before it loads them itself (~40 ms of its start otherwise). No answer (no fork, no
database yet, an older schema, a failure, the deadline passed) leaves the window to its usual start.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .forked import Child

if TYPE_CHECKING:
    from .today_items import Today

log = logging.getLogger("leadbook.db")


class ReadAhead:
    """func run now in a forked child (forked.py) with a read-only connection of its own, its answer taken
    later (once)."""

    DEADLINE = 10.0  # seconds: a child held up longer (a locked database) is not waited for

    def __init__(self, folder: Path, func: Callable[[], Any]) -> None:
        self._child = Child.start(lambda: _read(folder, func))

    def answer(self) -> Any | None:
        """The child's answer, or None when it gave none within the deadline."""
        if self._child is None:
            return None
        try:
            return self._child.receive(self.DEADLINE)
        finally:
            self._child.stop()
            self._child = None


def _read(folder: Path, func: Callable[[], Any]) -> Iterator[Any]:
    """In the child: open the store read-only as it is (none yet is the first run's to make, an older schema
    the parent's to upgrade) and answer func(), or nothing. A connection the parent holds is left alone:
    SQLite forbids using one across a fork."""
    try:
        from .db import DB_NAME, PRAGMAS, schema_version
        from .tables import database

        inherited = database._state.conn  # noqa: F841 - kept, never closed
        database._state.reset()
        database.init(f"file:{folder / DB_NAME}?mode=ro", uri=True, pragmas={"cache_size": PRAGMAS["cache_size"]})
        if database.execute_sql("PRAGMA user_version").fetchone()[0] == schema_version():
            yield func()
    except Exception:  # noqa: BLE001 - no answer: the window reads where it runs
        log.debug("the read ahead failed; the window reads where it runs", exc_info=True)


def first_screen() -> tuple[bool, Today] | None:
    """What the window shows first: (mine, Today) with contact lines, or None while the first-run
    dialog must come first."""
    from . import members, preferences

    return None if preferences.needs_first_run() else members.my_today(contacts=True)
