"""The one path for writing synced rows.

Every insert, update and delete of a synced table (leads, activities, follow-ups,
stages, members, lost reasons) goes through these functions. They stamp
updated_at and tell the change listeners what changed, field by field: team sync
registers its change log here, so no write can bypass it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from operator import itemgetter
from typing import Any, TypeVar

import peewee as pw

from .clock import now
from .tables import Synced

T = TypeVar("T", bound=Synced)


@dataclass(frozen=True)
class Change:
    table: str
    row_id: str
    fields: dict[str, Any]  # column name -> new value; empty for a delete
    deleted: bool = False


listeners: list[Callable[[Change], None]] = []


def _emit(change: Change) -> None:
    for listener in listeners:
        listener(change)


def _columns(model: type[Synced], values: dict[str, Any]) -> dict[str, Any]:
    """Field names -> column values (foreign keys by id)."""
    out = {}
    for name, value in values.items():
        field = model._meta.fields[name]
        out[field.column_name] = value.id if isinstance(value, Synced) else value
    return out


def insert(model: type[T], **values: Any) -> T:
    values.setdefault("updated_at", now())
    row = model(**values)  # fills defaults (a new UUID) and holds foreign keys as ids
    _flush(model, [dict(row.__data__)])
    return row


def insert_many(model: type[Synced], rows: Iterable[dict[str, Any]], batch: int = 500) -> int:
    """Bulk insert (demo data, imports): the same change records, far fewer statements."""
    stamp = now()
    count, chunk = 0, []
    for row in rows:
        row.setdefault("updated_at", stamp)
        chunk.append(row)
        if len(chunk) >= batch:
            count += _flush(model, chunk)
            chunk = []
    if chunk:
        count += _flush(model, chunk)
    return count


def _flush(model: type[Synced], chunk: list[dict[str, Any]]) -> int:
    """One prepared INSERT run over the chunk (executemany): no giant SQL text to build and parse."""
    fields = model._meta.sorted_fields
    for row in chunk:  # fill defaults in, so the row and its change record are complete
        if len(row) != len(fields):
            unknown = row.keys() - model._meta.fields.keys()
            if unknown:
                raise ValueError(f"{model.__name__} has no field {', '.join(sorted(unknown))}.")
            for f in fields:
                if f.name not in row:
                    row[f.name] = f.default() if callable(f.default) else f.default
    params = zip(*(_column(f, list(map(itemgetter(f.name), chunk))) for f in fields), strict=True)
    with pw.__exception_wrapper__:  # sqlite3 errors as peewee's, like every other query
        model._meta.database.cursor().executemany(_insert_sql(model), params)
    if listeners:
        for row in chunk:
            _emit(Change(model._meta.table_name, row["id"], _columns(model, row)))
    return len(chunk)


@cache
def _insert_sql(model: type[Synced]) -> str:
    fields = model._meta.sorted_fields
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    return f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({", ".join("?" * len(fields))})'


_PLAIN = {pw.TextField: str, pw.FloatField: float, pw.IntegerField: int, pw.DateTimeField: datetime}


def _column(field: pw.Field, values: list[Any]) -> list[Any]:
    """A column as peewee's db_value would give it to sqlite3, skipping calls that change nothing."""
    plain = _PLAIN.get(type(field.rel_field if isinstance(field, pw.ForeignKeyField) else field))
    if plain is None or not set(map(type, values)) <= {plain, type(None)}:
        return list(map(field.db_value, values))
    if plain is datetime:  # the text sqlite3's datetime adapter would store, made once per distinct value
        text = {v: v.isoformat(" ") for v in set(values) if v is not None}
        return list(map(text.get, values))
    return values


def update(row: T, **values: Any) -> T:
    """Set fields that really change; no-op writes record nothing."""
    changed = {}
    for name, value in values.items():
        old = row.__data__.get(name)  # foreign keys are held as ids here
        new = value.id if isinstance(value, Synced) else value
        if old != new:
            changed[name] = value
    if not changed:
        return row
    changed["updated_at"] = now()
    for name, value in changed.items():
        setattr(row, name, value)
    fields = [row._meta.fields[name] for name in changed]
    assignments = ", ".join(f'"{f.column_name}" = ?' for f in fields)
    params = [_column(f, [row.__data__[f.name]])[0] for f in fields] + [row.id]
    with pw.__exception_wrapper__:  # a prepared statement: peewee's query builder costs more than SQLite here
        row._meta.database.execute_sql(f'UPDATE "{row._meta.table_name}" SET {assignments} WHERE "id" = ?', params)
    _emit(Change(row._meta.table_name, row.id, _columns(type(row), changed)))
    return row


def delete(row: Synced) -> None:
    row.delete_instance()
    _emit(Change(row._meta.table_name, row.id, {}, deleted=True))
