"""The New lead form's operations: the duplicate warning and saving."""
from __future__ import annotations

from models import db, leads, new_lead, stages
from models.tables import Lead


def test_find_duplicates_says_what_matched(store):
    """A twin by email and phone is named with its status and stage; open leads come first."""
    closed, _ = leads.add_lead("Old Jane", email="jane@example.com")
    leads.move_lead(closed, stages.find_stage("Won"))
    twin, _ = leads.add_lead("Jane Doe", email="jane2@example.com", phone="+1 415 555 0100")
    leads.edit_lead(twin, email="jane@example.com")
    found = db.call(new_lead.find_duplicates, "jane@example.com", "+14155550100")
    assert [(d.lead_id, d.status, d.stage, d.matched) for d in found] == [
        (twin.id, "open", "New", "email and phone"), (closed.id, "won", "Won", "email")]
    assert db.call(new_lead.find_duplicates, None, None) == []


def test_save_lead_adds_a_lead_or_joins_an_open_twin(store):
    """A new person is a new lead; the same email again lands on that lead's timeline."""
    lead_id, created = db.transaction(new_lead.save_lead, {"name": "Greta", "email": "Greta@Example.DE"})
    assert created and Lead.get_by_id(lead_id).email == "greta@example.de"
    again, created = db.transaction(new_lead.save_lead, {"name": "G.", "email": "greta@example.de"})
    assert (again, created) == (lead_id, False)
    assert Lead.select().count() == 1
