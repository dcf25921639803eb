"""The one path for writing synced rows, and the record of every change.

Every insert, update and delete of a synced table (leads, activities, follow-ups, stages,
members, lost reasons, review rules) goes through these functions; any other way raises (see
models.tables). Each change is recorded field by field in the outbox **in the same
transaction** as the write, so a rolled-back transaction leaves no record and team sync
ships only committed changes. Listeners hear of a change only after its commit.

Changes applied from another device (team sync) are written in `remote()` mode: guarded and
announced the same way, but not recorded, since the outbox ships only this device's own changes.

Values in the outbox are the stored column values (times as the ISO text SQLite holds), so
replaying the records onto an empty database gives the same rows.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from operator import itemgetter
from typing import Any, TypeVar

import orjson
import peewee as pw

from .clock import now
from .errors import NotFound
from .tables import SYNCED_TABLES, Synced, database, write_path

T = TypeVar("T", bound=Synced)


@dataclass(frozen=True)
class Prepared:
    """Rows of one synced table made ready to insert (prepare(), which needs no database, so a forked child
    can do it): their stored values in column order and each one's record, as JSON."""

    table: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    records: list[str]

    def without(self, column: str, values: Collection[Any]) -> Prepared:
        """The rows whose `column` holds none of `values`."""
        if not values:
            return self
        at = self.columns.index(column)
        kept = [n for n, row in enumerate(self.rows) if row[at] not in values]
        return Prepared(self.table, self.columns, [self.rows[n] for n in kept], [self.records[n] for n in kept])


@dataclass(frozen=True)
class Change:
    table: str
    row_id: str
    fields: dict[str, Any]  # column name -> stored value; empty for a delete
    deleted: bool = False


listeners: list[Callable[[Change], None]] = []


# --- column-level writes: what undo and team sync apply ------------------------------------

def insert_rows(table: str, rows: list[dict[str, Any]]) -> int:
    """Insert complete rows given as column -> stored value (all with the same columns)."""
    if not rows:
        return 0
    columns = list(rows[0])
    getter = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    _insert(table, columns, map(getter, rows), ((row["id"], row, None) for row in rows))
    return len(rows)


def update_row(table: str, row_id: str, columns: dict[str, Any], stamp: bool = True) -> dict[str, Any]:
    """Set the columns that really change (and updated_at with them); returns {column: old value}."""
    gathering = getattr(_pending, "gathering", None)
    if gathering is not None and gathering[0] == table:
        return _gather(gathering[1], table, row_id, columns, stamp)
    with _transaction():
        old = _stored(table, row_id, [*columns, *(("updated_at",) if stamp and "updated_at" not in columns else ())])
        # Unstamped (undo, team sync), updated_at is set like any column, even alone.
        changed = {c: v for c, v in columns.items() if old[c] != v and (c != "updated_at" or not stamp)}
        if not changed:
            return {}
        if stamp:
            changed["updated_at"] = _text(now())
        previous = {c: old[c] for c in changed}
        _write_update(table, row_id, changed, previous)
        return previous


@contextmanager
def gathered(table: str) -> Iterator[Callable[[str, dict[str, Any]], None]]:
    """Updates of the table's rows inside are gathered and written at the end, once per row with one record
    (capture applies several rules to a lead per message: three or four UPDATEs, each paying for the lead's
    indexes and the Insights trigger). Inside, nothing may read those rows by SQL (the rules read their model
    objects); on an error nothing gathered is written (the caller's transaction is rolled back). It gives a
    function to hand over a row read already in this transaction (as stored_row gives it): no second read."""
    before, rows = getattr(_pending, "gathering", None), {}
    _pending.gathering = (table, rows)
    try:
        yield lambda row_id, stored: rows.setdefault(row_id, ({}, stored))
    finally:
        _pending.gathering = before
    for row_id, (new, old) in rows.items():
        changed = {c: v for c, v in new.items() if v != old[c]}
        if changed.keys() - {"updated_at"}:
            _write_update(table, row_id, changed, {c: old[c] for c in changed})


def _gather(rows: dict[str, tuple[dict[str, Any], dict[str, Any]]], table: str, row_id: str,
            columns: dict[str, Any], stamp: bool) -> dict[str, Any]:
    """update_row inside gathered(): the row as stored read once, its new values noted."""
    if row_id not in rows:
        found = stored_row(table, row_id)
        if found is None:
            raise NotFound(f"There is no {table.replace('_', ' ')} {row_id}.")
        rows[row_id] = ({}, found)
    new, old = rows[row_id]
    current = old | new
    changed = {c: v for c, v in columns.items() if current[c] != v and (c != "updated_at" or not stamp)}
    if not changed:
        return {}
    if stamp:
        changed["updated_at"] = _text(now())
    new.update(changed)
    return {c: current[c] for c in changed}


