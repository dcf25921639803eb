"""Domain rules: the follow-up invariant, stages, duplicates, merge, timeline."""
from __future__ import annotations

from datetime import timedelta

import pytest

from models import db, leads, stages, writes
from models.clock import now
from models.errors import InvalidInput, NotFound, RuleError
from models.tables import Activity, FollowUp, Lead


def pending(lead: Lead) -> list[FollowUp]:
    return list(FollowUp.select().where((FollowUp.lead == lead.id) & FollowUp.done_at.is_null()))


def test_new_lead_gets_respond_due_now(store):
    """A new lead is in New with exactly one pending 'Respond to inquiry' due at once."""
    lead, created = leads.add_lead("Anna Schmidt", email="anna@example.com")
    assert created and lead.stage.name == "New" and lead.status == "open"
    [step] = pending(lead)
    assert step.title == leads.RESPOND
    assert abs((step.due - now()).total_seconds()) < 5


def test_email_and_phone_are_normalised(store):
    """Emails are lower-cased and phone numbers stored in E.164 using the default region."""
    from models import settings

    settings.put("phone_region", "DE")
    lead, _ = leads.add_lead("Jürgen", email="  Juergen@Example.DE ", phone="030 1234 5678")
    assert lead.email == "juergen@example.de"
    assert lead.phone == "+493012345678"


def test_invalid_email_is_refused(store):
    """An address without a domain is refused with a clear message and nothing is written."""
    with pytest.raises(InvalidInput, match="not an email address"):
        leads.add_lead("Bob", email="bob-at-example")
    assert Lead.select().count() == 0


def test_duplicate_by_email_attaches_to_open_lead(store):
    """A second inquiry with the same email (other case) attaches instead of creating a twin."""
    first, _ = leads.add_lead("Anna", email="anna@example.com")
    second, created = leads.add_lead("Anna S.", email="ANNA@example.com", phone="+49 30 1234567",
                                     message="Still interested?")
    assert not created and second.id == first.id
    assert Lead.select().count() == 1
    assert Lead.get_by_id(first.id).phone == "+49301234567"  # the new detail filled a gap
    assert Activity.select().where(Activity.lead == first.id, Activity.body == "Still interested?").exists()


def test_duplicate_by_phone_in_other_format(store):
    """Phone numbers written differently but equal in E.164 are the same contact."""
    first, _ = leads.add_lead("Carl", phone="+1 (415) 555-0132")
    second, created = leads.add_lead("Carl M", phone="415.555.0132")
    assert not created and second.id == first.id


def test_closed_lead_does_not_swallow_a_new_inquiry(store):
    """A lost lead's contact writing again starts a fresh open lead."""
    old, _ = leads.add_lead("Dora", email="dora@example.com")
    leads.move_lead(old, stages.find_stage("Lost"), reason="Bad timing")
    new, created = leads.add_lead("Dora", email="dora@example.com")
    assert created and new.id != old.id


def test_completing_needs_next_step_or_close(store):
    """Done schedules the next step by the stage interval; the invariant holds throughout."""
    lead, _ = leads.add_lead("Eve", email="eve@example.com")
    nxt = leads.complete_followup(lead, outcome="Called back")
    lead = Lead.get_by_id(lead.id)
    assert lead.stage.name == "Contacted" and lead.first_response_at is not None
    [step] = pending(lead)
    assert step.id == nxt.id and step.title == leads.FOLLOW_UP
    expected = now() + timedelta(days=lead.stage.followup_days)
    assert abs((step.due - expected).total_seconds()) < 5


def test_close_clears_pending_followups(store):
    """Winning a lead closes it and leaves no pending follow-up."""
    lead, _ = leads.add_lead("Finn", email="finn@example.com")
    leads.complete_followup(lead, close="won", value="2500")
    lead = Lead.get_by_id(lead.id)
    assert lead.status == "won" and lead.value == 2500.0 and lead.closed_at is not None
    assert pending(lead) == []


def test_lost_requires_reason_from_list(store):
    """Lost without a reason, or with one not on the list, is refused and changes nothing."""
    lead, _ = leads.add_lead("Gus", email="gus@example.com")
    for reason in (None, "the moon was full"):
        with pytest.raises(RuleError, match="needs a reason" if reason is None else "'the moon was full' is not a"):
            leads.move_lead(lead, stages.find_stage("Lost"), reason=reason)
    lead = Lead.get_by_id(lead.id)
    assert lead.status == "open" and len(pending(lead)) == 1
    leads.move_lead(lead, stages.find_stage("Lost"), reason="price too high")
    lead = Lead.get_by_id(lead.id)
    assert lead.lost_reason == "Price too high" and pending(lead) == []


