"""Today: the checklist of who needs attention now.

Sections, each lead appearing once, in this priority: respond now (unanswered
inquiries, oldest first), replied (the lead wrote back: our turn), overdue, due
today, stale (no activity for longer than its stage allows), and done today.
Each section holds at most `limit` items; `counts` says how many there are in all.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import peewee as pw

from .clock import local_day_bounds, now
from .tables import FollowUp, Lead, Stage

SECTIONS = ("respond_now", "replied", "overdue", "due_today", "stale", "done_today")
TITLES = {
    "respond_now": "Respond now", "replied": "Replied — your turn", "overdue": "Overdue",
    "due_today": "Due today", "stale": "Stale", "done_today": "Done today",
}


@dataclass(frozen=True)
class TodayItem:
    section: str
    lead_id: str
    name: str
    company: str | None
    email: str | None
    phone: str | None
    reason: str
    since: datetime  # when the reason began: received, replied, due, last activity, done
    followup_id: str | None
    followup_title: str | None


@dataclass
class Today:
    sections: dict[str, list[TodayItem]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def total_due(self) -> int:
        """Items that need doing (everything but done today): the tray badge."""
        return sum(n for name, n in self.counts.items() if name != "done_today")


def ago(delta: timedelta) -> str:
    """'3 days', '5 h', '12 min': how long, for a reason line."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds >= 2 * 86400:
        return f"{seconds // 86400} days"
    if seconds >= 3600:
        return f"{seconds // 3600} h"
    return f"{max(1, seconds // 60)} min"


def _columns(since: pw.Node) -> list[pw.Node]:
    return [Lead.id, Lead.name, Lead.company, Lead.email, Lead.phone, since, FollowUp.id, FollowUp.title]


def _open_leads(since: pw.Node) -> pw.ModelSelect:
    pending = (FollowUp.lead == Lead.id) & FollowUp.done_at.is_null()
    return (Lead.select(*_columns(since))
            .join(FollowUp, pw.JOIN.LEFT_OUTER, on=pending)
            .where((Lead.status == "open") & Lead.merged_into.is_null()))


def _pending_before(moment: datetime) -> pw.Node:
    """The lead has a pending follow-up due before moment (so it shows as overdue or due today)."""
    inner = FollowUp.alias()
    return pw.fn.EXISTS(inner.select(pw.SQL("1")).where(
        (inner.lead == Lead.id) & inner.done_at.is_null() & (inner.due < moment)))


def _answered() -> pw.Node:
    return Lead.first_response_at.is_null(False) & Lead.awaiting_since.is_null()


def today(limit: int = 200, at: datetime | None = None) -> Today:
    moment = at or now()
    start, end = local_day_bounds()
    queries: dict[str, tuple[pw.ModelSelect, object]] = {
        "respond_now": (_open_leads(Lead.created_at).where(Lead.first_response_at.is_null())
                        .order_by(Lead.created_at),
                        lambda since: f"waiting {ago(moment - since)}"),
        "replied": (_open_leads(Lead.awaiting_since).where(Lead.first_response_at.is_null(False)
                                                           & Lead.awaiting_since.is_null(False))
                    .order_by(Lead.awaiting_since),
                    lambda since: f"wrote back {ago(moment - since)} ago"),
        "overdue": (_open_leads(FollowUp.due).where(_answered() & (FollowUp.due < start)).order_by(FollowUp.due),
                    lambda since: f"due {ago(moment - since)} ago"),
        "due_today": (_open_leads(FollowUp.due).where(_answered() & (FollowUp.due >= start) & (FollowUp.due < end))
                      .order_by(FollowUp.due),
                      lambda since: f"due {since.strftime('%H:%M')} UTC" if since > moment else "due now"),
    }
    result = Today()
    for name, (query, reason) in queries.items():
        _fill(result, name, query, reason, limit)
    stale = None
    for stage in Stage.select().where((Stage.kind == "open") & (Stage.stale_days > 0)):
        part = (_open_leads(Lead.last_activity_at)
                .where(_answered() & (Lead.stage == stage.id)
                       & (Lead.last_activity_at < moment - timedelta(days=stage.stale_days))
                       & ~_pending_before(end)))
        stale = part if stale is None else stale | part
    if stale is not None:
        _fill(result, "stale", stale.order_by(pw.SQL("6")), lambda since: f"no activity for {ago(moment - since)}",
              limit)
    done = (FollowUp.select(Lead.id, Lead.name, Lead.company, Lead.email, Lead.phone, FollowUp.done_at,
                            FollowUp.id, FollowUp.title)
            .join(Lead, on=FollowUp.lead == Lead.id)
            .where(FollowUp.done_at >= start).order_by(FollowUp.done_at.desc()))
    _fill(result, "done_today", done, lambda since: "done " + _local_time(since), limit)
    return result


def _local_time(value: datetime) -> str:
    from datetime import UTC
    return value.replace(tzinfo=UTC).astimezone().strftime("%H:%M")


def _fill(result: Today, name: str, query: pw.ModelSelect, reason, limit: int) -> None:
    rows = list(query.limit(limit).tuples())
    result.sections[name] = [
        TodayItem(name, lead_id, lead_name, company, email, phone, reason(since), since, fid, title)
        for lead_id, lead_name, company, email, phone, since, fid, title in rows
    ]
    result.counts[name] = len(rows) if len(rows) < limit else query.order_by().count()
