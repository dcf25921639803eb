"""Team sync as rows: this device's outbox turned into operations, other devices' operations applied.

An operation is `[hlc, table, row_id, field, value, base]` (see models.hlc for the clock). Merging is
last-writer-wins per field by clock text; a delete is a tombstone (field '*') and wins over every
other operation on its row, older or newer: a deleted row never comes back (so every device agrees
without keeping the values of dead rows). Clocks live in sync_clock: field '' is a row's creation
clock for the fields without their own entry; no entry is the clock '' that loses to everything.

A segment is applied whole or not at all: it is held back (nothing written, position kept; retried
later) when it is stamped more than a day ahead of this device, or when it needs a row that another
device's segment brings and that has not been applied here yet (a note on a lead not here yet).
Remote writes go through models.writes' remote mode (checked, announced, not put in the outbox);
what applying must add itself (conflict entries, the one-pending-step fix, a unique-name rename) is
a local write with values every device computes alike, so it ships and converges without new conflicts.

No files and no network here: sync/team carries the operations.
"""
from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from . import hlc, search, settings, writes
from .clock import now as clock_now
from .errors import RuleError
from .leads import FOLLOW_UP
from .tables import SYNCED, database

ORDER = ("stage", "member", "lost_reason", "lead", "follow_up", "activity", "sender_rule")  # parents first
PARENTS = {("lead", "stage_id"): "stage", ("lead", "owner_id"): "member",
           ("activity", "lead_id"): "lead", ("follow_up", "lead_id"): "lead"}
UNIQUE = {"stage": "name", "lost_reason": "text"}
AHEAD = timedelta(days=1)  # ops stamped further ahead of the receiver are held back
MERGED = "Merged by team sync"
QUIET = frozenset({"updated_at", "last_activity_at", "stage_changed_at", "closed_at"})  # stamps that follow
# other fields: their own clash is no news, the field they follow shows it
QUIET_IN = {"sender_rule": frozenset({"created_at"})}  # when a review decision was made follows its action
TOMB, ROW = "*", ""
_CONFLICTS = uuid.UUID("5d1c9f1e-3c5a-4f55-9a56-6b7c6a0c1e01")  # namespace of conflict entries' ids
_COLUMNS = {m._meta.table_name: [f.column_name for f in m._meta.sorted_fields] for m in SYNCED}
_REQUIRED = {m._meta.table_name: {f.column_name for f in m._meta.sorted_fields if not f.null} - {"id"} for m in SYNCED}


@dataclass(frozen=True)
class Drain:
    ops: list[list]
    last_seq: int


@dataclass(frozen=True)
class Applied:
    applied: int
    conflicts: int
    held_back: int
    stale: int


# --- positions --------------------------------------------------------------------------------

def _shipped_seq() -> int:
    found = database.execute_sql("SELECT value FROM setting WHERE key = 'sync_shipped'").fetchone()
    return int(found[0]) if found else 0


def _set_shipped_seq(seq: int) -> None:
    database.execute_sql("INSERT OR REPLACE INTO setting (key, value) VALUES ('sync_shipped', ?)", [str(seq)])


def _set_position(device: str, segment: int, last_hlc: str = "") -> None:
    database.execute_sql("INSERT INTO sync_peer (device, segment, last_hlc) VALUES (?, ?, ?) ON CONFLICT (device) "
                         "DO UPDATE SET segment = excluded.segment, last_hlc = max(last_hlc, excluded.last_hlc)",
                         [device, segment, last_hlc])


def positions() -> dict[str, int]:
    """Device -> the last segment applied (this device's own: the last one it wrote)."""
    return dict(database.execute_sql("SELECT device, segment FROM sync_peer").fetchall())


def next_segment() -> int:
    return positions().get(hlc.device_id(), 0) + 1


def note_member(device: str, member_id: str | None) -> None:
    """Which member a device belongs to (from its state file), so conflicts name people."""
    database.execute_sql("INSERT INTO sync_peer (device, segment, member_id) VALUES (?, 0, ?) ON CONFLICT (device) "
                         "DO UPDATE SET member_id = excluded.member_id", [device, member_id])


