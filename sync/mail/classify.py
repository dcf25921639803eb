"""The verdict for one message: lead, reply, outgoing, review, ignored or error.

Pure: lookups into the owner's data go through the `Known` protocol, so the same code
serves capture (over the database) and `leadbook parse-email` (with `NoKnown`).

Order: form and marketplace notifications first (their structure says "submission"; the
visitor's message is judged by signals.py, since forms carry much spam), then automatic
mail (automatic.py), the owner's own mail, replies to known leads, the owner's rules,
notifications, and last a personal message judged by its signals: a lead, Review when it
might be one, Ignored when nothing in it asks for anything.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from .automatic import NOREPLY_LOCAL, automatic, domain, local_part, notice, own_group
from .clean import split_message
from .forms import FIELDS, FormMatch, find_phone, is_relay, recognise
from .parse import Mail, parse
from .signals import HARD, MARKETING, PITCH, SELLING, Judgement, is_test_mail, judge

VERDICTS = ("lead", "reply", "outgoing", "review", "ignored", "error")


@dataclass(frozen=True)
class Fields:
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    message: str | None = None
    service: str | None = None


@dataclass(frozen=True)
class Verdict:
    verdict: str  # "lead" | "reply" | "outgoing" | "review" | "ignored" | "error"
    reason: str  # human readable, stored beside the message
    source: str | None  # "Contact Form 7", "Yelp", "email" (direct inquiry), None
    fields: Fields
    mail: Mail | None  # None only when parsing failed entirely
    lead_id: str | None = None  # reply/outgoing: the known lead it belongs to
    relay: str | None = None  # marketplace/builder relay address: the thread key


class Known(Protocol):
    """Lookups into the owner's data; capture implements it over the database."""

    def lead_for_thread(self, message_ids: Sequence[str]) -> str | None:
        """Lead id owning any of these Message-IDs."""

    def lead_for_address(self, address: str) -> str | None:
        """Open or closed lead with this email or relay address."""

    def rule_for(self, address: str) -> str | None:
        """Rule learned in review ("lead" or "ignored"), by exact address then by domain."""


class NoKnown:
    """No owner data: every lookup misses (parse-email without a database)."""

    def lead_for_thread(self, message_ids: Sequence[str]) -> str | None:
        return None

    def lead_for_address(self, address: str) -> str | None:
        return None

    def rule_for(self, address: str) -> str | None:
        return None


_FWD = re.compile(r"^\s*(?:fwd?|fw|wg|tr|rv|enc|re|aw|sv|antw)\s*:", re.IGNORECASE)


_VIA = re.compile(r"\s+via\s+.*$", re.IGNORECASE)


def _sender(mail: Mail, mine: frozenset[str], own_group: bool) -> tuple[str, str]:
    """(name, address) of the real author. A group that rewrites From to its own
    address ("Dana via Info <info@…>", for DMARC) keeps the author in Reply-To."""
    if own_group and mail.from_addr in mine:
        for name, addr in mail.reply_to:
            if addr and addr not in mine:
                return name or _VIA.sub("", mail.from_name), addr
    return mail.from_name, mail.from_addr


def _direct_fields(mail: Mail, sender: tuple[str, str]) -> tuple[Fields, str]:
    """The fields of a personal message, and its signature (judged with the text: pitches
    put their opt-out there)."""
    body, signature, _ = split_message(mail.text)
    from_name, from_addr = sender
    name = from_name if from_name and "@" not in from_name else None
    fields = Fields(
        name=name,
        email=from_addr or None,
        phone=find_phone(f"{body}\n{signature}") if body or signature else None,
        message=body or None,
    )
    return fields, signature


def _form_fields(match: FormMatch) -> Fields:
    return Fields(**{k: match.fields[k] for k in FIELDS if match.fields.get(k)})


def _thread_ids(mail: Mail) -> tuple[str, ...]:
    return ((mail.in_reply_to,) if mail.in_reply_to else ()) + mail.references


# A reply to a thread we do not know weighs this much against being a new inquiry.
_THREAD = 2
# A direct message is a lead from this summed weight on, with two inquiry signals or one
# strong one ("I'm interested in"): one money word alone ("prices go up Friday") is not.
_LEAD_SCORE = 3
_HARD_WEIGHT = 4  # spam, phishing or a scam this strong decides alone
_SIGNATURE = 500  # characters of a signature judged with the text
_SUBJECT_LINE = re.compile(r"^subject:.*$", re.IGNORECASE | re.MULTILINE)  # the form's own subject field
_FORM_SUBJECT = re.compile(
    r"\b(?:new (?:form )?(?:entry|submission|lead|inquiry|enquiry)|form (?:entry|submission)|contact form|"
    r"kontaktformular|formulaire|formulario|formulier)\b",
    re.IGNORECASE,
)


