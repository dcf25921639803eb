"""Sheets as people make them: titles above the header, totals below the rows, several sheets."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from models import importing
from models.errors import InvalidInput
from models.import_read import read_sheets


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


LEADS_2024 = [["Kundenliste 2024"], ["Stand: 01.03.2024", None, None, "Vertrieb"], [],
              ["Name", "E-Mail", "Telefon", "Betrag"],
              ["Jürgen Müller", "jm@example.de", "030 1234567", 1200],
              [None, None, None, None],
              ["Anna Schmidt", "anna@example.de", None, 800],
              ["Summe", None, None, 2000]]


def test_header_below_titles_and_totals_skipped(de, tmp_path):
    """The header is found below a title, a date line and a blank row; the totals row is skipped and said so."""
    path = workbook(tmp_path / "k.xlsx", {"Leads": LEADS_2024})
    plan = importing.plan_import(path)
    assert [r.fields["name"] for r in plan.rows] == ["Jürgen Müller", "Anna Schmidt"]
    assert [r.line for r in plan.rows] == [5, 7]
    assert plan.skipped_rows == ((8, "a totals row (Summe)"),)
    assert plan.mapping == {"Name": "name", "E-Mail": "email", "Telefon": "phone", "Betrag": "value"}


def test_csv_with_a_title_line_and_semicolons(de, tmp_path):
    """A CSV whose first line is a title (no separators) still finds its ';' header further down."""
    path = tmp_path / "export.csv"
    path.write_text("Kontakte Export\n\nVorname;Nachname;E-Mail\nZoë;Ørsted;zoe@example.dk\nTotal;;\n",
                    encoding="utf-8")
    plan = importing.plan_import(path)
    assert [(r.line, r.fields["name"]) for r in plan.rows] == [(4, "Zoë Ørsted")]
    assert plan.skipped_rows == ((5, "a totals row (Total)"),)


def test_the_separator_is_the_one_that_splits_the_header(de, tmp_path):
    """A ';' file whose first rows are a comma-laden title and note still splits on ';'."""
    path = tmp_path / "semi.csv"
    path.write_text("Leads, Stand März, alle Filialen, ohne Gewähr, bitte prüfen\nName;E-Mail;Notiz\n"
                    "Anna;anna@example.de;ruft an, will Angebot, Termin Montag, 10 Uhr\n", encoding="utf-8")
    plan = importing.plan_import(path)
    assert [(r.fields["name"], r.fields["email"]) for r in plan.rows] == [("Anna", "anna@example.de")]
    assert plan.rows[0].fields["message"] == "ruft an, will Angebot, Termin Montag, 10 Uhr"


def test_excel_unicode_text_utf16_with_tabs(de, tmp_path):
    """Excel's "Unicode text" (UTF-16 with BOM, tab-separated) is read while decoding, umlauts intact."""
    path = tmp_path / "kunden.txt"
    path.write_bytes("Name\tE-Mail\tTelefon\r\nJürgen Weiß\tjw@example.de\t030 123456\r\n".encode("utf-16"))
    assert [r.fields for r in importing.plan_import(path).rows] == [
        {"email": "jw@example.de", "phone": "+4930123456", "name": "Jürgen Weiß"}]


def test_sheets_with_the_same_header_are_all_imported(de, tmp_path):
    """Two sheets with the same columns both come in; the plan says which sheets and why."""
    rows = [["Name", "Email"], ["A", "a@example.com"]]
    path = workbook(tmp_path / "two.xlsx", {"Januar": rows, "Februar": [["Name", "Email"], ["B", "b@example.com"]],
                                            "Notizen": [["Was", "Wann"], ["Messe", "März"]]})
    plan = importing.plan_import(path)
    assert [(r.sheet, r.fields["name"]) for r in plan.rows] == [("Januar", "A"), ("Februar", "B")]
    assert [(s.name, s.used, s.why) for s in plan.sheets] == [
        ("Januar", True, "the same columns"), ("Februar", True, "the same columns"),
        ("Notizen", False, "no column with a name, email or phone")]
    assert importing.apply_import(plan).added == 2


def test_a_different_sheet_is_named_with_the_reason(de, tmp_path):
    """Of sheets with different columns the one with most rows is imported, the other named, also in the dry
    run of the command line."""
    path = workbook(tmp_path / "mixed.xlsx", {
        "Leads": [["Name", "Email"], ["A", "a@example.com"], ["B", "b@example.com"]],
        "Partner": [["Firma", "Telefon", "Ansprechpartner"], ["X GmbH", "030 111", "Xaver"]]})
    plan = importing.plan_import(path)
    assert [(s.name, s.used, s.why) for s in plan.sheets] == [
        ("Leads", True, "the sheet with leads"), ("Partner", False, "its columns differ from sheet 'Leads'")]
    result = subprocess.run([sys.executable, "-m", "desktop", "import", str(path), "--dry-run", "--data-dir",
                             str(tmp_path / "data")], capture_output=True, text=True, timeout=60)
    assert "Sheet 'Partner' (1 rows): not imported, its columns differ from sheet 'Leads'." in result.stdout


def test_a_workbook_without_leads_is_refused(de, tmp_path):
    """No sheet with a name, email or phone column: one sentence (naming the columns of a single sheet)."""
    path = workbook(tmp_path / "n.xlsx", {"Zahlen": [["Monat", "Umsatz"], ["Jan", 100]], "Leer": [["Notiz"], ["x"]]})
    with pytest.raises(InvalidInput, match="No sheet of n.xlsx has a column holding a name, email or phone"):
        importing.plan_import(path)
    one = workbook(tmp_path / "one.xlsx", {"Zahlen": [["Monat", "Umsatz"], ["Jan", 100]]})
    with pytest.raises(InvalidInput, match=r"No column of one.xlsx holds a name, email or phone \(Monat, Umsatz\)"):
        importing.plan_import(one)


def test_every_sheet_is_read(store, tmp_path):
    """read_sheets returns each sheet with its own header line."""
    path = workbook(tmp_path / "s.xlsx", {"Eins": [["Name"], ["A"]], "Zwei": [["Titel"], [], ["Name"], ["B"]]})
    assert [(s.name, s.header, s.header_line, [c for _, c in s.rows]) for s in read_sheets(path)] == [
        ("Eins", ["Name"], 1, [["A"]]), ("Zwei", ["Name"], 3, [["B"]])]
