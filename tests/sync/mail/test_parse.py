"""Tests for sync.mail.parse: robust MIME parsing into a frozen Mail."""

import socket
import time
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sync.mail.parse import MAX_TEXT, Mail, decode_header, html_to_text, parse

MESSAGES = Path(__file__).parent / "messages"


def load(name: str) -> Mail:
    return parse((MESSAGES / name).read_bytes())


def test_headers_addresses_and_date():
    """Basic headers are decoded, addresses lowercased and the date is aware UTC."""
    m = load("cf7_en.eml")
    assert m.message_id == "<8d1f0c9e2b7a4c3e@acme-roofing.com>"
    assert m.from_name == "Acme Roofing" and m.from_addr == "wordpress@acme-roofing.com"
    assert m.reply_to == (("Jane Miller", "jane.miller@gmail.com"),)
    assert m.to == ("owner@acme-roofing.com",)
    assert m.subject == '[Acme Roofing] "Leak over the garage"'
    assert m.date == datetime(2024, 5, 7, 19, 2, 10, tzinfo=UTC)
    assert m.headers["x-amazon-mail-relay-type"] == "notification"
    assert not m.synthetic_id and not m.is_report


def test_mail_is_frozen():
    """Mail is a frozen dataclass: plain data safe to pass between threads."""
    m = load("cf7_en.eml")
    with pytest.raises(FrozenInstanceError):
        m.subject = "x"  # type: ignore[misc]


def test_thread_headers_parsed_to_ids():
    """In-Reply-To and folded References become Message-ID tuples."""
    m = load("reply_in_thread.eml")
    assert m.in_reply_to == "<out-1001@acme-roofing.com>"
    assert m.references == ("<CAF=abc123@mail.gmail.com>", "<out-1001@acme-roofing.com>")


def test_date_with_offset_converted_to_utc():
    """A local-offset Date header is converted to UTC."""
    assert load("cf7_de_from_owner.eml").date == datetime(2024, 5, 13, 6, 15, tzinfo=UTC)


def test_encoded_words_in_from_and_subject():
    """RFC 2047 words in latin-1 and base64 utf-8 decode correctly."""
    assert load("direct_de.eml").from_name == "Karin Vögel"
    assert load("direct_fr.eml").subject == "Demande de devis"
    assert load("direct_pt.eml").subject == "Orçamento implante"


def test_bad_header_encodings_do_not_break_parsing():
    """Broken base64 words, bogus charsets, raw 8-bit headers and a bad date are tolerated."""
    m = load("bad_header_encoding.eml")
    assert m.from_name == "Müller, Anna"  # encoded comma does not split the address
    assert m.from_addr == "anna.mueller@example.de"
    assert "info@acme-roofing.com" in m.to and "sales@acme-roofing.com" in m.to
    assert "ok@example.com" in m.cc
    assert "Dachrinne" in m.subject and "über" in m.subject
    assert m.date is None
    assert "Angebot für eine Dachrinne" in m.text


def test_decode_header_lenient():
    """decode_header joins adjacent encoded words and never raises."""
    assert decode_header("=?utf-8?q?Hello?= =?utf-8?q?_World?=") == "Hello World"
    assert decode_header("=?unknown-cs?q?caf=C3=A9?=") == "café"
    assert decode_header("=?utf-8?b?!!!?=") == "=?utf-8?b?!!!?="
    assert decode_header("=?utf-8?b?QW5mcmFnZQ!!?=") == "Anfrage"
    assert decode_header(None) == ""


def test_quoted_printable_latin1_body():
    """A latin-1 quoted-printable body is decoded to the right characters."""
    assert "könnten Sie mir ein Angebot für zwei" in load("direct_de.eml").text


def test_broken_base64_decodes_the_valid_lines():
    """Damaged base64 keeps the decodable text and drops the junk lines."""
    assert load("broken_base64.eml").text.strip() == "Hi, can you quote a new siding job? Omar"


def test_unknown_charset_falls_back_to_utf8():
    """An unknown declared charset falls back to utf-8."""
    assert load("unknown_charset.eml").text.strip() == "Hi, what would a 20 m² patio cost? Zoë"


