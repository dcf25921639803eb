"""The pipeline stages and lost reasons: few, each with a plain definition."""
from __future__ import annotations

from . import writes
from .errors import NotFound
from .tables import LostReason, Stage, database

DEFAULT_STAGES = [
    # name, kind, definition, follow-up interval (days), stale after (days), requires
    ("New", "open", "Inquiry received, not answered yet.", 0, 2, ""),
    ("Contacted", "open", "We replied and are talking about what they need.", 2, 7, ""),
    ("Quoted", "open", "An offer or price is out; waiting for their decision.", 3, 10, "value"),
    ("Won", "won", "They said yes: the job is ours.", 0, 0, ""),
    ("Lost", "lost", "They said no or went silent; we record why.", 0, 0, "reason"),
]
DEFAULT_LOST_REASONS = [
    "Price too high", "Went with a competitor", "No response", "Not a fit", "Bad timing", "Other",
]


def ensure_defaults() -> None:
    """Seed stages and lost reasons into an empty database."""
    with database.atomic("IMMEDIATE"):
        if not Stage.select().exists():
            for position, (name, kind, definition, days, stale, requires) in enumerate(DEFAULT_STAGES):
                writes.insert(Stage, name=name, kind=kind, definition=definition, position=position,
                              followup_days=days, stale_days=stale, requires=requires)
        if not LostReason.select().exists():
            for position, text in enumerate(DEFAULT_LOST_REASONS):
                writes.insert(LostReason, text=text, position=position)


def all_stages() -> list[Stage]:
    return list(Stage.select().order_by(Stage.position))


def open_stages() -> list[Stage]:
    return [s for s in all_stages() if s.kind == "open"]


def first_stage() -> Stage:
    stages = open_stages()
    if not stages:
        raise NotFound("There is no open stage: add one in Settings.")
    return stages[0]


def closing_stage(kind: str) -> Stage:
    for stage in all_stages():
        if stage.kind == kind:
            return stage
    raise NotFound(f"There is no {kind} stage.")


def find_stage(name: str) -> Stage:
    for stage in all_stages():
        if stage.name.lower() == name.strip().lower():
            return stage
    names = ", ".join(s.name for s in all_stages())
    raise NotFound(f"There is no stage '{name}': the stages are {names}.")


def lost_reasons() -> list[str]:
    return [r.text for r in LostReason.select().order_by(LostReason.position)]
