"""The Today checklist: sections, order, exclusivity."""
from __future__ import annotations

from datetime import timedelta

from models import leads, today, writes
from models.clock import now
from models.tables import Lead


def test_sections_each_lead_once(store):
    """Unanswered, replied, overdue, due-today, stale and done leads land in their own section once."""
    t0 = now()
    waiting, _ = leads.add_lead("Waiting", email="w@example.com", received_at=t0 - timedelta(hours=3))
    newer, _ = leads.add_lead("Newer", email="n@example.com", received_at=t0 - timedelta(minutes=10))
    late, _ = leads.add_lead("Late", email="l@example.com")
    leads.complete_followup(late, next_due=t0 - timedelta(days=3))
    due, _ = leads.add_lead("Due", email="d@example.com")
    leads.complete_followup(due, next_due=now() + timedelta(minutes=1))
    replied, _ = leads.add_lead("Replied", email="r@example.com")
    leads.complete_followup(replied, next_due=t0 + timedelta(days=5))
    writes.update(Lead.get_by_id(replied.id), awaiting_since=t0 - timedelta(hours=1))
    stale, _ = leads.add_lead("Stale", email="s@example.com")
    leads.complete_followup(stale, next_due=t0 + timedelta(days=30))
    writes.update(Lead.get_by_id(stale.id), last_activity_at=t0 - timedelta(days=40))

    result = today.today()
    names = {name: [i.name for i in items] for name, items in result.sections.items()}
    assert names["respond_now"] == ["Waiting", "Newer"]  # oldest first
    assert result.sections["respond_now"][0].reason == "waiting 3 h"
    assert names["replied"] == ["Replied"]
    assert names["overdue"] == ["Late"]
    assert "Due" in names["due_today"] or result.sections["due_today"] == []  # near midnight it is tomorrow
    assert names["stale"] == ["Stale"]
    assert set(names["done_today"]) == {"Late", "Due", "Replied", "Stale"}
    flat = [n for key, items in names.items() if key != "done_today" for n in items]
    assert len(flat) == len(set(flat))
    assert result.counts["respond_now"] == 2 and result.total_due() == len(flat)


def test_limit_keeps_true_counts(store):
    """A section cut at the limit still reports how many items there are in all."""
    for n in range(5):
        leads.add_lead(f"Lead {n}", email=f"lead{n}@example.com")
    result = today.today(limit=2)
    assert len(result.sections["respond_now"]) == 2
    assert result.counts["respond_now"] == 5


def test_closed_leads_never_show(store):
    """Won and lost leads are not on the checklist (except what was done today)."""
    lead, _ = leads.add_lead("Gone", email="g@example.com")
    leads.complete_followup(lead, close="lost", reason="Other")
    result = today.today()
    assert all(not items for name, items in result.sections.items() if name != "done_today")
