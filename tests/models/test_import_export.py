"""Spreadsheet import and export: messy real-world files, duplicates, rejected rows, formula guard."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from models import export, importing, leads, settings, stages, writes
from models.errors import InvalidInput
from models.tables import Activity, FollowUp, Lead


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(number, column, value)
    book.save(path)
    return path


def pending(lead: Lead) -> list[str]:
    return [f.title for f in FollowUp.select().where((FollowUp.lead == lead.id) & FollowUp.done_at.is_null())]


def counts(result: importing.ImportResult) -> tuple[int, int, int, int]:
    return result.added, result.merged, result.skipped, result.rejected


def timeline(lead: Lead) -> list[tuple[str, str, str | None]]:
    entries = Activity.select().where(Activity.lead == lead.id).order_by(Activity.at)
    return [(a.kind, a.summary, a.body) for a in entries]


# --- reading messy files ------------------------------------------------------------------------

def test_messy_xlsx_with_german_headers_imports(de, tmp_path):
    """German/English headers map, other columns are kept as details, blank rows skipped, a numeric phone becomes
    E.164."""
    path = write_xlsx(tmp_path / "Kunden.xlsx", [
        ["Vollständiger Name", "E-Mail", "Tel.", "Firma", "Kundennummer", "", "Status", "Betrag", "Datum"],
        ["Jürgen Müller", "Juergen@Example.DE", 301234567.0, "Müller Bau GmbH", 1001, None, "Angebot?", None, None],
        [None] * 9,
        ["Anna Schmidt", "anna@example.com", "+49 171 2345678", "Schmidt & Co", 1002, "x", "Contacted", "1.234,50 €",
         datetime(2024, 3, 1)],
        [],
        ["Bob Jones", None, "030 7654321", None, None, None, "won", "$1,200", "31.12.2023"],
    ])
    plan = importing.plan_import(path, {"Status": "ignore"})
    assert plan.mapping == {"Vollständiger Name": "name", "E-Mail": "email", "Tel.": "phone", "Firma": "company",
                            "Betrag": "value", "Datum": "created"}
    assert plan.ignored == ("Status",) and plan.kept == ("Kundennummer", "column 6")
    assert [(r.line, r.action) for r in plan.rows] == [(2, "add"), (4, "add"), (6, "add")]
    assert plan.rows[0].fields["phone"] == "+49301234567"
    assert plan.rows[1].fields["value"] == 1234.5 and plan.rows[2].fields["value"] == 1200.0
    result = importing.apply_import(plan)
    assert counts(result) == (3, 0, 0, 0)
    jurgen = Lead.get(Lead.name == "Jürgen Müller")
    assert (jurgen.email, jurgen.phone, jurgen.company) == ("juergen@example.de", "+49301234567", "Müller Bau GmbH")
    assert pending(jurgen) == [leads.FOLLOW_UP]
    anna = Lead.get(Lead.name == "Anna Schmidt")
    assert anna.created_at.date() == datetime(2024, 3, 1).date()


def test_read_rows_renders_numbers_and_dates_like_a_spreadsheet(store, tmp_path):
    """XLSX numbers lose a spurious '.0', dates become ISO, and line numbers are the sheet's row numbers."""
    path = write_xlsx(tmp_path / "n.xlsx", [["Name", "Phone", "Date", "Amount"], [],
                                           ["A", 49301234567.0, datetime(2024, 5, 6), 12.5],
                                           ["B", None, datetime(2024, 5, 6, 14, 30), 7]])
    header, rows = importing.read_rows(path)
    assert header == ["Name", "Phone", "Date", "Amount"]
    assert rows == [(3, ["A", "49301234567", "2024-05-06", "12.5"]), (4, ["B", "", "2024-05-06T14:30:00", "7"])]


