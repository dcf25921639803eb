"""Tests for sync.mail.classify (the verdict) and sync.mail.clean (quote stripping)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sync.mail.classify import VERDICTS, Fields, NoKnown, Verdict, classify, describe
from sync.mail.clean import split_message, strip_quotes_and_signature

MESSAGES = Path(__file__).parent / "messages"
ME = ("info@acme-roofing.com", "info@dachdecker-schmidt.de")


def raw(name: str) -> bytes:
    return (MESSAGES / name).read_bytes()


class FakeKnown:
    """In-memory owner data: thread ids, lead addresses and review rules."""

    def __init__(self, threads=None, addresses=None, rules=None):
        self.threads = threads or {}
        self.addresses = addresses or {}
        self.rules = rules or {}

    def lead_for_thread(self, message_ids):
        return next((self.threads[i] for i in message_ids if i in self.threads), None)

    def lead_for_address(self, address):
        return self.addresses.get(address)

    def rule_for(self, address):
        return self.rules.get(address) or self.rules.get(address.rpartition("@")[2])


# --- every sample gets the verdict it should -----------------------------------------

EXPECTED = {
    # forms and marketplaces: leads, whatever automation headers they carry
    "cf7_en.eml": ("lead", "Contact Form 7"),
    "cf7_de_from_owner.eml": ("lead", "Contact Form 7"),
    "wpforms_plain.eml": ("lead", "WPForms"),
    "wpforms_html_fr.eml": ("lead", "WPForms"),
    "gravity_html.eml": ("lead", "Gravity Forms"),
    "elementor.eml": ("lead", "Elementor"),
    "ninja_es.eml": ("lead", "Ninja Forms"),
    "formidable_it.eml": ("lead", "Formidable"),
    "wix.eml": ("lead", "Wix Forms"),
    "squarespace.eml": ("lead", "Squarespace"),
    "webflow_nl.eml": ("lead", "Webflow"),
    "shopify.eml": ("lead", "Shopify"),
    "formspree.eml": ("lead", "Formspree"),
    "netlify.eml": ("lead", "Netlify Forms"),
    "tally.eml": ("lead", "Tally"),
    "jotform.eml": ("lead", "Jotform"),
    "typeform.eml": ("lead", "Typeform"),
    "callrail.eml": ("lead", "CallRail"),
    "google_ads.eml": ("lead", "Google Ads lead form"),
    "google_lsa.eml": ("lead", "Google Local Services"),
    "yelp.eml": ("lead", "Yelp"),
    "homeadvisor.eml": ("lead", "HomeAdvisor"),
    "houzz.eml": ("lead", "Houzz"),
    "zillow.eml": ("lead", "Zillow"),
    "realtor.eml": ("lead", "Realtor.com"),
    "web_form_generic_pt.eml": ("lead", "Web form"),
    # direct inquiries in seven languages, and odd encodings of them
    "direct_en.eml": ("lead", "email"),
    "direct_de.eml": ("lead", "email"),
    "direct_fr.eml": ("lead", "email"),
    "direct_es.eml": ("lead", "email"),
    "direct_nl.eml": ("lead", "email"),
    "direct_it.eml": ("lead", "email"),
    "direct_pt.eml": ("lead", "email"),
    "own_group_inquiry.eml": ("lead", "email"),
    "exchange_suppress_only.eml": ("lead", "email"),
    "broken_base64.eml": ("lead", "email"),
    "unknown_charset.eml": ("lead", "email"),
    "wrong_charset.eml": ("lead", "email"),
    "bad_header_encoding.eml": ("lead", "email"),
    "html_only.eml": ("lead", "email"),
    "hostile_html.eml": ("lead", "email"),
    "no_message_id.eml": ("lead", "email"),
    "huge_body.eml": ("lead", "email"),
    # the owner decides
    "personal_unclear.eml": ("review", "email"),
    "empty_body.eml": ("review", "email"),
    "reply_in_thread.eml": ("review", "email"),
    "garbage.eml": ("review", None),
    # never a lead
    "autoreply.eml": ("ignored", None),
    "ooo_exchange.eml": ("ignored", None),
    "mailing_list.eml": ("ignored", None),
    "newsletter_bulk.eml": ("ignored", None),
    "bounce.eml": ("ignored", None),
    "spam.eml": ("ignored", None),
    "receipt.eml": ("ignored", None),
    "shipping.eml": ("ignored", None),
    "noreply.eml": ("ignored", None),
    "password_reset.eml": ("ignored", None),
    "calendar_invite.eml": ("ignored", None),
    "social.eml": ("ignored", None),
    "outgoing_reply.eml": ("ignored", None),
}


def test_every_sample_has_an_expectation():
    """Each message in the samples folder is covered by the verdict table."""
    assert sorted(p.name for p in MESSAGES.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_verdict(name):
    """Each sample gets its expected verdict and source."""
    v = classify(raw(name), me=ME)
    assert (v.verdict, v.source) == EXPECTED[name], v.reason
    assert v.reason and v.mail is not None


@pytest.mark.parametrize(
    "name,reason",
    [
        ("autoreply.eml", "auto-reply (Auto-Submitted: auto-replied)"),
        ("ooo_exchange.eml", "out-of-office (Exchange inbox rule)"),
        ("mailing_list.eml", "mailing list (List-Id: Roofers discussion <roofers.lists.roofersforum.example>)"),
        ("newsletter_bulk.eml", "bulk mail (Precedence: bulk)"),
        ("bounce.eml", "bounce (delivery status report)"),
        ("spam.eml", "spam (X-Spam-Flag: YES)"),
        ("receipt.eml", 'receipt (subject "Your receipt from Acme Supplies #1234-5678")'),
        ("shipping.eml", 'shipping notice (subject "Your order has shipped")'),
        ("noreply.eml", "no-reply sender no-reply@notifications.quickbooks.example"),
        ("password_reset.eml", 'account notice (subject "Reset your Dropbox password")'),
        ("calendar_invite.eml", "calendar invitation"),
        ("social.eml", "social network notification from linkedin.com"),
        ("cf7_en.eml", "Contact Form 7 notification from acme-roofing.com"),
        ("direct_de.eml", 'direct inquiry from karin.voegel@t-online.de ("Anfrage")'),
        ("personal_unclear.eml", "personal message from tina.park@gmail.com without inquiry words"),
    ],
)
def test_reasons_are_readable(name, reason):
    """The reason says in words why the verdict was given."""
    assert classify(raw(name), me=ME).reason == reason


def test_form_notification_beats_automation_headers():
    """Elementor mail with Auto-Submitted, SES relay and Precedence: bulk is still a lead."""
    v = classify(raw("elementor.eml"))
    assert v.verdict == "lead" and v.mail.headers["auto-submitted"] == "auto-generated"


def test_form_from_owner_address_is_a_lead_not_outgoing():
    """A CF7 notification sent from the owner's own address is a lead."""
    v = classify(raw("cf7_de_from_owner.eml"), me=["info@dachdecker-schmidt.de"])
    assert v.verdict == "lead"
    assert v.fields == Fields(
        name="Max Müller", email="max.mueller@web.de", phone="030 12345678", message=v.fields.message
    )
    assert v.fields.message.startswith("Guten Tag,\nich hätte gerne ein Angebot")


