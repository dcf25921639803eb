"""Demo data: realistic, consistent, deterministic, and a sane Today."""
from __future__ import annotations

from collections import Counter

import phonenumbers
import pytest

from models import db, demo, leads, settings, today, writes
from models.errors import RuleError
from models.tables import Activity, FollowUp, Lead, Member

N = 300


@pytest.fixture
def demo_store(store):
    """A fresh database holding N demo leads."""
    stats = demo.generate(N, seed=7)
    return stats


def _sql(query: str, *params):
    return db.database.execute_sql(query, params).fetchall()


def test_counts_match_stats(demo_store):
    """The returned stats are the rows written; about ten activities a lead, 10-15% open."""
    assert demo_store["leads"] == Lead.select().count() == N
    assert demo_store["activities"] == Activity.select().count()
    assert demo_store["followups"] == FollowUp.select().count()
    assert 7 * N <= demo_store["activities"] <= 13 * N
    assert 0.10 * N <= Lead.select().where(Lead.status == "open").count() <= 0.15 * N
    assert 2 <= Member.select().count() <= 3


def test_every_open_lead_has_exactly_one_pending_followup(demo_store):
    """The invariant: open leads one pending follow-up, closed leads none."""
    pending = Counter(lead for (lead,) in _sql("SELECT lead_id FROM follow_up WHERE done_at IS NULL"))
    for lead_id, status in _sql("SELECT id, status FROM lead"):
        assert pending.get(lead_id, 0) == (1 if status == "open" else 0), status


def test_stages_and_closing_fields_agree(demo_store):
    """Status follows the stage; lost leads carry a reason, quoted and won ones a value."""
    rows = _sql("SELECT l.status, s.kind, s.name, l.lost_reason, l.value, l.closed_at FROM lead l "
                "JOIN stage s ON s.id = l.stage_id")
    assert {name for *_, name, _, _, _ in rows} >= {"New", "Contacted", "Quoted", "Won", "Lost"}
    for status, kind, name, reason, value, closed_at in rows:
        assert status == kind
        assert (reason is not None) == (status == "lost")
        assert (closed_at is not None) == (status != "open")
        if name in ("Quoted", "Won"):
            assert value and value > 0


def test_contacts_are_normalised(demo_store):
    """Emails lower-case and unique, phones valid E.164 numbers, every lead reachable."""
    emails = []
    for email, phone in _sql("SELECT email, phone FROM lead"):
        assert email or phone
        if email:
            assert email == email.lower().strip() and email.count("@") == 1 and email.isascii()
            emails.append(email)
        if phone:
            number = phonenumbers.parse(phone, None)
            assert phonenumbers.is_valid_number(number), phone
            assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone
    assert len(emails) == len(set(emails))
    regions = {phonenumbers.region_code_for_number(phonenumbers.parse(p, None))
               for (p,) in _sql("SELECT phone FROM lead WHERE phone IS NOT NULL")}
    assert len(regions) >= 5


def test_timelines_run_forward(demo_store):
    """Activities start with 'created' at created_at, ascend, and end at last_activity_at."""
    leads = {row.id: row for row in Lead.select()}
    timelines: dict[str, list] = {}
    for activity in Activity.select().order_by(Activity.lead, Activity.at):
        timelines.setdefault(activity.lead_id, []).append(activity)
    assert set(timelines) == set(leads)
    for lead_id, items in timelines.items():
        lead = leads[lead_id]
        assert items[0].kind == "created" and items[0].at == lead.created_at
        assert items[-1].at == lead.last_activity_at
        if lead.first_response_at:
            assert lead.created_at < lead.first_response_at <= lead.last_activity_at
        assert lead.stage_changed_at <= lead.last_activity_at
    for followup in FollowUp.select():
        assert followup.created_at <= followup.due or followup.done_at
        if followup.done_at:
            assert followup.done_at >= followup.created_at


def test_same_seed_same_data(tmp_path):
    """Two databases generated with one seed hold the same leads and timelines (ids aside)."""
    def snapshot(folder):
        db.open_database(folder)
        try:
            from models import stages
            stages.ensure_defaults()
            demo.generate(120, seed=42)
            leads = _sql("SELECT l.id, l.name, email, phone, company, source, service, message, s.name, status, "
                         "value, lost_reason FROM lead l JOIN stage s ON s.id = l.stage_id")
            order = {row[0]: row[1:] for row in leads}
            acts = _sql("SELECT lead_id, kind, summary, body FROM activity ORDER BY lead_id, at, rowid")
            return sorted(order.values(), key=repr), sorted(((order[a[0]][0], a[1:]) for a in acts), key=repr)
        finally:
            db.close_database()

    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_generating_again_adds_leads(demo_store):
    """A second run adds leads and reuses the team members."""
    members = Member.select().count()
    demo.generate(50, seed=7)
    assert Lead.select().count() == N + 50
    assert Member.select().count() == members


def test_today_is_a_short_checklist(demo_store):
    """Today has something in each section that needs doing, but only a few items."""
    result = today.today()
    for name in ("respond_now", "overdue", "stale"):
        assert result.counts[name] >= 1, name
    open_leads = Lead.select().where(Lead.status == "open").count()
    assert result.total_due() <= open_leads * 0.3
    assert result.counts["respond_now"] <= max(2, open_leads * 0.05)


def test_every_row_reaches_the_change_listeners(store):
    """insert_many tells team sync about every demo row, with complete fields."""
    seen: list[writes.Change] = []
    writes.listeners.append(seen.append)
    try:
        stats = demo.generate(20, seed=1)
    finally:
        writes.listeners.remove(seen.append)
    tables = Counter(change.table for change in seen)
    assert tables["lead"] == stats["leads"] and tables["activity"] == stats["activities"]
    assert tables["follow_up"] == stats["followups"]
    lead = next(c for c in seen if c.table == "lead")
    assert lead.fields["stage_id"] and lead.fields["updated_at"] and "merged_into" in lead.fields


def test_demo_data_refuses_a_folder_with_real_leads(store):
    """A folder with a real lead is refused (nothing added) unless forced; forcing keeps it a real folder."""
    leads.add_lead("Real Customer", email="real@example.com")
    with pytest.raises(RuleError, match="real leads"):
        demo.generate(10, seed=1)
    assert Lead.select().count() == 1
    demo.generate(10, seed=1, force=True)
    assert Lead.select().count() == 11 and not settings.is_demo_folder()


def test_a_demo_folder_is_marked_and_can_be_filled_again(store):
    """An empty folder becomes a demo folder; generating into it again needs no --force."""
    demo.generate(10, seed=1)
    assert settings.is_demo_folder()
    demo.generate(10, seed=2)
    assert Lead.select().count() == 20


def test_the_demo_folder_sits_beside_the_real_one(tmp_path):
    """'Leadbook' gets 'Leadbook demo' next to it: never inside or instead of the real folder."""
    assert demo.demo_folder(tmp_path / "Leadbook") == tmp_path / "Leadbook demo"
