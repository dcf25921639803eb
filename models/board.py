"""Read queries for the pipeline views: the board's cards and the leads table's rows.

Everything returned is plain data (frozen dataclasses, tuples of str/float), so it can be
built on a worker thread and handed to the UI thread. Queries run on the raw cursor:
peewee's per-value datetime parsing would dominate at 10k cards / 100k rows.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import peewee as pw

from . import db, settings
from . import stages as stage_rules
from .clock import now
from .tables import FollowUp, Lead, Member, database

UNCLAIMED = ""  # owner filter value meaning "leads without an owner"


@dataclass(frozen=True)
class StageInfo:
    id: str
    name: str
    kind: str  # open | won | lost
    definition: str
    requires: str  # "" | "value" | "reason"
    position: int


class Card(NamedTuple):  # immutable plain data; several times cheaper to build 10k of than a dataclass
    lead_id: str
    name: str
    company: str | None
    value: float | None
    days_in_stage: int
    next_title: str | None  # None: the lead has no pending next step (the rules should prevent it)
    next_due: datetime | None  # naive UTC
    overdue: bool
    owner: str | None
    source: str | None


@dataclass(frozen=True)
class Choices:
    """What the pipeline views need besides their rows: stages, lost reasons, owners, sources."""

    stages: tuple[StageInfo, ...]
    lost_reasons: tuple[str, ...]
    owners: tuple[tuple[str, str], ...]  # (member id, name)
    sources: tuple[str, ...]
    currency: str | None  # the currency setting; None: the desktop's locale decides


def stage_infos() -> tuple[StageInfo, ...]:
    return tuple(StageInfo(s.id, s.name, s.kind, s.definition, s.requires, s.position)
                 for s in stage_rules.all_stages())


def choices(sources: bool = True) -> Choices:
    """Stages, lost reasons, owners; the distinct sources of live leads unless sources=False (a full scan)."""
    if not sources:
        return Choices(stage_infos(), tuple(stage_rules.lost_reasons()), _owners(), (), settings.currency())
    query = (Lead.select(Lead.source).distinct()
               .where(Lead.source.is_null(False) & (Lead.source != "") & Lead.merged_into.is_null())
               .order_by(Lead.source))
    return Choices(
        stages=stage_infos(),
        lost_reasons=tuple(stage_rules.lost_reasons()),
        owners=_owners(),
        sources=tuple(row[0] for row in database.execute(query)),
        currency=settings.currency(),
    )


def _owners() -> tuple[tuple[str, str], ...]:
    return tuple(database.execute(Member.select(Member.id, Member.name).order_by(Member.name)))


@dataclass(frozen=True)
class BoardData:
    choices: Choices
    cards: dict[str, list[Card]]  # open leads by stage id


def load_board(owner_id: str | None, source: str | None) -> BoardData:
    """Everything the board shows.

    The source filter's entries come from the cards themselves (the sources of open leads),
    which spares a full scan of the lead table on every refresh.
    """
    return db.released(BoardData(choices(sources=False), board_cards(owner_id=owner_id, source=source)))


def board_cards(owner_id: str | None = None, source: str | None = None,
                at: datetime | None = None) -> dict[str, list[Card]]:
    """Open leads by stage id, joined with their pending follow-up and owner, in one query.

    owner_id None means everyone, UNCLAIMED means leads without an owner. Within a stage
    cards are ordered by urgency: no next step first, then by due date.
    """
    moment = at or now()
    stamp = moment.isoformat(sep=" ")  # the stored form: text comparison orders like time
    days = (pw.fn.julianday(stamp) - pw.fn.julianday(Lead.stage_changed_at)).cast("INTEGER")
    query = (Lead.select(Lead.id, Lead.name, Lead.company, Lead.value, Lead.stage, days,
                         FollowUp.title, FollowUp.due, FollowUp.due < stamp, Member.name, Lead.source)
             .join(FollowUp, pw.JOIN.LEFT_OUTER,
                   on=(FollowUp.lead == Lead.id) & FollowUp.done_at.is_null())
             .switch(Lead).join(Member, pw.JOIN.LEFT_OUTER, on=Member.id == Lead.owner)
             .where((Lead.status == "open") & Lead.merged_into.is_null())
             .order_by(FollowUp.due.is_null(False), FollowUp.due, Lead.name))
    if owner_id == UNCLAIMED:
        query = query.where(Lead.owner.is_null())
    elif owner_id is not None:
        query = query.where(Lead.owner == owner_id)
    if source is not None:
        query = query.where(Lead.source == source)
    cards: dict[str, list[Card]] = {}
    seen: set[str] = set()
    parse = datetime.fromisoformat
    # The hot loop of the board's 200 ms budget: no per-row helper calls beyond building the Card.
    for lead_id, name, company, value, stage_id, in_stage, title, due, overdue, owner, src in database.execute(query):
        if lead_id in seen:  # two pending steps (a sync merge could leave that): keep the earliest
            continue
        seen.add(lead_id)
        column = cards.get(stage_id)
        if column is None:
            column = cards[stage_id] = []
        column.append(Card(lead_id, name, company, value, max(0, in_stage or 0), title,
                           parse(due) if due else None, bool(overdue), owner, src))
    return cards


# --- the leads table --------------------------------------------------------------------------

# Column positions in a lead_rows() row.
ID, NAME, COMPANY, EMAIL, PHONE, STAGE, STATUS, OWNER, VALUE, SOURCE, NEXT_DUE, NEXT_TITLE, CREATED, \
    LAST_ACTIVITY, STAGE_POSITION, HAYSTACK = range(16)


# A page of rows: the pending steps come from their partial index (a few thousand rows) and are
# hash-joined, instead of probing follow_up once per lead. Times stay as the stored ISO text (they
# sort correctly and are parsed only when shown). HAYSTACK is the lower-cased name/email/phone/company.
_LEAD_ROWS_SQL = """
WITH pending AS MATERIALIZED (
  SELECT lead_id, due, title FROM follow_up INDEXED BY follow_up_pending_lead WHERE done_at IS NULL)