def test_bom_semicolon_csv_with_quoted_newlines(de, tmp_path):
    """A UTF-8 BOM file with semicolons reads; a quoted multi-line note keeps later rows' line numbers true."""
    path = write_csv(tmp_path / "export.csv",
                     '\ufeffName;E-Mail;Telefon;Notizen;Quelle\r\n'
                     'Jürgen Müller;j@example.de;030 1234567;"Erste Zeile\r\nzweite Zeile";Website\r\n'
                     '\r\n'
                     'Eva Weiß;eva@example.de;;Kurz;Empfehlung\r\n')
    header, rows = importing.read_rows(path)
    assert header == ["Name", "E-Mail", "Telefon", "Notizen", "Quelle"]
    assert [line for line, _ in rows] == [2, 5]
    plan = importing.plan_import(path)
    assert plan.rows[0].fields["message"] == "Erste Zeile\r\nzweite Zeile"
    assert plan.rows[1].fields == {"name": "Eva Weiß", "email": "eva@example.de", "message": "Kurz",
                                   "source": "Empfehlung"}


def test_cp1252_csv_with_umlauts(de, tmp_path):
    """A file saved by Excel in the Windows code page keeps its umlauts."""
    path = write_csv(tmp_path / "alt.csv", "Name,Firma,E-Mail\r\nJürgen Größe,Bäckerei Süß,jg@example.de\r\n",
                     encoding="cp1252")
    plan = importing.plan_import(path)
    assert plan.rows[0].fields["name"] == "Jürgen Größe"
    assert plan.rows[0].fields["company"] == "Bäckerei Süß"


def test_tab_separated_csv(de, tmp_path):
    """Tab-separated text is recognised by its header."""
    path = write_csv(tmp_path / "t.csv", "Full name\tEmail address\tCompany\nAda Lovelace\tada@example.com\tEngines\n")
    assert importing.plan_import(path).rows[0].fields == {"name": "Ada Lovelace", "email": "ada@example.com",
                                                         "company": "Engines"}


@pytest.mark.parametrize("header, row, expected", [
    ("Vorname;Nachname;Mail", "Eva;Weiß;eva@example.de", "Eva Weiß"),
    ("Prénom,Nom,Courriel", "Hélène,Lefèvre,h@example.fr", "Hélène Lefèvre"),
    ("Nombre,Apellido,Correo", "María,García,m@example.es", "María García"),
    ("First Name,Last Name,E-mail", "Ada,Lovelace,ada@example.com", "Ada Lovelace"),
])
def test_first_and_last_name_columns_are_joined(de, tmp_path, header, row, expected):
    """First- and last-name columns in several languages become one name ('Nom' next to 'Prénom' is the surname)."""
    path = write_csv(tmp_path / "n.csv", f"{header}\n{row}\n")
    assert importing.plan_import(path).rows[0].fields["name"] == expected


def test_map_overrides_and_their_errors(de, tmp_path):
    """--map renames a column's field or ignores it; a missing column or unknown field is refused."""
    path = write_csv(tmp_path / "m.csv", "Wer,Kontaktweg,Customer\nAnna,anna@example.com,ACME\n")
    plan = importing.plan_import(path, {"wer": "name", "Kontaktweg": "email", "Customer": "company"})
    assert plan.mapping == {"Wer": "name", "Kontaktweg": "email", "Customer": "company"}
    assert plan.rows[0].fields == {"name": "Anna", "email": "anna@example.com", "company": "ACME"}
    with pytest.raises(InvalidInput, match="no column 'Telefon'"):
        importing.plan_import(path, {"Telefon": "phone"})
    with pytest.raises(InvalidInput, match="'shoe size' is not a field"):
        importing.plan_import(path, {"Wer": "shoe size"})
    with pytest.raises(InvalidInput, match="No column of m.csv holds a name, email or phone"):
        importing.plan_import(path, {"Customer": "ignore"} | {"Wer": "ignore"} | {"Kontaktweg": "ignore"})


# --- validation and all-or-nothing --------------------------------------------------------------

BAD = ("Name,Email,Phone,Stage,Value,Created\n"
       "Good One,good@example.com,,,,\n"
       "Bad Mail,not-an-email,,,,\n"
       ",,,Won,100,\n"
       "Bad Stage,bs@example.com,,Negotiating,,\n"
       "Bad Value,bv@example.com,,,lots,\n"
       "Bad Date,bd@example.com,,,,someday\n"
       "Bad Phone,,call me,,,\n")


