"""Adding a lead by hand (the New lead form): the duplicate warning, then saving."""
from __future__ import annotations

from dataclasses import dataclass

from . import leads


@dataclass(frozen=True)
class Duplicate:
    lead_id: str
    name: str
    status: str
    stage: str
    matched: str  # "email" | "phone" | "email and phone" | "details"


def find_duplicates(email: str | None, phone: str | None, limit: int = 3) -> list[Duplicate]:
    """Live leads sharing the (normalised) email or phone, open ones first."""
    out = []
    for lead in leads.find_duplicates(email, phone)[:limit]:
        matched = " and ".join(w for w, mine, theirs in (("email", email, lead.email), ("phone", phone, lead.phone))
                               if mine and mine == theirs)
        out.append(Duplicate(lead.id, lead.name, lead.status, lead.stage.name, matched or "details"))
    return out


def save_lead(fields: dict[str, str | None]) -> tuple[str, bool]:
    """Add the lead (an open twin gets the inquiry on its timeline instead); (lead id, whether it is new)."""
    fields = dict(fields)
    lead, created = leads.add_lead(fields.pop("name") or "", **fields)
    return lead.id, created
