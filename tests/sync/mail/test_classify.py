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
    # short inquiries with little vocabulary, and inquiries with words that pitches use
    "inquiry_area.eml": ("lead", "email"),
    "inquiry_bakery_website.eml": ("lead", "email"),
    "inquiry_bathrooms.eml": ("lead", "email"),
    "inquiry_boiler.eml": ("lead", "email"),
    "inquiry_cf7_agency.eml": ("lead", "Contact Form 7"),
    "inquiry_de_short.eml": ("lead", "email"),
    "inquiry_es_short.eml": ("lead", "email"),
    "inquiry_found_website.eml": ("lead", "email"),
    "inquiry_fr_short.eml": ("lead", "email"),
    "inquiry_leaking_tap.eml": ("lead", "email"),
    "inquiry_old_thread.eml": ("lead", "email"),
    "inquiry_photo.eml": ("lead", "email"),
    "inquiry_seo_client.eml": ("lead", "email"),
    "inquiry_two_windows.eml": ("lead", "email"),
    "inquiry_wedding.eml": ("lead", "email"),
    "reply_unknown_thread_keen.eml": ("lead", "email"),  # a customer chasing an old thread
    # the owner decides: some inquiry signal, or nothing to judge
    "personal_unclear.eml": ("review", "email"),
    "empty_body.eml": ("review", "email"),
    # never a lead
    "reply_in_thread.eml": ("ignored", None),  # a reply in a thread that is no lead's, nothing asked
    "garbage.eml": ("ignored", None),  # no sender, no inquiry signal
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
        ("personal_unclear.eml", 'possible inquiry from tina.park@gmail.com: only a weak signal ("some work for you")'),
        ("reply_in_thread.eml", "reply from rob.hayes@gmail.com in a thread that is not a lead's, no inquiry signal"),
        ("empty_body.eml", "empty message from someone@example.com"),
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


# --- non-inquiries: Review holds only real doubt -------------------------------------

NONLEADS = MESSAGES / "nonleads"
CF7 = "Contact Form 7 notification from acme-roofing.com"


@pytest.mark.parametrize(
    "name,reason",
    [
        ("bounce_postfix.eml", "bounce (delivery status report)"),
        ("bounce_gmail.eml", "bounce (X-Failed-Recipients)"),
        ("bounce_qmail_plain.eml", "bounce (from mailer-daemon@mail.smallhost.example)"),
        ("mdn_thunderbird.eml", "read receipt (disposition notification)"),
        ("mdn_outlook_read.eml", 'read receipt (subject "Read: Estimate for the porch roof")'),
        ("mdn_gelesen.eml", 'read receipt (subject "Gelesen: Ihr Angebot Dachrinne")'),
        ("arf_yahoo.eml", "abuse/complaint report (feedback-report)"),
        ("arf_hotmail.eml", "abuse/complaint report (feedback-report)"),
        ("abuse_hoster.eml", 'abuse/complaint report (subject "Abuse report: spam from your account (ticket #88213)")'),
        ("ooo_german.eml", 'auto-reply (subject "Abwesenheitsnotiz: Lieferung Ziegel")'),
        ("news_roofing_weekly.eml", "list or bulk mail (List-Unsubscribe)"),
        ("list_google_group.eml", "mailing list (List-Id: <neighbourhood.googlegroups.com>)"),
        ("mkt_toolmart.eml", "marketing mail (unsubscribe link)"),
        ("spam_pharmacy.eml", "spam (pharmacy)"),
        ("spam_crypto.eml", "spam (crypto)"),
        ("spam_lottery.eml", "spam (lottery)"),
        ("spam_inheritance.eml", "scam (advance fee)"),
        ("spam_gift_card.eml", "scam (gift cards)"),
        ("phish_account_suspended.eml", "phishing (account warning)"),
        ("phish_invoice.eml", "phishing (payment link)"),
        ("phish_shared_file.eml", "phishing (fake invoice)"),
        ("pitch_seo_stop.eml", "cold sales pitch (SEO)"),
        ("pitch_backlinks.eml", "cold sales pitch (backlinks)"),
        ("pitch_web_redesign.eml", "cold sales pitch (web design)"),
        ("pitch_german_seo.eml", "cold sales pitch (SEO)"),
        ("spam_loan.eml", "cold sales pitch (business loans)"),
        ("form_cf7_seo.eml", f"form submission: sales pitch (SEO) ({CF7})"),
        ("form_cf7_backlinks.eml", f"form submission: sales pitch (backlinks) ({CF7})"),
        ("form_cf7_crypto.eml", f"form submission: spam (crypto) ({CF7})"),
        ("form_cf7_test.eml", f"form submission: test entry ({CF7})"),
        ("form_wpforms_pharma.eml", "form submission: spam (pharmacy) (WPForms notification from greenthumb.example)"),
        (
            "form_elementor_outsourcing.eml",
            "form submission: sales pitch (outsourcing) (Elementor notification from Bright Smiles Dental)",
        ),
        ("thread_thanks.eml", "reply from carol.white@gmail.com in a thread that is not a lead's, no inquiry signal"),
        ("personal_birthday.eml", "message from margaret.acme@aol.example without inquiry signal"),
        ("personal_dinner.eml", "message from laura.acme@gmail.com without inquiry signal"),
        ("test_plain.eml", "test mail from mike.acme@gmail.com"),
        ("test_testing.eml", "test mail from dev@pixel-webdev.example"),
        ("cal_invite.eml", "calendar invitation"),
        ("ship_ups.eml", 'shipping notice (subject "UPS Update: Package Scheduled for Delivery Today")'),
    ],
)
def test_non_inquiry_ignored_with_its_reason(name, reason):
    """Each kind of non-inquiry is ignored, and the reason says which kind it is."""
    v = classify((NONLEADS / name).read_bytes(), me=ME)
    assert (v.verdict, v.reason) == ("ignored", reason)


