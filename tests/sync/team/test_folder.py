"""The team folder as a transport: the team file, strict names, own files only, clear errors."""
from __future__ import annotations

import base64
import hashlib
import json
import uuid
from pathlib import Path

import pytest

from models.errors import LeadbookError
from sync.team import files
from sync.team.folder import FORMAT, TEAM_FILE, Folder, TeamFolderError, create_team, read_team, unlock

ME, OTHER = str(uuid.uuid4()), str(uuid.uuid4())
OPS = [["0001764480000000-0000-dev", "lead", "L1", "name", "Zacharias Quell", None]]

# What sync tools and operating systems leave beside ops-00000001.lbk: never data.
CONFLICT_COPIES = [
    "ops-00000001 (Ann's conflicted copy 2026-11-22).lbk",  # Dropbox
    "ops-00000001 (Case Conflict).lbk",
    "ops-00000001 (Unicode Encoding Conflict).lbk",
    "ops-00000001-LAPTOP.lbk",  # OneDrive
    "ops-00000001-2.lbk",
    "ops-00000001.sync-conflict-20261122-101500-ABCDEF1.lbk",  # Syncthing
    "ops-00000001 (1).lbk",  # Google Drive
    "OPS-00000001.lbk", "ops-1.lbk", "ops-00000000.lbk", "ops-000000001.lbk", "ops-00000001.lbk.tmp",
    ".~ops-00000001.lbk.1a2b3c4d.tmp", "state (1).lbk", "snapshot-00000001-LAPTOP.lbk",
    ".DS_Store", "desktop.ini", "Thumbs.db",
]


@pytest.fixture
def team(tmp_path) -> Path:
    path = tmp_path / "Dropbox" / "Team"
    create_team(path, None)
    return path


@pytest.fixture(scope="module")
def locked(tmp_path_factory) -> tuple[Path, bytes]:
    """One encrypted team for the module: scrypt is slow on purpose."""
    path = tmp_path_factory.mktemp("locked") / "Team"
    info, key = create_team(path, "correct horse battery")
    assert info.encrypted and key is not None
    return path, key


def test_a_plain_team_has_no_key(team):
    """A team without a passphrase reads as unencrypted with a valid id, and its files round trip."""
    info = read_team(team)
    assert not info.encrypted and str(uuid.UUID(info.team_id)) == info.team_id
    mine = Folder(team, ME, None)
    mine.write_segment(1, OPS)
    assert Folder(team, OTHER, None).read_segment(ME, 1) == OPS


def test_the_passphrase_unlocks_the_same_key_and_a_wrong_one_is_refused(locked):
    """unlock gives the creator's key back; a wrong passphrase is one sentence naming the passphrase."""
    path, key = locked
    assert read_team(path).encrypted
    assert unlock(path, "correct horse battery") == key
    with pytest.raises(TeamFolderError, match=r"^That passphrase does not unlock the team in .*: check it"):
        unlock(path, "correct horse batterie")


def test_the_team_file_holds_nothing_secret(locked):
    """The team file names no passphrase, key or person: only format, id and how to derive the key."""
    path, key = locked
    text = (path / TEAM_FILE).read_text()
    team = json.loads(text)
    assert set(team) == {"format", "team_id", "encryption"} and team["format"] == FORMAT
    for secret in ("correct", "horse", key.hex(), base64.b64encode(key).decode()):
        assert secret not in text


def test_encrypted_files_are_unreadable_with_another_key_or_under_another_device(locked):
    """A teammate with the key reads them; no key, another key, or the file moved to another device: None."""
    path, key = locked
    Folder(path, ME, key).write_segment(1, OPS)
    assert Folder(path, OTHER, key).read_segment(ME, 1) == OPS
    assert Folder(path, OTHER, None).read_segment(ME, 1) is None
    assert Folder(path, OTHER, bytes(32)).read_segment(ME, 1) is None
    moved = path / "devices" / OTHER / "ops-00000001.lbk"
    moved.parent.mkdir()
    moved.write_bytes((path / "devices" / ME / "ops-00000001.lbk").read_bytes())
    assert Folder(path, ME, key).read_segment(OTHER, 1) is None
    assert b"Zacharias" not in moved.read_bytes()


