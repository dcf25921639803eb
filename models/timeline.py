"""Read queries for the lead detail: the lead itself, its timeline, merge candidates.

Plain frozen data only, so the results can be built off the UI thread.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from . import leads
from .tables import Activity, FollowUp, Lead, Member, Stage, database

KIND_TITLES = {
    "created": "New lead", "email_in": "Email received", "email_out": "Email sent", "call": "Call",
    "note": "Note", "meeting": "Meeting", "stage": "Stage", "edit": "Edited", "followup": "Follow-up",
    "merge": "Merged", "conflict": "Sync conflict", "claim": "Claimed",
}


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str  # created email_in email_out call note meeting stage edit followup merge conflict claim
    at: datetime  # naive UTC
    author: str
    summary: str
    body: str | None


@dataclass(frozen=True)
class NextStep:
    id: str
    title: str
    due: datetime  # naive UTC


@dataclass(frozen=True)
class LeadInfo:
    id: str
    name: str
    email: str | None
    phone: str | None  # E.164
    company: str | None
    source: str | None
    service: str | None
    value: float | None
    owner: str | None  # member name
    stage_id: str
    stage: str
    status: str  # open | won | lost
    lost_reason: str | None
    created_at: datetime
    last_activity_at: datetime
    next_step: NextStep | None


@dataclass(frozen=True)
class Candidate:
    """A lead that may be the same person: offered by "Merge with…"."""

    id: str
    name: str
    email: str | None
    phone: str | None
    company: str | None
    stage: str
    status: str
    created_at: datetime
    why: str  # "same email", "same phone", "same name"


def _parse(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def lead_info(lead_id: str) -> LeadInfo:
    """The lead (following merges) with its stage, owner and next step."""
    lead = leads.find_lead(lead_id)
    stage = Stage.get_by_id(lead.stage_id)
    owner = Member.get_or_none(Member.id == lead.owner_id) if lead.owner_id else None
    pending = (FollowUp.select().where((FollowUp.lead == lead.id) & FollowUp.done_at.is_null())
               .order_by(FollowUp.due).first())
    return LeadInfo(
        id=lead.id, name=lead.name, email=lead.email, phone=lead.phone, company=lead.company,
        source=lead.source, service=lead.service, value=lead.value, owner=owner.name if owner else None,
        stage_id=stage.id, stage=stage.name, status=lead.status, lost_reason=lead.lost_reason,
        created_at=lead.created_at, last_activity_at=lead.last_activity_at,
        next_step=NextStep(pending.id, pending.title, pending.due) if pending else None,
    )


def timeline(lead_id: str) -> list[Entry]:
    """The lead's activities, newest first."""
    query = (Activity.select(Activity.id, Activity.kind, Activity.at, Activity.author, Activity.summary,
                             Activity.body)
             .where(Activity.lead == lead_id)
             .order_by(Activity.at.desc(), Activity.id.desc()))
    return [Entry(aid, kind, _parse(at), author or "", summary or "", body)
            for aid, kind, at, author, summary, body in database.execute(query)]


def merge_candidates(lead_id: str, limit: int = 20) -> list[Candidate]:
    """Leads that may be the same person: same email or phone (leads.find_duplicates), then same name."""
    lead = leads.find_lead(lead_id)
    found: dict[str, tuple[Lead, str]] = {}
    for other in leads.find_duplicates(lead.email, lead.phone, exclude=lead.id):
        why = "same email" if lead.email and other.email == lead.email else "same phone"
        found.setdefault(other.id, (other, why))
    same_name = (leads.live()
                 .where((pw.fn.lower(Lead.name) == lead.name.strip().lower()) & (Lead.id != lead.id))
                 .order_by(Lead.status != "open", Lead.created_at).limit(limit))
    for other in same_name:
        found.setdefault(other.id, (other, "same name"))
    stage_names = {s.id: s.name for s in Stage.select(Stage.id, Stage.name)}
    return [Candidate(o.id, o.name, o.email, o.phone, o.company, stage_names.get(o.stage_id, ""), o.status,
                      o.created_at, why)
            for o, why in list(found.values())[:limit]]
