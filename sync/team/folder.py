"""The team folder as a transport: the team file, each device's own files, and everything else skipped.

    <team>/leadbook-team.json                         format, team id, how a passphrase becomes the key
    <team>/devices/<device id>/ops-00000001.lbk       the ops of one drain, never rewritten
    <team>/devices/<device id>/state.lbk              the device's own state, replaced
    <team>/devices/<device id>/snapshot-00000042.lbk  a snapshot made after the device's segment 42

Only these exact names are data. Sync tools make copies on conflicts (Dropbox "(X's conflicted copy
…)", OneDrive "-LAPTOP", Syncthing ".sync-conflict-…", Google Drive " (1)"), and folders gather
.DS_Store and desktop.ini: all of it is foreign, never read, and listed so the user can see it.
A device writes only under its own folder, so the sync tool never sees two writers of one file.
"""
from __future__ import annotations

import base64
import json
import os
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from models.errors import InvalidInput, LeadbookError

from . import files

FORMAT = 1
TEAM_FILE = "leadbook-team.json"
DEVICES = "devices"
STATE = "state.lbk"
SEGMENT = re.compile(r"ops-(?!0{8})([0-9]{8})\.lbk")  # from 1
SNAPSHOT = re.compile(r"snapshot-([0-9]{8})\.lbk")
LAST_NUMBER = 99_999_999  # eight digits
# scrypt as OWASP advises (128 MB, about 0.25 s here): paid once per join, the key then sits in the keychain.
SCRYPT = {"n": 2**17, "r": 8, "p": 1}
SCRYPT_LIMITS = {"n": 2**20, "r": 32, "p": 16}  # a team file asking for more is damaged, not obeyed
CHECK_TEXT = b"Leadbook team key check"
T = TypeVar("T")


class TeamFolderError(LeadbookError):
    """The team folder cannot be used as it is: missing, not a team folder, newer, or the wrong passphrase."""


@dataclass(frozen=True)
class TeamInfo:
    team_id: str
    encrypted: bool


# --- the team file --------------------------------------------------------------------------------

def create_team(path: Path, passphrase: str | None) -> tuple[TeamInfo, bytes | None]:
    """Make `path` (created if need be) a new team folder; returns its key when it has a passphrase."""
    path = Path(path)
    if (path / TEAM_FILE).exists():
        raise TeamFolderError(f"{path} already holds a Leadbook team: join it instead.")
    if passphrase is not None and not passphrase:
        raise InvalidInput("A team passphrase cannot be empty: give one, or none for a team without encryption.")
    team_id = str(uuid.uuid4())
    key = encryption = None
    if passphrase is not None:
        salt = os.urandom(16)
        key = _derive(passphrase, salt, SCRYPT)
        nonce = os.urandom(files.NONCE_BYTES)
        check = nonce + AESGCM(key).encrypt(nonce, CHECK_TEXT, team_id.encode())
        encryption = {"kdf": "scrypt", **SCRYPT, "salt": _b64(salt), "cipher": "AES-256-GCM", "check": _b64(check)}
    try:
        (path / DEVICES).mkdir(parents=True, exist_ok=True)
        with files.replacing(path / TEAM_FILE) as out:
            out.write(json.dumps({"format": FORMAT, "team_id": team_id, "encryption": encryption}, indent=1).encode())
    except OSError as exc:
        raise TeamFolderError(f"Could not make a team folder at {path}: {exc.strerror or exc}.") from None
    return TeamInfo(team_id, key is not None), key


def read_team(path: Path) -> TeamInfo:
    team = _team_file(Path(path))
    return TeamInfo(team["team_id"], team["encryption"] is not None)


def unlock(path: Path, passphrase: str) -> bytes:
    """The team's key from its passphrase, checked against the team file before any data is touched."""
    path = Path(path)
    team = _team_file(path)
    params = team["encryption"]
    if params is None:
        raise TeamFolderError(f"The team in {path} has no passphrase: join it without one.")
    key = _derive(passphrase, _unb64(params["salt"]), params)
    check = _unb64(params["check"])
    try:
        AESGCM(key).decrypt(check[:files.NONCE_BYTES], check[files.NONCE_BYTES:], team["team_id"].encode())
    except InvalidTag:
        raise TeamFolderError(f"That passphrase does not unlock the team in {path}: check it and try again.") from None
    return key


