"""Real export layouts (Google, Outlook, Apple/iCloud vCard, HubSpot, Pipedrive, Zoho, Salesforce, Mailchimp)
import without a mapping and lose nothing: fields filled, the rest on the lead's timeline, in its first entry."""
from __future__ import annotations

from pathlib import Path

import pytest

from models import importing, settings
from models.import_columns import DETAILS, IGNORE, generic_field, map_columns
from models.tables import Activity, Lead

FILES = Path(__file__).parent / "import_files"



@pytest.fixture
def us(store):
    settings.put("phone_region", "US")
    return store


def details(lead: Lead) -> str:
    entry = Activity.get((Activity.lead == lead.id) & (Activity.kind == "created"))
    return entry.body or ""


def imported(name: str) -> dict[str, Lead]:
    plan = importing.plan_import(FILES / name)
    importing.apply_import(plan)
    return {lead.name: lead for lead in Lead.select()}


@pytest.mark.parametrize("name, profile", [
    ("google_contacts.csv", "Google Contacts"), ("outlook_contacts.csv", "Outlook"),
    ("icloud_contacts.vcf", "vCard (Apple/iCloud, Android, Outlook)"), ("hubspot_contacts.csv", "HubSpot"),
    ("pipedrive_deals.csv", "Pipedrive"), ("zoho_leads.csv", "Zoho CRM"), ("salesforce_leads.csv", "Salesforce"),
    ("mailchimp_subscribed.csv", "Mailchimp"), ("android_contacts.vcf", "vCard (Apple/iCloud, Android, Outlook)"),
    ("google_contacts_legacy.csv", "Google Contacts"),
])
def test_each_export_is_recognised_and_imports_whole(de, name, profile):
    """Every vendor file is recognised from its header, every row comes in, none rejected."""
    plan = importing.plan_import(FILES / name)
    assert plan.profile == profile
    assert not plan.rejected and "email" in plan.mapping.values()
    result = importing.apply_import(plan)
    assert result.added + result.skipped == len(plan.rows) and result.added > 0


def test_google_contacts_split_multi_values_and_keep_the_rest(de):
    """Google's ' ::: ' cells: the first email and phone fill the fields, the others are kept with their labels;
    labels, address, title and website land in the details note; the same email later in the file is skipped."""
    plan = importing.plan_import(FILES / "google_contacts.csv")
    assert [r.action for r in plan.rows] == ["add", "add", "add", "skip", "add", "add"]
    assert plan.rows[3].duplicate_reason == "same email as line 2"
    by_name = imported("google_contacts.csv")
    weiss = by_name["Jürgen Weiß"]
    assert (weiss.email, weiss.phone, weiss.company) == ("juergen@weiss-soehne.de", "+491712345678",
                                                         "Weiß & Söhne GmbH")
    assert weiss.message == "Met at the fair\nwants a quote for the roof"
    note = details(weiss)
    for text in ("E-mail 1 - Value (Work): j.weiss@gmail.com", "Phone 1 - Value (Mobile): 030 1234567",
                 "Labels: Kunden, Messe 2024", "Organization Title: Geschäftsführer",
                 "Address 1 - Formatted: Hauptstr. 5\n10115 Berlin\nDE", "Website 1 - Value (Work): https://"):
        assert text in note
    assert "myContacts" not in note
    assert by_name["Zoë Ørsted"].phone == "+492219876543" and by_name["李 小龙"].phone == "+861065529988"
    assert by_name["Eve Formula"].company == '=HYPERLINK("http://evil.example","x")'
    assert (by_name["Ana María Pérez"].email, by_name["Ana María Pérez"].phone) == (None, None)


def test_google_legacy_layout(store):
    """The older Google CSV (Given Name, Group Membership, Organization 1 - Name): groups as words, the title kept,
    a second number in the phone cell kept; a French user's national numbers read as French."""
    settings.put("phone_region", "FR")
    by_name = imported("google_contacts_legacy.csv")
    marie = by_name["Marie Dupont"]
    assert (marie.company, marie.phone, marie.email) == ("Dupont & Fils", "+33612345678", "marie@dupont.example.fr")
    assert details(marie) == "Devis pour la cuisine\nGroup Membership: Clients\nOrganization 1 - Title: Directrice"
    assert details(by_name["Hans Meier"]) == "Phone 1 - Value (Work): +41 79 123 45 67"


def test_outlook_keeps_every_phone_the_mobile_first(de):
    """Outlook's many phone columns: the mobile number is the lead's phone, business and home numbers are kept;
    two numbers typed into one cell are split; Outlook's empty birthday 0/0/00 is not a detail."""
    by_name = imported("outlook_contacts.csv")
    sophie = by_name["Sophie Müller"]
    assert sophie.phone == "+491707654321"
    assert "Business Phone: +49 89 1234567" in details(sophie) and "Home Phone: 089 555666" in details(sophie)
    assert "Business address: Leopoldstr. 1, 80802 München, Germany" in details(sophie)
    assert "0/0/00" not in details(sophie)
    kai = by_name["Kai Nguyễn"]
    assert kai.phone == "+491512223334" and "Mobile Phone: 030 4445556" in details(kai)
    assert "E-mail 2 Address: tobrien@gmail.com" in details(by_name["Tom O'Brien"])
    assert by_name["info@leer.example"].email == "info@leer.example"


