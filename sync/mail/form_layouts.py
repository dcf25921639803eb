"""The form and marketplace layouts Leadbook knows by name: a table of matchers (data,
not branches). A layout names the source and says where its fields are; whether a
message is a form at all is decided by its structure (sync.mail.forms), so a plugin
that is not in this table still works through the generic reading.

A layout matches when its sender conditions all hold (a domain or a parent domain of the
sender or of a relay in Reply-To, a local part) and, when it has content conditions
(subject, body marker, HTML marker), at least one of them holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .form_fields import MAX_MESSAGE, fields_from_pairs, find_phone, pairs, read_fields
from .parse import Mail

HEAD = 3000  # chars at each end of the text where body markers are looked for
_RELAY = re.compile(
    r"@(?:crm\.wix\.com|messaging\.yelp\.com|convo\.zillow\.com|awexpress\.google\.com|"
    r"(?:[\w-]+\.)?reply\.craigslist\.org)$"
)


def is_relay(address: str) -> bool:
    """Reply-To/From relays of marketplaces and builders: thread keys, never a lead's email."""
    return bool(address) and bool(_RELAY.search(address.lower()))


def domain(addr: str) -> str:
    return addr.rpartition("@")[2]


def cut(text: str, start: re.Pattern[str] | None = None, end: re.Pattern[str] | None = None) -> str:
    """The part of text after the first `start` match and before the first `end` match."""
    if start and (m := start.search(text)):
        text = text[m.end() :]
    if end and (m := end.search(text)):
        text = text[: m.start()]
    return text


# --- naming the site ---------------------------------------------------------------

_SUBJECT_SITE = re.compile(
    r"(?:notification|submission|message) (?:from|on|for)(?: Webflow for)? \"?(.{1,120}?)\"?[ \t]*!?$", re.IGNORECASE
)
_URL_HOST = re.compile(r"https?://([^/\s)\"'<>]{1,253})")
Site = Callable[[Mail, str], str]


def _sender_domain(mail: Mail, text: str) -> str:
    return domain(mail.from_addr)


def _from_name(mail: Mail, text: str) -> str:
    return mail.from_name or domain(mail.from_addr)


def _subject_site(mail: Mail, text: str) -> str:
    m = _SUBJECT_SITE.search(mail.subject[:300])
    return m.group(1).strip() if m else domain(mail.from_addr)


def _after(pattern: str, flags: int = re.IGNORECASE) -> Site:
    """The site named by the first group of `pattern` in the subject or in the text."""
    regex = re.compile(pattern, flags)

    def site(mail: Mail, text: str) -> str:
        m = regex.search(mail.subject[:300]) or regex.search(text[-HEAD:])
        return m.group(1).strip() if m and m.group(1).strip() else domain(mail.from_addr)

    return site


def _url_after(marker: str) -> Site:
    """The host of the site URL that follows `marker` near the end of the text."""
    regex = re.compile(marker + r"[^\n]{0,200}?" + _URL_HOST.pattern, re.IGNORECASE)

    def site(mail: Mail, text: str) -> str:
        m = regex.search(text[-HEAD:])
        return m.group(1).removeprefix("www.").rstrip("/.") if m else domain(mail.from_addr)

    return site


# --- reading the fields ------------------------------------------------------------

Reader = Callable[[Mail, str], dict[str, str]]


def _marketplace(text: str, noise: re.Pattern[str]) -> dict[str, str]:
    """Labelled details plus the customer's free text (which has no label here)."""
    got, free = pairs(text)
    found = fields_from_pairs(got)
    words = "\n".join(x for x in free if not noise.match(x)).strip()
    found["message"] = "\n\n".join(x for x in (words, found.get("message", "")) if x)[:MAX_MESSAGE]
    return {k: v for k, v in found.items() if v}


_VIA = re.compile(r"^(.{1,80}?)\s+via\s+.{1,80}$", re.IGNORECASE)


def customer_name(display: str, service: str) -> str | None:
    """The customer in a marketplace sender's display name ("Elif Demir via Houzz")."""
    m = _VIA.match(display)
    name = (m.group(1) if m else display).strip().strip("\"'")
    return name if name and service not in name.lower() and "@" not in name else None


_LSA_MESSAGE = re.compile(
    r"Potential Customer sent you a message:?(.*?)(?:To connect with this customer|$)", re.IGNORECASE | re.DOTALL
)


