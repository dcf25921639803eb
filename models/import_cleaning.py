"""Cleaning every row of an import plan (models.import_rows.RowCleaner), on both cores for a big file: a forked
child cleans the second half while this process cleans the first, and hands its rows back pickled (50,000
rows: ~0.3 s sooner). Without fork, or when the child gives no answer in time, the rest is cleaned here.

The child only cleans (no database, no Qt) and leaves by os._exit, so the parent's connection and exit
handlers are never touched from it.
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import time
from collections import deque
from typing import Any

from .errors import InvalidInput
from .import_rows import RowCleaner, fingerprint_id

PARALLEL_ROWS = 5_000  # below this a fork costs more than it saves
SLACK = 5.0  # seconds the child may take beyond twice this process's time for its half
Row = tuple[str | None, str, int, list[str]]  # sheet named on the row (or None), suffix for messages, line, cells
Cleaned = tuple[str | None, int, dict[str, Any], list[tuple[str, str]], str]  # sheet, line, fields, details, id
Rejected = tuple[int, str]


def clean_all(cleaner: RowCleaner, rows: list[Row]) -> tuple[list[Cleaned], list[Rejected]]:
    """Every row cleaned, in file order, with its fingerprint id; the list is emptied (rows let go once cleaned)."""
    half = len(rows) // 2 if len(rows) >= PARALLEL_ROWS and hasattr(os, "fork") else len(rows)
    rest = rows[half:]
    helper = _Helper.start(cleaner, rest) if rest else None
    first = deque(rows[:half])  # each row's cells let go once cleaned
    rows.clear()
    started = time.monotonic()
    cleaned, rejected = _clean(cleaner, first)
    answer = helper.answer(rest, deadline=2 * (time.monotonic() - started) + SLACK) if helper else None
    if answer is None:
        more, more_rejected = _clean(cleaner, deque(rest))
    else:
        more, more_rejected, warnings, unknown = answer
        cleaner.absorb(warnings, unknown)
    return cleaned + more, rejected + more_rejected


def _clean(cleaner: RowCleaner, table: deque[Row]) -> tuple[list[Cleaned], list[Rejected]]:
    cleaned: list[Cleaned] = []
    rejected: list[Rejected] = []
    while table:
        sheet, where, line, cells = table.popleft()
        try:
            fields, details = cleaner.clean(line, cells)
        except InvalidInput as exc:
            rejected.append((line, str(exc).rstrip(".") + where))
            continue
        cleaned.append((sheet, line, fields, details, fingerprint_id(fields, cells)))
    return cleaned, rejected


class _Helper:
    """A forked child cleaning rows with a copy of the cleaner; its answer (rows, rejected, the cleaner's
    warnings and unknown words) comes back through a pipe."""

    @classmethod
    def start(cls, cleaner: RowCleaner, rows: list[Row]) -> _Helper | None:
        try:
            return cls(cleaner, rows)
        except OSError:  # no process to spare (a limit, no memory): this one cleans them all
            return None

    def __init__(self, cleaner: RowCleaner, rows: list[Row]) -> None:
        self.pipe, write = os.pipe()
        try:
            self.pid = os.fork()
        except OSError:
            os.close(self.pipe)
            os.close(write)
            raise
        if self.pid == 0:
            status = 1
            try:
                os.close(self.pipe)
                cleaned, rejected = _clean(cleaner, deque(rows))
                out = memoryview(pickle.dumps((cleaned, rejected, cleaner.warnings, cleaner.unknown),
                                              pickle.HIGHEST_PROTOCOL))
                while out:
                    out = out[os.write(write, out):]
                status = 0  # all of it written
            finally:
                os._exit(status)
        os.close(write)

    def answer(self, rows: list[Row], deadline: float) -> tuple[list[Cleaned], list[Rejected], list, dict] | None:
        """The child's answer, or None when it has none within deadline seconds (it is killed) or failed. Once
        it is all here, rows (the child's half, still uncleaned) are let go before it is unpickled."""
        data, until = bytearray(), time.monotonic() + deadline
        try:
            while select.select([self.pipe], [], [], max(0.0, until - time.monotonic()))[0]:
                part = os.read(self.pipe, 1 << 20)
                if not part:
                    break
                data += part
            else:
                os.kill(self.pid, signal.SIGKILL)
        finally:
            os.close(self.pipe)
            status = os.waitpid(self.pid, 0)[1]
        if status != 0:
            return None
        rows.clear()
        return pickle.loads(data)