SELECT l.id, l.name, l.company, l.email, l.phone, s.name, l.status, m.name, l.value, l.source,
       p.due, p.title, l.created_at, l.last_activity_at, s.position,
       lower(l.name || char(10) || coalesce(l.email, '') || char(10) || coalesce(l.phone, '')
             || char(10) || coalesce(l.company, ''))
FROM lead AS l
JOIN stage AS s ON s.id = l.stage_id
LEFT JOIN member AS m ON m.id = l.owner_id
LEFT JOIN pending AS p ON p.lead_id = l.id
WHERE l.id IN (SELECT value FROM json_each(?))
"""


def _sooner(a: tuple, b: tuple) -> bool:
    return (a[NEXT_DUE] is None, a[NEXT_DUE] or "") < (b[NEXT_DUE] is None, b[NEXT_DUE] or "")


# --- the leads table, lazily: ids sorted and filtered in SQL, rows fetched a page at a time ------

class LeadQuery(NamedTuple):
    """What the Leads table shows: a text filter, a stage name, a status, and the sort (a row field)."""
    text: str = ""
    stage: str | None = None
    status: str | None = None
    sort: int = NEXT_DUE
    descending: bool = False


def _folded(column: str) -> str:
    return f"coalesce(lower_text({column}), lower({column}))"


# The ORDER BY key of each sortable row field (text compared lower-cased, as the table used to).
_SORT_SQL = {
    NAME: _folded("l.name"), COMPANY: _folded("l.company"), STAGE: "s.position", STAGE_POSITION: "s.position",
    NEXT_DUE: "p.due", EMAIL: "l.email", PHONE: "l.phone", OWNER: _folded("m.name"), VALUE: "l.value",
    SOURCE: _folded("l.source"), CREATED: "l.created_at", LAST_ACTIVITY: "l.last_activity_at",
}
_PENDING_SQL = """
WITH pending AS MATERIALIZED (  -- the earliest pending step of each lead (a sync merge could leave two)
  SELECT lead_id, min(due) AS due, title FROM follow_up INDEXED BY follow_up_pending_lead
  WHERE done_at IS NULL GROUP BY lead_id)
"""
_HAYSTACK_SQL = ("lower(l.name || char(10) || coalesce(l.email, '') || char(10) || coalesce(l.phone, '')"
                 " || char(10) || coalesce(l.company, ''))")


def lead_ids(query: LeadQuery) -> list[str]:
    """The ids of the live leads the query matches, in its order (leads without the sort value last)."""
    where, params = ["l.merged_into IS NULL"], []
    if query.stage is not None:
        where.append("s.name = ?")
        params.append(query.stage)
    if query.status is not None:
        where.append("l.status = ?")
        params.append(query.status)
    needle = query.text.strip().casefold()
    if needle:
        digits = "".join(ch for ch in needle if ch.isdigit())
        match = f"(instr({_HAYSTACK_SQL}, ?) OR instr(lower_text({_HAYSTACK_SQL}), ?))"
        params += [needle, needle]
        if len(digits) >= 4 and len(digits) >= len(needle.replace(" ", "").replace("+", "")) - 2:
            match = f"({match} OR instr(l.phone, ?))"  # a phone number as typed ("030 1234 56")
            params.append(digits)
        where.append(match)
    key = _SORT_SQL[query.sort]
    direction = "DESC" if query.descending else "ASC"
    sql = (f"{_PENDING_SQL} SELECT l.id FROM lead AS l JOIN stage AS s ON s.id = l.stage_id "
           f"LEFT JOIN member AS m ON m.id = l.owner_id LEFT JOIN pending AS p ON p.lead_id = l.id "
           f"WHERE {' AND '.join(where)} ORDER BY ({key}) IS NULL, {key} {direction}, l.rowid {direction}")
    _ensure_lower_text()
    return [row[0] for row in database.execute_sql(sql, params)]


def lead_rows(ids: list[str]) -> list[tuple]:
    """The rows (see the column constants) of ids, a page of the table, in their order; gone leads left out."""
    found: dict[str, tuple] = {}
    for row in database.execute_sql(_LEAD_ROWS_SQL, [json.dumps(ids)]):
        if row[ID] not in found or _sooner(row, found[row[ID]]):
            found[row[ID]] = (*row[:HAYSTACK], _lower_text(row[HAYSTACK]) or row[HAYSTACK])
    return [found[i] for i in ids if i in found]


def lead_count() -> int:
    return database.execute_sql("SELECT count(*) FROM lead WHERE merged_into IS NULL").fetchone()[0]


def _lower_text(text: str | None) -> str | None:
    return None if text is None or text.isascii() else text.lower()  # Müller, Åsa, Ölçer


def _ensure_lower_text() -> None:
    """SQLite's lower() leaves non-ASCII letters as they are: lower_text() finishes those (this thread's
    connection; registering again is harmless)."""
    database.connection().create_function("lower_text", 1, _lower_text, deterministic=True)
