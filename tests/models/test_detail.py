"""The lead detail's operations, called with ids: load, check and save fields, next step, note, merge, reply subject."""
from __future__ import annotations

from datetime import timedelta

import pytest

from models import db, detail, leads, stages
from models.clock import now
from models.errors import InvalidInput
from models.tables import Activity, FollowUp, Lead


@pytest.fixture
def lead_id(store):
    lead, _ = leads.add_lead("Jane Doe", email="jane@example.com", phone="+1 415 555 0100", service="Kitchen")
    leads.add_note(lead, "Wants a quote by Friday.")
    return lead.id


def test_load_detail_is_the_lead_its_timeline_and_the_choices(lead_id):
    """The lead as plain data, every activity newest first, the stages and the phone region."""
    data = db.call(detail.load_detail, lead_id)
    assert (data.info.id, data.info.name, data.info.stage, data.info.next_step.title) == (
        lead_id, "Jane Doe", "New", leads.RESPOND)
    assert sorted(e.id for e in data.entries) == sorted(a.id for a in Activity.select().where(Activity.lead == lead_id))
    assert data.entries[0].body == "Wants a quote by Friday."
    assert [s.name for s in data.choices.stages] == [s.name for s in stages.all_stages()]
    assert data.phone_region


def test_load_detail_follows_a_merge(lead_id):
    """Opening a lead that was merged away shows the lead it was merged into."""
    other, _ = leads.add_lead("Jane D.", email="jd@example.org")
    db.transaction(detail.merge_into, lead_id, other.id)
    assert db.call(detail.load_detail, other.id).info.id == lead_id


def test_field_problem_names_what_is_wrong():
    """A bad email, a negative value and an empty name are refused with a sentence; good input passes."""
    assert "not an email address" in detail.field_problem("email", "jane@", "US")
    assert detail.field_problem("value", "-5", "US") == "A value cannot be negative."
    assert detail.field_problem("name", "  ", "US") == "A lead needs a name."
    assert detail.field_problem("phone", "abc", "US")
    assert detail.field_problem("phone", "030 1234567", "DE") is None
    assert detail.field_problem("value", "1.200,50", "US") is None


def test_edited_fields_are_only_what_changed(lead_id):
    """Unchanged texts (the phone as displayed, the value as typed) are not saved; changes and the owner are."""
    info = db.call(detail.load_detail, lead_id).info
    texts = {"name": "Jane Doe", "company": "Doe Builders", "email": "jane@example.com",
             "phone": " +1 415-555-0100 ", "value": "1 250,5", "source": ""}
    fields, owner = detail.edited_fields(info, texts, " Robin ")
    assert (fields, owner) == ({"company": "Doe Builders", "value": 1250.5}, "Robin")
    assert detail.edited_fields(info, dict(texts, company="", value=""), "") == ({}, None)


def test_save_fields_writes_the_lead_and_its_owner(lead_id):
    """Saved fields reach the lead; a new owner name adds a member; '' unclaims; None keeps the owner."""
    db.transaction(detail.save_fields, lead_id, {"company": "Doe Builders", "value": 1250.5}, "Robin Newcomer")
    lead = Lead.get_by_id(lead_id)
    assert (lead.company, lead.value, lead.owner.name) == ("Doe Builders", 1250.5, "Robin Newcomer")
    db.transaction(detail.save_fields, lead_id, {"source": "Website"}, None)
    assert (Lead.get_by_id(lead_id).source, Lead.get_by_id(lead_id).owner.name) == ("Website", "Robin Newcomer")
    db.transaction(detail.save_fields, lead_id, {}, "")
    assert Lead.get_by_id(lead_id).owner is None


def test_save_fields_refuses_bad_input_and_writes_nothing(lead_id):
    """An invalid email in the fields is an InvalidInput; the other fields of that save are not written."""
    with pytest.raises(InvalidInput):
        db.transaction(detail.save_fields, lead_id, {"company": "Doe Builders", "email": "nope"}, None)
    assert Lead.get_by_id(lead_id).company is None


def test_save_next_step_reschedules_the_pending_step(lead_id):
    """The pending step gets the new title and date; still exactly one pending step."""
    due = (now() + timedelta(days=5)).replace(microsecond=0)
    step_id = db.transaction(detail.save_next_step, lead_id, due, "  Send revised quote ")
    [pending] = FollowUp.select().where((FollowUp.lead == lead_id) & FollowUp.done_at.is_null())
    assert (pending.id, pending.title, pending.due) == (step_id, "Send revised quote", due)


def test_add_note_logs_a_call(lead_id):
    """A logged call is an activity of kind call with the text as its body."""
    entry_id = db.transaction(detail.add_note, lead_id, " Rang back, no answer. ", "call")
    entry = Activity.get_by_id(entry_id)
    assert (entry.lead_id, entry.kind, entry.body) == (lead_id, "call", "Rang back, no answer.")


def test_merge_into_moves_every_activity(lead_id):
    """The other lead's activities move to the kept one and the other points at it."""
    other, _ = leads.add_lead("Jane D.", email="jd@example.org")
    moved = {a.id for a in Activity.select().where(Activity.lead == other.id)}
    assert db.transaction(detail.merge_into, lead_id, other.id) == lead_id
    assert Lead.get_by_id(other.id).merged_into == lead_id
    assert moved <= {a.id for a in Activity.select().where(Activity.lead == lead_id)}


def test_reply_subject_without_mail_names_the_service(lead_id, store):
    """With no correspondence the reply is about the inquiry's service (or the inquiry)."""
    assert db.call(detail.reply_subject, lead_id) == "Re: Your inquiry about kitchen"
    bare, _ = leads.add_lead("Bo", email="bo@example.com")
    assert db.call(detail.reply_subject, bare.id) == "Re: Your inquiry"
