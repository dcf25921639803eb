"""Export (CSV/JSON/XLSX) and the lead record that JSON output and exports share. Exports also carry each
lead's notes and a summary of its timeline, so an export -> import round trip keeps them."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import peewee as pw

from .clock import iso
from .errors import InvalidInput
from .tables import Activity, FollowUp, Lead, Member, Stage, database

# --- lead records -------------------------------------------------------------------------------

RECORD_KEYS = ("id", "name", "email", "phone", "company", "source", "service", "stage", "status", "owner", "value",
               "lost_reason", "created_at", "first_response_at", "last_activity_at", "imported_at", "next_followup")
EXPORT_COLUMNS = RECORD_KEYS[:-1] + ("next_followup_due", "next_followup_title", "notes", "timeline")


def lead_records(query: pw.ModelSelect | None = None) -> Iterator[dict[str, Any]]:
    """The JSON form of leads (live ones only), in one query; query may filter, order and limit."""
    stage, owner, pending = Stage.alias("rec_stage"), Member.alias("rec_owner"), FollowUp.alias("rec_followup")
    inner = FollowUp.alias("rec_next")
    # The earliest pending step, picked by a correlated subquery so a lead stays one row even if
    # a sync merge ever left it two pending follow-ups.
    next_id = (inner.select(inner.id).where((inner.lead == Lead.id) & inner.done_at.is_null())
               .order_by(inner.due).limit(1))
    base = Lead.select() if query is None else query.clone()
    if not base._order_by:
        base = base.order_by(Lead.created_at.desc(), Lead.id)
    if base._limit is not None or base._offset:
        # Pick the page's ids first (a plain scan), so the joins run for 50 rows, not for all 100k.
        picked = base.clone().select(Lead.id)
        base = base.limit(None).offset(None).where(Lead.id.in_(picked))
    base = (base.select(Lead.id, Lead.name, Lead.email, Lead.phone, Lead.company, Lead.source, Lead.service,
                        stage.name, Lead.status, owner.name, Lead.value, Lead.lost_reason, Lead.created_at,
                        Lead.first_response_at, Lead.last_activity_at, Lead.imported_at, pending.id, pending.due,
                        pending.title)
            .switch(Lead).join(stage, on=stage.id == Lead.stage)
            .switch(Lead).join(owner, pw.JOIN.LEFT_OUTER, on=owner.id == Lead.owner)
            .switch(Lead).join(pending, pw.JOIN.LEFT_OUTER, on=pending.id == next_id)
            .where(Lead.merged_into.is_null()))
    # The raw cursor skips peewee's per-value datetime parsing, which dominates at 100k leads.
    for row in database.execute(base):
        (lead_id, name, email, phone, company, source, service, stage_name, status, owner_name, value,
         lost_reason, created_at, first_response_at, last_activity_at, imported_at, fid, due, title) = row
        yield {"id": lead_id, "name": name, "email": email, "phone": phone, "company": company, "source": source,
               "service": service, "stage": stage_name, "status": status, "owner": owner_name, "value": value,
               "lost_reason": lost_reason, "created_at": _iso(created_at),
               "first_response_at": _iso(first_response_at), "last_activity_at": _iso(last_activity_at),
               "imported_at": _iso(imported_at),
               "next_followup": {"id": fid, "due": _iso(due), "title": title} if fid else None}


def lead_record(lead: Lead) -> dict[str, Any]:
    """The JSON form of one lead."""
    return next(lead_records(Lead.select().where(Lead.id == lead.id)))


def _iso(value: str | datetime | None) -> str | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return iso(value)


# --- export -------------------------------------------------------------------------------------

FORMATS = ("csv", "json", "xlsx")


def format_named(path: str | Path, default: str = "csv") -> str:
    """The format a file's extension names ('Leads.XLSX' -> 'xlsx'); default when it has none."""
    return Path(path).suffix.lstrip(".").lower() or default

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A phone number or a number: digits, spaces, + - ( ) . / only; no letters, so no function and no DDE call.
_NUMERIC = re.compile(r"^[+-]?[\d\s().\-/]*\d[\d\s().\-/]*$")
_CELL_MAX = 32_000  # Excel holds at most 32,767 characters in a cell


_AFTER_SEPARATOR = re.compile(r"([,;\t]\s*)([=+\-@][^,;\t]*)")


