"""vCard 2.1, 3.0 and 4.0 (Android, Apple/iCloud, Outlook): every email and phone with its type, organisation,
address, note and categories."""
from __future__ import annotations

from pathlib import Path

import pytest

from models import importing
from models.errors import InvalidInput
from models.tables import Activity, Lead

FILES = Path(__file__).parent / "import_files"



def note(lead: Lead) -> str:
    return Activity.get((Activity.lead == lead.id) & (Activity.kind == "created")).body


def test_icloud_vcard_keeps_everything(de):
    """Apple's vCard 3.0: name, organisation and unit, the preferred email and mobile fill the fields, the
    other email and phone are kept with their types, with the address, title and categories; the note is the
    message; a card with only an organisation is named after it."""
    plan = importing.plan_import(FILES / "icloud_contacts.vcf")
    assert [r.line for r in plan.rows] == [1, 17, 23, 30]
    importing.apply_import(plan)
    elodie = Lead.get(Lead.name == "Élodie Lefèvre")
    assert (elodie.email, elodie.phone, elodie.company) == (
        "elodie@atelier-lefevre.example.fr", "+33698765432", "Atelier Lefèvre - Design")
    assert elodie.message == "Wants a new shop front, quote by May"
    assert note(elodie).splitlines() == [
        "Wants a new shop front, quote by May",  # the message first
        "Job Title: Gérante", "Categories: Clients, Paris", "Address 1 (work): 12 Rue de la Paix, 75002 Paris, France",
        "Email 2 (home): elodie.l@gmail.com", "Phone 2 (work): 01 23 45 67 89"]
    assert Lead.get(Lead.email == "kontakt@nurfirma.example").name == "Nur Firma GmbH"
    assert Lead.get(Lead.name == "Jörg Schröder").phone == "+49309876543"


def test_vcard_4_and_2_1(de):
    """vCard 4.0 (tel: URIs, quoted type lists) and Android's vCard 2.1 (TEL;CELL) read the same way."""
    importing.apply_import(importing.plan_import(FILES / "vcard4.vcf"))
    marta = Lead.get(Lead.name == "Marta Kowalska")
    assert (marta.phone, marta.email, marta.company) == ("+48601234567", "marta@kowalski.example.pl",
                                                         "Kowalski Sp. z o.o.")
    assert "Phone 2 (work): +48-22-123-45-67" in note(marta) and "Categories: Lead, Warsaw" in note(marta)
    importing.apply_import(importing.plan_import(FILES / "android_contacts.vcf"))
    petra = Lead.get(Lead.name == "Petra Novak")
    assert (petra.phone, petra.email) == ("+38641123456", "petra@novak.example.si")
    assert note(petra) == "Phone 2 (work): 01 234 5678"


def test_a_broken_card_is_set_aside_and_an_empty_file_refused(de, tmp_path):
    """A card vobject cannot read is skipped with the reason; a file with no readable card is refused."""
    path = tmp_path / "mixed.vcf"
    path.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ok Person\r\nEMAIL:ok@example.com\r\nEND:VCARD\r\n"
                    "BEGIN:VCARD\r\nVERSION:3.0\r\nPHOTO;ENCODING=b:!!!notbase64\r\nFN:Broken\r\nEND:VCARD\r\n")
    plan = importing.plan_import(path)
    assert [r.fields["name"] for r in plan.rows] == ["Ok Person"]
    assert [line for line, _ in plan.skipped_rows] == [6]
    assert plan.skipped_rows[0][1].startswith("not a readable vCard")
    (tmp_path / "none.vcf").write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN;CHARSET=xx;ENCODING=QUOTED-PRINTABLE:=ZZ\r\n"
                                       "END:VCARD\r\n")
    with pytest.raises(InvalidInput, match="none.vcf holds no readable vCard"):
        importing.plan_import(tmp_path / "none.vcf")
