"""Web-form and marketplace notifications: is a message a form submission, and whose?

A form notification is recognised by its structure: label/value pairs (lines, HTML
tables, lists, definition layouts, a label line then a value line) holding the
visitor's address or phone and their name or message, in mail that carries a sign of
being a notification (a site or service sender, the owner writing to themselves, a
visitor in Reply-To, a form-like subject or footer). The layouts table
(sync.mail.form_layouts) only names the source and says where the fields are, so a new
plugin's layout works on day one, as a "Web form".
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from .form_fields import FIELDS, find_phone, html_lines, message_phone, read_fields
from .form_layouts import FOOTER_END, HEAD, Layout, customer_name, cut, domain, is_relay, layout_for
from .parse import Mail

__all__ = ["FIELDS", "FormMatch", "find_phone", "is_relay", "recognise"]


@dataclass(frozen=True)
class FormMatch:
    source: str  # "Contact Form 7", "Yelp", "Web form", ...
    site: str  # the site, business or sender domain named in the reason
    fields: dict[str, str]
    relay: str | None = None
    marketplace: bool = False

    @property
    def reason(self) -> str:
        return f"{self.source} notification from {self.site}" if self.site else f"{self.source} notification"


_NOREPLY = re.compile(r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|noreply|donotreply)", re.IGNORECASE)
# Local parts a website sends its notifications from.
_SITE_LOCAL = re.compile(
    r"^(?:wordpress|no[-_.]?reply|do[-_.]?not[-_.]?reply|webmaster|website|web|forms?|formulario|formular|"
    r"notifications?|notify|www-data|apache)(?:[-_.+]|$)",
    re.IGNORECASE,
)
_FORM_SUBJECT = re.compile(
    r"\b(?:form submission|new submission|new (?:form )?entry|contact form|web ?form|website (?:inquiry|enquiry)|"
    r"new message from|new lead|contact request|kontaktformular|kontaktanfrage|neue anfrage über|formulaire|"
    r"nouveau message de|formulario|nuevo mensaje de|formulier|modulo di contatto|formulário|"
    r"nuova richiesta|novo contato)\b",
    re.IGNORECASE,
)
_FORM_BODY = re.compile(
    r"\b(?:contact ?form|form submission|website form|web ?form|submitted (?:on|via|through|from) (?:your|the)|"
    r"(?:sent|submitted) (?:from|via|through) (?:the |a |your )?(?:contact |website )?form|"
    r"This message was sent from|Kontaktformular|formulaire de contact|formulario de contacto|"
    r"contactformulier|modulo di contatto|formulário de contato)\b",
    re.IGNORECASE,
)
_THREAD_SUBJECT = re.compile(r"^\s*(?:re|aw|sv|antw|fwd?|fw|wg|tr|rv|enc)\s*:", re.IGNORECASE)
_CONTACT = ("email", "phone")


def recognise(mail: Mail, me: Collection[str] = ()) -> FormMatch | None:
    """A form or marketplace notification with the visitor's fields, or None.

    `me` are the owner's addresses: a notification the site sends from the owner's own
    address to the owner is still a form. The visitor's email is Reply-To unless that is
    a relay, the sender itself, the owner or the service; otherwise the address typed
    into the form."""
    mine = frozenset(a.strip().lower() for a in me if a)
    text = mail.text
    layout = layout_for(mail, text)
    if layout is None and not _looks_sent_by_a_site(mail, mine, text):
        return None
    fields = _read(mail, layout, text)
    if layout is None and not _generic_form(mail, mine, fields):
        return None
    fields = _with_visitor(mail, mine, fields)
    if layout is not None and not layout.marketplace and not _enough(fields):
        return None
    if "phone" not in fields and (phone := message_phone(fields.get("message", ""))):
        fields["phone"] = phone  # "call me on 0176 …" in the message
    sender_relay = mail.from_addr if is_relay(mail.from_addr) else None
    relay = next((a for _, a in mail.reply_to if is_relay(a)), sender_relay)
    if layout is None:
        return FormMatch("Web form", domain(mail.from_addr), fields, relay)
    return FormMatch(layout.source, layout.site(mail, text), fields, relay, layout.marketplace)


def _to_self(mail: Mail, mine: frozenset[str]) -> bool:
    """Sent from the owner's address (or domain) to the owner: WordPress sends its form
    mail from the admin address."""
    if not mine:
        return False
    domains = {domain(a) for a in mine}
    ours = [a for a in (*mail.to, *mail.cc) if a in mine or domain(a) in domains]
    return (mail.from_addr in mine or domain(mail.from_addr) in domains) and (bool(ours) or not mail.to)


def _looks_sent_by_a_site(mail: Mail, mine: frozenset[str], text: str) -> bool:
    """Cheap signs of a notification, checked before any structure is read: a site's or
    the owner's sender, a visitor in Reply-To, a form-like subject or wording."""
    tail = text[-HEAD:]
    dom = domain(mail.from_addr)
    return bool(
        _SITE_LOCAL.match(mail.from_addr.partition("@")[0])
        or _FORM_SUBJECT.search(mail.subject[:300])
        or _to_self(mail, mine)
        or any(_visitor_address(mail, mine, a) for _, a in mail.reply_to)
        or (dom and (f"://{dom}" in tail or f"://www.{dom}" in tail))  # the sender's own site, in the footer
        or _FORM_BODY.search(text[:HEAD])
        or _FORM_BODY.search(tail)
    )


