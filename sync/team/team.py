"""A team: several data folders sharing one pipeline through a folder the team already syncs.

Each device keeps its own database and writes only its own files in the shared folder. One
round ships this device's new changes as a segment, applies every other device's new
segments (each in one transaction, read positions advancing with it), writes this device's
state (what it has applied, its clock, what it holds back) and keeps the folder small: a
snapshot now and then, and this device's own segments deleted once every device has applied
them and every device's newest snapshot covers them, so a late joiner always finds a
snapshot plus the segments after it.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from models import hlc, members, replica, settings
from models.clock import iso, now
from models.errors import LeadbookError, RuleError
from models.plural import counted
from models.tables import Activity, Lead, Member, database

from .. import credentials
from .folder import Folder, TeamFolderError, create_team, read_team, unlock
from .transport import Transport

log = logging.getLogger("leadbook.team")

SNAPSHOT_EVERY = 100  # own segments after the newest own snapshot before a new one is written
RISK_SHARE, RISK_MIN = 0.5, 10  # a round that would delete or close more than half (and 10+) open leads asks first
CLOCK_SLACK = timedelta(minutes=10)  # a teammate's state written this far in our future: our clock is behind
KEYS = ("team_folder", "team_id", "team_encrypted", "team_last_round", "team_held", "team_pruned")


class SyncRefused(LeadbookError):
    """A round would delete or close most of the leads: nothing was applied; the user decides."""


@dataclass(frozen=True)
class DeviceStatus:
    device_id: str
    member: str
    last_seen: datetime | None
    applied: int  # segments of theirs applied here
    pending: int  # segments of theirs not applied yet
    held_back: int  # their changes held back (stamped too far ahead)
    is_me: bool


@dataclass(frozen=True)
class TeamStatus:
    folder: Path
    team_id: str
    encrypted: bool
    devices: tuple[DeviceStatus, ...]
    conflicts: int
    foreign: tuple[str, ...]
    clock_warning: str | None
    last_round: datetime | None

    def conflicts_note(self) -> str:
        """What the conflicts mean, for the window and the command line ("" without any)."""
        n = self.conflicts
        return f"{counted(n, 'sync conflict')} {'is' if n == 1 else 'are'} on the leads' timelines: both values are " \
               "kept there." if n else ""

    def foreign_note(self, most: int = 5) -> str:
        """The files in the folder that are not Leadbook's, the first `most` named ("" without any)."""
        n, shown = len(self.foreign), ", ".join(self.foreign[:most]) + ("…" if len(self.foreign) > most else "")
        return f"Skipped {counted(n, 'file')} that {'is' if n == 1 else 'are'} not Leadbook's (copies made by the " \
               f"sync tool?): {shown}" if n else ""


@dataclass(frozen=True)
class RoundResult:
    sent: int
    received: int
    conflicts: int
    held_back: int
    skipped: tuple[str, ...]
    warning: str | None


# --- joining and leaving ------------------------------------------------------------------------

def create(folder: Path, passphrase: str | None, member_name: str, member_email: str | None) -> TeamStatus:
    """Make a new team in an empty (or new) folder; this data folder's leads are its starting point."""
    _not_in_a_team()
    folder = Path(folder)
    info, key = create_team(folder, passphrase)
    _remember(folder, info.team_id, key)
    with database.atomic("IMMEDIATE"):
        members.become_member(member_name, member_email)
        replica.reset_outbox()  # everything so far travels in the first snapshot
    shared = _folder(folder, key)
    _write_snapshot(shared)
    _write_state(shared, {})
    return _status(shared)


