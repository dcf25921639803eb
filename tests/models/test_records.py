"""The command line's view of leads: found by what a user types, listed by filter, with their timeline."""
from __future__ import annotations

import pytest

from models import leads, records, stages
from models.errors import NotFound


def test_a_lead_is_found_by_id_prefix_email_or_name_and_merges_are_followed(store):
    """Every way a user names a lead gives its id; a merged lead's id gives the lead it joined."""
    anna, _ = leads.add_lead("Anna Schmidt", email="anna@example.com")
    twin, _ = leads.add_lead("A. Schmidt", phone="+49 171 5550123")
    assert {records.lead_id(ref) for ref in (anna.id, anna.id[:8], "ANNA@example.com", "anna schmidt")} == {anna.id}
    leads.merge_leads(anna, twin)
    assert records.lead_id(twin.id) == anna.id
    with pytest.raises(NotFound):
        records.lead_id("nobody")


def test_lead_records_filter_by_stage_status_and_limit(store):
    """Live leads newest first, narrowed by stage name, status and a limit."""
    assert records.lead_records() == []
    first, _ = leads.add_lead("First", email="first@example.com")
    second, _ = leads.add_lead("Second", email="second@example.com")
    third, _ = leads.add_lead("Third", email="third@example.com")
    leads.move_lead(second, stages.find_stage("Contacted"))
    leads.move_lead(third, stages.find_stage("Lost"), reason="Other")
    assert [r["name"] for r in records.lead_records()] == ["Third", "Second", "First"]
    assert [r["name"] for r in records.lead_records(stage="contacted")] == ["Second"]
    assert [r["name"] for r in records.lead_records(status="open")] == ["Second", "First"]
    assert [r["name"] for r in records.lead_records(limit=1)] == ["Third"]
    assert records.lead_record(first.id)["next_followup"]["title"] == leads.RESPOND
    with pytest.raises(NotFound, match="no stage 'Nowhere'"):
        records.lead_records(stage="Nowhere")


def test_history_is_the_timeline_oldest_first(store):
    """A lead's history starts with its inquiry and ends with the latest entry, times in ISO UTC."""
    lead, _ = leads.add_lead("Pat Lee", email="pat@example.com")
    leads.add_note(lead, "Prefers oak", kind="call")
    entries = records.history(lead.id)
    assert [e["kind"] for e in entries] == ["created", "call"]
    assert entries[-1]["body"] == "Prefers oak" and entries[0]["at"].endswith("Z")
