"""Writing an import plan: new leads built with models.leads.new_lead_rows (the definition add_lead uses), for a
big file in a forked child ahead of the batch being written, and written with writes.insert_prepared in
transactions of about BATCH new leads' work, so the window's own writes are not locked out for long; progress
and cancel between batches; undo of the whole import from the batches' outbox records (models.history), which
also takes back a cancelled or failed import."""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from . import history, import_duplicates, insights, leads, members, search, settings, stages, wal, writes
from .clock import now
from .errors import InvalidInput, RuleError
from .forked import Child
from .plural import counted
from .tables import Activity, FollowUp, Lead, Member, database

if TYPE_CHECKING:
    from .importing import ImportPlan, ImportRow

T = TypeVar("T")
Made = tuple[list[tuple[int, str]], writes.Prepared, writes.Prepared, writes.Prepared]  # (row index, its lead id),
# and the rows of those leads, their timeline entries and their next steps
AHEAD_ROWS = 5_000  # from this many rows on, a forked child makes each batch's rows ahead (below, a fork costs more)
AHEAD_SECONDS = 10.0  # a batch the child has not made by then is made here, and the child stopped
BATCH = 1000  # new leads a transaction (~70 ms of the write lock): the window never waits long for it
MERGE_COST = 10  # a row merged into a lead it repeats takes about as long as ten new ones (~1 ms: its own statements)
UNDO_RECORDS = 500  # outbox records undone a transaction (~0.5 ms each: a check, a delete and its record)


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


class Cancelled(Exception):
    """The user stopped an import: what it had written is taken back."""


def apply_import(plan: ImportPlan, skip_invalid: bool = False, progress: Callable[[int, int], None] | None = None,
                 cancel: Callable[[], bool] | None = None) -> ImportResult:
    """Write a plan in transactions of about BATCH rows' work: every row, or (on any error, or when cancel() says so
    between batches) none, since the batches written are undone. The result's undo takes it all back."""
    if plan.rejected and not skip_invalid:
        first_line, first_reason = plan.rejected[0]
        count = len(plan.rejected)
        raise InvalidInput(f"{counted(count, 'row')} of {plan.path.name} "
                           f"{'were' if count != 1 else 'was'} rejected (line {first_line}: {first_reason}), "
                           f"so nothing was imported: fix them or skip invalid rows.")
    batch = _Batch(plan.path.name)
    done: list[history.Undo] = []
    text = f"Import of {plan.path.name}"
    target_of: dict[int, str] = {}  # row index -> the lead id that row became (or joined)
    merged = skipped = 0
    written = 0
    batches = list(_batches(plan.rows))
    ahead = None
    try:
        with wal.checkpoints_aside():  # the WAL copied back on the second core meanwhile
            owners = sorted({row.fields.get("owner") or "" for row in plan.rows if row.action == "add"} - {""})
            for start in range(0, len(owners), BATCH):  # found before the child starts: it cannot add members
                _recorded(text, done, partial(batch.find_owners, owners[start:start + BATCH]))
            if sum(row.action == "add" for row in plan.rows) >= AHEAD_ROWS:
                ahead = Child.start(lambda: batch.made_ahead(plan, batches))
            for indexes in batches:
                if cancel is not None and cancel():
                    raise Cancelled
                # made before the write lock is taken: by the child, or here should it fail or be late
                made = (ahead.receive(AHEAD_SECONDS) if ahead else None) or batch.make(plan, indexes)
                counts = _recorded(text, done, partial(_apply_rows, plan, indexes, batch, target_of, made))
                merged, skipped = merged + counts[0], skipped + counts[1]
                written += len(indexes)
                if progress is not None:
                    progress(written, len(plan.rows))
    except BaseException as exc:
        if ahead is not None:
            ahead.stop()  # no longer wanted while the batches written are taken back
        _take_back(done)
        if isinstance(exc, Cancelled):
            return ImportResult(0, 0, 0, len(plan.rejected), cancelled=True)
        raise
    finally:
        if ahead is not None:
            ahead.stop()
    return ImportResult(batch.added, merged, skipped, len(plan.rejected),
                        undo=ImportUndo(text, tuple(done)) if done else None)


