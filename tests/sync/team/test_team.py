"""Team sync end to end: real data folders (one SQLite file each) sharing one real temporary folder."""
from __future__ import annotations

from pathlib import Path

import pytest
from team_devices import as_device as device

from models import hlc, leads, stages, writes
from models.tables import SYNCED_TABLES, Activity, Lead, database
from sync.team import team
from sync.team.folder import TeamFolderError


def rows() -> dict[str, list[tuple]]:
    return {table: database.execute_sql(f'SELECT * FROM "{table}" ORDER BY id').fetchall()
            for table in sorted(SYNCED_TABLES)}


@pytest.fixture
def shared(tmp_path) -> Path:
    return tmp_path / "Dropbox" / "Leadbook team"


@pytest.fixture
def pair(tmp_path, shared, keyring_tmp):
    """Ann made the team with two leads; Ben joined it from an empty data folder."""
    ann, ben = tmp_path / "ann", tmp_path / "ben"
    with device(ann):
        leads.add_lead("Jürgen Schneider", email="jurgen@example.com")
        leads.add_lead("Ana Lima", phone="+351 912 345 678")
        team.create(shared, None, "Ann", "ann@example.com")
    with device(ben):
        team.join(shared, None, "Ben", "ben@example.com")
    return ann, ben


def lead_named(name: str) -> Lead:
    return Lead.get(Lead.name == name)


def test_a_joiner_sees_the_same_pipeline(pair):
    """After joining, the second device holds exactly the first one's synced rows (plus the new member)."""
    ann, ben = pair
    with device(ann):
        team.sync_round()  # hears of Ben
        expected = rows()
    with device(ben):
        assert rows() == expected
        assert {lead.name for lead in Lead.select()} == {"Jürgen Schneider", "Ana Lima"}


def test_an_edit_on_one_laptop_reaches_the_other_in_one_round(pair):
    """Ben edits and syncs; Ann's next round shows it."""
    ann, ben = pair
    with device(ben):
        leads.edit_lead(lead_named("Ana Lima"), company="Lima Tiles")
        assert team.sync_round().sent > 0
    with device(ann):
        assert team.sync_round().received > 0
        assert lead_named("Ana Lima").company == "Lima Tiles"


def test_a_concurrent_edit_is_kept_on_the_timeline_not_lost(pair):
    """Both edit the same field before syncing: both end with the same value and one conflict naming both."""
    ann, ben = pair
    with device(ann):
        leads.edit_lead(lead_named("Ana Lima"), company="From Ann")
        team.sync_round()
    with device(ben):
        leads.edit_lead(lead_named("Ana Lima"), company="From Ben")
        team.sync_round()
    ends = []
    for who in (ann, ben):
        with device(who):
            team.sync_round()
            conflicts = list(Activity.select().where(Activity.kind == "conflict"))
            ends.append((rows(), lead_named("Ana Lima").company, [c.id for c in conflicts]))
            assert len(conflicts) == 1
            text = conflicts[0].summary + (conflicts[0].body or "")
            assert "From Ann" in text and "From Ben" in text
    assert ends[0] == ends[1] and ends[0][1] in ("From Ann", "From Ben")


def test_a_late_joiner_catches_up_from_a_snapshot_after_pruning(pair, tmp_path, shared, monkeypatch):
    """Many rounds later (old segments pruned), a third device joins and holds the same rows."""
    monkeypatch.setattr(team, "SNAPSHOT_EVERY", 3)
    ann, ben = pair
    for n in range(8):
        for who in (ann, ben):
            with device(who):
                leads.add_note(lead_named("Jürgen Schneider"), f"round {n}")
                team.sync_round()
    with device(ann):
        team.sync_round()
        expected = rows()
    with device(tmp_path / "cy"):
        team.join(shared, None, "Cy", None)
        mine = rows()
    assert {k: v for k, v in mine.items() if k != "member"} == {k: v for k, v in expected.items() if k != "member"}
    segments = list(shared.rglob("ops-*.lbk"))
    assert len(segments) < 16  # pruned: not one file per round forever


