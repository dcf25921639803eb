"""Reading a form's fields: label/value structure in text, labels mapped to lead fields
by meaning, and the values checked (addresses, phones).

Site owners write their own labels ("Your name", "Telefonnummer", "Société", "What do
you need help with?"), so we read label/value structure generally and map labels to
fields by keyword, in en/de/fr/es/nl/it/pt.

Every pattern here sees bounded input: labels are looked for in the first characters of
a line only, values are cut before they are searched, and repetitions are bounded, so a
hostile 200 KB value costs milliseconds, not minutes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from .parse import html_to_text

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
    s = unicodedata.normalize("NFKD", label[:100].lower().replace("ß", "ss"))
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

# Bounded repetitions, and a local part that can only start where a run of address
# characters starts, keep these linear: the unbounded address pattern took 116 s on a
# 200 KB value.
EMAIL_RE = re.compile(
    r"(?<![\w.+'-])[\w.+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.[a-z]{2,24}", re.IGNORECASE
)
# Phone-like: optional +, 7..15 digits with common separators; normalisation is elsewhere.
_PHONE_RE = re.compile(r"(?<![\w+])(\+?\(?\d[\d ().\-/]{5,20}\d)(?![\w])")
_LABELLED_PHONE = re.compile(
    r"(?im)^[ \t]{0,20}(?:phone|tel(?:efon|ephone|[ée]fono|efoon|efone)?|mobile?|cell|handy|"
    r"portable|m[óo]vil|celular|cellulare|gsm|whatsapp)\w{0,20}\.?[ \t]{0,5}[:.]?[ \t]{0,5}"
    r"(\+?[\d(][\d ().\-/]{5,20}\d)"
)
_DATE_LIKE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_EMPTY_VALUES = frozenset(("", "(empty)", "empty", "-", "--", "—", "n/a", "(leer)", "(vide)", "(vacío)"))
MAX_SHORT = 200  # chars of a one-line value (name, company, service) kept; longer is not a name
MAX_CONTACT = 400  # chars of a value searched for an address or a phone number
MAX_MESSAGE = 20_000  # chars of a message kept


def first_email(text: str) -> str | None:
    m = EMAIL_RE.search(text)
    return m.group(0).lower() if m else None


def _phone_ok(cand: str) -> bool:
    return 7 <= sum(c.isdigit() for c in cand) <= 15 and not _DATE_LIKE.match(cand)


def _first_phone(text: str, ok: Callable[[str], bool]) -> str | None:
    m = _LABELLED_PHONE.search(text)
    if m and _phone_ok(m.group(1)):
        return m.group(1).strip()
    return next((c for m in _PHONE_RE.finditer(text) if ok(c := m.group(1).strip())), None)


def find_phone(text: str) -> str | None:
    """The first phone-like number, preferring one on a line labelled as a phone."""
    return _first_phone(text, _phone_ok)


def _written_as_phone(cand: str) -> bool:
    return _phone_ok(cand) and (cand[0] in "+0(" or not cand.isdigit())


def message_phone(text: str) -> str | None:
    """A phone number the visitor wrote into their message: labelled, or written as a
    phone is written (a separator, a leading + or 0), not a bare order or lead number."""
    return _first_phone(text[:MAX_MESSAGE], _written_as_phone)


def phone_value(value: str) -> str | None:
    """A phone field's value when it is a phone number, else the first number in it."""
    value = value.strip()
    if len(value) > 100:  # a phone field's value is short: anything longer is not a phone
        return None
    if len(value) <= 40 and _phone_ok(value):
        return value
    return find_phone(value[:MAX_CONTACT])


# --- label/value structure -------------------------------------------------------

_SPAN = 120  # chars at the start of a line where a label is looked for
_DASHED = re.compile(r"^-{2,}+[ \t]*(\S.{0,80}?)[ \t]*-{2,}$")  # WPForms: --- Label ---
_SEPARATOR = re.compile(r"^-{2,}$")  # a separator or signature line: the footer follows
# Label and separator only; the value is the rest of the line.
_DOUBLE = re.compile(r"^([^:\t]{1,60}?)[ ]{0,10}::[ \t]*")  # CallRail: Label:: value
_COLON = re.compile(r"^([^:\t]{1,60}?)[ ]{0,10}[:：][ \t]*")  # Label: value
_TAB = re.compile(r"^([^\t]{1,80}?)[ ]{0,10}:?\t+")  # HTML table row: label<TAB>value


def _dashed(line: str) -> str | None:
    """The label of a WPForms `--- Label ---` line."""
    m = _DASHED.match(line) if len(line) <= 100 else None
    return m.group(1) if m else None


def _label_ok(label: str) -> bool:
    return (
        bool(label) and len(label.split()) <= 8 and not label.lower().startswith(("http", "www.")) and "@" not in label
    )