def _recorded(text: str, done: list[history.Undo], work: Callable[[], T]) -> T:
    """work() in a write transaction of its own, its outbox records noted as part of the import (for undo)."""
    with database.atomic("IMMEDIATE"):
        before = writes.last_seq()
        result = work()
        after = writes.last_seq()
    wal.catch_up()
    if after > before:
        done.append(history.Undo(text, before + 1, after))
    return result


def _batches(rows: tuple[ImportRow, ...]) -> Iterator[list[int]]:
    """Row indexes a transaction, in the order they are written: new leads by id, then the rest in file order;
    each transaction about BATCH rows' work (a merge counts MERGE_COST).

    Ids are fingerprints, as good as random; in file order every batch would touch a page of each
    index keyed by id (the lead's own, the board's and the insights' covering indexes, the timeline's
    and the next steps') all over the file, more than the page cache holds (50,000 rows: 24 s). By id,
    a batch fills a few neighbouring pages of each (9 s). Duplicates come last: the rows they merge
    into are written by then."""
    adds = sorted((i for i, row in enumerate(rows) if row.action == "add"), key=lambda i: rows[i].lead_id)
    indexes: list[int] = []
    work = 0
    for index in adds + [i for i, row in enumerate(rows) if row.action != "add"]:
        indexes.append(index)
        work += MERGE_COST if rows[index].action == "merge" else 1
        if work >= BATCH:
            yield indexes
            indexes, work = [], 0
    if indexes:
        yield indexes


def _apply_rows(plan: ImportPlan, indexes: list[int], batch: _Batch, target_of: dict[int, str], made: Made,
                ) -> tuple[int, int]:
    """One batch of rows, under the write lock, with the rows made for its new leads: (merged, skipped)."""
    rows = [(index, plan.rows[index]) for index in indexes]
    adds = [(index, row) for index, row in rows if row.action == "add"]
    merges = [(index, row) for index, row in rows if row.action == "merge"]
    skipped = sum(1 for _, row in rows if row.action == "skip")
    # Re-checked under the write lock: a lead may have arrived (mail, sync) since the plan was made.
    known = import_duplicates.known_contacts([row.fields for _, row in adds])
    again = import_duplicates.imported_before([row.lead_id for _, row in adds])
    lead_of, twins = dict(made[0]), set()
    for index, row in adds:
        twin = again.get(row.lead_id) or import_duplicates.twin(known, import_duplicates.contact_keys(row.fields))
        if twin is None:
            target_of[index] = lead_of[index]
            continue
        twins.add(lead_of[index])  # its rows are not written
        if plan.duplicates == "merge" and twin[1] != "row":
            target_of[index] = twin[0]
            merges.append((index, row))
        else:
            skipped += 1
    batch.write(made, twins)
    for index, row in merges:
        target = target_of.get(index) or row.duplicate_of or target_of.get(row.duplicate_row)
        if target is not None:
            _merge(Lead.get_by_id(target), row, batch)
    return len(merges), skipped


def _take_back(done: list[history.Undo], progress: Callable[[int, int], None] | None = None) -> None:
    """Undo batches newest first, in transactions of UNDO_RECORDS records (newest first too, so each finds
    the rows as the import left them), so the window's writes get their turn: taking back 50,000 leads
    takes a while (every delete is checked, recorded and pays for the indexes)."""
    pieces = [history.Undo(token.text, max(token.first, last - UNDO_RECORDS + 1), last)
              for token in reversed(done) for last in range(token.last, token.first - 1, -UNDO_RECORDS)]
    for count, token in enumerate(pieces, start=1):
        try:
            with database.atomic("IMMEDIATE"):
                history.undo(token)
        except RuleError as exc:
            if count == 1:
                raise
            raise RuleError(f"Only part of '{token.text}' was undone ({count - 1} of {len(pieces)} steps): "
                            f"the rest was changed meanwhile.") from exc
        if progress is not None:
            progress(count, len(pieces))


