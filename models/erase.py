"""Erasing a lead for good, as a data-protection request needs: the lead, any leads merged into it,
their timelines, follow-ups and stored mail (mail_message rows and their bodies).

Synced rows go through models.writes, so team sync carries the deletes as tombstones and the
returned history.Undo can put them back. Stored mail is not synced, so the outbox does not
record it: undo restores the lead, its timeline and follow-ups, but erased mail stays erased.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import history, leads, writes
from .history import Undo
from .tables import Activity, FollowUp, Lead, MailMessage, database

MAIL_STAYS_ERASED = "Undo brings back the lead and its timeline; its stored mail stays erased."


@dataclass(frozen=True)
class Erased:
    name: str
    leads: int  # the lead and those merged into it
    activities: int
    followups: int
    mails: int
    undo: Undo | None


def erase_lead(ref: str) -> Erased:
    """Erase the lead a user means (id, email, name) with everything stored about it, in one transaction."""
    lead = leads.find_lead(ref)
    ids = [lead.id, *(row.id for row in Lead.select(Lead.id).where(Lead.merged_into == lead.id))]
    with database.atomic():
        mails, token = history.undoable(f"Erased {lead.name}", _erase, ids)
    return Erased(lead.name, len(ids), *_counts(token), mails, token)


def _erase(ids: list[str]) -> int:
    """Delete the rows (children first: the foreign keys hold); returns how many mails were erased."""
    for model in (Activity, FollowUp):
        for (row_id,) in model.select(model.id).where(model.lead.in_(ids)).tuples():
            writes.delete_row(model._meta.table_name, row_id)
    for row_id in reversed(ids):
        writes.delete_row("lead", row_id)
    return MailMessage.delete().where(MailMessage.lead_id.in_(ids)).execute()


def _counts(token: Undo | None) -> tuple[int, int]:
    """Activities and follow-ups the erase deleted, read from its own outbox records."""
    if token is None:
        return 0, 0
    rows = dict(database.execute_sql(
        "SELECT tbl, count(*) FROM outbox WHERE seq BETWEEN ? AND ? AND op = 'delete' GROUP BY tbl",
        [token.first, token.last]).fetchall())
    return rows.get("activity", 0), rows.get("follow_up", 0)
