"""Tests for sync.mail.forms: form/marketplace recognisers and the generic extractor."""

from pathlib import Path

import pytest

from sync.mail.forms import fields_from_pairs, find_phone, is_relay, label_kind, pairs, recognise
from sync.mail.parse import parse

MESSAGES = Path(__file__).parent / "messages"


def match(name: str, me=()):
    m = recognise(parse((MESSAGES / name).read_bytes()), me)
    assert m is not None, f"{name} not recognised"
    return m


# (file, source, expected fields subset, expected relay)
CASES = [
    (
        "cf7_en.eml",
        "Contact Form 7",
        {"name": "Jane Miller", "email": "jane.miller@gmail.com", "phone": "(512) 555-0142"},
        None,
    ),
    (
        "cf7_de_from_owner.eml",
        "Contact Form 7",
        {"name": "Max Müller", "email": "max.mueller@web.de", "phone": "030 12345678"},
        None,
    ),
    (
        "wpforms_plain.eml",
        "WPForms",
        {"name": "Carlos Ortega", "email": "carlos.ortega@outlook.com", "phone": "(614) 555-0199"},
        None,
    ),
    (
        "wpforms_html_fr.eml",
        "WPForms",
        {
            "name": "Claire Martin",
            "email": "claire.martin@orange.fr",
            "phone": "06 12 34 56 78",
            "company": "Martin & Fils SARL",
        },
        None,
    ),
    (
        "gravity_html.eml",
        "Gravity Forms",
        {"name": "Hannah Lee", "email": "hannah.lee@example.com", "phone": "(206) 555-0117"},
        None,
    ),
    (
        "elementor.eml",
        "Elementor",
        {
            "name": "Emma Wilson",
            "email": "emma.wilson@yahoo.com",
            "phone": "07700 900123",
            "service": "Teeth whitening",
        },
        None,
    ),
    (
        "ninja_es.eml",
        "Ninja Forms",
        {"name": "Lucía García", "email": "lucia.garcia@gmail.com", "phone": "+34 612 345 678", "company": "Café Luna"},
        None,
    ),
    (
        "formidable_it.eml",
        "Formidable",
        {
            "name": "Giulia Rossi",
            "email": "giulia.rossi@libero.it",
            "phone": "347 123 4567",
            "company": "Rossi Immobiliare",
            "service": "Progettazione giardino",
        },
        None,
    ),
    (
        "wix.eml",
        "Wix Forms",
        {"name": "Ana Souza", "email": "ana.souza@example.com.br", "phone": "+55 11 91234-5678"},
        "6f1e2d3c4b5a@crm.wix.com",
    ),
    ("squarespace.eml", "Squarespace", {"name": "Tom Baker", "email": "tom.baker@example.org"}, None),
    (
        "webflow_nl.eml",
        "Webflow",
        {"name": "Eva Jansen", "email": "eva@jansen.example", "phone": "06 12345678", "company": "Jansen BV"},
        None,
    ),
    ("shopify.eml", "Shopify", {"name": "Noah Kim", "email": "noah.kim@example.com", "phone": "312-555-0175"}, None),
    ("formspree.eml", "Formspree", {"name": "Priya Patel", "email": "priya.patel@example.com"}, None),
    (
        "netlify.eml",
        "Netlify Forms",
        {
            "name": "Sam O'Neill",
            "email": "sam.oneill@example.ie",
            "phone": "+353 87 123 4567",
            "service": "Full tune-up",
        },
        None,
    ),
    (
        "tally.eml",
        "Tally",
        {"name": "Liam O'Brien", "email": "liam.obrien@example.ie", "phone": "+353 86 765 4321"},
        None,
    ),
    (
        "jotform.eml",
        "Jotform",
        {"name": "Sofia Lindqvist", "email": "sofia.lindqvist@example.se", "service": "Full groom (large dog)"},
        None,
    ),
    (
        "typeform.eml",
        "Typeform",
        {"name": "Marco Bianchi", "email": "marco.bianchi@example.it", "service": "Wedding photography"},
        None,
    ),
    (
        "callrail.eml",
        "CallRail",
        {"name": "Derek Shaw", "email": "derek.shaw@example.com", "phone": "720-555-0188"},
        None,
    ),
    (
        "google_ads.eml",
        "Google Ads lead form",
        {"name": "Olivia Chen", "email": "olivia.chen@example.com", "phone": "+1 415-555-0136"},
        None,
    ),
    ("google_lsa.eml", "Google Local Services", {}, "customer-request-7f3k2@awexpress.google.com"),
    ("yelp.eml", "Yelp", {"name": "Jane D.", "service": "Local move"}, "reply+8a7b6c5d4e@messaging.yelp.com"),
    ("homeadvisor.eml", "HomeAdvisor", {"service": "Clean Gutters"}, None),
    ("houzz.eml", "Houzz", {"name": "Karen Whitfield"}, None),
    ("zillow.eml", "Zillow", {"name": "Sarah Johnson", "phone": "(303) 555-0199"}, "k2j4h5g6@convo.zillow.com"),
    (
        "realtor.eml",
        "Realtor.com",
        {"name": "Michael Brown", "email": "mbrown@example.com", "phone": "(614) 555-0123"},
        None,
    ),
    (
        "web_form_generic_pt.eml",
        "Web form",
        {"name": "Beatriz Almeida", "email": "beatriz.almeida@example.com.br", "phone": "(11) 98765-4321"},
        None,
    ),
]