def _read(mail: Mail, layout: Layout | None, text: str) -> dict[str, str]:
    """The fields from the plain text, or from the HTML when there is no plain part or
    it lost the fields (a plain part made by stripping the tags)."""

    def read(text: str) -> dict[str, str]:
        return layout.fields(mail, text) if layout else read_fields(cut(text, None, FOOTER_END))

    plain = "text/plain" in mail.content_types or not mail.html
    fields = read(text) if plain else {}
    if mail.html and not any(k in fields for k in _CONTACT):
        other = read(html_lines(mail.html))
        if len(other) > len(fields):
            fields = other
    return fields


def _visitor_address(mail: Mail, mine: frozenset[str], addr: str) -> bool:
    """Is this Reply-To address the visitor's (not a relay, the sender, the owner or the service)?"""
    return (
        bool(addr)
        and "@" in addr
        and not is_relay(addr)
        and addr != mail.from_addr
        and addr not in mine
        and not _NOREPLY.match(addr)
        and domain(addr) != domain(mail.from_addr)
    )


def _with_visitor(mail: Mail, mine: frozenset[str], fields: dict[str, str]) -> dict[str, str]:
    """The visitor's address and name: Reply-To first, never the sender or the owner."""
    fields = dict(fields)
    if fields.get("email") in (mail.from_addr, *mine):
        del fields["email"]
    for name, addr in mail.reply_to:
        if _visitor_address(mail, mine, addr):
            fields["email"] = addr
            if name and "name" not in fields and name != mail.from_name:
                fields["name"] = name
            break
    if "name" not in fields and " via " in mail.from_name.lower() and mail.from_addr not in mine:
        if name := customer_name(mail.from_name, domain(mail.from_addr).partition(".")[0]):
            fields["name"] = name
    return fields


def _enough(fields: dict[str, str]) -> bool:
    """A visitor's address or phone, or at least their name and message."""
    return any(k in fields for k in _CONTACT) or ("name" in fields and "message" in fields)


def _generic_form(mail: Mail, mine: frozenset[str], fields: dict[str, str]) -> bool:
    """Structure alone: who the visitor is or what they want, read from the body, and a
    way to reach them (in the body or in Reply-To), in a fresh message (not a reply or a
    forward) that the visitor did not send themselves."""
    return (
        ("name" in fields or "message" in fields)
        and fields.get("email") != mail.from_addr
        and (
            any(k in fields for k in _CONTACT)
            or any(_visitor_address(mail, mine, a) for _, a in mail.reply_to)
        )
        and not mail.in_reply_to
        and not _THREAD_SUBJECT.match(mail.subject[:300])
    )
