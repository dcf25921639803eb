"""Team sync as rows: devices (real data folders) exchange drained operations in any order, duplicated and
delayed, and converge, keeping every latest edit, recording concurrent overwrites on the timeline and an open
lead's one pending step."""
from __future__ import annotations

import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import db, hlc, leads, replica, stages, writes
from models.clock import now
from models.errors import LeadbookError, RuleError
from models.tables import SYNCED_TABLES, Lead, database

FIELDS = ("company", "name", "value")  # lead fields edited concurrently in the property test


class Device:
    """A data folder with its own database; `segments` stands for its folder in the team folder."""

    def __init__(self, folder: Path, snapshot: list[list] | None = None) -> None:
        self.folder = folder
        db.open_database(folder)
        stages.ensure_defaults()
        self.id = hlc.device_id()
        if snapshot is None:
            replica.reset_outbox()
        else:
            replica.load_snapshot(snapshot)
        self.segments: list[list[list]] = []

    def use(self) -> Device:
        if Path(database.database).parent != self.folder:
            db.open_database(self.folder)
        return self

    def ship(self) -> list[list]:
        """One drain written as this device's next segment (nothing when nothing changed)."""
        self.use()
        with database.atomic():
            drained = replica.drain()
            if drained.ops:
                self.segments.append(drained.ops)
            replica.shipped(drained, len(self.segments))
        return drained.ops

    def receive(self, other: Device, upto: int | None = None, **kwargs) -> list[replica.Applied]:
        """Apply the other device's segments after our position, in order (upto: a delayed folder)."""
        self.use()
        results = []
        for number in range(replica.positions().get(other.id, 0) + 1, (upto or len(other.segments)) + 1):
            results.append(replica.apply(other.id, number, other.segments[number - 1], **kwargs))
            check_invariants()
            if results[-1].held_back:
                break  # the rest waits behind it, as the folder round does
        return results

    def rows(self) -> dict[str, list[tuple]]:
        self.use()
        return {table: database.execute_sql(f'SELECT * FROM "{table}" ORDER BY id').fetchall()
                for table in sorted(SYNCED_TABLES)}

    def lead(self, ref: str) -> leads.Lead:
        self.use()
        return leads.find_lead(ref)


def check_invariants() -> None:
    """Every open lead has exactly one pending follow-up."""
    wrong = database.execute_sql(
        "SELECT l.id, count(f.id) FROM lead l LEFT JOIN follow_up f ON f.lead_id = l.id AND f.done_at IS NULL "
        "WHERE l.status = 'open' AND l.merged_into IS NULL GROUP BY l.id HAVING count(f.id) != 1").fetchall()
    assert wrong == []


def team(tmp: Path, size: int) -> list[Device]:
    """The first device creates the team; the others join from its snapshot."""
    first = Device(tmp / "d0")
    snapshot = list(replica.snapshot_records())
    return [first, *(Device(tmp / f"d{n}", snapshot) for n in range(1, size))]


def everyone_gets_everything(devices: list[Device]) -> None:
    for _ in range(len(devices) + 1):  # fixes made while applying ship too; held-back segments retry
        for device in devices:
            device.ship()
        for device in devices:
            for other in devices:
                if other is not device:
                    device.receive(other)


def shared_lead(a: Device, b: Device) -> leads.Lead:
    """A lead made on a that b has received."""
    a.use()
    lead, _ = leads.add_lead("Ada", email="ada@example.com")
    a.ship()
    b.receive(a)
    return lead


def conflicts() -> list[tuple]:
    return database.execute_sql(
        "SELECT id, lead_id, summary FROM activity WHERE kind = 'conflict' ORDER BY id").fetchall()


@pytest.fixture
def two(tmp_path):
    yield team(tmp_path, 2)
    db.close_database()


@pytest.fixture
def three(tmp_path):
    yield team(tmp_path, 3)
    db.close_database()


