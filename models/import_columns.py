"""Which field a spreadsheet column holds: the real exports' layouts (profiles), then generic names in
several languages. Columns no field fits are kept ("details": in the lead's first timeline entry)
unless a profile knows them for bookkeeping ("ignore": record ids, IP addresses, Mailchimp's LEID)."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from .errors import InvalidInput

FIELDS = ("name", "first_name", "last_name", "email", "phone", "company", "source", "service", "message",
          "stage", "value", "owner", "created", "lost_reason")
DETAILS, IGNORE, LABEL = "details", "ignore", "label"  # kept in a note; left out; the type of the column beside it
CHOICES = FIELDS + (DETAILS, IGNORE)

_ALIASES = {
    "name": "name fullname vollername vollstandigername kontakt kontaktname kontaktperson ansprechpartner nom "
            "nomcomplet nombre nombrecompleto naam volledigenaam contact contactname contactperson customer "
            "customername client clientname kunde kundenname cliente klant leadname person formattedname displayname "
            "nome nomecompleto",
    "first_name": "firstname first givenname forename vorname prenom voornaam fname nombredepila primeironome",
    "last_name": "lastname last surname familyname nachname familienname nomdefamille apellido apellidos achternaam "
                 "lname cognome sobrenome",
    "email": "email emailaddress mail emailadresse mailadresse courriel adressemail adresseemail correo "
             "correoelectronico emailadres workemail homeemail primaryemail secondaryemail otheremail",
    "phone": "phone phonenumber tel telephone telefon telefonnummer telnr mobile mobil mobilephone mobilnummer "
             "handy handynummer cell cellphone telefono telefoon mobiel rufnummer whatsapp businessphone homephone "
             "workphone otherphone primaryphone mobilephonenumber companymainphone carphone portable movil "
             "telefonomovil telephoneportable numerodetelephone numerodetelefono telefonmobil mobiltelefon celular "
             "telefoonnummer cellulare",
    "company": "company companyname firma organisation organization organizationname societe entreprise empresa "
               "bedrijf unternehmen business account accountname associatedcompany",
    "source": "source quelle leadsource channel kanal herkunft origin origine fuente bron canal originalsource",
    "service": "service services leistung dienstleistung produkt product servicio dienst interest interesse",
    "message": "message messages notes note nachricht comments comment notizen notiz bemerkung bemerkungen "
               "kommentar anfrage inquiry description beschreibung mensaje notas commentaire commentaires "
               "opmerkingen bericht",
    "stage": "stage status phase pipelinestage dealstage etape etapa fase stufe leadstatus lifecyclestage estado "
             "statut",
    "value": "value amount dealvalue betrag wert auftragswert montant valeur importe valor waarde bedrag revenue",
    "owner": "owner leadowner assignedto verantwortlich zustandig bearbeiter responsable eigenaar salesrep "
             "contactowner dealowner",
    "created": "created createdat createdon date datum dateadded erstellt erstelltam eingang received fecha "
               "datecreation creationdate aangemaakt createdate createddate createdtime dealcreated",
    "lost_reason": "lostreason reason verlustgrund grund motivo raison",
}
_BY_KEY = {alias: name for name, words in _ALIASES.items() for alias in words.split()}
# Words that mean "the whole name" alone but "the other half" next to a first- or last-name column
# (French "Nom" + "Prénom", Spanish "Nombre" + "Apellido", German "Name" + "Vorname").
_AMBIGUOUS = {"name", "nom", "nombre", "naam"}
# Pipedrive names columns "Person - Email - Work", "Deal - Title", "Organization - Name".
_ENTITIES = {"person", "deal", "organization", "organisation", "org", "lead", "contact"}
_KINDS = re.compile(r"(work|home|mobile|other|main|private|business|value|number)$")


@lru_cache(maxsize=4096)  # every row's first cell is checked for "Total": first names repeat
def key(text: str) -> str:
    """'Vollständiger Name' -> 'vollstandigername': case, accents and punctuation do not matter."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def generic_field(column: str) -> str | None:
    """The field a column's name means in any layout, or None ('E-mail 2 - Value' -> email)."""
    parts = [p for p in re.split(r"\s+-\s+", column) if p.strip()]
    entity = key(parts[0]) if len(parts) > 1 and key(parts[0]) in _ENTITIES else None
    rest = parts[1:] if entity else parts
    if entity == "organization" or entity == "organisation" or entity == "org":
        return "company" if key(" ".join(rest)) == "name" else None
    if entity == "deal" and key(" ".join(rest)) == "title":
        return None  # the deal's title is kept as a detail, not the lead's name
    # 'Email - Work' is an email; 'Organization 1 - Title' is not the organization
    typed = len(rest) > 1 and all(_KINDS.fullmatch(key(part)) for part in rest[1:])
    for text in (" ".join(rest), rest[0] if typed else ""):
        whole = key(text)
        for candidate in (whole, re.sub(r"\d+", "", whole)):
            found = _BY_KEY.get(candidate) or _BY_KEY.get(_KINDS.sub("", candidate))
            if found:
                return found
    return None