def join(folder: Path, passphrase: str | None, member_name: str, member_email: str | None) -> TeamStatus:
    """Join a team from a data folder without leads: start from the newest snapshot, then catch up."""
    _not_in_a_team()
    folder = Path(folder)
    info = read_team(folder)
    if info.encrypted and not passphrase:
        raise TeamFolderError("This team's folder is encrypted: give its passphrase (--passphrase-stdin).")
    key = unlock(folder, passphrase) if info.encrypted else None
    held = Lead.select().where(Lead.merged_into.is_null()).count()
    if held:
        raise RuleError(f"This data folder already holds {held:,} leads: join with a new data folder "
                        "(--data-dir), then import them (leadbook export, leadbook import).")
    shared = _folder(folder, key)
    with database.atomic("IMMEDIATE"):
        replica.load_snapshot(_snapshot_to_join(shared))
        replica.reset_outbox()
        members.become_member(member_name, member_email)  # recorded after the reset: the team hears of the new member
    _remember(folder, info.team_id, key)
    sync_round()
    return _status(shared)


def leave() -> None:
    """Stop syncing; this device's data stays as it is, and teammates see it has left."""
    path = team_folder()
    if path is None:
        raise RuleError("This data folder is not in a team.")
    team_id = settings.get("team_id") or ""
    try:
        _write_state(_open(), _held(), left=True)
    except LeadbookError as exc:  # an unreachable folder must not keep anyone in a team
        log.warning("could not tell the team folder this device left: %s", exc)
    credentials.delete_team_key(team_id)
    with database.atomic():
        for key in KEYS:
            settings.put(key, "")


# --- one round ------------------------------------------------------------------------------------

def sync_round(force: bool = False) -> RoundResult:
    """Ship what changed here, apply what changed elsewhere, keep the folder small."""
    shared = _open()
    sent = _send(shared)
    states = _states(shared)  # teammates' files change only when they write: read each once a round
    received, conflicts, held, skipped = _receive(shared, states, force)
    _maintain(shared, states)
    _write_state(shared, held)
    with database.atomic():
        settings.put("team_last_round", iso(now()) or "")
        settings.put("team_held", json.dumps(held))
    return RoundResult(sent, received, conflicts, sum(held.values()), tuple(skipped), _clock_warning(states, held))


def _send(shared: Transport) -> int:
    if replica.needs_snapshot():  # a restore replaced the rows outside the record
        _write_snapshot(shared)
    sent = 0
    while True:
        with database.atomic("IMMEDIATE"):
            drain = replica.drain()
            if not drain.ops:
                replica.shipped(drain, replica.next_segment() - 1)
                return sent
            number = replica.next_segment()
            shared.write_segment(number, drain.ops)  # the file first: a crash before the commit only repeats it
            replica.shipped(drain, number)
        sent += len(drain.ops)


def _receive(shared: Transport, states: dict[str, dict], force: bool) -> tuple[int, int, dict[str, int], list[str]]:
    """Apply every device's next segments, in order, passing again while a pass gets further (a segment
    may wait for a row another device's segment brings)."""
    me = hlc.device_id()
    others = [d for d in states if d != me]
    with database.atomic():
        for device in [me, *others]:
            replica.note_member(device, members.my_member_id() if device == me else states[device].get("member_id"))
    received = conflicts = 0
    progress = True
    while progress:
        progress, held, skipped = False, {}, []
        for device in others:
            segments, applied, found, waiting = _receive_from(shared, states, device, force, skipped)
            progress |= segments > 0
            received, conflicts = received + applied, conflicts + found
            if waiting:
                held[device] = waiting
    return received, conflicts, held, skipped


def _receive_from(shared: Transport, states: dict[str, dict], device: str, force: bool,
                  skipped: list[str]) -> tuple[int, int, int, int]:
    """(segments applied, ops applied, conflicts, ops held back for a clock ahead) from one device."""
    done = replica.positions().get(device, 0)
    segments = applied = conflicts = 0
    for number in shared.segments(device, after=done):
        if number != done + 1:  # the one before has not arrived yet, or was pruned while we were away
            gone = int(states[device].get("pruned", 0)) > done
            skipped.append(f"{_member_of(states, device)}: changes {done + 1}–{number - 1} "
                           + ("are gone: leave the team and join again to catch up" if gone
                              else "have not arrived yet (still syncing?)"))
            break
        ops = shared.read_segment(device, number)
        if ops is None:
            skipped.append(f"{_member_of(states, device)}: segment {number} is not complete yet (still syncing?)")
            break
        if not force:
            _check_risk(states, device, ops)
        result = replica.apply(device, number, ops)
        if result.held_back:
            if any(hlc.wall(op[0]) > now() + replica.AHEAD for op in ops):
                return segments, applied, conflicts, result.held_back
            skipped.append(f"{_member_of(states, device)}: segment {number} waits for changes from another device")
            break
        segments, done = segments + 1, number
        applied, conflicts = applied + result.applied, conflicts + result.conflicts
    return segments, applied, conflicts, 0