def test_a_missing_folder_says_so_in_one_sentence(tmp_path, team):
    """An unmounted drive: every entry point raises TeamFolderError asking whether it is connected."""
    gone = tmp_path / "unmounted" / "Team"
    said = r"^The team folder .*Team is not there \(is the drive or share connected\?\)\.$"
    for call in (lambda: read_team(gone), lambda: unlock(gone, "x"), lambda: Folder(gone, ME, None).devices(),
                 lambda: Folder(gone, ME, None).write_segment(1, OPS), lambda: Folder(gone, ME, None).size()):
        with pytest.raises(TeamFolderError, match=said):
            call()
    assert issubclass(TeamFolderError, LeadbookError)
    assert not gone.exists()  # nothing was made where the drive should be


def test_a_folder_without_a_team_file_is_not_a_team_folder(tmp_path):
    """An empty folder (or an empty mount point) is refused, and nothing is written into it."""
    (tmp_path / "empty").mkdir()
    with pytest.raises(TeamFolderError, match="is not a Leadbook team folder"):
        read_team(tmp_path / "empty")
    with pytest.raises(TeamFolderError, match="is not a Leadbook team folder"):
        Folder(tmp_path / "empty", ME, None).write_state({})
    assert list((tmp_path / "empty").iterdir()) == []


def test_a_newer_team_format_is_refused_in_one_sentence(team):
    """A team file from a newer Leadbook asks the user to update; a half-synced one to wait."""
    data = json.loads((team / TEAM_FILE).read_text())
    (team / TEAM_FILE).write_text(json.dumps({**data, "format": FORMAT + 1, "new": "things"}))
    with pytest.raises(TeamFolderError, match=r"made by a newer Leadbook: update Leadbook"):
        read_team(team)
    (team / TEAM_FILE).write_text(json.dumps(data)[:20])
    with pytest.raises(TeamFolderError, match="incomplete or damaged"):
        read_team(team)


def test_a_newer_segment_is_refused_not_skipped_as_damaged(team):
    """A whole segment from a newer Leadbook raises TeamFolderError naming it and asking for an update."""
    mine = Folder(team, ME, None)
    mine.write_segment(1, OPS)
    path = team / "devices" / ME / "ops-00000001.lbk"
    data = bytearray(path.read_bytes())
    data[4:6] = (files.VERSION + 1).to_bytes(2, "big")
    body = bytes(data[:-files.FOOTER.size])
    path.write_bytes(body + files.FOOTER.pack(len(body), hashlib.sha256(body).digest(), files.END))
    with pytest.raises(TeamFolderError, match=r"ops-00000001\.lbk .*newer Leadbook: update"):
        Folder(team, OTHER, None).read_segment(ME, 1)


def test_a_second_team_is_not_made_over_the_first(team):
    """create_team on a team folder refuses instead of replacing its id."""
    before = read_team(team)
    with pytest.raises(TeamFolderError, match="already holds a Leadbook team"):
        create_team(team, None)
    assert read_team(team) == before


def test_a_device_writes_only_under_its_own_folder(team):
    """Segments, state and snapshots land in devices/<own id>/ with their exact names, and read back."""
    mine = Folder(team, ME, None)
    mine.write_segment(1, OPS)
    mine.write_segment(2, OPS * 2)
    mine.write_state({"positions": {OTHER: 4}})
    mine.write_snapshot(2, iter(OPS * 3))
    assert sorted(p.relative_to(team).as_posix() for p in team.rglob("*") if p.is_file()) == [
        f"devices/{ME}/ops-00000001.lbk", f"devices/{ME}/ops-00000002.lbk", f"devices/{ME}/snapshot-00000002.lbk",
        f"devices/{ME}/state.lbk", TEAM_FILE]
    theirs = Folder(team, OTHER, None)
    assert theirs.devices() == [ME] and theirs.segments(ME) == [1, 2] and theirs.segments(ME, after=1) == [2]
    assert theirs.read_segment(ME, 2) == OPS * 2 and theirs.read_state(ME) == {"positions": {OTHER: 4}}
    assert theirs.snapshots() == [(ME, 2)] and list(theirs.read_snapshot(ME, 2)) == OPS * 3
    assert theirs.read_segment(ME, 3) is None and theirs.read_state(OTHER) is None
    assert theirs.read_snapshot(ME, 1) is None