@pytest.mark.parametrize("name,source,expected,relay", CASES, ids=[c[0] for c in CASES])
def test_recognised_with_fields(name, source, expected, relay):
    """Each known layout is recognised and its fields extracted."""
    m = match(name)
    assert m.source == source
    for key, value in expected.items():
        assert m.fields.get(key) == value, key
    assert m.relay == relay
    assert m.fields.get("email") is None or not is_relay(m.fields["email"])


@pytest.mark.parametrize(
    "name,needle",
    [
        ("cf7_en.eml", "Could someone come out this week"),
        ("cf7_de_from_owner.eml", "ein Angebot für eine neue Dachrinne"),
        ("wpforms_plain.eml", "We'd like it done before Memorial Day."),
        ("gravity_html.eml", "Pastries for 40 people"),
        ("elementor.eml", "I work until 5pm."),
        ("squarespace.eml", "Weekday evenings would be best."),
        ("google_lsa.eml", "rekey 3 locks this week"),
        ("yelp.eml", "Can you give me an estimate?"),
        ("houzz.eml", "would love a quote"),
        ("zillow.eml", "Is it still available?"),
        ("tally.eml", "Kitchen renovation, looking for a quote"),
        ("typeform.eml", "about 80 guests"),
        ("realtor.eml", "schedule a showing"),
    ],
)
def test_message_text_extracted(name, needle):
    """The customer's own words end up in the message field."""
    assert needle in match(name).fields["message"]


@pytest.mark.parametrize(
    "name,absent",
    [
        ("cf7_en.eml", "This e-mail was sent"),
        ("elementor.eml", "User Agent"),
        ("elementor.eml", "Remote IP"),
        ("squarespace.eml", "Manage Submissions"),
        ("wix.eml", "View Submission"),
        ("zillow.eml", "Zillow Group is committed"),
        ("yelp.eml", "Reply to Jane"),
        ("formspree.eml", "Mark as spam"),
    ],
)
def test_boilerplate_not_in_message(name, absent):
    """Footers, metadata and legal boilerplate are kept out of the message."""
    assert absent not in match(name).fields.get("message", "")


def test_unknown_labels_kept_in_message():
    """Unmapped answers (budget, referral) are appended to the message, not lost."""
    assert "How did you hear about us? Instagram" in match("gravity_html.eml").fields["message"]
    assert "Property Address: 45 Oak Ave, Columbus, OH 43215" in match("realtor.eml").fields["message"]


def test_marketplace_without_contact_data_is_still_a_match():
    """Yelp and HomeAdvisor leads carry no email or phone and are still recognised."""
    for name in ("yelp.eml", "homeadvisor.eml"):
        m = match(name)
        assert m.marketplace and "email" not in m.fields and "phone" not in m.fields


def test_reply_to_preferred_over_body_but_never_the_service():
    """The customer email is Reply-To when it is not a relay; never the service sender."""
    assert match("elementor.eml").fields["email"] == "emma.wilson@yahoo.com"
    wix = match("wix.eml")
    assert wix.fields["email"] == "ana.souza@example.com.br"  # Reply-To is a relay: body wins
    assert match("formspree.eml").fields["email"] != "noreply@formspree.io"


def test_reason_names_the_site():
    """The reason names the source and the site."""
    assert match("cf7_en.eml").reason == "Contact Form 7 notification from acme-roofing.com"
    assert match("wix.eml").reason == "Wix Forms notification from Casa Bella Interiors"
    assert match("yelp.eml").reason == "Yelp notification from Sunset Movers"


@pytest.mark.parametrize(
    "name",
    [
        "direct_en.eml",
        "personal_unclear.eml",
        "noreply.eml",
        "mailing_list.eml",
        "receipt.eml",
        "reply_in_thread.eml",
        "bounce.eml",
    ],
)
def test_ordinary_mail_not_recognised(name):
    """Personal and bulk mail are not mistaken for form notifications."""
    assert recognise(parse((MESSAGES / name).read_bytes())) is None