def test_relay_reported_and_not_used_as_email():
    """Relays come back as the thread key; the lead's email is the customer's own."""
    wix = classify(raw("wix.eml"))
    assert wix.relay == "6f1e2d3c4b5a@crm.wix.com" and wix.fields.email == "ana.souza@example.com.br"
    zillow = classify(raw("zillow.eml"))
    assert zillow.relay == "k2j4h5g6@convo.zillow.com" and zillow.fields.email is None


def test_direct_inquiry_fields():
    """A direct inquiry takes name/email from From, phone from the signature, cleaned text."""
    v = classify(raw("direct_en.eml"), me=ME)
    assert v.fields.name == "Robert Hayes" and v.fields.email == "rob.hayes@gmail.com"
    assert v.fields.phone == "512-555-0177"
    assert v.fields.message == (
        "Hello,\n\nWe bought a house on Elm Street and the roof is about 25 years old.\n"
        "Could you give us an estimate for a full replacement?\n\nThanks,\nRob"
    )


def test_own_group_sender_taken_from_reply_to():
    """Mail through the owner's own Google Group is judged by its real author."""
    v = classify(raw("own_group_inquiry.eml"), me=ME)
    assert v.fields.email == "dana.cruz@icloud.com" and v.fields.name == "Dana Cruz"
    assert classify(raw("own_group_inquiry.eml")).verdict == "ignored"  # without `me` it is list mail


def test_exchange_suppress_header_alone_is_not_out_of_office():
    """X-Auto-Response-Suppress: All without the inbox-rules loop header is ordinary mail."""
    assert classify(raw("exchange_suppress_only.eml")).verdict == "lead"


def test_reply_by_thread_headers():
    """A message referencing a known thread is a reply to that lead, history stripped."""
    known = FakeKnown(threads={"<out-1001@acme-roofing.com>": "lead-7"})
    v = classify(raw("reply_in_thread.eml"), me=ME, known=known)
    assert (v.verdict, v.lead_id) == ("reply", "lead-7")
    assert v.reason == "reply in a known thread (In-Reply-To/References)"
    assert v.fields.message == "Thursday at 10 works for us. See you then.\n\nRob"


