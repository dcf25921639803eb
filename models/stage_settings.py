"""Editing the pipeline stages and the lost reasons (Settings): few, renamable, reorderable.

Both go through models.writes (the one write path team sync records) in one
transaction. Open stages are ordered by the user; the closing stages (Won, Lost) always
come after them. A stage that still holds leads cannot be removed.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import writes
from .errors import InvalidInput, RuleError
from .plural import counted
from .stages import all_stages
from .tables import Lead, LostReason, Stage, database

MAX_OPEN_STAGES = 7
MAX_LOST_REASONS = 12


@dataclass(frozen=True)
class StageEdit:
    """One row of the stages table as the user left it. id None: a new open stage."""

    id: str | None
    name: str
    definition: str = ""
    followup_days: int = 2
    stale_days: int = 14
    kind: str = "open"  # open | won | lost (closing stages keep their kind)


@dataclass(frozen=True)
class ReasonEdit:
    """One lost reason as the user left it. id None: a new reason."""

    id: str | None
    text: str


def current_stages() -> tuple[StageEdit, ...]:
    """The stages as the Settings table starts out: in order, open ones first."""
    return tuple(StageEdit(s.id, s.name, s.definition, s.followup_days, s.stale_days, s.kind)
                 for s in all_stages())


def current_lost_reasons() -> tuple[ReasonEdit, ...]:
    return tuple(ReasonEdit(r.id, r.text) for r in LostReason.select().order_by(LostReason.position))


def _check_stages(edits: Sequence[StageEdit]) -> None:
    names = [e.name.strip() for e in edits]
    if any(not n for n in names):
        raise InvalidInput("Every stage needs a name.")
    lowered = [n.lower() for n in names]
    for name in names:
        if lowered.count(name.lower()) > 1:
            raise InvalidInput(f"Two stages are called '{name}': stage names must differ.")
    open_count = sum(1 for e in edits if e.kind == "open")
    if open_count == 0:
        raise InvalidInput("Keep at least one open stage: new inquiries start in the first one.")
    if open_count > MAX_OPEN_STAGES:
        raise InvalidInput(f"At most {MAX_OPEN_STAGES} open stages: a short pipeline is one people keep current.")
    for e in edits:
        if e.followup_days < 0 or e.stale_days < 0:
            raise InvalidInput(f"Stage '{e.name.strip()}': days cannot be negative.")
        if e.kind not in ("open", "won", "lost"):
            raise InvalidInput(f"'{e.kind}' is not a kind of stage.")


def save_stages(edits: Sequence[StageEdit]) -> list[Stage]:
    """Make the stages match `edits` (in that order, open ones first): rename, reorder, add, remove.

    Closing stages (won, lost) cannot be added or removed here. Removing an open stage that
    still has leads raises RuleError and changes nothing.
    """
    _check_stages(edits)
    ordered = [e for e in edits if e.kind == "open"] + [e for e in edits if e.kind != "open"]
    with database.atomic("IMMEDIATE"):
        current = {s.id: s for s in Stage.select()}
        kept = {e.id for e in ordered if e.id}
        unknown = kept - current.keys()
        if unknown:
            raise RuleError("A stage was changed elsewhere meanwhile: close Settings and open it again.")
        for stage in current.values():
            if stage.id in kept:
                continue
            if stage.kind != "open":
                raise RuleError(f"The {stage.name} stage closes leads and cannot be removed (rename it instead).")
            if Lead.select().where(Lead.stage == stage.id).exists():
                count = Lead.select().where(Lead.stage == stage.id).count()
                raise RuleError(f"The stage '{stage.name}' still holds {counted(count, 'lead')}: move them to another "
                                "stage first.")
        for edit in ordered:
            if edit.id and current[edit.id].kind != edit.kind:
                raise RuleError(f"The stage '{current[edit.id].name}' cannot change between open and closing.")
        # removals first, then free every name that moves, so swaps cannot hit the unique index
        for stage in list(current.values()):
            if stage.id not in kept:
                writes.delete(stage)
                del current[stage.id]
        wanted = {e.id: e.name.strip() for e in ordered if e.id}
        taken = {s.name.lower(): s for s in current.values()}
        for edit in ordered:
            holder = taken.get(edit.name.strip().lower())
            if holder is not None and holder.id != edit.id and wanted.get(holder.id, "").lower() != holder.name.lower():
                writes.update(holder, name=f"{holder.name} ({holder.id[:8]})")
        result = []
        for position, edit in enumerate(ordered):
            values = dict(name=edit.name.strip(), definition=edit.definition.strip(), position=position,
                          followup_days=int(edit.followup_days), stale_days=int(edit.stale_days))
            if edit.id:
                result.append(writes.update(current[edit.id], **values))
            else:
                result.append(writes.insert(Stage, kind="open", requires="", **values))
    return result


def save_lost_reasons(edits: Sequence[ReasonEdit]) -> list[str]:
    """Make the lost reasons match `edits` (in order). Leads keep the reason text they were lost with."""
    texts = [e.text.strip() for e in edits]
    if not texts or any(not t for t in texts):
        raise InvalidInput("Keep at least one lost reason, and give each one some text.")
    if len(texts) > MAX_LOST_REASONS:
        raise InvalidInput(f"At most {MAX_LOST_REASONS} lost reasons: a short list gives useful numbers.")
    lowered = [t.lower() for t in texts]
    for text in texts:
        if lowered.count(text.lower()) > 1:
            raise InvalidInput(f"The lost reason '{text}' is listed twice.")
    with database.atomic("IMMEDIATE"):
        current = {r.id: r for r in LostReason.select()}
        kept = {e.id for e in edits if e.id}
        for reason in list(current.values()):
            if reason.id not in kept:
                writes.delete(reason)
                del current[reason.id]
        taken = {r.text.lower(): r for r in current.values()}
        for edit in edits:
            holder = taken.get(edit.text.strip().lower())
            if holder is not None and holder.id != edit.id:
                writes.update(holder, text=f"{holder.text} ({holder.id[:8]})")
        for position, edit in enumerate(edits):
            if edit.id and edit.id in current:
                writes.update(current[edit.id], text=edit.text.strip(), position=position)
            else:
                writes.insert(LostReason, text=edit.text.strip(), position=position)
    return [r.text for r in LostReason.select().order_by(LostReason.position)]