def _what(kind: str, topic: str) -> str:
    return f"{kind} ({topic})" if topic else kind


def _form_verdict(mail: Mail, match: FormMatch, ids: tuple[str, ...], known: Known) -> Verdict:
    """A form or marketplace notification: a lead, unless the visitor's message is a
    known lead's, a test, spam or a sales pitch (the commonest thing a site's form sends)."""
    fields = _form_fields(match)
    lead = (ids and known.lead_for_thread(ids)) or (match.relay and known.lead_for_address(match.relay))
    if not lead and fields.email:
        lead = known.lead_for_address(fields.email)
    if lead:
        return Verdict("reply", f"{match.reason}, from a known lead", match.source, fields, mail, lead, match.relay)

    def verdict(name: str, reason: str) -> Verdict:
        return Verdict(name, reason, match.source, fields, mail, None, match.relay)

    rule = known.rule_for(fields.email) if fields.email else None
    if rule in ("lead", "ignored"):
        return verdict(rule, f"{match.reason}; sender rule for {fields.email}: {rule}")
    message = fields.message or ""
    if message and is_test_mail(fields.name or "", _SUBJECT_LINE.sub("", message)):
        return verdict("ignored", f"form submission: test entry ({match.reason})")
    j = judge(message, fields.service or "", fields.company or "")
    kind, weight, topic = j.against(HARD)
    if weight >= _HARD_WEIGHT:
        return verdict("ignored", f"form submission: {_what(kind, topic)} ({match.reason})")
    kind, weight, topic = j.against()
    if kind in SELLING and j.score <= -2:
        return verdict("ignored", f"form submission: {_named(kind, topic)} ({match.reason})")
    if weight >= 2 and j.score < _LEAD_SCORE:
        return verdict("review", f"form submission, possibly a {_named(kind, topic)} ({match.reason})")
    return verdict("lead", match.reason)


def _direct_verdict(
    mail: Mail, addr: str, fields: Fields, signature: str, ids: tuple[str, ...], relay: str | None
) -> Verdict:
    """A personal message: a lead when it reads like an inquiry, Review when it might be
    one, Ignored when nothing in it asks for anything (or it is spam or a pitch)."""
    who = addr or "an unknown sender (no address)"

    def verdict(name: str, reason: str) -> Verdict:
        source = "email" if addr and name != "ignored" else None
        return Verdict(name, reason, source, fields, mail, None, relay if name != "ignored" else None)

    message = fields.message or ""
    subject = _FWD.sub("", mail.subject).strip()
    if not message.strip() and not subject:
        attached = any(not t.startswith(("text/", "multipart/")) for t in mail.content_types)
        return verdict("review" if addr or attached else "ignored", f"empty message from {who}")
    if is_test_mail(subject, message):
        return verdict("ignored", f"test mail from {who}")
    j = judge(subject, message, signature[:_SIGNATURE])
    kind, weight, topic = j.against(HARD)
    if weight >= _HARD_WEIGHT:
        return verdict("ignored", _what(kind, topic))
    score = j.score - (_THREAD if ids else 0)
    kind, weight, topic = j.against(SELLING)
    if score >= _LEAD_SCORE and (j.asks >= 2 or j.inquiry > _LEAD_SCORE) and 2 * weight <= j.inquiry and addr:
        return verdict("lead", f'direct inquiry from {addr} ("{j.best()}")')
    if score <= 0 or j.inquiry < 2:
        worst, against, about = j.against()
        if against >= 2:
            return verdict("ignored", ("cold " if worst == PITCH else "") + _named(worst, about))
        if ids:
            return verdict("ignored", f"reply from {who} in a thread that is not a lead's, no inquiry signal")
        return verdict("ignored", f"message from {who} without inquiry signal")
    return verdict("review", _doubt(who, j, weight, _named(kind, topic), bool(ids)))


def _named(kind: str, topic: str) -> str:
    """A negative kind as a reason names it: "sales pitch (SEO)", "marketing mail (promotion)"."""
    return _what("marketing mail" if kind == MARKETING else kind, topic)


def _doubt(who: str, j: Judgement, against: int, what: str, in_thread: bool) -> str:
    """Why a message waits for review: the signal it has, and what speaks against it."""
    best = j.best()
    signal = "a question" if best == "?" else f'"{best}"'
    if against >= 2:
        return f"possible inquiry from {who} ({signal}), but it reads like a {what}"
    if in_thread:
        return f"reply from {who} in a thread that is not a lead's, with {signal}"
    return f"possible inquiry from {who}: only a weak signal ({signal})"


