"""Export: notes and timeline carried, every CSV field quoted, the formula guard that leaves phones alone,
and export -> import round trips into a fresh database that lose nothing."""
from __future__ import annotations

import csv
import io

import pytest

from models import db, export, importing, leads, settings, stages
from models.tables import Activity, Lead

MESSY = [  # name, email, phone, company, message
    ("Jürgen Weiß", "juergen@example.de", "030 1234567", "Weiß & Söhne", "Dach, bitte\nbald"),
    ("Zoë Ørsted", None, "+45 32 12 34 56", None, None),
    ("李小龙", "li@example.cn", None, "=HYPERLINK(\"http://evil\",\"x\")", "  =1+2"),
    ("Bob;=HYPERLINK(\"http://evil\")", "bob@example.com", "+1 415 555 0134", "-Minus", None),
    ("Nur Name", None, None, "", None),
]



def fill() -> None:
    for name, email, phone, company, message in MESSY:
        lead, _ = leads.add_lead(name, email=email, phone=phone, company=company or None, message=message)
    leads.log(Lead.get(Lead.name == "Nur Name"), "note", "Called", body="Wants a visit on Friday")


def cells_as_excel_reads(text: str) -> list[str]:
    """Every cell an Excel splitting on ',' or on ';' would see, the way it honours quotes."""
    return [cell for delimiter in ",;" for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]


def test_csv_quotes_every_field_and_guards_only_formulas(de, tmp_path):
    """Phones carry no apostrophe; every field is quoted; no cell, split on ',' or ';', starts a formula."""
    fill()
    export.export_leads(tmp_path / "out.csv", "csv")
    text = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    header = text.splitlines()[0]
    assert header == ",".join(f'"{c}"' for c in export.EXPORT_COLUMNS)
    rows = {r["email"] or r["name"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["bob@example.com"]["phone"] == "+14155550134" and rows["juergen@example.de"]["phone"] == "+49301234567"
    assert rows["bob@example.com"]["name"] == "Bob;'=HYPERLINK(\"http://evil\")"
    assert rows["bob@example.com"]["company"] == "'-Minus" and rows["li@example.cn"]["notes"] == "'=1+2"
    for cell in cells_as_excel_reads(text):
        stripped = cell.strip().strip('"')
        assert not stripped.startswith(("=", "@")) or cell.startswith("'"), cell


def test_notes_and_timeline_are_exported(de, tmp_path):
    """The inquiry and the notes on the timeline are in 'notes'; 'timeline' lists every entry with its time."""
    fill()
    export.export_leads(tmp_path / "out.csv", "csv")
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as handle:
        rows = {r["name"]: r for r in csv.DictReader(handle)}
    assert rows["Nur Name"]["notes"] == "Wants a visit on Friday"
    assert rows["Jürgen Weiß"]["notes"] == "Dach, bitte\nbald"
    lines = rows["Nur Name"]["timeline"].splitlines()
    assert [line[17:] for line in lines] == ["Inquiry received", "Called"] and lines[0][:2] == "20"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_into_a_fresh_database_loses_nothing(de, tmp_path, fmt):
    """Export, then import into another data folder: names, contacts, companies, stages, values and notes come
    back as they were; the formula guards are taken off again; importing the file twice adds nothing."""
    fill()
    lead = Lead.get(Lead.name == "Zoë Ørsted")
    leads.edit_lead(lead, value="1.250,50")
    leads.move_lead(lead, stages.find_stage("Quoted"))
    before = {r["name"]: r for r in export.lead_records()}
    path = tmp_path / f"out.{fmt}"
    export.export_leads(path, fmt)
    db.close_database()
    db.open_database(tmp_path / "fresh")
    stages.ensure_defaults()
    settings.put("phone_region", "DE")
    plan = importing.plan_import(path)
    assert plan.profile == "Leadbook export" and not plan.rejected and not plan.warnings
    assert importing.apply_import(plan).added == len(MESSY)
    after = {r["name"]: r for r in export.lead_records()}
    keys = ("email", "phone", "company", "stage", "status", "value")
    assert {n: [r[k] for k in keys] for n, r in after.items()} == {n: [r[k] for k in keys] for n, r in before.items()}
    messages = {lead.name: lead.message for lead in Lead.select()}
    assert messages["李小龙"] == "=1+2" and messages["Nur Name"] == "Wants a visit on Friday"
    assert messages["Jürgen Weiß"] == "Dach, bitte\nbald"
    entry = Activity.get((Activity.kind == "created") & (Activity.lead == Lead.get(Lead.name == "Nur Name").id)).body
    assert entry.startswith("Wants a visit on Friday\ntimeline: ") and "Called" in entry
    assert importing.apply_import(importing.plan_import(path)).added == 0



def test_an_imported_leads_details_are_in_its_exported_notes(de, tmp_path):
    """What an import kept on the timeline (cells no field took) goes out again in the notes, after the message."""
    path = tmp_path / "in.csv"
    path.write_text("Name,Email,Notes,Tags,Street\nAda,ada@example.com,Wants a quote,VIP,Hauptstr. 1\n",
                    encoding="utf-8")
    importing.apply_import(importing.plan_import(path))
    export.export_leads(tmp_path / "out.csv", "csv")
    with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as handle:
        (row,) = csv.DictReader(handle)
    assert row["notes"] == "Wants a quote\nTags: VIP\nStreet: Hauptstr. 1"
