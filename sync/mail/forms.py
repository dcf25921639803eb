"""Web-form and marketplace notifications: recognisers and a generic label/value
extractor that maps labels to lead fields by meaning.

Site owners write their own labels ("Your name", "Telefonnummer", "Société", "What do
you need help with?"), so we read label/value structure generally and map labels to
fields by keyword, in en/de/fr/es/nl/it/pt.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from .parse import Mail, html_to_text

FIELDS = ("name", "email", "phone", "company", "message", "service")

# --- label meaning ---------------------------------------------------------------

_EXACT = {
    # sender-style "From: Name <email>" lines (Contact Form 7's default template)
    **dict.fromkeys(("from", "von", "de", "van", "da", "sender", "absender", "expediteur", "remitente"), "sender"),
    **dict.fromkeys(
        (
            "vor und nachname",
            "vor und zuname",
            "nome e cognome",
            "nom et prenom",
            "nom prenom",
            "prenom et nom",
            "prenom nom",
            "nombre y apellidos",
            "nombre y apellido",
            "voor en achternaam",
            "naam en achternaam",
        ),
        "name",
    ),
    **dict.fromkeys(
        (
            "nom",
            "nom complet",
            "nombre",
            "nombre completo",
            "naam",
            "volledige naam",
            "nome",
            "nome completo",
            "full name",
            "contact name",
            "contact person",
            "ansprechpartner",
            "customer name",
            "client name",
            "persona de contacto",
            "contact",
            "kontakt",
            "contacto",
            "contatto",
            "contato",
        ),
        "name",
    ),
}
_META = re.compile(
    r"^(?:date|time|datum|uhrzeit|heure|fecha|hora|data|ora|page url|url|source url|referr?er|"
    r"user agent|remote ip|ip|ip address|powered by|form|form name|form id|entry id|entry|"
    r"submitted|submitted on|submission date|site|website url|lead id|g recaptcha response)$"
    r"|consent|privacy|datenschutz|gdpr|rgpd|agree|accept|newsletter|einwilligung|akzept|"
    r"recaptcha|honeypot"
)
_COMPANY = re.compile(
    r"\b(?:company|business|organi[sz]ation|firma|unternehmen|firmenname|societe|entreprise|"
    r"empresa|bedrijf|bedrijfsnaam|azienda|societa|organizacao|organizacion|organisatie|"
    r"agency|employer|raison sociale|ragione sociale|nome empresa)\b"
)
_EMAIL = re.compile(r"\b(?:email|emailadres|emailadresse|mail|courriel|correo|posta elettronica)\b")
_PHONE = re.compile(
    r"\b(?:phone|phonenumber|telephone|tel|telefon|telefonnummer|rufnummer|handy|handynummer|"
    r"mobil|mobile|mobilnummer|mobiltelefon|cell|cellphone|cellular|portable|movil|celular|"
    r"cellulare|telefono|telefoon|telefoonnummer|telefone|telemovel|gsm|whatsapp|"
    r"contact number|numero de telephone|numero de telefono)\b"
)
_LAST = re.compile(
    r"\b(?:last name|lastname|surname|family name|nachname|familienname|zuname|"
    r"nom de famille|apellido|apellidos|achternaam|cognome|sobrenome|apelido|lname)\b"
)
_FIRST = re.compile(
    r"\b(?:first name|firstname|given name|forename|vorname|prenom|voornaam|primer nombre|"
    r"primeiro nome|nome proprio|fname)\b"
)
_SERVICE = re.compile(
    r"\b(?:service|services|service needed|job requested|job type|type of work|work type|"
    r"leistung|leistungen|dienstleistung|prestation|prestations|servicio|servicios|dienst|"
    r"diensten|servizio|servizi|servico|servicos|project type|interested in|treatment|"
    r"category|product|produkt|produit|producto|prodotto|produto)\b"
)
_MESSAGE = re.compile(
    r"\b(?:message|messages|message body|msg|comment|comments|nachricht|nachrichtentext|"
    r"mitteilung|anfrage|anliegen|bemerkung|bemerkungen|kommentar|frage|fragen|beschreibung|"
    r"commentaire|commentaires|demande|precisions|corps du message|mensaje|comentario|"
    r"comentarios|consulta|cuerpo del mensaje|bericht|opmerking|opmerkingen|vraag|vragen|"
    r"messaggio|commento|commenti|richiesta|domanda|mensagem|duvida|duvidas|note|notes|"
    r"details|inquiry|enquiry|question|questions|description|body|request|"
    r"additional information|project details|how can we help|help with|tell us|"
    r"about your project|anything else)\b"
)
_SUBJECT = re.compile(r"^(?:subject|betreff|objet|asunto|onderwerp|oggetto|assunto|topic|sujet)$")
_LOCATION = re.compile(
    r"\b(?:address|adresse|direccion|adres|indirizzo|endereco|city|town|stadt|ort|ville|"
    r"ciudad|stad|plaats|citta|cidade|zip|zip code|postal code|postcode|plz|postleitzahl|"
    r"code postal|codigo postal|cap|cep|location|state|region|country|land|pays|pais|paese)\b"
)
_NAME = re.compile(r"\b(?:name|names|fullname|nom|nombre|naam|nome)\b")
_OWN = re.compile(
    r"^(?:your|ihr|ihre|dein|deine|votre|vos|tu|tus|su|sus|uw|je|jouw|il tuo|la tua|tuo|tua|"
    r"o seu|a sua|seu|sua)\s+"
)
_OPTIONAL = re.compile(r"\s+(?:required|optional|obligatoire|pflichtfeld|obligatorio|verplicht|obbligatorio)$")
_NONWORD = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=4096)
def label_kind(label: str) -> str | None:
    """Meaning of a form label: a field name from FIELDS, or "first", "last", "sender",
    "subject", "location", "meta" (technical, dropped), or None (unknown)."""
    s = unicodedata.normalize("NFKD", label.lower().replace("ß", "ss"))
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = _NONWORD.sub(" ", s.replace("e-mail", "email").replace("e mail", "email")).strip()
    s = _OPTIONAL.sub("", _OWN.sub("", s))
    if not s:
        return None
    if s in _EXACT:
        return _EXACT[s]
    for regex, kind in _RULES:
        if regex.search(s):
            return kind
    return None


_RULES = (
    (_META, "meta"),
    (_COMPANY, "company"),
    (_EMAIL, "email"),
    (_PHONE, "phone"),
    (_LAST, "last"),
    (_FIRST, "first"),
    (_SUBJECT, "subject"),
    (_SERVICE, "service"),
    (_MESSAGE, "message"),
    (_LOCATION, "location"),
    (_NAME, "name"),
)

# --- values ----------------------------------------------------------------------

EMAIL_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
# Phone-like: optional +, 7..15 digits with common separators; normalisation is elsewhere.
_PHONE_RE = re.compile(r"(?<![\w+])(\+?\(?\d[\d ().\-/]{5,20}\d)(?![\w])")
_LABELLED_PHONE = re.compile(
    r"(?im)^\s*(?:phone|tel(?:efon|ephone|[ée]fono|efoon|efone)?|mobile?|cell|handy|"
    r"portable|m[óo]vil|celular|cellulare|gsm|whatsapp)\w*\.?\s*[:.]?\s*(\+?[\d(][\d ().\-/]{5,20}\d)"
)
_DATE_LIKE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_EMPTY_VALUES = frozenset(("", "(empty)", "empty", "-", "--", "—", "n/a", "(leer)", "(vide)", "(vacío)"))


def first_email(text: str) -> str | None:
    m = EMAIL_RE.search(text)
    return m.group(0).lower() if m else None


def find_phone(text: str) -> str | None:
    """The first phone-like number, preferring one on a line labelled as a phone."""
    m = _LABELLED_PHONE.search(text)
    if m and 7 <= sum(c.isdigit() for c in m.group(1)) <= 15:
        return m.group(1).strip()
    for m in _PHONE_RE.finditer(text):
        cand = m.group(1).strip()
        digits = sum(c.isdigit() for c in cand)
        if 7 <= digits <= 15 and not _DATE_LIKE.match(cand):
            return cand
    return None


# --- label/value structure -------------------------------------------------------

_DASHED = re.compile(r"^-{2,}\s*(\S.{0,80}?)\s*-{2,}$")  # WPForms: --- Label ---
_SEPARATOR = re.compile(r"^-{2,}$")  # a separator or signature line: the footer follows
_DOUBLE = re.compile(r"^([^:\t]{1,60}?)\s*::\s*(.*)$")  # CallRail: Label:: value
_COLON = re.compile(r"^([^:\t]{1,60}?)\s*[:：]\s*(.*)$")  # Label: value
_TAB = re.compile(r"^([^\t]{1,80}?)\s*:?\t+(.*)$")  # HTML table row: label<TAB>value


def _label_ok(label: str) -> bool:
    return (
        bool(label) and len(label.split()) <= 8 and not label.lower().startswith(("http", "www.")) and "@" not in label
    )


def _split(line: str) -> tuple[str, str] | None:
    """(label, value) when the line is a labelled one."""
    for regex in (_TAB, _DOUBLE, _COLON):
        m = regex.match(line)
        if m and _label_ok(m.group(1).strip()):
            label = m.group(1).strip().strip("*").strip()
            if label:
                return label, m.group(2).strip()
    return None


def _is_label_line(line: str) -> bool:
    """A bare label on its own line: a known label or a question."""
    bare = line.rstrip(":：").strip()
    if not bare or len(bare) > 80 or not _label_ok(bare):
        return False
    return line.endswith(("?", ":", "：")) or label_kind(bare) not in (None, "meta")


_STOP = re.compile(r"^(?:--\s?|-{3,}|_{3,}|={3,})$")  # signature or separator line


def _labelled(line: str, after_blank: bool) -> bool:
    """Does this line start a new field? Inside a value only known labels do, unless the
    line follows a blank line: then any "Label: value" line does. Questions never do
    here, so a message with a question in it stays whole."""
    if _DASHED.match(line):
        return True
    split = _split(line)
    if split is not None:
        return after_blank or label_kind(split[0]) is not None
    bare = line.rstrip(":：").strip()
    return len(bare) <= 60 and label_kind(bare) not in (None, "meta") and _label_ok(bare)


def _take(lines: list[str], i: int, multiline: bool, across_blanks: bool) -> tuple[str, int]:
    """Value lines from index i: one line, or up to the next label (or blank line)."""
    got: list[str] = []
    blank = False
    while i < len(lines):
        nxt = lines[i]
        if not nxt:
            if got and not across_blanks:
                break
            if got:
                got.append("")
            blank = True
            i += 1
            continue
        if _STOP.match(nxt) or _labelled(nxt, blank):
            break
        got.append(nxt)
        blank = False
        i += 1
        if not multiline:
            break
    return "\n".join(got).strip(), i


def pairs(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Labelled (label, value) pairs in order, plus the unlabelled lines."""
    lines = [x.strip() for x in text.split("\n")]
    out: list[tuple[str, str]] = []
    free: list[str] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        i += 1
        if not line:
            continue
        m = _DASHED.match(line)
        if m:  # WPForms: the value is everything up to the next dashed label (or the footer's rule)
            start = i
            while i < n and not _DASHED.match(lines[i]) and not _SEPARATOR.match(lines[i]):
                i += 1
            out.append((m.group(1), "\n".join(lines[start:i]).strip()))
            continue
        split = None if line.startswith(("http://", "https://")) else _split(line)
        if split is None and _is_label_line(line):
            split = (line if line.endswith("?") else line.rstrip(":：").strip(), "")
        if split is None:
            free.append(line)
            continue
        label, value = split
        kind = label_kind(label)
        if kind == "meta":
            continue
        if kind == "message":
            more, i = _take(lines, i, multiline=True, across_blanks=True)
            value = f"{value}\n{more}".strip() if more else value
        elif not value:
            value, i = _take(lines, i, multiline=kind is None, across_blanks=False)
        out.append((label, value))
    return out, free


