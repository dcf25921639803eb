"""Leads as the command line shows them: JSON records (models.export's shape, keys in DESIGN.md)
found by what a user types, a filtered list, a lead's timeline."""
from __future__ import annotations

from typing import Any

from . import export, leads, stages
from .clock import iso
from .tables import Lead
from .timeline import timeline

Record = dict[str, Any]


def lead_id(ref: str) -> str:
    """The id of the lead a user means: id, id prefix, email or unique name (merges followed)."""
    return leads.find_lead(ref).id


def stage_id(name: str) -> str:
    return stages.find_stage(name).id


def lead_record(lead_id: str) -> Record:
    return next(export.lead_records(Lead.select().where(Lead.id == lead_id)))


def lead_records(stage: str | None = None, status: str = "all", limit: int = 0) -> list[Record]:
    """Live leads, newest first; by stage name, status (open, won, lost, all) and at most limit (0: all)."""
    query = leads.live().order_by(Lead.created_at.desc())
    if stage:
        query = query.where(Lead.stage == stage_id(stage))
    if status != "all":
        query = query.where(Lead.status == status)
    if limit:
        query = query.limit(limit)
    return list(export.lead_records(query))


def history(lead_id: str) -> list[Record]:
    """The lead's timeline, oldest first."""
    return [{"at": iso(e.at), "kind": e.kind, "summary": e.summary, "body": e.body, "author": e.author}
            for e in reversed(timeline(lead_id))]