def reset_outbox() -> None:
    """On create/join: what the outbox holds is covered by the snapshot, never shipped as ops."""
    _set_shipped_seq(writes.last_seq())


KEEP_OUTBOX = timedelta(days=1)  # well past any undo the window offers


def prune_outbox(batch: int = 20_000) -> int:
    """Forget the outbox records nobody reads again: older than KEEP_OUTBOX and shipped to the team, or,
    in a folder that is in no team, never to be shipped (creating or joining one starts from a snapshot).
    A batch per transaction, so other writers wait milliseconds, not seconds; returns how many went."""
    upto = _shipped_seq() if settings.get("team_id") else writes.last_seq()
    cutoff = (clock_now() - KEEP_OUTBOX).isoformat(" ")
    total = 0
    while True:
        with database.atomic():
            gone = database.execute_sql(
                "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE seq <= ? AND at < ? ORDER BY seq "
                "LIMIT ?)", [upto, cutoff, batch]).rowcount
        total += gone
        if gone < batch:
            return total


def needs_snapshot() -> bool:
    """A restore (a baseline record) since the last shipped segment: ops cannot tell it, a snapshot must."""
    return database.execute_sql("SELECT 1 FROM outbox WHERE seq > ? AND op = 'baseline' LIMIT 1",
                                [_shipped_seq()]).fetchone() is not None


# --- clocks -----------------------------------------------------------------------------------