def _write_update(table: str, row_id: str, changed: dict[str, Any], previous: dict[str, Any]) -> None:
    assignments = ", ".join(f"{_quote(c)} = ?" for c in changed)
    with write_path(), pw.__exception_wrapper__:
        database.execute_sql(f'UPDATE "{_table(table)}" SET {assignments} WHERE "id" = ?', [*changed.values(), row_id])
    _record(table, "update", [(row_id, changed, previous)])


def delete_row(table: str, row_id: str) -> bool:
    """Delete a row, keeping its last values in the record (undo and tombstones need them)."""
    with _transaction():
        old = stored_row(table, row_id)
        if old is None:
            return False
        with write_path(), pw.__exception_wrapper__:
            database.execute_sql(f'DELETE FROM "{_table(table)}" WHERE "id" = ?', [row_id])
        _record(table, "delete", [(row_id, {}, old)])
    return True


def stored_row(table: str, row_id: str) -> dict[str, Any] | None:
    """A synced row as stored (column -> value), or None."""
    cursor = database.execute_sql(f'SELECT * FROM "{_table(table)}" WHERE "id" = ?', [row_id])
    found = cursor.fetchone()
    return None if found is None else dict(zip([d[0] for d in cursor.description], found, strict=True))


# --- model-level writes: what the domain rules use -------------------------------------------

def prepare(model: type[Synced], rows: list[dict[str, Any]]) -> Prepared:
    """Complete rows (field name -> value; defaults filled in) as insert_prepared() writes them."""
    fields = model._meta.sorted_fields
    for row in rows:  # fill defaults in, so the row and its record are complete
        if len(row) != len(fields):
            unknown = row.keys() - model._meta.fields.keys()
            if unknown:
                raise ValueError(f"{model.__name__} has no field {', '.join(sorted(unknown))}.")
            for f in fields:
                if f.name not in row:
                    row[f.name] = f.default() if callable(f.default) else f.default
    names = tuple(f.column_name for f in fields)
    stored = list(zip(*(_column(f, list(map(itemgetter(f.name), rows))) for f in fields), strict=True))
    return Prepared(_table(model._meta.table_name), names, stored,
                    [_json(dict(zip(names, values, strict=True))) for values in stored])


def insert_prepared(prepared: Prepared) -> int:
    """Insert rows prepare() made, each with its record."""
    if not prepared.rows:
        return 0
    at = prepared.columns.index("id")
    entries = ((row[at], data, None) for row, data in zip(prepared.rows, prepared.records, strict=True))
    _insert(prepared.table, prepared.columns, prepared.rows, entries, encoded=True)
    return len(prepared.rows)


def _insert(table: str, columns: Sequence[str], values: Iterable[Sequence[Any]],
            entries: Iterable[tuple[str, Any, None]], encoded: bool = False) -> None:
    """One INSERT run over the rows (executemany), and their records (see _record)."""
    sql = f'INSERT INTO "{_table(table)}" ({", ".join(map(_quote, columns))}) VALUES ({", ".join("?" * len(columns))})'
    with _transaction():
        with write_path(), pw.__exception_wrapper__:
            database.cursor().executemany(sql, values)
        _record(table, "insert", entries, encoded)


def insert(model: type[T], **values: Any) -> T:
    values.setdefault("updated_at", now())
    row = model(**values)  # fills defaults (a new UUID) and holds foreign keys as ids
    _flush(model, [dict(row.__data__)])
    return row


def insert_many(model: type[Synced], rows: Iterable[dict[str, Any]], batch: int = 500) -> int:
    """Bulk insert (demo data, imports): the same records, far fewer statements."""
    stamp = now()
    count, chunk = 0, []
    with _transaction():
        for row in rows:
            row.setdefault("updated_at", stamp)
            chunk.append(row)
            if len(chunk) >= batch:
                count += _flush(model, chunk)
                chunk = []
        if chunk:
            count += _flush(model, chunk)
    return count


def update(row: T, **values: Any) -> T:
    """Set fields that really change (compared with the stored row); no-op writes record nothing."""
    fields = {name: row._meta.fields[name] for name in values}
    columns = {f.column_name: _column(f, [_plain(values[name])])[0] for name, f in fields.items()}
    previous = update_row(row._meta.table_name, row.id, columns)
    if previous:
        for name, value in values.items():
            setattr(row, name, value)
        row.__data__["updated_at"] = now()
    return row


def delete(row: Synced) -> None:
    delete_row(row._meta.table_name, row.id)


# --- the record -------------------------------------------------------------------------------

@contextmanager
def remote(on: bool = True) -> Iterator[None]:
    """Writes that came from another device (team sync): checked and announced, but not recorded,
    since the outbox ships only this device's own changes. remote(False) inside: one that must ship."""
    before, _pending.remote = getattr(_pending, "remote", False), on
    try:
        yield
    finally:
        _pending.remote = before