@pytest.mark.parametrize(
    "label,kind",
    [
        ("Your name", "name"),
        ("Full Name", "name"),
        ("Name", "name"),
        ("Nom", "name"),
        ("Naam", "name"),
        ("Nome e cognome", "name"),
        ("Vorname", "first"),
        ("Nachname", "last"),
        ("First Name", "first"),
        ("Last Name", "last"),
        ("Prénom", "first"),
        ("Apellidos", "last"),
        ("Sobrenome", "last"),
        ("E-mail", "email"),
        ("Email address", "email"),
        ("Correo electrónico", "email"),
        ("Courriel", "email"),
        ("E-Mail-Adresse", "email"),
        ("Tel", "phone"),
        ("Telefon", "phone"),
        ("Phone Number", "phone"),
        ("Téléphone", "phone"),
        ("Handynummer", "phone"),
        ("Celular", "phone"),
        ("Telefoonnummer", "phone"),
        ("Firma", "company"),
        ("Company", "company"),
        ("Société", "company"),
        ("Empresa", "company"),
        ("Company Name", "company"),
        ("Bedrijfsnaam", "company"),
        ("Azienda", "company"),
        ("Message", "message"),
        ("Comments", "message"),
        ("Nachricht", "message"),
        ("Ihre Nachricht*", "message"),
        ("What do you need help with?", "message"),
        ("Votre message", "message"),
        ("Mensaje", "message"),
        ("Bericht", "message"),
        ("Messaggio", "message"),
        ("Mensagem", "message"),
        ("Service", "service"),
        ("Job Requested", "service"),
        ("Leistung", "service"),
        ("Servicio", "service"),
        ("Subject", "subject"),
        ("Betreff", "subject"),
        ("Page URL", "meta"),
        ("Remote IP", "meta"),
        ("User Agent", "meta"),
        ("I agree to the privacy policy", "meta"),
        ("Postal Code", "location"),
        ("Budget", None),
    ],
)
def test_label_meaning(label, kind):
    """Labels map to fields by meaning across en/de/fr/es/nl/it/pt."""
    assert label_kind(label) == kind


def test_generic_colon_and_double_colon_lines():
    """`Label: value` and `Label:: value` lines are read as pairs."""
    got = fields_from_pairs(pairs("Name:: Ann Lee\nE-Mail: ann@x.example\nTelefon: 0301234567")[0])
    assert got == {"name": "Ann Lee", "email": "ann@x.example", "phone": "0301234567"}


def test_generic_dashed_labels_with_blank_values():
    """WPForms `--- Label ---` blocks, blank lines and (Empty) values are handled."""
    text = "--- Name ---\n\nBo\n\n--- Firma ---\n\n(Empty)\n\n--- Nachricht ---\n\nZeile 1\nZeile 2\n"
    assert fields_from_pairs(pairs(text)[0]) == {"name": "Bo", "message": "Zeile 1\nZeile 2"}


def test_generic_label_line_then_value_line():
    """A bare known label on one line takes the next line as its value."""
    text = "Vorname\nHans\nNachname\nBauer\nE-Mail\nhans@bauer.example\n"
    assert fields_from_pairs(pairs(text)[0]) == {"name": "Hans Bauer", "email": "hans@bauer.example"}


def test_generic_table_rows():
    """Tab-joined table cells (from HTML tables) read as label/value."""
    text = "Nom:\tDurand\nPrénom:\tPaul\nSociété:\tDurand SA\n"
    assert fields_from_pairs(pairs(text)[0]) == {"name": "Paul Durand", "company": "Durand SA"}


def test_multiline_message_keeps_questions():
    """A message continues over blank lines and questions inside it."""
    text = "Name: Al\nMessage: Hi,\ncan you help?\n\nAlso: gutters?\nEmail: al@x.example"
    got = fields_from_pairs(pairs(text)[0])
    assert got["email"] == "al@x.example" and got["message"].startswith("Hi,\ncan you help?")


def test_sender_line_split_into_name_and_email():
    """CF7's `From: Name <email>` gives both name and email."""
    assert fields_from_pairs([("From", "Jo Park <JO@park.example>")]) == {"name": "Jo Park", "email": "jo@park.example"}


@pytest.mark.parametrize(
    "text,phone",
    [
        ("call me at +49 (0)30 1234567 today", "+49 (0)30 1234567"),
        ("Tel.: 030/123 456 78", "030/123 456 78"),
        ("on 2024-01-05 call 555-123-4567", "555-123-4567"),
        ("nothing here 12345", None),
    ],
)
def test_find_phone(text, phone):
    """Phone-like numbers are found; dates and short numbers are not phones."""
    assert find_phone(text) == phone


@pytest.mark.parametrize(
    "addr,relay",
    [
        ("abc@crm.wix.com", True),
        ("reply+1@messaging.yelp.com", True),
        ("x@convo.zillow.com", True),
        ("customer-request-1@awexpress.google.com", True),
        ("jane@gmail.com", False),
        ("", False),
    ],
)
def test_relay_addresses(addr, relay):
    """Marketplace and builder relay addresses are recognised."""
    assert is_relay(addr) is relay


def test_dashed_label_value_stops_at_the_footer_rule():
    """A WPForms value ends at a bare '---' rule: the footer after it is not the customer's message."""
    text = ("--- Your Name ---\n\nTom Becker\n\n--- What do you need help with? ---\n\n"
            "New gutters, about 40 metres.\n\n---\n\nSent from Roofing Example\n")
    assert fields_from_pairs(pairs(text)[0])["message"] == "New gutters, about 40 metres."