def _on_behalf(mail: Mail, mine: frozenset[str]) -> tuple[str, str] | None:
    """Mail from the owner's own address to the owner with someone else in Reply-To: a
    site's notification sent as the admin address, written on a visitor's behalf."""
    if mail.from_addr not in mine or any(r not in mine for r in (*mail.to, *mail.cc)):
        return None
    return next(((n, a) for n, a in mail.reply_to if a and a not in mine), None)


def _classify(mail: Mail, mine: frozenset[str], known: Known, sent_folder: bool) -> Verdict:
    ids = _thread_ids(mail)
    relays = tuple(a for a in (mail.from_addr, *(a for _, a in mail.reply_to)) if is_relay(a))

    # 1. Form and marketplace notifications, before any bulk/auto rule: they are
    #    automated mail by nature and are often sent from the owner's own address.
    if not (sent_folder and _FWD.match(mail.subject)):
        match = recognise(mail, mine)
        if match is not None:
            return _form_verdict(mail, match, ids, known)

    # 2. Automatic mail.
    my_domains = frozenset(domain(a) for a in mine)
    behalf = None if sent_folder else _on_behalf(mail, mine)
    sender = behalf or _sender(mail, mine, own_group(mail, my_domains))
    addr = sender[1]
    fields, signature = _direct_fields(mail, sender)
    if _FORM_SUBJECT.search(mail.subject) and (
        local_part(addr) == "wordpress" or NOREPLY_LOCAL.search(local_part(addr)) or behalf
    ):
        # A site's notification that no recogniser knows: never a lead on its sender's name.
        return Verdict(
            "review",
            f'unrecognised form notification from {addr} ("{mail.subject[:60]}")',
            None,
            Fields(message=fields.message),
            mail,
        )
    why = automatic(mail, addr, mine, my_domains)
    if why:
        return Verdict("ignored", why, None, fields, mail)

    # 3. The owner's own mail: logs a reply to a lead.
    if sent_folder or (addr in mine and not behalf):
        lead = known.lead_for_thread(ids) if ids else None
        why = "in a known thread"
        if not lead:
            for rcpt in (*mail.to, *mail.cc):
                if rcpt not in mine and (lead := known.lead_for_address(rcpt)):
                    why = f"to known lead {rcpt}"
                    break
        if lead:
            return Verdict("outgoing", f"sent by you {why}", "email", fields, mail, lead)
        if sent_folder:
            return Verdict("ignored", "sent mail to an unknown recipient", None, fields, mail)
        return Verdict("ignored", "mail from you to an unknown recipient", None, fields, mail)

    # 4. Replies from known leads: thread headers first, then sender or relay address.
    relay = relays[0] if relays else None
    if ids and (lead := known.lead_for_thread(ids)):
        return Verdict("reply", "reply in a known thread (In-Reply-To/References)", "email", fields, mail, lead, relay)
    for who in (addr, *relays):
        if who and (lead := known.lead_for_address(who)):
            return Verdict("reply", f"from known lead {who}", "email", fields, mail, lead, relay)

    # A site's own notice (no form: those were recognised above). Before the rules: a rule
    # learned from one form notification must not make the site's other notices leads.
    if local_part(addr) == "wordpress":
        return Verdict("ignored", f"WordPress notification from {addr}", None, fields, mail)

    # 5. What the owner taught us in review, by sender address then domain.
    if addr:
        rule = known.rule_for(addr)
        if rule in ("lead", "ignored"):
            source = "email" if rule == "lead" else None
            return Verdict(rule, f"sender rule for {addr}: {rule}", source, fields, mail, None, relay)

    # 6. Notifications recognised by content (after replies, so a lead's "Re: invoice"
    #    is not lost to a keyword).
    why = notice(mail)
    if why:
        return Verdict("ignored", why, None, fields, mail)

    # 7. A personal message, judged by its signals.
    return _direct_verdict(mail, addr, fields, signature, ids, relay)


_NOBODY = NoKnown()


def classify(raw: bytes, me: Collection[str] = (), known: Known = _NOBODY, sent_folder: bool = False) -> Verdict:
    """Parse and judge one raw message. Never raises: failures become "error"."""
    mail = None
    try:
        mail = parse(raw)
        mine = frozenset(a.strip().lower() for a in me if a)
        return _classify(mail, mine, known, sent_folder)
    except Exception as exc:  # every message must end with a verdict and a reason
        return Verdict("error", str(exc) or type(exc).__name__, None, Fields(), mail)


def describe(path_or_name: str, verdict: Verdict) -> dict:
    """The `leadbook parse-email` JSON object for one message."""
    f = verdict.fields
    return {
        "file": path_or_name,
        "verdict": verdict.verdict,
        "reason": verdict.reason,
        "source": verdict.source,
        "fields": {k: getattr(f, k) for k in FIELDS},
    }