def test_reply_by_known_sender():
    """Mail from a known lead's address is a reply even without thread headers."""
    v = classify(raw("personal_unclear.eml"), known=FakeKnown(addresses={"tina.park@gmail.com": "lead-3"}))
    assert (v.verdict, v.lead_id, v.reason) == ("reply", "lead-3", "from known lead tina.park@gmail.com")


def test_marketplace_relay_of_known_lead_is_reply():
    """A second Zillow message on a known relay attaches to the existing lead."""
    v = classify(raw("zillow.eml"), known=FakeKnown(addresses={"k2j4h5g6@convo.zillow.com": "lead-9"}))
    assert (v.verdict, v.lead_id, v.source) == ("reply", "lead-9", "Zillow")


def test_auto_reply_from_known_lead_is_ignored():
    """An auto-reply stays ignored even when the sender is a known lead."""
    v = classify(raw("autoreply.eml"), known=FakeKnown(addresses={"jordan@supplier.example": "lead-1"}))
    assert v.verdict == "ignored"


def test_outgoing_to_known_lead():
    """Mail from the owner to a known lead is outgoing with that lead's id."""
    known = FakeKnown(addresses={"rob.hayes@gmail.com": "lead-7"})
    v = classify(raw("outgoing_reply.eml"), me=ME, known=known)
    assert (v.verdict, v.lead_id, v.reason) == ("outgoing", "lead-7", "sent by you to known lead rob.hayes@gmail.com")
    assert v.fields.message == "Hi Rob, we can come by Thursday morning for the estimate.\nMike"


def test_outgoing_in_sent_folder_by_thread():
    """A Sent-folder message in a known thread is outgoing even without `me`."""
    known = FakeKnown(threads={"<CAF=abc123@mail.gmail.com>": "lead-7"})
    v = classify(raw("outgoing_reply.eml"), known=known, sent_folder=True)
    assert (v.verdict, v.lead_id) == ("outgoing", "lead-7")


def test_sent_folder_unknown_recipient_ignored():
    """Sent mail to someone who is not a lead is ignored with a clear reason."""
    v = classify(raw("outgoing_reply.eml"), sent_folder=True)
    assert (v.verdict, v.reason) == ("ignored", "sent mail to an unknown recipient")


def test_forwarded_form_in_sent_folder_is_not_a_lead():
    """The owner forwarding a form notification from Sent does not create a lead."""
    data = raw("cf7_en.eml").replace(b"Subject: [Acme", b"Subject: Fwd: [Acme")
    assert classify(data, me=ME, sent_folder=True).verdict == "ignored"


@pytest.mark.parametrize("rule,verdict", [("lead", "lead"), ("ignored", "ignored")])
def test_learned_sender_rules(rule, verdict):
    """Rules learned in review decide unclear personal mail, by address or domain."""
    v = classify(raw("personal_unclear.eml"), known=FakeKnown(rules={"gmail.com": rule}))
    assert (v.verdict, v.reason) == (verdict, f"sender rule for tina.park@gmail.com: {rule}")


def test_ignored_and_review_carry_fields():
    """Non-lead verdicts still carry what could be extracted."""
    v = classify(raw("ooo_exchange.eml"))
    assert v.fields.name == "Priya Shah" and v.fields.email == "priya.shah@contoso.example"
    assert classify(raw("personal_unclear.eml")).fields.message.startswith("Hi Mike,")


def test_failing_lookup_becomes_error_verdict():
    """Any exception (here from the owner's database) becomes an "error" verdict."""

    class Broken(NoKnown):
        def lead_for_address(self, address):
            raise RuntimeError("database is locked")

    v = classify(raw("direct_en.eml"), known=Broken())
    assert (v.verdict, v.reason, v.source) == ("error", "database is locked", None)
    assert v.mail is not None and v.fields == Fields()


def test_non_bytes_input_becomes_error():
    """Parsing failure of an unusable input is an error verdict, never an exception."""
    v = classify(None)  # type: ignore[arg-type]
    assert v.verdict == "error" and v.mail is None and v.reason


def test_describe_shape():
    """describe() returns exactly the parse-email JSON keys and is JSON-serialisable."""
    d = describe("cf7_en.eml", classify(raw("cf7_en.eml")))
    assert list(d) == ["file", "verdict", "reason", "source", "fields"]
    assert list(d["fields"]) == ["name", "email", "phone", "company", "message", "service"]
    assert d["verdict"] == "lead" and d["fields"]["email"] == "jane.miller@gmail.com"
    assert json.loads(json.dumps(d)) == d


