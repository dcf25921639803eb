"""Done and Snooze: ticking off a lead's next step, pushing one back, and undoing either.

complete() and snooze() return a history.Undo for exactly what they wrote; undo() restores
the rows as they were before, in one transaction (the completed step is pending again, a
closed lead open again in its old stage, a first reply unrecorded), or refuses when those
rows have changed since.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import history, leads, stages
from .clock import now, to_local
from .history import Undo
from .tables import Lead


@dataclass(frozen=True)
class LeadBrief:
    """What the Done dialog needs to know about a lead."""
    lead_id: str
    name: str
    stage: str
    step_title: str | None
    default_days: int  # when the next step falls due if the user picks no date
    next_stage: str  # the stage the default interval belongs to
    lost_reasons: tuple[str, ...]


@dataclass(frozen=True)
class DoneChoice:
    outcome: str | None = None
    next_title: str | None = None
    next_due: datetime | None = None  # None: the stage's interval
    close: str | None = None  # None | "won" | "lost"
    reason: str | None = None
    value: str | None = None


def load_brief(lead_id: str) -> LeadBrief:
    lead = leads.find_lead(lead_id)
    pending = leads.pending_followup(lead)
    stage = lead.stage
    opens = stages.open_stages()
    # Ticking off the first reply moves a New lead on: its next step follows that stage's interval.
    if pending is not None and pending.title == leads.RESPOND and opens and stage.id == opens[0].id and len(opens) > 1:
        stage = opens[1]
    return LeadBrief(lead.id, lead.name, lead.stage.name, pending.title if pending else None,
                     stage.followup_days, stage.name, tuple(stages.lost_reasons()))


def complete(lead_id: str, choice: DoneChoice) -> Undo | None:
    """Tick off the pending step with the user's choice; returns how to undo it."""
    lead = leads.find_lead(lead_id)
    pending = leads.pending_followup(lead)
    step = pending.title if pending is not None else "next step"
    text = f"{lead.name} closed as {choice.close}" if choice.close else f"Done: {step} — {lead.name}"
    _next, token = history.undoable(text, _tick_off, lead, choice)
    return token


def _tick_off(lead: Lead, choice: DoneChoice) -> None:
    """Done on a lead that wrote back answers them too: it leaves "Replied" with the step ticked off."""
    if lead.status == "open" and lead.awaiting_since is not None and lead.first_response_at is not None:
        leads.record_response(lead, now())
    leads.complete_followup(lead, outcome=choice.outcome, next_due=choice.next_due, next_title=choice.next_title,
                            close=choice.close, reason=choice.reason, value=choice.value)


def snooze(lead_id: str, due: datetime) -> Undo | None:
    """Move the pending step to due (keeping its title); returns how to undo it."""
    lead = leads.find_lead(lead_id)
    day = to_local(due)
    _step, token = history.undoable(f"Snoozed {lead.name} to {day:%a} {day.day} {day:%b}",
                                    leads.schedule_followup, lead, due)
    return token


def undo(token: Undo) -> None:
    """Restore exactly the state before the operation token came from."""
    history.undo(token)