@dataclass(frozen=True)
class Profile:
    """A vendor's export layout: how to tell it from its header and what its columns hold."""
    name: str
    detect: Callable[[set[str]], bool]  # header keys -> is it this export
    columns: dict[str, str] = field(default_factory=dict)  # header key pattern (regex, full match) -> field
    multi: str | None = None  # the separator of several values in one cell

    def field_for(self, column: str) -> str | None:
        k = key(column)
        return next((target for pattern, target in self.columns.items() if re.fullmatch(pattern, k)), None)


_BOOKKEEPING = "recordid|id|lastmodifieddate|modifiedtime|modifiedby|createdby|photo|filestatus"
PROFILES = (
    Profile("Leadbook export", lambda k: {"id", "stage", "status", "createdat", "firstresponseat"} <= k, {
        "notes": "message", "timeline": DETAILS,
        "id|status|firstresponseat|lastactivityat|importedat|nextfollowupdue|nextfollowuptitle": IGNORE}),
    Profile("Google Contacts", lambda k: bool({"email1value", "phone1value"} & k) and bool(
        {"organizationname", "organization1name", "labels", "groupmembership", "givenname"} & k), {
        r"(email|phone)\d+(label|type)": LABEL, r"address\d+(label|type)": LABEL,
        r"organization1?name": "company", "name": "name", "givenname": "first_name", "familyname": "last_name",
        r"address\d+(street|city|pobox|region|postalcode|country|extendedaddress)": IGNORE,  # in "Formatted"
        r"phonetic.*|.*yomi.*|fileas|photo|namesuffix|nameprefix|additionalname|middlename": IGNORE,
        r"organization\d*(type|symbol)": IGNORE}, multi=" ::: "),
    Profile("Outlook", lambda k: {"businessphone", "mobilephone"} <= k and bool({"emailaddress", "email"} & k), {
        r"email\d?(type|displayname)": IGNORE, r".*fax": DETAILS, "categories": DETAILS,
        r"givenyomi|surnameyomi|companyyomi|middlename|suffix|title|priority|sensitivity|private|initials": IGNORE},
        multi=";"),
    Profile("HubSpot", lambda k: "recordid" in k and bool({"lifecyclestage", "contactowner", "createdate"} & k), {
        _BOOKKEEPING: IGNORE, r"marketingcontactstatus|lastactivitydate|associatedcompanyid.*": IGNORE}, multi=";"),
    Profile("Pipedrive", lambda k: sum(c.startswith(("person", "deal")) for c in k) >= 3, {
        r"dealid|personid|organizationid|dealupdatetime|personupdatetime|.*visibleto|dealweightedvalue": IGNORE}),
    Profile("Zoho CRM", lambda k: bool({"leadowner", "createdtime"} & k) and "leadstatus" in k, {
        _BOOKKEEPING: IGNORE, "salutation|emailoptout": IGNORE, "tag": DETAILS}),
    Profile("Salesforce", lambda k: "isconverted" in k or {"createddate", "leadsource", "ownerid"} <= k, {
        "id|ownerid|masterrecordid|isdeleted|lastmodifiedbyid|createdbyid|systemmodstamp|lastmodifieddate": IGNORE,
        "isconverted|rating|industry|title": DETAILS}),
    Profile("Mailchimp", lambda k: bool({"memberrating", "optintime", "leid", "euid"} & k), {
        "optintime": "created", "tags": DETAILS, "fname": "first_name", "lname": "last_name",
        r"memberrating|optinip|confirmtime|confirmip|latitude|longitude|gmtoff|dstoff|timezone|cc|region"
        r"|lastchanged|leid|euid|unsub.*|clean.*|marketingpermissions.*": IGNORE}),
)
VCARD = "vCard (Apple/iCloud, Android, Outlook)"