def _team_file(path: Path) -> dict[str, Any]:
    """The parsed team file, or TeamFolderError saying in one sentence why there is none to use."""
    _check_there(path)
    try:
        team = json.loads((path / TEAM_FILE).read_bytes())
    except (OSError, ValueError):
        team = None
    if isinstance(team, dict) and isinstance(team.get("format"), int) and team["format"] > FORMAT:
        raise TeamFolderError(f"The team folder {path} was made by a newer Leadbook: update Leadbook on this "
                              "computer to use it.")
    if not _valid_team(team):
        raise TeamFolderError(f"The team file in {path} is incomplete or damaged: wait for the sync tool to "
                              "finish, then try again.")
    return team


def _check_there(path: Path) -> None:
    """An unmounted drive or share shows as a missing folder, or as an empty mount point."""
    if not path.is_dir():
        raise TeamFolderError(f"The team folder {path} is not there (is the drive or share connected?).")
    if not (path / TEAM_FILE).is_file():
        raise TeamFolderError(f"{path} is not a Leadbook team folder (it has no {TEAM_FILE}; if it is on a drive "
                              "or share, connect it).")


def _valid_team(team: Any) -> bool:
    if not isinstance(team, dict) or team.get("format") != FORMAT or not _is_uuid(team.get("team_id")):
        return False
    params = team.get("encryption", False)
    if params is None:
        return True
    try:
        return (params["kdf"] == "scrypt" and params["cipher"] == "AES-256-GCM"
                and all(type(params[k]) is int and 1 <= params[k] <= limit for k, limit in SCRYPT_LIMITS.items())
                and len(_unb64(params["salt"])) >= 16 and len(_unb64(params["check"])) > files.NONCE_BYTES)
    except (KeyError, TypeError, ValueError):
        return False


def _derive(passphrase: str, salt: bytes, params: dict[str, Any]) -> bytes:
    # NFC: the same passphrase typed on macOS and Windows must give the same key.
    secret = unicodedata.normalize("NFC", passphrase).encode()
    return Scrypt(salt=salt, length=32, n=params["n"], r=params["r"], p=params["p"]).derive(secret)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _is_uuid(name: Any) -> bool:
    """A device or team id: a uuid in its canonical lower-case form, nothing else."""
    try:
        return isinstance(name, str) and str(uuid.UUID(name)) == name
    except ValueError:
        return False


# --- the folder -----------------------------------------------------------------------------------