def _lsa(mail: Mail, text: str) -> dict[str, str]:
    m = _LSA_MESSAGE.search(text[:MAX_MESSAGE])
    msg = " ".join(m.group(1).split()) if m else ""
    return {"message": msg} if msg else {}


_YELP_SUBJECT = re.compile(r"(?:New )?Message from (.{1,80}?) for (.{1,120})$", re.IGNORECASE)
_YELP_NOISE = re.compile(
    r"^(?:Reply|Respond|View (?:message|request|on Yelp)|Yelp|.*sent you a (?:message|request)|"
    r"Download the Yelp|Manage notifications|Unsubscribe|©)",
    re.IGNORECASE,
)


def _yelp(mail: Mail, text: str) -> dict[str, str]:
    found = _marketplace(text, _YELP_NOISE)
    if m := _YELP_SUBJECT.search(mail.subject[:300]):
        found["name"] = m.group(1).strip()
    return found


_HA_SUBJECT = re.compile(r"New (?:Opportunity|Lead)s?:?\s*(.{0,120})$", re.IGNORECASE)


def _homeadvisor(mail: Mail, text: str) -> dict[str, str]:
    found = read_fields(text)
    if m := _HA_SUBJECT.search(mail.subject[:300]):
        found.setdefault("service", m.group(1).strip())
    return {k: v for k, v in found.items() if v}


_HOUZZ_NOISE = re.compile(r"^(?:.*sent you a message|New message|Houzz|Hi [^,]{1,40},)", re.IGNORECASE)
_HOUZZ_END = re.compile(
    r"^(?:Reply|View (?:message|project|on Houzz)|Houzz Inc|Unsubscribe|©)", re.IGNORECASE | re.MULTILINE
)


def _houzz(mail: Mail, text: str) -> dict[str, str]:
    found = _marketplace(cut(text, None, _HOUZZ_END), _HOUZZ_NOISE)
    if name := customer_name(mail.from_name, "houzz"):
        found["name"] = name
    return found


_ZILLOW_SUBJECT = re.compile(r"^(.{1,80}?) is requesting information about (.{1,200})$", re.IGNORECASE)
_ZILLOW_SAYS = re.compile(r"^.{1,80}\bsays:[ \t]*$", re.IGNORECASE | re.MULTILINE)
_ZILLOW_END = re.compile(
    r"^(?:Reply to this|Respond to|View (?:listing|contact|conversation)|Zillow Group|"
    r"This (?:email|message) was sent|By replying|Learn more|Unsubscribe|Privacy|"
    r"Zillow, Inc|Copyright|©)",
    re.IGNORECASE | re.MULTILINE,
)


def _zillow(mail: Mail, text: str) -> dict[str, str]:
    m = _ZILLOW_SUBJECT.search(mail.subject[:300])
    said = cut(text, _ZILLOW_SAYS, _ZILLOW_END)[:MAX_MESSAGE]
    body = " ".join(said.split())
    found = {"name": mail.from_name or (m.group(1) if m else "")}
    if body:
        found["message"] = body + (f"\n\nProperty: {m.group(2).strip()}" if m else "")
    found["phone"] = find_phone(said) or ""
    return {k: v for k, v in found.items() if v}


# --- the table ---------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    source: str  # the name shown as the lead's source
    domains: tuple[str, ...] = ()  # the sender's (or a relay's) domain or a parent of it
    local: re.Pattern[str] | None = None  # the sender's local part
    subject: re.Pattern[str] | None = None
    body: re.Pattern[str] | None = None  # looked for near either end of the text
    html: str = ""  # a lower-case marker in the first part of the HTML
    start: re.Pattern[str] | None = None  # the fields follow this...
    end: re.Pattern[str] | None = None  # ...and end before this
    site: Site = _sender_domain
    read: Reader | None = None  # None: the generic reading of the cut text
    marketplace: bool = False  # leads that may carry no email or phone at all

    def matches(self, seen: _Seen) -> bool:
        if self.domains and seen.domains.isdisjoint(self.domains):
            return False
        if self.local and not self.local.match(seen.local):
            return False
        if not (self.subject or self.body or self.html):
            return True
        return bool(
            (self.subject and self.subject.search(seen.subject))
            or (self.body and (self.body.search(seen.head) or self.body.search(seen.tail)))
            or (self.html and self.html in seen.html)
        )

    def fields(self, mail: Mail, text: str) -> dict[str, str]:
        if self.read is not None:
            return self.read(mail, text)
        return read_fields(cut(text, self.start, self.end))


