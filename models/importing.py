"""Importing leads from CSV, XLSX and vCard files.

Two steps so the user can look before anything is written: plan_import reads the file, recognises
the export it came from, maps columns and status words, cleans every row and finds duplicates;
apply_import writes the plan in short transactions (the window's own writes are not locked out),
building new leads with models.leads.new_lead_rows, the same definition add_lead uses. An import
can be undone as a whole (undo_import): each batch's outbox records say what it wrote.
"""
from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from . import history, leads, members, settings, stages, writes
from .clock import now
from .contacts import normalise_email, normalise_phone
from .errors import InvalidInput
from .import_columns import DETAILS, FIELDS, IGNORE, LABEL, detect_profile, key, label_pairs, map_columns
from .import_read import Sheet, read_rows, read_sheets
from .import_values import EMPTY, StageWords, best, split_loose, tags, values_of, when
from .tables import Activity, FollowUp, Lead, Member, database, new_id

__all__ = ["FIELDS", "ImportPlan", "ImportResult", "ImportRow", "apply_import", "plan_import", "read_rows",
           "undo_import"]

BATCH = 500  # rows a transaction: the write lock is held for a few hundred milliseconds at a time
DETAILS_NOTE = "Imported details"
_NAMESPACE = uuid.UUID("6f1c3a52-5d0e-4d43-9a43-2f3b1f0c7a11")


@dataclass(frozen=True)
class ImportRow:
    line: int
    fields: dict[str, Any]  # name, email, phone, ... cleaned; only the ones the row has
    action: str  # add | skip | merge
    duplicate_of: str | None = None  # the existing lead this row duplicates
    duplicate_reason: str | None = None
    duplicate_line: int | None = None  # the earlier line of this file it duplicates
    sheet: str | None = None
    details: tuple[tuple[str, str], ...] = ()  # (label, text) for the "Imported details" note
    lead_id: str = ""  # the id its lead gets: the same row imported again is the same lead
    duplicate_row: int | None = None  # index in plan.rows of the earlier row it duplicates


@dataclass(frozen=True)
class SheetChoice:
    name: str
    used: bool
    rows: int
    why: str


@dataclass(frozen=True)
class ImportPlan:
    path: Path
    mapping: dict[str, str]  # column -> field, the columns that fill a field
    ignored: tuple[str, ...]  # columns left out (bookkeeping, or the user said so)
    rows: tuple[ImportRow, ...]
    rejected: tuple[tuple[int, str], ...]  # (line, reason)
    duplicates: str
    profile: str | None = None  # "Google Contacts", ... or None for a sheet of the user's own
    header: tuple[str, ...] = ()
    columns: dict[str, str] = field(default_factory=dict)  # every column -> field, details, ignore or label
    kept: tuple[str, ...] = ()  # columns kept in each lead's "Imported details" note
    unknown: dict[str, dict[str, int]] = field(default_factory=dict)  # column -> status word -> rows
    warnings: tuple[tuple[int, str, str], ...] = ()  # (line, column, what happened): a cell left blank
    skipped_rows: tuple[tuple[int, str], ...] = ()  # (line, why): totals rows
    sheets: tuple[SheetChoice, ...] = ()


@dataclass(frozen=True)
class ImportUndo:
    text: str
    batches: tuple[history.Undo, ...]


@dataclass(frozen=True)
class ImportResult:
    added: int
    merged: int
    skipped: int
    rejected: int
    cancelled: bool = False
    undo: ImportUndo | None = None


_NEUTRALISED = re.compile(r"^'[=+\-@\t\r]")
_TAGGED = re.compile("label|tag|categor|group")
_MOBILE, _WORK = re.compile(r"mobil|cell|handy|portable|movil"), re.compile(r"business|work|primary|main|office")


def _phone_rank(value: tuple[str, str]) -> int:
    """Of several phone columns the mobile number is the lead's phone, then the work number, then the rest."""
    label = key(value[0])
    return 0 if _MOBILE.search(label) else 1 if _WORK.search(label) else 2


# --- planning -----------------------------------------------------------------------------------

