"""The verdict for one message: lead, reply, outgoing, review, ignored or error.

Pure: lookups into the owner's data go through the `Known` protocol, so the same code
serves capture (over the database) and `leadbook parse-email` (with `NoKnown`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from .clean import split_message
from .forms import FIELDS, FormMatch, find_phone, is_relay, recognise
from .parse import Mail, parse

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


# --- signals of automatic mail ----------------------------------------------------

_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-auto-reply-from", "x-mail-autoreply")
_AUTO_SUBJECT = re.compile(
    r"^(?:auto(?:matic|matische)?[ -]?(?:reply|response|antwort)|autoreply|out of (?:the )?office|"
    r"abwesenheitsnotiz|abwesend|r[ée]ponse automatique|absence du bureau|absent|"
    r"respuesta autom[áa]tica|fuera de la oficina|automatisch antwoord|afwezig|"
    r"risposta automatica|fuori sede|resposta autom[áa]tica|ausente)\b",
    re.IGNORECASE,
)
_BOUNCE_LOCAL = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon)$", re.IGNORECASE)
_NOREPLY_LOCAL = re.compile(
    r"no[-_.]?reply|do[-_.]?not[-_.]?reply|^(?:notifications?|notify|alerts?|news(?:letter)?s?|"
    r"marketing|promo(?:tions?)?|mailer|bounces?|automated|digest|updates?)(?:[-_.+]|$)",
    re.IGNORECASE,
)
_SOCIAL = (
    "facebookmail.com",
    "linkedin.com",
    "twitter.com",
    "x.com",
    "instagram.com",
    "pinterest.com",
    "tiktok.com",
    "youtube.com",
    "nextdoor.com",
    "redditmail.com",
    "quora.com",
    "meetup.com",
    "medium.com",
    "threads.net",
)
_NOTICES = (
    (
        "shipping notice",
        re.compile(
            r"\b(?:has shipped|have shipped|shipping confirmation|tracking (?:number|info)|"
            r"out for delivery|(?:was|been) delivered|versandbest[äa]tigung|sendungsverfolgung|"
            r"wurde versandt|a [ée]t[ée] exp[ée]di|colis|ha sido enviado|env[íi]o de tu pedido|"
            r"is verzonden|[èe] stato spedito|foi enviado)",
            re.IGNORECASE,
        ),
    ),
    (
        "receipt",
        re.compile(
            r"\b(?:receipt|your order|order (?:confirmation|confirmed|#|no\b|number|\d)|"
            r"payment (?:received|confirmation|successful)|invoice (?:#|no\b|\d)|your invoice|"
            r"quittung|bestellbest[äa]tigung|ihre bestellung|zahlungsbest[äa]tigung|rechnung nr|"
            r"re[çc]u de paiement|votre commande|confirmation de commande|recibo|su pedido|tu pedido|"
            r"je bestelling|uw bestelling|il tuo ordine|ricevuta|seu pedido)",
            re.IGNORECASE,
        ),
    ),
    (
        "account notice",
        re.compile(
            r"\b(?:password|verification code|verify your|confirm your (?:email|account|subscription)|"
            r"sign[- ]in|security alert|login attempt|one-time (?:code|passcode)|two-factor|"
            r"passwort|anmeldung|mot de passe|contrase[ñn]a|wachtwoord|senha)",
            re.IGNORECASE,
        ),
    ),
)
_CAL_SUBJECT = re.compile(
    r"^(?:(?:updated )?invitation|accepted|declined|tentative|einladung|angenommen|abgelehnt|"
    r"invitaci[óo]n|uitnodiging|invito|convite)\s?:",
    re.IGNORECASE,
)
_FWD = re.compile(r"^\s*(?:fwd?|fw|wg|tr|rv|enc|re|aw|sv|antw)\s*:", re.IGNORECASE)

# Words that make a personal message read like an inquiry (en, de, fr, es, nl, it, pt).
_INQUIRY = re.compile(
    r"\b(?:quote|quotation|price|prices|pricing|cost|costs|estimate|availability|available|"
    r"appointment|book|booking|schedule|can you|could you|would you|are you able|do you (?:offer|do|have)|"
    r"interested in|looking for|need (?:a|an|some|help|someone)|inquiry|enquiry|how much|rates|hire|"
    r"consultation|"
    r"angebot|kostenvoranschlag|preis|preise|kosten|termin|anfrage|k[öo]nnen sie|k[öo]nnten sie|"
    r"interesse|verf[üu]gbar|buchen|auftrag|wie viel|"
    r"devis|tarif|tarifs|prix|rendez-vous|disponibilit[ée]|disponible|pouvez-vous|pourriez-vous|"
    r"int[ée]ress[ée]e?|besoin d|r[ée]servation|combien|"
    r"presupuesto|precio|precios|cotizaci[óo]n|cita|disponibilidad|pueden|podr[íi]an|puede|"
    r"interesad[oa]|necesito|consulta|reserva|cu[áa]nto|"
    r"offerte|prijs|prijzen|afspraak|beschikbaar|kunt u|kunnen jullie|ge[ïi]nteresseerd|ik zoek|aanvraag|"
    r"preventivo|prezzo|prezzi|costo|appuntamento|disponibilit[àa]|potete|potreste|interessat[oa]|"
    r"ho bisogno|richiesta|"
    r"or[çc]amento|pre[çc]o|pre[çc]os|custo|marca[çc][ãa]o|agendamento|podem|poderia|"
    r"interessad[oa]|preciso|gostaria)\b",
    re.IGNORECASE,
)


def _local(addr: str) -> str:
    return addr.partition("@")[0]


def _domain(addr: str) -> str:
    return addr.rpartition("@")[2]


def _automatic(mail: Mail, sender: str, mine: frozenset[str], my_domains: frozenset[str]) -> str | None:
    """Why this mail is automatic (spam, bounce, auto-reply, list, no-reply), or None."""
    h = mail.headers
    if h.get("x-spam-flag", "").strip().upper().startswith("YES"):
        return "spam (X-Spam-Flag: YES)"
    if mail.is_report:
        return "bounce (delivery status report)"
    if "x-failed-recipients" in h:
        return "bounce (X-Failed-Recipients)"
    if h.get("return-path", "").strip() == "<>":
        return "bounce or automatic reply (Return-Path: <>)"
    if _BOUNCE_LOCAL.match(_local(mail.from_addr)):
        return f"bounce (from {mail.from_addr})"
    if "disposition-notification" in h.get("content-type", "").lower():
        return "read receipt"
    auto = h.get("auto-submitted", "").strip()
    if auto and auto.split(";")[0].strip().lower() != "no":
        return f"auto-reply (Auto-Submitted: {auto})"
    for name in _AUTO_HEADERS:
        if name in h:
            return f"auto-reply ({name.title()})"
    if h.get("x-auto-response-suppress", "").strip().lower() == "all" and "x-ms-exchange-inbox-rules-loop" in h:
        return "out-of-office (Exchange inbox rule)"
    if _AUTO_SUBJECT.match(mail.subject):
        return f'auto-reply (subject "{mail.subject[:60]}")'
    list_id = h.get("list-id", "") + h.get("mailing-list", "")
    # The owner's own group address (info@ as a Google Group) adds list headers to every
    # inquiry; those are not list mail.
    if not _own_group(mail, my_domains):
        if list_id:
            return f"mailing list (List-Id: {list_id.strip()[:80]})"
        for name in ("list-unsubscribe", "list-post"):
            if name in h:
                return f"list or bulk mail ({name.title()})"
        prec = h.get("precedence", "").strip().lower()
        if prec in ("bulk", "list", "junk"):
            return f"bulk mail (Precedence: {prec})"
    if sender not in mine and _NOREPLY_LOCAL.search(_local(sender)):
        return f"no-reply sender {sender}"
    return None


def _notice(mail: Mail) -> str | None:
    """Receipts, shipping, account notices, invitations, social networks."""
    if (
        "text/calendar" in mail.content_types
        or "application/ics" in mail.content_types
        or _CAL_SUBJECT.match(mail.subject)
    ):
        return "calendar invitation"
    dom = _domain(mail.from_addr)
    if dom.endswith(_SOCIAL) and any(dom == s or dom.endswith("." + s) for s in _SOCIAL):
        return f"social network notification from {dom}"
    for kind, regex in _NOTICES:
        if regex.search(mail.subject):
            return f'{kind} (subject "{mail.subject[:60]}")'
    return None


_VIA = re.compile(r"\s+via\s+.*$", re.IGNORECASE)


def _own_group(mail: Mail, my_domains: frozenset[str]) -> bool:
    """Sent through the owner's own group address (info@ as a Google Group)."""
    list_id = (mail.headers.get("list-id", "") + mail.headers.get("mailing-list", "")).lower()
    return bool(list_id) and any(d in list_id for d in my_domains)


