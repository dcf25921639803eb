"""The team commands of `leadbook`: team create/join/status/leave, sync, claim. No Qt.

`register(sub, command)` adds them to the main command's subparsers. A passphrase is read
only from standard input (or typed at a hidden prompt), never from the command line, and
never printed or logged.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from models.clock import iso, now
from models.plural import counted

from .cli_mail import _print, read_secret
from .columns import cell

REFUSED = 3  # exit code of a sync round that stopped to ask (run again with --force)
NOT_IN_A_TEAM = ("This data folder is not in a team: make one with `leadbook team create FOLDER` or join one "
                 "with `leadbook team join FOLDER`.")


def _read_passphrase(args: argparse.Namespace, prompt: str) -> str | None:
    return read_secret(args.passphrase_stdin, "--passphrase-stdin", "passphrase", prompt)


def _ago(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    seconds = max(0, int((now() - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


# --- team ----------------------------------------------------------------------------------------

def _status_record(status: Any) -> dict[str, Any]:
    return {"folder": str(status.folder), "team_id": status.team_id, "encrypted": status.encrypted,
            "devices": [{"device_id": d.device_id, "member": d.member, "last_seen": iso(d.last_seen),
                         "applied": d.applied, "pending": d.pending, "held_back": d.held_back, "is_me": d.is_me}
                        for d in status.devices],
            "conflicts": status.conflicts, "foreign": list(status.foreign), "clock_warning": status.clock_warning,
            "last_round": iso(status.last_round)}


def _status_text(status: Any) -> str:
    lines = [f"Team folder {status.folder} ({'encrypted' if status.encrypted else 'not encrypted'}), "
             f"last round {_ago(status.last_round)}."]
    for d in status.devices:
        me = "  (this computer)" if d.is_me else ""
        lines.append(f"  {d.device_id[:8]}  {cell(d.member, 24)}  seen {_ago(d.last_seen):12}  applied {d.applied}, "
                     f"pending {d.pending}, held back {d.held_back}{me}")
    if status.conflicts:
        lines.append(status.conflicts_note())
    if status.clock_warning:
        lines.append(status.clock_warning)
    if status.foreign:
        lines.append(status.foreign_note(most=len(status.foreign)))
    return "\n".join(lines)


def cmd_team_status(args: argparse.Namespace) -> int:
    from sync.team import team

    status = team.status()
    if status is None:
        _print(args, None, NOT_IN_A_TEAM)
    else:
        _print(args, _status_record(status), _status_text(status))
    return 0


def _member(args: argparse.Namespace) -> tuple[str, str | None]:
    from models import settings  # command modules load when their command runs: the window starts faster

    return (args.name or settings.user_name()).strip(), args.email


def cmd_team_create(args: argparse.Namespace) -> int:
    from sync.team import team

    passphrase = _read_passphrase(args, "Team passphrase (leave empty for no encryption): ")
    status = team.create(Path(args.folder).expanduser(), passphrase, *_member(args))
    locked = "encrypted with the passphrase" if status.encrypted else "not encrypted"
    _print(args, _status_record(status),
           f"Made a team in {status.folder} ({locked}). Teammates join with `leadbook team join FOLDER` once the "
           "folder has synced to their computer.")
    return 0


def cmd_team_join(args: argparse.Namespace) -> int:
    from sync.team import team

    passphrase = _read_passphrase(args, "Team passphrase (empty if the team has none): ")
    status = team.join(Path(args.folder).expanduser(), passphrase, *_member(args))
    others = sum(1 for d in status.devices if not d.is_me)
    _print(args, _status_record(status), f"Joined the team in {status.folder} with {counted(others, 'other device')}.")
    return 0


def cmd_team_leave(args: argparse.Namespace) -> int:
    from sync.team import team

    team.leave()
    print("Left the team: this computer keeps its leads and no longer syncs; the team folder is untouched.")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from sync.team import team

    try:
        result = team.sync_round(force=args.force)
    except team.SyncRefused as exc:
        text = str(exc)
        print(f"leadbook: {text}" + ("" if "--force" in text else " Run `leadbook sync --force` to go on."),
              file=sys.stderr)
        return REFUSED
    lines = [f"Sent {counted(result.sent, 'change')}, received {result.received:,}"
             + (f", {counted(result.conflicts, 'conflict')} on the timelines" if result.conflicts else "")
             + (f", {result.held_back} held back" if result.held_back else "") + "."]
    lines += [f"Skipped {what}." for what in result.skipped]
    if result.warning:
        lines.append(result.warning)
    _print(args, {"sent": result.sent, "received": result.received, "conflicts": result.conflicts,
                  "held_back": result.held_back, "skipped": list(result.skipped), "warning": result.warning},
           "\n".join(lines))
    return 0


# --- ownership -----------------------------------------------------------------------------------

def cmd_claim(args: argparse.Namespace) -> int:
    from models import members, records

    claimed = members.claim(args.lead)
    record = records.lead_record(claimed.lead_id)
    if not claimed.changed:
        text = f"{claimed.lead_name} is already yours."
    else:
        text = f"{claimed.lead_name} is now {claimed.member_name}'s" + (
            f" (was {claimed.previous_owner}'s)." if claimed.previous_owner else ".")
    _print(args, record, text)
    return 0


# --- parser --------------------------------------------------------------------------------------

def register(sub: Any, command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the team commands to the main command's subparsers, each made by `command` (cli.add_command)."""
    team = command(sub, "team", cmd_team_status, "share the pipeline with teammates through a synced folder",
                   json_flag=True)
    actions = team.add_subparsers(title="actions", metavar="ACTION")
    for name, func, text, folder_help in (
            ("create", cmd_team_create, "make a new team in a folder your team syncs (Dropbox, OneDrive, a share…)",
             "an empty or new folder inside the synced folder"),
            ("join", cmd_team_join, "join a team from a data folder without leads",
             "the team's folder as it appears on this computer")):
        p = command(actions, name, func, text, json_flag=True)
        p.add_argument("folder", metavar="FOLDER", help=folder_help)
        p.add_argument("--passphrase-stdin", action="store_true",
                       help="read the team passphrase from the first line of standard input (never give it on "
                            "the command line); without it a terminal asks, hidden")
        p.add_argument("--name", help="your name as teammates see it (default: your user name)")
        p.add_argument("--email", help="your email address: teammates' computers know you by it")
    command(actions, "status", cmd_team_status, "devices, when each was last seen, what is pending, held back "
            "or in conflict", json_flag=True)
    command(actions, "leave", cmd_team_leave, "stop syncing (this computer keeps its leads)")

    p = command(sub, "sync", cmd_sync, "one sync round with the team folder: send, receive, tidy up "
                f"(exit code {REFUSED}: it stopped to ask, see --force)", json_flag=True)
    p.add_argument("--force", action="store_true",
                   help="apply changes even when they would delete or close most of the leads")

    p = command(sub, "claim", cmd_claim, "make a lead yours (new inquiries belong to nobody until claimed)",
                json_flag=True, writes=True)
    p.add_argument("lead", metavar="LEAD", help="id, id prefix (6+ characters), email or unique name")
