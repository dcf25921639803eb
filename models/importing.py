"""Spreadsheet import (CSV/XLSX).

Two steps so the user can look before anything is written: plan_import reads the file,
maps columns to fields, validates every row and finds duplicates; apply_import writes the
plan in one transaction, building new leads with models.leads.new_lead_rows, the same
definition add_lead uses.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from . import leads, members, settings, stages, writes
from .clock import now, to_utc
from .contacts import normalise_email, normalise_phone
from .errors import InvalidInput
from .tables import Activity, FollowUp, Lead, Member, database, new_id

# --- reading files ------------------------------------------------------------------------------

Rows = list[tuple[int, list[str]]]


def read_rows(path: Path) -> tuple[list[str], Rows]:
    """The header and the non-empty rows of a CSV or XLSX file, each with its line number."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"Cannot read {path.name}: {exc.strerror or exc}.") from None
    if not raw.strip():
        raise InvalidInput(f"{path.name} is empty.")
    # Decide by content, not by name: a workbook saved as .csv is still a workbook.
    if raw.startswith(b"PK\x03\x04"):
        table = _xlsx_rows(path, raw)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        raise InvalidInput(f"{path.name} is not an Excel workbook (.xlsx) or it is damaged.")
    elif raw.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: legacy .xls or an encrypted workbook
        raise InvalidInput(f"{path.name} is an old-style .xls or password-protected workbook: save it as .xlsx or CSV.")
    else:
        table = _csv_rows(path, raw)
    table = [(line, cells) for line, cells in table if any(cells)]
    if not table:
        raise InvalidInput(f"{path.name} has no header row.")
    (_, header), rows = table[0], table[1:]
    if not rows:
        raise InvalidInput(f"{path.name} has a header but no rows to import.")
    header = _unique_header(header)
    width = len(header)
    return header, [(line, (cells + [""] * width)[:width]) for line, cells in rows]


def _unique_header(cells: list[str]) -> list[str]:
    """Name blank header cells and tell repeated names apart, so every column has its own key."""
    out: list[str] = []
    for index, cell in enumerate(cells):
        name = cell or f"column {index + 1}"
        candidate, n = name, 2
        while candidate in out:
            candidate, n = f"{name} ({n})", n + 1
        out.append(candidate)
    return out


def _decode(raw: bytes) -> str:
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(encoding, errors="replace")
    # Excel on Windows still writes "CSV" in the ANSI code page; cp1252 covers it, latin-1 never fails.
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")


def _csv_rows(path: Path, raw: bytes) -> Rows:
    text = _decode(raw)
    if "\x00" in text[:8192]:
        raise InvalidInput(f"{path.name} is not a CSV file (it contains binary data).")
    first = next((line for line in text.splitlines() if line.strip()), "")
    # Spreadsheet headers rarely contain separators, so the most frequent one in the header wins.
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: Rows = []
    start = 1
    try:
        for cells in reader:
            rows.append((start, [c.strip() for c in cells]))
            start = reader.line_num + 1  # a quoted newline spans lines: report the row's first one
    except csv.Error as exc:
        raise InvalidInput(f"{path.name} is not a readable CSV file (line {start}: {exc}).") from None
    return rows


def _xlsx_rows(path: Path, raw: bytes) -> Rows:
    import openpyxl  # imported here: only imports and exports of workbooks pay for it

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            # min_row=1 makes openpyxl pad missing rows, so enumerate matches the sheet's row numbers
            return [(number, [_cell_text(v) for v in values])
                    for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)]
        finally:
            book.close()
    except Exception as exc:  # zipfile, XML parsers and openpyxl each raise their own kinds for a broken file
        raise InvalidInput(f"{path.name} is not a readable Excel workbook: it is damaged or truncated.") from exc


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed into Excel becomes 49301234567.0
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()


# --- column mapping -----------------------------------------------------------------------------

FIELDS = ("name", "first_name", "last_name", "email", "phone", "company", "source", "service", "message",
          "stage", "value", "owner", "created", "lost_reason")