def _check_risk(states: dict[str, dict], device: str, ops: list[list]) -> None:
    closing, open_now = replica.risk(ops)
    if closing >= RISK_MIN and closing > open_now * RISK_SHARE:
        raise SyncRefused(f"Changes from {_member_of(states, device)} would delete or close {closing:,} "
                          f"of your {open_now:,} "
                          "open leads, so nothing more was applied. Check with them; to apply them anyway, "
                          "run `leadbook sync --force`.")


# --- keeping the folder small ---------------------------------------------------------------------

def _maintain(shared: Transport, states: dict[str, dict]) -> None:
    me, own = hlc.device_id(), replica.next_segment() - 1
    mine = [n for device, n in shared.snapshots() if device == me]
    newest = max(mine, default=None)
    # A device that has just joined has nothing of its own to cover yet: writing the whole team again
    # right away took as long as the join itself (100k leads: 14 s).
    if own - (newest or 0) >= SNAPSHOT_EVERY:
        newest = _write_snapshot(shared)
    # Delete own segments every device has applied and every device's newest snapshot covers, once a
    # snapshot of this device's covers them too (a later joiner may have no other way to them).
    covered = [newest or 0]
    for device, state in states.items():
        if device == me or not state or state.get("left"):
            continue
        covered.append(int(state.get("positions", {}).get(me, 0)))
        covered.append(int(state.get("snapshot", {}).get("positions", {}).get(me, 0)))
    upto = min(covered)
    shared.prune(upto, keep_snapshot=newest)
    settings.put("team_pruned", str(upto))


def _write_snapshot(shared: Transport) -> int:
    number = replica.next_segment() - 1
    shared.write_snapshot(number, _snapshot_stream())
    return number


def _snapshot_stream() -> Iterator[list]:
    yield ["meta", {"made": hlc.tick(), "positions": _positions_with_me()}]
    yield from replica.snapshot_records()


def _positions_with_me() -> dict[str, int]:
    return {**replica.positions(), hlc.device_id(): replica.next_segment() - 1}


def _snapshot_to_join(shared: Transport) -> Iterable[list]:
    """The newest snapshot from which every device's later segments are all still there."""
    candidates = []
    for device, number in shared.snapshots():
        stream = shared.read_snapshot(device, number)
        first = next(stream, None) if stream is not None else None
        if first is None or first[0] != "meta":
            continue
        candidates.append((first[1]["made"], device, number, first[1]["positions"]))
    states = _states(shared)
    for _made, device, number, positions in sorted(candidates, reverse=True):
        if all(_continues(shared, states, other, positions.get(other, 0)) for other in states):
            stream = shared.read_snapshot(device, number)
            if stream is not None:
                next(stream)  # the meta record
                return stream
    raise TeamFolderError("The team folder has no complete snapshot yet (still syncing?): try again in a while.")


def _continues(shared: Transport, states: dict[str, dict], device: str, position: int) -> bool:
    """Every segment of the device after position is there (its state says how many it wrote)."""
    later, written = shared.segments(device, after=position), int(states[device].get("own", 0))
    return later[0] == position + 1 and later[-1] >= written if later else written <= position


# --- this device's state in the folder ---------------------------------------------------------

