"""Today: the checklist of who needs attention now.

Sections, each lead appearing once, in this priority: respond now (unanswered
inquiries whose step is due, oldest first), replied (the lead wrote back: our turn),
overdue, due today, stale (no activity for longer than its stage allows), upcoming
(inquiries and replies snoozed to a later time, soonest first), and done today (leads
with a step done today and nothing due now). Each section holds at most `limit` items;
`counts` says how many there are in all.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import peewee as pw

from .clock import local_day_bounds, now, to_local
from .contacts import display_phone
from .tables import Activity, FollowUp, Lead, database
from .today_items import PER_SECTION, Today, TodayItem

RESCHEDULED = "Next step: "  # how leads.schedule_followup's timeline entry begins


def contact_lines(result: Today) -> dict[str, str]:
    """Each item's contact line: its email, else its phone formatted to read (the formatter takes ~20 ms
    to load: the window reads these after its first paint, or has them read ahead with Today)."""
    return {item.lead_id: item.email or display_phone(item.phone)
            for items in result.sections.values() for item in items}


def ago(delta: timedelta) -> str:
    """'3 days', '5 h', '12 min': how long, for a reason line."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds >= 2 * 86400:
        return f"{seconds // 86400} days"
    if seconds >= 3600:
        return f"{seconds // 3600} h"
    return f"{max(1, seconds // 60)} min"


RESPONSE_TARGET_MINUTES = 60  # the default of the per-machine setting response_target_minutes


def response_target_minutes() -> int:
    """How soon the owner means to answer an inquiry (per machine); waiting turns amber, then red, past it."""
    row = database.execute_sql("SELECT value FROM setting WHERE key = 'response_target_minutes'").fetchone()
    value = row[0] if row else ""  # plain SQL: Today runs on every refresh, settings.get costs it a tenth
    return int(value) if value.isdigit() and int(value) > 0 else RESPONSE_TARGET_MINUTES


def urgency(since: datetime, moment: datetime, target_minutes: int) -> str:
    """How pressing a wait is: calm, amber from half the owner's target response time, red past it.

    One rule for Today's rows and the board's cards.
    """
    waited = (moment - since).total_seconds() / 60
    if waited > target_minutes:
        return "red"
    return "amber" if waited >= target_minutes / 2 else "calm"


def _columns(since: pw.Node) -> list[pw.Node]:
    return [Lead.id, Lead.name, Lead.company, Lead.email, Lead.phone, since, FollowUp.id, FollowUp.title]


def _open_leads(since: pw.Node) -> pw.ModelSelect:
    pending = (FollowUp.lead == Lead.id) & FollowUp.done_at.is_null()
    return (Lead.select(*_columns(since))
            .join(FollowUp, pw.JOIN.LEFT_OUTER, on=pending)
            .where((Lead.status == "open") & Lead.merged_into.is_null()))


def _due_steps() -> pw.ModelSelect:
    """Open leads by their pending step, read from the pending steps' date index first.

    CROSS JOIN fixes that join order in SQLite: a few hundred steps due in a range, not a
    scan of every open lead (the plan the statistics alone would sometimes pick).
    """
    return (FollowUp.select(*_columns(FollowUp.due))
            .join(Lead, pw.JOIN.CROSS)
            .where((FollowUp.lead == Lead.id) & FollowUp.done_at.is_null() & (Lead.status == "open")
                   & Lead.merged_into.is_null()))


def _pending_before(moment: object) -> pw.Node:
    """The lead has a pending follow-up due before moment (so it shows as overdue or due today)."""
    inner = FollowUp.alias()
    return pw.fn.EXISTS(inner.select(pw.SQL("1")).where(
        (inner.lead == Lead.id) & inner.done_at.is_null() & (inner.due < moment)))


def _answered() -> pw.Node:
    return Lead.first_response_at.is_null(False) & Lead.awaiting_since.is_null()


def _replied() -> pw.Node:
    return Lead.first_response_at.is_null(False) & Lead.awaiting_since.is_null(False)


def _put_off() -> pw.Node:
    """The pending step is due later and was rescheduled since the lead's reply (a snooze), so the reply can wait.

    A step dated before the reply came in (or a step ticked off since) does not hold the reply back:
    their turn became ours. leads.schedule_followup is what writes the "Next step: …" entry.
    """
    entry = Activity.alias()
    rescheduled = pw.fn.EXISTS(entry.select(pw.SQL("1")).where(
        (entry.lead == Lead.id) & (entry.kind == "followup") & (entry.at >= Lead.awaiting_since)
        & entry.summary.startswith(RESCHEDULED)))
    return (FollowUp.due > NOW) & rescheduled