def undo_import(token: ImportUndo, progress: Callable[[int, int], None] | None = None) -> None:
    """Take a whole import back; RuleError, changing nothing, when a lead it made was changed since or has
    new entries on its timeline (they would be lost)."""
    _refuse_if_touched(token)
    _take_back(list(token.batches), progress)


def _refuse_if_touched(token: ImportUndo) -> None:
    """Looks at what was recorded since the import began, apart from the import's own batches (usually a few
    records): a change to a row the import made, or a new entry or step on a lead it made."""
    if not token.batches:
        raise RuleError(f"There is nothing left to undo of '{token.text}'.")
    ranges = [(batch.first, batch.last) for batch in token.batches]
    others = database.execute_sql(
        "SELECT tbl, row_id, op, data FROM outbox WHERE seq >= ? AND op != 'baseline' AND NOT ("
        + " OR ".join("seq BETWEEN ? AND ?" for _ in ranges) + ")",
        [ranges[0][0], *(seq for pair in ranges for seq in pair)]).fetchall()
    if not others:
        return
    made = {(table, row_id) for first, last in ranges for table, row_id in database.execute_sql(
        "SELECT tbl, row_id FROM outbox WHERE seq BETWEEN ? AND ? AND op = 'insert'", [first, last])}
    leads_made = {row_id for table, row_id in made if table == "lead"}
    if leads_made and not Lead.select().where(Lead.id.in_(list(leads_made)[:500])).exists():
        raise RuleError(f"There is nothing left to undo of '{token.text}'.")
    for table, row_id, op, data in others:
        if (table, row_id) in made or (op == "insert" and json.loads(data).get("lead_id") in leads_made):
            raise RuleError(f"'{token.text}' cannot be undone: some of its leads were changed since.")