def test_a_lead_travels_and_applying_twice_changes_nothing(two):
    """A new lead arrives whole on the other device; the same segment applied again is a no-op."""
    a, b = two
    a.use()
    leads.add_lead("Ada", email="ada@example.com", company="Acme")
    a.ship()
    first = b.receive(a)[0]
    assert first.applied > 0 and first.stale == 0
    before = b.rows()
    assert replica.apply(a.id, 1, a.segments[0]) == replica.Applied(0, 0, 0, 0)
    assert b.rows() == before == a.rows()
    assert replica.positions()[a.id] == 1


def test_a_concurrent_edit_is_kept_by_clock_and_the_loser_is_on_both_timelines(two):
    """Both edit the company: the later clock wins everywhere, and both devices hold the same conflict entry."""
    a, b = two
    lead = shared_lead(a, b)
    leads.edit_lead(b.lead(lead.id), company="From B")
    b.ship()
    leads.edit_lead(a.lead(lead.id), company="From A")  # later: wins
    a.ship()
    a.receive(b)
    b.receive(a)
    assert a.lead(lead.id).company == b.lead(lead.id).company == "From A"
    b.use()
    seen_by_b = conflicts()
    assert len(seen_by_b) == 1 and "kept “From A”" in seen_by_b[0][2] and "overwritten “From B”" in seen_by_b[0][2]
    a.use()
    assert conflicts() == seen_by_b
    everyone_gets_everything(two)
    assert a.rows() == b.rows()


def test_a_conflict_names_the_member_of_each_device(two):
    """With each device's member known, the entry says who made each value."""
    a, b = two
    a.use()
    lead, _ = leads.add_lead("Ada", email="ada@example.com")
    ann = writes.insert(leads.Member, name="Ann")
    a.ship()
    b.receive(a)
    replica.note_member(a.id, ann.id)
    leads.edit_lead(b.lead(lead.id), company="B co")
    b.ship()
    a.use()
    leads.edit_lead(a.lead(lead.id), company="A co")
    a.ship()
    b.receive(a)
    assert f"kept “A co” (Ann), overwritten “B co” ({b.id[:8]})" in conflicts()[0][2]


def test_an_edit_made_knowing_the_other_is_no_conflict(two):
    """B edits after seeing A's value: B's base is A's clock, so nobody records a conflict."""
    a, b = two
    a.use()
    lead, _ = leads.add_lead("Ada", email="ada@example.com", company="One")
    a.ship()
    b.receive(a)
    leads.edit_lead(b.lead(lead.id), company="Two")
    b.ship()
    a.receive(b)
    assert a.lead(lead.id).company == "Two" and conflicts() == []


def test_an_unshipped_local_edit_is_not_overwritten(two):
    """A remote op arriving before this device shipped its own newer edit of the field leaves the edit in place."""
    a, b = two
    lead = shared_lead(a, b)
    leads.edit_lead(b.lead(lead.id), company="B co")
    b.ship()
    leads.edit_lead(a.lead(lead.id), company="A co")  # not shipped yet
    a.receive(b)
    assert a.lead(lead.id).company == "A co"
    everyone_gets_everything(two)
    assert a.rows() == b.rows() and b.lead(lead.id).company == "A co"


def test_three_devices_delayed_and_reordered_converge(three):
    """Segments arrive late and in different orders on each device; all end identical."""
    a, b, c = three
    a.use()
    lead, _ = leads.add_lead("Ada", email="ada@example.com")
    a.ship()
    c.receive(a)
    leads.add_note(c.lead(lead.id), "called")
    c.ship()
    assert b.receive(c)[0].held_back == len(c.segments[0])  # the note before its lead: waits for it
    b.receive(a)
    leads.edit_lead(b.lead(lead.id), value=500)
    b.ship()
    leads.edit_lead(a.lead(lead.id), company="Late Co")
    a.ship()
    c.receive(b)
    c.receive(a)
    a.receive(c)
    a.receive(b)
    everyone_gets_everything(three)
    assert a.rows() == b.rows() == c.rows()
    assert c.lead(lead.id).company == "Late Co" and c.lead(lead.id).value == 500


def test_an_activity_before_its_lead_in_one_batch_is_applied(two):
    """Within a batch, parents go first whatever order the ops came in."""
    a, b = two
    a.use()
    leads.add_lead("Ada", email="ada@example.com")
    a.ship()
    a.segments[0].reverse()
    b.receive(a)
    assert a.rows() == b.rows()