def _due_now() -> pw.Node:
    return FollowUp.id.is_null() | (FollowUp.due <= NOW)


class _Param:
    """A placeholder compiled into Today's cached SQL and bound on each call (a day bound, a cutoff)."""

    __slots__ = ("key",)

    def __init__(self, key: object) -> None:
        self.key = key


START, END, LIMIT, OWNER, NOW = _Param("start"), _Param("end"), _Param("limit"), _Param("owner"), _Param("now")
_STALE_STAGES = "SELECT id, stale_days FROM stage WHERE kind = 'open' AND stale_days > 0 ORDER BY position, id"
_compiled: dict[tuple, list[tuple[str, str, list, str, list]]] = {}  # by (stale stages, mine)


def _queries(stale_stages: tuple[tuple[str, int], ...], mine: bool) -> dict[str, pw.SelectQuery]:
    """Each section's query, in section order, with placeholders where the time (and owner) goes in.

    mine: only leads owned by OWNER or unclaimed (everyone's leads otherwise, with no extra condition).
    """
    def owned(query: pw.SelectQuery) -> pw.SelectQuery:
        # converter=False: the foreign key would turn the placeholder into text before it is bound
        return query.where(Lead.owner.is_null() | (Lead.owner == pw.Value(OWNER, converter=False))) if mine else query

    queries: dict[str, pw.SelectQuery] = {
        "respond_now": owned(_open_leads(Lead.created_at).where(Lead.first_response_at.is_null() & _due_now())
                             .order_by(Lead.created_at)),
        "replied": owned(_open_leads(Lead.awaiting_since).where(_replied() & (FollowUp.id.is_null() | ~_put_off()))
                         .order_by(Lead.awaiting_since)),
        "overdue": owned(_due_steps().where(_answered() & (FollowUp.due < START)).order_by(FollowUp.due)),
        "due_today": owned(_due_steps().where(_answered() & (FollowUp.due >= START) & (FollowUp.due < END))
                           .order_by(FollowUp.due)),
    }
    stale = None
    for stage_id, days in stale_stages:
        part = owned(_open_leads(Lead.last_activity_at)
                     .where(_answered() & (Lead.stage == stage_id)
                            & (Lead.last_activity_at < _Param(("stale", days))) & ~_pending_before(END)))
        stale = part if stale is None else stale | part
    if stale is not None:
        queries["stale"] = stale.order_by(pw.SQL("6"))
    # one part per kind of waiting lead, so each reads its own index
    later = (owned(_open_leads(FollowUp.due).where(Lead.first_response_at.is_null() & (FollowUp.due > NOW)))
             | owned(_open_leads(FollowUp.due).where(_replied() & _put_off())))
    queries["upcoming"] = later.order_by(pw.SQL("6"))
    # A lead waiting for us (unanswered, replied), with a step due today or quiet since before today
    # (stale) is in a section above: done today holds only leads with nothing due now.
    waiting = (Lead.status == "open") & Lead.merged_into.is_null() & (
        Lead.first_response_at.is_null() | Lead.awaiting_since.is_null(False) | (Lead.last_activity_at < START)
        | _pending_before(END))
    later_done = FollowUp.alias()  # a lead's latest step done today stands for it: listed once
    superseded = pw.fn.EXISTS(later_done.select(pw.SQL("1")).where(
        (later_done.lead == FollowUp.lead) & ((later_done.done_at > FollowUp.done_at)
                                              | ((later_done.done_at == FollowUp.done_at)
                                                 & (later_done.id > FollowUp.id)))))
    queries["done_today"] = owned(
        FollowUp.select(Lead.id, Lead.name, Lead.company, Lead.email, Lead.phone, FollowUp.done_at,
                        FollowUp.id, FollowUp.title)
        .join(Lead, on=FollowUp.lead == Lead.id)
        .where((FollowUp.done_at >= START) & ~waiting & ~superseded).order_by(FollowUp.done_at.desc()))
    return queries


def _compile(stale_stages: tuple[tuple[str, int], ...], mine: bool) -> list[tuple[str, str, list, str, list]]:
    """(section, SQL, params, count SQL, count params) for each section, built once per stage setup and filter.

    Today runs on every refresh: building peewee queries and converting rows through the
    ORM cost several times more than SQLite's own work, so the SQL is made once and reused.
    """
    out = []
    context = database.get_sql_context
    for name, query in _queries(stale_stages, mine).items():
        sql, params = _constants_written(*context().sql(query.limit(LIMIT)).query())
        wrapped = query.order_by().alias("_wrapped")
        if wrapped._count_can_project_one():
            wrapped = wrapped.select(pw.SQL("1"))
        count_sql, count_params = _constants_written(
            *context().sql(pw.Select([wrapped], [pw.fn.COUNT(pw.SQL("1"))])).query())
        out.append((name, sql, params, count_sql, count_params))
    return out


