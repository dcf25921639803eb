"""Tests for sync.mail.form_fields: label meaning, label/value structure, values."""

import time

import pytest

from sync.mail.form_fields import (
    fields_from_pairs,
    find_phone,
    first_email,
    html_lines,
    label_kind,
    message_phone,
    pairs,
    read_fields,
)


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


def test_dashed_label_value_stops_at_the_footer_rule():
    """A WPForms value ends at a bare '---' rule: the footer after it is not the customer's message."""
    text = ("--- Your Name ---\n\nTom Becker\n\n--- What do you need help with? ---\n\n"
            "New gutters, about 40 metres.\n\n---\n\nSent from Roofing Example\n")
    assert fields_from_pairs(pairs(text)[0])["message"] == "New gutters, about 40 metres."


@pytest.mark.parametrize(
    "text",
    ["a" * 200_000, "a." * 100_000, "a@" + "a-" * 100_000, ("x" * 70 + "@") * 2_800, "Phone" + " " * 200_000 + ":",
     "Tel:" + "1 " * 100_000, "\n" * 200_000 + "x"],
    ids=["letters", "dots", "dashes", "long-local-parts", "label-then-spaces", "digits-and-spaces", "newlines"],
)
def test_value_patterns_are_linear(text):
    """The address and phone patterns take milliseconds on 200 KB of hostile text (the address took 116 s)."""
    start = time.perf_counter()
    first_email(text), find_phone(text)
    assert time.perf_counter() - start < 2.0


def test_bounded_address_pattern_still_reads_addresses():
    """Bounding the address pattern keeps ordinary, dotted and plus addresses intact."""
    assert first_email("Mail me: Ann.Lee+roof@mail.example.co.uk, thanks") == "ann.lee+roof@mail.example.co.uk"
    assert first_email("<o'brien@example.ie>") == "o'brien@example.ie"


@pytest.mark.parametrize(
    "label,value,field",
    [("Email", "x" * 500 + "@example.com", "email"), ("Phone", "1 " * 60, "phone"), ("Name", "N" * 300, "name")],
)
def test_overlong_values_are_not_fields(label, value, field):
    """A value far longer than any address, phone or name is not taken as one."""
    assert field not in fields_from_pairs([(label, value)])


def test_signed_message_gives_name_and_email():
    """Ninja Forms' contact template signs the message "-Name ( email )": both are read, the rest is the message."""
    got = read_fields("Please call me back.\n\n-Jo Park ( JO@park.example )\n")
    assert got == {"name": "Jo Park", "email": "jo@park.example", "message": "Please call me back."}


def test_html_blocks_inside_layout_tables_stay_lines():
    """Blocks inside a layout table's cell stay separate lines, so labelled lines are still pairs."""
    html = "<table><tr><td><p>Name: Ann Lee</p><p>Email: ann@lee.example</p><div>Message: Hi<br>there</div></td></tr>"
    assert read_fields(html_lines(html)) == {"name": "Ann Lee", "email": "ann@lee.example", "message": "Hi\nthere"}


@pytest.mark.parametrize(
    "text,phone",
    [("call me on 0176 2345 6789 after five", "0176 2345 6789"), ("Lead #: 345678901", None),
     ("ring +44 7700 900456", "+44 7700 900456"), ("Mobile: 07700900456", "07700900456")],
)
def test_phone_in_a_message(text, phone):
    """A phone written into a message is found; a bare order or lead number is not a phone."""
    assert message_phone(text) == phone