def _split(line: str) -> tuple[str, str] | None:
    """(label, value) when the line is a labelled one."""
    head = line[:_SPAN]
    for regex in (_TAB, _DOUBLE, _COLON):
        m = regex.match(head)
        if m and _label_ok(m.group(1).strip()):
            label = m.group(1).strip().strip("*").strip()
            if label:
                return label, line[m.end() :].strip()
    return None


def _is_label_line(line: str) -> bool:
    """A bare label on its own line: a known label or a question."""
    if len(line) > 82:
        return False
    bare = line.rstrip(":：").strip()
    if not bare or len(bare) > 80 or not _label_ok(bare):
        return False
    return line.endswith(("?", ":", "：")) or label_kind(bare) not in (None, "meta")


_STOP = re.compile(r"^(?:--\s?|-{3,}|_{3,}|={3,})$")  # signature or separator line


def _labelled(line: str, after_blank: bool) -> bool:
    """Does this line start a new field? Inside a value only known labels do, unless the
    line follows a blank line: then any "Label: value" line does. Questions never do
    here, so a message with a question in it stays whole."""
    if _dashed(line):
        return True
    split = _split(line)
    if split is not None:
        return after_blank or label_kind(split[0]) is not None
    if len(line) > 62:
        return False
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
        dashed = _dashed(line)
        if dashed:  # WPForms: the value is everything up to the next dashed label (or the footer's rule)
            start = i
            while i < n and not _dashed(lines[i]) and not _SEPARATOR.match(lines[i]):
                i += 1
            out.append((dashed, "\n".join(lines[start:i]).strip()))
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
    """Map labelled values to fields; unknown labels are kept in the message. Values are
    cut before they are searched: a 200 KB "Email:" value is not an address."""
    found: dict[str, str] = {}
    first = last = subject = None
    messages: list[str] = []
    extras: list[str] = []
    for label, raw in items:
        value = raw.strip()
        if value.lower() in _EMPTY_VALUES:
            continue
        kind = label_kind(label)
        short = " ".join(value[: MAX_SHORT + 1].split())
        if kind in ("email", "sender"):
            addr = first_email(value[:MAX_CONTACT])
            if addr:
                found.setdefault("email", addr)
            if kind == "sender" and len(short) <= MAX_SHORT:  # "From: Jane Miller <jane@…>"
                if name := EMAIL_RE.sub("", short).strip(" <>\"'()[],"):
                    found.setdefault("name", name)
        elif kind in ("first", "last", "subject") and len(short) > MAX_SHORT:
            continue
        elif kind == "first":
            first = first or short
        elif kind == "last":
            last = last or short
        elif kind == "subject":
            subject = subject or short
        elif kind == "message":
            messages.append(value[:MAX_MESSAGE])
        elif kind == "phone":
            phone = phone_value(value)
            if phone and "phone" in found:
                extras.append(f"{label.rstrip(':?')}: {phone}")
            elif phone:
                found["phone"] = phone
        elif kind in ("name", "company", "service"):
            if len(short) > MAX_SHORT:
                continue
            if kind in found:
                extras.append(f"{label.rstrip(':?')}: {short}")
            else:
                found[kind] = short
        elif kind != "meta":
            value = value[: MAX_SHORT * 10]
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
        found["message"] = text[:MAX_MESSAGE]
    return found


# Notification HTML wraps everything in layout tables, and the text view keeps a table
# cell on one line: mark where blocks end inside cells so each block stays a line.
_BLOCK_END = re.compile(r"<(?:br|/p|/div|/li|/h[1-6]|/dd|/dt|/blockquote)\b[^<>]{0,200}>", re.IGNORECASE)
_MARK = "\ue000"
MAX_HTML = 300_000  # chars of HTML read for fields


def html_lines(html: str) -> str:
    """The text of notification HTML with one line per block, also inside table cells."""
    text = html_to_text(_BLOCK_END.sub(lambda m: _MARK + m.group(0), html[:MAX_HTML]))
    # A mark at the end of a line is a block the text view already ended.
    lines = text.replace(_MARK + "\n", "\n").replace(_MARK, "\n").split("\n")
    return "\n".join(line.strip() for line in lines)


# A signed message, as Ninja Forms' contact template ends it: "-Jane Miller ( jane@x.example )".
_SIGNED = re.compile(r"^[-–—][ \t]?([^()<>@\d]{1,80}?)[ \t]*[(<][ \t]*([^()<>\s@]{1,64}@[^()<>\s]{1,255})[ \t]*[)>]$")


def read_fields(text: str) -> dict[str, str]:
    """The fields of a form's text: labelled pairs, or a message signed with the
    visitor's name and address."""
    got, free = pairs(text)
    found = fields_from_pairs(got)
    for i, line in enumerate(free):
        m = _SIGNED.match(line) if len(line) <= 400 else None
        if m and (addr := first_email(m.group(2))):
            found.setdefault("name", " ".join(m.group(1).split()))
            found.setdefault("email", addr)
            if "message" not in found and i:
                found["message"] = "\n".join(free[:i])[:MAX_MESSAGE]
            break
    return found
