"""The lead detail's operations: load everything it shows, save edited fields, set the next
step, add a note, merge a duplicate in; and the subject a reply to the lead should carry.

They take ids and plain values and return plain data; called through the controller's
write, each runs as one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import leads, members, settings
from .board import Choices, choices
from .contacts import display_phone, normalise_email, normalise_phone
from .errors import InvalidInput
from .mail import last_subject
from .timeline import Entry, LeadInfo, lead_info, timeline


@dataclass(frozen=True)
class DetailData:
    info: LeadInfo
    entries: list[Entry]
    choices: Choices
    phone_region: str


def load_detail(lead_id: str) -> DetailData:
    """The lead (following merges), its timeline, the stage/owner choices and the phone region."""
    info = lead_info(lead_id)
    return DetailData(info, timeline(info.id), choices(), settings.phone_region())


def field_problem(name: str, text: str, region: str) -> str | None:
    """Why a typed contact field cannot be saved (one sentence), or None when it can."""
    try:
        if name == "email":
            normalise_email(text)
        elif name == "phone":
            normalise_phone(text, region)
        elif name == "value":
            amount = leads.parse_amount(text)
            if amount is not None and amount < 0:
                return "A value cannot be negative."
        elif name == "name" and not text.strip():
            return "A lead needs a name."
    except InvalidInput as exc:
        return str(exc)
    return None


def edited_fields(info: LeadInfo, texts: dict[str, str], owner_text: str) -> tuple[dict[str, Any], str | None]:
    """What the user changed in the contact form: (fields as save_fields takes them, owner or None)."""
    fields: dict[str, Any] = {}
    for name, text in texts.items():
        text = text.strip()
        if name == "value":
            amount = leads.parse_amount(text)
            if amount != info.value:
                fields[name] = amount
        elif name == "phone":
            if text != display_phone(info.phone):
                fields[name] = text
        elif text != (getattr(info, name) or ""):
            fields[name] = text
    owner_text = owner_text.strip()
    return fields, owner_text if owner_text != (info.owner or "") else None


def save_fields(lead_id: str, fields: dict[str, Any], owner: str | None) -> None:
    """Save edited fields (as leads.edit_lead takes them); owner by name, '' = unclaimed, None = unchanged."""
    lead = leads.find_lead(lead_id)
    if owner is not None:
        fields = dict(fields, owner=members.find_member(owner) if owner else None)
    leads.edit_lead(lead, **fields)


def save_next_step(lead_id: str, due: datetime, title: str) -> str:
    """Set the lead's next step (replacing the pending one); returns the step's id."""
    return leads.schedule_followup(leads.find_lead(lead_id), due, title.strip() or None).id


def add_note(lead_id: str, text: str, kind: str = "note") -> str:
    """A note, call or meeting on the lead's timeline; returns the entry's id."""
    return leads.add_note(leads.find_lead(lead_id), text, kind=kind).id


def merge_into(keep_id: str, other_id: str) -> str:
    """Join the other lead into the kept one (every activity moves); returns the kept lead's id."""
    return leads.merge_leads(leads.find_lead(keep_id), leads.find_lead(other_id)).id


def reply_subject(lead_id: str) -> str:
    """'Re: ' and the subject of the lead's latest correspondence (or its service)."""
    lead = leads.find_lead(lead_id)
    subject = last_subject(lead.id)
    if not subject:
        subject = f"Your inquiry about {lead.service.lower()}" if lead.service else "Your inquiry"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"