def test_corpus_no_lead_little_review_and_every_inquiry_kept():
    """Of the non-inquiries none is a lead and at most 10 % wait in Review; every inquiry stays a lead."""
    nonleads = [classify(p.read_bytes(), me=ME) for p in sorted(NONLEADS.glob("*.eml"))]
    counts = {k: sum(v.verdict == k for v in nonleads) for k in VERDICTS}
    leads = [v.reason for v in nonleads if v.verdict == "lead"]
    inquiries = [MESSAGES / n for n, (verdict, _) in EXPECTED.items() if verdict == "lead"]
    inquiries += sorted((MESSAGES / "inquiries").glob("*.eml")) + sorted((MESSAGES / "forms").glob("*.eml"))
    lost = [p.name for p in inquiries if classify(p.read_bytes(), me=ME).verdict != "lead"]
    note = f"{len(nonleads)} non-inquiries: {counts}; {len(inquiries) - len(lost)}/{len(inquiries)} inquiries leads"
    assert len(nonleads) >= 85, note
    assert not leads, f"{note}; leads: {leads}"
    assert counts["review"] <= 0.10 * len(nonleads), note
    assert not lost, f"{note}; lost: {lost}"


def test_form_spam_keeps_source_and_visitor():
    """Spam sent through a form is ignored, but keeps the form's source and the visitor's fields."""
    v = classify((NONLEADS / "form_cf7_seo.eml").read_bytes(), me=ME)
    assert (v.verdict, v.source, v.fields.email) == ("ignored", "Contact Form 7", "mark.wilson@seo-rankers.example")


def _cf7_with(message: str) -> bytes:
    original = (
        b"Hi, after last night's storm there is water coming through the ceiling\n"
        b"of our garage. Could someone come out this week to take a look?"
    )
    data = raw("cf7_en.eml")
    assert original in data
    return data.replace(original, message.encode())


@pytest.mark.parametrize(
    "message,verdict",
    [
        ("Hi, I noticed your website. Do you do flat roofs?", "review"),
        ("Hi, we offer bookkeeping services for contractors. Do you have a minute for a chat next week?", "review"),
        ("Hello, we are a digital agency. Could you send me the price for a roof inspection of our office?", "lead"),
        ("Call me back please, 555-0142", "lead"),
    ],
)
def test_form_message_judged_by_its_signals(message, verdict):
    """A form message with pitch and inquiry signals mixed waits in Review; a plain one is a lead."""
    v = classify(_cf7_with(message), me=ME)
    assert (v.verdict, v.source) == (verdict, "Contact Form 7"), v.reason
    if verdict == "review":
        assert v.reason.startswith("form submission, possibly a sales pitch")


@pytest.mark.parametrize("rule", ["lead", "ignored"])
def test_rule_for_form_visitor(rule):
    """A rule the owner taught for an address also decides that visitor's form submissions."""
    known = FakeKnown(rules={"seo-rankers.example": rule})
    v = classify((NONLEADS / "form_cf7_seo.eml").read_bytes(), me=ME, known=known)
    assert (v.verdict, v.reason) == (rule, f"{CF7}; sender rule for mark.wilson@seo-rankers.example: {rule}")


def test_known_lead_and_rules_come_before_signals():
    """A known lead's mail is a reply and a sender rule decides, whatever the text reads like."""
    pitch = (NONLEADS / "pitch_seo_stop.eml").read_bytes()
    v = classify(pitch, me=ME, known=FakeKnown(addresses={"ryan@rankboost-media.example": "lead-5"}))
    assert (v.verdict, v.lead_id) == ("reply", "lead-5")
    assert classify(pitch, me=ME, known=FakeKnown(rules={"rankboost-media.example": "lead"})).verdict == "lead"


def _mail(sender: str, subject: str, body: str, to: str = "info@acme-roofing.com", **headers: str) -> bytes:
    """A plain-text message; keyword headers are written with dashes (reply_to= becomes Reply-To)."""
    extra = "".join(f"{k.replace('_', '-').title()}: {v}\n" for k, v in headers.items())
    return f"From: {sender}\nTo: {to}\nSubject: {subject}\n{extra}\n{body}\n".encode()