def _write_state(shared: Transport, held: dict[str, int], left: bool = False) -> None:
    me, member_id = hlc.device_id(), members.my_member_id()
    member = Member.get_by_id(member_id).name if member_id else settings.user_name()
    snapshots = [n for device, n in shared.snapshots() if device == me]
    shared.write_state({
        "device": me, "member_id": member_id, "member": member,
        "written": iso(now()), "positions": replica.positions(), "own": replica.next_segment() - 1,
        "snapshot": {"number": max(snapshots, default=0), "positions": _positions_with_me()},
        "held": held, "left": left, "pruned": int(settings.get("team_pruned") or 0),
    })


def _clock_warning(states: dict[str, dict], held: dict[str, int]) -> str | None:
    me, moment = hlc.device_id(), now()
    for device, state in states.items():
        if device == me or not state:
            continue
        if state.get("held", {}).get(me):
            return (f"{state.get('member') or device[:8]} holds back your changes: this computer's clock is "
                    "ahead. Set the date and time automatically.")
        written = _parse(state.get("written"))
        if written and written > moment + CLOCK_SLACK:
            hours = (written - moment).total_seconds() / 3600
            return (f"This computer's clock looks {hours:.1f} h behind {state.get('member') or 'a teammate'}'s. "
                    "Set the date and time automatically.")
    if held:
        who = ", ".join(_member_of(states, d) for d in held)
        return f"Changes from {who} are stamped more than a day ahead and wait until their clock is right."
    return None


# --- status ----------------------------------------------------------------------------------------

def status() -> TeamStatus | None:
    """The team as this device sees it (None: not in a team)."""
    return None if team_folder() is None else _status(_open())


def _status(shared: Transport) -> TeamStatus:
    me, positions, held, states = hlc.device_id(), replica.positions(), _held(), _states(shared)
    devices = []
    for device, state in states.items():
        applied = replica.next_segment() - 1 if device == me else positions.get(device, 0)
        devices.append(DeviceStatus(device, state.get("member") or "?", _parse(state.get("written")), applied,
                                    0 if device == me else len(shared.segments(device, after=applied)),
                                    held.get(device, 0), device == me))
    return TeamStatus(team_folder() or Path(), settings.get("team_id") or "", settings.get("team_encrypted") == "1",
                      tuple(devices), Activity.select().where(Activity.kind == "conflict").count(),
                      tuple(shared.foreign()), _clock_warning(states, held), _parse(settings.get("team_last_round")))


# --- helpers ---------------------------------------------------------------------------------------

def team_folder() -> Path | None:
    value = settings.get("team_folder")
    return Path(value) if value else None


def _open() -> Transport:
    path = team_folder()
    if path is None:
        raise RuleError("This data folder is not in a team: `leadbook team create FOLDER` or `team join FOLDER`.")
    info = read_team(path)
    if info.team_id != settings.get("team_id"):
        raise TeamFolderError(f"{path} now holds another team than the one this data folder joined.")
    key = credentials.get_team_key(info.team_id) if info.encrypted else None
    if info.encrypted and key is None:
        raise TeamFolderError("The team key is not in this computer's keychain: leave the team and join again.")
    return _folder(path, key)


def _folder(path: Path, key: bytes | None) -> Transport:
    return Folder(path, hlc.device_id(), key)


def _remember(folder: Path, team_id: str, key: bytes | None) -> None:
    if key is not None:
        credentials.set_team_key(team_id, key)
    with database.atomic():
        settings.put("team_folder", str(folder.resolve()))
        settings.put("team_id", team_id)
        settings.put("team_encrypted", "1" if key is not None else "0")


def _not_in_a_team() -> None:
    if team_folder() is not None:
        raise RuleError(f"This data folder is already in the team at {team_folder()}: `leadbook team leave` first.")


def _held() -> dict[str, int]:
    return json.loads(settings.get("team_held") or "{}")


def _states(shared: Transport) -> dict[str, dict]:
    """Every device's state file ({} where it cannot be read yet), by device id."""
    return {device: shared.read_state(device) or {} for device in shared.devices()}


def _member_of(states: dict[str, dict], device: str) -> str:
    return states.get(device, {}).get("member") or f"device {device[:8]}"


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.rstrip("Z"))