def test_hubspot_statuses_owner_and_created_date(us):
    """Lifecycle stage and lead status become stages (Unqualified and Bad Timing lost with their reason), the
    contact owner joins the team, Create Date is the received time and its first answer is the import's."""
    by_name = imported("hubspot_contacts.csv")
    assert {n: (lead.stage.name, lead.status) for n, lead in by_name.items()} == {
        "Maria García": ("New", "open"), "Liam Smith": ("Quoted", "open"), "Chloé Dubois": ("Won", "won"),
        "Noah Kim": ("Lost", "lost"), "Ava Jones": ("Lost", "lost")}
    assert (by_name["Noah Kim"].lost_reason, by_name["Ava Jones"].lost_reason) == ("Not a fit", "Bad timing")
    maria = by_name["Maria García"]
    assert maria.owner.name == "Sam Porter" and maria.first_response_at == maria.imported_at is not None
    assert maria.created_at.date().isoformat() == "2024-03-01" and maria.phone == "+34912345678"
    assert by_name["Liam Smith"].phone == "+14155550199"
    assert "Address: Calle Mayor 1, 28013 Madrid, Spain" in details(maria)


def test_pipedrive_deals_with_stages_values_and_titles(de):
    """Pipedrive's 'Person - ' and 'Deal - ' columns: default pipeline stages and won/lost status, the deal's value,
    title and currency kept."""
    by_name = imported("pipedrive_deals.csv")
    placed = {n: (lead.stage.name, lead.value) for n, lead in by_name.items()}
    assert placed == {"Björn Lindqvist": ("New", 4500.0), "Jana Nováková": ("Quoted", 12000.0),
                      "Ole Brandt": ("Won", 800.0), "Luca Rossi": ("Lost", 300.0)}
    assert by_name["Luca Rossi"].lost_reason == "Price too high"
    bjorn = by_name["Björn Lindqvist"]
    assert (bjorn.company, bjorn.email, bjorn.owner.name) == ("Lindqvist AB", "bjorn@lindqvist.example.se", "Pia Pipe")
    assert "Deal - Title: Roof repair Lindqvist" in details(bjorn) and "Deal - Currency: EUR" in details(bjorn)
    assert by_name["Jana Nováková"].email == "jana@novak.example.cz"


def test_zoho_and_salesforce_lead_statuses(us):
    """Zoho's and Salesforce's lead statuses and dates; Salesforce owner ids are not taken for names."""
    by_name = imported("zoho_leads.csv")
    assert (by_name["Priya Kumar"].stage.name, by_name["Jens Schulz"].status, by_name["Yuki Tanaka"].stage.name) == \
           ("Contacted", "lost", "Contacted")
    priya = by_name["Priya Kumar"]
    assert (priya.source, priya.owner.name, priya.message) == ("Trade Show", "Zara Zoho", "Needs 200 uniforms")
    assert "Secondary Email: p.kumar@gmail.com" in details(priya) and "zcrm_" not in details(priya)
    importing.apply_import(importing.plan_import(FILES / "salesforce_leads.csv"))
    olivia = Lead.get(Lead.name == "Olivia Brown")
    assert (olivia.stage.name, olivia.phone, olivia.owner, olivia.source) == ("New", "+12125550142", None, "Web")
    assert olivia.created_at.isoformat().startswith("2024-03-05 14:22") or \
           olivia.created_at.isoformat().startswith("2024-03-05T14:22")
    statuses = {lead.name: lead.status for lead in Lead.select().where(Lead.email.endswith(".example"))}
    assert statuses["Emma Wilson"] == "won" and statuses["Jack Taylor"] == "lost"


def test_mailchimp_tags_and_opt_in_time(de):
    """Mailchimp: OPTIN_TIME is the received time, TAGS kept as words, a broken address blanks only the email."""
    by_name = imported("mailchimp_subscribed.csv")
    freya = by_name["Freya Hansen"]
    assert freya.created_at.date().isoformat() == "2023-09-01" and "TAGS: Customer, VIP" in details(freya)
    assert "LEID" not in details(freya)
    assert by_name["Broken Mail"].email is None and "Email Address: not an address" in details(by_name["Broken Mail"])


@pytest.mark.parametrize("column, field", [
    ("E-mail 2 - Value", "email"), ("Phone 3 - Value", "phone"), ("Business Phone 2", "phone"),
    ("Person - Email - Work", "email"), ("Organization - Name", "company"), ("Deal - Title", None),
    ("Organization 1 - Title", None), ("Organization 1 - Name", "company"),
    ("Mobile Phone Number", "phone"), ("Handynummer", "phone"), ("Téléphone portable", "phone"),
    ("Correo electrónico", "email"), ("Nome", "name"), ("Email Opt Out", None), ("Annual Revenue", None),
    ("Lead Status", "stage"), ("Created Time", "created"),
])
def test_generic_names_in_any_layout(column, field):
    """Numbered, prefixed and typed column names resolve to the field they hold."""
    assert generic_field(column) == field


def test_unknown_columns_are_kept_and_overrides_win():
    """A column no field fits is kept as a detail; the user's choice (keep, ignore, a field) wins."""
    header = ["Name", "Lieblingsfarbe", "Kundennummer"]
    assert map_columns(header) == {"Name": "name", "Lieblingsfarbe": DETAILS, "Kundennummer": DETAILS}
    chosen = map_columns(header, overrides={"Kundennummer": "ignore", "lieblingsfarbe": "Notes"})
    assert chosen == {"Name": "name", "Lieblingsfarbe": "message", "Kundennummer": IGNORE}