def test_a_joiner_writes_its_first_snapshot_only_once_it_has_segments_to_cover(pair, shared, monkeypatch,
                                                                                 tmp_path):
    """Joining does not write the whole team into the folder again (at 100k leads that doubled the time to
    join); the joiner's own segments stay until a snapshot of its own covers them, so a device joining after
    everyone else has left still finds them."""
    monkeypatch.setattr(team, "SNAPSHOT_EVERY", 3)
    ann, ben = pair
    with device(ben):
        own = shared / "devices" / hlc.device_id()
        assert not list(own.glob("snapshot-*.lbk"))
        leads.add_note(lead_named("Ana Lima"), "note 1")  # its second segment, after the member it became
        team.sync_round()
        assert not list(own.glob("snapshot-*.lbk"))
    with device(ann):
        team.sync_round()
        team.leave()
    with device(ben):
        team.sync_round()  # alone now: nothing but its own snapshot may let it drop its segments
        assert not list(own.glob("snapshot-*.lbk")) and len(list(own.glob("ops-*.lbk"))) == 2
        leads.add_note(lead_named("Ana Lima"), "note 2")
        team.sync_round()
        assert len(list(own.glob("snapshot-*.lbk"))) == 1
        expected = rows()
    with device(tmp_path / "cy"):
        team.join(shared, None, "Cy", None)
        mine = rows()
    assert {k: v for k, v in mine.items() if k != "member"} == {k: v for k, v in expected.items() if k != "member"}


def test_an_encrypted_team_folder_reveals_no_customer_data(tmp_path, shared, keyring_tmp):
    """With a passphrase nothing in the folder shows a name, email or message; the wrong one is refused."""
    with device(tmp_path / "ann"):
        leads.add_lead("Zacharias Quell", email="zq-secret@example.com", message="Roof leaking near chimney")
        team.create(shared, "correct horse battery", "Annabel Quist", None)
    with device(tmp_path / "ben"):
        with pytest.raises(TeamFolderError, match="passphrase"):
            team.join(shared, "wrong", "Ben", None)
        team.join(shared, "correct horse battery", "Benedikt Oyelaran", None)
        assert lead_named("Zacharias Quell").email == "zq-secret@example.com"
    raw = b"".join(p.read_bytes() for p in shared.rglob("*") if p.is_file())
    for secret in (b"Zacharias", b"zq-secret", b"chimney", b"Annabel", b"Benedikt"):
        assert secret not in raw


def test_a_missing_folder_is_reported_and_nothing_is_lost(pair, shared):
    """An unmounted drive: the round fails with one sentence; the edit ships once the folder is back."""
    ann, ben = pair
    moved = shared.with_name("away")
    with device(ben):
        leads.edit_lead(lead_named("Ana Lima"), company="Offline edit")
        shared.rename(moved)
        with pytest.raises(TeamFolderError, match="not there"):
            team.sync_round()
        moved.rename(shared)
        team.sync_round()
    with device(ann):
        team.sync_round()
        assert lead_named("Ana Lima").company == "Offline edit"