def _clocks(table: str, row_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = defaultdict(dict)
    ids = list(row_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        sql = f"SELECT row_id, field, hlc FROM sync_clock WHERE tbl = ? AND row_id IN ({', '.join('?' * len(chunk))})"
        for row_id, field, clock in database.execute_sql(sql, [table, *chunk]):
            found[row_id][field] = clock
    return found


def _clock_of(clocks: dict[str, str], field: str) -> str:
    return clocks.get(field) or clocks.get(ROW) or ""


def _save_clocks(entries: Iterable[tuple[str, str, str, str]]) -> None:
    database.cursor().executemany(
        "INSERT OR REPLACE INTO sync_clock (tbl, row_id, field, hlc) VALUES (?, ?, ?, ?)", entries)


# --- drain: the outbox as operations ----------------------------------------------------------

def drain(limit: int = 100_000) -> Drain:
    """Outbox records not yet shipped -> ops with fresh clocks and bases; updates this device's field
    clocks. Call in a transaction; `shipped` in the same one once the segment file is written."""
    records = database.execute_sql("SELECT seq, tbl, row_id, op, data FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                                   [_shipped_seq(), limit]).fetchall()
    if not records:
        return Drain([], _shipped_seq())
    last = records[-1][0]  # baselines are passed over (the caller shipped a snapshot for them)
    records = [r for r in records if r[3] != "baseline"]
    known: dict[tuple[str, str], dict[str, str]] = {}
    for table in {r[1] for r in records}:
        for row_id, clocks in _clocks(table, {r[2] for r in records if r[1] == table}).items():
            known[(table, row_id)] = clocks
    ops: list[list] = []
    for _seq, table, row_id, op, data in records:
        clock = hlc.tick()
        clocks = known.setdefault((table, row_id), {})
        if op == "delete":
            ops.append([clock, table, row_id, TOMB, None, clocks.get(TOMB)])
            clocks.clear()
            clocks[TOMB] = clock
            continue
        values = json.loads(data)
        for field, value in values.items():
            if field != "id":
                ops.append([clock, table, row_id, field, value, _clock_of(clocks, field) or None])
        if op == "insert":  # one creation clock stands for every field
            clocks.clear()
            clocks[ROW] = clock
        else:
            clocks.update(dict.fromkeys((f for f in values if f != "id"), clock))
    _replace_clocks(known)
    return Drain(ops, last)


def _replace_clocks(known: dict[tuple[str, str], dict[str, str]]) -> None:
    """Store rows' clocks exactly (a delete or an insert drops the per-field entries before it)."""
    database.cursor().executemany("DELETE FROM sync_clock WHERE tbl = ? AND row_id = ?", list(known))
    _save_clocks((t, r, f, c) for (t, r), clocks in known.items() for f, c in clocks.items())


def shipped(drain: Drain, segment: int) -> None:
    """Same transaction as drain, after the segment file is written: the outbox position and own segment."""
    _set_shipped_seq(drain.last_seq)
    _set_position(hlc.device_id(), segment)


# --- apply: other devices' operations ---------------------------------------------------------

def apply(device: str, segment: int, ops: list[list], *, now: datetime | None = None) -> Applied:
    """Apply one segment of another device in one transaction (see the module's rules). Idempotent."""
    if segment <= positions().get(device, 0):
        return Applied(0, 0, 0, 0)
    moment = _naive(now or clock_now())
    if any(hlc.wall(op[0]) > moment + AHEAD for op in ops):
        return Applied(0, 0, len(ops), 0)
    try:
        with database.atomic():
            database.execute_sql("PRAGMA defer_foreign_keys = ON")
            batch = _Batch(device, ops)
            batch.run()
            newest = max((op[0] for op in ops), default="")
            if newest:
                hlc.observe(newest)
            _set_position(device, segment, newest)
    except _Early:
        return Applied(0, 0, len(ops), 0)
    return Applied(batch.applied, batch.conflicts, 0, batch.stale)


class _Early(Exception):
    """The segment needs a row another device's segment brings (a note on a lead not here yet)."""


def _naive(moment: datetime) -> datetime:
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def _pending_local() -> set[tuple[str, str, str]]:
    """Fields changed here and not shipped yet: they will ship with a newer clock, so they win."""
    pending: set[tuple[str, str, str]] = set()
    for table, row_id, op, data in database.execute_sql(
            "SELECT tbl, row_id, op, data FROM outbox WHERE seq > ? AND op != 'baseline'", [_shipped_seq()]):
        fields = [TOMB] if op == "delete" else [ROW, *json.loads(data)] if op == "insert" else json.loads(data)
        pending.update((table, row_id, f) for f in fields)
    return pending


def deleted(table: str, row_ids: Iterable[str]) -> set[str]:
    """Those of row_ids with a tombstone here: a delete shipped or heard of (its clock), or one still to ship.
    A tombstone wins for good, so such an id must not be used for a new row."""
    ids = list(row_ids)
    wanted = set(ids)
    pending = database.execute_sql("SELECT row_id FROM outbox WHERE seq > ? AND tbl = ? AND op = 'delete'",
                                   [_shipped_seq(), table])
    return ({row_id for row_id, clocks in _clocks(table, ids).items() if TOMB in clocks}
            | {row_id for (row_id,) in pending if row_id in wanted})


def _select(table: str) -> str:
    columns = ", ".join(f'"{c}"' for c in _COLUMNS[table])
    return f'SELECT {columns} FROM "{table}"'


def _rows(table: str, row_ids: list[str]) -> dict[str, dict[str, Any]]:
    columns = _COLUMNS[table]
    found = {}
    for start in range(0, len(row_ids), 500):
        chunk = row_ids[start:start + 500]
        sql = f'{_select(table)} WHERE id IN ({", ".join("?" * len(chunk))})'
        for values in database.execute_sql(sql, chunk):
            found[values[0]] = dict(zip(columns, values, strict=True))
    return found


class _Batch:
    """One segment being applied: counts, the leads it touched, the clocks it sets."""

    def __init__(self, device: str, ops: list[list]) -> None:
        self.by_row: dict[str, dict[str, list[list]]] = {t: defaultdict(list) for t in ORDER}
        self.applied = self.conflicts = self.stale = 0
        for op in ops:
            if op[1] in self.by_row:
                self.by_row[op[1]][op[2]].append(op)
            else:
                self.stale += 1  # a table this version does not sync
        self.pending = _pending_local()
        self.touched: set[str] = set()
        self.clocks: dict[tuple[str, str], dict[str, str]] = {}
        peers = database.execute_sql("SELECT device, member_id, last_hlc FROM sync_peer").fetchall()
        self.members = {device: member for device, member, _last in peers}
        self.seen = {peer: last for peer, _member, last in peers}  # newest clock applied per device
        self.seen[device] = max(op[0] for op in ops) if ops else ""  # its batch counts as here
        self.me = hlc.device_id()

    def run(self) -> None:
        for table in ORDER:
            rows = self.by_row[table]
            if not rows:
                continue
            clocks = _clocks(table, rows)
            current = _rows(table, list(rows))
            inserts: list[dict[str, Any]] = []
            for row_id, ops in rows.items():
                ops.sort(key=lambda op: op[0])
                self._row(table, row_id, ops, clocks.get(row_id, {}), current.get(row_id), inserts)
            for row in inserts:  # one at a time: unique names may need a deterministic suffix
                self._write(table, row["id"], row, lambda values, table=table: writes.insert_rows(table, [values]))
        _replace_clocks(self.clocks)
        self._invariants()

    def _row(self, table: str, row_id: str, ops: list[list], clocks: dict[str, str],
             row: dict[str, Any] | None, inserts: list[dict[str, Any]]) -> None:
        tombs = [op for op in ops if op[3] == TOMB]
        if TOMB in clocks or tombs:  # deleted: a tombstone beats everything on its row
            self.stale += len(ops) - len(tombs)
            newest = max([clocks.get(TOMB, ""), *(op[0] for op in tombs)])
            if row is not None and (table, row_id, ROW) not in self.pending:
                self._delete(table, row_id, newest)
            elif tombs and TOMB not in clocks:
                self.clocks[(table, row_id)] = {TOMB: newest}
            self.applied += len(tombs)
            return
        if (table, row_id, TOMB) in self.pending:  # deleted here, not shipped yet: the delete will win
            self.stale += len(ops)
            return
        clocks = dict(clocks)
        winners: dict[str, Any] = {}
        won = 0
        # A value its own writer replaced later in the same batch was never anyone's last word: no conflict.
        last = {op[3]: op[0] for op in ops}
        for op in ops:
            clock, _t, _r, field, value, base = op
            local = _clock_of(clocks, field)
            if field not in _COLUMNS[table] or field == "id":
                self.stale += 1  # a column this version does not have
                continue
            final = clock == last[field]
            if (table, row_id, field) in self.pending or clock <= local:
                if final and row is not None and local and clock < local and base != local:
                    self._conflict(table, row_id, field, row, (local, winners.get(field, row[field])), op)
                self.stale += 1
                continue
            if final and row is not None and local and base != local:
                self._conflict(table, row_id, field, row, (local, winners.get(field, row[field])), op)
            winners[field] = value
            clocks[field] = clock
            won += 1
        if not winners:
            return
        if row is None:
            if not _REQUIRED[table] <= winners.keys():
                if not self._arrived(ops):
                    raise _Early  # the row's first ops are in another device's segment, not here yet
                self.stale += won  # its first ops were pruned: skip it
                return
            if not self._parents_live(table, winners):
                self.stale += won  # its parent is gone
                return
            inserts.append({c: winners.get(c) for c in _COLUMNS[table]} | {"id": row_id})
            common = Counter(clocks.values()).most_common(1)[0][0]
            clocks = {ROW: common} | {f: c for f, c in clocks.items() if c != common}
        elif not self._parents_live(table, winners):
            self.stale += won
            return
        self.applied += won
        self.clocks[(table, row_id)] = clocks
        if row is not None:
            self._write(table, row_id, winners, lambda values: writes.update_row(table, row_id, values, stamp=False))
        self._touch(table, row_id, winners if row is None else row | winners)

    def _touch(self, table: str, row_id: str, values: dict[str, Any]) -> None:
        if table == "lead":
            self.touched.add(row_id)
        elif table in ("follow_up", "activity"):
            self.touched.add(values["lead_id"])

    def _arrived(self, ops: list[list]) -> bool:
        """Whether the clocks these ops were based on were already applied here (so, if the row is
        missing, its first ops were pruned rather than not delivered yet)."""
        return all(hlc.device(base) == self.me or base <= self.seen.get(hlc.device(base), "")
                   for base in {op[5] for op in ops if op[5]})

    def _parents_live(self, table: str, values: dict[str, Any]) -> bool:
        """False when a parent was deleted (the row is stale); raises _Early when it has not arrived yet."""
        for (child, column), parent in PARENTS.items():
            if child == table and values.get(column) is not None:
                if not database.execute_sql(f'SELECT 1 FROM "{parent}" WHERE id = ?', [values[column]]).fetchone():
                    if TOMB in _clocks(parent, [values[column]]).get(values[column], {}):
                        return False
                    raise _Early
        return True

    def _write(self, table: str, row_id: str, values: dict[str, Any], put: Callable[[dict[str, Any]], Any]) -> None:
        """Write remote values; when two devices gave a stage (lost reason) the same name, the later named
        one becomes "X (2)" on every device, as a recorded local change so the rename ships everywhere."""
        column = UNIQUE.get(table)
        other = column in values and database.execute_sql(
            f'SELECT id FROM "{table}" WHERE "{column}" = ? AND id != ?', [values[column], row_id]).fetchone()
        with writes.remote():
            if not other:
                put(values)
                return
            theirs = _clock_of(_clocks(table, [other[0]]).get(other[0], {}), column)
            later_is_incoming = _clock_of(self.clocks[(table, row_id)], column) > theirs
            free = _free_name(table, column, values[column])
            if later_is_incoming:
                put(values | {column: f"\x00{row_id}"})  # a placeholder until the rename below
            with writes.remote(False):
                writes.update_row(table, row_id if later_is_incoming else other[0], {column: free}, stamp=False)
            if not later_is_incoming:
                put(values)

    def _delete(self, table: str, row_id: str, clock: str) -> None:
        if table == "lead":  # its timeline and steps go with it (a concurrent note included)
            for child in ("activity", "follow_up"):
                for (child_id,) in database.execute_sql(f'SELECT id FROM "{child}" WHERE lead_id = ?', [row_id]):
                    self._delete(child, child_id, clock)
        elif table in ("stage", "member") and self._referenced(table, row_id):
            return  # still in use here: kept (rare; the deleting device had moved its leads first)
        with writes.remote():
            writes.delete_row(table, row_id)
        self.clocks[(table, row_id)] = {TOMB: clock}
        self.touched.discard(row_id)

    def _referenced(self, table: str, row_id: str) -> bool:
        column = "stage_id" if table == "stage" else "owner_id"
        return database.execute_sql(f'SELECT 1 FROM lead WHERE "{column}" = ? LIMIT 1', [row_id]).fetchone() is not None

    # --- conflicts and invariants

    def _who(self, clock: str) -> str:
        device = hlc.device(clock)
        member = self.members.get(device)
        found = member and database.execute_sql("SELECT name FROM member WHERE id = ?", [member]).fetchone()
        return found[0] if found else device[:8]

    def _conflict(self, table: str, row_id: str, field: str, row: dict[str, Any],
                  local: tuple[str, Any], op: list) -> None:
        """Both values differ and neither writer saw the other's: the loser goes on the lead's timeline
        (a conflict off any lead, such as two review decisions on one sender, is only counted)."""
        local_clock, local_value = local
        if field in QUIET or field in QUIET_IN.get(table, ()) or local_value == op[4]:
            return
        self.conflicts += 1
        lead_id = row_id if table == "lead" else row.get("lead_id")
        if lead_id is None or not database.execute_sql("SELECT 1 FROM lead WHERE id = ?", [lead_id]).fetchone():
            return  # a stage's or member's conflict: counted, not shown on a lead
        (kept, kept_value), (lost, lost_value) = sorted([(local_clock, local_value), (op[0], op[4])], reverse=True)
        entry_id = str(uuid.uuid5(_CONFLICTS, f"{lost}|{kept}|{field}"))
        if database.execute_sql("SELECT 1 FROM activity WHERE id = ?", [entry_id]).fetchone():
            return
        label = field.removesuffix("_id").replace("_", " ")
        parent = PARENTS.get((table, field))
        kept_text, lost_text = (_shown(_name(parent, v) if parent else v) for v in (kept_value, lost_value))
        summary = (f"Sync conflict on {label}: kept {kept_text} ({self._who(kept)}), "
                   f"overwritten {lost_text} ({self._who(lost)})")
        at = hlc.wall(kept).isoformat(" ")  # stored as sqlite3 stores times
        writes.insert_rows("activity", [dict(id=entry_id, updated_at=at, lead_id=lead_id, kind="conflict", at=at,
                                             author="Team sync", summary=summary, body=None, message_id=None)])

    def _invariants(self) -> None:
        """Each touched open lead ends with exactly one pending step, fixed the same way on every device."""
        for lead_id in sorted(self.touched):
            lead = database.execute_sql("SELECT created_at FROM lead WHERE id = ? AND status = 'open' AND "
                                        "merged_into IS NULL", [lead_id]).fetchone()
            if lead is None:
                continue
            pending = database.execute_sql("SELECT id, created_at FROM follow_up WHERE lead_id = ? AND "
                                           "done_at IS NULL ORDER BY due, id", [lead_id]).fetchall()
            for extra_id, created in pending[1:]:
                writes.update_row("follow_up", extra_id, {"done_at": created, "outcome": MERGED,
                                                          "updated_at": created}, stamp=False)
            if not pending:
                writes.insert_rows("follow_up", [dict(
                    id=_free_step_id(lead_id), updated_at=lead[0], lead_id=lead_id, title=FOLLOW_UP, due=lead[0],
                    done_at=None, outcome=None, created_at=lead[0])])


def _free_step_id(lead_id: str) -> str:
    """uuid5(lead, 'sync-next'), or the next such id when an earlier fix's step is done or deleted."""
    n = 0
    while True:
        candidate = str(uuid.uuid5(uuid.UUID(lead_id), "sync-next" + (f"-{n}" if n else "")))
        if not database.execute_sql("SELECT 1 FROM follow_up WHERE id = ? UNION ALL SELECT 1 FROM sync_clock "
                                    "WHERE tbl = 'follow_up' AND row_id = ?", [candidate, candidate]).fetchone():
            return candidate
        n += 1


def _free_name(table: str, column: str, name: str) -> str:
    n = 2
    while database.execute_sql(f'SELECT 1 FROM "{table}" WHERE "{column}" = ?', [f"{name} ({n})"]).fetchone():
        n += 1
    return f"{name} ({n})"


def _name(table: str, row_id: Any) -> Any:
    """A stage's or member's name for a conflict entry (the id when it is not here)."""
    found = database.execute_sql(f'SELECT name FROM "{table}" WHERE id = ?', [row_id]).fetchone()
    return found[0] if found else row_id


def _shown(value: Any) -> str:
    text = "(empty)" if value in (None, "") else str(value)
    return f"“{text[:60]}…”" if len(text) > 60 else f"“{text}”"


# --- risk and snapshots -----------------------------------------------------------------------

def risk(ops: list[list]) -> tuple[int, int]:
    """(leads this batch would delete or close, open leads now): a round that empties the pipeline asks first."""
    hit = {op[2] for op in ops if op[1] == "lead" and (
        op[3] == TOMB or (op[3] == "status" and op[4] in ("won", "lost")) or (op[3] == "merged_into" and op[4]))}
    open_now = {row[0] for row in database.execute_sql(
        "SELECT id FROM lead WHERE status = 'open' AND merged_into IS NULL")}
    return len(hit & open_now), len(open_now)


def snapshot_records() -> Iterator[list]:
    """Every synced row, its clocks and the positions, as JSON lists, streamed (parents first):
    ["row", table, {column: value}], ["clock", table, row_id, field, hlc],
    ["position", device, segment, newest clock applied from it (its own: newer than all it made)]."""
    for table in ORDER:
        columns = _COLUMNS[table]
        for values in database.execute_sql(_select(table)):
            yield ["row", table, dict(zip(columns, values, strict=True))]
    for entry in database.execute_sql("SELECT tbl, row_id, field, hlc FROM sync_clock"):
        yield ["clock", *entry]
    me = hlc.device_id()
    for device, segment, last in database.execute_sql("SELECT device, segment, last_hlc FROM sync_peer"):
        yield ["position", device, segment, hlc.latest() if device == me else last]


_DERIVED = ("insight_lead", "stage_stay")  # Insights' rows, kept by triggers from their *_source views


@contextmanager
def _derived_rows_made_after() -> Iterator[None]:
    """Inside the caller's transaction: Insights' triggers stand aside while a snapshot writes every row,
    and their rows are made in one statement a table at the end (a trigger per row doubled the time to
    join a 100k-lead team). Nobody else sees the triggers gone: they are back before the commit."""
    triggers = database.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('lead', 'activity') AND ("
        + " OR ".join(f"name LIKE '{table}%'" for table in _DERIVED) + ")").fetchall()
    for name, _sql in triggers:
        database.execute_sql(f'DROP TRIGGER "{name}"')
    try:
        yield
        for table in _DERIVED:
            database.execute_sql(f"DELETE FROM {table}")
            database.execute_sql(f"INSERT INTO {table} SELECT * FROM {table}_source")
    finally:
        present = {name for (name,) in database.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        for name, sql in triggers:
            if name not in present:
                database.execute_sql(sql)


def load_snapshot(records: Iterable[list]) -> None:
    """Into a data folder without leads (join), in one transaction: the team's rows replace the local
    defaults (stages, lost reasons, members were local-only until now); the outbox is reset."""
    with database.atomic():
        if database.execute_sql("SELECT 1 FROM lead LIMIT 1").fetchone():
            raise RuleError("This data folder already has leads: join a team from an empty one.")
        database.execute_sql("PRAGMA defer_foreign_keys = ON")
        with writes.remote(), search.indexed_in_bulk(), _derived_rows_made_after():
            for table in reversed(ORDER):
                for (row_id,) in database.execute_sql(f'SELECT id FROM "{table}"').fetchall():
                    writes.delete_row(table, row_id)
            database.execute_sql("DELETE FROM sync_clock")
            rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
            clocks: list[tuple[str, str, str, str]] = []
            newest = ""
            newer: dict[str, set[str]] = {}  # per table, columns only a newer Leadbook has: not kept here
            for record in records:  # streamed: at most a chunk a table in memory
                kind = record[0]
                if kind == "row":
                    unknown = newer.setdefault(record[1], set(record[2]) - set(_COLUMNS[record[1]]))
                    rows[record[1]].append({k: v for k, v in record[2].items() if k not in unknown} if unknown
                                           else record[2])
                    if len(rows[record[1]]) >= 5000:
                        writes.insert_rows(record[1], rows.pop(record[1]))
                elif kind == "clock":
                    clocks.append(tuple(record[1:]))
                    newest = max(newest, record[4])
                    if len(clocks) >= 5000:
                        _save_clocks(clocks)
                        clocks = []
                elif kind == "position" and record[1] != hlc.device_id():
                    _set_position(record[1], record[2], record[3])
            for table, chunk in rows.items():
                writes.insert_rows(table, chunk)
            _save_clocks(clocks)
        if newest:
            hlc.observe(newest)
        reset_outbox()