def test_quoted_takes_a_value_and_reopen_schedules_step(store):
    """Quoted stores a value; reopening a lost lead gives it a next step again."""
    lead, _ = leads.add_lead("Hana", email="hana@example.com")
    leads.move_lead(lead, stages.find_stage("Quoted"), value="1.200,50".replace(".", ""))
    assert Lead.get_by_id(lead.id).value == 1200.5
    leads.move_lead(lead, stages.find_stage("Lost"), reason="Other")
    leads.move_lead(lead, stages.find_stage("Contacted"))
    lead = Lead.get_by_id(lead.id)
    assert lead.status == "open" and lead.lost_reason is None and len(pending(lead)) == 1


def test_moving_an_unanswered_lead_on_ticks_off_respond(store):
    """Moving a new inquiry past New counts as answered: Respond is done and one Follow up waits."""
    lead, _ = leads.add_lead("Ines", email="ines@example.com")
    quoted = stages.find_stage("Quoted")
    leads.move_lead(lead, quoted, value=500)
    lead = Lead.get_by_id(lead.id)
    assert lead.first_response_at is not None
    respond = FollowUp.get((FollowUp.lead == lead.id) & (FollowUp.title == leads.RESPOND))
    assert respond.done_at is not None and respond.outcome == "Moved to Quoted"
    [step] = pending(lead)
    assert step.title == leads.FOLLOW_UP
    assert abs((step.due - (now() + timedelta(days=quoted.followup_days))).total_seconds()) < 5


def test_a_lost_inquiry_reopened_in_new_still_waits_for_an_answer(store):
    """Lost before any answer, then moved back to New: still unanswered, with a next step."""
    lead, _ = leads.add_lead("Olga", email="olga@example.com")
    leads.move_lead(lead, stages.find_stage("Lost"), reason="Other")
    leads.move_lead(Lead.get_by_id(lead.id), stages.find_stage("New"))
    lead = Lead.get_by_id(lead.id)
    assert lead.status == "open" and lead.first_response_at is None and len(pending(lead)) == 1


def test_response_time_is_the_first_answer(store):
    """A reply found later but sent earlier becomes the first response; a later one changes nothing."""
    lead, _ = leads.add_lead("Pia", email="pia@example.com")
    leads.complete_followup(lead)
    answered = Lead.get_by_id(lead.id).first_response_at
    db.transaction(leads.record_response, Lead.get_by_id(lead.id), answered + timedelta(hours=1))
    assert Lead.get_by_id(lead.id).first_response_at == answered
    db.transaction(leads.record_response, Lead.get_by_id(lead.id), answered - timedelta(hours=1))
    assert Lead.get_by_id(lead.id).first_response_at == answered - timedelta(hours=1)


def test_a_reply_moves_only_a_new_lead_on(store):
    """Our reply moves a lead out of New, but leaves one already further along where it is."""
    lead, _ = leads.add_lead("Rosa", email="rosa@example.com")
    leads.move_lead(lead, stages.find_stage("Quoted"), value=100)
    db.transaction(leads.record_response, Lead.get_by_id(lead.id), now())
    assert Lead.get_by_id(lead.id).stage.name == "Quoted"


def test_undoing_respond_waits_for_the_first_answer_again(store):
    """reopen_inquiry puts the lead back in New, unanswered, with Respond as its one step."""
    lead, _ = leads.add_lead("Sara", email="sara@example.com")
    leads.complete_followup(lead)
    due = now() - timedelta(minutes=5)
    leads.reopen_inquiry(Lead.get_by_id(lead.id), due)
    lead = Lead.get_by_id(lead.id)
    assert lead.stage.name == "New" and lead.first_response_at is None
    [step] = pending(lead)
    assert step.title == leads.RESPOND and step.due == due


def test_an_edit_that_changes_nothing_leaves_no_trace(store):
    """Saving a lead's fields unchanged writes no timeline entry; a real change writes one naming it."""
    lead, _ = leads.add_lead("Tom", email="tom@example.com", company="Oak")
    before = Activity.select().where(Activity.lead == lead.id).count()
    leads.edit_lead(lead, company="Oak", email="TOM@example.com")
    assert Activity.select().where(Activity.lead == lead.id).count() == before
    leads.edit_lead(lead, company="Oak & Ash")
    entries = Activity.select().where((Activity.lead == lead.id) & (Activity.kind == "edit"))
    assert [a.summary for a in entries] == ["Changed company"]