def _sender(mail: Mail, mine: frozenset[str], own_group: bool) -> tuple[str, str]:
    """(name, address) of the real author. A group that rewrites From to its own
    address ("Dana via Info <info@…>", for DMARC) keeps the author in Reply-To."""
    if own_group and mail.from_addr in mine:
        for name, addr in mail.reply_to:
            if addr and addr not in mine:
                return name or _VIA.sub("", mail.from_name), addr
    return mail.from_name, mail.from_addr


def _direct_fields(mail: Mail, sender: tuple[str, str] | None = None) -> Fields:
    body, signature, _ = split_message(mail.text)
    from_name, from_addr = sender or (mail.from_name, mail.from_addr)
    name = from_name if from_name and "@" not in from_name else None
    return Fields(
        name=name,
        email=from_addr or None,
        phone=find_phone(f"{body}\n{signature}") if body or signature else None,
        message=body or None,
    )


def _form_fields(match: FormMatch) -> Fields:
    return Fields(**{k: match.fields[k] for k in FIELDS if match.fields.get(k)})


def _thread_ids(mail: Mail) -> tuple[str, ...]:
    return ((mail.in_reply_to,) if mail.in_reply_to else ()) + mail.references


def _classify(mail: Mail, mine: frozenset[str], known: Known, sent_folder: bool) -> Verdict:
    ids = _thread_ids(mail)
    relays = tuple(a for a in (mail.from_addr, *(a for _, a in mail.reply_to)) if is_relay(a))

    # 1. Form and marketplace notifications, before any bulk/auto rule: they are
    #    automated mail by nature and are often sent from the owner's own address.
    if not (sent_folder and _FWD.match(mail.subject)):
        match = recognise(mail, mine)
        if match is not None:
            fields = _form_fields(match)
            lead = (ids and known.lead_for_thread(ids)) or (match.relay and known.lead_for_address(match.relay))
            if not lead and fields.email:
                lead = known.lead_for_address(fields.email)
            if lead:
                return Verdict(
                    "reply", f"{match.reason}, from a known lead", match.source, fields, mail, lead, match.relay
                )
            return Verdict("lead", match.reason, match.source, fields, mail, None, match.relay)

    # 2. Automatic mail.
    my_domains = frozenset(_domain(a) for a in mine)
    sender = _sender(mail, mine, _own_group(mail, my_domains))
    addr = sender[1]
    fields = _direct_fields(mail, sender)
    why = _automatic(mail, addr, mine, my_domains)
    if why:
        return Verdict("ignored", why, None, fields, mail)

    # 3. The owner's own mail: logs a reply to a lead.
    if sent_folder or addr in mine:
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

    # 5. What the owner taught us in review, by sender address then domain.
    if addr:
        rule = known.rule_for(addr)
        if rule in ("lead", "ignored"):
            source = "email" if rule == "lead" else None
            return Verdict(rule, f"sender rule for {addr}: {rule}", source, fields, mail, None, relay)

    # 6. Notifications recognised by content (after replies, so a lead's "Re: invoice"
    #    is not lost to a keyword).
    why = _notice(mail)
    if why:
        return Verdict("ignored", why, None, fields, mail)

    # 7. A personal message: an inquiry, or the owner decides.
    if not addr:
        return Verdict("review", "no sender address", None, fields, mail)
    m = _INQUIRY.search(mail.subject) or _INQUIRY.search((fields.message or "")[:5000])
    if m:
        return Verdict("lead", f'direct inquiry from {addr} ("{m.group(0)}")', "email", fields, mail, None, relay)
    if not fields.message and not mail.subject:
        return Verdict("review", f"empty message from {addr}", "email", fields, mail)
    return Verdict("review", f"personal message from {addr} without inquiry words", "email", fields, mail, None, relay)


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