def test_a_row_whose_first_ops_were_pruned_is_skipped(two):
    """Ops that cannot make a whole row (the insert was pruned) are skipped, never half-applied."""
    a, b = two
    a.use()
    lead, _ = leads.add_lead("Ada", email="ada@example.com")
    a.ship()
    leads.edit_lead(a.lead(lead.id), company="Later")
    a.ship()
    b.use()
    replica.apply(a.id, 1, [op for op in a.segments[0] if op[3] in ("name", "email")])
    edits = [op for op in a.segments[1] if op[1] == "lead"]
    assert replica.apply(a.id, 2, edits) == replica.Applied(0, 0, 0, len(edits))
    assert database.execute_sql("SELECT count(*) FROM lead").fetchone() == (0,)


def test_a_delete_beats_a_concurrent_edit_and_takes_a_concurrent_note_with_it(two):
    """Tombstones: the lead is gone on both devices, the other's note and edit included."""
    a, b = two
    lead = shared_lead(a, b)
    leads.add_note(b.lead(lead.id), "concurrent note")
    leads.edit_lead(b.lead(lead.id), company="Edited later")
    b.ship()
    a.use()
    for table in ("activity", "follow_up"):
        for (row_id,) in database.execute_sql(f"SELECT id FROM {table} WHERE lead_id = ?", [lead.id]).fetchall():
            writes.delete_row(table, row_id)
    writes.delete_row("lead", lead.id)
    a.ship()
    b.receive(a)
    a.receive(b)
    assert a.rows() == b.rows()
    assert database.execute_sql("SELECT count(*) FROM lead").fetchone() == (0,)


def test_two_next_steps_become_one_the_same_way_everywhere(two):
    """Both complete the step and schedule their own next one: every device keeps the earliest, the other
    is marked done by team sync with the same values."""
    a, b = two
    lead = shared_lead(a, b)
    leads.complete_followup(b.lead(lead.id), next_due=now() + timedelta(days=5))
    b.ship()
    leads.complete_followup(a.lead(lead.id), next_due=now() + timedelta(days=2))
    a.ship()
    a.receive(b)
    b.receive(a)
    everyone_gets_everything(two)
    assert a.rows() == b.rows()
    merged = database.execute_sql("SELECT outcome FROM follow_up WHERE outcome = ?", [replica.MERGED]).fetchall()
    pending = database.execute_sql("SELECT due FROM follow_up WHERE lead_id = ? AND done_at IS NULL",
                                   [lead.id]).fetchall()
    assert len(merged) == 1 and len(pending) == 1


def test_an_open_lead_left_without_a_step_gets_one_with_a_fixed_id(two):
    """One device reopens while the other closes: if the lead ends open with no step, every device
    schedules the same one (uuid5 of the lead and 'sync-next')."""
    a, b = two
    lead = shared_lead(a, b)
    leads.move_lead(b.lead(lead.id), stages.find_stage("Lost"), reason="Other")  # deletes the step
    b.ship()
    leads.edit_lead(a.lead(lead.id), company="Still open here")
    a.ship()
    a.use()
    step = database.execute_sql("SELECT id FROM follow_up WHERE lead_id = ?", [lead.id]).fetchone()[0]
    a.receive(b)  # status -> lost
    # a third party sets it open again without a step: simulate with the status op alone
    reopen = [[hlc.tick(), "lead", lead.id, "status", "open", None]]
    with database.atomic():
        replica.apply("feed" * 9, 1, reopen)
    check_invariants()
    new = database.execute_sql("SELECT id FROM follow_up WHERE lead_id = ? AND done_at IS NULL", [lead.id]).fetchone()
    assert new[0] == str(uuid.uuid5(uuid.UUID(lead.id), "sync-next")) != step