def test_snooze_replaces_the_pending_step(store):
    """Scheduling again moves the one pending step rather than adding a second."""
    lead, _ = leads.add_lead("Ida", email="ida@example.com")
    due = now() + timedelta(days=7)
    leads.schedule_followup(lead, due, title="Call back")
    [step] = pending(lead)
    assert step.due == due and step.title == "Call back"


@pytest.mark.parametrize("closed", ["Won", "Lost"])
def test_closed_lead_cannot_be_scheduled(store, closed):
    """A won or lost lead refuses a next step with a clear sentence."""
    lead, _ = leads.add_lead("Jon", email="jon@example.com")
    leads.move_lead(lead, stages.find_stage(closed), reason="Other")
    with pytest.raises(RuleError, match="closed lead"):
        leads.schedule_followup(lead)


def test_merge_keeps_every_activity_and_one_pending(store):
    """Merging moves all activities, fills gaps, and leaves exactly one pending step."""
    keep, _ = leads.add_lead("Kim", email="kim@example.com")
    other, _ = leads.add_lead("Kim Lee", phone="+1 415 555 0199", company="Lee & Co")
    leads.add_note(other, "Prefers mornings")
    activities = Activity.select().where(Activity.lead << [keep.id, other.id]).count()
    leads.merge_leads(keep, other)
    keep = Lead.get_by_id(keep.id)
    assert keep.phone == "+14155550199" and keep.company == "Lee & Co"
    assert Activity.select().where(Activity.lead == keep.id).count() == activities + 1  # + the merge entry
    assert len(pending(keep)) == 1
    assert Lead.get_by_id(other.id).merged_into == keep.id
    assert leads.find_lead(other.id).id == keep.id  # old references lead to the survivor


def test_every_change_is_on_the_timeline_with_author(store):
    """Stage changes, notes, calls and follow-ups done each leave a timeline entry with an author."""
    from models import settings

    settings.put("user_name", "Sam")
    lead, _ = leads.add_lead("Lea", email="lea@example.com")
    leads.add_note(lead, "Wants oak", kind="call")
    leads.complete_followup(lead, outcome="Sent prices")
    leads.move_lead(lead, stages.find_stage("Quoted"), value=900)
    kinds = [a.kind for a in Activity.select().where(Activity.lead == lead.id).order_by(Activity.at)]
    assert kinds[0] == "created" and {"call", "followup", "stage"} <= set(kinds)
    assert {a.author for a in Activity.select().where(Activity.lead == lead.id)} == {"Sam"}


def test_find_lead_ambiguous_name(store):
    """Two leads with one name are not guessed between: the error names their ids."""
    leads.add_lead("Max", email="max1@example.com")
    leads.add_lead("Max", email="max2@example.com")
    with pytest.raises(NotFound, match="several leads"):
        leads.find_lead("max")


def test_write_path_reports_every_change(store):
    """Every synced write goes through models.writes, so a listener sees each field change."""
    seen = []
    writes.listeners.append(seen.append)
    try:
        lead, _ = leads.add_lead("Nia", email="nia@example.com")
        leads.move_lead(lead, stages.find_stage("Contacted"))
    finally:
        writes.listeners.remove(seen.append)
    tables = {c.table for c in seen}
    assert {"lead", "activity", "follow_up"} <= tables
    assert any(c.table == "lead" and c.fields.get("stage_id") == stages.find_stage("Contacted").id for c in seen)


def test_a_lead_from_mail_is_the_same_rows_on_every_machine(tmp_path):
    """Two data folders adding the inquiry of one message make identical ids: no twin steps after sync."""
    def capture(folder):
        db.open_database(folder)
        stages.ensure_defaults()
        try:
            lead, _ = leads.add_lead("Mia", email="mia@example.com", lead_id="5142cb98-7a7c-5912-9883-b30fe67512fb",
                                     message_id="<form-1@site.example>")
            return (lead.id, sorted(a.id for a in Activity.select()), sorted(f.id for f in FollowUp.select()),
                    Activity.get(Activity.kind == "created").message_id)
        finally:
            db.close_database()

    first, second = capture(tmp_path / "laptop"), capture(tmp_path / "desktop")
    assert first == second and first[3] == "<form-1@site.example>"