def detect_profile(header: list[str]) -> Profile | None:
    keys = {key(column) for column in header}
    return next((profile for profile in PROFILES if profile.detect(keys)), None)


def map_columns(header: list[str], profile: Profile | None = None,
                overrides: dict[str, str] | None = None) -> dict[str, str]:
    """{column: field, 'details', 'ignore' or 'label'} for every column: the profile's, the generic
    guess, then the user's overrides."""
    mapping = {}
    for column in header:
        target = profile.field_for(column) if profile else None
        if target is None and _label_of(column, header):
            target = LABEL
        mapping[column] = target or generic_field(column) or DETAILS
    fields = set(mapping.values())
    for column, target in mapping.items():
        if target == "name" and key(column) in _AMBIGUOUS:
            if "first_name" in fields and "last_name" not in fields:
                mapping[column] = "last_name"
            elif "last_name" in fields and "first_name" not in fields:
                mapping[column] = "first_name"
    by_key = {key(column): column for column in header}
    for column, wanted in (overrides or {}).items():
        target = column if column in mapping else by_key.get(key(column))
        if target is None:
            raise InvalidInput(f"There is no column '{column}' in the file: the columns are {', '.join(header)}.")
        mapping[target] = choice(wanted)
    return mapping


def choice(text: str) -> str:
    """A field name as a user types it ('Notes', 'created-at', 'keep') -> one of CHOICES."""
    typed = text.strip().lower().replace(" ", "_").replace("-", "_")
    wanted = {"notes": "message", "note": "message", "createdat": "created", "date": "created", "keep": DETAILS,
              "status": "stage", "skip": IGNORE}.get(key(text), typed)
    if wanted not in CHOICES:
        raise InvalidInput(f"'{text}' is not a field: use one of {', '.join(CHOICES)}.")
    return wanted


_LABEL = re.compile(r"^(.*?)[\s-]*(label|type)$", re.IGNORECASE)


def _label_of(column: str, header: list[str]) -> str | None:
    """The column a label column describes ('E-mail 1 - Label' -> 'E-mail 1 - Value', 'Email 1 type' -> 'Email 1')."""
    match = _LABEL.match(column)
    if not match or not match[1]:
        return None
    base = match[1].strip(" -")
    return next((c for c in (f"{base} - Value", base) if c in header and c != column), None)


def label_pairs(header: list[str], mapping: dict[str, str]) -> dict[int, int]:
    """{value column index: label column index} for the columns mapped as labels."""
    pairs = {}
    for index, column in enumerate(header):
        partner = _label_of(column, header) if mapping.get(column) == LABEL else None
        if partner is not None:
            pairs[header.index(partner)] = index
    return pairs


def header_score(cells: list[str]) -> int:
    """How many cells of a row name a known field: the header row is the row that scores best."""
    return sum(1 for cell in cells if cell and not cell.replace(".", "").isdigit() and generic_field(cell))