def test_clock_skew_is_held_back_until_the_clock_catches_up(two):
    """Ops stamped more than a day ahead are not applied, the position stays; later they apply once."""
    a, b = two
    a.use()
    hlc._state.clear()
    real = hlc._now_ms
    hlc._now_ms = lambda: real() + 3 * 86_400_000
    try:
        leads.add_lead("Ada", email="ada@example.com")
        a.ship()
    finally:
        hlc._now_ms = real
    held = b.receive(a)[0]
    assert held == replica.Applied(0, 0, len(a.segments[0]), 0)
    assert replica.positions().get(a.id, 0) == 0
    assert database.execute_sql("SELECT count(*) FROM lead").fetchone() == (0,)
    later = b.receive(a, now=now() + timedelta(days=3))[0]
    assert later.applied == len(a.segments[0]) and replica.positions()[a.id] == 1
    assert b.receive(a, now=now() + timedelta(days=3)) == []
    assert hlc.tick() > max(op[0] for op in a.segments[0])  # the clock observed the newest applied


SAME_NAME = {
    "made": lambda: writes.insert(leads.Stage, name="Survey", position=8),
    "renamed": lambda: writes.update(stages.find_stage("Quoted"), name="Survey"),
}


@pytest.mark.parametrize("later", SAME_NAME)
def test_a_stage_name_given_on_two_devices_becomes_x_and_x_2_everywhere(two, later):
    """A UNIQUE stage name made (or renamed to) on both devices: the later one is "X (2)" the same way on both."""
    a, b = two
    b.use()
    writes.insert(leads.Stage, name="Survey", position=9)
    b.ship()
    a.use()
    SAME_NAME[later]()  # later clock
    a.ship()
    a.receive(b)
    b.receive(a)
    everyone_gets_everything(two)
    assert a.rows() == b.rows()
    names = {name: position for name, position in database.execute_sql(
        "SELECT name, position FROM stage WHERE name LIKE 'Survey%'")}
    assert names["Survey"] == 9 and set(names) == {"Survey", "Survey (2)"}


def test_risk_counts_leads_a_batch_would_close_or_delete(two):
    """risk(): closing or deleting leads counts against the open leads now."""
    a, b = two
    a.use()
    ids = [leads.add_lead(f"L{n}", email=f"l{n}@example.com")[0].id for n in range(4)]
    a.ship()
    b.receive(a)
    a.use()
    leads.move_lead(a.lead(ids[0]), stages.find_stage("Won"))
    leads.merge_leads(a.lead(ids[1]), a.lead(ids[2]))
    ops = a.ship()
    b.use()
    assert replica.risk(ops) == (2, 4)
    assert replica.risk([["x", "lead", ids[3], "*", None, None]]) == (1, 4)


def test_a_late_joiner_starts_from_a_snapshot_and_catches_up(two, tmp_path):
    """A snapshot carries rows, clocks and positions; the joiner's defaults are replaced and later ops apply."""
    a, b = two
    lead = shared_lead(a, b)
    leads.edit_lead(b.lead(lead.id), company="B co")
    b.ship()
    a.receive(b)
    snapshot = list(replica.snapshot_records())
    c = Device(tmp_path / "late", snapshot)
    assert c.rows() == a.rows() and replica.positions()[b.id] == 1 and replica.positions()[a.id] == 1
    assert replica.drain().ops == []  # its replaced defaults are not shipped
    leads.edit_lead(a.lead(lead.id), company="A co")
    a.ship()
    c.receive(a)
    c.receive(b)
    assert c.rows() == a.rows()


def test_a_joiner_s_search_and_insights_rows_are_made_in_bulk_and_its_triggers_kept(two, tmp_path):
    """A snapshot's leads are found by search and have their Insights rows exactly as the triggers would
    make them; the triggers are all there afterwards, so the next lead is kept as usual."""
    from models import search

    a, b = two
    lead = shared_lead(a, b)
    leads.move_lead(a.lead(lead.id), stages.find_stage("Quoted"))
    all_triggers = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    triggers = database.execute_sql(all_triggers).fetchall()
    snapshot = list(replica.snapshot_records())
    Device(tmp_path / "late", snapshot)
    assert database.execute_sql(all_triggers).fetchall() == triggers
    for table in ("insight_lead", "stage_stay"):
        assert sorted(database.execute_sql(f"SELECT * FROM {table}")) == sorted(
            database.execute_sql(f"SELECT * FROM {table}_source")), table
    assert database.execute_sql("SELECT count(*) FROM stage_stay").fetchone()[0] > 0
    assert [h.id for h in search.find_leads(lead.name.split()[0])] == [lead.id]
    later, _ = leads.add_lead("Renée Later", email="renee@example.com")
    assert [h.id for h in search.find_leads("renee")] == [later.id]
    assert database.execute_sql("SELECT count(*) FROM insight_lead").fetchone()[0] == 2