class _Batch:
    """New leads as rows for writes.insert_prepared: what add_lead, edit_lead(value=) and move_lead
    would leave behind (with the import's own rule: see add), written in a few statements instead of
    ~15 per lead (10,000 leads: about 2 s instead of 30 s). tests/models/test_import_export.py checks
    the two give the same rows.

    make() needs no database (its owners found first: find_owners), so for a big file a forked child
    (forked.py) makes each batch's rows while this process writes the batch before (50,000 rows:
    ~0.8 s of Python beside SQLite's work instead of before it).
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
        self.random = _random_hex()
        self.leads: list[dict[str, Any]] = []
        self.activities: list[dict[str, Any]] = []
        self.followups: list[dict[str, Any]] = []

    def find_owners(self, names: list[str]) -> None:
        """The team members the new leads' owner cells name, added to the team where new."""
        for name in names:
            self.owner(name)

    def made_ahead(self, plan: ImportPlan, batches: list[list[int]]) -> Iterator[Made]:
        """make() for every batch, in the forked child (with ids random apart from this process's)."""
        self.random = _random_hex()
        return (self.make(plan, indexes) for indexes in batches)

    def make(self, plan: ImportPlan, indexes: list[int]) -> Made:
        """The rows of the new leads among these rows (every row to add: which of them turn out to be duplicates
        of leads that came in meanwhile is decided under the write lock)."""
        made = [(index, self.add(plan.rows[index])) for index in indexes if plan.rows[index].action == "add"]
        stamp = now()
        prepared = []
        for model, rows in ((Lead, self.leads), (Activity, self.activities), (FollowUp, self.followups)):
            for row in rows:
                row["updated_at"] = stamp
            prepared.append(writes.prepare(model, rows))
            rows.clear()
        return made, *prepared

    def where(self, row: ImportRow) -> str:
        """The row's place in the file, as the timeline names it: "contacts.xlsx, sheet 'Kunden', line 12"."""
        return f"{self.file_name}{f', sheet {row.sheet!r}' if row.sheet else ''}, line {row.line}"

    def owner(self, name: str | None) -> Member | None:
        if not name:
            return None
        if name.casefold() not in self.owners:
            self.owners[name.casefold()] = members.find_member(name)  # someone new joins the team
        return self.owners[name.casefold()]

    def add(self, row: ImportRow) -> str:
        """The lead as if the owner had moved it into its stage at the import: answered then (Today does not ask
        to answer it; imported_at tells Insights that is no measured answer), an open one with "Follow up" due
        after its stage's interval, a closed one with no next step; received when the file says."""
        f, moment, first = row.fields, self.moment, self.first
        received = f.get("created") or moment
        owner = self.owner(f.get("owner"))
        lead, created, _ = leads.new_lead_rows(
            f, received=received, first=first, author=self.author, message=f.get("message"),
            owner_id=owner.id if owner else None, lead_id=row.lead_id or None, respond=False)
        lead.update(first_response_at=moment, imported_at=moment)
        created["id"] = lead["id"][:8] + created["id"][8:]  # still derived from the lead's id, now sorted beside it
        # what has no field of its own goes with the message, in one entry (a note of its own cost 0.4 s at 50,000)
        created.update(summary=f"Imported from {self.where(row)}", body=_with_details(f.get("message"), row))
        self.leads.append(lead)
        self.activities.append(created)
        stage = self.stages.get(f.get("stage", "")) or first
        if f.get("value") is not None:  # edit_lead(value=...)
            lead["value"] = f["value"]
            self._log(lead, "edit", moment, "Changed value")
        if stage.id != first.id:  # move_lead(stage, reason=...)
            reason = _lost_reason(self.reasons, f.get("lost_reason")) if stage.kind == "lost" else None
            lead.update(stage=stage.id, stage_changed_at=moment, status=stage.kind)
            if stage.kind != "open":
                lead.update(closed_at=moment, lost_reason=reason)
            self._log(lead, "stage", moment, f"{first.name} → {stage.name}" + (f" ({reason})" if reason else ""))
        if stage.kind == "open":  # a closed lead has no next step
            self._followup(lead, leads.FOLLOW_UP, moment + timedelta(days=stage.followup_days))
        return lead["id"]

    def _log(self, lead: dict[str, Any], kind: str, at: datetime, summary: str, body: str | None = None) -> None:
        self.activities.append(dict(id=self.id_beside(lead["id"]), lead=lead["id"], kind=kind, at=at,
                                    author=self.author, summary=summary, body=body, message_id=None))
        lead["last_activity_at"] = max(lead["last_activity_at"], at)

    def _followup(self, lead: dict[str, Any], title: str, due: datetime) -> None:
        self.followups.append(dict(id=self.id_beside(lead["id"]), lead=lead["id"], title=title, due=due, done_at=None,
                                   outcome=None, created_at=self.moment))

    def id_beside(self, lead_id: str) -> str:
        """A random (version 4) id that sorts beside its lead's: as a batch's leads, its entries and steps then fill
        neighbouring pages of their tables' id index (random ids rewrote most of those pages every batch: ~0.6 s
        at 50,000 rows)."""
        x = next(self.random)  # uuid4's 122 random bits less the 32 taken from the lead's id
        return f"{lead_id[:8]}-{x[:4]}-4{x[4:7]}-{'89ab'[int(x[7], 16) & 3]}{x[8:11]}-{x[11:23]}"

    def write(self, made: Made, twins: set[str]) -> None:
        """The rows made, but those of leads found to be duplicates (twins: their ids)."""
        _, new_leads, entries, steps = made
        with insights.rows_made_in_bulk():
            with search.indexed_in_bulk():
                self.added += writes.insert_prepared(new_leads.without("id", twins))
            for rows in (entries, steps):
                writes.insert_prepared(rows.without("lead_id", twins))


def _random_hex() -> Iterator[str]:
    """23 random hex digits at a time from one system call per 1,000: one per id cost ~0.3 s at 50,000 rows."""
    while True:
        pool = os.urandom(12_000).hex()
        for start in range(0, len(pool), 24):
            yield pool[start:start + 23]


def _with_details(message: str | None, row: ImportRow) -> str | None:
    """The row's message, then a line for each cell no field took (label: text)."""
    return "\n".join(filter(None, (message, *(f"{label}: {text}" for label, text in row.details)))) or None


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
    leads.log(lead, "note", f"Imported again from {batch.where(row)}",
              body=_with_details(row.fields.get("message"), row), author=batch.author)