def plan_import(path: Path, overrides: dict[str, str] | None = None, duplicates: str = "skip",
                values: dict[str, str] | None = None) -> ImportPlan:
    """Read a file and decide, row by row, what importing it would do. Nothing is written.

    overrides: {column: field} the user chose; values: {"COLUMN:WORD" or "WORD": stage} for status words.
    """
    path = Path(path)
    if duplicates not in ("skip", "merge"):
        raise InvalidInput(f"'{duplicates}' is not a way to handle duplicates: use skip or merge.")
    sheets, choices = _choose_sheets(path, read_sheets(path))
    first = sheets[0]
    header = first.header
    profile = detect_profile(header)
    profile_name = first.profile or (profile.name if profile else None)
    columns = map_columns(header, profile, overrides)
    if not {"name", "first_name", "last_name", "email", "phone"} & set(columns.values()):
        raise InvalidInput(f"No column of {path.name} holds a name, email or phone ({', '.join(header)}): "
                           f"name one with --map COLUMN=name.")
    cleaner = _Cleaner(header, columns, profile.multi if profile else None, StageWords(_user_words(values, header)))
    rows: list[tuple[str | None, int, dict[str, Any], list[tuple[str, str]], str]] = []
    rejected: list[tuple[int, str]] = []
    for sheet in sheets:
        for line, cells in sheet.rows:
            try:
                fields, details = cleaner.clean(line, cells)
            except InvalidInput as exc:
                rejected.append((line, str(exc).rstrip(".")))
                continue
            rows.append((sheet.name if len(sheets) > 1 else None, line, fields, details, _lead_id(fields, cells)))
    planned = _duplicates([(line, fields, lead_id) for _, line, fields, _, lead_id in rows], duplicates)
    out = tuple(ImportRow(line, fields, action, of, reason, dup_line, sheet, tuple(details), lead_id, dup_row)
                for (sheet, line, fields, details, lead_id), (action, of, reason, dup_line, dup_row)
                in zip(rows, planned, strict=True))
    return ImportPlan(
        path, {c: f for c, f in columns.items() if f in FIELDS}, tuple(c for c, f in columns.items() if f == IGNORE),
        out, tuple(rejected), duplicates, profile_name, tuple(header), columns,
        tuple(c for c, f in columns.items() if f == DETAILS), cleaner.unknown, tuple(cleaner.warnings),
        tuple(skip for sheet in sheets for skip in sheet.skipped), choices)


def _choose_sheets(path: Path, sheets: list[Sheet]) -> tuple[list[Sheet], tuple[SheetChoice, ...]]:
    """Every sheet with the first usable sheet's header is imported; the others are named with the reason."""
    if len(sheets) == 1 and sheets[0].name is None:
        return sheets, ()
    usable = [s for s in sheets if s.rows and {"name", "first_name", "last_name", "email", "phone"}
              & set(map_columns(s.header).values())]
    if not usable:
        raise InvalidInput(f"No sheet of {path.name} has a column holding a name, email or phone.")
    main = max(usable, key=lambda s: len(s.rows))
    same = [s for s in sheets if s.rows and [key(c) for c in s.header] == [key(c) for c in main.header]]
    choices = []
    for sheet in sheets:
        if sheet in same:
            choices.append(SheetChoice(sheet.name or "", True, len(sheet.rows),
                                       "the same columns" if len(same) > 1 else "the sheet with leads"))
        elif not sheet.rows:
            choices.append(SheetChoice(sheet.name or "", False, 0, "no rows below its header"))
        elif sheet not in usable:
            choices.append(SheetChoice(sheet.name or "", False, len(sheet.rows),
                                       "no column with a name, email or phone"))
        else:
            choices.append(SheetChoice(sheet.name or "", False, len(sheet.rows),
                                       f"its columns differ from sheet '{main.name}'"))
    return same, tuple(choices)


def _user_words(values: dict[str, str] | None, header: list[str]) -> dict[str, str]:
    """--map-value pairs as word -> stage; a named column must exist ('Status:Neu' or just 'Neu')."""
    words = {}
    keys = {key(c) for c in header} | {"status", "stage"}
    for left, target in (values or {}).items():
        column, sep, word = left.partition(":")
        if not sep:
            column, word = "", left
        if column and key(column) not in keys:
            raise InvalidInput(f"There is no column '{column}' in the file: the columns are {', '.join(header)}.")
        words[word.strip()] = target
    return words


def _lead_id(fields: dict[str, Any], cells: list[str]) -> str:
    """A fingerprint of name, company and the whole source row: importing the row again finds its lead."""
    text = "\x1f".join([fields["name"].casefold(), (fields.get("company") or "").casefold(), *cells])
    return str(uuid.uuid5(_NAMESPACE, hashlib.sha1(text.encode()).hexdigest()))