def test_a_snapshot_from_a_newer_leadbook_loads_without_its_new_columns(two, tmp_path):
    """A teammate on a newer version made the snapshot: the columns this version does not know are left out
    (as its operations' fields are), everything else is joined."""
    a, _b = two
    a.use()
    lead, _ = leads.add_lead("Ada Newer", email="ada@example.com")
    snapshot = [[*r[:2], {**r[2], "a_later_column": 1}] if r[0] == "row" and r[1] == "lead" else r
                for r in replica.snapshot_records()]
    Device(tmp_path / "older", snapshot).use()
    assert [(found.id, found.name) for found in Lead.select()] == [(lead.id, "Ada Newer")]


def test_a_snapshot_loads_only_into_a_folder_without_leads(two):
    """Joining with leads of one's own is refused, nothing changed."""
    a, _b = two
    a.use()
    leads.add_lead("Ada", email="ada@example.com")
    with pytest.raises(RuleError, match="already has leads"):
        replica.load_snapshot([])


def test_a_restore_asks_for_a_snapshot(two):
    """needs_snapshot(): a baseline record after the last shipped segment."""
    a, _b = two
    a.use()
    assert not replica.needs_snapshot()
    writes.baseline("restored")
    assert replica.needs_snapshot()
    a.ship()  # after the caller wrote a snapshot, shipping passes the baseline
    assert not replica.needs_snapshot()
    writes.baseline("restored again")
    replica.reset_outbox()  # as create and join do
    assert not replica.needs_snapshot()


def test_remote_writes_are_heard_but_not_recorded(two):
    """Applied ops reach the listeners after commit and never enter the outbox (they would echo back)."""
    a, b = two
    a.use()
    leads.add_lead("Ada", email="ada@example.com")
    a.ship()
    heard: list[writes.Change] = []
    writes.listeners.append(heard.append)
    try:
        b.use()
        mark = writes.last_seq()
        b.receive(a)
    finally:
        writes.listeners.remove(heard.append)
    assert writes.last_seq() == mark and replica.drain().ops == []
    assert {c.table for c in heard} == {"lead", "activity", "follow_up"}


# --- the property: random edits and exchanges ---------------------------------------------------

ACTIONS = ("add", "edit", "done", "move", "note", "ship", "receive")
schedule = st.lists(st.tuples(st.sampled_from(ACTIONS + ("edit", "ship", "receive")), st.integers(0, 2),
                              st.integers(0, 40)), min_size=4, max_size=30)


