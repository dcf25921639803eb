"""Tests for sync.mail.forms: recognising form and marketplace notifications and their visitor."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sync.mail.form_layouts import LAYOUTS
from sync.mail.forms import is_relay, recognise
from sync.mail.parse import parse

MESSAGES = Path(__file__).parent / "messages"
FORMS = MESSAGES / "forms"  # notifications built from the plugins' current default templates
ROOT = Path(__file__).resolve().parents[3]


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


# --- the layouts people really get (issue 10) -------------------------------------------

# The owners of the sites in messages/forms: their own addresses, as `me`.
OWNERS = (
    "mike@harbor-plumbing.example",
    "hello@sunrise-bakery.example",
    "office@krause-decorating.example",
    "reception@brightdental.example",
    "info@casa-verde.example",
    "office@greenleaf-gardens.example",
    "studio@modernbath.example",
    "buero@fahrschule-weber.example",
    "frontdesk@oakridge-vets.example",
)

# file: (source, name, email, phone, words from the visitor's message)
CURRENT = {
    "cf7_current.eml": ("Contact Form 7", "Jane Miller", "jane.miller@gmail.com", None, "started banging"),
    "cf7_current_html.eml": ("Contact Form 7", "Omar Haddad", "omar.haddad@outlook.com", None, "toilet moved"),
    "cf7_from_owner.eml": ("Contact Form 7", "Priya Nair", "priya.nair@yahoo.com", None, "three-tier cake"),
    "cf7_phone_in_body.eml": (
        "Contact Form 7", "Stephen Baker", "steve.baker@btinternet.com", "07700 900456", "two-bedroom flat"
    ),
    "forminator.eml": ("Forminator", "Tom Becker", "tom.becker@fastmail.com", "+1 206 555 0147", "chipped a front"),
    "fluentforms.eml": ("Fluent Forms", "Maria Lopez", "maria.lopez@icloud.com", "(480) 555-0163", "drought"),
    "fluentforms_multipart.eml": (
        "Fluent Forms", "Daniel Okafor", "daniel.okafor@gmail.com", "602-555-0188", "sprinkler system"
    ),
    "ninja_contact.eml": ("Ninja Forms", "Laura Chen", "laura.chen@gmail.com", None, "old maple trees"),
    "ninja_contact_table.eml": ("Ninja Forms", "Rick Alvarez", "rick.alvarez@comcast.net", "(617) 555-0131", "mowing"),
    "houzz_display_name.eml": ("Houzz", "Elif Demir", None, None, "walk-in shower"),
    "new_plugin_dl.eml": ("Web form", "Lena Hoffmann", "lena.hoffmann@gmx.de", "0151 23456789", "Theoriekurs"),
    "new_plugin_lines.eml": ("Web form", "Hannah Price", "hannah.price@hotmail.co.uk", "07911 123456", "vaccinations"),
}


def current(name: str, me=OWNERS):
    m = recognise(parse((FORMS / name).read_bytes()), me)
    assert m is not None, f"{name} not recognised"
    return m


def test_every_current_sample_has_an_expectation():
    """Each message in messages/forms is covered by the table of expected fields."""
    assert sorted(p.name for p in FORMS.glob("*.eml")) == sorted(CURRENT)


@pytest.mark.parametrize("me", [OWNERS, ()], ids=["with-me", "without-me"])
@pytest.mark.parametrize("name", sorted(CURRENT))
def test_current_layouts_give_the_visitor(name, me):
    """Each current default template gives its source and the visitor's name, email, phone and message."""
    source, person, email, phone, words = CURRENT[name]
    m = current(name, me)
    assert (m.source, m.fields.get("name"), m.fields.get("email"), m.fields.get("phone")) == (
        source, person, email, phone
    )
    assert words in m.fields["message"]


@pytest.mark.parametrize("name", sorted(CURRENT))
def test_current_layouts_never_take_the_site_for_the_visitor(name):
    """The lead is the visitor: never the sender's display name, address or domain, never a footer."""
    mail = parse((FORMS / name).read_bytes())
    m = current(name)
    assert m.fields.get("name") != mail.from_name and m.fields.get("email") not in (mail.from_addr, *OWNERS)
    assert not (m.fields.get("email") or "").endswith(mail.from_addr.rpartition("@")[2])
    for footer in ("This is a notification", "This message was sent from", "This form submitted at", "Powered by",
                   "-Laura Chen (", "Houzz Inc", "Reply"):
        assert footer not in m.fields["message"]


def test_html_message_keeps_its_lines():
    """A message from HTML keeps its line breaks without blank lines added, and the CF7 subject follows it."""
    assert current("cf7_current_html.eml").fields["message"] == (
        "We are redoing our upstairs bathroom and need the shower and toilet moved about a metre.\n"
        "Do you do that kind of work, and what would an estimate cost?\n\nSubject: Bathroom remodel"
    )


def test_current_reasons_name_the_site():
    """The reason names the site from the footer's URL, not WordPress's sender."""
    assert current("cf7_current.eml").reason == "Contact Form 7 notification from harbor-plumbing.example"
    assert current("forminator.eml").reason == "Forminator notification from brightdental.example"
    assert current("fluentforms.eml").reason == "Fluent Forms notification from casa-verde.example"


def test_layouts_are_a_table_each_shown_by_a_sample():
    """Every layout in the matcher table is recognised from at least one sample message."""
    seen = {match(name).source for name, *_ in CASES} | {current(name).source for name in CURRENT}
    assert {x.source for x in LAYOUTS} <= seen


def _edited(name: str, *replacements: tuple[bytes, bytes]) -> bytes:
    data = (FORMS / name).read_bytes()
    for old, new in replacements:
        assert old in data
        data = data.replace(old, new)
    return data


