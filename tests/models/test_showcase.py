"""The leads the screenshots show, picked from the real database."""
from __future__ import annotations

from datetime import timedelta

from models import leads, showcase, stages, writes
from models.clock import now


def test_latest_open_lead_skips_closed_and_merged_leads(store):
    """The most recently active open, unmerged lead is picked; none at all gives None."""
    assert showcase.latest_open_lead() is None
    old, _ = leads.add_lead("Old Olga", email="olga@example.com")
    fresh, _ = leads.add_lead("Fresh Fred", email="fred@example.com")
    won, _ = leads.add_lead("Won Wanda", email="wanda@example.com")
    twin, _ = leads.add_lead("Twin Tom", email="tom@example.com")
    writes.update(old, last_activity_at=now() - timedelta(days=3))
    writes.update(fresh, last_activity_at=now() - timedelta(days=1))
    leads.move_lead(won, stages.find_stage("Won"), value="100")
    leads.merge_leads(old, twin)
    writes.update(leads.find_lead(old.id), last_activity_at=now() - timedelta(days=3))
    assert showcase.latest_open_lead() == fresh.id


def test_some_lead_name_is_a_live_lead(store):
    """A name of a live lead, or "" in an empty database."""
    assert showcase.some_lead_name() == ""
    keep, _ = leads.add_lead("Kim Keep", email="kim@example.com")
    gone, _ = leads.add_lead("Gus Gone", email="gus@example.com")
    leads.merge_leads(keep, gone)
    assert showcase.some_lead_name() == "Kim Keep"