def act(devices: list[Device], step: tuple[str, int, int]) -> None:
    kind, who, n = step
    device = devices[who % len(devices)].use()
    if kind == "ship":
        device.ship()
        return
    if kind == "receive":
        device.receive(devices[(who + 1 + n) % len(devices)], upto=None)
        return
    live = [row[0] for row in database.execute_sql(
        "SELECT id FROM lead WHERE merged_into IS NULL ORDER BY created_at, id")]
    try:
        with database.atomic():
            if kind == "add" or not live:
                leads.add_lead(f"Lead {n}", company=f"Co {n}")
                return
            lead = leads.find_lead(live[n // 3 % len(live)])  # the field is n % 3: edits meet often
            everything = stages.all_stages()
            {"edit": lambda: leads.edit_lead(lead, **{FIELDS[n % 3]: f"{FIELDS[n % 3]} {who}.{n}"
                                                       if n % 3 != 2 else float(n)}),
             "done": lambda: leads.complete_followup(lead, next_due=now() + timedelta(days=n)),
             "move": lambda: leads.move_lead(lead, everything[n % len(everything)], reason="Other"),
             "note": lambda: leads.add_note(lead, f"note {n}")}[kind]()
    except LeadbookError:
        pass


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedule)
def test_random_edits_and_exchanges_converge_keep_the_latest_and_record_overwrites(steps):
    """Any schedule: after everyone has everything all devices hold the same rows; every field holds its
    latest edit; every concurrent edit overwritten with another value left a conflict entry (same id on all)."""
    with tempfile.TemporaryDirectory() as folder:
        devices = team(Path(folder), 3)
        try:
            devices[0].use()
            for n in range(2):  # leads everyone has, so that edits meet
                leads.add_lead(f"Shared {n}", company="Start")
            everyone_gets_everything(devices)
            for step in steps:
                act(devices, step)
            everyone_gets_everything(devices)
            rows = devices[0].rows()
            assert all(device.rows() == rows for device in devices[1:])
            ops = [op for device in devices for segment in device.segments for op in segment]
            check_latest_and_conflicts(ops)
        finally:
            db.close_database()


def check_latest_and_conflicts(ops: list[list]) -> None:
    by_field: dict[tuple[str, str, str], list[list]] = {}
    for op in ops:
        if op[1] == "lead" and op[3] in FIELDS:
            by_field.setdefault((op[1], op[2], op[3]), []).append(op)
    entries = {row[0] for row in conflicts()}
    built_on = {(op[2], op[3], op[5]) for op in ops if op[5]}  # (row, field, clock someone edited knowing)
    for (_table, row_id, field), history in by_field.items():
        found = database.execute_sql(f'SELECT "{field}" FROM lead WHERE id = ?', [row_id]).fetchone()
        if found is None:
            continue
        latest = max(history)
        assert found[0] == latest[4]
        for op in history:
            if op is latest or (row_id, field, op[0]) in built_on or op[4] == latest[4]:
                continue  # won, or knowingly overwritten, or the same value
            ids = {str(uuid.uuid5(replica._CONFLICTS, f"{x}|{y}|{field}"))
                   for other in history for x, y in ((op[0], other[0]), (other[0], op[0]))}
            assert ids & entries, f"{field} {op[4]!r} vanished without a conflict entry"


def _age_outbox(days: int) -> None:
    """Make every outbox record look `days` old (the outbox is not a synced table: plain SQL may write it)."""
    database.execute_sql("UPDATE outbox SET at = ?", [(now() - timedelta(days=days)).isoformat(" ")])


def test_a_solo_outbox_forgets_records_past_undo_and_keeps_recent_ones(store):
    """Outside a team, records older than a day go (in batches); today's stay, and so does undo of them."""
    from models import history

    for number in range(5):
        leads.add_lead(f"Old {number}", email=f"old{number}@example.com")
    _, old_undo = history.undoable("add", leads.add_lead, "Older", email="older@example.com")
    _age_outbox(2)
    recent_seq = writes.last_seq()
    _, undo = history.undoable("add", leads.add_lead, "Recent", email="recent@example.com")
    total, old = database.execute_sql("SELECT count(*), sum(seq <= ?) FROM outbox", [recent_seq]).fetchone()
    assert old > 3 and replica.prune_outbox(batch=3) == old  # several batches
    kept = [seq for (seq,) in database.execute_sql("SELECT seq FROM outbox ORDER BY seq")]
    assert kept and min(kept) > recent_seq and len(kept) < total
    with pytest.raises(RuleError, match="nothing left to undo"):
        history.undo(old_undo)
    history.undo(undo)
    assert not leads.Lead.select().where(leads.Lead.name == "Recent").exists()


def test_in_a_team_unshipped_records_stay_however_old(store):
    """In a team only records already shipped may go: an old edit not yet in a segment file is kept."""
    leads.add_lead("Shipped", email="shipped@example.com")
    shipped = writes.last_seq()
    leads.add_lead("Waiting to ship", email="waiting@example.com")
    _age_outbox(5)
    from models import settings as stored

    stored.put("team_id", "team-1")
    replica._set_shipped_seq(shipped)
    replica.prune_outbox()
    seqs = [seq for (seq,) in database.execute_sql("SELECT seq FROM outbox")]
    assert seqs and min(seqs) == shipped + 1
