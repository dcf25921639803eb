"""Operations on a selection of leads (the Leads table, the board, the lead detail): move,
assign an owner, put off their next steps, export; and the rows the Leads table shows.

Each takes lead ids and plain values and returns plain data; called through the
controller's write, each runs as one transaction, except the *_in_steps ones (and reschedule),
which run in short transactions of their own (in_steps).
"""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import NamedTuple

import peewee as pw

from . import board, db, export, history, leads, members
from .board import Choices
from .clock import to_local
from .errors import NotFound
from .plural import counted
from .tables import Lead, Stage


class LeadTable(NamedTuple):
    choices: Choices  # stages, lost reasons and owners (no sources: that would be a full scan)
    ids: list[str]  # the leads the query matches, in its order (rows come a page at a time: board.lead_rows)
    total: int  # live leads, matching or not


def load_leads(query: board.LeadQuery = board.LeadQuery()) -> LeadTable:  # noqa: B008 - immutable
    """What the Leads table needs to show the query: its choices and the matching ids."""
    return db.released(LeadTable(board.choices(sources=False), board.lead_ids(query), board.lead_count()))


def move_leads(lead_ids: Sequence[str], stage_id: str, reason: str | None = None, value: str | None = None) -> int:
    """Move the leads to a stage with what it needs (a lost reason, a value); returns how many moved."""
    stage = Stage.get_or_none(Stage.id == stage_id)
    if stage is None:
        raise NotFound("That stage no longer exists: it was renamed or removed.")
    moved = 0
    for lead_id in lead_ids:
        lead = leads.find_lead(lead_id)
        if lead.stage_id != stage.id:
            leads.move_lead(lead, stage, reason=reason, value=value)
            moved += 1
    return moved


def move_lead(lead_id: str, stage_id: str, reason: str | None = None,
              value: str | None = None) -> history.Undo | None:
    """Move one lead (as move_leads); returns how to undo exactly that move (None: it was there already)."""
    name = leads.find_lead(lead_id).name
    stage = Stage.get_or_none(Stage.id == stage_id)
    text = f"Moved {name} to {stage.name if stage else 'another stage'}"
    _moved, token = history.undoable(text, move_leads, [lead_id], stage_id, reason, value)
    return token


def assign_owner(lead_ids: Sequence[str], owner_name: str) -> int:
    """Give the leads an owner (by name or email; a new name adds a member); '' unclaims them."""
    owner = members.find_member(owner_name) if owner_name.strip() else None
    for lead_id in lead_ids:
        leads.edit_lead(leads.find_lead(lead_id), owner=owner)
    return len(lead_ids)


def give_next_steps(lead_ids: Sequence[str]) -> history.Undo | None:
    """A dated next step ("Follow up", at each stage's usual interval) for every open lead among lead_ids
    that has none (a sync or an import can leave one so); returns how to undo it (None: none lacked one)."""
    def schedule() -> int:
        missing = [lead for lead in map(leads.find_lead, lead_ids)
                   if lead.status == "open" and leads.pending_followup(lead) is None]
        for lead in missing:
            leads.schedule_followup(lead)
        return len(missing)

    count, token = history.undoable("", schedule)
    return token and dataclasses.replace(token, text=f"Gave {counted(count, 'lead')} a next step")


STEP = 300  # leads a transaction: ~0.25 s of the write lock, so capture and the window write between


class InSteps(NamedTuple):
    count: int  # leads changed
    text: str  # what was done ("Moved 1,204 leads to Lost"), or why nothing was
    undos: list[history.Undo]  # one a transaction, oldest first: undo them newest first


Progress = Callable[[int, int], None] | None  # told (leads done, of how many) after each step


def in_steps(work: Callable[[Sequence[str]], int], lead_ids: Sequence[str],
             progress: Progress = None) -> tuple[int, list[history.Undo]]:
    """work(chunk) over lead_ids, STEP leads a transaction of their own (call it outside one: 50,000 leads
    would otherwise hold the write lock for most of a minute); (leads changed, an undo for each step).
    A step that fails takes back the ones before it: all of it or none."""
    count, undos = 0, []
    try:
        for start in range(0, len(lead_ids), STEP):
            changed, token = db.transaction(history.undoable, "", work, lead_ids[start:start + STEP])
            count += changed
            undos += [token] if token else []
            if progress:
                progress(min(start + STEP, len(lead_ids)), len(lead_ids))
    except BaseException:
        for token in reversed(undos):
            db.transaction(history.undo, token)
        raise
    return count, undos




def reschedule(lead_ids: Sequence[str], due: datetime, progress: Progress = None) -> InSteps:
    """Move the next step of every open lead among lead_ids to due (one without a step gets "Follow up"
    then): a whole import's steps, or a busy week's, put off at once, in steps."""
    def move(chunk: Sequence[str]) -> int:
        open_leads = [lead for lead in map(leads.find_lead, chunk) if lead.status == "open"]
        for lead in open_leads:
            leads.schedule_followup(lead, due)
        return len(open_leads)

    count, undos = in_steps(move, lead_ids, progress)
    day = to_local(due)
    return InSteps(count, f"Next step of {counted(count, 'lead')} on {day:%a} {day.day} {day:%b}" if count else
                   "None of the selected leads is open: closed leads have no next step.", undos)


def move_in_steps(lead_ids: Sequence[str], stage_id: str, reason: str | None = None, value: str | None = None,
                  progress: Progress = None) -> InSteps:
    """move_leads over a selection of any size, in steps."""
    stage = Stage.get_or_none(Stage.id == stage_id)
    count, undos = in_steps(lambda chunk: move_leads(chunk, stage_id, reason, value), lead_ids, progress)
    name = stage.name if stage else "that stage"
    return InSteps(count, f"Moved {counted(count, 'lead')} to {name}" if count else
                   f"The selected leads are in {name} already.", undos)


def assign_in_steps(lead_ids: Sequence[str], owner_name: str, progress: Progress = None) -> InSteps:
    """assign_owner over a selection of any size, in steps."""
    count, undos = in_steps(lambda chunk: assign_owner(chunk, owner_name), lead_ids, progress)
    return InSteps(count, f"Assigned {counted(count, 'lead')} to {owner_name.strip() or 'nobody'}", undos)


def export_selected(path: str, lead_ids: Sequence[str]) -> int:
    """Write the live leads among lead_ids to path, in the format its extension names; returns how many."""
    return export.export_leads(path, export.format_named(path), _selected(lead_ids))


def _selected(lead_ids: Sequence[str]) -> pw.ModelSelect:
    """Live leads among lead_ids, as one bound parameter (no SQLite variable limit at 100k ids)."""
    ids = pw.SQL("(SELECT value FROM json_each(?))", [json.dumps(list(lead_ids))])
    return leads.live().where(Lead.id.in_(ids))
