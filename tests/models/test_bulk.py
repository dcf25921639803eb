"""Operations on a selection of leads, called with ids: move, assign an owner, export, the table's rows."""
from __future__ import annotations

import csv

import pytest

from models import bulk, db, history, leads, stages
from models.errors import NotFound, RuleError
from models.tables import Lead, Member


@pytest.fixture
def three(store):
    return [leads.add_lead(name, email=f"{name.lower()}@example.com")[0].id for name in ("Ann", "Ben", "Cat")]


def test_move_leads_moves_each_once(three):
    """Leads move to the stage; one already there is not counted or logged again."""
    quoted = stages.find_stage("Quoted")
    assert db.transaction(bulk.move_leads, three[:1], quoted.id, None, "900") == 1
    assert db.transaction(bulk.move_leads, three, quoted.id) == 2
    assert {Lead.get_by_id(i).stage_id for i in three} == {quoted.id}
    assert Lead.get_by_id(three[0]).value == 900


def test_move_leads_is_one_transaction(three):
    """A failure on a later lead leaves the earlier ones where they were."""
    contacted = stages.find_stage("Contacted")
    with pytest.raises(NotFound):
        db.transaction(bulk.move_leads, [three[0], "no-such-lead"], contacted.id)
    assert Lead.get_by_id(three[0]).stage.name == "New"


def test_move_to_lost_needs_a_reason(three):
    """Lost without a reason is a RuleError; with one, every lead is lost with it."""
    lost = stages.find_stage("Lost")
    with pytest.raises(RuleError, match="needs a reason"):
        db.transaction(bulk.move_leads, three, lost.id)
    db.transaction(bulk.move_leads, three, lost.id, "Bad timing")
    assert {(Lead.get_by_id(i).status, Lead.get_by_id(i).lost_reason) for i in three} == {("lost", "Bad timing")}


def test_move_to_a_removed_stage_says_so(three):
    """A stage id that no longer exists is a NotFound sentence, not a crash."""
    with pytest.raises(NotFound, match="stage"):
        db.transaction(bulk.move_leads, three, "gone")


def test_assign_owner_adds_the_member_and_unclaims(three):
    """A new name becomes a member who owns the leads; '' makes them unclaimed again."""
    assert db.transaction(bulk.assign_owner, three[:2], "Pat Newman") == 2
    pat = Member.get(Member.name == "Pat Newman")
    assert [Lead.get_by_id(i).owner_id for i in three] == [pat.id, pat.id, None]
    db.transaction(bulk.assign_owner, three, "")
    assert [Lead.get_by_id(i).owner_id for i in three] == [None, None, None]


def test_export_selected_writes_only_the_selection(three, tmp_path):
    """The file holds the chosen leads and no others, in the format of its extension."""
    target = tmp_path / "chosen.csv"
    assert db.call(bulk.export_selected, str(target), three[1:]) == 2
    with target.open(encoding="utf-8-sig", newline="") as handle:
        assert sorted(row["name"] for row in csv.DictReader(handle)) == ["Ben", "Cat"]


def test_load_leads_is_every_live_lead_and_the_choices(three):
    """The id of each live lead (a merged-away lead is gone) with the stages to filter by."""
    db.transaction(leads.merge_leads, Lead.get_by_id(three[0]), Lead.get_by_id(three[1]))
    table = db.call(bulk.load_leads)
    assert sorted(table.ids) == sorted([three[0], three[2]]) and table.total == 2
    assert [s.name for s in table.choices.stages] == [s.name for s in stages.all_stages()]


def test_move_lead_returns_an_undo_that_puts_it_back(three):
    """move_lead hands back a history.Undo; undoing it restores the old stage and value; no move, no undo."""
    lead = Lead.get_by_id(three[0])
    home, quoted = lead.stage_id, stages.find_stage("Quoted")
    token = db.transaction(bulk.move_lead, three[0], quoted.id, None, "900")
    assert token is not None and "Quoted" in token.text and "Ann" in token.text
    assert (Lead.get_by_id(three[0]).stage_id, Lead.get_by_id(three[0]).value) == (quoted.id, 900)
    db.transaction(history.undo, token)
    assert (Lead.get_by_id(three[0]).stage_id, Lead.get_by_id(three[0]).value) == (home, None)
    assert db.transaction(bulk.move_lead, three[1], home) is None  # already there: nothing to undo


