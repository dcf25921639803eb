"""Cleaning every row of an import plan (models.import_rows.RowCleaner), on both cores for a big file: a forked
child (forked.py) cleans the second half while this process cleans the first, and hands its rows back pickled
(50,000 rows: ~0.3 s sooner). Without fork, or when the child gives no answer in time, the rest is cleaned here.
"""
from __future__ import annotations

import time
from collections import deque
from typing import Any

from .errors import InvalidInput
from .forked import Child
from .import_rows import RowCleaner, fingerprint_id

PARALLEL_ROWS = 5_000  # below this a fork costs more than it saves
SLACK = 5.0  # seconds the child may take beyond twice this process's time for its half
Row = tuple[str | None, str, int, list[str]]  # sheet named on the row (or None), suffix for messages, line, cells
Cleaned = tuple[str | None, int, dict[str, Any], list[tuple[str, str]], str]  # sheet, line, fields, details, id
Rejected = tuple[int, str]


def clean_all(cleaner: RowCleaner, rows: list[Row]) -> tuple[list[Cleaned], list[Rejected]]:
    """Every row cleaned, in file order, with its fingerprint id; the list is emptied (rows let go once cleaned)."""
    half = len(rows) // 2 if len(rows) >= PARALLEL_ROWS else len(rows)
    rest = rows[half:]
    # the child's answer: its rows, and what its copy of the cleaner noted (warnings, unknown words)
    helper = Child.start(lambda: [(*_clean(cleaner, deque(rest)), cleaner.warnings, cleaner.unknown)]) if rest else None
    first = deque(rows[:half])  # each row's cells let go once cleaned
    rows.clear()
    started = time.monotonic()
    answer = None
    try:
        cleaned, rejected = _clean(cleaner, first)
        if helper is not None:  # once it is all here, the child's half (still uncleaned) is let go, then unpickled
            answer = helper.receive(2 * (time.monotonic() - started) + SLACK, arrived=rest.clear)
    finally:
        if helper is not None:
            helper.stop()
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
