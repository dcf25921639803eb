"""The Today checklist: each section pinned by known leads, order, exclusivity, boundaries."""
from __future__ import annotations

from datetime import timedelta

import pytest

from models import followups, leads, members, settings, stages, today, today_items, writes
from models.clock import local_day_bounds, now, to_local
from models.tables import Activity, FollowUp, Lead

SECOND = timedelta(seconds=1)


def set_lead(lead: Lead, **fields) -> None:
    writes.update(Lead.get_by_id(lead.id), **fields)


def answered(name: str, due, *, last_activity=None) -> Lead:
    """A lead whose inquiry was answered today (so it is in Contacted) with its next step due at `due`."""
    lead, _ = leads.add_lead(name, email=f"{name.lower().replace(' ', '.')}@example.com")
    leads.complete_followup(lead, next_due=due)
    if last_activity is not None:
        set_lead(lead, last_activity_at=last_activity)
    return Lead.get_by_id(lead.id)


@pytest.fixture
def day(store, monkeypatch):
    """(now, start of the local day, end of it), held still so the test never straddles midnight."""
    start, end = local_day_bounds()
    monkeypatch.setattr(today, "local_day_bounds", lambda: (start, end))
    return now(), start, end


@pytest.fixture
def checklist(day):
    """A lead (or two) for every section, and leads at each section's edge that belong elsewhere."""
    t0, start, end = day
    stale_days = stages.find_stage("Contacted").stale_days
    old = t0 - timedelta(days=40)
    made = {
        # unanswered: respond now, oldest first, whatever their step's date (3 days ago: not overdue)
        "waiting": leads.add_lead("Waiting", email="waiting@example.com", received_at=t0 - timedelta(days=3))[0],
        "newer": leads.add_lead("Newer", email="newer@example.com", received_at=start)[0],
        # the lead wrote back: replied, even with an overdue step and no activity for long
        "replied": answered("Replied", t0 + timedelta(days=5), last_activity=old),
        "replied_late": answered("Replied late", t0 - timedelta(days=2)),
        # overdue: due before today began, oldest first
        "later": answered("Later", t0 - timedelta(days=3), last_activity=old),
        "late": answered("Late", start - SECOND),
        # due today: from the first second of the day to its last
        "due_early": answered("Due early", start),
        "due_late": answered("Due late", end - SECOND, last_activity=old),
        "tomorrow": answered("Tomorrow", end),
        # stale: no activity for longer than Contacted allows, next step not due yet
        "stale": answered("Stale", t0 + timedelta(days=30), last_activity=t0 - timedelta(days=stale_days, hours=1)),
        "fresh": answered("Fresh", t0 + timedelta(days=30), last_activity=t0 - timedelta(days=stale_days, hours=-1)),
        # closed and merged leads are never on the list
        "won": leads.add_lead("Won", email="won@example.com", received_at=old)[0],
        "lost": leads.add_lead("Lost", email="lost@example.com", received_at=old)[0],
        "twin": leads.add_lead("Twin", phone="+1 415 555 0123", received_at=t0 - timedelta(days=1))[0],
    }
    for key in ("replied", "replied_late"):
        set_lead(made[key], awaiting_since=t0 - timedelta(hours=1 if key == "replied" else 2))
        for entry in Activity.select().where((Activity.lead == made[key].id) & (Activity.kind == "followup")):
            writes.update(entry, at=old)  # the step was set before they wrote back: the reply is still ours
    set_lead(made["waiting"], awaiting_since=t0 - timedelta(days=1))  # wrote again before our answer: still ours
    leads.complete_followup(made["won"], close="won")
    # a step left pending on a closed lead (as a sync merge could leave one) does not reopen it
    writes.insert(FollowUp, lead=made["won"].id, title="Stray", due=t0 - timedelta(days=1), created_at=t0)
    leads.move_lead(made["lost"], stages.find_stage("Lost"), reason="Other")
    leads.merge_leads(made["waiting"], made["twin"])
    yesterday = leads.add_lead("Yesterday", email="yesterday@example.com", received_at=old)[0]
    leads.complete_followup(yesterday, next_due=t0 + timedelta(days=30))
    step = FollowUp.get((FollowUp.lead == yesterday.id) & FollowUp.done_at.is_null(False))
    writes.update(step, done_at=start - SECOND)  # done before today: not in done today
    made["yesterday"] = yesterday
    return {key: lead.id for key, lead in made.items()}


