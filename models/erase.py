"""Erasing a lead for good, as a data-protection request needs: the lead, any leads merged into it,
their timelines, follow-ups and stored mail (mail_message rows and their bodies).

Synced rows go through models.writes, so team sync carries the deletes as tombstones. The outbox
would still hold the person's data (every record keeps the values it wrote), so the records about
the erased rows are emptied too: only the deletes themselves remain. Undo therefore works from the
rows kept in memory in the returned Erased (for as long as the window keeps it), and erased mail
stays erased.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from . import leads, writes
from .errors import RuleError
from .tables import Activity, FollowUp, Lead, MailMessage, database

MAIL_STAYS_ERASED = "Undo brings back the lead and its timeline; its stored mail stays erased."


@dataclass(frozen=True)
class Erased:
    name: str
    leads: int  # the lead and those merged into it
    activities: int
    followups: int
    mails: int
    rows: tuple[tuple[str, dict[str, Any]], ...]  # what undo puts back, parents first (in memory only)


def erase_lead(ref: str) -> Erased:
    """Erase the lead a user means (id, email, name) with everything stored about it, in one transaction."""
    lead = leads.find_lead(ref)
    ids = [lead.id, *(row.id for row in Lead.select(Lead.id).where(Lead.merged_into == lead.id))]
    with database.atomic():
        mark = writes.last_seq()
        mails = _erase(ids)
        deleted = database.execute_sql("SELECT tbl, row_id, old FROM outbox WHERE seq > ? AND op = 'delete' "
                                       "ORDER BY seq DESC", [mark]).fetchall()  # newest first: parents first
        _scrub([(table, row_id) for table, row_id, _old in deleted])
    rows = tuple((table, json.loads(old)) for table, _row_id, old in deleted)
    count = {table: sum(1 for t, _ in rows if t == table) for table in ("activity", "follow_up")}
    return Erased(lead.name, len(ids), count["activity"], count["follow_up"], mails, rows)


def restore(erased: Erased) -> None:
    """Undo an erase: the lead, its timeline and follow-ups come back exactly (recorded like new rows)."""
    for table, row in erased.rows:
        if writes.stored_row(table, row["id"]) is not None:
            raise RuleError(f"{erased.name} is back already: nothing was restored.")
        writes.insert_rows(table, [row])


def _erase(ids: list[str]) -> int:
    """Delete the rows (children first: the foreign keys hold); returns how many mails were erased."""
    for model in (Activity, FollowUp):
        for (row_id,) in model.select(model.id).where(model.lead.in_(ids)).tuples():
            writes.delete_row(model._meta.table_name, row_id)
    for row_id in reversed(ids):
        writes.delete_row("lead", row_id)
    return MailMessage.delete().where(MailMessage.lead_id.in_(ids)).execute()


def _scrub(rows: list[tuple[str, str]]) -> None:
    """Empty every outbox record about the erased rows; the deletes stay (teammates need the tombstones)."""
    for table, row_id in rows:
        database.execute_sql("UPDATE outbox SET data = '{}', old = NULL WHERE tbl = ? AND row_id = ?",
                             [table, row_id])