def test_give_next_steps_mends_only_open_leads_without_one_and_undoes(three):
    """Open leads left without a step get one at their stage's interval; others are untouched; undo takes
    back exactly those steps."""
    from models import writes
    from models.tables import FollowUp

    ann, ben, cat = three
    for lead_id in (ann, ben):
        writes.delete(FollowUp.get((FollowUp.lead == lead_id) & FollowUp.done_at.is_null()))
    before_cat = FollowUp.get((FollowUp.lead == cat) & FollowUp.done_at.is_null()).due
    token = db.transaction(bulk.give_next_steps, three)
    assert token.text == "Gave 2 leads a next step"
    pending = {f.lead_id: f for f in FollowUp.select().where(FollowUp.done_at.is_null())}
    assert set(pending) == {ann, ben, cat} and pending[cat].due == before_cat
    assert db.transaction(bulk.give_next_steps, three) is None  # nothing left to mend
    db.transaction(history.undo, token)
    assert {f.lead_id for f in FollowUp.select().where(FollowUp.done_at.is_null())} == {cat}


def test_reschedule_moves_open_leads_steps_in_short_transactions_and_undoes(three, monkeypatch):
    """Every open lead's next step moves to the day given (a lead without one gets "Follow up" then), a few
    leads a transaction; a closed lead is left alone; undo puts each step back as it was, and nothing else."""
    from datetime import timedelta

    from models import writes
    from models.clock import now
    from models.tables import FollowUp

    ann, ben, cat = three
    closing = Lead.get_by_id(cat)
    leads.move_lead(closing, stages.find_stage("Won"))
    writes.delete(FollowUp.get((FollowUp.lead == ben) & FollowUp.done_at.is_null()))
    before = {f.lead_id: (f.due, f.title) for f in FollowUp.select().where(FollowUp.done_at.is_null())}
    later = (now() + timedelta(days=9)).replace(microsecond=0)
    monkeypatch.setattr(bulk, "STEP", 1)
    done = bulk.reschedule(three, later)
    pending = {f.lead_id: (f.due, f.title) for f in FollowUp.select().where(FollowUp.done_at.is_null())}
    assert pending == {ann: (later, before[ann][1]), ben: (later, "Follow up")}
    assert done.count == 2 and done.text.startswith("Next step of 2 leads on ") and len(done.undos) == 2
    leads.add_lead("Written Between", email="between@example.com")  # not undone with the steps
    for token in reversed(done.undos):
        db.transaction(history.undo, token)
    assert Lead.select().where(Lead.name == "Written Between").exists()
    assert {f.lead_id: (f.due, f.title) for f in FollowUp.select().where(
        FollowUp.done_at.is_null() & FollowUp.lead.in_(three))} == before


def test_a_selection_moves_and_gets_its_owner_in_steps_each_undone(three, monkeypatch):
    """Moving or assigning a selection runs a few leads a transaction, telling how far it got after each;
    undoing the steps newest first puts every lead back as it was, and nothing written between the steps."""
    monkeypatch.setattr(bulk, "STEP", 2)
    quoted = stages.find_stage("Quoted")
    told = []
    moved = bulk.move_in_steps(three, quoted.id, progress=lambda done, total: told.append((done, total)))
    assert (moved.count, moved.text, len(moved.undos)) == (3, "Moved 3 leads to Quoted", 2)
    assert told == [(2, 3), (3, 3)]
    assert {Lead.get_by_id(i).stage_id for i in three} == {quoted.id}
    again = bulk.move_in_steps(three, quoted.id)
    assert (again.count, again.undos, again.text) == (0, [], "The selected leads are in Quoted already.")
    owned = bulk.assign_in_steps(three, "Pat Newman")
    assert owned.text == "Assigned 3 leads to Pat Newman" and len(owned.undos) == 2
    leads.add_lead("Written Between", email="between@example.com")
    for done in (owned, moved):
        for token in reversed(done.undos):
            db.transaction(history.undo, token)
    assert [(Lead.get_by_id(i).stage.name, Lead.get_by_id(i).owner_id) for i in three] == [("New", None)] * 3
    assert Lead.select().where(Lead.name == "Written Between").exists()


def test_a_step_that_fails_takes_back_the_steps_before_it(three, monkeypatch):
    """All of it or none: a lead gone by the second step leaves the first step's leads where they were."""
    monkeypatch.setattr(bulk, "STEP", 2)
    contacted = stages.find_stage("Contacted")
    with pytest.raises(NotFound):
        bulk.move_in_steps([*three[:2], "no-such-lead"], contacted.id)
    assert {Lead.get_by_id(i).stage.name for i in three} == {"New"}
