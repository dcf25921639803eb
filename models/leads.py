"""Domain rules for leads: each public function is one transaction that keeps the invariants.

Invariant: an open lead always has exactly one pending follow-up with a date.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import peewee as pw

from . import settings, stages, writes
from .clock import now
from .contacts import normalise_email, normalise_phone
from .errors import InvalidInput, NotFound, RuleError
from .tables import Activity, FollowUp, Lead, Member, Stage, database, new_id, uuid5_text

RESPOND = "Respond to inquiry"
FOLLOW_UP = "Follow up"
EDITABLE = ("name", "email", "phone", "company", "source", "service", "value", "owner")


def live() -> pw.ModelSelect:
    """Leads that have not been merged into another."""
    return Lead.select().where(Lead.merged_into.is_null())


def find_lead(ref: str) -> Lead:
    """A lead by id, id prefix (6+ characters), email, or unique name; merges are followed."""
    ref = ref.strip()
    lead = Lead.get_or_none(Lead.id == ref)
    if lead is None and len(ref) >= 6:
        matches = list(Lead.select().where(Lead.id.startswith(ref)).limit(2))
        lead = matches[0] if len(matches) == 1 else None
    if lead is None:
        matches = list(live().where((Lead.email == ref.lower()) | (pw.fn.lower(Lead.name) == ref.lower())).limit(5))
        if len(matches) > 1:
            ids = ", ".join(m.id[:8] for m in matches)
            raise NotFound(f"'{ref}' matches several leads ({ids}…): name one by its id.")
        lead = matches[0] if matches else None
    if lead is None:
        raise NotFound(f"There is no lead '{ref}'.")
    while lead.merged_into:
        lead = Lead.get_by_id(lead.merged_into)
    return lead


def find_duplicates(email: str | None, phone: str | None, exclude: str | None = None) -> list[Lead]:
    """Leads sharing a normalised email or phone, open ones first."""
    if not email and not phone:
        return []
    # Every new inquiry passes this door and almost none has a twin: a bare indexed probe
    # first, full rows only for real matches (the probe costs a tenth of a peewee query).
    ids = [row[0] for row in database.execute_sql(
        "SELECT id FROM lead WHERE merged_into IS NULL AND (email = ? OR phone = ?)", (email, phone))
        if row[0] != exclude]
    if not ids:
        return []
    return sorted(Lead.select().where(Lead.id << ids), key=lambda lead: (lead.status != "open", lead.created_at))


def pending_followup(lead: Lead) -> FollowUp | None:
    return FollowUp.get_or_none((FollowUp.lead == lead.id) & FollowUp.done_at.is_null())


def log(lead: Lead, kind: str, summary: str, *, body: str | None = None, at: datetime | None = None,
        author: str | None = None, message_id: str | None = None, activity_id: str | None = None) -> Activity:
    """Add an entry to the lead's timeline and bump its last activity."""
    at = at or now()
    values: dict[str, Any] = dict(lead=lead, kind=kind, at=at, summary=summary, body=body,
                                  author=settings.user_name() if author is None else author,
                                  message_id=message_id)
    if activity_id:
        values["id"] = activity_id
    activity = writes.insert(Activity, **values)
    if at > lead.last_activity_at:
        writes.update(lead, last_activity_at=at)
    return activity


Logger = Callable[..., Any]  # log's signature: what rules call to add a timeline entry


def _default_due(stage: Stage, start: datetime | None = None) -> datetime:
    return (start or now()) + timedelta(days=stage.followup_days)


_CURRENCY = re.compile(r"[€$£¥₹\s\u00a0'’]|\b(?:EUR|USD|GBP|CHF)\b", re.IGNORECASE)


def parse_amount(text: str) -> float | None:
    """'1.234,50 €', '$1,200', '1 500' -> a number; None when there is none.

    With both separators the last is the decimal mark; a lone separator before exactly three
    final digits groups thousands. One rule for typing, importing and the command line.
    """
    number = _CURRENCY.sub("", text)
    if not number:
        return None
    if not re.fullmatch(r"-?(\d[\d.,]*)?\d", number):
        raise InvalidInput(f"'{text.strip()}' is not a number")
    if "," in number and "." in number:
        decimal = "," if number.rfind(",") > number.rfind(".") else "."
        number = number.replace("." if decimal == "," else ",", "").replace(",", ".")
    else:
        for sep in ",.":
            if number.count(sep) > 1 or re.search(rf"\{sep}\d{{3}}$", number):
                number = number.replace(sep, "")
        number = number.replace(",", ".")
    return float(number)


