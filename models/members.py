"""Team members: every lead has an owner or is visibly unclaimed.

Each data folder belongs to one member ("me"): the per-machine setting `member_id`. Before
there is a team, the first claim makes a member for the user's name; creating or joining a
team names the same member (become_member), so the leads claimed before stay mine.
"""
from __future__ import annotations

from dataclasses import dataclass

import peewee as pw

from . import leads, settings, today, today_items, writes
from .errors import InvalidInput, NotFound
from .tables import Member, database

MY_MEMBER = "member_id"  # the Setting naming this data folder's member
MINE_TODAY = "today_mine"  # "1": this machine's Today shows my leads and unclaimed ones, not everyone's


@dataclass(frozen=True)
class Claimed:
    lead_id: str
    lead_name: str
    member_id: str
    member_name: str
    previous_owner: str | None  # the member's name who owned it before (None: it was unclaimed)
    changed: bool  # False: it was mine already


def members() -> list[Member]:
    return list(Member.select().order_by(Member.name))


def find_member(ref: str, create: bool = True) -> Member:
    """A member by name or email; naming someone new adds them to the team."""
    ref = ref.strip()
    if not ref:
        raise InvalidInput("A team member needs a name.")
    member = Member.get_or_none((pw.fn.lower(Member.name) == ref.lower()) | (pw.fn.lower(Member.email) == ref.lower()))
    if member is None:
        if not create:
            raise InvalidInput(f"There is no team member '{ref}'.")
        member = writes.insert(Member, name=ref, email=ref.lower() if "@" in ref else None)
    return member


def my_member_id() -> str | None:
    """This data folder's member, if it has one (and it still exists)."""
    member_id = settings.get(MY_MEMBER)
    return member_id if member_id and Member.get_or_none(Member.id == member_id) else None


def become_member(name: str, email: str | None = None) -> str:
    """Make this data folder's member carry name and email (made, or found by email, when there is none)."""
    name, email = name.strip(), (email or "").strip().lower() or None
    if not name:
        raise InvalidInput("A team member needs a name.")
    with database.atomic("IMMEDIATE"):
        member_id = my_member_id()
        member = Member.get_by_id(member_id) if member_id else find_member(email or name)
        writes.update(member, name=name, email=email or member.email)
        settings.put(MY_MEMBER, member.id)
        return member.id


def my_member() -> Member:
    """This data folder's member; the first time, one for the user's name (a team names it properly later)."""
    member_id = my_member_id()
    if member_id:
        return Member.get_by_id(member_id)
    member = find_member(settings.user_name())
    settings.put(MY_MEMBER, member.id)
    return member


def claim(lead_ref: str, member_id: str | None = None) -> Claimed:
    """Make the lead the member's (default: mine), recorded on its timeline as "Claimed by X"."""
    with database.atomic("IMMEDIATE"):
        lead = leads.find_lead(lead_ref)
        member = Member.get_or_none(Member.id == member_id) if member_id else my_member()
        if member is None:
            raise NotFound(f"There is no team member {member_id}.")
        previous = Member.get_or_none(Member.id == lead.owner_id) if lead.owner_id else None
        changed = lead.owner_id != member.id
        if changed:
            writes.update(lead, owner=member)
            was = f" (was {previous.name})" if previous else ""
            leads.log(lead, "claim", f"Claimed by {member.name}{was}")
        return Claimed(lead.id, lead.name, member.id, member.name, previous.name if previous else None, changed)


def my_today(limit: int = today_items.PER_SECTION, contacts: bool = False) -> tuple[bool, today_items.Today]:
    """Today as this machine chose to see it: (mine + unclaimed?, the checklist), with contacts its items'
    contact lines (today.contact_lines)."""
    mine = settings.get(MINE_TODAY) == "1"
    result = today.today(limit, owner=(my_member_id() or "") if mine else None)
    if contacts:
        result.contacts = today.contact_lines(result)
    return mine, result


def my_due_counts() -> tuple[int, int]:
    """(items due, of which overdue) in Today as this machine sees it: the tray's badge."""
    _mine, result = my_today(limit=1)
    return result.total_due(), result.counts.get("overdue", 0)


def show_mine_today(mine: bool) -> None:
    settings.put(MINE_TODAY, "1" if mine else "0")
