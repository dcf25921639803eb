"""Insights: how fast we answer, which sources pay, why we lose, who is stuck — from what happened.

The figures come from what the leads record (received and first-answer times, stage changes on
the timeline, next steps, status), never from typed-in numbers. A lead counts in a period by its
received time (created_at: for imported leads the date the file gave). Merged-away leads are not
counted. Imported leads have no first-answer time (the import set it, nobody answered then): they
count as received, won, lost or open, and are left out of every first-answer figure. Every count
is the size of a set that leads_behind() lists, by the same rules (models.insights_sql), so a
number and the leads behind it always agree; medians come with the leads they are taken over. The
report reads rows derived from the leads and their timelines (insight_lead, stage_stay: kept by
triggers, models.migrations), so it costs about the same for a month as for years. All results
are frozen plain data, safe to build off the UI thread.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from . import mail, members, overdue_history, search, stages
from .board import UNCLAIMED
from .clock import iso, local_day_bounds, now, to_local
from .errors import InvalidInput
from .insights_sql import ALIASES, KEYS, RULES, STAY_AT, STAY_COUNTS, STAY_LEADS, counts_sql, ids_sql, response_at_sql
from .tables import database

# Oldroyd, McElheran and Elkington, "The Short Life of Online Sales Leads", Harvard Business Review,
# March 2011: the finding the owner's own speed-to-result is shown beside.
PUBLISHED_FINDING = ("Answering within an hour makes qualifying a lead about 7× as likely as an hour later, "
                     "and over 60× as likely as after 24 hours (Oldroyd, McElheran and Elkington, HBR 2011).")
BUCKETS = ("within_1h", "1h_to_24h", "later", "never")  # speed-to-result, by the first answer's delay
BUCKET_TITLES = {"within_1h": "within 1 hour", "1h_to_24h": "1–24 hours", "later": "after 24 hours",
                 "never": "never answered"}
NO_SOURCE = ""  # the source key of leads without one
NO_REASON = ""  # the lost-reason key of lost leads without one (written by an older version or a sync)


BULK_GUARD = "insights.bulk"  # while this setting is there, the lead insert triggers stand aside (INSIGHTS_BULK)


@contextmanager
def rows_made_in_bulk() -> Iterator[None]:
    """Leads inserted inside (before any timeline entry of theirs: the entries' triggers make the stays) get their
    insight_lead rows in one statement at the end, not one by one from the insert trigger: 50,000 imported leads
    ~0.7 s sooner. Only inside the caller's write transaction (search.triggers_aside)."""
    with search.triggers_aside(BULK_GUARD) as last:
        yield
        database.execute_sql("INSERT INTO insight_lead SELECT * FROM insight_lead_source WHERE lead > ?", [last])


def minutes_text(value: float | None) -> str:
    """38 min, 2.5 h, 3.1 days: a first-answer time as people read it (the window and `leadbook report`)."""
    if value is None:
        return "—"
    if value < 60:
        return f"{value:.0f} min"
    return f"{value / 60:.1f} h" if value < 48 * 60 else f"{value / 1440:.1f} days"


def share_text(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "—"


@dataclass(frozen=True)
class Filters:
    """Which leads a report counts: received in [start, end) (naive UTC; None: no bound), of one owner
    (a member id; UNCLAIMED: leads without one; None: everyone's), of one source (None: all)."""

    start: datetime | None = None
    end: datetime | None = None
    owner_id: str | None = None
    source: str | None = None


def period(first: date | None, last: date | None, owner: str | None = None, source: str | None = None) -> Filters:
    """Filters for the local calendar days first..last, both included, in the user's time zone (a day
    that changes to or from daylight saving time is 23 or 25 hours long). owner: a member's name or
    email ('' for unclaimed leads)."""
    if first and last and first > last:
        raise InvalidInput(f"The period starts ({first}) after it ends ({last}).")
    start = local_day_bounds(first)[0] if first else None
    end = local_day_bounds(last)[1] if last else None
    owner_id = owner if owner in (None, UNCLAIMED) else members.find_member(owner, create=False).id
    return Filters(start, end, owner_id, source)


def last_days(days: int, owner: str | None = None, today: date | None = None) -> Filters:
    """The last `days` local days, today included (the report's default: 30)."""
    today = today or datetime.now().date()
    return period(today - timedelta(days=days - 1), today, owner)


@dataclass(frozen=True)
class Response:
    """First-answer times of the leads received. The within_* counts are cumulative (within 1 hour
    includes within 5 minutes); answered + never + imported = received."""

    median_minutes: float | None  # None: no lead was answered
    p90_minutes: float | None
    within_5m: int
    within_1h: int
    within_24h: int
    answered: int
    never: int
    imported: int = 0  # received by an import: no answer time, in none of the figures above


@dataclass(frozen=True)
class SourceRow:
    source: str  # NO_SOURCE for leads without one
    received: int
    won: int
    lost: int
    open: int
    won_value: float
    median_response_minutes: float | None


@dataclass(frozen=True)
class ReasonRow:
    reason: str  # NO_REASON for lost leads without one
    count: int


@dataclass(frozen=True)
class StageRow:
    """An open stage: the median days a stay in it lasted before the lead moved on (None: no lead left
    it), and the open leads in it for longer than it allows (its stale_days)."""

    stage: str
    median_days: float | None
    stuck: int
    allowance_days: int


@dataclass(frozen=True)
class SpeedRow:
    """Closed leads (won or lost) by how soon they were first answered, and how many of them were won
    (imported ones have no answer time: in no row)."""

    bucket: str  # one of BUCKETS
    leads: int
    won: int

    @property
    def win_rate(self) -> float | None:
        return self.won / self.leads if self.leads else None


@dataclass(frozen=True)
class FollowUpDiscipline:
    """Open leads, those whose next step fell due before today, and those with a dated next step (the
    rules keep that at every open lead: anything less is a sync or import left to mend)."""

    open: int
    overdue: int
    with_next_step: int
    # (day, overdue, open) as the app recorded them on the days it ran in the period (overdue_history):
    # everyone's leads, whatever the owner filter
    by_day: tuple[tuple[date, int, int], ...] = ()

    @property
    def share_with_next_step(self) -> float | None:
        return self.with_next_step / self.open if self.open else None


@dataclass(frozen=True)
class Health:
    missing_contact: int  # leads with neither phone nor email
    duplicate_candidates: int  # open leads sharing an email or phone with another open lead
    review_waiting: int  # captured mail waiting for a decision in Review (messages, not leads)
    open_without_next_step: int


@dataclass(frozen=True)
class Report:
    filters: Filters
    at: datetime  # naive UTC: when it was computed ("stuck" and "overdue" are as of then)
    received: int
    response: Response
    sources: tuple[SourceRow, ...]  # most leads first
    lost_reasons: tuple[ReasonRow, ...]  # most often first
    stages: tuple[StageRow, ...]  # open stages in pipeline order
    followup: FollowUpDiscipline
    health: Health
    speed_to_result: tuple[SpeedRow, ...]  # in BUCKETS order


def _where(filters: Filters, at: datetime) -> tuple[str, dict[str, Any]]:
    """The facts' extra conditions and every parameter the statements take."""
    today = local_day_bounds(to_local(at).date())[0]  # a step due before this is overdue
    params: dict[str, Any] = {
        "start": _stamp(filters.start or datetime.min), "end": _stamp(filters.end or datetime.max),
        "at": _stamp(at), "today": _stamp(today), "owner": filters.owner_id, "source": filters.source,
    }
    where = ""
    if filters.owner_id == UNCLAIMED:
        where += " AND l.owner_id IS NULL"
    elif filters.owner_id is not None:
        where += " AND l.owner_id = :owner"
    if filters.source is not None:
        where += " AND coalesce(l.source, '') = :source"
    return where, params


def _days(filters: Filters) -> tuple[date | None, date | None]:
    """The first and last local day the filters' period covers (None: open-ended)."""
    first = to_local(filters.start).date() if filters.start else None
    last = (to_local(filters.end) - timedelta(microseconds=1)).date() if filters.end else None
    return first, last


def _stamp(moment: datetime) -> str:
    return moment.isoformat(sep=" ")  # the stored form: text comparison orders like time


def _at_rank(sql: str, params: dict[str, Any], n: int, rank: int, take: int = 1) -> float | None:
    """The mean of `take` values from the 0-based `rank` on, of the n values a sorted statement reads."""
    if not n:
        return None
    values = [row[0] for row in database.execute_sql(sql, {**params, "k": take, "o": rank})]
    return sum(values) / len(values)


def _median(sql: str, params: dict[str, Any], n: int) -> float | None:
    """The middle value of n, or the mean of the two middle ones."""
    return _at_rank(sql, params, n, (n - 1) // 2, 2 - n % 2)


def _p90(sql: str, params: dict[str, Any], n: int) -> float | None:
    """The nearest-rank 90th percentile: the smallest value at or above 90 % of them."""
    return _at_rank(sql, params, n, (9 * n + 9) // 10 - 1)  # ceil(0.9 n), in integers


def report(filters: Filters, at: datetime | None = None) -> Report:
    """Every figure for the filters as of `at` (naive UTC, default now); see models.insights_sql."""
    at = at or now()
    where, params = _where(filters, at)
    with database.atomic():  # one snapshot
        rows = database.execute_sql(counts_sql(where), params).fetchall()
        counts: dict[str, dict[Any, int]] = {rule: {} for rule in RULES}
        won_value: dict[str, float] = {}
        for row in rows:
            keys = dict(zip(KEYS, row, strict=False))
            sums = row[len(KEYS):len(KEYS) + len(RULES)]
            for (rule, (_, column)), n in zip(RULES.items(), sums, strict=True):
                key = keys[column] if column else None
                counts[rule][key] = counts[rule].get(key, 0) + (n or 0)
            won_value[keys["source"]] = won_value.get(keys["source"], 0.0) + row[-1]
        answered = sum(counts["response.answered"].values())
        response_at = response_at_sql(where, by_source=False)
        median, p90 = _median(response_at, params, answered), _p90(response_at, params, answered)
        response_at = response_at_sql(where, by_source=True)
        by_source = {source: _median(response_at, params | {"key": source}, n)
                     for source, n in counts["sources.answered"].items()}
        stays = dict(database.execute_sql(STAY_COUNTS.format(where=where), params).fetchall())
        stay_at = STAY_AT.format(where=where)
        open_stages = stages.open_stages()
        stage_days = {s.name: _median(stay_at, params | {"key": s.name}, stays.get(s.name, 0)) for s in open_stages}

    def total(rule: str) -> int:
        return sum(counts[rule].values())

    def minutes(value: float | None) -> float | None:
        return None if value is None else value / 60

    sources = tuple(sorted(
        (SourceRow(source, n, counts["sources.won"][source], counts["sources.lost"][source],
                   counts["sources.open"][source], won_value[source], minutes(by_source.get(source)))
         for source, n in counts["sources.received"].items() if n),
        key=lambda s: (-s.received, s.source)))
    reasons = tuple(sorted((ReasonRow(reason, n) for reason, n in counts["lost_reasons.count"].items() if n),
                           key=lambda r: (-r.count, r.reason)))
    stage_rows = tuple(StageRow(s.name, stage_days[s.name],
                                counts["stages.stuck"].get(s.name, 0), s.stale_days) for s in open_stages)
    speed = tuple(SpeedRow(b, counts["speed_to_result.leads"].get(b, 0), counts["speed_to_result.won"].get(b, 0))
                  for b in BUCKETS)
    return Report(
        filters=filters, at=at, received=total("received"),
        response=Response(minutes(median), minutes(p90), total("response.within_5m"),
                          total("response.within_1h"), total("response.within_24h"),
                          total("response.answered"), total("response.never"), total("response.imported")),
        sources=sources, lost_reasons=reasons, stages=stage_rows,
        followup=FollowUpDiscipline(total("followup.open"), total("followup.overdue"),
                                    total("followup.with_next_step"), tuple(overdue_history.series(*_days(filters)))),
        health=Health(total("health.missing_contact"), total("health.duplicate_candidates"), mail.review_count(),
                      total("health.open_without_next_step")),
        speed_to_result=speed)


@dataclass(frozen=True)
class LookBack:
    """Last week in one line, for Today on the first start of a week (Monday to Sunday, local days)."""

    filters: Filters
    received: int
    median_minutes: float | None
    won: int  # of the leads received that week

    @property
    def text(self) -> str:
        median = self.median_minutes
        answer = ("no first answers" if median is None else
                  f"median first answer {median:.0f} min" if median < 120 else
                  f"median first answer {median / 60:.1f} h")
        return f"{self.received} inquiries, {answer}, {self.won} won"


def look_back(today: date | None = None) -> LookBack:
    """The week before the one `today` (default: the local today) is in."""
    today = today or datetime.now().date()
    monday = today - timedelta(days=today.weekday() + 7)
    result = report(period(monday, monday + timedelta(days=6)))
    return LookBack(result.filters, result.received, result.response.median_minutes,
                    sum(s.won for s in result.sources))


FIGURES = (*RULES, *ALIASES, "stages.median_days")


def leads_behind(filters: Filters, figure: str, key: str | None = None, at: datetime | None = None) -> list[str]:
    """The ids of the leads behind a figure of report(filters, at), oldest first (pass the report's `at`:
    who is stuck or overdue changes with the time).

    figure is the figure's JSON path (see report_record): "received", "response.within_1h",
    "sources.won" with key the source, "lost_reasons.count" with the reason, "stages.stuck" or
    "stages.median_days" with the stage's name, "speed_to_result.won" with the bucket, "health.…".
    A count's figure lists exactly that many leads; a median's lists the leads it is taken over.
    Review's waiting mail is not leads: open Review instead.
    """
    if figure == "health.review_waiting":
        raise InvalidInput("Review items are captured mail, not leads: open Review to see them.")
    if figure not in FIGURES:
        raise InvalidInput(f"'{figure}' is not a figure of the report: one of {', '.join(sorted(FIGURES))}.")
    rule = ALIASES.get(figure, figure)
    stays = rule == "stages.median_days"
    if (stays or RULES[rule][1] is not None) and key is None:
        raise InvalidInput(f"'{figure}' is a list: say which row (a {figure.split('.')[0].rstrip('s')}).")
    where, params = _where(filters, at or now())
    params["key"] = key
    if stays:
        return [row[0] for row in database.execute_sql(STAY_LEADS.format(where=where), params)]
    return [row[0] for row in database.execute_sql(ids_sql(where, rule, key is not None), params)]


def counts(record: dict[str, Any]) -> Iterator[tuple[str, str | None, int]]:
    """Every count of a report_record: (figure, key, count), where leads_behind(filters, figure, key)
    lists exactly `count` leads. A list's key is its row's first field."""
    for figure in RULES:
        head, _, name = figure.partition(".")
        part = record[head]
        if isinstance(part, list):
            yield from ((figure, next(iter(row.values())), row[name]) for row in part if name in row)
        elif not name:
            yield figure, None, part
        elif name in part:
            yield figure, None, part[name]


def report_record(result: Report) -> dict[str, Any]:
    """The report as JSON-ready data: `leadbook report --json`. Each count's path (a list's with its
    row's first field as key) names the leads_behind() figure that lists its leads."""
    f = result.filters
    return {
        "period": {"from": iso(f.start), "to": iso(f.end), "owner_id": f.owner_id, "source": f.source,
                   "at": iso(result.at)},
        "received": result.received,
        "response": {name: getattr(result.response, name) for name in (
            "median_minutes", "p90_minutes", "within_5m", "within_1h", "within_24h", "answered", "never",
            "imported")},
        "sources": [vars(row) for row in result.sources],
        "lost_reasons": [vars(row) for row in result.lost_reasons],
        "stages": [vars(row) for row in result.stages],
        "followup": {"open": result.followup.open, "overdue": result.followup.overdue,
                     "with_next_step": result.followup.with_next_step,
                     "share_with_next_step": result.followup.share_with_next_step,
                     "overdue_by_day": [{"day": day.isoformat(), "overdue": overdue, "open": open_count}
                                        for day, overdue, open_count in result.followup.by_day]},
        "health": vars(result.health),
        "speed_to_result": [vars(row) | {"win_rate": row.win_rate} for row in result.speed_to_result],
        "published_finding": PUBLISHED_FINDING,
    }