def test_a_bad_cell_blanks_its_field_with_a_warning(de, tmp_path):
    """A cell that cannot be read leaves its field blank, warns with line and column and keeps the text as a
    detail; only a row with no name, email or phone is rejected."""
    plan = importing.plan_import(write_csv(tmp_path / "bad.csv", BAD))
    assert plan.rejected == ((4, "no name, email or phone"),)
    assert [(line, column) for line, column, _ in plan.warnings] == [
        (3, "Email"), (6, "Value"), (7, "Created"), (8, "Phone")]
    assert plan.warnings[0][2] == "'not-an-email' is not an email address: left blank, kept in the lead's details"
    by_name = {r.fields["name"]: r for r in plan.rows}
    assert "email" not in by_name["Bad Mail"].fields and by_name["Bad Mail"].details == (("Email", "not-an-email"),)
    assert by_name["Bad Stage"].fields.get("stage") is None and plan.unknown == {"Stage": {"Negotiating": 1}}
    assert by_name["Bad Phone"].details == (("Phone", "call me"),)


def test_a_rejected_row_means_nothing_is_imported(de, tmp_path):
    """With rejected rows and no skip_invalid, apply writes nothing; with skip_invalid the good rows go in."""
    plan = importing.plan_import(write_csv(tmp_path / "bad.csv", BAD))
    with pytest.raises(InvalidInput, match=r"^1 row of bad.csv was rejected \(line 4: no name, email or phone\)"):
        importing.apply_import(plan)
    assert Lead.select().count() == 0 and Activity.select().count() == 0
    result = importing.apply_import(plan, skip_invalid=True)
    assert counts(result) == (6, 0, 0, 1)
    bad_stage = Lead.get(Lead.name == "Bad Stage")
    assert (bad_stage.stage.name, bad_stage.status) == ("New", "open")
    assert ("created", "Imported from bad.csv, line 5", "Stage: Negotiating") in timeline(bad_stage)


def test_failure_midway_rolls_back_everything(de, tmp_path, monkeypatch):
    """An error after the leads are written undoes the whole import: one transaction."""
    path = write_csv(tmp_path / "ok.csv", "Name,Email\nA,a@example.com\nB,b@example.com\n")
    plan = importing.plan_import(path)
    real = writes.insert_prepared

    def failing(prepared):
        if prepared.table == "follow_up":
            raise RuntimeError("disk full")
        return real(prepared)

    monkeypatch.setattr(writes, "insert_prepared", failing)
    with pytest.raises(RuntimeError):
        importing.apply_import(plan)
    assert Lead.select().count() == 0 and Activity.select().count() == 0


@pytest.mark.parametrize("name, data, message", [
    ("garbage.xlsx", b"\x00\x01garbage, not a workbook", "garbage.xlsx is not an Excel workbook"),
    ("empty.csv", b"", "empty.csv is empty"),
    ("blank.csv", b" \r\n\r\n", "blank.csv is empty"),
    ("header.csv", b"Name,Email\r\n", "header.csv has a header but no rows to import"),
    ("commas.csv", b",,,\r\n,,\r\n", "commas.csv has no header row"),
    ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary.csv is not a CSV file"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old.xls is an old-style .xls"),
])
def test_malformed_files_are_refused_in_one_sentence(store, tmp_path, name, data, message):
    """Files that are not a usable table raise InvalidInput naming the file."""
    (tmp_path / name).write_bytes(data)
    with pytest.raises(InvalidInput, match=message):
        importing.plan_import(tmp_path / name)


def test_truncated_xlsx_is_refused(store, tmp_path):
    """A workbook cut off half-way (an interrupted download) is refused, not half-read."""
    whole = write_xlsx(tmp_path / "whole.xlsx", [["Name"], *[[f"Person {i}"] for i in range(500)]]).read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InvalidInput, match="cut.xlsx is not a readable Excel workbook: it is damaged or truncated"):
        importing.read_rows(tmp_path / "cut.xlsx")


# --- duplicates ---------------------------------------------------------------------------------

DUPES = ("Name,E-Mail,Telefon,Firma,Notes\n"
         "Anna S.,ANNA@example.com,,Schmidt GmbH,second inquiry\n"   # same email as the lead in the db
         "Ben Berg,ben@example.com,030 111222,,\n"
         "Benjamin Berg,,+49 30 111222,Berg AG,call back\n"          # same phone as line 3
         "Cara Neu,cara@example.com,,,\n")