_OUTBOX = 'INSERT INTO outbox (at, tbl, row_id, op, data, old) VALUES (?, ?, ?, ?, ?, ?)'
_pending = threading.local()  # this thread's open transaction: the first outbox seq it wrote


def last_seq() -> int:
    """The newest record's number (0 when none)."""
    return database.execute_sql("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]


def baseline(why: str) -> None:
    """Mark that the rows changed outside the record (a restore): what came before no longer adds up to them."""
    with _transaction():
        _record("", "baseline", [("", {"why": why}, None)])


def _record(table: str, op: str, entries: Iterable[tuple[str, Any, Any]], encoded: bool = False) -> None:
    """Entries (row id, data, old or None): dicts, or their JSON already when `encoded`."""
    if listeners and getattr(_pending, "first", None) is None:
        _pending.first = last_seq() + 1
        database.after_commit(_announce)
    if getattr(_pending, "remote", False):
        if listeners:
            if not getattr(_pending, "heard", None):
                _pending.heard = []
            _pending.heard.extend(Change(table, row_id, json.loads(data) if encoded else data, deleted=op == "delete")
                                  for row_id, data, _old in entries)
        return
    at = _text(now())
    params = ((at, table, row_id, op, data, old) if encoded
              else (at, table, row_id, op, _json(data), None if old is None else _json(old))
              for row_id, data, old in entries)
    with pw.__exception_wrapper__:
        database.cursor().executemany(_OUTBOX, params)


def _announce() -> None:
    """After a commit: tell the listeners what the transaction recorded (rolled-back savepoints left nothing)."""
    first, _pending.first = _pending.first, None
    heard, _pending.heard = getattr(_pending, "heard", []), []
    rows = database.execute_sql(
        "SELECT tbl, row_id, op, data FROM outbox WHERE seq >= ? AND op != 'baseline' ORDER BY seq", [first])
    changes = [Change(table, row_id, json.loads(data), deleted=op == "delete") for table, row_id, op, data in rows]
    for change in heard + changes:
        for listener in listeners:
            listener(change)


def _forget() -> None:
    _pending.first = None
    _pending.heard = []


database.on_rollback.append(_forget)


@contextmanager
def _transaction() -> Iterator[None]:
    """The caller's transaction, or one of our own: a write and its record commit together."""
    if database.in_transaction():
        yield
    else:
        with database.atomic():
            yield


def _text(value: datetime) -> str:
    return value.isoformat(" ")  # what sqlite3's datetime adapter stores


def _json(value: dict[str, Any]) -> str:
    """A record's JSON (UTF-8, compact): orjson, ~10x faster than json's encoder (a 50,000-row import writes
    200,000 records: ~0.5 s less); times as the text SQLite holds, not orjson's own ISO form."""
    return orjson.dumps(value, default=_text, option=orjson.OPT_PASSTHROUGH_DATETIME).decode()


# --- helpers ----------------------------------------------------------------------------------

def _flush(model: type[Synced], chunk: list[dict[str, Any]]) -> int:
    """One prepared INSERT run over the chunk (executemany): no giant SQL text to build and parse."""
    return insert_prepared(prepare(model, chunk))


_PLAIN = {pw.TextField: str, pw.FloatField: float, pw.IntegerField: int, pw.DateTimeField: datetime}


def _plain(value: Any) -> Any:
    return value.id if isinstance(value, Synced) else value


def _column(field: pw.Field, values: list[Any]) -> list[Any]:
    """A column as peewee's db_value would give it to sqlite3, skipping calls that change nothing."""
    plain = _PLAIN.get(type(field.rel_field if isinstance(field, pw.ForeignKeyField) else field))
    if plain is None or not set(map(type, values)) <= {plain, type(None)}:
        values = list(map(field.db_value, values))
        if not any(isinstance(v, datetime) for v in values):
            return values
        plain = datetime
    if plain is datetime:  # the text sqlite3's datetime adapter would store, made once per distinct value
        text = {v: _text(v) for v in set(values) if isinstance(v, datetime)}
        return [text.get(v, v) if isinstance(v, datetime) else v for v in values]
    return values


def _stored(table: str, row_id: str, columns: list[str]) -> dict[str, Any]:
    sql = f'SELECT {", ".join(map(_quote, columns))} FROM "{_table(table)}" WHERE "id" = ?'
    with pw.__exception_wrapper__:
        found = database.cursor().execute(sql, [row_id]).fetchone()
    if found is None:
        raise NotFound(f"There is no {table.replace('_', ' ')} {row_id}.")
    return dict(zip(columns, found, strict=True))


def _table(name: str) -> str:
    if name not in SYNCED_TABLES:
        raise ValueError(f"{name!r} is not a synced table")
    return name


@cache
def _quote(column: str) -> str:
    if not column.replace("_", "").isalnum():
        raise ValueError(f"{column!r} is not a column name")
    return f'"{column}"'