_ALIASES = {
    "name": "name fullname vollername vollstandigername kontakt kontaktname kontaktperson ansprechpartner nom "
            "nomcomplet nombre nombrecompleto naam volledigenaam contact contactname contactperson customer "
            "customername client clientname kunde kundenname cliente klant leadname person",
    "first_name": "firstname first givenname forename vorname prenom voornaam",
    "last_name": "lastname last surname familyname nachname familienname nomdefamille apellido apellidos achternaam",
    "email": "email emailaddress mail emailadresse mailadresse courriel adressemail adresseemail correo "
             "correoelectronico emailadres",
    "phone": "phone phonenumber tel telephone telefon telefonnummer telnr mobile mobil mobilephone mobilnummer "
             "handy handynummer cell cellphone telefono telefoon mobiel rufnummer whatsapp",
    "company": "company companyname firma organisation organization societe entreprise empresa bedrijf "
               "unternehmen business",
    "source": "source quelle leadsource channel kanal herkunft origin origine fuente bron canal",
    "service": "service services leistung dienstleistung produkt product servicio dienst interest interesse",
    "message": "message messages notes note nachricht comments comment notizen notiz bemerkung bemerkungen "
               "kommentar anfrage inquiry description beschreibung mensaje notas commentaire commentaires "
               "opmerkingen bericht",
    "stage": "stage status phase pipelinestage dealstage etape etapa fase stufe",
    "value": "value amount dealvalue betrag wert auftragswert montant valeur importe valor waarde bedrag revenue",
    "owner": "owner leadowner assignedto verantwortlich zustandig bearbeiter responsable eigenaar salesrep",
    "created": "created createdat createdon date datum dateadded erstellt erstelltam eingang received fecha "
               "datecreation creationdate aangemaakt",
    "lost_reason": "lostreason reason verlustgrund grund motivo raison",
}
_BY_KEY = {alias: field for field, words in _ALIASES.items() for alias in words.split()}
# Words that mean "the whole name" alone but "the other half" next to a first- or last-name column
# (French "Nom" + "Prénom", Spanish "Nombre" + "Apellido", German "Name" + "Vorname").
_AMBIGUOUS = {"name", "nom", "nombre", "naam"}


def _key(text: str) -> str:
    """'Vollständiger Name' -> 'vollstandigername': case, accents and punctuation do not matter."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def map_columns(header: list[str], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """{column: field or 'ignore'} for every column, guessed from its name, then the user's overrides."""
    mapping = {column: _BY_KEY.get(_key(column), "ignore") for column in header}
    fields = set(mapping.values())
    for column, field in mapping.items():
        if field == "name" and _key(column) in _AMBIGUOUS:
            if "first_name" in fields and "last_name" not in fields:
                mapping[column] = "last_name"
            elif "last_name" in fields and "first_name" not in fields:
                mapping[column] = "first_name"
    by_key = {_key(column): column for column in header}
    for column, field in (overrides or {}).items():
        target = column if column in mapping else by_key.get(_key(column))
        if target is None:
            raise InvalidInput(f"There is no column '{column}' in the file: the columns are {', '.join(header)}.")
        wanted = {"notes": "message", "note": "message", "created_at": "created", "date": "created"}.get(
            _key(field), field.strip().lower().replace(" ", "_").replace("-", "_"))
        if wanted not in FIELDS and wanted != "ignore":
            raise InvalidInput(f"'{field}' is not a field: use one of {', '.join(FIELDS)} or ignore.")
        mapping[target] = wanted
    return mapping


# --- planning -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportRow:
    line: int
    fields: dict[str, Any]  # name, email, phone, ... cleaned; only the ones the row has
    action: str  # add | skip | merge
    duplicate_of: str | None = None  # the existing lead this row duplicates
    duplicate_reason: str | None = None
    duplicate_line: int | None = None  # the earlier line of this file it duplicates


@dataclass(frozen=True)
class ImportPlan:
    path: Path
    mapping: dict[str, str]  # column -> field, the columns that are used
    ignored: tuple[str, ...]
    rows: tuple[ImportRow, ...]
    rejected: tuple[tuple[int, str], ...]  # (line, reason)
    duplicates: str


@dataclass(frozen=True)
class ImportResult:
    added: int
    merged: int
    skipped: int
    rejected: int


_NEUTRALISED = re.compile(r"^'[=+\-@\t\r]")


