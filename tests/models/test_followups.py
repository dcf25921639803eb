"""Done, snooze and their undo, called with ids as the Today view and the lead detail call them."""
from __future__ import annotations

from datetime import timedelta

import pytest

from models import db, followups, leads, stages
from models.clock import now
from models.errors import RuleError
from models.followups import DoneChoice
from models.tables import SYNCED_TABLES, FollowUp, Lead, database


def snapshot() -> dict[str, list[tuple]]:
    """Every synced row, column by column: what "exactly the previous state" is compared on."""
    return {table: sorted(database.execute_sql(f'SELECT * FROM "{table}"').fetchall())
            for table in sorted(SYNCED_TABLES)}


def pending(lead_id: str) -> list[FollowUp]:
    return list(FollowUp.select().where((FollowUp.lead == lead_id) & FollowUp.done_at.is_null()))


@pytest.fixture
def answered(store):
    """An open lead in Contacted whose pending step is a plain follow-up."""
    lead, _ = leads.add_lead("Jane Doe", email="jane@example.com", service="Kitchen")
    leads.complete_followup(lead, next_due=now() + timedelta(days=2), next_title="Send the quote")
    return lead.id


def test_load_brief_names_the_step_and_the_stage_it_leads_to(store):
    """For a new inquiry the brief names "Respond to inquiry" and the interval of the stage after New."""
    lead, _ = leads.add_lead("Jane Doe", email="jane@example.com")
    brief = db.call(followups.load_brief, lead.id)
    contacted = stages.find_stage("Contacted")
    assert (brief.lead_id, brief.name, brief.stage, brief.step_title) == (lead.id, "Jane Doe", "New", leads.RESPOND)
    assert (brief.next_stage, brief.default_days) == ("Contacted", contacted.followup_days)
    assert brief.lost_reasons == tuple(stages.lost_reasons()) and brief.lost_reasons


def test_complete_ticks_off_the_step_and_undo_restores_every_row(answered):
    """Done with a next step writes the database; undo puts every synced row back exactly as it was."""
    before = snapshot()
    [old] = pending(answered)
    token = db.transaction(followups.complete, answered, DoneChoice(outcome="Called", next_title="Visit"))
    assert token is not None and token.text == "Done: Send the quote — Jane Doe"
    assert FollowUp.get_by_id(old.id).done_at is not None
    assert [f.title for f in pending(answered)] == ["Visit"]
    db.transaction(followups.undo, token)
    assert snapshot() == before


def test_undo_of_closing_as_lost_reopens_the_lead_in_its_stage(answered):
    """Closing as lost and undoing it gives back the open lead, its stage and its pending step."""
    before = snapshot()
    token = db.transaction(followups.complete, answered, DoneChoice(close="lost", reason="Price too high"))
    lead = Lead.get_by_id(answered)
    assert (lead.status, lead.lost_reason, pending(answered)) == ("lost", "Price too high", [])
    assert token.text == "Jane Doe closed as lost"
    db.transaction(followups.undo, token)
    assert snapshot() == before
    assert Lead.get_by_id(answered).stage.name == "Contacted"


def test_undo_of_responding_puts_the_inquiry_back(store):
    """Undoing "Respond to inquiry" leaves the lead in New, unanswered, with its old step."""
    lead, _ = leads.add_lead("Jane Doe", email="jane@example.com")
    before = snapshot()
    token = db.transaction(followups.complete, lead.id, DoneChoice())
    assert Lead.get_by_id(lead.id).first_response_at is not None
    db.transaction(followups.undo, token)
    assert snapshot() == before
    fresh = Lead.get_by_id(lead.id)
    assert (fresh.stage.name, fresh.first_response_at) == ("New", None)


def test_snooze_moves_the_step_and_undo_moves_it_back(answered):
    """Snooze keeps the step's title and changes its date; undo restores every row."""
    before = snapshot()
    [old] = pending(answered)
    due = (now() + timedelta(days=9)).replace(microsecond=0)
    token = db.transaction(followups.snooze, answered, due)
    [moved] = pending(answered)
    assert (moved.id, moved.title, moved.due) == (old.id, "Send the quote", due)
    assert token.text.startswith("Snoozed Jane Doe to ")
    db.transaction(followups.undo, token)
    assert snapshot() == before


def test_undo_refuses_when_the_rows_changed_since(answered):
    """A step rescheduled after the snooze is not silently overwritten: undo refuses and writes nothing."""
    token = db.transaction(followups.snooze, answered, now() + timedelta(days=9))
    db.transaction(leads.schedule_followup, Lead.get_by_id(answered), now() + timedelta(days=20))
    after = snapshot()
    with pytest.raises(RuleError, match="changed since"):
        db.transaction(followups.undo, token)
    assert snapshot() == after


def test_completing_a_closed_lead_is_refused(answered):
    """A lead already closed has no step to tick off: a RuleError, nothing written."""
    db.transaction(followups.complete, answered, DoneChoice(close="won"))
    after = snapshot()
    with pytest.raises(RuleError):
        db.transaction(followups.complete, answered, DoneChoice())
    assert snapshot() == after