def test_duplicates_are_skipped(de, tmp_path):
    """Rows matching a lead in the database or an earlier line of the file are skipped, with the reason."""
    anna, _ = leads.add_lead("Anna Schmidt", email="anna@example.com")
    plan = importing.plan_import(write_csv(tmp_path / "d.csv", DUPES))
    assert [(r.line, r.action, r.duplicate_of, r.duplicate_reason) for r in plan.rows] == [
        (2, "skip", anna.id, "same email as Anna Schmidt"),
        (3, "add", None, None),
        (4, "skip", None, "same phone as line 3"),
        (5, "add", None, None),
    ]
    assert counts(importing.apply_import(plan)) == (2, 0, 2, 0)
    assert sorted(lead.name for lead in Lead.select()) == ["Anna Schmidt", "Ben Berg", "Cara Neu"]
    assert Lead.get_by_id(anna.id).company is None


def test_duplicates_are_merged(de, tmp_path):
    """With merge, empty fields of the existing lead are filled and the row's note lands on its timeline."""
    anna, _ = leads.add_lead("Anna Schmidt", email="anna@example.com")
    plan = importing.plan_import(write_csv(tmp_path / "d.csv", DUPES), duplicates="merge")
    assert [r.action for r in plan.rows] == ["merge", "add", "merge", "add"]
    assert counts(importing.apply_import(plan)) == (2, 2, 0, 0)
    anna = Lead.get_by_id(anna.id)
    assert anna.company == "Schmidt GmbH" and anna.name == "Anna Schmidt"
    assert ("note", "Imported again from d.csv, line 2", "second inquiry") in timeline(anna)
    ben = Lead.get(Lead.email == "ben@example.com")
    assert (ben.name, ben.phone, ben.company) == ("Ben Berg", "+4930111222", "Berg AG")
    assert ("note", "Imported again from d.csv, line 4", "call back") in timeline(ben)
    assert Lead.select().count() == 3
    assert pending(ben) == [leads.FOLLOW_UP]


def test_lead_added_after_planning_is_not_duplicated(de, tmp_path):
    """A contact that arrives between plan and apply (e.g. by mail) is caught under the write lock."""
    plan = importing.plan_import(write_csv(tmp_path / "late.csv", "Name,Email\nLate,late@example.com\n"))
    leads.add_lead("Late Mail", email="late@example.com")
    assert counts(importing.apply_import(plan)) == (0, 0, 1, 0)
    assert Lead.select().count() == 1


# --- stages and the rules -----------------------------------------------------------------------

def test_imported_stages_keep_the_follow_up_rules(de, tmp_path):
    """Open stages have one next step, "Follow up" (an imported lead counts as answered), Won/Lost have none and
    Lost gets a reason."""
    path = write_csv(tmp_path / "s.csv", "Name,Email,Status,Value,Lost reason\n"
                                         "N,n@example.com,New,,\n"
                                         "C,c@example.com,contacted,,\n"
                                         "W,w@example.com,Won,5000,\n"
                                         "L,l@example.com,Lost,,\n"
                                         "P,p@example.com,lost,,price too high\n")
    importing.apply_import(importing.plan_import(path))
    by_name = {lead.name: lead for lead in Lead.select()}
    assert pending(by_name["N"]) == [leads.FOLLOW_UP] and by_name["N"].first_response_at is not None
    assert pending(by_name["C"]) == [leads.FOLLOW_UP] and by_name["C"].first_response_at is not None
    assert (by_name["W"].status, by_name["W"].value, pending(by_name["W"])) == ("won", 5000.0, [])
    assert (by_name["L"].status, by_name["L"].lost_reason, pending(by_name["L"])) == ("lost", "Other", [])
    assert by_name["P"].lost_reason == "Price too high"


@pytest.mark.parametrize("stage, value, reason", [("New", None, None), ("Contacted", None, None),
                                                  ("Quoted", "900", None), ("Won", "5000", None),
                                                  ("Lost", None, "Bad timing")])