def _constants_written(sql: str, params: list) -> tuple[str, list]:
    """The query's constants ('open', 'followup', the rescheduled entry's pattern) written into its SQL, only
    the placeholders left bound. SQLite compiles a statement again whenever a value is bound that it used in
    planning (one compared with a partial index's WHERE, a LIKE pattern): four of Today's statements were
    compiled on every read (~1 ms of it)."""
    parts = sql.split("?")  # peewee binds every value: this SQL holds no literal with a '?' in it
    assert len(parts) == len(params) + 1, "a '?' in Today's SQL that is not a parameter"
    written, bound = [parts[0]], []
    for param, part in zip(params, parts[1:], strict=True):
        if isinstance(param, _Param):
            written.append("?")
            bound.append(param)
        elif isinstance(param, str):
            written.append("'" + param.replace("'", "''") + "'")
        elif isinstance(param, int):
            written.append(str(int(param)))
        else:
            raise TypeError(f"a constant Today cannot write into its SQL: {param!r}")
        written.append(part)
    return "".join(written), bound


def today(limit: int = PER_SECTION, at: datetime | None = None, owner: str | None = None) -> Today:
    """The checklist for everyone's leads, or with owner (a member id) only that member's and unclaimed ones."""
    moment = at or now()
    start, end = local_day_bounds()
    stale_stages = tuple(database.execute_sql(_STALE_STAGES).fetchall())
    key = (stale_stages, owner is not None)
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = _compiled[key] = _compile(*key)
    values: dict[object, object] = {"start": start, "end": end, "limit": limit, "owner": owner, "now": moment}
    values.update((("stale", days), moment - timedelta(days=days)) for _, days in stale_stages)
    reasons = {
        "respond_now": lambda since: f"waiting {ago(moment - since)}",
        "replied": lambda since: f"wrote back {ago(moment - since)} ago",
        "overdue": lambda since: f"due {ago(moment - since)} ago",
        "due_today": lambda since: f"due {_local_time(since)}" if since > moment else "due now",
        "stale": lambda since: f"no activity for {ago(moment - since)}",
        "upcoming": lambda since: "until " + (_local_time(since) if since < end else _local_day_time(since)),
        "done_today": _done_reason(start, end),
    }
    target = response_target_minutes()
    waiting: Callable[[datetime], str] = lambda since: urgency(since, moment, target)  # noqa: E731
    urgencies = {"respond_now": waiting, "replied": waiting, "overdue": lambda since: "red"}
    result = Today()
    for name, sql, params, count_sql, count_params in compiled:
        bind = [values[p.key] if isinstance(p, _Param) else p for p in params]
        rows = database.execute_sql(sql, bind).fetchall()
        reason, hue = reasons[name], urgencies.get(name, lambda since: "calm")
        result.sections[name] = [
            TodayItem(name, lead_id, lead_name, company, email, phone, reason(when), when, fid, title, hue(when))
            for lead_id, lead_name, company, email, phone, since, fid, title in rows
            for when in (_as_datetime(since),)
        ]
        if len(rows) < limit:
            result.counts[name] = len(rows)
        else:
            bind = [values[p.key] if isinstance(p, _Param) else p for p in count_params]
            result.counts[name] = database.execute_sql(count_sql, bind).fetchone()[0]
    if not any(result.counts.values()):
        result.has_leads = database.execute_sql("SELECT 1 FROM lead LIMIT 1").fetchone() is not None
    return result


def _as_datetime(text: str) -> datetime:
    """Stored text -> datetime as peewee reads it (fromisoformat first), minus its per-call overhead."""
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return FollowUp.due.python_value(text)


def _done_reason(start: datetime, end: datetime) -> Callable[[datetime], str]:
    """'done HH:MM' in local time; today's UTC offset worked out once unless the clocks change today."""
    offset = to_local(start).utcoffset()
    if offset is None or offset != to_local(end).utcoffset():
        return lambda since: "done " + _local_time(since)

    def reason(since: datetime) -> str:
        if not start <= since < end:
            return "done " + _local_time(since)
        local = since + offset
        return f"done {local.hour:02d}:{local.minute:02d}"
    return reason


def _local_time(value: datetime) -> str:
    return to_local(value).strftime("%H:%M")


def _local_day_time(value: datetime) -> str:
    local = to_local(value)
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M}"