def test_provider_rules_are_only_hints():
    """With its subject and wording changed, a known plugin's mail is still read by its structure."""
    data = _edited(
        "forminator.eml",
        (b"New Form Entry #1042 for Contact Us", b"Contact Us"),
        (b"You have a new website form submission:", b""),
        (b"This message was sent from", b"Sent from"),
    )
    m = recognise(parse(data))
    assert m is not None and m.source == "Web form"
    assert (m.fields["name"], m.fields["email"], m.fields["phone"]) == ("Tom Becker", "tom.becker@fastmail.com",
                                                                        "+1 206 555 0147")


def test_owner_writing_to_themselves_is_a_sign_of_a_form():
    """A labelled form mail with no other sign of a notification counts when the owner sends it to the owner."""
    data = _edited("new_plugin_lines.eml", (b"website@oakridge-vets", b"frontdesk@oakridge-vets"),
                   (b"Website enquiry", b"Hannah Price"))
    assert recognise(parse(data)) is None
    assert recognise(parse(data), ["frontdesk@oakridge-vets.example"]).fields["name"] == "Hannah Price"


def test_sender_on_the_sites_own_domain_is_a_sign_of_a_form():
    """A labelled mail from an address on the domain of the site its footer links to is a form."""
    plain = _edited("new_plugin_lines.eml", (b"website@oakridge-vets", b"hello@oakridge-vets"),
                    (b"Website enquiry", b"Hannah Price"))
    assert recognise(parse(plain)) is None
    m = recognise(parse(plain + b"\n--\nhttps://www.oakridge-vets.example/contact\n"))
    assert m is not None and (m.source, m.fields["email"]) == ("Web form", "hannah.price@hotmail.co.uk")


@pytest.mark.parametrize(
    "replacements",
    [
        ((b"Subject: Website enquiry", b"Subject: Fwd: Website enquiry"),),
        ((b"Subject: Website enquiry", b"In-Reply-To: <a@b.example>\nSubject: Website enquiry"),),
        ((b"From: Oakridge Vets <website@oakridge-vets.example>", b"From: Hannah <hannah.price@hotmail.co.uk>"),),
    ],
    ids=["forward", "reply", "from-the-visitor"],
)
def test_structure_alone_needs_a_fresh_notification(replacements):
    """Without a layout, a forward, a reply or the visitor's own mail is not a form notification."""
    assert recognise(parse(_edited("new_plugin_lines.eml", *replacements))) is None


def test_personal_mail_with_a_signature_is_not_a_form():
    """A direct mail whose signature has labelled contact details stays a direct mail."""
    data = (b"From: Rob Hayes <rob.hayes@gmail.com>\nTo: info@acme-roofing.com\nSubject: Roof\n\n"
            b"Hi, can you quote a new roof?\n\nName: Rob Hayes\nPhone: 512-555-0177\nEmail: rob.hayes@gmail.com\n")
    assert recognise(parse(data), ["info@acme-roofing.com"]) is None


def _hostile(label: str, value: str, html: bool) -> bytes:
    head = ("From: Bright Dental <noreply@brightdental.example>\r\nTo: reception@brightdental.example\r\n"
            "Subject: New Form Entry #7 for Contact Us\r\nMessage-ID: <h@brightdental.example>\r\n"
            "MIME-Version: 1.0\r\n")
    if html:
        body = (f"<ol><li><b>Name</b><br/>Ann Lee<br/></li><li><b>Message</b><br/>Hi<br/></li>"
                f"<li><b>{label}</b><br/>{value}<br/></li></ol>")
        return (head + "Content-Type: text/html; charset=utf-8\r\n\r\n" + body).encode()
    body = f"Name: Ann Lee\r\nMessage: Hi\r\n\r\n{label}: {value}\r\n"
    return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()


HOSTILE = {
    "letters": "a",
    "dots": "a.",
    "dashes": "a-",
    "at-signs": "x@x.",
    "long-local-parts": "x" * 70 + "@",
    "digits-and-spaces": "1 ",
    "brackets": "(",
    "spaces": " ",
}


@pytest.mark.parametrize("size", [200_000, 2_000_000], ids=["200KB", "2MB"])
@pytest.mark.parametrize("html", [False, True], ids=["text", "html"])
@pytest.mark.parametrize("label", ["Email", "Phone"])
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_values_cannot_stall_recognition(kind, label, html, size):
    """A 200 KB or 2 MB hostile Email/Phone value is read in well under 2 s (it took 116 s), junk dropped."""
    unit = HOSTILE[kind]
    data = _hostile(label, unit * (size // len(unit)), html)
    start = time.perf_counter()
    m = recognise(parse(data))
    assert time.perf_counter() - start < 2.0
    assert m is not None and m.fields["name"] == "Ann Lee"
    assert "email" not in m.fields and "phone" not in m.fields
    assert len(m.fields.get("message", "")) <= 20_000


def test_parse_email_makes_leads_of_the_current_layouts(tmp_path):
    """End to end: `leadbook parse-email` prints a lead with the visitor's fields for every current sample."""
    files = sorted(CURRENT)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "--data-dir", str(tmp_path / "none"), "parse-email",
         *(str(FORMS / f) for f in files), *(x for a in OWNERS for x in ("--me", a))],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=True,
    )
    got = {Path(d["file"]).name: d for d in map(json.loads, proc.stdout.splitlines())}
    for name in files:
        source, person, email, phone, words = CURRENT[name]
        d = got[name]
        assert (d["verdict"], d["source"]) == ("lead", source), (name, d["reason"])
        assert (d["fields"]["name"], d["fields"]["email"], d["fields"]["phone"]) == (person, email, phone), name
        assert words in d["fields"]["message"]