def test_bulk_import_leaves_the_same_rows_as_the_domain_functions(de, tmp_path, stage, value, reason):
    """The fast import path writes what add_lead + edit_lead + move_lead would, field for field, with the import's
    rule: answered at the import (imported_at says so), an open lead's one step "Follow up", never "Respond"."""
    received = datetime(2024, 3, 1, 8, 0)
    ref, _ = leads.add_lead("Ref", email="ref@example.com", phone="030 1234567", company="ACME", source="Fair",
                            message="Hello", received_at=received, author="me")
    if value:
        leads.edit_lead(ref, author="me", value=value)
    if stage != "New":
        leads.move_lead(ref, stages.find_stage(stage), reason=reason, author="me")
    settings.put("user_name", "me")
    path = write_csv(tmp_path / "one.csv", "Name,Email,Phone,Company,Source,Notes,Stage,Value,Reason,Created\n"
                                           f"Imp,imp@example.com,030 7654321,ACME,Fair,Hello,{stage},{value or ''},"
                                           f"{reason or ''},2024-03-01T08:00:00Z\n")
    importing.apply_import(importing.plan_import(path))
    ref, imp = Lead.get(Lead.name == "Ref"), Lead.get(Lead.name == "Imp")
    skip = {"id", "name", "email", "phone", "updated_at", "stage_changed_at", "first_response_at",
            "last_activity_at", "closed_at", "imported_at"}
    assert {k: v for k, v in imp.__data__.items() if k not in skip} == \
           {k: v for k, v in ref.__data__.items() if k not in skip}
    for moment in ("stage_changed_at", "last_activity_at", "closed_at"):
        assert (getattr(imp, moment) is None) == (getattr(ref, moment) is None), moment
    assert imp.first_response_at == imp.imported_at is not None and ref.imported_at is None
    (first, *rest), (_, *ref_rest) = timeline(imp), timeline(ref)  # the first says where an import came from
    assert first == ("created", "Imported from one.csv, line 2", "Hello")
    assert [(k, s.replace("Imp", "Ref"), b) for k, s, b in rest] == ref_rest

    def steps(lead: Lead) -> list[tuple]:
        rows = FollowUp.select().where(FollowUp.lead == lead.id)
        return sorted((f.title, f.done_at is None, f.outcome) for f in rows)

    expected = [(leads.FOLLOW_UP, True, None)] if imp.status == "open" else []
    assert steps(imp) == expected  # by hand: the same once moved past New, besides the "Respond" the move ticked off
    assert [s for s in steps(ref) if s[0] != leads.RESPOND] == ([] if stage == "New" else expected)


def test_owner_column_names_a_team_member(de, tmp_path):
    """An owner cell assigns the member of that name, adding them to the team if new."""
    path = write_csv(tmp_path / "o.csv", "Name,Email,Owner\nA,a@example.com,Sam Porter\nB,b@example.com,sam porter\n")
    importing.apply_import(importing.plan_import(path))
    owners = {lead.name: lead.owner.name for lead in Lead.select()}
    assert owners == {"A": "Sam Porter", "B": "Sam Porter"}


@pytest.mark.parametrize("text, expected", [("1.234,50 €", 1234.5), ("$1,200", 1200.0), ("1500", 1500.0),
                                            ("12,5", 12.5), ("EUR 2 000", 2000.0), ("-3.5", -3.5)])
def test_amounts_in_local_formats(text, expected):
    """Currency signs, spaces and either decimal separator are understood."""
    assert leads.parse_amount(text) == expected


# --- records and export -------------------------------------------------------------------------

def test_lead_records_have_the_documented_keys(de):
    """JSON records carry exactly the documented keys, the owner's name, the next step, and skip merged leads."""
    from models import members

    lead, _ = leads.add_lead("Anna", email="anna@example.com", phone="030 1234567")
    leads.edit_lead(lead, owner=members.find_member("Sam"))
    other, _ = leads.add_lead("Anna 2", email="anna2@example.com")
    leads.merge_leads(lead, other)
    [record] = list(export.lead_records())
    assert tuple(record) == export.RECORD_KEYS
    assert (record["name"], record["phone"], record["stage"], record["status"], record["owner"]) == \
           ("Anna", "+49301234567", "New", "open", "Sam")
    assert record["created_at"].endswith("Z") and record["next_followup"]["title"] == leads.RESPOND
    assert record == export.lead_record(lead)


def test_lead_records_respect_a_filtered_ordered_query(de):
    """A caller's query (filter, order, limit) is kept."""
    for name in ("B", "A", "C"):
        leads.add_lead(name)
    query = leads.live().where(Lead.name != "C").order_by(Lead.name).limit(5)
    assert [r["name"] for r in export.lead_records(query)] == ["A", "B"]