def plan_import(path: Path, overrides: dict[str, str] | None = None, duplicates: str = "skip") -> ImportPlan:
    """Read a file and decide, row by row, what importing it would do. Nothing is written."""
    path = Path(path)
    if duplicates not in ("skip", "merge"):
        raise InvalidInput(f"'{duplicates}' is not a way to handle duplicates: use skip or merge.")
    header, table = read_rows(path)
    full = map_columns(header, overrides)
    mapping = {column: field for column, field in full.items() if field != "ignore"}
    if not {"name", "first_name", "last_name", "email", "phone"} & set(mapping.values()):
        raise InvalidInput(f"No column of {path.name} holds a name, email or phone ({', '.join(header)}): "
                           f"name one with --map COLUMN=name.")
    used = [(header.index(column), field) for column, field in mapping.items()]
    stage_names = _stage_names()
    region = settings.phone_region()
    cleaned: list[tuple[int, dict[str, Any]]] = []
    rejected: list[tuple[int, str]] = []
    for line, cells in table:
        try:
            cleaned.append((line, _clean(cells, used, stage_names, region)))
        except InvalidInput as exc:
            rejected.append((line, str(exc).rstrip(".")))
    known = _known_contacts([fields for _, fields in cleaned])
    rows: list[ImportRow] = []
    # (kind, value) -> (the row's target: existing lead id or the adding line, the line it appeared on)
    seen: dict[tuple[str, str], tuple[tuple[str | None, int | None], int]] = {}
    for line, fields in cleaned:
        keys = _contact_keys(fields)
        target: tuple[str | None, int | None] | None = None
        reason = None
        twin = _twin(known, keys)
        if twin is not None:
            target, reason = (twin[0], None), f"same {twin[1]} as {twin[2]}"
        else:
            for key in keys:
                if key in seen:
                    target, earlier = seen[key]
                    reason = f"same {key[0]} as line {earlier}"
                    break
        if target is None:
            rows.append(ImportRow(line, fields, "add"))
            target = (None, line)
        else:
            rows.append(ImportRow(line, fields, "merge" if duplicates == "merge" else "skip",
                                  duplicate_of=target[0], duplicate_reason=reason, duplicate_line=target[1]))
        for key in keys:
            seen.setdefault(key, (target, line))
    return ImportPlan(path, mapping, tuple(c for c in header if c not in mapping), tuple(rows), tuple(rejected),
                      duplicates)


def _contact_keys(fields: dict[str, Any]) -> list[tuple[str, str]]:
    return [(kind, fields[kind]) for kind in ("email", "phone") if fields.get(kind)]


Known = dict[tuple[str, str], tuple[tuple[bool, datetime], str, str]]


def _known_contacts(rows: list[dict[str, Any]]) -> Known:
    """Live leads sharing an email or phone with the rows: models.leads.find_duplicates, batched.

    One query per 500 contacts instead of one per row: a 10,000-row file is checked in
    milliseconds. Per contact the lead find_duplicates would list first wins (open, then oldest).
    """
    known: Known = {}
    for kind, column in (("email", Lead.email), ("phone", Lead.phone)):
        values = sorted({row[kind] for row in rows if row.get(kind)})
        for start in range(0, len(values), 500):
            query = (leads.live().select(Lead.id, Lead.name, Lead.status, Lead.created_at, column)
                     .where(column.in_(values[start:start + 500])).tuples())
            for lead_id, name, status, created_at, value in query:
                rank = (status != "open", created_at)
                if (kind, value) not in known or rank < known[(kind, value)][0]:
                    known[(kind, value)] = (rank, lead_id, name)
    return known


def _twin(known: Known, keys: list[tuple[str, str]]) -> tuple[str, str, str] | None:
    """(lead id, 'email' or 'phone', lead name) of the existing lead a row duplicates, if any."""
    hits = [(known[key], key[0]) for key in keys if key in known]
    if not hits:
        return None
    (_, lead_id, name), kind = min(hits)
    return lead_id, kind, name


def _stage_names() -> dict[str, str]:
    """What a stage cell may say -> the stage's name: its name, or open/won/lost."""
    names: dict[str, str] = {}
    for stage in reversed(stages.all_stages()):  # reversed: the first stage of a kind wins
        names[stage.kind] = stage.name
    for stage in stages.all_stages():
        names[stage.name.casefold()] = stage.name
    return names