def neutralise(value: Any, inner: bool = True) -> Any:
    """Text a spreadsheet would run as a formula gets a leading ' (CSV/XLSX injection guard): judged after
    stripping the spaces that would hide it, and never for a phone number or a number, which stay as they are.
    inner: also a formula after a ',' ';' or tab inside the text ('Bob;=HYPERLINK(...)'), which an Excel that
    splits lines on another separator than the file's would see as a cell of its own."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith(_FORMULA_START) and not _NUMERIC.match(text):
        text = "'" + text
    if inner:
        text = _AFTER_SEPARATOR.sub(lambda m: m[0] if _NUMERIC.match(m[2].strip()) else f"{m[1]}'{m[2]}", text)
    return text


def _flat(record: dict[str, Any]) -> list[Any]:
    follow = record["next_followup"] or {}
    timeline = "\n".join(f"{e['at'][:16].replace('T', ' ')} {e['summary']}" for e in record["timeline"])
    return [record[k] for k in RECORD_KEYS[:-1]] + [follow.get("due"), follow.get("title"), record["notes"],
                                                     timeline[-_CELL_MAX:]]


def _with_history(records: Iterator[dict[str, Any]], chunk: int = 500) -> Iterator[dict[str, Any]]:
    """Records with their notes (the inquiry, an import's details with it, and the notes on the timeline) and
    the timeline, a chunk of leads per query so 100k leads never sit in memory."""
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) == chunk:
            yield from _add_history(batch)
            batch = []
    yield from _add_history(batch)


def _add_history(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not batch:
        return batch
    entries: dict[str, list[dict[str, Any]]] = {}
    about = {lead_id: (message, imported) for lead_id, message, imported in Lead.select(
        Lead.id, Lead.message, Lead.imported_at.is_null(False)).where(Lead.id.in_([r["id"] for r in batch])).tuples()}
    query = (Activity.select(Activity.lead, Activity.at, Activity.kind, Activity.summary, Activity.body)
             .where(Activity.lead.in_([r["id"] for r in batch])).order_by(Activity.at, Activity.id).tuples())
    for lead_id, at, kind, summary, body in database.execute(query):
        entries.setdefault(lead_id, []).append({"at": _iso(at), "kind": kind, "summary": summary, "body": body})
    for record in batch:
        timeline = entries.get(record["id"], [])
        message, imported = about.get(record["id"], (None, False))
        if imported:  # an import's first entry holds its details under the message
            message = next((e["body"] for e in timeline if e["kind"] == "created" and e["body"]
                            and e["body"].startswith(message or "")), message)
        notes = [message] + [e["body"] for e in timeline if e["kind"] == "note"]
        record["notes"] = "\n\n".join(n for n in notes if n)[:_CELL_MAX] or None
        record["timeline"] = timeline
    return batch


def export_leads(path_or_stream: Path | str | IO[Any], fmt: str, leads_query: pw.ModelSelect | None = None) -> int:
    """Write leads as csv, json or xlsx to a file (complete or not at all) or an open stream; returns the count."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InvalidInput(f"'{fmt}' is not an export format: use csv, json or xlsx.")
    records = _with_history(lead_records(leads_query))
    if not isinstance(path_or_stream, (str, os.PathLike)):
        return _write(path_or_stream, fmt, records, bom=False)
    path = Path(path_or_stream)
    folder = path.parent
    if not folder.is_dir():
        raise InvalidInput(f"The folder {folder} does not exist.")
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            count = _write(out, fmt, records, bom=True)
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise
    return count


def _write(out: IO[Any], fmt: str, records: Iterator[dict[str, Any]], bom: bool) -> int:
    if fmt == "xlsx":
        return _write_xlsx(getattr(out, "buffer", out), records)
    binary = not isinstance(out, io.TextIOBase)
    # Excel reads a UTF-8 CSV as ANSI unless it starts with a BOM; a terminal does not want one.
    text = io.TextIOWrapper(out, encoding="utf-8-sig" if bom and fmt == "csv" else "utf-8",
                            newline="") if binary else out
    count = 0
    try:
        if fmt == "csv":
            # Every field quoted: 'Bob;=HYPERLINK(...)' stays one text cell in an Excel that splits on ';'.
            writer = csv.writer(text, quoting=csv.QUOTE_ALL)
            writer.writerow(EXPORT_COLUMNS)
            for record in records:
                writer.writerow([neutralise(v) for v in _flat(record)])
                count += 1
        else:  # json: one list, streamed so 100k leads need not sit in memory as text
            text.write("[")
            for record in records:
                text.write(",\n  " if count else "\n  ")
                text.write(json.dumps(record, ensure_ascii=False))
                count += 1
            text.write("\n]\n" if count else "]\n")
        text.flush()
    finally:
        if text is not out:
            text.detach()  # leave the caller's stream open
    return count


def _write_xlsx(out: IO[bytes], records: Iterator[dict[str, Any]]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Leads")
    sheet.append(EXPORT_COLUMNS)
    count = 0
    for record in records:
        # openpyxl makes a formula only of a str starting with "=", which neutralise() has quoted;
        # control characters would make openpyxl refuse the whole file.
        sheet.append([neutralise(ILLEGAL_CHARACTERS_RE.sub("", v), inner=False) if isinstance(v, str) else v
                      for v in _flat(record)])
        count += 1
    book.save(out)
    return count