def test_a_half_synced_segment_waits_and_conflict_copies_are_skipped(pair, shared):
    """A truncated segment is skipped until complete; a Dropbox conflicted copy is never read."""
    ann, ben = pair
    with device(ben):
        leads.edit_lead(lead_named("Ana Lima"), company="Later")
        team.sync_round()
        ben_id = hlc.device_id()
    newest = max(shared.glob(f"devices/{ben_id}/ops-*.lbk"))
    whole = newest.read_bytes()
    newest.with_name(newest.stem + " (Ann's conflicted copy 2026-11-22).lbk").write_bytes(b"garbage")
    newest.write_bytes(whole[: len(whole) // 2])
    with device(ann):
        result = team.sync_round()
        assert any("not complete" in s for s in result.skipped)
        assert lead_named("Ana Lima").company != "Later"
        newest.write_bytes(whole)
        team.sync_round()
        assert lead_named("Ana Lima").company == "Later"
        assert any("conflicted copy" in f for f in team.status().foreign)


def test_a_round_that_would_close_most_leads_asks_first(pair):
    """Ben closes every lead as lost: Ann's round refuses without force and applies with it."""
    ann, ben = pair
    with device(ben):
        for n in range(12):
            leads.add_lead(f"Bulk {n}", email=f"bulk{n}@example.com")
        team.sync_round()
    with device(ann):
        team.sync_round()
    with device(ben):
        lost = stages.closing_stage("lost")
        for lead in list(Lead.select().where(Lead.status == "open")):
            leads.move_lead(lead, lost, reason=stages.lost_reasons()[0])
        team.sync_round()
    with device(ann):
        with pytest.raises(team.SyncRefused, match="--force"):
            team.sync_round()
        assert Lead.select().where(Lead.status == "open").count() >= 12
        team.sync_round(force=True)
        assert Lead.select().where(Lead.status == "open").count() == 0


def test_the_folder_stays_small_after_ten_thousand_edits(pair, shared, monkeypatch):
    """10,000 edits of one field: the folder is bounded by the data, not the history.

    The edits go straight through the write path: leads.edit_lead would add a timeline entry per edit,
    which is data (and grows the folder as it should)."""
    monkeypatch.setattr(team, "SNAPSHOT_EVERY", 5)
    ann, ben = pair
    with device(ann):
        team.sync_round()
    with device(ben):
        team.sync_round()
    start = _size(shared)
    for batch in range(100):
        with device(ann):
            lead = lead_named("Ana Lima")
            for n in range(100):
                writes.update(lead, company=f"Edit {batch * 100 + n}")
            team.sync_round()
        with device(ben):
            team.sync_round()
    with device(ann):
        team.sync_round()
        assert lead_named("Ana Lima").company == "Edit 9999"
    assert _size(shared) < start * 3, (start, _size(shared))


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_a_segment_that_arrives_out_of_order_waits_for_the_one_before(pair, shared):
    """The sync tool delivers Ben's second segment first: Ann waits, then applies both in order."""
    ann, ben = pair
    with device(ben):
        for company in ("First", "Second"):
            leads.edit_lead(lead_named("Ana Lima"), company=company)
            team.sync_round()
        ben_id = hlc.device_id()
    first, _second = sorted(shared.glob(f"devices/{ben_id}/ops-*.lbk"))[-2:]
    away = first.with_name("in-transit")
    first.rename(away)
    with device(ann):
        result = team.sync_round()
        assert any("not arrived yet" in s for s in result.skipped)
        assert lead_named("Ana Lima").company is None
        away.rename(first)
        team.sync_round()
        assert lead_named("Ana Lima").company == "Second"


def test_a_joiner_never_starts_from_a_snapshot_with_a_hole_after_it(pair, tmp_path, shared):
    """A snapshot whose later segments are gone is not used: joining waits instead of missing changes."""
    ann, ben = pair
    with device(ben):
        leads.edit_lead(lead_named("Ana Lima"), company="Only in Ben's first segment")
        team.sync_round()
        ben_id = hlc.device_id()
    for path in shared.glob(f"devices/{ben_id}/*.lbk"):
        if path.name != "state.lbk":
            path.unlink()  # Ben's segments and snapshot: only Ann's older snapshot is left
    with device(tmp_path / "cy"), pytest.raises(TeamFolderError, match="no complete snapshot"):
        team.join(shared, None, "Cy", None)


def test_a_clock_a_day_ahead_does_not_win_and_both_sides_are_told(pair, monkeypatch):
    """Ben's clock runs two days fast: Ann holds his edit back and says so; Ben is told to fix his clock."""
    from datetime import timedelta

    from models import clock, replica

    ann, ben = pair
    real = hlc._now_ms
    with device(ben):
        monkeypatch.setattr(hlc, "_now_ms", lambda: real() + 2 * 86_400_000)
        leads.edit_lead(lead_named("Ana Lima"), company="From the future")
        team.sync_round()
        monkeypatch.setattr(hlc, "_now_ms", real)
    with device(ann):
        result = team.sync_round()
        assert result.held_back > 0 and "ahead" in result.warning
        assert lead_named("Ana Lima").company is None
    with device(ben):
        assert "clock is ahead" in team.sync_round().warning
    later = clock.now() + timedelta(days=2, hours=1)
    monkeypatch.setattr(replica, "clock_now", lambda: later)
    with device(ann):
        assert team.sync_round().held_back == 0
        assert lead_named("Ana Lima").company == "From the future"


def test_a_clock_behind_the_team_is_noticed(pair, monkeypatch):
    """Ann's clock is three hours slow: the folder shows teammates writing in her future."""
    from datetime import timedelta

    ann, ben = pair
    with device(ben):
        team.sync_round()
    slow = team.now() - timedelta(hours=3)
    monkeypatch.setattr(team, "now", lambda: slow)
    with device(ann):
        assert "behind" in team.sync_round().warning