def normalised(fields: dict[str, Any], region: str | None = None) -> dict[str, Any]:
    """Clean user-supplied lead fields: trimmed text, normalised email/phone, numeric value.

    Bulk callers pass the phone region once instead of reading the setting per row.
    """
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip() or None
        if name == "email":
            value = normalise_email(value)
        elif name == "phone":
            value = normalise_phone(value, region or settings.phone_region())
        elif name == "value" and value is not None and not isinstance(value, int | float):
            value = parse_amount(str(value))
        elif name == "name" and not value:
            raise InvalidInput("A lead needs a name.")
        out[name] = value
    return out


def add_lead(name: str, *, email: str | None = None, phone: str | None = None, company: str | None = None,
             source: str | None = None, service: str | None = None, message: str | None = None,
             owner: Member | None = None, received_at: datetime | None = None, lead_id: str | None = None,
             relay: str | None = None, author: str | None = None,
             message_id: str | None = None) -> tuple[Lead, bool]:
    """Create a lead with "Respond to inquiry" due now, or attach to the open lead it duplicates.

    message_id ties the inquiry's timeline entry to its mail (thread matching). Returns (lead, created).
    """
    fields = normalised(dict(name=name or email or phone, email=email, phone=phone, company=company,
                             source=source, service=service))
    received = received_at or now()
    with database.atomic("IMMEDIATE"):
        twin = next((d for d in find_duplicates(fields["email"], fields["phone"]) if d.status == "open"), None)
        if twin is not None:
            fill = {k: v for k, v in fields.items() if v and not getattr(twin, k)}
            if fill:
                writes.update(twin, **fill)
            log(twin, "email_in" if message else "note", "Another inquiry from the same contact",
                body=message, at=received, author=author, message_id=message_id)
            return twin, False
        lead_row, created, respond = new_lead_rows(
            fields, received=received, first=stages.first_stage(), author=author or settings.user_name(),
            message=message, owner_id=owner.id if owner else None, relay=relay, lead_id=lead_id,
            message_id=message_id)
        lead = writes.insert(Lead, **lead_row)
        writes.insert(Activity, **created)
        writes.insert(FollowUp, **respond)
        return lead, True


