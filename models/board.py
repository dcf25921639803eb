"""Read queries for the pipeline views: the board's cards and the leads table's rows.

Everything returned is plain data (frozen dataclasses, tuples of str/float), so it can be
built on a worker thread and handed to the UI thread. Queries run on the raw cursor:
peewee's per-value datetime parsing would dominate at 10k cards / 100k rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import peewee as pw

from . import settings
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
    return BoardData(choices(sources=False), board_cards(owner_id=owner_id, source=source))


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

# Column positions in a lead_table() row.
ID, NAME, COMPANY, EMAIL, PHONE, STAGE, STATUS, OWNER, VALUE, SOURCE, NEXT_DUE, NEXT_TITLE, CREATED, \
    LAST_ACTIVITY, STAGE_POSITION, HAYSTACK = range(16)


# Hand-written: the pending steps come from their partial index (a few thousand rows) and are
# hash-joined, instead of probing follow_up once per lead; no ORDER BY (the table sorts).
_LEAD_TABLE_SQL = """
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
WHERE l.merged_into IS NULL
"""


def lead_table() -> list[tuple]:
    """Every live lead as one tuple (see the column constants), in one query, unordered.

    Times stay as the stored ISO text (they sort correctly and are parsed only when shown).
    HAYSTACK is the lower-cased name/email/phone/company the text filter searches: SQLite
    lower-cases ASCII, Python finishes the few rows with other letters. Stage, status, owner
    and source repeat from row to row: each distinct value is held once. Records are built
    straight from the cursor, so 100k rows never exist twice.
    """
    intern = {}.setdefault
    rows: list[tuple] = []
    where: dict[str, int] = {}  # lead id -> its position in rows
    for row in database.execute_sql(_LEAD_TABLE_SQL):
        haystack = row[HAYSTACK] if row[HAYSTACK].isascii() else row[HAYSTACK].lower()  # Müller, Åsa, Ölçer
        shared = [None if v is None else intern(v, v) for v in row[STAGE:SOURCE + 1]]
        record = (*row[:STAGE], *shared, *row[SOURCE + 1:HAYSTACK], haystack)
        seen = where.setdefault(record[ID], len(rows))
        if seen == len(rows):
            rows.append(record)
        elif _sooner(record, rows[seen]):  # two pending steps (a sync merge could leave that): the earliest
            rows[seen] = record
    return rows


def _sooner(a: tuple, b: tuple) -> bool:
    return (a[NEXT_DUE] is None, a[NEXT_DUE] or "") < (b[NEXT_DUE] is None, b[NEXT_DUE] or "")