class Folder:
    """One device's view of a team folder: it reads every device's files and writes only its own."""

    def __init__(self, path: Path, device_id: str, key: bytes | None):
        if not _is_uuid(device_id):
            raise ValueError(f"not a device id: {device_id!r}")
        self.path = Path(path)
        self.device_id = device_id
        self.key = key

    # reading

    def devices(self) -> list[str]:
        """Device folders with a valid id, sorted."""
        return sorted(entry.name for entry in self._entries(self._checked() / DEVICES)
                      if _is_uuid(entry.name) and entry.is_dir(follow_symlinks=False))

    def segments(self, device: str, after: int = 0) -> list[int]:
        """Numbers of this device's well-named segments above `after`, sorted."""
        return [n for n in self._numbered(device, SEGMENT) if n > after]

    def snapshots(self) -> list[tuple[str, int]]:
        """(device, number) of every well-named snapshot, sorted."""
        return [(device, n) for device in self.devices() for n in self._numbered(device, SNAPSHOT)]

    def read_segment(self, device: str, number: int) -> list | None:
        """The ops of a segment; None while it is incomplete, corrupt or not readable with our key."""
        return self._read(device, _segment_name(number))

    def read_state(self, device: str) -> dict | None:
        records = self._read(device, STATE)
        return records[0] if records and isinstance(records[0], dict) else None

    def read_snapshot(self, device: str, number: int) -> Iterator[list] | None:
        """The snapshot's records streamed, all checked before the first; None while it is not whole."""
        return self._readable(device, _snapshot_name(number), files.stream)

    # writing (own device only)

    def write_segment(self, number: int, records: list) -> None:
        self._write(_segment_name(number), records)

    def write_state(self, state: dict) -> None:
        self._write(STATE, [state])

    def write_snapshot(self, number: int, records: Iterable[list]) -> None:
        """Streamed: `records` may be a generator over millions of rows."""
        self._write(_snapshot_name(number), records)

    def prune(self, segments_upto: int, keep_snapshot: int | None) -> int:
        """Delete this device's segments numbered up to `segments_upto` and its snapshots other than
        `keep_snapshot`; returns the bytes freed. Nobody else's files are touched."""
        freed = 0
        for entry in self._entries(self._checked() / DEVICES / self.device_id):
            segment, snapshot = SEGMENT.fullmatch(entry.name), SNAPSHOT.fullmatch(entry.name)
            doomed = (segment and int(segment[1]) <= segments_upto) or (snapshot and int(snapshot[1]) != keep_snapshot)
            if doomed and entry.is_file(follow_symlinks=False):
                try:
                    size = entry.stat(follow_symlinks=False).st_size
                    os.unlink(entry.path)
                except FileNotFoundError:
                    continue
                freed += size
        return freed

    # the rest of the folder

    def foreign(self) -> list[str]:
        """Paths (relative, '/'-separated; folders end in '/') of everything that is not team data."""
        root = self._checked()
        found = [self._foreign_name(e) for e in self._entries(root) if not (
            (e.name == TEAM_FILE and e.is_file()) or (e.name == DEVICES and e.is_dir(follow_symlinks=False)))]
        for entry in self._entries(root / DEVICES):
            if _is_uuid(entry.name) and entry.is_dir(follow_symlinks=False):
                found += [self._foreign_name(e) for e in self._entries(Path(entry.path)) if not _is_data(e)]
            else:
                found.append(self._foreign_name(entry))
        return sorted(found)

    def size(self) -> int:
        """Bytes of every file under the team folder, foreign ones included."""
        total = 0
        for folder, _dirs, names in os.walk(self._checked()):
            for name in names:
                try:
                    total += os.lstat(os.path.join(folder, name)).st_size
                except FileNotFoundError:
                    pass  # pruned or renamed meanwhile
        return total

    # helpers

    def _checked(self) -> Path:
        """The team folder, if it is there and still a team folder (an unmounted drive is not)."""
        _check_there(self.path)
        return self.path

    def _entries(self, folder: Path) -> list[os.DirEntry]:
        try:
            with os.scandir(folder) as entries:
                return list(entries)
        except (FileNotFoundError, NotADirectoryError):
            return []

    def _numbered(self, device: str, pattern: re.Pattern[str]) -> list[int]:
        if not _is_uuid(device):
            return []
        found = (pattern.fullmatch(e.name) for e in self._entries(self._checked() / DEVICES / device)
                 if e.is_file(follow_symlinks=False))
        return sorted(int(m[1]) for m in found if m)

    def _name(self, device: str, file: str) -> str:
        if not _is_uuid(device):
            raise ValueError(f"not a device id: {device!r}")
        return f"{DEVICES}/{device}/{file}"

    def _foreign_name(self, entry: os.DirEntry) -> str:
        name = Path(entry.path).relative_to(self.path).as_posix()
        return name + "/" if entry.is_dir(follow_symlinks=False) else name

    def _read(self, device: str, file: str) -> list | None:
        return self._readable(device, file, files.read)

    def _readable(self, device: str, file: str, reader: Callable[[Path, str, bytes | None], T]) -> T:
        name = self._name(device, file)
        try:
            return reader(self.path / name, name, self.key)
        except files.NewerVersion:
            raise TeamFolderError(f"{name} in the team folder was made by a newer Leadbook: update Leadbook on "
                                  "this computer.") from None

    def _write(self, file: str, records: Iterable[Any]) -> None:
        name = self._name(self.device_id, file)
        own = self._checked() / DEVICES / self.device_id
        try:
            own.mkdir(parents=True, exist_ok=True)  # parents: devices/ only, the team folder is checked
            files.write(self.path / name, name, records, self.key)
        except OSError as exc:
            raise TeamFolderError(f"Could not write {name} in the team folder {self.path}: "
                                  f"{exc.strerror or exc}.") from None


def _is_data(entry: os.DirEntry) -> bool:
    name = entry.name
    return entry.is_file(follow_symlinks=False) and (
        name == STATE or bool(SEGMENT.fullmatch(name)) or bool(SNAPSHOT.fullmatch(name)))


def _segment_name(number: int) -> str:
    if not 1 <= number <= LAST_NUMBER:
        raise ValueError(f"segment numbers run from 1 to {LAST_NUMBER}: {number}")
    return f"ops-{number:08d}.lbk"


def _snapshot_name(number: int) -> str:
    if not 0 <= number <= LAST_NUMBER:
        raise ValueError(f"snapshot numbers run from 0 to {LAST_NUMBER}: {number}")
    return f"snapshot-{number:08d}.lbk"
