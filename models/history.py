"""Undo, read from the outbox: an operation's records say exactly what it changed.

`undoable` notes which records an operation wrote; `undo` writes their opposites (delete
what was inserted, put back old values, re-insert what was deleted) through the write
path, newest first, in the caller's transaction. So undo restores exactly the state before
the operation, is recorded like any change (team sync carries it), and refuses when
someone changed those rows since.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from . import writes
from .errors import RuleError
from .tables import database

T = TypeVar("T")


@dataclass(frozen=True)
class Undo:
    text: str  # what the user sees, e.g. "Done: Respond to inquiry — Jane Doe"
    first: int  # the outbox records the operation wrote
    last: int


def undoable(text: str, func: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, Undo | None]:
    """Run func (in the caller's transaction) and return its result with an Undo for exactly what it wrote."""
    before = writes.last_seq()
    result = func(*args, **kwargs)
    after = writes.last_seq()
    return result, (Undo(text, before + 1, after) if after > before else None)


def undo(token: Undo) -> None:
    """Put back the state before the operation; RuleError (nothing changed) when those rows changed since."""
    records = database.execute_sql(
        "SELECT tbl, row_id, op, data, old FROM outbox WHERE seq BETWEEN ? AND ? ORDER BY seq DESC",
        [token.first, token.last]).fetchall()
    if len(records) < token.last - token.first + 1:  # pruned, long after the operation (replica.prune_outbox)
        raise RuleError(f"There is nothing left to undo of '{token.text}'.")
    records = [record for record in records if record[2] != "baseline"]
    with database.atomic():
        _check_unchanged(token, records)
        for table, row_id, op, _data, old in records:
            if op == "insert":
                writes.delete_row(table, row_id)
            elif op == "update":
                writes.update_row(table, row_id, json.loads(old), stamp=False)
            else:
                writes.insert_rows(table, [json.loads(old)])


def _check_unchanged(token: Undo, records: list[tuple]) -> None:
    """Every row the operation touched must still be as it left it (newest record per column wins)."""
    left: dict[tuple[str, str], tuple[bool, dict[str, Any]]] = {}
    for table, row_id, op, data, _old in records:  # newest first
        exists, columns = left.setdefault((table, row_id), (op != "delete", {}))
        if exists and op != "delete":
            for column, value in json.loads(data).items():
                columns.setdefault(column, value)
    for (table, row_id), (exists, columns) in left.items():
        row = writes.stored_row(table, row_id)
        if (row is not None) != exists or (row is not None and any(row[c] != v for c, v in columns.items())):
            raise RuleError(f"'{token.text}' cannot be undone: it was changed since.")