def test_own_address_on_behalf_of_a_visitor_is_judged_as_the_visitor():
    """Mail from the owner's address to the owner, written for someone in Reply-To, is that person's."""
    data = _mail(
        "Acme Roofing <info@acme-roofing.com>",
        "Porch",
        "Hello, how much would a new porch roof cost? Dale",
        reply_to="Dale Cooper <dale.cooper@example.com>",
    )
    v = classify(data, me=ME)
    assert (v.verdict, v.fields.email, v.fields.name) == ("lead", "dale.cooper@example.com", "Dale Cooper")
    assert v.reason == 'direct inquiry from dale.cooper@example.com ("how much")'
    assert classify(data, me=ME, sent_folder=True).verdict == "ignored"


def test_unrecognised_form_notification_waits_for_review():
    """A no-reply form notice no recogniser reads is Review, never a lead named after the sender."""
    body = "You have a new message on your website. Log in to read it."
    v = classify(_mail("My Site <noreply@site-builder.example>", "New form submission", body), me=ME)
    assert (v.verdict, v.source, v.fields.name, v.fields.email) == ("review", None, None, None)
    assert v.reason == 'unrecognised form notification from noreply@site-builder.example ("New form submission")'


def test_wordpress_notice_is_not_a_direct_mail():
    """Mail from wordpress@ that is no form is a site notice, even where a rule (learned from a form) says lead."""
    body = "Howdy! Your site at https://acme-roofing.com has been updated automatically. Could you check it?"
    data = _mail("Acme Roofing <wordpress@acme-roofing.com>", "Your site has updated to WordPress 6.5.3", body)
    v = classify(data, me=ME, known=FakeKnown(rules={"wordpress@acme-roofing.com": "lead"}))
    assert (v.verdict, v.reason) == ("ignored", "WordPress notification from wordpress@acme-roofing.com")


@pytest.mark.parametrize(
    "name,reason",
    [
        ("accountant_bitcoin.eml", 'direct inquiry from dev.patel@gmail.com ("do you charge")'),
        ("lawyer_inheritance.eml", 'direct inquiry from mary.oneill@outlook.com ("Do you offer")'),
        ("spa_gift_card.eml", 'direct inquiry from karen.wu@yahoo.example ("I\'d like one")'),
        ("card_declined.eml", 'direct inquiry from luke.hart@gmail.com ("tried to book")'),
        ("within_24_hours.eml", 'direct inquiry from nadia.k@gmail.com ("Can someone come")'),
    ],
)
def test_words_customers_also_use_do_not_decide_alone(name, reason):
    """ "Bitcoin" to an accountant or "gift cards" to a spa is an inquiry: such words weigh, only pitches decide."""
    v = classify((MESSAGES / "inquiries" / name).read_bytes(), me=ME)
    assert (v.verdict, v.reason) == ("lead", reason)


def test_reply_in_an_unknown_thread_needs_more_signal():
    """A reply to a thread that is no lead's weighs less: a price question alone waits in Review."""
    data = _mail("Carol <carol@example.com>", "Re: Gutters", "How much?", in_reply_to="<old-1@acme-roofing.com>")
    v = classify(data, me=ME)
    assert (v.verdict, v.reason) == (
        "review",
        'reply from carol@example.com in a thread that is not a lead\'s, with "How much"',
    )
    assert classify(data.replace(b"In-Reply-To", b"X-Old-Reply-To"), me=ME).verdict == "lead"


def test_one_money_word_alone_is_not_a_lead():
    """A price word alone waits in Review; with a second inquiry signal it is a lead."""
    alone = classify(_mail("Ann <ann@example.com>", "June", "Prices change on Friday, see the list online."), me=ME)
    assert (alone.verdict, alone.reason) == (
        "review",
        'possible inquiry from ann@example.com: only a weak signal ("Prices")',
    )
    asked = classify(_mail("Ann <ann@example.com>", "June", "Prices for a new gutter? Thanks, Ann"), me=ME)
    assert (asked.verdict, asked.reason) == ("lead", 'direct inquiry from ann@example.com ("Prices")')


def test_opt_out_in_the_signature_counts():
    """A pitch that puts "Reply STOP" below its signature line is still a pitch."""
    body = "Hi, we can get you more customers from Google. Interested?\n-- \nTom, Growth Co\nReply STOP to opt out"
    v = classify(_mail("Tom <tom@growthco.example>", "Google", body), me=ME)
    assert (v.verdict, v.reason) == ("ignored", "cold sales pitch")


def test_two_megabyte_body_is_judged_quickly():
    """Signals see bounded input: a 2 MB body classifies in well under a second."""
    line = "Could you quote a new roof? " + "word " * 15 + "(555) 010-" + "9" * 40 + "\n"
    body = line * (2_000_000 // len(line))
    data = _mail("Big <big@example.com>", "roof", body)
    start = time.perf_counter()
    v = classify(data, me=ME)
    elapsed = time.perf_counter() - start
    assert v.verdict == "lead" and elapsed < 1.0, f"{elapsed:.2f} s"


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