def fields_from_pairs(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Map labelled values to fields; unknown labels are kept in the message."""
    found: dict[str, str] = {}
    first = last = subject = None
    messages: list[str] = []
    extras: list[str] = []
    for label, raw in items:
        value = raw.strip()
        if value.lower() in _EMPTY_VALUES:
            continue
        kind = label_kind(label)
        if kind == "email":
            addr = first_email(value)
            if addr:
                found.setdefault("email", addr)
        elif kind == "sender":
            addr = first_email(value)
            if addr:
                found.setdefault("email", addr)
            name = EMAIL_RE.sub("", value).strip(" <>\"'()[],")
            if name:
                found.setdefault("name", name)
        elif kind == "first":
            first = first or value
        elif kind == "last":
            last = last or value
        elif kind == "subject":
            subject = subject or value
        elif kind == "message":
            messages.append(value)
        elif kind in ("name", "phone", "company", "service"):
            if kind in found:
                extras.append(f"{label.rstrip(':?')}: {value}")
            else:
                found[kind] = " ".join(value.split()) if kind != "phone" else value
        elif kind != "meta":
            extras.append(f"{label.rstrip(':')}: {value}" if not label.endswith("?") else f"{label} {value}")
    name = found.get("name")
    if name and first and not last and first not in name:
        found["name"] = f"{first} {name}"  # "Prénom" + "Nom": Nom is the family name
    elif name and last and not first and last not in name:
        found["name"] = f"{name} {last}"  # "Nome" + "Cognome"
    elif first or last:
        found.setdefault("name", " ".join(x for x in (first, last) if x))
    if subject and not messages:
        messages.append(subject)
    elif subject:
        extras.insert(0, f"Subject: {subject}")
    text = "\n\n".join(messages)
    if extras:
        text = (text + "\n\n" if text else "") + "\n".join(extras)
    if text:
        found["message"] = text
    return found


# --- recognisers -----------------------------------------------------------------

# Reply-To/From relays of marketplaces and builders: thread keys, never a lead's email.
_RELAY = re.compile(
    r"@(?:crm\.wix\.com|messaging\.yelp\.com|convo\.zillow\.com|awexpress\.google\.com|"
    r"(?:[\w-]+\.)?reply\.craigslist\.org)$"
)
_NOREPLY = re.compile(r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|noreply|donotreply)", re.IGNORECASE)


def is_relay(address: str) -> bool:
    return bool(address) and bool(_RELAY.search(address.lower()))


@dataclass(frozen=True)
class FormMatch:
    source: str  # "Contact Form 7", "Yelp", ...
    site: str  # the site, business or sender domain named in the reason
    fields: dict[str, str]
    relay: str | None = None
    marketplace: bool = False

    @property
    def reason(self) -> str:
        return f"{self.source} notification from {self.site}" if self.site else f"{self.source} notification"


def _domain(addr: str) -> str:
    return addr.rpartition("@")[2]


def _cut(text: str, start: re.Pattern[str] | None = None, end: re.Pattern[str] | None = None) -> str:
    """The part of text after the first `start` match and before the first `end` match."""
    if start and (m := start.search(text)):
        text = text[m.end() :]
    if end and (m := end.search(text)):
        text = text[: m.start()]
    return text


def _generic(text: str) -> dict[str, str]:
    return fields_from_pairs(pairs(text)[0])


_GRAVITY_ROW = re.compile(
    r"<tr[^>]*bgcolor=[\"']?#EAF2FA[^>]*>(.*?)</tr>\s*<tr[^>]*>(.*?)</tr>", re.IGNORECASE | re.DOTALL
)


def _gravity(mail: Mail) -> dict[str, str]:
    if mail.html:
        rows = _GRAVITY_ROW.findall(mail.html[:500_000])
        if rows:
            return fields_from_pairs(
                (html_to_text(label).rstrip(":"), html_to_text(value).replace("\t", " ")) for label, value in rows
            )
    return _generic(mail.text)


# Footer/preamble markers, several languages where the plugin is translated.
_CF7_FOOTER = re.compile(
    r"(?:This e-?mail was sent from a contact form on|Diese E-Mail wurde von einem Kontaktformular|"
    r"Cet e-?mail a été envoyé via le formulaire de contact|Este (?:mensaje|correo) se (?:ha )?envi[óa]\w* "
    r"(?:desde|a través de)|Questa e-?mail è stata inviata da un modulo di contatto|"
    r"Deze e-?mail is verzonden (?:vanaf|via) een contactformulier|Este e-?mail foi enviado)",
    re.IGNORECASE,
)
_CF7_SITE = re.compile(r"\((https?://[^)\s]+)\)")
_SIG_LINE = re.compile(r"^--\s?$", re.MULTILINE)
_WPFORMS = re.compile(r"^-{3} .{1,80} -{3}$", re.MULTILINE)
_ELEMENTOR_META = re.compile(r"^-{3}\s*$", re.MULTILINE)
_ELEMENTOR = re.compile(r"Powered by:? Elementor", re.IGNORECASE)
_WIX_START = re.compile(r"You have a new form submission\.?", re.IGNORECASE)
_SQS_START = re.compile(r"Sent via form submission from (.+)", re.IGNORECASE)
_SQS_END = re.compile(r"\(?Manage Submissions\)?|^Squarespace$", re.IGNORECASE | re.MULTILINE)
_WEBFLOW_START = re.compile(r"Submitted content:?", re.IGNORECASE)
_WEBFLOW_END = re.compile(
    r"^(?:View all submissions|You can view|Manage form settings|© \d{4} Webflow)", re.IGNORECASE | re.MULTILINE
)
_SHOPIFY_START = re.compile(r"You received a new message from your online store's contact form\.?", re.IGNORECASE)
_FOOTER_END = re.compile(
    r"^(?:You are receiving this|You received this|To stop receiving|Unsubscribe|Mark as spam|"
    r"Manage (?:notifications|your form)|View (?:submissions?|all submissions|this submission)\b|"
    r"Powered by|Sent (?:by|via) (?:Formspree|Netlify|Tally|Jotform))",
    re.IGNORECASE | re.MULTILINE,
)
_CALLRAIL_START = re.compile(r"Form Contents:?", re.IGNORECASE)
_LSA_MESSAGE = re.compile(
    r"Potential Customer sent you a message:?(.*?)(?:To connect with this customer|$)", re.IGNORECASE | re.DOTALL
)
_YELP_SUBJECT = re.compile(r"(?:New )?Message from (.+?) for (.+)$", re.IGNORECASE)
_YELP_NOISE = re.compile(
    r"^(?:Reply|Respond|View (?:message|request|on Yelp)|Yelp|.*sent you a (?:message|request)|"
    r"Download the Yelp|Manage notifications|Unsubscribe|©)",
    re.IGNORECASE,
)
_HA_SUBJECT = re.compile(r"New (?:Opportunity|Lead)s?:?\s*(.*)$", re.IGNORECASE)
_ZILLOW_SUBJECT = re.compile(r"^(.*?) is requesting information about (.+)$", re.IGNORECASE)
_ZILLOW_SAYS = re.compile(r"^.{1,80}\bsays:\s*$", re.IGNORECASE | re.MULTILINE)
_ZILLOW_END = re.compile(
    r"^(?:Reply to this|Respond to|View (?:listing|contact|conversation)|Zillow Group|"
    r"This (?:email|message) was sent|By replying|Learn more|Unsubscribe|Privacy|"
    r"Zillow, Inc|Copyright|©)",
    re.IGNORECASE | re.MULTILINE,
)
_HOUZZ_NOISE = re.compile(r"^(?:.*sent you a message|New message|Houzz|Hi [^,]{1,40},)", re.IGNORECASE)
_HOUZZ_END = re.compile(
    r"^(?:Reply|View (?:message|project|on Houzz)|Houzz Inc|Unsubscribe|©)", re.IGNORECASE | re.MULTILINE
)
_SUBJECT_SITE = re.compile(
    r"(?:notification|submission|message) (?:from|on|for)(?: Webflow for)? \"?(.+?)\"?\s*!?$", re.IGNORECASE
)
_WEB_FORM_SUBJECT = re.compile(
    r"\b(?:form submission|new submission|new entry|contact form|web ?form|website inquiry|"
    r"website enquiry|kontaktformular|formulaire|formulario|formulier|modulo di contatto|"
    r"formulário|neue anfrage über|nouveau message de|nuevo mensaje de)\b",
    re.IGNORECASE,
)


def _site_from_subject(mail: Mail, default: str) -> str:
    m = _SUBJECT_SITE.search(mail.subject)
    return m.group(1).strip() if m else default


def _marketplace(text: str, noise: re.Pattern[str]) -> dict[str, str]:
    """Labelled details plus the customer's free text (which has no label here)."""
    got, free = pairs(text)
    found = fields_from_pairs(got)
    words = "\n".join(x for x in free if not noise.match(x)).strip()
    found["message"] = "\n\n".join(x for x in (words, found.get("message", "")) if x)
    return {k: v for k, v in found.items() if v}


def recognise(mail: Mail, me: Collection[str] = ()) -> FormMatch | None:
    """A known form or marketplace notification with its fields, or None.

    The customer's email is Reply-To unless that is a relay, the sender itself, the
    owner or the service; otherwise the address typed into the form."""
    match = _recognise(mail)
    if match is None:
        return None
    sender_dom = _domain(mail.from_addr)
    for _, addr in mail.reply_to:
        if (
            addr
            and "@" in addr
            and not is_relay(addr)
            and addr != mail.from_addr
            and addr not in me
            and not _NOREPLY.match(addr)
            and _domain(addr) != sender_dom
        ):
            return replace(match, fields={**match.fields, "email": addr})
    return match


def _recognise(mail: Mail) -> FormMatch | None:
    # Cheap for ordinary mail: sender domain and subject are checked before the body.
    addr, subj, text = mail.from_addr, mail.subject, mail.text
    dom = _domain(addr)
    s = subj.lower()
    relay = next((a for _, a in mail.reply_to if is_relay(a)), None)

    # Services with their own sending domain.
    if dom == "crm.wix.com" or (dom.endswith("wix.com") and "notification from" in s):
        return FormMatch(
            "Wix Forms", _site_from_subject(mail, dom), _generic(_cut(text, _WIX_START, _FOOTER_END)), relay
        )
    if dom.endswith(("squarespace.info", "squarespace.com")) and "form submission" in s:
        m = _SQS_START.search(text)
        return FormMatch("Squarespace", m.group(1).strip() if m else dom, _generic(_cut(text, _SQS_START, _SQS_END)))
    if dom.endswith("webflow.com") and "form submission" in s:
        site = _site_from_subject(mail, dom) if " for " in s else dom
        return FormMatch("Webflow", site, _generic(_cut(text, _WEBFLOW_START, _WEBFLOW_END)))
    if dom.endswith("shopify.com") and ("customer message" in s or _SHOPIFY_START.search(text)):
        return FormMatch("Shopify", mail.from_name or dom, _generic(_cut(text, _SHOPIFY_START, _FOOTER_END)))
    if dom.endswith("formspree.io"):
        return FormMatch("Formspree", _site_from_subject(mail, dom), _generic(_cut(text, None, _FOOTER_END)))
    if dom.endswith("netlify.com") and addr.startswith("formresponses"):
        return FormMatch("Netlify Forms", mail.from_name or dom, _generic(_cut(text, None, _FOOTER_END)))
    if dom.endswith("tally.so"):
        return FormMatch("Tally", _site_from_subject(mail, dom), _generic(_cut(text, None, _FOOTER_END)))
    if dom.endswith("jotform.com"):
        return FormMatch("Jotform", dom, _generic(_cut(text, None, _FOOTER_END)))
    if dom.endswith(("typeform.com", "typeform.io")):
        return FormMatch("Typeform", dom, _generic(_cut(text, None, _FOOTER_END)))
    if dom.endswith("callrail.com") and "form submission" in s:
        return FormMatch("CallRail", subj.rpartition(" for ")[2] or dom, _generic(_cut(text, _CALLRAIL_START)))
    if addr == "ads-account-noreply@google.com" and "lead form" in s:
        return FormMatch("Google Ads lead form", dom, _generic(text))
    if dom == "awexpress.google.com" or (dom.endswith("google.com") and "potential customer" in s):
        m = _LSA_MESSAGE.search(text)
        msg = " ".join(m.group(1).split()) if m else ""
        found = {"message": msg} if msg else {}
        return FormMatch("Google Local Services", dom, found, addr if is_relay(addr) else relay, True)
    yelp = addr if dom == "messaging.yelp.com" else (relay if relay and relay.endswith("messaging.yelp.com") else None)
    if yelp:
        found = _marketplace(text, _YELP_NOISE)
        m = _YELP_SUBJECT.search(subj)
        if m:
            found["name"] = m.group(1).strip()
        return FormMatch("Yelp", m.group(2).strip() if m else "Yelp", found, yelp, True)
    if dom.endswith(("homeadvisor.com", "angi.com", "angieslist.com")) and _HA_SUBJECT.search(subj):
        found = _generic(text)
        found.setdefault("service", _HA_SUBJECT.search(subj).group(1).strip())  # type: ignore[union-attr]
        return FormMatch("HomeAdvisor", dom, {k: v for k, v in found.items() if v}, relay, True)
    if dom.endswith("houzz.com") and addr.startswith(("notification", "messages")):
        found = _marketplace(_cut(text, None, _HOUZZ_END), _HOUZZ_NOISE)
        if mail.from_name and "houzz" not in mail.from_name.lower():
            found["name"] = mail.from_name
        return FormMatch("Houzz", dom, found, relay, True)
    if dom == "convo.zillow.com":
        m = _ZILLOW_SUBJECT.search(subj)
        body = " ".join(_cut(text, _ZILLOW_SAYS, _ZILLOW_END).split())
        found = {"name": mail.from_name or (m.group(1) if m else "")}
        if body:
            found["message"] = body + (f"\n\nProperty: {m.group(2).strip()}" if m else "")
        found["phone"] = find_phone(_cut(text, _ZILLOW_SAYS, _ZILLOW_END)) or ""
        return FormMatch("Zillow", dom, {k: v for k, v in found.items() if v}, addr, True)
    if dom.endswith("realtor.com") and "lead" in s:
        return FormMatch("Realtor.com", dom, _generic(_cut(text, None, _FOOTER_END)), relay, True)

    # WordPress plugins: sent from the site's own address, recognised by their layout.
    tail = text[-3000:]
    if (m := _CF7_FOOTER.search(tail)) or (addr.startswith("wordpress@") and subj.startswith("[")):
        site_m = _CF7_SITE.search(tail[m.start() :]) if m else None
        site = site_m.group(1).split("//", 1)[1].rstrip("/") if site_m else dom
        return FormMatch("Contact Form 7", site, _generic(_cut(text, None, _SIG_LINE)))
    if (
        s.startswith(
            ("new entry", "nouvelle entrée", "neuer eintrag", "nueva entrada", "nieuwe inzending", "nuova voce")
        )
        or len(_WPFORMS.findall(text[:20000])) >= 2
    ):
        return FormMatch("WPForms", dom, _generic(text))
    if mail.html and "#eaf2fa" in mail.html[:200_000].lower() and _GRAVITY_ROW.search(mail.html[:500_000]):
        return FormMatch("Gravity Forms", dom, _gravity(mail))
    if s.startswith('new message from "') or _ELEMENTOR.search(tail):
        return FormMatch("Elementor", _site_from_subject(mail, dom), _generic(_cut(text, None, _ELEMENTOR_META)))
    if "ninja forms" in s:
        return FormMatch("Ninja Forms", dom, _generic(text))
    if " form submitted on " in s:
        return FormMatch("Formidable", subj.rpartition(" submitted on ")[2].strip(), _generic(text))
    if s.startswith("new submission from"):
        return FormMatch("Gravity Forms", dom, _gravity(mail))
    # Any other site form: a form-like subject and at least a contact field and a name
    # or message in label/value form.
    if _WEB_FORM_SUBJECT.search(subj):
        found = _generic(_cut(text, None, _FOOTER_END))
        if ("email" in found or "phone" in found) and ("name" in found or "message" in found):
            return FormMatch("Web form", dom, found, relay)
    return None