def _cpython_email_corpus() -> Path | None:
    import test

    path = Path(os.path.dirname(test.__file__)) / "test_email" / "data"
    return path if path.is_dir() else None


def test_cpython_email_corpus():
    """Every file in CPython's own email test corpus gets a valid verdict, no exception."""
    corpus = _cpython_email_corpus()
    if corpus is None:
        pytest.skip("CPython's test_email data is not installed")
    files = sorted(p for p in corpus.iterdir() if p.is_file())
    assert files
    for path in files:
        v = classify(path.read_bytes(), me=["aperson@dom.ain"])
        assert isinstance(v, Verdict) and v.verdict in VERDICTS and v.verdict != "error", (path.name, v.reason)
        assert isinstance(v.reason, str) and v.reason


def test_speed_typical_messages():
    """Classifying a typical message stays well under a millisecond on average."""
    samples = [raw(p.name) for p in MESSAGES.glob("*.eml") if p.stat().st_size < 20_000]
    for data in samples:  # warm regex and label caches
        classify(data, me=ME)
    rounds = 20
    start = time.perf_counter()
    for _ in range(rounds):
        for data in samples:
            classify(data, me=ME)
    per_message = (time.perf_counter() - start) / (rounds * len(samples))
    assert per_message < 0.002, f"{per_message * 1e6:.0f} µs per message"


def test_no_qt_or_desktop_imported():
    """The mail layer imports neither PySide6 nor desktop."""
    code = "import sys, sync.mail.classify; print(any(m.split('.')[0] in ('PySide6', 'desktop') for m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
        check=True,
    )
    assert out.stdout.strip() == "False"


# --- clean -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Sounds good.\n\nOn Mon, Jun 10, 2024 at 4:02 PM Mike <m@x.example> wrote:\n> old", "Sounds good."),
        ("Passt.\n\nAm 10.06.2024 um 16:02 schrieb Mike <m@x.example>:\n> alt", "Passt."),
        ("D'accord.\n\nLe lun. 10 juin 2024 à 16:02, Mike <m@x.example> a écrit :\n> vieux", "D'accord."),
        ("Vale.\n\nEl lun, 10 jun 2024 a las 16:02, Mike (<m@x.example>) escribió:\n> viejo", "Vale."),
        ("Prima.\n\nOp ma 10 jun. 2024 om 16:02 schreef Mike <m@x.example>:\n> oud", "Prima."),
        ("Ok.\n\nIl giorno lun 10 giu 2024 alle ore 16:02 Mike <m@x.example> ha scritto:\n> vecchio", "Ok."),
        ("Certo.\n\nEm seg., 10 de jun. de 2024 às 16:02, Mike <m@x.example> escreveu:\n> velho", "Certo."),
        ("Yes.\n\n-----Original Message-----\nFrom: Mike\nSent: Monday\nSubject: x\n\nold", "Yes."),
        (
            "Ja.\n\n________________________________\nVon: Mike <m@x.example>\n"
            "Gesendet: Montag, 10. Juni 2024\nAn: a\nBetreff: x\n\nalt",
            "Ja.",
        ),
        ("Thanks!\nSee you.\n\nSent from my iPhone", "Thanks!\nSee you."),
        ("Danke\n\nVon meinem iPhone gesendet\n\n> alt", "Danke"),
        ("Hi\n-- \nJohn Smith\nAcme Inc.", "Hi"),
        ("Answer one\n> quoted one\nAnswer two", "Answer one\nAnswer two"),
    ],
)
def test_strip_quotes_and_signature(text, expected):
    """Quoted history (en/de/fr/es/nl/it/pt, Outlook) and signatures are removed."""
    assert strip_quotes_and_signature(text) == expected


def test_wrapped_attribution_line():
    """Gmail's attribution wrapped over two lines still starts the quote."""
    text = "Fine by me.\n\nOn Mon, Jun 10, 2024 at 4:02 PM Acme Roofing <info@acme.example>\nwrote:\n\n> old text"
    assert strip_quotes_and_signature(text) == "Fine by me."


def test_split_message_keeps_signature_for_phone_lookup():
    """split_message returns the signature and the quoted part separately."""
    body, sig, quoted = split_message("Hi\n-- \nJo\nTel 0301234567\n\nOn Mon, Jo wrote:\n> x")
    assert (body, sig) == ("Hi", "Jo\nTel 0301234567") and quoted.startswith("On Mon")


def test_plain_text_untouched():
    """Text without quotes or signature comes back unchanged (trimmed)."""
    assert strip_quotes_and_signature("  Hello\n\nwe need a quote: 3 rooms.\n") == "Hello\n\nwe need a quote: 3 rooms."
