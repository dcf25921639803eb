"""Members and ownership: my member per data folder, claiming a lead in one recorded step."""
from __future__ import annotations

from datetime import timedelta

import pytest

from models import db, leads, members, settings
from models.clock import now
from models.errors import InvalidInput, NotFound
from models.tables import Activity, Lead, Member
from models.timeline import timeline


def test_new_inquiries_are_unclaimed(store):
    """A lead that arrives by itself has no owner until someone claims it."""
    lead, _ = leads.add_lead("Ana", email="ana@example.com")
    assert Lead.get_by_id(lead.id).owner_id is None


def test_first_claim_makes_my_member_from_my_name(store):
    """Without a team, the first claim makes a member for the user's name and remembers it for this folder."""
    settings.put("user_name", "Sam Field")
    lead, _ = leads.add_lead("Ana", email="ana@example.com")
    assert members.my_member_id() is None
    claimed = db.transaction(members.claim, lead.id)
    me = Member.get_by_id(claimed.member_id)
    assert me.name == "Sam Field" and settings.get(members.MY_MEMBER) == me.id == members.my_member_id()
    assert Lead.get_by_id(lead.id).owner_id == me.id
    assert claimed == members.Claimed(lead.id, "Ana", me.id, "Sam Field", None, True)
    other, _ = leads.add_lead("Bo", email="bo@example.com")
    assert db.transaction(members.claim, other.id).member_id == me.id  # the same member the second time
    assert Member.select().count() == 1


def test_claim_is_on_the_timeline_once(store):
    """Claiming says "Claimed by X" on the lead's timeline (naming the previous owner); again changes nothing."""
    lead, _ = leads.add_lead("Ana", email="ana@example.com")
    bea = members.find_member("Bea")
    leads.edit_lead(lead, owner=bea)
    me = members.become_member("Sam", "sam@example.com")
    claimed = db.transaction(members.claim, "ana@example.com")
    assert claimed.previous_owner == "Bea" and claimed.changed
    entry = timeline(lead.id)[0]
    assert (entry.kind, entry.summary) == ("claim", "Claimed by Sam (was Bea)")
    before = Activity.select().count()
    again = db.transaction(members.claim, lead.id, me)
    assert not again.changed and Activity.select().count() == before


def test_claim_for_another_member_and_unknown_ones(store):
    """A lead can be given to a named member; an unknown member or lead is refused in a sentence, nothing written."""
    lead, _ = leads.add_lead("Ana", email="ana@example.com")
    bea = members.find_member("Bea").id
    assert db.transaction(members.claim, lead.id, bea).member_name == "Bea"
    with pytest.raises(NotFound, match="no team member"):
        db.transaction(members.claim, lead.id, "no-such-member")
    with pytest.raises(NotFound, match="no lead"):
        db.transaction(members.claim, "nobody@example.com")
    assert Lead.get_by_id(lead.id).owner_id == bea


def test_become_member_renames_my_member(store):
    """Joining a team names the member I already claimed leads as, instead of making a second one."""
    settings.put("user_name", "sam")
    lead, _ = leads.add_lead("Ana", email="ana@example.com")
    first = db.transaction(members.claim, lead.id).member_id
    assert members.become_member("Sam Field", "Sam@Example.com") == first
    me = Member.get_by_id(first)
    assert (me.name, me.email) == ("Sam Field", "sam@example.com")
    with pytest.raises(InvalidInput):
        members.become_member("  ")


def test_become_member_finds_me_by_email(store):
    """A new data folder joining as someone the team already knows (by email) becomes that member."""
    known = members.find_member("bea@example.com")
    assert members.become_member("Bea", "bea@example.com") == known.id
    assert Member.select().count() == 1


def test_my_today_remembers_the_choice(store):
    """This machine's Today shows everyone's leads until it chooses mine + unclaimed, and keeps that choice."""
    mine, _ = leads.add_lead("Mine", email="mine@example.com")
    theirs, _ = leads.add_lead("Theirs", email="theirs@example.com")
    leads.add_lead("Nobody's", email="nobody@example.com")
    db.transaction(members.claim, mine.id)
    leads.edit_lead(theirs, owner=members.find_member("Bea"))

    def shown() -> tuple[bool, set[str]]:
        mine_only, checklist = members.my_today()
        return mine_only, {item.name for item in checklist.sections["respond_now"]}

    assert shown() == (False, {"Mine", "Theirs", "Nobody's"})
    members.show_mine_today(True)
    assert shown() == (True, {"Mine", "Nobody's"})
    members.show_mine_today(False)
    assert shown()[0] is False


def test_the_tray_badge_counts_what_today_shows(store):
    """(items due, of which overdue) follow this machine's Today: everyone's, or only mine + unclaimed."""
    mine, _ = leads.add_lead("Mine", email="mine@example.com")
    theirs, _ = leads.add_lead("Theirs", email="theirs@example.com")
    db.transaction(members.claim, mine.id)
    leads.edit_lead(theirs, owner=members.find_member("Bea"))
    late, _ = leads.add_lead("Late", email="late@example.com")
    leads.complete_followup(late, next_due=now() - timedelta(days=2))
    assert members.my_due_counts() == (3, 1)
    members.show_mine_today(True)
    assert members.my_due_counts() == (2, 1)  # Bea's lead is hers to answer
