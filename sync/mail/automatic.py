"""Mail that is never a lead, told by its headers and subject: bounces and other reports,
auto-replies, list and bulk mail, no-reply senders, and notifications (receipts, shipping,
account notices, invitations, social networks). See ../shared/mail-formats.md.
"""

from __future__ import annotations

import re

from .parse import Mail

_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-auto-reply-from", "x-mail-autoreply")
_AUTO_SUBJECT = re.compile(
    r"^(?:auto(?:matic|matische)?[ -]?(?:reply|response|antwort)|autoreply|out of (?:the )?office|"
    r"abwesenheitsnotiz|abwesend|r[ée]ponse automatique|absence du bureau|absent|"
    r"respuesta autom[áa]tica|fuera de la oficina|automatisch antwoord|afwezig|"
    r"risposta automatica|fuori sede|resposta autom[áa]tica|ausente)\b",
    re.IGNORECASE,
)
_READ_SUBJECT = re.compile(
    r"^(?:(?:not )?read|gelesen|nicht gelesen|lu|le[íi]do|gelezen|letto|lido|l[äa]st)\s?:", re.IGNORECASE
)
_ABUSE_SUBJECT = re.compile(
    r"^(?:\[spamcop|abuse (?:report|complaint|notification)|complaint about|spam (?:report|complaint)|"
    r"(?:email )?feedback report)",
    re.IGNORECASE,
)
# multipart/report (RFC 6522) by its report type; the part types catch reports wrapped in other parts.
_REPORTS = {
    "delivery-status": "bounce (delivery status report)",
    "feedback-report": "abuse/complaint report (feedback-report)",
    "disposition-notification": "read receipt (disposition notification)",
}
_REPORT_TYPE = re.compile(r"report-type\s*=\s*\"?([\w.-]+)", re.IGNORECASE)
_BOUNCE_LOCAL = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon)$", re.IGNORECASE)
NOREPLY_LOCAL = re.compile(
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
            r"out for delivery|(?:was|been) delivered|scheduled for delivery|delivery (?:today|update)|"
            r"(?:package|parcel|shipment|sendung|paket) (?:is|was|has|kommt|wird)|versandbest[äa]tigung|"
            r"sendungsverfolgung|"
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


def local_part(addr: str) -> str:
    return addr.partition("@")[0]


def domain(addr: str) -> str:
    return addr.rpartition("@")[2]


def _report(mail: Mail) -> str | None:
    """Delivery reports, complaint (ARF) reports and read receipts."""
    ctype = mail.headers.get("content-type", "")[:500]
    if "multipart/report" in ctype.lower():
        m = _REPORT_TYPE.search(ctype)
        kind = m.group(1).lower() if m else ""
        return _REPORTS.get(kind, f"automatic report ({kind or 'multipart/report'})")
    for kind, why in _REPORTS.items():
        if f"message/{kind}" in mail.content_types:
            return why
    if mail.is_report:
        return _REPORTS["delivery-status"]
    if _ABUSE_SUBJECT.match(mail.subject):
        return f'abuse/complaint report (subject "{mail.subject[:60]}")'
    return None


def automatic(mail: Mail, sender: str, mine: frozenset[str], my_domains: frozenset[str]) -> str | None:
    """Why this mail is automatic (spam, bounce, auto-reply, list, no-reply), or None."""
    h = mail.headers
    if h.get("x-spam-flag", "").strip().upper().startswith("YES"):
        return "spam (X-Spam-Flag: YES)"
    report = _report(mail)
    if report:
        return report
    if "x-failed-recipients" in h:
        return "bounce (X-Failed-Recipients)"
    if h.get("return-path", "").strip() == "<>":
        return "bounce or automatic reply (Return-Path: <>)"
    if _BOUNCE_LOCAL.match(local_part(mail.from_addr)):
        return f"bounce (from {mail.from_addr})"
    if _READ_SUBJECT.match(mail.subject):
        return f'read receipt (subject "{mail.subject[:60]}")'
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
    list_id = h.get("list-id", "") or h.get("mailing-list", "")
    # The owner's own group address (info@ as a Google Group) adds list headers to every
    # inquiry; those are not list mail.
    if not own_group(mail, my_domains):
        if list_id:
            return f"mailing list (List-Id: {list_id.strip()[:80]})"
        for name in ("list-unsubscribe", "list-post"):
            if name in h:
                return f"list or bulk mail ({name.title()})"
        prec = h.get("precedence", "").strip().lower()
        if prec in ("bulk", "list", "junk"):
            return f"bulk mail (Precedence: {prec})"
    if sender not in mine and NOREPLY_LOCAL.search(local_part(sender)):
        return f"no-reply sender {sender}"
    return None


def notice(mail: Mail) -> str | None:
    """Receipts, shipping, account notices, invitations, social networks."""
    if (
        "text/calendar" in mail.content_types
        or "application/ics" in mail.content_types
        or _CAL_SUBJECT.match(mail.subject)
    ):
        return "calendar invitation"
    dom = domain(mail.from_addr)
    if dom.endswith(_SOCIAL) and any(dom == s or dom.endswith("." + s) for s in _SOCIAL):
        return f"social network notification from {dom}"
    for kind, regex in _NOTICES:
        if regex.search(mail.subject):
            return f'{kind} (subject "{mail.subject[:60]}")'
    return None


def own_group(mail: Mail, my_domains: frozenset[str]) -> bool:
    """Sent through the owner's own group address (info@ as a Google Group)."""
    list_id = (mail.headers.get("list-id", "") + mail.headers.get("mailing-list", "")).lower()
    return bool(list_id) and any(d in list_id for d in my_domains)