def new_lead_rows(fields: dict[str, Any], *, received: datetime, first: Stage, author: str,
                  message: str | None = None, owner_id: str | None = None, relay: str | None = None,
                  lead_id: str | None = None, message_id: str | None = None, respond: bool = True,
                  ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    """The rows a new inquiry starts as: the lead, its "created" entry, and "Respond to inquiry"
    due when the inquiry came in (None with respond=False: an import gives its leads another step).
    add_lead writes them one at a time, imports many at once: one definition of a new lead.
    `fields` are normalised (see normalised()).

    A lead with a given id (one made from a mail message) gets entry and step ids derived from
    it, so two machines reading the same inbox make the very same rows, not twins.
    """
    def row_id(part: str) -> str:
        return uuid5_text(bytes.fromhex(lead_id.replace("-", "")), part.encode()) if lead_id else new_id()

    lead = dict(id=lead_id or new_id(), name=fields["name"], email=fields.get("email"), phone=fields.get("phone"),
                company=fields.get("company"), source=fields.get("source"), service=fields.get("service"),
                message=message, stage=first.id, status="open", owner=owner_id, value=None, lost_reason=None,
                relay=relay, created_at=received, stage_changed_at=received, first_response_at=None,
                last_activity_at=received, awaiting_since=None, closed_at=None, merged_into=None, imported_at=None)
    source = fields.get("source")
    created = dict(id=row_id("created"), lead=lead["id"], kind="created", at=received, author=author,
                   summary=f"Inquiry received{' via ' + source if source else ''}", body=message,
                   message_id=message_id)
    if not respond:
        return lead, created, None
    return lead, created, dict(id=row_id("respond"), lead=lead["id"], title=RESPOND, due=received, done_at=None,
                               outcome=None, created_at=now())


def edit_lead(lead: Lead, author: str | None = None, **fields: Any) -> Lead:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise InvalidInput(f"Cannot edit {', '.join(sorted(unknown))}: editable fields are {', '.join(EDITABLE)}.")
    fields = normalised(fields)
    if fields.get("owner") is not None and not isinstance(fields["owner"], Member):
        raise InvalidInput("The owner must be a team member.")
    with database.atomic("IMMEDIATE"):
        changed = [k for k, v in fields.items() if getattr(lead, k + ("_id" if k == "owner" else "")) !=
                   (v.id if isinstance(v, Member) else v)]
        if not changed:
            return lead
        writes.update(lead, **fields)
        log(lead, "edit", "Changed " + ", ".join(changed), author=author)
    return lead


def schedule_followup(lead: Lead, due: datetime | None = None, title: str | None = None,
                      author: str | None = None) -> FollowUp:
    """Set the lead's next step, replacing the pending one (snooze and reschedule use this)."""
    if lead.status != "open":
        raise RuleError(f"{lead.name} is {lead.status}: a closed lead has no next step "
                        "(move it to an open stage first).")
    with database.atomic("IMMEDIATE"):
        pending = pending_followup(lead)
        due = due or _default_due(lead.stage)
        if pending is not None:
            writes.update(pending, due=due, title=title or pending.title)
            followup = pending
        else:
            followup = writes.insert(FollowUp, lead=lead, title=title or FOLLOW_UP, due=due, created_at=now())
        log(lead, "followup", f"Next step: {followup.title}", at=now(), author=author)
        return followup


def complete_followup(lead: Lead, *, outcome: str | None = None, next_due: datetime | None = None,
                      next_title: str | None = None, close: str | None = None, reason: str | None = None,
                      value: Any = None, author: str | None = None,
                      open_stages: Sequence[Stage] | None = None, pending: FollowUp | None = None,
                      logger: Logger | None = None) -> FollowUp | None:
    """Tick off the pending step; then either schedule the next one or close the lead (won/lost).

    Without a date the next step falls due after the stage's interval. Returns the next step.
    Capture passes what it read already in this transaction (the open stages, as record_response's,
    and the pending step) and its batch's gatherer of timeline entries (`logger`, as record_response's).
    """
    if lead.status != "open":
        raise RuleError(f"{lead.name} is {lead.status}: there is no follow-up to complete.")
    with database.atomic("IMMEDIATE"):
        pending = pending or pending_followup(lead)
        if pending is not None:
            writes.update(pending, done_at=now(), outcome=outcome)
            (logger or log)(lead, "followup", f"Done: {pending.title}", body=outcome, author=author)
            if pending.title == RESPOND:
                record_response(lead, now(), author=author, open_stages=open_stages, logger=logger)
        if close:
            move_lead(lead, stages.closing_stage(close), reason=reason, value=value, author=author)
            return None
        return writes.insert(FollowUp, lead=lead, title=next_title or FOLLOW_UP,
                             due=next_due or _default_due(lead.stage), created_at=now())


def move_lead(lead: Lead, stage: Stage, *, reason: str | None = None, value: Any = None,
              author: str | None = None) -> Lead:
    """Move a lead to a stage, asking only what that stage needs (a lost reason, a value)."""
    if stage.id == lead.stage_id:
        return lead
    if stage.kind == "lost":
        reasons = stages.lost_reasons()
        chosen = next((r for r in reasons if reason and r.lower() == reason.strip().lower()), None)
        if chosen is None and reason and reason.strip():
            raise RuleError(f"'{reason.strip()}' is not a lost reason: {', '.join(reasons)}.")
        if chosen is None:
            raise RuleError(f"Moving to {stage.name} needs a reason: one of {', '.join(reasons)}.")
        reason = chosen
    changes: dict[str, Any] = dict(stage=stage, stage_changed_at=now())
    if value not in (None, ""):
        changes["value"] = normalised({"value": value})["value"]
    old = lead.stage.name
    with database.atomic("IMMEDIATE"):
        if stage.kind == "open":
            changes.update(status="open", closed_at=None, lost_reason=None)
            if lead.first_response_at is None and stage.position > stages.first_stage().position:
                changes["first_response_at"] = now()  # the owner says they have been in touch
        else:
            changes.update(status=stage.kind, closed_at=now(), lost_reason=reason, awaiting_since=None)
        writes.update(lead, **changes)
        summary = f"{old} → {stage.name}" + (f" ({reason})" if reason and stage.kind == "lost" else "")
        log(lead, "stage", summary, author=author)
        pending = pending_followup(lead)
        if stage.kind != "open":
            for followup in FollowUp.select().where((FollowUp.lead == lead.id) & FollowUp.done_at.is_null()):
                writes.delete(followup)
        elif pending is None:
            writes.insert(FollowUp, lead=lead, title=FOLLOW_UP, due=_default_due(stage), created_at=now())
        elif pending.title == RESPOND and stage.position > stages.first_stage().position:
            writes.update(pending, done_at=now(), outcome=f"Moved to {stage.name}")
            writes.insert(FollowUp, lead=lead, title=FOLLOW_UP, due=_default_due(stage), created_at=now())
    return lead


def record_response(lead: Lead, at: datetime, author: str | None = None,
                    open_stages: Sequence[Stage] | None = None, logger: Logger | None = None) -> None:
    """We answered the lead: first response time, our turn over, New moves on to the next stage.

    Used by ticking off "Respond to inquiry" and by reply tracking from the Sent folder.
    The caller holds the transaction and keeps the follow-up invariant. Capture passes the
    open stages it read once for the pass (a query per reply cost half of logging one), and a
    `logger` that gathers the timeline entry with its batch's others (one INSERT for them all).
    """
    changes: dict[str, Any] = {"awaiting_since": None}
    if lead.first_response_at is None or at < lead.first_response_at:
        changes["first_response_at"] = at
    writes.update(lead, **changes)
    first, *rest = stages.open_stages() if open_stages is None else open_stages
    if lead.status == "open" and lead.stage_id == first.id and rest:
        writes.update(lead, stage=rest[0], stage_changed_at=at)
        (logger or log)(lead, "stage", f"{first.name} → {rest[0].name} (we replied)", at=at, author=author)


def reopen_inquiry(lead: Lead, due: datetime, author: str | None = None) -> None:
    """Undo ticking off "Respond to inquiry": the lead waits for its first answer again, in New."""
    if lead.status != "open":
        raise RuleError(f"{lead.name} is {lead.status}: reopen it by moving it to an open stage.")
    with database.atomic("IMMEDIATE"):
        first = stages.first_stage()
        if lead.stage_id != first.id:
            old = lead.stage.name
            writes.update(lead, stage=first, stage_changed_at=now())
            log(lead, "stage", f"{old} → {first.name} (undone)", author=author)
        writes.update(lead, first_response_at=None)
        schedule_followup(lead, due, title=RESPOND, author=author)


def add_note(lead: Lead, text: str, kind: str = "note", author: str | None = None) -> Activity:
    """A note, call or meeting on the timeline."""
    if not text.strip():
        raise InvalidInput("A note needs some text.")
    if kind not in ("note", "call", "meeting"):
        raise InvalidInput(f"'{kind}' is not a kind of note: use note, call or meeting.")
    with database.atomic("IMMEDIATE"):
        summary = {"note": "Note", "call": "Call", "meeting": "Meeting"}[kind]
        return log(lead, kind, summary, body=text.strip(), author=author)


def merge_leads(keep: Lead, other: Lead, author: str | None = None) -> Lead:
    """Join other into keep: every activity and follow-up moves, empty fields are filled."""
    if keep.id == other.id:
        raise RuleError("A lead cannot be merged with itself.")
    with database.atomic("IMMEDIATE"):
        for activity in Activity.select().where(Activity.lead == other.id):
            writes.update(activity, lead=keep)
        pendings = sorted(
            FollowUp.select().where((FollowUp.lead << [keep.id, other.id]) & FollowUp.done_at.is_null()),
            key=lambda f: f.due)
        for followup in FollowUp.select().where(FollowUp.lead == other.id):
            writes.update(followup, lead=keep)
        keep_pending = keep.status == "open" and pendings
        for extra in pendings[1:] if keep_pending else pendings:
            writes.delete(FollowUp.get_by_id(extra.id))
        # imported_at too: an imported half's first answer (and maybe its received date) is no measured one
        fill = {name: getattr(other, name) for name in ("email", "phone", "company", "source", "service",
                                                          "message", "value", "relay", "imported_at")
                if getattr(other, name) and not getattr(keep, name)}
        if other.owner_id and not keep.owner_id:
            fill["owner"] = other.owner_id
        firsts = [t for t in (keep.first_response_at, other.first_response_at) if t]
        fill.update(created_at=min(keep.created_at, other.created_at),
                    last_activity_at=max(keep.last_activity_at, other.last_activity_at),
                    first_response_at=min(firsts) if firsts else None)
        writes.update(keep, **fill)
        writes.update(other, merged_into=keep.id)
        log(keep, "merge", f"Merged with {other.name}" + (f" <{other.email}>" if other.email else ""),
            author=author)
    return keep
