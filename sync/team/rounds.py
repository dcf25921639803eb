"""Team sync as the desktop runs it in the background: a round (or the team's state) as plain data.

A background round must never end in an error dialog every minute: a missing folder, a
refused round or a damaged team file come back as an Outcome the status bar can show. No Qt.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from models import settings
from models.errors import LeadbookError

from . import team
from .folder import TEAM_FILE

MISSING = "Team folder not there — is the drive connected?"


@dataclass(frozen=True)
class Outcome:
    folder: Path | None  # None: this data folder is not in a team
    status: team.TeamStatus | None = None  # the team after the round (None when it could not be read)
    result: team.RoundResult | None = None  # None: no round ran (not in a team, a problem, or refused)
    problem: str | None = None  # why the folder could not be used: one sentence
    refused: str | None = None  # a round stopped before deleting or closing most leads: ask the user


@dataclass(frozen=True)
class TeamSetup:
    """What the Team settings show: the team as it stands, and who I am to it."""

    outcome: Outcome
    user_name: str
    email: str  # a first guess: the first of my own addresses


def sync_now(force: bool = False) -> Outcome:
    """One round and the team's state after it; problems and refusals as data, not exceptions."""
    folder = team.team_folder()
    if folder is None:
        return Outcome(None)
    try:
        result = team.sync_round(force=force)
    except team.SyncRefused as exc:
        return Outcome(folder, refused=str(exc))
    except LeadbookError as exc:
        return Outcome(folder, problem=_problem(folder, exc))
    return _with_status(folder, result)


def current() -> Outcome:
    """The team's state without a round (the Team settings on opening)."""
    folder = team.team_folder()
    return Outcome(None) if folder is None else _with_status(folder, None)


def setup() -> TeamSetup:
    addresses = [a.strip() for a in (settings.get("my_addresses") or "").replace(";", ",").split(",") if a.strip()]
    return TeamSetup(current(), settings.user_name(), addresses[0] if addresses else "")


def _with_status(folder: Path, result: team.RoundResult | None) -> Outcome:
    try:
        return Outcome(folder, team.status(), result)
    except LeadbookError as exc:
        return Outcome(folder, result=result, problem=_problem(folder, exc))


def _problem(folder: Path, exc: LeadbookError) -> str:
    """An unmounted drive shows as a missing folder or an empty mount point: say so plainly."""
    return MISSING if not (folder / TEAM_FILE).is_file() else str(exc)