def _re(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(pattern, flags)


FOOTER_END = _re(
    r"^(?:You are receiving this|You received this|To stop receiving|Unsubscribe|Mark as spam|"
    r"Manage (?:notifications|your form)|View (?:submissions?|all submissions|this submission)\b|"
    r"Powered by|Sent (?:by|via) (?:Formspree|Netlify|Tally|Jotform))",
    re.IGNORECASE | re.MULTILINE,
)
_FORM_SUBMISSION = _re(r"form submission")
# Contact Form 7's footer in its older and current wording, several languages.
_CF7_FOOTER = (
    r"(?:This e-?mail was sent from a contact form on|"
    r"This is a notification that a contact form was submitted on your website|"
    r"Diese E-Mail wurde von einem Kontaktformular|"
    r"Diese Benachrichtigung wurde .{0,40}Kontaktformular|"
    r"Cet e-?mail a été envoyé via le formulaire de contact|"
    r"Ceci est une notification .{0,40}formulaire de contact|"
    r"Este (?:mensaje|correo) se (?:ha )?envi[óa]\w* (?:desde|a través de)|"
    r"Esta es una notificación de que se envió un formulario de contacto|"
    r"Questa e-?mail è stata inviata da un modulo di contatto|"
    r"Questa è una notifica .{0,40}modulo di contatto|"
    r"Deze e-?mail is verzonden (?:vanaf|via) een contactformulier|"
    r"Dit is een melding .{0,40}contactformulier|"
    r"Este e-?mail foi enviado|Esta é uma notificação .{0,40}formulário de contato)"
)
# The footer follows the "-- " line; anchoring it there keeps the search cheap.
_CF7_BODY = _re(
    r"^--[ \t]?\n" + _CF7_FOOTER + r"|^(?:Message Body|Nachrichtentext|Corps du message|Cuerpo del mensaje|"
    r"Corpo del messaggio|Berichttekst|Corpo da mensagem):[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_SIG_LINE = _re(r"^--[ \t]?$", re.MULTILINE)
# The line before the fields: a marker of the layout, and where its fields start.
_WIX_START = _re(r"You have a new form submission\.?")
_SHOPIFY_START = _re(r"You received a new message from your online store's contact form\.?")
_FORMINATOR_START = _re(r"You have a new website form submission:?", 0)

LAYOUTS: tuple[Layout, ...] = (
    # Services with their own sending domain.
    Layout(
        "Wix Forms",
        domains=("wix.com",),
        subject=_re(r"notification from|form submission"),
        body=_WIX_START,
        start=_WIX_START,
        end=FOOTER_END,
        site=_subject_site,
    ),
    Layout(
        "Squarespace",
        domains=("squarespace.info", "squarespace.com"),
        subject=_FORM_SUBMISSION,
        start=_re(r"Sent via form submission from (.+)"),
        end=_re(r"\(?Manage Submissions\)?|^Squarespace$", re.IGNORECASE | re.MULTILINE),
        site=_after(r"Sent via form submission from ([^\n]{1,120})"),
    ),
    Layout(
        "Webflow",
        domains=("webflow.com",),
        subject=_FORM_SUBMISSION,
        start=_re(r"Submitted content:?"),
        end=_re(
            r"^(?:View all submissions|You can view|Manage form settings|© \d{4} Webflow)",
            re.IGNORECASE | re.MULTILINE,
        ),
        site=_after(r"submission on Webflow for \"?([^\"\n]{1,120}?)\"?$"),
    ),
    Layout(
        "Shopify",
        domains=("shopify.com",),
        subject=_re(r"customer message"),
        body=_SHOPIFY_START,
        start=_SHOPIFY_START,
        end=FOOTER_END,
        site=_from_name,
    ),
    Layout("Formspree", domains=("formspree.io",), end=FOOTER_END, site=_subject_site),
    Layout("Netlify Forms", domains=("netlify.com",), local=_re(r"formresponses"), end=FOOTER_END, site=_from_name),
    Layout("Tally", domains=("tally.so",), end=FOOTER_END, site=_subject_site),
    Layout("Jotform", domains=("jotform.com",), end=FOOTER_END),
    Layout("Typeform", domains=("typeform.com", "typeform.io"), end=FOOTER_END),
    Layout(
        "CallRail",
        domains=("callrail.com",),
        subject=_FORM_SUBMISSION,
        start=_re(r"Form Contents:?"),
        site=_after(r" for ([^\n]{1,120})$"),
    ),
    Layout(
        "Google Ads lead form", domains=("google.com",), local=_re(r"ads-account-noreply$"), subject=_re("lead form")
    ),
    Layout(
        "Google Local Services",
        domains=("awexpress.google.com", "google.com"),
        subject=_re(r"potential customer"),
        body=_re(r"Potential Customer sent you a message"),
        read=_lsa,
        marketplace=True,
    ),
    Layout(
        "Yelp",
        domains=("messaging.yelp.com",),
        read=_yelp,
        site=_after(r"Message from .{1,80}? for ([^\n]{1,120})$"),
        marketplace=True,
    ),
    Layout(
        "HomeAdvisor",
        domains=("homeadvisor.com", "angi.com", "angieslist.com"),
        subject=_HA_SUBJECT,
        read=_homeadvisor,
        marketplace=True,
    ),
    Layout("Houzz", domains=("houzz.com",), local=_re(r"notification|messages"), read=_houzz, marketplace=True),
    Layout("Zillow", domains=("convo.zillow.com",), read=_zillow, marketplace=True),
    Layout("Realtor.com", domains=("realtor.com",), subject=_re(r"lead"), end=FOOTER_END, marketplace=True),
    # WordPress plugins: sent from the site's own address, named by their layout.
    Layout(
        "Contact Form 7",
        body=_CF7_BODY,
        end=_SIG_LINE,
        site=_url_after(_CF7_FOOTER),
    ),
    Layout(
        "Forminator",
        subject=_re(r"^New Form Entry #\d+ for "),
        body=_FORMINATOR_START,
        start=_FORMINATOR_START,
        end=_re(r"^-{3}$|^This message was sent from", re.IGNORECASE | re.MULTILINE),
        site=_url_after(r"This message was sent from"),
    ),
    Layout(
        "Fluent Forms",
        subject=_re(r"\] New Form Submission$"),
        body=_re(r"Powered by FluentForm|This form submitted at:", 0),
        html="ff_all_data",
        end=_re(r"^This form submitted at:|^Powered by FluentForm", re.IGNORECASE | re.MULTILINE),
        site=_url_after(r"This form submitted at:"),
    ),
    Layout(
        "WPForms",
        subject=_re(
            r"^(?:New Entry|Nouvelle entrée|Neuer Eintrag|Nueva entrada|Nieuwe inzending|Nuova voce)\b"
        ),
        body=_re(r"^-{3} .{1,80} -{3}$", re.MULTILINE),
    ),
    Layout("Gravity Forms", subject=_re(r"^New submission from"), html="#eaf2fa"),
    Layout(
        "Elementor",
        subject=_re(r'^New message from "'),
        body=_re(r"Powered by:? Elementor", 0),
        end=_re(r"^-{3}[ \t]*$", re.MULTILINE),
        site=_subject_site,
    ),
    # "New message from {name}" with the message signed "-{name} ( {email} )".
    Layout(
        "Ninja Forms",
        subject=_re(r"ninja forms|^New message from [^\"]"),
        body=_re(r"^[-–—] ?[^()<>@\n]{1,80}\( ?\S{1,100}@\S{1,200} ?\)$", re.MULTILINE),
    ),
    Layout("Formidable", subject=_re(r" form submitted on "), site=_after(r" submitted on ([^\n]{1,120})$")),
)


@dataclass(frozen=True)
class _Seen:
    """What the layouts look at, taken from a message once."""

    domains: frozenset[str]  # the sender's and relays' domains and their parent domains
    local: str
    subject: str
    head: str
    tail: str
    html: str


def layout_for(mail: Mail, text: str) -> Layout | None:
    """The first layout in the table that matches the message."""
    doms = [domain(mail.from_addr)] + [domain(a) for _, a in mail.reply_to if is_relay(a)]
    parents = frozenset(d.split(".", i)[-1] for d in doms for i in range(d.count(".") + 1))
    head, tail = (text[:HEAD], text[-HEAD:]) if len(text) > 2 * HEAD else (text, "")
    html = mail.html[:50_000].lower() if mail.html else ""  # the markers sit near the top
    seen = _Seen(parents, mail.from_addr.partition("@")[0], mail.subject[:300], head, tail, html)
    return next((x for x in LAYOUTS if x.matches(seen)), None)