def test_json_export(de, tmp_path):
    """JSON export is a list of lead records with notes and timeline, not neutralised."""
    leads.add_lead("=1+2", email="x@example.com")
    assert export.export_leads(tmp_path / "out.json", "json") == 1
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert tuple(data[0]) == export.RECORD_KEYS + ("notes", "timeline") and data[0]["name"] == "=1+2"
    assert [e["kind"] for e in data[0]["timeline"]] == ["created"]


INJECTIONS = ["=HYPERLINK(\"http://evil\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "Plain"]


def test_neutralise_quotes_only_formula_starts():
    """Text starting with = + - @ (after spaces, tabs or CR) gets a quote, also after a separator inside; phone
    numbers, numbers and other text pass unchanged."""
    values = ("=1", "@a", "  =1+2", "\t=x", "\r-cmd", "-2+3", "Bob;=HYPERLINK(1)", "a, +b", "a=1", "", 3.5, None,
              "+14155550123", "+49 30 1234567", "(030) 123-456", "-1", "+1", "12.5", "Tel. 030, +49 171 1234")
    assert [export.neutralise(v) for v in values] == [
        "'=1", "'@a", "'=1+2", "'=x", "'-cmd", "'-2+3", "Bob;'=HYPERLINK(1)", "a, '+b", "a=1", "", 3.5, None,
        "+14155550123", "+49 30 1234567", "(030) 123-456", "-1", "+1", "12.5", "Tel. 030, +49 171 1234"]


def test_formula_injection_is_neutralised_in_csv_and_xlsx(de, tmp_path):
    """Cells starting with = + - @ or tab get a leading quote in CSV and XLSX; XLSX holds no formula."""
    for index, name in enumerate(INJECTIONS):
        leads.add_lead(name, email=f"p{index}@example.com", company=name)
    export.export_leads(tmp_path / "out.csv", "csv")
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["company"] for r in rows) == sorted("'" + n if n != "Plain" else n for n in INJECTIONS)
    assert all(r["phone"] == "" and r["email"].startswith("p") for r in rows)

    export.export_leads(tmp_path / "out.xlsx", "xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active  # not data_only: formulas would show as such
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    names = sorted(row[1] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert names == sorted("'" + n if n != "Plain" else n for n in INJECTIONS)


def test_exported_csv_imports_back_unchanged(de, tmp_path):
    """Our own export re-imports with the formula guard taken off again."""
    lead, _ = leads.add_lead("=1+2", email="eq@example.com", phone="030 1234567", company="-Minus")
    export.export_leads(tmp_path / "out.csv", "csv")
    writes.update(lead, merged_into="gone")  # so the re-import is not a duplicate
    plan = importing.plan_import(tmp_path / "out.csv")
    assert plan.rows[0].fields["name"] == "=1+2" and plan.rows[0].fields["company"] == "-Minus"
    assert plan.rows[0].fields["phone"] == "+49301234567" and plan.rows[0].fields["stage"] == "New"


def test_export_to_a_stream_and_unknown_format(de, tmp_path):
    """Export writes to an open text stream (no BOM); an unknown format is refused and writes nothing."""
    leads.add_lead("Ada", email="ada@example.com")
    out = io.StringIO()
    assert export.export_leads(out, "csv") == 1
    assert out.getvalue().splitlines()[0] == ",".join(f'"{c}"' for c in export.EXPORT_COLUMNS)
    with pytest.raises(InvalidInput, match="'ods' is not an export format"):
        export.export_leads(tmp_path / "x.ods", "ods")
    assert list(tmp_path.glob("x.ods*")) == []


def test_failed_export_leaves_the_old_file(de, tmp_path, monkeypatch):
    """An export that fails half-way leaves the previous file intact and no temp file behind."""
    leads.add_lead("Ada", email="ada@example.com")
    (tmp_path / "exports").mkdir()
    target = tmp_path / "exports" / "out.csv"
    target.write_text("previous export")

    def broken(record):
        raise OSError("disk full")

    monkeypatch.setattr(export, "_flat", broken)
    with pytest.raises(OSError):
        export.export_leads(target, "csv")
    assert target.read_text() == "previous export"
    assert [p.name for p in target.parent.iterdir()] == ["out.csv"]