def test_every_section_holds_exactly_its_leads(day, checklist):
    """Each section lists exactly the leads that belong in it, in its order, and nothing else."""
    t0, start, end = day
    result = today.today(at=t0)
    ids = {name: [item.lead_id for item in items] for name, items in result.sections.items()}
    expected = {
        "respond_now": ["waiting", "newer"],
        "replied": ["replied_late", "replied"],
        "overdue": ["later", "late"],
        "due_today": ["due_early", "due_late"],
        "stale": ["stale"],
    }
    named = {v: k for k, v in checklist.items()}
    assert {name: [named.get(i, i) for i in ids[name]] for name in expected} == expected
    assert set(result.sections) == set(today_items.SECTIONS)
    assert result.counts == {name: len(items) for name, items in result.sections.items()}
    assert result.total_due() == 9


def test_done_today_lists_leads_with_nothing_due_now(day, checklist):
    """Done today: leads with a step ticked off today and nothing due now, the last done first, each once."""
    t0, start, end = day
    result = today.today(at=t0)
    named = {v: k for k, v in checklist.items()}
    assert [named[item.lead_id] for item in result.sections["done_today"]] == ["won", "tomorrow"]
    everywhere = [i.lead_id for name, items in result.sections.items() for i in items]
    assert len(everywhere) == len(set(everywhere))  # no lead in two sections


def test_reasons_say_why_and_since_when(day, checklist):
    """Each item's reason names how long it has waited or when it is due."""
    t0, start, end = day
    sections = today.today(at=t0).sections
    items = {item.lead_id: item for name, listed in sections.items() if name != "done_today" for item in listed}
    assert items[checklist["waiting"]].reason == "waiting 3 days"
    assert items[checklist["replied"]].reason == "wrote back 1 h ago"
    assert items[checklist["later"]].reason == "due 3 days ago"
    assert items[checklist["due_early"]].reason == "due now"
    assert items[checklist["due_late"]].reason == f"due {to_local(end - SECOND):%H:%M}"
    stale_days = stages.find_stage("Contacted").stale_days
    assert items[checklist["stale"]].reason == f"no activity for {stale_days} days"
    assert items[checklist["due_late"]].since == end - SECOND and items[checklist["later"]].followup_title


def test_a_second_read_compiles_no_statement(day, checklist):
    """Today's statements are compiled once and reused: no value SQLite plans with is bound (a constant
    matched against a partial index or a LIKE pattern makes it compile the statement on every read)."""
    from models.tables import _authorize, database

    compiled = []
    connection = database.connection()
    connection.set_authorizer(lambda *args: compiled.append(args) or _authorize(*args))  # asked while compiling
    try:
        for mine in (False, True):
            today.today(owner="someone" if mine else None)
            compiled.clear()
            today.today(owner="someone" if mine else None)
            assert compiled == []
    finally:
        connection.set_authorizer(_authorize)


def test_limit_keeps_true_counts(store):
    """A section cut at the limit still reports how many items there are in all."""
    for n in range(5):
        leads.add_lead(f"Lead {n}", email=f"lead{n}@example.com")
    result = today.today(limit=2)
    assert len(result.sections["respond_now"]) == 2
    assert result.counts["respond_now"] == 5


def test_a_stage_without_stale_days_never_goes_stale(day):
    """A stage whose stale interval is 0 keeps its quiet leads off the stale list."""
    t0, start, end = day
    answered("Quiet", t0 + timedelta(days=30), last_activity=t0 - timedelta(days=400))
    assert [i.name for i in today.today(at=t0).sections["stale"]] == ["Quiet"]
    writes.update(stages.find_stage("Contacted"), stale_days=0)
    assert today.today(at=t0).sections["stale"] == []


def test_mine_and_unclaimed_keeps_exactly_those_leads(day, checklist):
    """With an owner Today lists, in every section, the same items minus the leads another member owns."""
    t0, start, end = day
    me, other = members.find_member("Me").id, members.find_member("Other").id
    for number, lead_id in enumerate(sorted(checklist.values())):  # mine, someone else's, unclaimed in turn
        if number % 3 < 2:
            set_lead(Lead.get_by_id(lead_id), owner=(me, other)[number % 3])
    others = {lead.id for lead in Lead.select().where(Lead.owner == other)}
    everyone = today.today(at=t0)
    mine = today.today(at=t0, owner=me)
    for name in today_items.SECTIONS:
        expected = [item for item in everyone.sections[name] if item.lead_id not in others]
        assert mine.sections[name] == expected, name
        assert mine.counts[name] == len(expected), name
    assert sum(mine.counts.values()) < sum(everyone.counts.values())  # the filter did take some away
    assert {i.lead_id for items in mine.sections.values() for i in items} & {
        lead.id for lead in Lead.select().where(Lead.owner == me)}  # and kept mine
    assert today.today(at=t0) == everyone  # the default is still everyone's