def test_wrong_charset_falls_back_to_cp1252():
    """A body labelled utf-8 but written in Windows-1252 still decodes."""
    assert "s'il vous plaît. Merci, René" in load("wrong_charset.eml").text


def test_empty_body():
    """A message without body or subject parses to empty text."""
    m = load("empty_body.eml")
    assert m.text == "" and m.subject == "" and m.html is None


def test_html_only_converted_to_text():
    """HTML-only mail gets a plain-text rendering; the raw HTML is kept."""
    m = load("html_only.eml")
    assert "I'm interested in new vinyl siding for a two-story house." in m.text
    assert "Phone: +1 (617) 555-0102" in m.text
    assert "ignored title" not in m.text
    assert m.html is not None and "<div" in m.html


def test_hostile_html_dropped_and_nothing_fetched(monkeypatch):
    """Scripts, styles, frames are dropped and parsing opens no network connection."""

    def no_network(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    m = load("hostile_html.eml")
    assert m.text == "Could you send an estimate for a new deck?"
    for bad in ("fetch(", "background", "iframe text", "object text", "evil.example"):
        assert bad not in m.text


def test_html_tables_keep_rows_on_lines():
    """Table rows become tab-joined cells; label rows stay above value rows."""
    html = (
        "<table><tr><td>Name:</td><td>Ann</td></tr><tr><td><b>Email</b></td></tr>"
        "<tr><td>&nbsp;</td><td>a@b.example</td></tr></table><p>Bye<br>now</p>"
    )
    assert html_to_text(html) == "Name:\tAnn\nEmail\na@b.example\n\nBye\nnow"


def test_html_pre_keeps_whitespace():
    """Preformatted blocks keep their line breaks and indentation."""
    assert html_to_text("<pre>a\n  b</pre>") == "a\n  b"


def test_multipart_alternative_prefers_plain():
    """With text and HTML alternatives the text/plain part is the text."""
    m = load("elementor.eml")
    assert m.text.startswith("Name: Emma Wilson\nEmail: emma.wilson@yahoo.com")
    assert m.html is not None and "<br>" in m.html


def test_delivery_status_report_flagged():
    """multipart/report; report-type=delivery-status sets is_report; the attached
    original is not read as the body."""
    m = load("bounce.eml")
    assert m.is_report
    assert "could not be delivered" in m.text
    assert "Here is the estimate" not in m.text


def test_calendar_part_listed_in_content_types():
    """Every part's type is listed, so a text/calendar invitation can be spotted."""
    assert "text/calendar" in load("calendar_invite.eml").content_types


def test_synthetic_message_id_is_stable():
    """A missing Message-ID gets a stable synthetic key that changes with content."""
    raw = (MESSAGES / "no_message_id.eml").read_bytes()
    a, b = parse(raw), parse(raw)
    assert a.synthetic_id and a.message_id == b.message_id
    assert a.message_id.endswith("@leadbook.synthetic>") and len(a.message_id) == 1 + 64 + 20
    assert parse(raw.replace(b"July", b"August")).message_id != a.message_id


def test_huge_body_is_capped_and_fast():
    """A ~1.5 MB body parses quickly and the kept text is bounded."""
    raw = (MESSAGES / "huge_body.eml").read_bytes()
    assert len(raw) > 1_000_000
    start = time.perf_counter()
    m = parse(raw)
    assert time.perf_counter() - start < 2.0
    assert len(m.text) <= MAX_TEXT
    assert m.text.startswith("Hi, can you quote the attached job list?")


def test_garbage_bytes_do_not_raise():
    """Binary junk that is not a message still parses to a Mail."""
    m = load("garbage.eml")
    assert m.from_addr == "" and m.synthetic_id


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\n\n",
        b"From:\n",
        b"Content-Type: multipart/mixed\n\nno boundary",
        b"Content-Type: multipart/mixed; boundary=x\n\n--x\n--x--\n",
    ],
)
def test_degenerate_inputs(raw):
    """Empty and degenerate inputs parse without raising."""
    assert isinstance(parse(raw), Mail)
