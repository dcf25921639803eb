"""Team members: every lead has an owner or is visibly unclaimed."""
from __future__ import annotations

import peewee as pw

from . import writes
from .errors import InvalidInput
from .tables import Member


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