def test_unclaimed_only_without_a_member(day, checklist):
    """An owner that matches nobody (no member yet) leaves only the unclaimed leads."""
    t0, start, end = day
    set_lead(Lead.get_by_id(checklist["waiting"]), owner=members.find_member("Someone").id)
    ids = {i.lead_id for i in today.today(at=t0, owner="").sections["respond_now"]}
    assert ids == {checklist["newer"]}


def test_a_snoozed_inquiry_waits_in_upcoming_until_its_time(day):
    """An inquiry snoozed 3 h leaves Respond now for Upcoming, counts as nothing due, and is back when due."""
    t0, start, end = day
    lead, _ = leads.add_lead("Snoozed", email="snoozed@example.com")
    followups.snooze(lead.id, t0 + timedelta(hours=3))
    later = today.today(at=t0)
    assert later.sections["respond_now"] == [] and later.total_due() == 0
    assert [i.lead_id for i in later.sections["upcoming"]] == [lead.id]
    assert later.sections["upcoming"][0].reason.startswith("until ")
    back = today.today(at=t0 + timedelta(hours=3, seconds=1))
    assert [i.lead_id for i in back.sections["respond_now"]] == [lead.id] and back.sections["upcoming"] == []


def test_a_reply_is_ours_until_snoozed(day):
    """A reply beats a step set before it; a snooze after it moves the lead to Upcoming."""
    t0, start, end = day
    lead = answered("Wrote back", t0 + timedelta(days=5))
    for entry in Activity.select().where((Activity.lead == lead.id) & (Activity.kind == "followup")):
        writes.update(entry, at=t0 - timedelta(days=1))
    set_lead(lead, awaiting_since=t0 - timedelta(hours=1))
    assert [i.lead_id for i in today.today(at=t0).sections["replied"]] == [lead.id]
    # mail capture ticking off a step after the reply came in (as it reads Sent later) is no snooze
    leads.complete_followup(Lead.get_by_id(lead.id), next_due=t0 + timedelta(days=2))
    assert [i.lead_id for i in today.today(at=t0).sections["replied"]] == [lead.id]
    followups.snooze(lead.id, t0 + timedelta(days=1))
    result = today.today(at=t0)
    assert result.sections["replied"] == [] and [i.lead_id for i in result.sections["upcoming"]] == [lead.id]


@pytest.mark.parametrize(("minutes", "expected"), [(0, "calm"), (29, "calm"), (30, "amber"), (60, "amber"),
                                                   (61, "red"), (600, "red")])
def test_urgency_turns_amber_then_red_around_the_target(minutes, expected):
    """Calm below half the target response time, amber up to it, red past it."""
    t0 = now()
    assert today.urgency(t0 - timedelta(minutes=minutes), t0, 60) == expected


def test_a_fresh_inquiry_is_calm_by_the_owners_target(day):
    """A new inquiry is calm; past the per-machine target (default 60 min) it is red, and the setting moves it."""
    t0, start, end = day
    leads.add_lead("Fresh", email="fresh@example.com", received_at=t0 - timedelta(minutes=5))
    leads.add_lead("Slow", email="slow@example.com", received_at=t0 - timedelta(minutes=90))
    hues = {i.name: i.urgency for i in today.today(at=t0).sections["respond_now"]}
    assert hues == {"Fresh": "calm", "Slow": "red"}
    settings.put("response_target_minutes", "240")
    assert {i.name: i.urgency for i in today.today(at=t0).sections["respond_now"]} == {"Fresh": "calm",
                                                                                      "Slow": "calm"}


def test_today_read_with_contacts_carries_each_items_line(store):
    """Read with its contact lines (as the window's start-up read is), each item has its email, else its
    phone written to read; read without them, none."""
    mailed, _ = leads.add_lead("Mailed", email="mailed@example.com", phone="+4930123456")
    called, _ = leads.add_lead("Called", phone="+4930901820")
    _mine, result = members.my_today(contacts=True)
    assert result.contacts == {mailed.id: "mailed@example.com", called.id: "+49 30 901820"}
    assert members.my_today()[1].contacts == {}