def test_conflict_copies_and_stray_files_are_foreign_never_data(team):
    """Every sync tool's conflict copy and every stray file is listed as foreign, none as a segment,
    even when it holds a valid segment; device folders that are not uuids are foreign too."""
    mine = Folder(team, ME, None)
    mine.write_segment(1, OPS)
    own = team / "devices" / ME
    whole = (own / "ops-00000001.lbk").read_bytes()
    for name in CONFLICT_COPIES:
        (own / name).write_bytes(whole)
    strays = [".DS_Store", "desktop.ini", "leadbook-team (Ann's conflicted copy 2026-11-22).json",
              "devices/.DS_Store", f"devices/{ME.upper()}/ops-00000001.lbk",
              f"devices/{ME} (Case Conflict)/ops-00000001.lbk", "devices/notes/ops-00000001.lbk"]
    for name in strays:
        (team / name).parent.mkdir(parents=True, exist_ok=True)
        (team / name).write_bytes(whole)
    (own / "snapshot-00000009.lbk").mkdir()  # a folder is never a file to read
    assert mine.devices() == [ME] and mine.segments(ME) == [1] and mine.snapshots() == []
    assert mine.foreign() == sorted(
        [f"devices/{ME}/{name}" for name in CONFLICT_COPIES] + [f"devices/{ME}/snapshot-00000009.lbk/"]
        + [".DS_Store", "desktop.ini", "leadbook-team (Ann's conflicted copy 2026-11-22).json", "devices/.DS_Store",
           f"devices/{ME.upper()}/", f"devices/{ME} (Case Conflict)/", "devices/notes/"])


def test_prune_removes_only_own_old_segments_and_snapshots(team):
    """prune deletes this device's segments up to a number and its other snapshots; nobody else's files,
    no state, no foreign file; it returns the bytes freed."""
    mine, theirs = Folder(team, ME, None), Folder(team, OTHER, None)
    for folder in (mine, theirs):
        for number in (1, 2, 3):
            folder.write_segment(number, OPS)
        folder.write_snapshot(1, OPS)
        folder.write_snapshot(3, OPS)
        folder.write_state({})
    (team / "devices" / ME / "ops-00000001 (1).lbk").write_bytes(b"foreign")
    own = team / "devices" / ME
    doomed = sum((own / name).stat().st_size for name in ("ops-00000001.lbk", "ops-00000002.lbk",
                                                          "snapshot-00000001.lbk"))
    assert mine.prune(2, keep_snapshot=3) == doomed
    assert mine.segments(ME) == [3] and mine.segments(OTHER) == [1, 2, 3]
    assert mine.snapshots() == sorted([(ME, 3), (OTHER, 1), (OTHER, 3)])
    assert mine.read_state(ME) == {} and (own / "ops-00000001 (1).lbk").exists()
    last = (own / "snapshot-00000003.lbk").stat().st_size
    assert mine.prune(0, keep_snapshot=None) == last
    assert mine.snapshots() == sorted([(OTHER, 1), (OTHER, 3)])


def test_size_counts_every_file_in_the_team_folder(team):
    """size() is the bytes of every file below the team folder, foreign ones included."""
    mine = Folder(team, ME, None)
    mine.write_segment(1, OPS)
    (team / "devices" / "notes").mkdir()
    (team / "devices" / "notes" / "x.txt").write_bytes(b"12345")
    assert mine.size() == sum(p.stat().st_size for p in team.rglob("*") if p.is_file())
    assert mine.size() > 5