def _clean(cells: list[str], used: list[tuple[int, str]], stage_names: dict[str, str], region: str) -> dict[str, Any]:
    """One row's cells -> clean lead fields; InvalidInput with the reason when the row cannot be imported."""
    raw: dict[str, str] = {}
    for index, field in used:
        value = cells[index]
        if _NEUTRALISED.match(value):
            value = value[1:]  # our own export's formula guard: take the value back as it was
        if not value:
            continue
        if field == "message" and "message" in raw:
            raw["message"] += "\n" + value  # several note columns: keep them all
        else:
            raw.setdefault(field, value)  # several phone columns: the first filled one wins
    first, last = raw.pop("first_name", ""), raw.pop("last_name", "")
    name = raw.pop("name", "") or " ".join(filter(None, (first, last)))
    if not (name or raw.get("email") or raw.get("phone")):
        raise InvalidInput("no name, email or phone")
    fields: dict[str, Any] = {k: v for k, v in raw.items() if k not in ("email", "phone", "value", "stage", "created")}
    # The normalisers models.leads.normalised uses, with the region looked up once per file, not per row.
    if raw.get("email"):
        fields["email"] = normalise_email(raw["email"])
    if raw.get("phone"):
        fields["phone"] = normalise_phone(raw["phone"], region)
    fields["name"] = name or raw.get("email") or raw.get("phone")
    if "value" in raw:
        fields["value"] = leads.parse_amount(raw["value"])
    if "stage" in raw:
        stage = stage_names.get(raw["stage"].casefold())
        if stage is None:
            known = ", ".join(stage.name for stage in stages.all_stages())
            raise InvalidInput(f"there is no stage '{raw['stage']}' (the stages are {known})")
        fields["stage"] = stage
    if "created" in raw:
        fields["created"] = _when(raw["created"], region)
    return fields