class _Cleaner:
    """Turns one row's cells into lead fields plus the details kept beside them; a cell it cannot read
    is left blank with a warning (and kept as a detail), never the reason a row is lost."""

    def __init__(self, header: list[str], columns: dict[str, str], multi: str | None, words: StageWords) -> None:
        self.used = [(index, column, columns[column]) for index, column in enumerate(header)
                     if columns[column] not in (IGNORE, LABEL)]
        self.labels = label_pairs(header, columns)
        self.multi = multi
        self.words = words
        self.first = stages.first_stage().name
        self.region = settings.phone_region()
        self.unknown: dict[str, dict[str, int]] = {}
        self.warnings: list[tuple[int, str, str]] = []

    def clean(self, line: int, cells: list[str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        raw: dict[str, list[tuple[str, str]]] = {}
        details: list[tuple[str, str]] = []
        for index, column, target in self.used:
            value = cells[index]
            if not value or value in EMPTY:
                continue
            if _NEUTRALISED.match(value):
                value = value[1:]  # our own export's formula guard: take the value back as it was
            label = column
            if index in self.labels and cells[self.labels[index]]:
                label = f"{column} ({cells[self.labels[index]].lstrip('* ')})"
            if target == DETAILS:
                if _TAGGED.search(key(column)):
                    value = tags(value)  # '"VIP","Blog"', '* myContacts ::: Kunden': the words alone
                if value:
                    details.append((label, value))
            else:
                raw.setdefault(target, []).append((label, value))
        fields: dict[str, Any] = {}
        raw["phone"] = sorted(raw.get("phone", []), key=_phone_rank)
        for target in ("email", "phone"):
            self._contact(line, target, raw.pop(target, []), fields, details)
        names = {k: self._first(raw.pop(k, []), details) for k in ("name", "first_name", "last_name")}
        name = names["name"] or " ".join(filter(None, (names["first_name"], names["last_name"])))
        if not (name or fields.get("email") or fields.get("phone")):
            raise InvalidInput("no name, email or phone")
        for target in ("company", "source", "service", "owner", "lost_reason"):
            value = self._first(raw.pop(target, []), details)
            if value:
                fields[target] = value
        fields["name"] = name or fields.get("company") or fields.get("email") or fields.get("phone")
        if "message" in raw:
            fields["message"] = "\n".join(value for _, value in raw.pop("message"))  # several note columns: all
        for label, text in raw.pop("value", []):
            try:
                fields.setdefault("value", leads.parse_amount(text))
            except InvalidInput as exc:
                self._warn(line, label, text, str(exc), details)
        for label, text in raw.pop("created", []):
            try:
                fields.setdefault("created", when(text, self.region))
            except InvalidInput as exc:
                self._warn(line, label, text, str(exc), details)
        self._stage(raw.pop("stage", []), fields, details)
        return fields, details

    def _first(self, values: list[tuple[str, str]], details: list[tuple[str, str]]) -> str:
        """The first value for a field; the others (and Google's further ' ::: ' values) are kept as details."""
        first = ""
        for label, cell in values:
            for value in values_of(cell, self.multi):
                if not first:
                    first = value
                elif value != first:
                    details.append((label, value))
        return first

    def _contact(self, line: int, kind: str, values: list[tuple[str, str]], fields: dict[str, Any],
                 details: list[tuple[str, str]]) -> None:
        """The first readable email or phone fills the field, every other one is kept as a detail."""
        for label, cell in values:
            for value in values_of(cell, self.multi):
                clean = self._normal(kind, value)
                parts = [] if clean else split_loose(value)
                if clean is None and len(parts) > 1:  # '030 1234 / 0171 5678' in one cell
                    for part in parts:
                        self._add_contact(kind, label, part, self._normal(kind, part), fields, details)
                    if any(self._normal(kind, part) for part in parts):
                        continue
                if clean is None:
                    what = "an email address" if kind == "email" else "a phone number"
                    self._warn(line, label, value, f"'{value}' is not {what}", details)
                    continue
                self._add_contact(kind, label, value, clean, fields, details)

    @staticmethod
    def _add_contact(kind: str, label: str, value: str, clean: str | None, fields: dict[str, Any],
                     details: list[tuple[str, str]]) -> None:
        if clean is None or (kind in fields and fields[kind] != clean):
            details.append((label, value))
        else:
            fields[kind] = clean

    def _normal(self, kind: str, value: str) -> str | None:
        try:
            return normalise_email(value) if kind == "email" else normalise_phone(value, self.region)
        except InvalidInput:
            return None

    def _warn(self, line: int, label: str, value: str, reason: str, details: list[tuple[str, str]]) -> None:
        self.warnings.append((line, label, f"{reason.rstrip('.')}: left blank, kept in the lead's details"))
        details.append((label, value))

    def _stage(self, values: list[tuple[str, str]], fields: dict[str, Any], details: list[tuple[str, str]]) -> None:
        placed = []
        for label, text in values:
            found = self.words.place(text)
            if found is None:
                column = label.split(" (")[0]
                counts = self.unknown.setdefault(column, {})
                counts[text] = counts.get(text, 0) + 1
                details.append((label, text))  # the original status stays on the lead's timeline
            else:
                placed.append(found)
        chosen = best(placed, self.first)
        if chosen is not None:
            fields["stage"] = chosen.stage
            if chosen.reason and not fields.get("lost_reason"):
                fields["lost_reason"] = chosen.reason


# --- duplicates ---------------------------------------------------------------------------------

Planned = tuple[str, str | None, str | None, int | None, int | None]  # action, of, reason, line, row index


def _duplicates(rows: list[tuple[int, dict[str, Any], str]], duplicates: str) -> list[Planned]:
    """Per row: add it, or skip/merge it as a duplicate of a lead (same email, phone or source row) or of an
    earlier row of the file."""
    known = _known_contacts([fields for _, fields, _ in rows])
    imported = _imported([lead_id for _, _, lead_id in rows])
    out: list[Planned] = []
    seen: dict[tuple[str, str], tuple[str | None, int]] = {}  # key -> (existing lead id, first row index)
    for index, (_, fields, lead_id) in enumerate(rows):
        keys = _contact_keys(fields) + [("row", lead_id)]
        twin = imported.get(lead_id) or _twin(known, keys)
        if twin is not None:  # the row's own earlier import is left alone, even when merging
            action = "skip" if twin[1] == "row" else duplicates
            out.append((action, twin[0], f"same {twin[1]} as {twin[2]}", None, None))
            target = (twin[0], index)
        else:
            earlier = next((seen[k] + (k[0],) for k in keys if k in seen), None)
            if earlier is None:
                out.append(("add", None, None, None, None))
                target = (None, index)
            else:
                first_line = rows[earlier[1]][0]
                why = "row" if earlier[2] == "row" else earlier[2]
                out.append((duplicates, earlier[0], f"same {why} as line {first_line}", first_line, earlier[1]))
                target = (earlier[0], earlier[1])
        for k in keys:
            seen.setdefault(k, target)
    return out


def _contact_keys(fields: dict[str, Any]) -> list[tuple[str, str]]:
    return [(kind, fields[kind]) for kind in ("email", "phone") if fields.get(kind)]


Known = dict[tuple[str, str], tuple[tuple[bool, datetime], str, str]]


def _known_contacts(rows: list[dict[str, Any]]) -> Known:
    """Live leads sharing an email or phone with the rows: models.leads.find_duplicates, batched.

    One query per 500 contacts instead of one per row: a 10,000-row file is checked in
    milliseconds. Per contact the lead find_duplicates would list first wins (open, then oldest).
    """
    known: Known = {}
    for kind, column in (("email", Lead.email), ("phone", Lead.phone)):
        values = sorted({row[kind] for row in rows if row.get(kind)})
        for start in range(0, len(values), 500):
            query = (leads.live().select(Lead.id, Lead.name, Lead.status, Lead.created_at, column)
                     .where(column.in_(values[start:start + 500])).tuples())
            for lead_id, name, status, created_at, value in query:
                rank = (status != "open", created_at)
                if (kind, value) not in known or rank < known[(kind, value)][0]:
                    known[(kind, value)] = (rank, lead_id, name)
    return known


def _imported(ids: list[str]) -> dict[str, tuple[str, str, str]]:
    """Leads an earlier import of the same rows made: lead id -> (the lead it lives on as, 'row', its name)."""
    found = {}
    for start in range(0, len(ids), 500):
        query = Lead.select(Lead.id, Lead.name, Lead.merged_into).where(Lead.id.in_(ids[start:start + 500])).tuples()
        for lead_id, name, merged_into in query:
            found[lead_id] = (merged_into or lead_id, "row", f"{name} (imported before)")
    return found


def _twin(known: Known, keys: list[tuple[str, str]]) -> tuple[str, str, str] | None:
    """(lead id, 'email' or 'phone', lead name) of the existing lead a row duplicates, if any."""
    hits = [(known[k], k[0]) for k in keys if k in known]
    if not hits:
        return None
    (_, lead_id, name), kind = min(hits)
    return lead_id, kind, name


# --- applying -----------------------------------------------------------------------------------

class Cancelled(Exception):
    """The user stopped an import: what it had written is taken back."""


def apply_import(plan: ImportPlan, skip_invalid: bool = False, progress: Callable[[int, int], None] | None = None,
                 cancel: Callable[[], bool] | None = None) -> ImportResult:
    """Write a plan in transactions of BATCH rows: every row, or (on any error, or when cancel() says so
    between batches) none, since the batches written are undone. The result's undo takes it all back."""
    if plan.rejected and not skip_invalid:
        first_line, first_reason = plan.rejected[0]
        count = len(plan.rejected)
        raise InvalidInput(f"{count} row{'s' if count != 1 else ''} of {plan.path.name} "
                           f"{'were' if count != 1 else 'was'} rejected (line {first_line}: {first_reason}), "
                           f"so nothing was imported: fix them or skip invalid rows.")
    batch = _Batch(plan.path.name)
    done: list[history.Undo] = []
    text = f"Import of {plan.path.name}"
    target_of: dict[int, str] = {}  # row index -> the lead id that row became (or joined)
    merged = skipped = 0
    try:
        for start in range(0, len(plan.rows), BATCH):
            if cancel is not None and cancel():
                raise Cancelled
            with database.atomic("IMMEDIATE"):
                before = writes.last_seq()
                counts = _apply_rows(plan, start, batch, target_of)
                after = writes.last_seq()
            merged, skipped = merged + counts[0], skipped + counts[1]
            if after > before:
                done.append(history.Undo(text, before + 1, after))
            if progress is not None:
                progress(min(start + BATCH, len(plan.rows)), len(plan.rows))
    except BaseException as exc:
        _take_back(done)
        if isinstance(exc, Cancelled):
            return ImportResult(0, 0, 0, len(plan.rejected), cancelled=True)
        raise
    return ImportResult(batch.added, merged, skipped, len(plan.rejected),
                        undo=ImportUndo(text, tuple(done)) if done else None)


def _apply_rows(plan: ImportPlan, start: int, batch: _Batch, target_of: dict[int, str]) -> tuple[int, int]:
    """One batch of rows, under the write lock: (merged, skipped)."""
    rows = list(enumerate(plan.rows[start:start + BATCH], start=start))
    adds = [(index, row) for index, row in rows if row.action == "add"]
    merges = [(index, row) for index, row in rows if row.action == "merge"]
    skipped = sum(1 for _, row in rows if row.action == "skip")
    # Re-checked under the write lock: a lead may have arrived (mail, sync) since the plan was made.
    known = _known_contacts([row.fields for _, row in adds])
    again = _imported([row.lead_id for _, row in adds])
    for index, row in adds:
        twin = again.get(row.lead_id) or _twin(known, _contact_keys(row.fields))
        if twin is None:
            target_of[index] = batch.add(row)
        elif plan.duplicates == "merge" and twin[1] != "row":
            target_of[index] = twin[0]
            merges.append((index, row))
        else:
            skipped += 1
    batch.write()
    for index, row in merges:
        target = target_of.get(index) or row.duplicate_of or target_of.get(row.duplicate_row)
        if target is not None:
            _merge(Lead.get_by_id(target), row, batch)
    return len(merges), skipped


def _take_back(done: list[history.Undo]) -> None:
    if done:
        with database.atomic("IMMEDIATE"):
            for token in reversed(done):
                history.undo(token)


def undo_import(token: ImportUndo) -> None:
    """Take a whole import back (every batch, in one transaction); RuleError, changing nothing, when some
    of its leads were changed since."""
    _take_back(list(token.batches))


class _Batch:
    """New leads as rows for writes.insert_many: what add_lead, edit_lead(value=) and move_lead
    would leave behind, written in a few statements instead of ~15 per lead (10,000 leads: about
    2 s instead of 30 s). tests/models/test_import_export.py checks the two give the same rows.
    """

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.moment = now()
        self.author = settings.user_name()  # once, not once per timeline entry
        self.first = stages.first_stage()
        self.stages = {stage.name: stage for stage in stages.all_stages()}
        self.reasons = stages.lost_reasons()
        self.owners: dict[str, Member] = {}
        self.added = 0
        self.leads: list[dict[str, Any]] = []
        self.activities: list[dict[str, Any]] = []
        self.followups: list[dict[str, Any]] = []

    def owner(self, name: str | None) -> Member | None:
        if not name:
            return None
        if name.casefold() not in self.owners:
            self.owners[name.casefold()] = members.find_member(name)  # someone new joins the team
        return self.owners[name.casefold()]

    def add(self, row: ImportRow) -> str:
        f, moment, first = row.fields, self.moment, self.first
        received = f.get("created") or moment
        owner = self.owner(f.get("owner"))
        lead, created, respond = leads.new_lead_rows(
            f, received=received, first=first, author=self.author, message=f.get("message"),
            owner_id=owner.id if owner else None, lead_id=row.lead_id or None)
        self.leads.append(lead)
        self.activities.append(created)
        self.added += 1
        if row.details:  # what has no field of its own, on the timeline beside the inquiry
            self._log(lead, "note", received, DETAILS_NOTE, _details_text(row))
        stage = self.stages.get(f.get("stage", ""))
        closing = stage is not None and stage.kind != "open"
        # a closed lead has no next step: move_lead deletes the pending one, here it is never made
        if not closing:
            self.followups.append(respond)
        if f.get("value") is not None:  # edit_lead(value=...)
            lead["value"] = f["value"]
            self._log(lead, "edit", moment, "Changed value")
        if stage is not None and stage.id != first.id:  # move_lead(stage, reason=...)
            reason = _lost_reason(self.reasons, f.get("lost_reason")) if stage.kind == "lost" else None
            lead.update(stage=stage.id, stage_changed_at=moment, status=stage.kind)
            if not closing:
                lead["first_response_at"] = moment  # moved past New: the owner says they have been in touch
                respond.update(done_at=moment, outcome=f"Moved to {stage.name}")
                self._followup(lead, leads.FOLLOW_UP, moment + timedelta(days=stage.followup_days))
            else:
                lead.update(closed_at=moment, lost_reason=reason)
            self._log(lead, "stage", moment, f"{first.name} → {stage.name}" + (f" ({reason})" if reason else ""))
        return lead["id"]

    def _log(self, lead: dict[str, Any], kind: str, at: datetime, summary: str, body: str | None = None) -> None:
        self.activities.append(dict(id=new_id(), lead=lead["id"], kind=kind, at=at, author=self.author,
                                    summary=summary, body=body, message_id=None))
        lead["last_activity_at"] = max(lead["last_activity_at"], at)

    def _followup(self, lead: dict[str, Any], title: str, due: datetime) -> dict[str, Any]:
        followup = dict(id=new_id(), lead=lead["id"], title=title, due=due, done_at=None, outcome=None,
                        created_at=self.moment)
        self.followups.append(followup)
        return followup

    def write(self) -> None:
        for model, rows in ((Lead, self.leads), (Activity, self.activities), (FollowUp, self.followups)):
            writes.insert_many(model, rows)
            rows.clear()


def _details_text(row: ImportRow) -> str:
    return "\n".join(f"{label}: {text}" for label, text in row.details)


def _lost_reason(reasons: list[str], text: str | None) -> str:
    """A lost reason from the list: the file's own if it matches one, otherwise 'Other'."""
    match = next((r for r in reasons if text and r.casefold() == text.strip().casefold()), None)
    return match or next((r for r in reasons if r.casefold() == "other"), reasons[-1] if reasons else "Other")


def _merge(lead: Lead, row: ImportRow, batch: _Batch) -> None:
    """Fill the lead's empty fields from the row and put the row's note and details on its timeline."""
    fill: dict[str, Any] = {k: row.fields[k] for k in ("email", "phone", "company", "source", "service", "value")
                            if row.fields.get(k) is not None and getattr(lead, k) in (None, "")}
    owner = batch.owner(row.fields.get("owner"))
    if owner is not None and lead.owner_id is None:
        fill["owner"] = owner
    if fill:
        leads.edit_lead(lead, author=batch.author, **fill)
    body = "\n".join(filter(None, (row.fields.get("message"), _details_text(row))))
    leads.log(lead, "note", f"Imported again from {batch.file_name}, line {row.line}", body=body or None,
              author=batch.author)