_DATE = re.compile(r"^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def _when(text: str, region: str) -> datetime:
    """A spreadsheet date (ISO, 31.12.2024, 12/31/2024, ...) as stored UTC; a bare date means 09:00 local."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        bare = len(text) == 10
    except ValueError:
        match = _DATE.match(text)
        if not match:
            raise InvalidInput(f"'{text}' is not a date") from None
        a, b, c = (int(match[i]) for i in (1, 2, 3))
        if len(match[1]) == 4:
            year, month, day = a, b, c
        elif "." in text or a > 12 or (b <= 12 and region != "US"):
            day, month, year = a, b, c
        else:
            month, day, year = a, b, c
        year += 2000 if year < 100 else 0
        hour, minute, second = (int(match[i] or 0) for i in (4, 5, 6))
        try:
            parsed = datetime(year, month, day, hour, minute, second)
        except ValueError:
            raise InvalidInput(f"'{text}' is not a date") from None
        bare = match[4] is None
    if bare:
        parsed = datetime.combine(parsed.date(), time(9))  # as models.clock.parse_when reads a bare date
    return to_utc(parsed)


# --- applying -----------------------------------------------------------------------------------

def apply_import(plan: ImportPlan, skip_invalid: bool = False) -> ImportResult:
    """Write a plan in one transaction: every row, or (on any error) none."""
    if plan.rejected and not skip_invalid:
        first_line, first_reason = plan.rejected[0]
        count = len(plan.rejected)
        raise InvalidInput(f"{count} row{'s' if count != 1 else ''} of {plan.path.name} "
                           f"{'were' if count != 1 else 'was'} rejected (line {first_line}: {first_reason}), "
                           f"so nothing was imported: fix them or skip invalid rows.")
    skipped = sum(1 for row in plan.rows if row.action == "skip")
    merges = [row for row in plan.rows if row.action == "merge"]
    with database.atomic("IMMEDIATE"):
        batch = _Batch(plan.path.name)
        adds = [row for row in plan.rows if row.action == "add"]
        # Re-checked under the write lock: a lead may have arrived (mail, sync) since the plan was made.
        known = _known_contacts([row.fields for row in adds])
        target_of: dict[int, str] = {}  # line -> the lead id that line became (or joined)
        for row in adds:
            twin = _twin(known, _contact_keys(row.fields))
            if twin is None:
                target_of[row.line] = batch.add(row.fields)
            elif plan.duplicates == "merge":
                target_of[row.line] = twin[0]
                merges.append(row)
            else:
                skipped += 1
        batch.write()
        for row in merges:
            target = row.duplicate_of or target_of.get(row.line if row.action == "add" else row.duplicate_line)
            _merge(Lead.get_by_id(target), row, batch)
    return ImportResult(batch.added, len(merges), skipped, len(plan.rejected))


class _Batch:
    """New leads as rows for writes.insert_many: what add_lead, edit_lead(value=) and move_lead
    would leave behind, written in a few statements instead of ~15 per lead (10,000 leads: about
    2 s instead of 30 s). tests/models/test_transfer.py checks the two give the same rows.
    """

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.moment = now()
        self.author = settings.user_name()  # once, not once per timeline entry
        self.first = stages.first_stage()
        self.stages = {stage.name: stage for stage in stages.all_stages()}
        self.reasons = stages.lost_reasons()
        self.owners: dict[str, Member] = {}
        self.leads: list[dict[str, Any]] = []
        self.activities: list[dict[str, Any]] = []
        self.followups: list[dict[str, Any]] = []

    @property
    def added(self) -> int:
        return len(self.leads)

    def owner(self, name: str | None) -> Member | None:
        if not name:
            return None
        if name.casefold() not in self.owners:
            self.owners[name.casefold()] = members.find_member(name)  # someone new joins the team
        return self.owners[name.casefold()]

    def add(self, f: dict[str, Any]) -> str:
        moment, first = self.moment, self.first
        received = f.get("created") or moment
        owner = self.owner(f.get("owner"))
        lead, created, respond = leads.new_lead_rows(
            f, received=received, first=first, author=self.author, message=f.get("message"),
            owner_id=owner.id if owner else None)
        self.leads.append(lead)
        self.activities.append(created)
        stage = self.stages.get(f.get("stage", ""))
        closing = stage is not None and stage.kind != "open"
        # a closed lead has no next step: move_lead deletes the pending one, here it is never made
        if not closing:
            self.followups.append(respond)
        if f.get("value") is not None:  # edit_lead(value=...)
            lead["value"] = f["value"]
            self._log(lead, "edit", moment, "Changed value")
        if stage is not None and stage.id != first.id:  # move_lead(stage, reason=...)
            reason = _lost_reason(self.reasons, f.get("lost_reason")) if stage.kind == "lost" else None
            lead.update(stage=stage.id, stage_changed_at=moment, status=stage.kind)
            if not closing:
                lead["first_response_at"] = moment  # moved past New: the owner says they have been in touch
                respond.update(done_at=moment, outcome=f"Moved to {stage.name}")
                self._followup(lead, leads.FOLLOW_UP, moment + timedelta(days=stage.followup_days))
            else:
                lead.update(closed_at=moment, lost_reason=reason)
            self._log(lead, "stage", moment, f"{first.name} → {stage.name}" + (f" ({reason})" if reason else ""))
        return lead["id"]

    def _log(self, lead: dict[str, Any], kind: str, at: datetime, summary: str, body: str | None = None) -> None:
        self.activities.append(dict(id=new_id(), lead=lead["id"], kind=kind, at=at, author=self.author,
                                    summary=summary, body=body, message_id=None))
        lead["last_activity_at"] = max(lead["last_activity_at"], at)

    def _followup(self, lead: dict[str, Any], title: str, due: datetime) -> dict[str, Any]:
        followup = dict(id=new_id(), lead=lead["id"], title=title, due=due, done_at=None, outcome=None,
                        created_at=self.moment)
        self.followups.append(followup)
        return followup

    def write(self) -> None:
        for model, rows in ((Lead, self.leads), (Activity, self.activities), (FollowUp, self.followups)):
            writes.insert_many(model, rows)


def _lost_reason(reasons: list[str], text: str | None) -> str:
    """A lost reason from the list: the file's own if it matches one, otherwise 'Other'."""
    match = next((r for r in reasons if text and r.casefold() == text.strip().casefold()), None)
    return match or next((r for r in reasons if r.casefold() == "other"), reasons[-1] if reasons else "Other")


def _merge(lead: Lead, row: ImportRow, batch: _Batch) -> None:
    """Fill the lead's empty fields from the row and put the row's note on its timeline."""
    fill: dict[str, Any] = {k: row.fields[k] for k in ("email", "phone", "company", "source", "service", "value")
                            if row.fields.get(k) is not None and getattr(lead, k) in (None, "")}
    owner = batch.owner(row.fields.get("owner"))
    if owner is not None and lead.owner_id is None:
        fill["owner"] = owner
    if fill:
        leads.edit_lead(lead, author=batch.author, **fill)
    leads.log(lead, "note", f"Imported again from {batch.file_name}, line {row.line}",
              body=row.fields.get("message"), author=batch.author)
